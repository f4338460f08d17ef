"""Local actions: each domain change, its activity and its delivery rows in one transaction."""

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from activitypub.vocab import PUBLIC
from fedi.config import Settings
from fedi.db import activities as activities_db
from fedi.db import actors as actors_db
from fedi.db import blocks as blocks_db
from fedi.db import deliveries as deliveries_db
from fedi.db import follows as follows_db
from fedi.db import posts as posts_db
from fedi.db import reactions as reactions_db
from fedi.db import relationships as relationships_db
from fedi.db import status_views
from fedi.db.actors import Actor
from fedi.db.follows import Follow
from fedi.db.groups import Group
from fedi.db.posts import Post
from fedi.db.relationships import FollowOptions
from fedi.db.reports import Report
from fedi.domain import account_moderation, confidential, notifications, profiles, reports
from fedi.domain import posts as posts_domain
from fedi.domain import remote_groups as remote_groups_domain
from fedi.domain import user_domain_blocks as user_domain_blocks_domain
from fedi.domain.account_moderation import AccountAction, Effects, FollowCut
from fedi.domain.html import mentioned_handles
from fedi.domain.posts import Draft
from fedi.domain.profiles import ProfileChange
from fedi.domain.visibility import FEDERATED
from fedi.errors import Conflict, Forbidden, InvalidInput, NotFound
from fedi.federation import activities
from fedi.federation.actor_documents import ACTOR_CONTEXT, actor_to_document
from fedi.federation.stored_notes import stored_note
from fedi.urls import Urls
from outbox import group_relay, recipients
from webfinger.resolver import RemoteResolver, ResolveError

log = logging.getLogger(__name__)
BOOST_VISIBILITIES = ("public", "unlisted", "followers")


async def send(conn: Any, actor: Actor, document: dict[str, Any], inboxes: list[str]) -> None:
    """Record an activity this node publishes and queue it for each inbox (caller's transaction)."""
    if inboxes:
        # The last check where content is addressed: the outbound guard repeats it per request.
        await confidential.refuse_confidential(conn, document, confidential.base_url_of(actor.uri))
    obj = document.get("object")
    object_uri = obj.get("id") if isinstance(obj, dict) else obj
    activity_id = await activities_db.insert(
        conn, document["id"], actor.id, document["type"], object_uri, document
    )
    if inboxes:
        await deliveries_db.enqueue(conn, activity_id, inboxes)


@dataclass(frozen=True)
class Publisher:
    pool: Any
    resolver: RemoteResolver
    urls: Urls
    settings: Settings

    @property
    def domain(self) -> str:
        return self.settings.domain

    async def _mentions(self, *texts: str) -> dict[tuple[str, str], Actor]:
        """Resolve every handle the texts mention; unknown ones stay plain text."""
        found: dict[tuple[str, str], Actor] = {}
        for text in texts:
            for username, host in mentioned_handles(text, self.domain):
                key = (username.lower(), host)
                if key in found:
                    continue
                try:
                    found[key] = await self.resolver.actor_by_acct(f"{username}@{host}")
                except ResolveError as exc:
                    log.info("mention of %s@%s left as text: %s", username, host, exc)
        return found

    async def _post_audience(self, conn: Any, post: Post, author: Actor) -> list[str]:
        if post.visibility not in FEDERATED:
            return []
        mentioned = await actors_db.by_ids(conn, await posts_db.mentioned_actor_ids(conn, post.id))
        return await recipients.audience_inboxes(
            conn,
            author,
            followers=post.visibility in ("public", "unlisted", "followers"),
            actors=mentioned,
            local_domain=self.domain,
        )

    async def note_for(self, conn: Any, post: Post, author: Actor) -> dict[str, Any]:
        return await stored_note(conn, post, author, self.urls.base)

    async def _send_to(
        self, conn: Any, actor: Actor, document: dict[str, Any], target: Actor
    ) -> None:
        """Send an activity aimed at one actor (Like, Follow, Accept, Block...) to its inbox."""
        await send(
            conn, actor, document, await recipients.personal_inbox(conn, target, self.domain)
        )

    async def post(self, author: Actor, draft: Draft) -> Post:
        posts_domain.check_draft(draft)
        mentions = await self._mentions(draft.text, *(draft.translations or {}).values())
        async with self.pool.acquire() as conn, conn.transaction():
            post = await posts_domain.write_post(
                conn, self.urls, self.domain, author, draft, mentions
            )
            await notifications.notify_mentions(conn, post)
            if await self._remote_group_post(conn, post, author, "Create"):
                return post
            group = await group_relay.local_group(conn, post.group_id)
            if group is not None:
                await self._group_post(conn, group, post, author, "Create")
            elif post.visibility in FEDERATED:
                note = await self.note_for(conn, post, author)
                inboxes = await self._post_audience(conn, post, author)
                await send(conn, author, activities.create(author, note), inboxes)
        return post

    async def _group_post(
        self, conn: Any, group: Group, post: Post, author: Actor, verb: str
    ) -> None:
        """A post in a local group: the author's Create (or Update) to the post's usual audience
        when public, to the group's remote members only when members-only, never when
        confidential; a new post is then Announced by the group to its remote members."""
        if not group_relay.relays(group, post):
            return
        note = await self.note_for(conn, post, author)
        inboxes = await group_relay.local_post_inboxes(
            conn, group, post, author, self.domain, members=verb != "Create"
        )
        build = activities.create if verb == "Create" else activities.update
        await send(conn, author, build(author, note), inboxes)
        if verb == "Create":
            await group_relay.announce_post(conn, group, post, self.domain)

    async def edit(self, author: Actor, post_id: int, draft: Draft) -> Post:
        mentions = await self._mentions(draft.text, *(draft.translations or {}).values())
        async with self.pool.acquire() as conn, conn.transaction():
            post = await posts_domain.edit_post(
                conn, self.urls, self.domain, author, post_id, draft, mentions
            )
            await notifications.notify_edit(conn, post)
            if await self._remote_group_post(conn, post, author, "Update"):
                return post
            group = await group_relay.local_group(conn, post.group_id)
            if group is not None:
                await self._group_post(conn, group, post, author, "Update")
            elif post.visibility in FEDERATED:
                note = await self.note_for(conn, post, author)
                inboxes = await self._post_audience(conn, post, author)
                await send(conn, author, activities.update(author, note), inboxes)
        return post

    async def delete(self, author: Actor, post_id: int) -> None:
        async with self.pool.acquire() as conn, conn.transaction():
            post = await posts_domain.own_post(conn, author, post_id)
            if await self._remote_group_post(conn, post, author, "Delete"):
                await posts_domain.delete_post(conn, author, post_id)
                return
            group = await group_relay.local_group(conn, post.group_id)
            if group is not None:
                # Whoever had the post from its author or from the group hears of its end.
                inboxes = await group_relay.local_post_inboxes(
                    conn, group, post, author, self.domain, members=True
                )
            else:
                inboxes = await self._post_audience(conn, post, author)
            await posts_domain.delete_post(conn, author, post_id)
            if group is not None and group_relay.relays(group, post):
                document = activities.delete(author, post.uri, post.to_uris, post.cc_uris)
                await send(conn, author, document, inboxes)
            elif group is None and post.visibility in FEDERATED:
                document = activities.delete(author, post.uri, post.to_uris, post.cc_uris)
                await send(conn, author, document, inboxes)

    async def _visible_post(self, conn: Any, actor: Actor, post_id: int) -> tuple[Post, Actor]:
        post = await posts_domain.visible_post(conn, actor, post_id)
        author = await actors_db.by_id(conn, post.actor_id)
        assert author is not None
        if await blocks_db.is_blocked_by(conn, actor.id, author.id):
            raise Forbidden("the author has blocked you")
        return post, author

    async def like(self, actor: Actor, post_id: int) -> None:
        async with self.pool.acquire() as conn, conn.transaction():
            post, author = await self._visible_post(conn, actor, post_id)
            uri = activities.new_id(actor, "likes")
            if await reactions_db.add(conn, "likes", uri, actor.id, post.id) is None:
                return  # already liked: nothing new to say
            await notifications.notify(conn, post.actor_id, "favourite", actor.id, post.id)
            if post.visibility in FEDERATED or not post.local:
                document = activities.simple(actor, "Like", post.uri, uri)
                await self._send_to(conn, actor, document, author)

    async def unlike(self, actor: Actor, post_id: int) -> None:
        async with self.pool.acquire() as conn, conn.transaction():
            post, author = await self._visible_post(conn, actor, post_id)
            like = await reactions_db.find(conn, "likes", actor.id, post.id)
            if like is None:
                return
            await reactions_db.remove(conn, "likes", like.id)
            await notifications.withdraw_reaction(conn, "favourite", actor.id, post.id)
            original = activities.simple(actor, "Like", post.uri, like.uri)
            await self._send_to(conn, actor, activities.undo(actor, original), author)

    async def boost(self, actor: Actor, post_id: int, visibility: str = "public") -> None:
        """Boost a post to everyone, unlisted, or (`followers`) to the booster's followers."""
        if visibility not in BOOST_VISIBILITIES:
            choices = ", ".join(BOOST_VISIBILITIES)
            raise InvalidInput(f"a boost's visibility must be one of {choices}")
        async with self.pool.acquire() as conn, conn.transaction():
            post, author = await self._visible_post(conn, actor, post_id)
            if post.visibility not in ("public", "unlisted"):
                raise InvalidInput("only public and unlisted posts can be boosted")
            uri = activities.new_id(actor, "announces")
            boost = await reactions_db.add(conn, "boosts", uri, actor.id, post.id)
            if boost is None:
                return
            await notifications.notify(conn, post.actor_id, "reblog", actor.id, post.id)
            if visibility != "public":
                await reactions_db.set_boost_visibility(conn, boost.id, visibility)
            document = self._announce(actor, author, post.uri, uri, visibility)
            inboxes = await recipients.audience_inboxes(
                conn, actor, followers=True, actors=[author], local_domain=self.domain
            )
            await send(conn, actor, document, inboxes)

    def _announce(
        self, actor: Actor, author: Actor, post_uri: str, uri: str, visibility: str = "public"
    ) -> dict[str, Any]:
        followers = actor.followers_url
        assert followers is not None  # a local actor always has a followers collection
        if visibility == "unlisted":
            to, cc = [followers], [PUBLIC, author.uri]
        elif visibility == "followers":
            to, cc = [followers], [author.uri]
        else:
            to, cc = [PUBLIC], [author.uri, followers]
        return activities.simple(actor, "Announce", post_uri, uri, to=to, cc=cc)

    async def unboost(self, actor: Actor, post_id: int) -> None:
        async with self.pool.acquire() as conn, conn.transaction():
            post, author = await self._visible_post(conn, actor, post_id)
            boost = await reactions_db.find(conn, "boosts", actor.id, post.id)
            if boost is None:
                return
            stored = (await status_views.boosts_by_ids(conn, [boost.id]))[boost.id]
            await reactions_db.remove(conn, "boosts", boost.id)
            await notifications.withdraw_reaction(conn, "reblog", actor.id, post.id)
            if post.visibility not in FEDERATED:
                # The post has since become confidential or local: nothing naming it may
                # leave now, not even the Undo of a boost that once did.
                return
            original = self._announce(actor, author, post.uri, boost.uri, stored.visibility)
            inboxes = await recipients.audience_inboxes(
                conn, actor, followers=True, actors=[author], local_domain=self.domain
            )
            await send(conn, actor, activities.undo(actor, original), inboxes)

    async def follow(
        self, follower: Actor, target: Actor, options: FollowOptions | None = None
    ) -> Follow:
        if follower.id == target.id:
            raise InvalidInput("you cannot follow yourself")
        remote_groups_domain.check_may_join(follower, target)
        async with self.pool.acquire() as conn, conn.transaction():
            if await blocks_db.is_blocked_by(conn, follower.id, target.id):
                raise Forbidden("this account has blocked you")
            if await blocks_db.is_blocked_by(conn, target.id, follower.id):
                raise Forbidden("you have blocked this account; unblock it first")
            if not await account_moderation.may_be_followed(conn, target):
                raise NotFound("Record not found")
            existing = await follows_db.between(conn, follower.id, target.id)
            if existing is not None:
                if options is not None:  # following again is how a client changes these
                    await relationships_db.set_follow_options(conn, existing.id, options)
                return existing
            uri = activities.new_id(follower, "follows")
            # A local account that does not review followers accepts at once; remote ones answer.
            accepted = target.local and not target.manually_approves_followers
            review = await account_moderation.follow_review(conn, follower, target)
            accepted = accepted and review == "open"  # a silenced account's follows wait
            follow = await follows_db.upsert(conn, uri, follower.id, target.id, accepted=accepted)
            if options is not None:
                await relationships_db.set_follow_options(conn, follow.id, options)
            kind = "follow" if accepted else "follow_request"
            await notifications.notify(conn, target.id, kind, follower.id)
            if not target.local:
                document = activities.follow_document(uri, follower.uri, target.uri)
                document = await self._membership_request(conn, document, target)
                await self._send_to(conn, follower, document, target)
        return follow

    async def unfollow(self, follower: Actor, target: Actor) -> None:
        async with self.pool.acquire() as conn, conn.transaction():
            follow = await follows_db.between(conn, follower.id, target.id)
            if follow is None:
                return
            await follows_db.remove(conn, follow.id)
            await notifications.withdraw_follow(conn, follower.id, target.id)
            if not target.local:
                if await self._leave_remote_group(conn, follow, follower, target):
                    return
                original = activities.follow_document(follow.uri, follower.uri, target.uri)
                await self._send_to(conn, follower, activities.undo(follower, original), target)

    async def _pending(self, conn: Any, followee: Actor, follow_id: int) -> tuple[Follow, Actor]:
        follow = await follows_db.by_id(conn, follow_id)
        if follow is None or follow.followee_id != followee.id:
            raise NotFound("no such follow request")
        follower = await actors_db.by_id(conn, follow.follower_id)
        assert follower is not None
        return follow, follower

    async def answer_follow(self, followee: Actor, follow_id: int, *, accept: bool) -> None:
        """Accept or reject a follow request sent to a local account."""
        async with self.pool.acquire() as conn, conn.transaction():
            follow, follower = await self._pending(conn, followee, follow_id)
            if accept:
                if follow.accepted:
                    raise Conflict("this follow request was already accepted")
                await follows_db.accept(conn, follow.id)
            else:
                await follows_db.remove(conn, follow.id)
            await notifications.withdraw_follow(conn, follower.id, followee.id)
            if not follower.local:
                original = activities.follow_document(follow.uri, follower.uri, followee.uri)
                verdict = activities.answer(followee, "Accept" if accept else "Reject", original)
                await self._send_to(conn, followee, verdict, follower)

    async def block(self, blocker: Actor, target: Actor) -> None:
        if blocker.id == target.id:
            raise InvalidInput("you cannot block yourself")
        async with self.pool.acquire() as conn, conn.transaction():
            uri = activities.new_id(blocker, "blocks")
            if not await blocks_db.add(conn, uri, blocker.id, target.id):
                return
            await follows_db.remove_between_both_ways(conn, blocker.id, target.id)
            if not target.local:
                document = activities.simple(blocker, "Block", target.uri, uri)
                await self._send_to(conn, blocker, document, target)

    async def unblock(self, blocker: Actor, target: Actor) -> None:
        async with self.pool.acquire() as conn, conn.transaction():
            uri = await blocks_db.find_uri(conn, blocker.id, target.id)
            if uri is None:
                return
            await blocks_db.remove(conn, blocker.id, target.id)
            if not target.local:
                original = activities.simple(blocker, "Block", target.uri, uri)
                await self._send_to(conn, blocker, activities.undo(blocker, original), target)

    async def flag(self, reporter: Actor, draft: reports.ReportDraft) -> Report:
        """File a member's report; with `forward`, send it on to a remote account's server as
        a Flag from the instance actor, so that server never learns who reported."""
        async with self.pool.acquire() as conn, conn.transaction():
            evidence = await reports.check_draft(
                conn, reporter, draft, rule_count=len(self.settings.rules)
            )
            target = evidence.target
            if not (draft.forward and not target.local):
                return await reports.file_report(
                    conn, reporter, evidence, uri=None, forwarded=False
                )
            instance = await actors_db.by_uri(
                conn, self.urls.actor("Application", self.settings.host)
            )
            assert instance is not None  # the node creates it before serving
            inboxes = await recipients.deliverable(
                conn, [target.shared_inbox_url or target.inbox_url], self.domain
            )
            uri = activities.new_id(instance, "flags")
            report = await reports.file_report(
                conn, reporter, evidence, uri=uri, forwarded=bool(inboxes)
            )
            if inboxes:
                cited = [target.uri, *(post.uri for post in evidence.posts)]
                document = activities.flag(instance, uri, cited, evidence.comment)
                # Recorded by hand: `send` takes one object, a Flag names several.
                activity_id = await activities_db.insert(
                    conn, uri, instance.id, "Flag", target.uri, document
                )
                await deliveries_db.enqueue(conn, activity_id, inboxes)
        return report

    async def moderate_account(
        self, moderator: Actor | None, target: Actor, action: AccountAction
    ) -> Effects:
        """A moderator's action on an account, with what other servers must hear of it, in one
        transaction: a suspended local account's followers' servers get Delete{actor}, and an
        Update{actor} when it is back; a suspended remote account gets Reject and Undo for the
        follows between it and local accounts, which are gone here."""
        async with self.pool.acquire() as conn, conn.transaction():
            effects = await account_moderation.apply(conn, moderator, target, action)
            if effects.announce is not None:
                await self._announce_actor(conn, target, effects.announce)
            await self._cut_follows(conn, effects.cuts)
        return effects

    async def block_domain_for(self, member: Actor, domain: str) -> None:
        """A member blocks a domain; the follows it ends are undone or rejected there."""
        async with self.pool.acquire() as conn, conn.transaction():
            cuts = await user_domain_blocks_domain.block(conn, member, domain)
            await self._cut_follows(conn, cuts)

    async def _announce_actor(self, conn: Any, actor: Actor, announce: str) -> None:
        if announce == "delete_actor":
            document = activities.simple(
                actor, "Delete", actor.uri, activities.new_id(actor, "deletes"), to=[PUBLIC]
            )
        else:
            body = {k: v for k, v in actor_to_document(actor).items() if k != "@context"}
            document = activities.update(actor, body)
            document["@context"] = ACTOR_CONTEXT
        inboxes = await recipients.audience_inboxes(
            conn, actor, followers=True, local_domain=self.domain
        )
        await send(conn, actor, document, inboxes)

    async def _cut_follows(self, conn: Any, cuts: list[FollowCut]) -> None:
        for cut in cuts:
            pair = (cut.remote, cut.local) if cut.incoming else (cut.local, cut.remote)
            follower, followee = pair
            original = activities.follow_document(cut.follow.uri, follower.uri, followee.uri)
            if cut.incoming:
                document = activities.answer(cut.local, "Reject", original)
            else:
                document = activities.undo(cut.local, original)
            await self._send_to(conn, cut.local, document, cut.remote)

    async def update_profile(self, actor: Actor, change: ProfileChange, media_dir: Path) -> Actor:
        """Change a local account's profile; its followers get the new actor document.

        Only what the actor document shows travels: posting preferences, the bio as typed and
        shielding stay on this node. Nothing is sent when the document did not change.
        """
        profiles.check_change(change)
        images = await profiles.store_images(media_dir, self.urls, change)
        async with self.pool.acquire() as conn, conn.transaction():
            before = await actors_db.by_id(conn, actor.id)
            assert before is not None
            updated = await profiles.apply_change(
                conn, self.urls, self.domain, before, change, images
            )
            document = actor_to_document(updated)
            if document != actor_to_document(before):
                body = {key: value for key, value in document.items() if key != "@context"}
                update = activities.update(updated, body)
                update["@context"] = ACTOR_CONTEXT  # the actor's terms, not a note's
                inboxes = await recipients.audience_inboxes(
                    conn, updated, followers=True, local_domain=self.domain
                )
                await send(conn, updated, update, inboxes)
        if before.manually_approves_followers and not updated.manually_approves_followers:
            await self._accept_pending(updated)
        return updated

    async def _accept_pending(self, followee: Actor) -> None:
        """An account that stops reviewing followers lets in everyone who asked, as Mastodon."""
        async with self.pool.acquire() as conn:
            pending = await follows_db.pending_for(conn, followee.id)
        for follow in pending:
            try:
                await self.answer_follow(followee, follow.id, accept=True)
            except (NotFound, Conflict):
                continue  # withdrawn or answered meanwhile

    # Remote groups (fedi/domain/remote_groups.py): joining, leaving and posting into a group
    # on another server; the rules are the domain's, these only say it to the group.

    async def _membership_request(
        self, conn: Any, follow: dict[str, Any], target: Actor
    ) -> dict[str, Any]:
        """The Follow as the target takes it: a group that takes members by `Join` (Mobilizon)
        gets the same request as a Join, whose id its Accept or Reject answers."""
        if await remote_groups_domain.join_type(conn, target) != "Join":
            return follow
        return {**follow, "type": "Join", "to": [target.uri]}

    async def _leave_remote_group(
        self, conn: Any, follow: Follow, member: Actor, target: Actor
    ) -> bool:
        """Leave a group joined by `Join` with Mobilizon's `Leave`; False for any other follow
        (its Undo is sent as for any account)."""
        if await remote_groups_domain.join_type(conn, target) != "Join":
            return False
        leave = activities.simple(
            member, "Leave", target.uri, activities.new_id(member, "leaves"), to=[target.uri]
        )
        await self._send_to(conn, member, leave, target)
        return True

    async def _remote_group_post(self, conn: Any, post: Post, author: Actor, verb: str) -> bool:
        """A post in a remote group (written by an accepted member, fedi.domain.remote_groups):
        its Create, Update or Delete goes to the group's own inbox for the group to relay
        (FEP-1b12), and, in a public group, to the author's followers and the accounts it
        mentions as any public post; a members-only group's post goes to the group alone.
        False when the post is in no remote group."""
        if post.group_id is None:
            return False
        group = await remote_groups_domain.remote_group(conn, post.group_id)
        if group is None:
            return False
        if post.visibility not in ("public", "unlisted", "members"):
            return True  # nothing narrower ever goes to a group (write_post never makes it)
        inboxes = await recipients.personal_inbox(conn, group.actor, self.domain)
        if post.visibility != "members":
            usual = await self._post_audience(conn, post, author)
            inboxes = list(dict.fromkeys([*inboxes, *usual]))
        if verb == "Delete":
            document = activities.delete(author, post.uri, post.to_uris, post.cc_uris)
        else:
            note = await self.note_for(conn, post, author)
            build = activities.create if verb == "Create" else activities.update
            document = build(author, note)
        await send(conn, author, document, inboxes)
        return True
