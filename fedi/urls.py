"""Where this node's own objects live: every local URL is built here."""

from dataclasses import dataclass

from fedi.config import Settings

ACTOR_PATHS = {"Person": "users", "Group": "groups"}
INSTANCE_ACTOR_PATH = "/actor"


@dataclass(frozen=True)
class Urls:
    base: str

    @classmethod
    def for_settings(cls, settings: Settings) -> "Urls":
        return cls(settings.base_url)

    def actor(self, actor_type: str, username: str) -> str:
        if actor_type == "Application":
            return self.base + INSTANCE_ACTOR_PATH
        return f"{self.base}/{ACTOR_PATHS[actor_type]}/{username}"

    def key_id(self, actor_uri: str) -> str:
        return actor_uri + "#main-key"

    def profile(self, actor_type: str, username: str) -> str:
        if actor_type == "Application":
            return self.base + "/about"
        return f"{self.base}/@{username}"

    @property
    def shared_inbox(self) -> str:
        return self.base + "/inbox"
