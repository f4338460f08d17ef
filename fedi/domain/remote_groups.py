"""Remote groups as our local members see them: joining one (Follow or Join), posting into it,
and how a post it relays is filed here and who may see it.

A local account's membership of a remote group is a `follows` row (follower = the account,
followee = the Group actor); what the group's actor document says about itself (members-only,
its members collection, Follow or Join) is kept in `remote_groups`, refreshed with the actor.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from activitypub.hosts import InvalidHost, host_of
from activitypub.vocab import PUBLIC, first, id_of
from fedi.db import actors as actors_db
from fedi.db import follows as follows_db
from fedi.db import remote_groups as remote_groups_db
from fedi.db.actors import Actor
from fedi.db.posts import Post
from fedi.db.remote_groups import RemoteGroupFacts
from fedi.domain.visibility import infer_visibility, is_public_address
from fedi.errors import Forbidden, InvalidInput

# Mobilizon's own vocabulary; a group document using it takes members by Join, not Follow.
MOBILIZON_NS = "https://joinmobilizon.org/ns#"
# Our own groups say whether they are members-only with this term (fedi/web actor documents).
VISIBILITY_TERM = "fedi:visibility"
SHIELDED_JOIN = (
    "a shielded account cannot join or follow a group on another server:"
    " its membership would be visible there"
)


@dataclass(frozen=True)
class RemoteGroup:
    """A Group actor on another server, with what its document says about itself."""

    actor: Actor
    facts: RemoteGroupFacts

    @property
    def id(self) -> int:
        return self.actor.id

    @property
    def uri(self) -> str:
        return self.actor.uri

    @property
    def visibility(self) -> str:
        return self.facts.visibility

    @property
    def collections(self) -> frozenset[str]:
        """The group's own audiences: a post addressed to one of them (and not to Public) is
        for its members."""
        return frozenset(u for u in (self.facts.members_url, self.actor.followers_url) if u)


def is_remote_group(actor: Actor) -> bool:
    return actor.actor_type == "Group" and not actor.local


# What a group's actor document says


def _contexts(doc: dict[str, Any]) -> list[Any]:
    context = doc.get("@context")
    return context if isinstance(context, list) else [context]


def _speaks_mobilizon(doc: dict[str, Any]) -> bool:
    """Mobilizon declares its `mz:` namespace in every group document's context."""
    for entry in _contexts(doc):
        if isinstance(entry, str) and entry.startswith(MOBILIZON_NS.rstrip("#")):
            return True
        if isinstance(entry, dict) and any(
            isinstance(value, str) and value.startswith(MOBILIZON_NS) for value in entry.values()
        ):
            return True
    return False


def _declared_visibility(doc: dict[str, Any]) -> str | None:
    """`fedi:visibility`, written prefixed or as a plain term the context maps to it."""
    value = doc.get(VISIBILITY_TERM)
    if value is None:
        for entry in _contexts(doc):
            if not isinstance(entry, dict):
                continue
            term = entry.get("visibility")
            iri = term.get("@id") if isinstance(term, dict) else term
            if iri == VISIBILITY_TERM:
                value = doc.get("visibility")
    value = first(value)
    return value if isinstance(value, str) else None


def _same_host(doc_id: str, url: Any) -> str | None:
    url = id_of(url)
    if url is None:
        return None
    try:
        return url if host_of(url) == host_of(doc_id) else None
    except InvalidHost:
        return None


def facts_from_document(doc: dict[str, Any]) -> RemoteGroupFacts:
    """Read a (validated) Group actor document: members-only or not, its members collection,
    and whether it takes members by Follow or by Join."""
    doc_id = str(doc.get("id", ""))
    endpoints = doc.get("endpoints")
    members = _same_host(doc_id, doc.get("members"))
    if members is None and isinstance(endpoints, dict):
        members = _same_host(doc_id, endpoints.get("members"))
    visibility = "members" if _declared_visibility(doc) == "members" else "public"
    if visibility == "members" and members is None:
        # Our groups address members-only posts to {group}/members (fedi/db/groups.py).
        members = f"{doc_id}/members"
    return RemoteGroupFacts(
        visibility=visibility,
        members_url=members,
        join_type="Join" if _speaks_mobilizon(doc) else "Follow",
    )


async def record_document(conn: Any, actor: Actor, doc: dict[str, Any]) -> None:
    """Keep what a freshly fetched or updated remote Group's document says about itself."""
    if is_remote_group(actor):
        await remote_groups_db.put(conn, actor.id, facts_from_document(doc))


async def remote_group_of(conn: Any, actor: Actor) -> RemoteGroup | None:
    """The actor as a remote group, or None if it is not one. A group whose document was
    stored before this table existed counts as a public group joined by Follow."""
    if not is_remote_group(actor):
        return None
    row = await remote_groups_db.get(conn, actor.id)
    return RemoteGroup(actor, row.facts if row is not None else RemoteGroupFacts())


async def remote_group(conn: Any, actor_id: int) -> RemoteGroup | None:
    actor = await actors_db.by_id(conn, actor_id)
    return None if actor is None else await remote_group_of(conn, actor)


# Joining and leaving


def check_may_join(member: Actor, target: Actor) -> None:
    """Raise unless the member may join (follow) the target, as far as groups go.

    A remote group lists its members and followers for its own server and relays their posts:
    a shielded account's membership would be federated, which shielding promises never happens.
    """
    if member.shielded and is_remote_group(target):
        raise Forbidden(SHIELDED_JOIN)


async def join_type(conn: Any, target: Actor) -> str:
    """`Join` for a group that takes members that way (Mobilizon), else `Follow`."""
    group = await remote_group_of(conn, target)
    return group.facts.join_type if group is not None else "Follow"


# Posting into a remote group


@dataclass(frozen=True)
class RemotePlace:
    """A new post goes into this remote group, with this visibility."""

    group: RemoteGroup
    visibility: str

    def addressing(
        self, author: Actor, mentioned: Iterable[str]
    ) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """`to` and `cc`: a public group's post to everyone and the group (FEP-1b12), a
        members-only group's post to its members collection and the group, nobody else."""
        if self.visibility == "members":
            members = self.group.facts.members_url or f"{self.group.uri}/members"
            return (members, self.group.uri), ()
        assert author.followers_url is not None  # a local account has one
        return (PUBLIC, self.group.uri), (author.followers_url, *dict.fromkeys(mentioned))


async def place_for_post(
    conn: Any, author: Actor, group_id: int | None, parent: Post | None, requested: str
) -> RemotePlace | None:
    """The remote group a new post goes into: the draft's group (`group_id`), else the group of
    the remote group post it replies to. None when neither is a remote group (a local group's
    rules then decide, or the post is no group post).

    Only accepted members post into a group; the group decides the visibility. A reply joins
    the group's thread when it is meant as widely (public or unlisted), and always when it
    answers a members-only post and would otherwise reach the author's followers; a direct or
    local-only reply, or one by a non-member, stays an ordinary reply.
    """
    explicit = group_id is not None
    if not explicit and parent is not None:
        group_id = parent.group_id
    if group_id is None:
        return None
    group = await remote_group(conn, group_id)
    if group is None:
        return None
    if explicit and requested == "local":
        raise InvalidInput("a post into a group on another server cannot stay on this node")
    members_parent = parent is not None and parent.visibility == "members"
    if not explicit and not (
        requested in ("public", "unlisted") or (members_parent and requested == "followers")
    ):
        return None
    if not await follows_db.is_following(conn, author.id, group.id):
        if not explicit:
            return None
        raise Forbidden("only accepted members may post in this group: join it first")
    if author.shielded:
        raise Forbidden(SHIELDED_JOIN)
    # A reply is never looser than what it answers.
    return RemotePlace(group, "members" if members_parent else group.visibility)


# Posts a remote group relays


def is_addressed_to(group: RemoteGroup, recipients: Iterable[str], audience: Iterable[str]) -> bool:
    """Whether a post names the group as where it was posted: `audience` (FEP-1b12), the group
    among its recipients (Lemmy before `audience`, Mastodon mentions), or the group's members
    (Mobilizon's discussions)."""
    named = {*recipients, *audience}
    return group.uri in named or bool(named & group.collections)


def relayed_visibility(
    group: RemoteGroup | None, to: list[str], cc: list[str], author_followers: str | None
) -> str:
    """A post in a remote group addressed to its members (or followers) collection and not to
    Public is for its members; anything else is read as Mastodon reads it."""
    if group is not None:
        addressed = set(to) | set(cc)
        if addressed & group.collections and not any(map(is_public_address, addressed)):
            return "members"
    return infer_visibility(to, cc, author_followers)


def relay_visibility(to: Iterable[str], cc: Iterable[str]) -> str:
    """The visibility of a group's Announce, kept as its boost's: public, unlisted, or (to its
    members or followers) for those who follow the group."""
    if any(map(is_public_address, to)):
        return "public"
    if any(map(is_public_address, cc)):
        return "unlisted"
    return "followers"
