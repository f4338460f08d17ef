"""Reading what a page was sent: form fields trimmed, ticks, record ids and paging cursors."""

from starlette.datastructures import FormData
from starlette.requests import Request

# The API's record ids are bigints: anything longer is no record, not worth asking about.
MAX_ID_DIGITS = 19


def form_text(form: FormData, name: str) -> str:
    """The field's text without surrounding spaces; "" when it is missing or a file."""
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def form_ticked(form: FormData, name: str) -> bool:
    """Whether a checkbox was ticked: an unticked one is not sent at all."""
    return bool(form_text(form, name))


def api_flag(form: FormData, name: str) -> str:
    """A checkbox as the API reads it: an unticked box is not sent, so say "false" outright."""
    return "true" if form_ticked(form, name) else "false"


def record_id(value: str | None) -> str | None:
    """`value` if it can be an id of the API's records, else None."""
    if value and value.isdigit() and len(value) <= MAX_ID_DIGITS:
        return value
    return None


def max_id_cursor(request: Request) -> dict[str, str]:
    """The `max_id` of an "Older" link as API query parameters; nothing if it is no id."""
    value = record_id(request.query_params.get("max_id"))
    return {"max_id": value} if value else {}
