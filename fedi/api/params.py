"""Request parameters as Mastodon reads them: query, form (urlencoded or multipart) and JSON alike.

Rails-style keys are folded into lists and objects: `media_ids[]=1&media_ids[]=2` becomes a
list, `fields_attributes[0][name]=x` an object of objects, so handlers see one shape whatever the
client sent.
"""

import re
from typing import Any

import orjson
from starlette.datastructures import UploadFile
from starlette.requests import Request

from fedi.errors import InvalidInput

_KEY_PART = re.compile(r"\[([^\]]*)\]")
_TRUE = {"true", "1", "on", "yes", "t"}
_FALSE = {"false", "0", "off", "no", "f", ""}
MAX_JSON_BODY = 1_000_000


def _insert(target: dict[str, Any], key: str, value: Any) -> None:
    """Place `value` at a Rails-style key such as `a[b][]` inside `target`."""
    head, _, rest = key.partition("[")
    parts = [head, *_KEY_PART.findall("[" + rest)] if rest else [head]
    node: Any = target
    for index, part in enumerate(parts):
        last = index == len(parts) - 1
        following = None if last else parts[index + 1]
        if part == "":
            if not isinstance(node, list):
                return  # `a[][b]` or a clash of shapes: ignore rather than guess
            if last:
                node.append(value)
                return
            node.append({} if following else [])
            node = node[-1]
            continue
        if not isinstance(node, dict):
            return
        if last:
            if isinstance(node.get(part), list) and not isinstance(value, list):
                node[part].append(value)
            else:
                node[part] = value
            return
        if part not in node or not isinstance(node[part], dict | list):
            node[part] = [] if following == "" else {}
        node = node[part]


class Params:
    """One request's parameters; later sources (body) win over earlier ones (query)."""

    def __init__(self, values: dict[str, Any]) -> None:
        self.values = values

    @classmethod
    async def read(cls, request: Request) -> "Params":
        values: dict[str, Any] = {}
        for key, value in request.query_params.multi_items():
            _insert(values, key, value)
        if request.method in ("POST", "PUT", "PATCH", "DELETE"):
            await cls._read_body(request, values)
        return cls(values)

    @staticmethod
    async def _read_body(request: Request, values: dict[str, Any]) -> None:
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if content_type == "application/json" or content_type.endswith("+json"):
            body = await request.body()
            if len(body) > MAX_JSON_BODY:
                raise InvalidInput("the request body is too large")
            if not body.strip():
                return
            try:
                parsed = orjson.loads(body)
            except orjson.JSONDecodeError as exc:
                raise InvalidInput(f"the body is not valid JSON: {exc}") from exc
            if not isinstance(parsed, dict):
                raise InvalidInput("the JSON body must be an object")
            for key, value in parsed.items():
                _insert(values, key, value)
        elif content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
            form = await request.form(max_files=8, max_fields=1000)
            for key, value in form.multi_items():
                _insert(values, key, value)

    def __contains__(self, name: str) -> bool:
        return name in self.values

    def raw(self, name: str) -> Any:
        return self.values.get(name)

    def text(
        self, name: str, default: str | None = None, *, max_length: int = 100_000
    ) -> str | None:
        value = self.values.get(name)
        if value is None:
            return default
        if isinstance(value, bool | int | float):
            value = str(value).lower() if isinstance(value, bool) else str(value)
        if not isinstance(value, str):
            raise InvalidInput(f"{name} must be a string")
        if len(value) > max_length:
            raise InvalidInput(f"{name} is longer than {max_length} characters")
        return value

    def flag(self, name: str, default: bool = False) -> bool:
        value = self.values.get(name)
        if value is None:
            return default
        if isinstance(value, bool):
            return value
        if isinstance(value, int | str) and str(value).strip().lower() in _TRUE:
            return True
        if isinstance(value, int | str) and str(value).strip().lower() in _FALSE:
            return False
        raise InvalidInput(f"{name} must be true or false")

    def integer(
        self,
        name: str,
        default: int | None = None,
        *,
        minimum: int | None = None,
        maximum: int | None = None,
        clamp: bool = False,
    ) -> int | None:
        value = self.values.get(name)
        if value is None or value == "":
            return default
        try:
            number = int(value)
        except (TypeError, ValueError):
            raise InvalidInput(f"{name} must be a whole number") from None
        if minimum is not None and number < minimum:
            if not clamp:
                raise InvalidInput(f"{name} must be at least {minimum}")
            number = minimum
        if maximum is not None and number > maximum:
            if not clamp:
                raise InvalidInput(f"{name} must be at most {maximum}")
            number = maximum
        return number

    def strings(self, name: str, *, max_items: int = 100) -> list[str]:
        """A list parameter, sent as `name[]`, as a JSON array, or as one plain value."""
        value = self.values.get(name)
        if value is None:
            return []
        items = value if isinstance(value, list) else [value]
        if isinstance(value, dict):
            items = list(value.values())  # `name[0]=a&name[1]=b`
        if len(items) > max_items:
            raise InvalidInput(f"{name} may have at most {max_items} items")
        out = []
        for item in items:
            if isinstance(item, bool | dict | list) or item is None:
                raise InvalidInput(f"{name} must be a list of strings")
            out.append(str(item))
        return out

    def obj(self, name: str) -> dict[str, Any]:
        value = self.values.get(name)
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise InvalidInput(f"{name} must be an object")
        return value

    def file(self, name: str) -> UploadFile | None:
        value = self.values.get(name)
        if value is None or value == "":
            return None
        if not isinstance(value, UploadFile):
            raise InvalidInput(f"{name} must be a file upload")
        return value
