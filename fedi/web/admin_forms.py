"""What the node admins' pages share: the record id in their path or query."""

from starlette.requests import Request

from fedi.web.forms import record_id
from fedi.web.page import page_not_found


def path_id(request: Request) -> str:
    value = record_id(str(request.path_params["id"]))
    if value is None:
        raise page_not_found()
    return value


def query_id(request: Request, name: str) -> str | None:
    """A row id from the query string (a paging cursor or a filter), or None if it is not one."""
    return record_id(request.query_params.get(name))
