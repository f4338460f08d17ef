"""The OpenAPI document of /api/fedi: valid, served, and naming exactly the routes the app has."""

import httpx
import pytest
from openapi_spec_validator import validate
from starlette.routing import Route

from fedi.api.openapi import document
from fedi.app import Node, create_app

pytestmark = pytest.mark.asyncio(loop_scope="session")

METHODS = {"get", "put", "post", "delete", "patch"}


async def test_the_document_is_valid_openapi_3_1() -> None:
    assert document()["openapi"].startswith("3.1.")
    validate(document())  # raises, naming the fault, if it is not


async def test_every_fedi_route_is_documented_and_every_documented_one_exists(
    node: Node,
) -> None:
    app = create_app(node)
    served = {
        (route.path, method.lower())
        for route in app.routes
        if isinstance(route, Route) and route.path.startswith("/api/fedi/")
        for method in route.methods or ()
        if method != "HEAD"
    }
    documented = {
        (path, method)
        for path, operations in document()["paths"].items()
        for method in operations
        if method in METHODS
    }
    assert served, "no /api/fedi route is registered"
    assert served - documented == set(), "served but not documented"
    assert documented - served == set(), "documented but not served"


async def test_the_document_is_served_as_json(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/fedi/v1/openapi.json")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.json() == document()
