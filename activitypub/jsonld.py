"""JSON-LD normalisation of incoming documents against pinned contexts that are never fetched."""

import copy
import json
import threading
from collections import OrderedDict
from collections.abc import Iterator
from functools import cache
from importlib import resources
from typing import Any

from pyld import jsonld as pyld
from pyld.context_resolver import ContextResolver

from activitypub.errors import ActivityPubError

MAX_DEPTH = 32
MAX_NODES = 10_000
MAX_STRING = 262_144
MAX_KEY = 1_000

PLAIN_CONTEXT = "https://www.w3.org/ns/activitystreams"
AS_NS = PLAIN_CONTEXT + "#"
PUBLIC = AS_NS + "Public"

# Each pinned remote context: the URLs that name it, and the file holding its exact text.
PINNED_CONTEXTS: dict[str, str] = {
    "https://www.w3.org/ns/activitystreams": "activitystreams.jsonld",
    "http://www.w3.org/ns/activitystreams": "activitystreams.jsonld",
    "https://www.w3.org/ns/activitystreams.jsonld": "activitystreams.jsonld",
    "https://w3id.org/security/v1": "security-v1.jsonld",
    "http://w3id.org/security/v1": "security-v1.jsonld",
    "https://w3id.org/security/data-integrity/v1": "data-integrity-v1.jsonld",
    "https://www.w3.org/ns/did/v1": "did-v1.jsonld",
}

# Namespaces whose terms the rest of the code reads; a key or type naming one of them in any form
# other than the plain term must go through JSON-LD processing.
READ_NAMESPACES = (
    AS_NS,
    "http://www.w3.org/ns/activitystreams#",
    "https://w3id.org/security#",
    "http://www.w3.org/ns/ldp#",
    "http://joinmastodon.org/ns#",
)
ADDRESSING = frozenset({"to", "cc", "bto", "bcc", "audience"})
ALWAYS_LISTS = ("to", "cc", "bto", "bcc", "audience", "tag", "attachment")
LANGUAGE_MAPS = (("content", "contentMap"), ("name", "nameMap"), ("summary", "summaryMap"))
HARMLESS_KEYWORD_ALIASES = frozenset({("id", "@id"), ("type", "@type")})
# Prefixes whose terms senders write unprefixed; a leftover "toot:x" from compaction becomes "x".
# (Misskey sends "vcard:Address" as is, so vcard stays prefixed, as do schema, xsd and dc.)
UNPREFIXED_NAMESPACES = frozenset(
    {"as", "sec", "ldp", "toot", "ostatus", "misskey", "litepub", "gts"}
)


class JsonLdError(ActivityPubError):
    """A document that is too large, uses an unknown remote context, or is not valid JSON-LD."""


def normalise(
    document: dict[str, Any],
    *,
    max_depth: int = MAX_DEPTH,
    max_nodes: int = MAX_NODES,
    max_string: int = MAX_STRING,
) -> dict[str, Any]:
    """Return the document in plain ActivityStreams form, refusing what cannot be read safely.

    The limits are checked first, on every document. A document that already uses the plain
    terms ("type", "actor", "to" ...) is returned as is: the same object, not a copy. Anything
    else (JSON-LD keywords as keys, prefixed or expanded ActivityStreams terms, "as:Public",
    inline aliases of ActivityStreams terms) is expanded and compacted by pyld against the
    pinned contexts; the result is a new dict. Raises JsonLdError when a limit is exceeded,
    when processing would need a remote context that is not pinned, or when the document is
    not valid JSON-LD describing one object.
    """
    if not isinstance(document, dict):
        raise JsonLdError("a JSON-LD document must be a JSON object")
    scan = _Scan(max_depth, max_nodes, max_string)
    scan.visit(document, 0, False)
    reason = scan.reason or _needs_processing(scan)
    if reason is None:
        return document
    return _process(document, reason)


class _Scan:
    """One pass over the document: enforces the limits and notes anything not in plain form."""

    __slots__ = (
        "colon_keys",
        "colon_types",
        "contexts",
        "max_depth",
        "max_nodes",
        "max_string",
        "nodes",
        "reason",
    )

    def __init__(self, max_depth: int, max_nodes: int, max_string: int) -> None:
        self.max_depth = max_depth
        self.max_nodes = max_nodes
        self.max_string = max_string
        self.nodes = 0
        self.reason: str | None = None
        self.colon_keys: list[str] = []
        self.colon_types: list[str] = []
        self.contexts: list[Any] = []

    def visit(self, value: Any, depth: int, in_context: bool) -> None:
        self.nodes += 1
        if self.nodes > self.max_nodes:
            raise JsonLdError(f"document has more than {self.max_nodes} values")
        if isinstance(value, str):
            if len(value) > self.max_string:
                raise JsonLdError(f"document has a string longer than {self.max_string}")
            return
        if depth >= self.max_depth and isinstance(value, dict | list):
            raise JsonLdError(f"document is nested deeper than {self.max_depth} levels")
        if isinstance(value, list):
            for item in value:
                self.visit(item, depth + 1, in_context)
            return
        if not isinstance(value, dict):
            return
        for key, item in value.items():
            if not isinstance(key, str) or len(key) > MAX_KEY:
                raise JsonLdError(f"document has a key that is not a string of at most {MAX_KEY}")
            if not in_context and self.reason is None:
                self._note_key(key, item)
            self.visit(item, depth + 1, in_context or key == "@context")

    def _note_key(self, key: str, item: Any) -> None:
        if key.startswith("@"):
            if key == "@context":
                self.contexts.append(item)
            else:
                self.reason = f"JSON-LD keyword {key}"
            return
        if ":" in key:
            self.colon_keys.append(key)
        if key == "type":
            for kind in item if isinstance(item, list) else (item,):
                if isinstance(kind, str) and ":" in kind:
                    self.colon_types.append(kind)
        elif key in ADDRESSING:
            for address in item if isinstance(item, list) else (item,):
                if address == "as:Public" or address == "Public":
                    self.reason = f"{address!r} in {key}"


def _needs_processing(scan: _Scan) -> str | None:
    """Why the plain reading would differ from the JSON-LD meaning, or None when it would not.

    Remote context URLs are not looked into here: like every other server, the plain reading
    takes the ActivityStreams terms at their word. Embedded contexts count like the top one.
    """
    prefixes = dict(_standard().prefixes)
    definitions: list[tuple[str, Any]] = []
    for local in _inline_contexts(scan.contexts):
        for term, definition in local.items():
            if term.startswith("@"):
                continue
            if isinstance(definition, str) and definition.endswith(("#", "/")):
                prefixes[term] = definition
            else:
                definitions.append((term, definition))
    for term, definition in definitions:
        if isinstance(definition, dict):
            if "@context" in definition or "@reverse" in definition:
                return f"a scoped definition of {term!r}"
            definition = definition.get("@id")
        if not isinstance(definition, str):
            continue
        if definition.startswith("@"):
            if (term, definition) not in HARMLESS_KEYWORD_ALIASES:
                return f"{term!r} aliases {definition}"
            continue
        iri = _expand_iri(definition, prefixes)
        # A standard term redefined elsewhere (Mobilizon's schema.org Place) still reads as plain
        # readers read it; only a new name for a term we read hides information from them.
        if term not in _standard().terms and _read_namespace_name(iri) not in (None, term):
            return f"{term!r} aliases {iri!r}"
    for key in scan.colon_keys:
        if _read_namespace_name(_expand_iri(key, prefixes)) is not None:
            return f"prefixed or expanded key {key!r}"
    for kind in scan.colon_types:
        if _read_namespace_name(_expand_iri(kind, prefixes)) is not None:
            return f"prefixed or expanded type {kind!r}"
    return None


def _inline_contexts(contexts: list[Any]) -> Iterator[dict[str, Any]]:
    for context in contexts:
        for item in context if isinstance(context, list) else (context,):
            if isinstance(item, dict):
                yield item


def _expand_iri(value: str, prefixes: dict[str, str]) -> str:
    prefix, colon, rest = value.partition(":")
    if colon and not rest.startswith("//") and prefix in prefixes:
        return prefixes[prefix] + rest
    return value


def _read_namespace_name(iri: str) -> str | None:
    for namespace in READ_NAMESPACES:
        if iri.startswith(namespace):
            return iri[len(namespace) :]
    return None


def _process(document: dict[str, Any], reason: str) -> dict[str, Any]:
    if "@context" not in document:
        # ActivityPub documents are ActivityStreams whether or not they say so.
        document = {"@context": PLAIN_CONTEXT, **document}
    for url in _remote_contexts(document):
        if url not in PINNED_CONTEXTS:
            raise JsonLdError(
                f"unknown remote JSON-LD context {url!r} (needed because of {reason}); "
                "contexts are pinned and never fetched"
            )
    # No base: a relative IRI stays as written rather than resolving against pyld's placeholder.
    options: dict[str, Any] = {
        "base": None,
        "documentLoader": pinned_document_loader,
        "contextResolver": ContextResolver(_resolved_contexts, pinned_document_loader),
    }
    try:
        expanded = pyld.expand(document, dict(options))
        compacted = pyld.compact(expanded, _standard().context, {**options, "skipExpansion": True})
    except Exception as exc:  # pyld raises many kinds on hostile input; all mean "not valid"
        raise JsonLdError(f"document is not valid JSON-LD ({reason}): {exc}") from exc
    if not isinstance(compacted, dict) or "@graph" in compacted:
        raise JsonLdError("document does not describe exactly one top-level object")
    if len(compacted) <= 1:
        raise JsonLdError("document has no ActivityStreams content after JSON-LD processing")
    result = _tidy(compacted, None)
    if not isinstance(result, dict):
        raise JsonLdError("document does not describe one object")
    return result


def _remote_contexts(value: Any) -> Iterator[str]:
    """Every context URL the JSON-LD processor would load for this document."""
    if isinstance(value, list):
        for item in value:
            yield from _remote_contexts(item)
    elif isinstance(value, dict):
        for key, item in value.items():
            if key == "@context":
                yield from _context_refs(item)
            else:
                yield from _remote_contexts(item)


def _context_refs(context: Any) -> Iterator[str]:
    if isinstance(context, str):
        yield context
    elif isinstance(context, list):
        for item in context:
            yield from _context_refs(item)
    elif isinstance(context, dict):
        for key, definition in context.items():
            if key == "@import" and isinstance(definition, str):
                yield definition
            elif isinstance(definition, dict) and "@context" in definition:
                yield from _context_refs(definition["@context"])


def pinned_document_loader(url: str, options: Any = None) -> dict[str, Any]:
    """pyld document loader that serves the pinned files and refuses everything else."""
    name = PINNED_CONTEXTS.get(url)
    if name is None:
        raise pyld.JsonLdError(
            f"remote context {url!r} is not pinned; it is never fetched",
            "jsonld.LoadDocumentError",
            code="loading remote context failed",
        )
    # pyld rewrites URLs inside a loaded context in place, so every load gets its own copy.
    return {"contextUrl": None, "documentUrl": url, "document": copy.deepcopy(_pinned(name))}


@cache
def _pinned(name: str) -> dict[str, Any]:
    text = resources.files("activitypub").joinpath("contexts", name).read_text("utf-8")
    document = json.loads(text)
    if not isinstance(document, dict):
        raise JsonLdError(f"pinned context {name} is not a JSON object")
    return document


class _BoundedCache:
    """The resolved-context cache pyld needs; bounded because inline contexts come from remotes."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._items: OrderedDict[str, Any] = OrderedDict()
        # Callers may run normalise in worker threads to keep pyld off the event loop.
        self._lock = threading.Lock()

    def get(self, key: str, default: Any = None) -> Any:
        with self._lock:
            if key not in self._items:
                return default
            self._items.move_to_end(key)
            return self._items[key]

    def __setitem__(self, key: str, value: Any) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self._size:
                self._items.popitem(last=False)


# Private to this module so that no other pyld user in the process can seed it with other texts.
_resolved_contexts = _BoundedCache(256)


class _Standard:
    """The context documents are compacted to, and the term and prefix tables taken from it."""

    def __init__(self) -> None:
        extensions = _pinned("extensions.jsonld")["@context"]
        self.context: dict[str, Any] = {
            "@context": [
                "https://www.w3.org/ns/activitystreams",
                "https://w3id.org/security/v1",
                extensions,
            ]
        }
        self.prefixes: dict[str, str] = {}
        self.terms: dict[str, str] = {}
        self.id_terms: set[str] = {"id"}
        for local in (
            _pinned("activitystreams.jsonld")["@context"],
            _pinned("security-v1.jsonld")["@context"],
            extensions,
        ):
            self._read(local)
        self.by_iri: dict[str, str] = {}
        for term, iri in self.terms.items():
            # Several terms share an IRI (items and orderedItems); keep the one named like it.
            if iri not in self.by_iri or iri.endswith(("#" + term, "/" + term, ":" + term)):
                self.by_iri[iri] = term

    def _read(self, local: dict[str, Any]) -> None:
        for term, definition in local.items():
            if isinstance(definition, str) and definition.endswith(("#", "/")):
                self.prefixes[term] = definition
        for term, definition in local.items():
            if term.startswith("@"):
                continue
            target = definition.get("@id") if isinstance(definition, dict) else definition
            if not isinstance(target, str) or target.startswith("@"):
                continue
            if target.endswith(("#", "/")):
                continue
            self.terms[term] = _expand_iri(target, self.prefixes)
            if isinstance(definition, dict) and definition.get("@type") == "@id":
                self.id_terms.add(term)


@cache
def _standard() -> _Standard:
    return _Standard()


def _tidy(value: Any, key: str | None) -> Any:
    """Turn compacted JSON-LD into the shape ActivityStreams readers expect."""
    if isinstance(value, list):
        return [_tidy(item, key) for item in value]
    if not isinstance(value, dict):
        if isinstance(value, str) and key is not None:
            if key == "type" and value.startswith("_:"):
                # Types the sender left undefined expand under the @vocab "_:" of ActivityStreams.
                return value[2:]
            return _public_form(value, key)
        return value
    if "@value" in value:
        return _tidy(value["@value"], key)
    if "@list" in value or "@set" in value:
        return _tidy(value.get("@list", value.get("@set")), key)
    out: dict[str, Any] = {}
    for key_name, item in value.items():
        name = str(key_name)
        if name == "@context":
            out[name] = copy.deepcopy(item)
            continue
        term = _plain_name(name)
        tidied = _tidy(item, term)
        if term in out:
            # A term given both plainly and as a leftover prefixed key: keep every value.
            merged = out[term] if isinstance(out[term], list) else [out[term]]
            out[term] = merged + (tidied if isinstance(tidied, list) else [tidied])
        else:
            out[term] = tidied
    for plain, language_map in LANGUAGE_MAPS:
        texts = out.get(language_map)
        if plain not in out and isinstance(texts, dict) and texts:
            out[plain] = texts.get("und", next(iter(texts.values())))
    for name in ALWAYS_LISTS:
        if name in out and not isinstance(out[name], list):
            out[name] = [out[name]]
    if key is not None and list(out) == ["id"]:
        # A bare node reference reads the same as its id, which is how senders write it.
        return out["id"]
    return out


def _plain_name(name: str) -> str:
    standard = _standard()
    if name.startswith("_:"):
        # Terms the sender left undefined expand under the @vocab "_:" of ActivityStreams.
        return name[2:]
    term = standard.by_iri.get(_expand_iri(name, standard.prefixes))
    if term is not None:
        return term
    prefix, colon, local = name.partition(":")
    if colon and prefix in UNPREFIXED_NAMESPACES and local and local not in standard.terms:
        return local
    return name


def _public_form(value: str, key: str) -> str:
    if key in ADDRESSING and value in ("as:Public", "Public"):
        return PUBLIC
    if key in _standard().id_terms:
        expanded = _expand_iri(value, _standard().prefixes)
        if expanded == PUBLIC:
            return PUBLIC
    return value
