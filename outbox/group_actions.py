"""What members and moderators do to local groups: each change and what other nodes must hear
of it, in one transaction (the group counterpart of outbox/publish.py)."""

from dataclasses import dataclass
from typing import Any

from activitypub.vocab import PUBLIC
from fedi.db import activities as activities_db
from fedi.db import actors as actors_db
from fedi.db import groups as groups_db
from fedi.db import posts as posts_db
from fedi.db.actors import Actor
from fedi.db.groups import Group, Membership, Space
from fedi.db.posts import Post
from fedi.domain import groups
from fedi.domain.groups import NewGroup
from fedi.errors import InvalidInput, NotFound
from fedi.federation import activities
from fedi.federation.group_documents import group_to_document
from outbox import group_relay, publish
from outbox.publish import Publisher


@dataclass(frozen=True)
class GroupChange:
    """A change of a group's profile or settings; None leaves a field as it is."""

    display_name: str | None = None
    summary: str | None = None
    visibility: str | None = None
    join_policy: str | None = None
    language: str | None = None
    rules: list[str] | None = None


@dataclass(frozen=True)
class GroupActions:
    publisher: Publisher

    @property
    def pool(self) -> Any:
        return self.publisher.pool

    async def _group(self, conn: Any, viewer: Actor, group_id: int) -> Group:
        return await groups.visible_group(conn, viewer, group_id)

    async def create_group(self, owner: Actor, new: NewGroup) -> tuple[Group, Space]:
        async with self.pool.acquire() as conn, conn.transaction():
            return await groups.create_group(
                conn, self.publisher.urls, self.publisher.domain, owner, new
            )

    async def update_group(self, admin: Actor, group_id: int, change: GroupChange) -> Group:
        async with self.pool.acquire() as conn, conn.transaction():
            group = await self._group(conn, admin, group_id)
            await groups.require_role(conn, group, admin, "admin")
            profile: dict[str, Any] = {}
            if change.display_name is not None:
                if len(change.display_name) > groups.MAX_NAME:
                    raise InvalidInput(f"a name may have at most {groups.MAX_NAME} characters")
                profile["display_name"] = change.display_name
            if change.summary is not None:
                if len(change.summary) > groups.MAX_DESCRIPTION:
                    raise InvalidInput(
                        f"a description may have at most {groups.MAX_DESCRIPTION} characters"
                    )
                profile["summary"] = change.summary
            if profile:
                await actors_db.update_local_profile(conn, group.id, **profile)
            group = await groups.update_settings(
                conn,
                group,
                admin,
                join_policy=change.join_policy,
                language=change.language,
                rules=change.rules,
            )
            if change.visibility is not None:
                group = await groups.set_visibility(conn, group, admin, change.visibility)
            if change != GroupChange():
                await self._announce_profile(conn, group)
            return group

    async def _announce_profile(self, conn: Any, group: Group) -> None:
        """Update{Group} to the remote members' nodes; a group made confidential says nothing,
        not even goodbye (its remote members were dropped silently)."""
        if group.visibility == "confidential":
            return
        body = group_to_document(group, await groups_db.spaces_of(conn, group.id))
        update = activities.update(group.actor, {k: v for k, v in body.items() if k != "@context"})
        update["@context"] = body["@context"]
        update["to"] = [PUBLIC] if group.visibility == "public" else [group.members_url]
        update["cc"] = []
        await group_relay.update_group(conn, group, update, self.publisher.domain)

    async def join(self, actor: Actor, group_id: int) -> Membership:
        """A local account joins (or asks to join, or accepts an invitation to) a local group."""
        async with self.pool.acquire() as conn, conn.transaction():
            group = await self._group(conn, actor, group_id)
            return await groups.request_membership(conn, group, actor)

    async def leave(self, actor: Actor, group_id: int) -> None:
        async with self.pool.acquire() as conn, conn.transaction():
            group = await self._group(conn, actor, group_id)
            await groups.leave(conn, group, actor)

    async def answer_request(
        self, moderator: Actor, group_id: int, member_id: int, *, accept: bool
    ) -> Membership:
        async with self.pool.acquire() as conn, conn.transaction():
            group = await self._group(conn, moderator, group_id)
            entry = await groups.answer_request(conn, group, moderator, member_id, accept=accept)
            member = await actors_db.by_id(conn, member_id)
            assert member is not None
            verdict = "Accept" if accept else "Reject"
            await group_relay.answer_request(
                conn, group, entry, member, verdict, self.publisher.domain
            )
            return entry

    async def invite(self, inviter: Actor, group_id: int, invitee: Actor) -> Membership:
        async with self.pool.acquire() as conn, conn.transaction():
            group = await self._group(conn, inviter, group_id)
            entry = await groups.invite(conn, group, inviter, invitee)
            domain = self.publisher.domain
            if entry.state == "member":  # they had asked: the invitation approves the request
                await group_relay.answer_request(conn, group, entry, invitee, "Accept", domain)
            else:
                await group_relay.invite(conn, group, invitee, domain)
            return entry

    async def set_role(self, admin: Actor, group_id: int, member_id: int, role: str) -> Membership:
        async with self.pool.acquire() as conn, conn.transaction():
            group = await self._group(conn, admin, group_id)
            return await groups.set_role(conn, group, admin, member_id, role)

    async def ban(
        self, moderator: Actor, group_id: int, member_id: int, reason: str = ""
    ) -> Membership:
        async with self.pool.acquire() as conn, conn.transaction():
            group = await self._group(conn, moderator, group_id)
            before = await groups_db.membership(conn, group.id, member_id)
            entry = await groups.ban(conn, group, moderator, member_id, reason)
            member = await actors_db.by_id(conn, member_id)
            assert member is not None
            domain = self.publisher.domain
            if before is not None and before.state in ("member", "pending"):
                # As Lemmy: the membership (their Follow or Join) is rejected, then blocked.
                await group_relay.answer_request(conn, group, entry, member, "Reject", domain)
            await group_relay.block(conn, group, member, domain)
            return entry

    async def unban(self, moderator: Actor, group_id: int, member_id: int) -> None:
        async with self.pool.acquire() as conn, conn.transaction():
            group = await self._group(conn, moderator, group_id)
            await groups.unban(conn, group, moderator, member_id)
            member = await actors_db.by_id(conn, member_id)
            assert member is not None
            block = await activities_db.latest_document(conn, group.id, "Block", member.uri)
            if block is not None:
                await group_relay.unblock(conn, group, member, block, self.publisher.domain)

    async def create_space(
        self,
        admin: Actor,
        group_id: int,
        *,
        slug: str,
        name: str,
        description: str = "",
        visibility: str | None = None,
    ) -> Space:
        async with self.pool.acquire() as conn, conn.transaction():
            group = await self._group(conn, admin, group_id)
            return await groups.create_space(
                conn,
                group,
                admin,
                slug=slug,
                name=name,
                description=description,
                visibility=visibility,
            )

    async def update_space(
        self,
        admin: Actor,
        group_id: int,
        space_id: int,
        *,
        name: str | None = None,
        description: str | None = None,
        visibility: str | None = None,
    ) -> Space:
        async with self.pool.acquire() as conn, conn.transaction():
            group = await self._group(conn, admin, group_id)
            space = await groups.space_for_post(conn, group, space_id)
            return await groups.update_space(
                conn,
                group,
                admin,
                space,
                name=name,
                description=description,
                visibility=visibility,
            )

    async def _group_post(self, conn: Any, group: Group, post_id: int) -> Post:
        post = await posts_db.by_id(conn, post_id)
        if post is None or post.group_id != group.id:
            raise NotFound("no such post in this group")
        return post

    async def move_post(self, actor: Actor, group_id: int, post_id: int, space_id: int) -> Post:
        async with self.pool.acquire() as conn, conn.transaction():
            group = await self._group(conn, actor, group_id)
            post = await self._group_post(conn, group, post_id)
            target = await groups.space_for_post(conn, group, space_id)
            await groups.move_post(conn, group, actor, post, target)
            moved = await posts_db.by_id(conn, post_id)
            assert moved is not None
            return moved

    async def remove_post(
        self, moderator: Actor, group_id: int, post_id: int, reason: str = ""
    ) -> None:
        """A moderator takes a post out of the group: a local author's post is deleted, a
        remote author's post leaves the group (and this node)."""
        async with self.pool.acquire() as conn, conn.transaction():
            group = await self._group(conn, moderator, group_id)
            await groups.require_role(conn, group, moderator, "moderator")
            post = await self._group_post(conn, group, post_id)
            author = await actors_db.by_id(conn, post.actor_id)
            assert author is not None
            await groups_db.log_moderation(
                conn,
                group.id,
                moderator.id,
                "remove_post",
                target_actor_id=author.id,
                target_post_id=post.id,
                reason=reason,
            )
            domain = self.publisher.domain
            if not author.local:
                await posts_db.delete(conn, post, author.uri)
                await group_relay.remove_post(conn, group, post, domain)
                return
            # A local author's post is gone: whoever had it hears the author's Delete.
            inboxes = await group_relay.local_post_inboxes(
                conn, group, post, author, domain, members=True
            )
            await posts_db.delete(conn, post, author.uri)
            if group_relay.relays(group, post):
                document = activities.delete(author, post.uri, post.to_uris, post.cc_uris)
                await publish.send(conn, author, document, inboxes)

    async def pin(self, moderator: Actor, group_id: int, post_id: int, *, pinned: bool) -> None:
        async with self.pool.acquire() as conn, conn.transaction():
            group = await self._group(conn, moderator, group_id)
            await groups.require_role(conn, group, moderator, "moderator")
            post = await self._group_post(conn, group, post_id)
            if pinned:
                await groups_db.pin(conn, group.id, post.id)
            else:
                await groups_db.unpin(conn, group.id, post.id)
            action = "pin" if pinned else "unpin"
            await groups_db.log_moderation(
                conn, group.id, moderator.id, action, target_post_id=post.id
            )

    async def add_member(self, group_id: int, member: Actor, role: str = "member") -> Membership:
        """The node's admin adds a local account to a group directly (`fedi group add-member`)."""
        async with self.pool.acquire() as conn, conn.transaction():
            group = await groups.group_by_id(conn, group_id)
            if group is None:
                raise NotFound("no such group")
            return await groups.add_member(conn, group, member, role)
