"""Mastodon's scopes: parents cover granular children, unknown names are refused."""

import pytest

from fedi.api.auth import parse_scopes, scope_allows
from fedi.errors import FediError


def test_parent_scopes_cover_granular_ones() -> None:
    assert scope_allows(["read"], "read:statuses")
    assert scope_allows(["admin:read"], "admin:read:accounts")
    assert scope_allows(["follow"], "write:follows")
    assert not scope_allows(["read:statuses"], "read")
    assert not scope_allows(["write"], "read:statuses")
    assert not scope_allows(["read:accounts"], "read:statuses")


def test_unknown_scopes_are_named() -> None:
    assert parse_scopes("read write:statuses") == ["read", "write:statuses"]
    with pytest.raises(FediError, match="unknown scope: everything"):
        parse_scopes("read everything")
