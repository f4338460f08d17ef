"""Flag: another server reports one of our accounts or posts to this node's moderators."""

from typing import Any

from activitypub.vocab import id_of
from fedi.domain import reports
from fedi.errors import Forbidden, InvalidInput
from inbox.handlers import HandlerContext, Refused, handler
from inbox.handlers.common import require_same_host


@handler("Flag")
async def on_flag(ctx: HandlerContext, activity: dict[str, Any]) -> None:
    # The id keeps a replay from reporting twice; only the sender's server may mint it.
    require_same_host(activity["id"], ctx.signer, "activity")
    obj = activity.get("object")
    items = obj if isinstance(obj, list) else [obj]
    uris = [uri for uri in (id_of(item) for item in items) if uri is not None]
    content = activity.get("content")
    try:
        await reports.receive_flag(
            ctx.conn,
            ctx.signer,
            activity["id"],
            uris,
            content if isinstance(content, str) else "",
        )
    except (Forbidden, InvalidInput) as exc:
        raise Refused(str(exc)) from exc
