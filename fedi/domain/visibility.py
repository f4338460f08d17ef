"""Who a post is for: visibility from addressing (as Mastodon infers it) and the reverse."""

from collections.abc import Iterable
from dataclasses import dataclass

from activitypub.vocab import PUBLIC

VISIBILITIES = ("public", "unlisted", "followers", "direct", "local", "members", "confidential")
# Visibilities whose posts may leave this node.
FEDERATED = frozenset({"public", "unlisted", "followers", "direct"})
_PUBLIC_ALIASES = frozenset({PUBLIC, "as:Public", "Public"})


def is_public_address(uri: str) -> bool:
    return uri in _PUBLIC_ALIASES


def infer_visibility(to: Iterable[str], cc: Iterable[str], followers_url: str | None) -> str:
    """Mastodon's reading of `to`/`cc`: Public in to → public, in cc → unlisted, the author's
    followers collection → followers, anything else → direct."""
    to_set, cc_set = set(to), set(cc)
    if to_set & _PUBLIC_ALIASES:
        return "public"
    if cc_set & _PUBLIC_ALIASES:
        return "unlisted"
    if followers_url is not None and followers_url in (to_set | cc_set):
        return "followers"
    return "direct"


@dataclass(frozen=True)
class Addressing:
    to: tuple[str, ...]
    cc: tuple[str, ...]


def addressing_for(visibility: str, followers_url: str, mentioned: Iterable[str]) -> Addressing:
    """The `to`/`cc` a local post of this visibility is sent with."""
    mentions = tuple(dict.fromkeys(mentioned))
    if visibility == "public":
        return Addressing((PUBLIC,), (followers_url, *mentions))
    if visibility == "unlisted":
        return Addressing((followers_url,), (PUBLIC, *mentions))
    if visibility == "followers":
        return Addressing((followers_url,), mentions)
    if visibility == "direct":
        return Addressing(mentions, ())
    raise ValueError(f"{visibility} posts are not addressed to anyone outside this node")
