"""What the node admins' moderation pages share: reading their forms, path ids and paging."""

from starlette.datastructures import FormData
from starlette.requests import Request

from fedi.web.page import page_not_found
from fedi.web.page_api import ApiAnswer

# Row ids are bigints: anything longer is no row, and is not worth asking the API about.
MAX_ID_DIGITS = 19


def text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def flag(form: FormData, name: str) -> str:
    """A checkbox as the API reads it: an unticked box is not sent, so say "false" outright."""
    return "true" if text(form, name) else "false"


def path_id(request: Request) -> str:
    value = str(request.path_params["id"])
    if not value.isdigit() or len(value) > MAX_ID_DIGITS:
        raise page_not_found()
    return value


def query_id(request: Request, name: str) -> str | None:
    """A row id from the query string (a paging cursor or a filter), or None if it is not one."""
    value = request.query_params.get(name)
    return value if value and value.isdigit() and len(value) <= MAX_ID_DIGITS else None


def older(answer: ApiAnswer, limit: int) -> str | None:
    """The cursor of the next (older) page; none after a short page, which is the last one
    (the API links onwards from every page that has anything on it)."""
    return answer.next_max_id if len(answer.body) >= limit else None
