"""Reading the fields of a member page's form: text trimmed, ticks as true or false, ids."""

from starlette.datastructures import FormData

MAX_ID_DIGITS = 19


def form_text(form: FormData, name: str) -> str:
    """The field's text without surrounding spaces; "" when it is missing or a file."""
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def form_ticked(form: FormData, name: str) -> bool:
    """Whether a checkbox was ticked: an unticked one is not sent at all."""
    return bool(form_text(form, name))


def record_id(value: str | None) -> str | None:
    """`value` if it can be an id of the API's records, else None."""
    if value and value.isdigit() and len(value) <= MAX_ID_DIGITS:
        return value
    return None
