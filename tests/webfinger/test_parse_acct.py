"""Handles as people type them."""

import pytest

from webfinger.resolver import ResolveError, parse_acct


@pytest.mark.parametrize(
    ("text", "expected"),
    [("acct:a@B.example", ("a", "b.example")), ("@a@b.example:8443", ("a", "b.example:8443"))],
)
def test_parse_acct(text: str, expected: tuple[str, str]) -> None:
    assert parse_acct(text) == expected


@pytest.mark.parametrize("text", ["", "alice", "@alice", "alice@", "a@bad host"])
def test_parse_acct_refuses(text: str) -> None:
    with pytest.raises(ResolveError):
        parse_acct(text)
