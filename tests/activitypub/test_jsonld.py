"""JSON-LD normalisation: plain payloads pass untouched, other forms are compacted offline."""

import hashlib
import json
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pyld import jsonld as pyld

from activitypub.jsonld import (
    PINNED_CONTEXTS,
    PUBLIC,
    JsonLdError,
    normalise,
    pinned_document_loader,
)

PAYLOADS = Path(__file__).parent.parent / "fixtures" / "payloads"
CONTEXTS = Path(__file__).parent.parent.parent / "activitypub" / "contexts"
FIXTURES = sorted(PAYLOADS.glob("*/*.json"))
AS = "https://www.w3.org/ns/activitystreams"

# Fixtures whose expanded form compacts back to exactly what the sender wrote (nulls aside).
ROUND_TRIPS = [
    "gotosocial/announce_followers_only.json",
    "gotosocial/create_note_iri_only.json",
    "gotosocial/delete_public.json",
    "gotosocial/flag.json",
    "gotosocial/outbox_page.json",
    "mastodon/accept_follow.json",
    "mastodon/announce.json",
    "mastodon/announce_followers_only.json",
    "mastodon/create_note_hashtags_emoji.json",
    "mastodon/create_note_mention.json",
    "mastodon/create_note_public.json",
    "mastodon/create_note_reply_mention.json",
    "mastodon/delete_note.json",
    "mastodon/featured_collection.json",
    "mastodon/flag.json",
    "mastodon/follow.json",
    "mastodon/like.json",
    "mastodon/note_direct.json",
    "mastodon/note_with_language.json",
    "mastodon/person.json",
    "mastodon/question.json",
    "mastodon/undo_follow.json",
    "mastodon/undo_like.json",
    "mastodon/update_person.json",
    "misskey/create_note.json",
    "misskey/like_custom_emoji_reaction.json",
    "misskey/note_quote.json",
    "misskey/person_vcard_address.json",
    "pleroma/emoji_react.json",
]

# sha256 of each pinned file; a change here means a context is no longer the published text.
PINNED_SHA256 = {
    "activitystreams.jsonld": "a27b78b82f4980963127140d0cb74f0e8f21c0e2b8efd0368232bf9823edff5a",
    "security-v1.jsonld": "abaf97e107d1925503c433dcaf3ffd2831697cacc1ed2a293e1bc8030d5bcb47",
    "data-integrity-v1.jsonld": "b5d829bd09aa7c42abc6efa0c8ed7635313b5487f37ccfce3ecd149ca9418554",
    "did-v1.jsonld": "62c1054bf404d6dd3a4b26b64f830fd72095f6a26edc4469908c94351352ce5f",
}


def load(name: str) -> dict[str, Any]:
    document = json.loads((PAYLOADS / name).read_text("utf-8"))
    assert isinstance(document, dict)
    return document


def comparable(value: Any) -> Any:
    """JSON-LD drops nulls and does not tell one value from a list of one, nor list order."""
    if isinstance(value, list):
        items = [comparable(item) for item in value]
        if len(items) == 1:
            return items[0]
        return sorted(items, key=lambda item: json.dumps(item, sort_keys=True))
    if isinstance(value, dict):
        return {
            key: comparable(item)
            for key, item in value.items()
            if key != "@context" and item is not None
        }
    return value


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Any]]:
    """Every socket connect attempt is recorded and fails."""
    attempts: list[Any] = []

    def refuse(self: socket.socket, address: Any) -> None:
        attempts.append(address)
        raise OSError("network access during a JSON-LD test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    yield attempts


def test_the_network_guard_records_and_blocks_connections(no_network: list[Any]) -> None:
    with pytest.raises(OSError), socket.create_connection(("127.0.0.1", 9), timeout=1):
        pass
    assert no_network == [("127.0.0.1", 9)]


@pytest.mark.parametrize("path", FIXTURES, ids=lambda path: f"{path.parent.name}/{path.name}")
def test_every_real_payload_parses_and_takes_the_plain_path(path: Path) -> None:
    document = json.loads(path.read_text("utf-8"))
    assert isinstance(document, dict)
    assert normalise(document) is document


def test_fixture_corpus_covers_every_software() -> None:
    software = {path.parent.name for path in FIXTURES}
    assert {"mastodon", "gotosocial", "lemmy", "pleroma", "misskey", "mobilizon"} <= software
    assert len(FIXTURES) >= 60


def test_plain_mastodon_payload_is_returned_unchanged_and_uncopied() -> None:
    document = load("mastodon/create_note_reply_mention.json")
    before = json.dumps(document, sort_keys=True)
    result = normalise(document)
    assert result is document
    assert json.dumps(result, sort_keys=True) == before


def test_plain_path_takes_microseconds() -> None:
    document = load("mastodon/create_note_reply_mention.json")
    runs = 2_000
    started = time.perf_counter()
    for _ in range(runs):
        normalise(document)
    per_call = (time.perf_counter() - started) / runs
    assert per_call < 200e-6, f"plain path took {per_call * 1e6:.0f} µs"


@pytest.mark.parametrize("name", ROUND_TRIPS)
def test_expanded_payload_is_compacted_back_to_the_plain_form(
    name: str, no_network: list[Any]
) -> None:
    original = load(name)
    expanded = pyld.expand(original, {"documentLoader": pinned_document_loader, "base": None})
    assert len(expanded) == 1 and "@type" in expanded[0]
    result = normalise(expanded[0])
    assert comparable(result) == comparable(original)
    assert result["@context"][0] == AS
    assert no_network == []


def test_prefixed_terms_and_value_objects_become_plain_terms(no_network: list[Any]) -> None:
    document = {
        "@context": [AS, {"toot": "http://joinmastodon.org/ns#"}],
        "@id": "https://a.example/activities/1",
        "@type": "as:Create",
        "as:actor": "https://a.example/users/alice",
        "as:to": "as:Public",
        "cc": "Public",
        "as:published": "2024-01-01T00:00:00Z",
        "as:object": {
            "@id": "https://a.example/notes/1",
            "@type": "https://www.w3.org/ns/activitystreams#Note",
            "as:content": {"@value": "hello", "@language": "en"},
            "as:attributedTo": {"@id": "https://a.example/users/alice"},
            "toot:discoverable": True,
            "as:tag": {"@type": "as:Mention", "as:href": "https://b.example/users/bob"},
        },
    }
    result = normalise(document)
    del result["@context"]
    assert result == {
        "id": "https://a.example/activities/1",
        "type": "Create",
        "actor": "https://a.example/users/alice",
        "to": [PUBLIC],
        "cc": [PUBLIC],
        "published": "2024-01-01T00:00:00Z",
        "object": {
            "id": "https://a.example/notes/1",
            "type": "Note",
            "attributedTo": "https://a.example/users/alice",
            "content": "hello",
            "contentMap": {"en": "hello"},
            "discoverable": True,
            "tag": [{"type": "Mention", "href": "https://b.example/users/bob"}],
        },
    }
    assert no_network == []


@pytest.mark.parametrize("address", ["as:Public", "Public"])
def test_shorthand_public_addresses_become_the_full_collection_iri(address: str) -> None:
    document = {"@context": AS, "id": "https://a.example/n/1", "type": "Note", "to": [address]}
    assert normalise(document)["to"] == [PUBLIC]


def test_full_public_iri_stays_as_is_after_compaction() -> None:
    document = {
        "@context": AS,
        "@id": "https://a.example/n/1",
        "@type": "Note",
        "to": PUBLIC,
        "audience": {"@id": PUBLIC},
    }
    result = normalise(document)
    assert result["to"] == [PUBLIC]
    assert result["audience"] == [PUBLIC]


def test_a_document_without_context_is_read_as_activitystreams() -> None:
    document = {"@id": "https://a.example/n/1", "type": "Note", "as:content": "hi", "to": "Public"}
    result = normalise(document)
    assert result["id"] == "https://a.example/n/1"
    assert result["type"] == "Note"
    assert result["content"] == "hi"
    assert result["to"] == [PUBLIC]
    assert "@context" not in document


def test_an_inline_alias_of_an_activitystreams_term_is_resolved() -> None:
    document = {
        "@context": [AS, {"author": "as:attributedTo", "uri": "@id"}],
        "uri": "https://a.example/n/1",
        "type": "Note",
        "author": "https://a.example/users/alice",
    }
    result = normalise(document)
    assert result["id"] == "https://a.example/n/1"
    assert result["attributedTo"] == "https://a.example/users/alice"
    assert "author" not in result


def test_extension_prefixes_that_name_no_read_term_keep_the_plain_path() -> None:
    document = load("misskey/person_vcard_address.json")
    assert "vcard:Address" in document
    assert normalise(document) is document


def test_unknown_remote_context_is_refused_without_network(no_network: list[Any]) -> None:
    document = {
        "@context": [AS, "https://evil.example/context.jsonld"],
        "@id": "https://a.example/n/1",
        "@type": "Note",
    }
    with pytest.raises(JsonLdError, match=r"https://evil\.example/context\.jsonld"):
        normalise(document)
    assert no_network == []


def test_unknown_context_hidden_in_a_scoped_definition_is_refused(no_network: list[Any]) -> None:
    document = {
        "@context": [AS, {"extra": {"@id": "as:extra", "@context": "https://evil.example/c"}}],
        "@id": "https://a.example/n/1",
        "@type": "Note",
    }
    with pytest.raises(JsonLdError, match=r"https://evil\.example/c"):
        normalise(document)
    assert no_network == []


def test_unknown_context_on_a_plain_document_is_not_fetched_or_needed(
    no_network: list[Any],
) -> None:
    document = load("pleroma/create_note.json")
    assert any("litepub" in item for item in document["@context"] if isinstance(item, str))
    assert normalise(document) is document
    assert no_network == []


def test_pinned_loader_refuses_every_other_url() -> None:
    with pytest.raises(pyld.JsonLdError):
        pinned_document_loader("https://w3id.org/security/v2", {})
    loaded = pinned_document_loader(AS, {})
    assert loaded["document"]["@context"]["as"] == AS + "#"


def test_pinned_contexts_are_the_published_texts() -> None:
    for name, digest in PINNED_SHA256.items():
        assert hashlib.sha256((CONTEXTS / name).read_bytes()).hexdigest() == digest, name
    assert set(PINNED_CONTEXTS.values()) == set(PINNED_SHA256)


def test_data_integrity_and_did_contexts_are_served_offline(no_network: list[Any]) -> None:
    document = {
        "@context": [
            AS,
            "https://w3id.org/security/v1",
            "https://w3id.org/security/data-integrity/v1",
            "https://www.w3.org/ns/did/v1",
        ],
        "@id": "https://a.example/users/alice",
        "@type": "Person",
        "as:preferredUsername": "alice",
    }
    result = normalise(document)
    assert result["type"] == "Person"
    assert result["preferredUsername"] == "alice"
    assert no_network == []


def nested(depth: int) -> dict[str, Any]:
    document: dict[str, Any] = {"type": "Note"}
    for _ in range(depth):
        document = {"type": "Note", "object": document}
    return document


def test_too_deep_document_is_refused() -> None:
    normalise(nested(30))
    with pytest.raises(JsonLdError, match="deeper"):
        normalise(nested(40))


def test_depth_is_checked_before_any_context_is_looked_at() -> None:
    document = nested(40)
    document["@context"] = "https://evil.example/context"
    document["@id"] = "x"
    with pytest.raises(JsonLdError, match="deeper"):
        normalise(document)


def test_too_many_values_are_refused() -> None:
    normalise({"type": "Collection", "items": ["x"] * 9_000})
    with pytest.raises(JsonLdError, match="more than 10000 values"):
        normalise({"type": "Collection", "items": ["x"] * 10_000})


def test_too_long_string_is_refused() -> None:
    with pytest.raises(JsonLdError, match="string longer"):
        normalise({"type": "Note", "content": "x" * 300_000})


def test_too_long_key_is_refused() -> None:
    with pytest.raises(JsonLdError, match="key"):
        normalise({"type": "Note", "k" * 2_000: "x"})


def test_limits_can_be_tightened_per_call() -> None:
    with pytest.raises(JsonLdError, match="deeper than 3"):
        normalise(nested(5), max_depth=3)
    with pytest.raises(JsonLdError, match="more than 5 values"):
        normalise({"type": "Note", "tag": ["a", "b", "c", "d", "e"]}, max_nodes=5)
    with pytest.raises(JsonLdError, match="longer than 4"):
        normalise({"type": "Note", "content": "hello"}, max_string=4)


def test_a_graph_of_several_objects_is_refused() -> None:
    document = {
        "@context": AS,
        "@graph": [
            {"@id": "https://a.example/1", "type": "Note", "content": "a"},
            {"@id": "https://a.example/2", "type": "Note", "content": "b"},
        ],
    }
    with pytest.raises(JsonLdError, match="exactly one"):
        normalise(document)


def test_invalid_json_ld_is_refused_with_a_reason() -> None:
    with pytest.raises(JsonLdError, match="not valid JSON-LD"):
        normalise({"@context": [AS, 42], "@id": "https://a.example/1", "type": "Note"})


def test_a_document_that_is_not_an_object_is_refused() -> None:
    with pytest.raises(JsonLdError):
        normalise(["not", "an", "object"])  # type: ignore[arg-type]
