"""What every API handler may use, set on the app by fedi/app.py."""

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from starlette.requests import HTTPConnection

from fedi.config import Settings
from fedi.urls import Urls
from outbox.publish import Publisher
from webfinger.resolver import RemoteResolver


@dataclass(frozen=True)
class ApiContext:
    pool: Any
    settings: Settings
    urls: Urls
    publisher: Publisher
    resolver: RemoteResolver

    @property
    def media_dir(self) -> Path:
        return self.settings.data_dir / "media"


def api_context(connection: HTTPConnection) -> ApiContext:
    context = connection.app.state.api
    assert isinstance(context, ApiContext)
    return context
