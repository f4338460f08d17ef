"""The client API as the pages call it: in-process, with the member's own session token.

The pages are a client of the node's API, as Mastodon's own web interface is: every rule,
check and error message is the API's, and a page never reaches around it into the database
for something the API does. The calls skip the network and the per-IP rate limit (a page
view is one request from the browser, however many API calls it makes).
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import httpx
from starlette.types import ASGIApp

# What an HTML form sends, passed on as it came: several values may share a name.
FormFields = Mapping[str, str | Sequence[str]] | Sequence[tuple[str, str]]
Upload = tuple[str, bytes, str]


class ApiRefused(Exception):
    """The API answered with an error; `message` is its `error` text."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class ApiAnswer:
    status: int
    body: Any
    # The `max_id` of the next (older) page, from the Link header, when there is one.
    next_max_id: str | None


def _grouped(data: FormFields | None) -> dict[str, list[str]] | None:
    """httpx takes repeated names as a dict of lists (a list of pairs would be raw bytes)."""
    if data is None:
        return None
    pairs = data.items() if isinstance(data, Mapping) else data
    grouped: dict[str, list[str]] = {}
    for name, value in pairs:
        values = [value] if isinstance(value, str) else list(value)
        grouped.setdefault(name, []).extend(values)
    return grouped


def _next_max_id(response: httpx.Response) -> str | None:
    following = response.links.get("next")
    if not following:
        return None
    found = httpx.URL(following["url"]).params.get("max_id")
    return str(found) if found else None


def older(answer: ApiAnswer, limit: int) -> str | None:
    """The cursor of the next, older page; none after a short page, which is the last one
    (the API links onwards from every page that has anything on it)."""
    return answer.next_max_id if len(answer.body) >= limit else None


class PageApi:
    """One in-process HTTP client for the life of the app."""

    def __init__(self, api: ASGIApp, base_url: str) -> None:
        transport = httpx.ASGITransport(app=api, client=("127.0.0.1", 0))
        self._client = httpx.AsyncClient(transport=transport, base_url=base_url)

    async def close(self) -> None:
        await self._client.aclose()

    async def call(
        self,
        method: str,
        path: str,
        token: str | None,
        *,
        params: dict[str, Any] | None = None,
        data: FormFields | None = None,
        files: list[tuple[str, Upload]] | None = None,
        json: Any = None,
    ) -> ApiAnswer:
        """The API's answer; an error status raises `ApiRefused` with the API's message."""
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        response = await self._client.request(
            method,
            path,
            params=params,
            data=_grouped(data),
            files=files,
            json=json,
            headers=headers,
        )
        body = response.json() if response.content else None
        if response.status_code >= 400:
            message = body.get("error") if isinstance(body, dict) else None
            raise ApiRefused(response.status_code, str(message or response.reason_phrase))
        return ApiAnswer(response.status_code, body, _next_max_id(response))

    async def get(self, path: str, token: str | None, **params: Any) -> Any:
        found = {name: value for name, value in params.items() if value is not None}
        return (await self.call("GET", path, token, params=found)).body

    async def post(self, path: str, token: str | None, data: FormFields | None = None) -> Any:
        return (await self.call("POST", path, token, data=data or {})).body
