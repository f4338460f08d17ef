"""Every answer of /api/fedi checked against the OpenAPI document: its status must be one the
operation documents, and its body must validate against the schema documented for it."""

import re
from typing import Any

import httpx
from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from fedi.api.openapi import document

BASE = "urn:fedi-openapi"
PREFIX = "/api/fedi/"


def _registry() -> Registry:
    resource = Resource.from_contents(document(), default_specification=DRAFT202012)
    return Registry().with_resource(BASE, resource)


REGISTRY = _registry()
TEMPLATES = [
    (re.compile("^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(path)) + "$"), path)
    for path in document()["paths"]
]


def _pointer(*parts: str) -> str:
    return "/".join(part.replace("~", "~0").replace("/", "~1") for part in parts)


def operation_of(method: str, path: str) -> tuple[str, dict[str, Any]]:
    """The documented path template and operation a request was answered by."""
    for pattern, template in TEMPLATES:
        if pattern.match(path):
            operations = document()["paths"][template]
            assert method.lower() in operations, f"{method} {template} is not documented"
            return template, operations[method.lower()]
    raise AssertionError(f"{path} is not documented")


def check_response(response: httpx.Response) -> None:
    """Assert that a response of our group API is as the document says."""
    request = response.request
    template, operation = operation_of(request.method, request.url.path)
    status = str(response.status_code)
    assert status in operation["responses"], (
        f"{request.method} {template} answered {status}, which it does not document:"
        f" {response.text}"
    )
    if status.startswith("2"):
        where = _pointer(
            "paths",
            template,
            request.method.lower(),
            "responses",
            status,
            "content",
            "application/json",
            "schema",
        )
    else:
        where = "components/schemas/Error"
    validator = Draft202012Validator(
        {"$ref": f"{BASE}#/{where}"}, registry=REGISTRY, format_checker=FormatChecker()
    )
    errors = sorted(validator.iter_errors(response.json()), key=str)
    assert not errors, (
        f"{request.method} {request.url.path} -> {status} does not match the document:"
        f" {errors[0].message} at {list(errors[0].absolute_path)}"
    )


async def validate_hook(response: httpx.Response) -> None:
    """An httpx response hook: checks every answer under /api/fedi as it arrives."""
    if response.request.url.path.startswith(PREFIX):
        await response.aread()
        check_response(response)
