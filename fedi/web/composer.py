"""The composer: one form for a post to the member's followers, a group or a space.

Each image is uploaded through the media API with its description, then the post through the
statuses API (or a space's statuses API): the same checks as any Mastodon app gets.
"""

from dataclasses import dataclass
from typing import Any

from starlette.datastructures import FormData, UploadFile
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from fedi.web.forms import form_text
from fedi.web.i18n import N_
from fedi.web.page import (
    PageError,
    local_path,
    redirect,
    register_notices,
    require_member,
    submitted_form,
    web_context,
)
from fedi.web.page_api import ApiRefused, PageApi
from fedi.web.session import Member

MAX_IMAGES = 4
MAX_IMAGE_BYTES = 16 * 1024 * 1024
# The form's choices, as the statuses API names them ("local" is public and never federated).
VISIBILITIES = (
    ("public", N_("Public")),
    ("unlisted", N_("Unlisted")),
    ("private", N_("Followers only")),
    ("direct", N_("Mentioned people only")),
    ("local", N_("This node only")),
)

register_notices({"posted": N_("Your post is published.")})


@dataclass(frozen=True)
class Target:
    """Where a post goes: nowhere in particular (the member's followers), a group or a space."""

    group_id: str | None = None
    space_id: str | None = None

    @classmethod
    def parse(cls, value: str) -> "Target":
        kind, _, rest = value.partition(":")
        group_id, _, space_id = rest.partition(":")
        if kind == "g" and group_id.isdigit():
            return cls(group_id)
        if kind == "s" and group_id.isdigit() and space_id.isdigit():
            return cls(group_id, space_id)
        return cls()


def _fields(form: FormData) -> list[tuple[str, str]]:
    visibility = form_text(form, "visibility") or "public"
    fields = [
        ("status", form_text(form, "status")),
        ("spoiler_text", form_text(form, "spoiler_text")),
        ("language", form_text(form, "language")),
    ]
    if visibility == "local":
        fields += [("visibility", "public"), ("local_only", "true")]
    else:
        fields.append(("visibility", visibility))
    if form_text(form, "sensitive"):
        fields.append(("sensitive", "true"))
    if form_text(form, "in_reply_to_id"):
        fields.append(("in_reply_to_id", form_text(form, "in_reply_to_id")))
    return fields


async def _upload_images(api: PageApi, member: Member, form: FormData) -> list[str]:
    images = [item for item in form.getlist("images") if isinstance(item, UploadFile)]
    descriptions = [item if isinstance(item, str) else "" for item in form.getlist("descriptions")]
    chosen = [image for image in images if image.filename]
    if len(chosen) > MAX_IMAGES:
        raise ApiRefused(422, N_("A post may have at most four images."))
    ids = []
    for index, image in enumerate(chosen):
        if image.size is not None and image.size > MAX_IMAGE_BYTES:
            raise ApiRefused(422, N_("An image may be at most 16 MB."))
        content = await image.read()
        description = descriptions[index].strip() if index < len(descriptions) else ""
        answer = await api.call(
            "POST",
            "/api/v2/media",
            member.token,
            data={"description": description},
            files=[("file", (image.filename or "image", content, image.content_type or ""))],
        )
        ids.append(str(answer.body["id"]))
    return ids


async def publish(request: Request, member: Member, form: FormData) -> dict[str, Any]:
    """Post the composer's form; `ApiRefused` carries the API's reason when it refuses."""
    api = web_context(request).api
    fields = _fields(form)
    # The other languages are checked before any image is uploaded: a refusal leaves nothing.
    fields += extra_fields(form)
    fields += [("media_ids[]", media_id) for media_id in await _upload_images(api, member, form)]
    target = Target.parse(form_text(form, "target"))
    if target.space_id is not None:
        path = f"/api/fedi/v1/groups/{target.group_id}/spaces/{target.space_id}/statuses"
    elif target.group_id is not None:
        group = await api.get(f"/api/fedi/v1/groups/{target.group_id}", member.token)
        path = "/api/v1/statuses"
        fields = [(name, value) for name, value in fields if name != "status"]
        fields.append(("status", f"@{group['acct']} {form_text(form, 'status')}"))
    else:
        path = "/api/v1/statuses"
    answer = await api.call("POST", path, member.token, data=fields)
    status: dict[str, Any] = answer.body
    return status


def extra_fields(form: FormData) -> list[tuple[str, str]]:
    """More fields a part of the composer adds: the post in other languages, from the rows of
    partials/composer_languages.html, as the statuses API's `content_map[<language>]`. A row
    without text is left out; the API checks the rest, but these mistakes are told here in
    the reader's language."""
    languages = [item if isinstance(item, str) else "" for item in form.getlist("extra_language")]
    texts = [item if isinstance(item, str) else "" for item in form.getlist("extra_text")]
    own = form_text(form, "language")
    fields: list[tuple[str, str]] = []
    for index, text in enumerate(texts):
        language = languages[index].strip() if index < len(languages) else ""
        if not text.strip():
            continue
        if not language:
            raise ApiRefused(422, N_("Choose the language of each added version of the post."))
        if language == own:
            raise ApiRefused(422, N_("An added version cannot be in the post's own language."))
        if any(name == f"content_map[{language}]" for name, _ in fields):
            raise ApiRefused(422, N_("Each added language may be chosen only once."))
        fields.append((f"content_map[{language}]", text.strip()))
    return fields


async def compose(request: Request) -> Response:
    member = await require_member(request)
    form = await submitted_form(request)
    back = local_path(form_text(form, "back") or None, "/home")
    if not form_text(form, "status") and not any(
        isinstance(item, UploadFile) and item.filename for item in form.getlist("images")
    ):
        raise PageError(422, N_("Write something or add an image before posting."))
    try:
        await publish(request, member, form)
    except ApiRefused as refused:
        raise PageError(refused.status, refused.message) from None
    return redirect(back, "posted")


def routes() -> list[BaseRoute]:
    return [Route("/compose", compose, methods=["POST"])]
