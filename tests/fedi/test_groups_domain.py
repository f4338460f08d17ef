"""The rules of groups and spaces: joining, roles, posting, and what a visibility change does."""

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from activitypub.vocab import PUBLIC
from fedi.db import follows as follows_db
from fedi.db import groups as groups_db
from fedi.db import posts as posts_db
from fedi.db.actors import Actor
from fedi.db.groups import Group, Membership, Space
from fedi.db.post_visibility import visible_sql
from fedi.db.posts import Post
from fedi.domain import groups
from fedi.domain.accounts import InvalidUsername, UsernameTaken, create_user
from fedi.domain.groups import NewGroup
from fedi.domain.posts import Draft, edit_post, may_see, write_post
from fedi.errors import Conflict, FediError, Forbidden, InvalidInput, NotFound
from fedi.urls import Urls
from tests.support.actors import remote_actor

pytestmark = pytest.mark.asyncio(loop_scope="session")

DOMAIN = "fedi.test"
URLS = Urls(f"https://{DOMAIN}")


# --- helpers --------------------------------------------------------------------------------


async def person(pool: Any, name: str) -> Actor:
    return (await create_user(pool, URLS, DOMAIN, name)).actor


async def people(pool: Any, *names: str) -> list[Actor]:
    return [await person(pool, name) for name in names]


async def remote(pool: Any, name: str, host: str = "remote.example") -> Actor:
    return await remote_actor(pool, name, host)


async def tx(pool: Any, action: Callable[..., Awaitable[Any]], *args: Any, **kwargs: Any) -> Any:
    """One domain call in a transaction of its own, as the outbox's GroupActions makes it."""
    async with pool.acquire() as conn, conn.transaction():
        return await action(conn, *args, **kwargs)


async def value(pool: Any, query: str, *args: Any) -> Any:
    async with pool.acquire() as conn:
        return await conn.fetchval(query, *args)


async def make_group(
    pool: Any,
    owner: Actor,
    name: str = "circle",
    visibility: str = "public",
    join_policy: str = "approval",
) -> tuple[Group, Space]:
    new = NewGroup(name, visibility=visibility, join_policy=join_policy)
    created: tuple[Group, Space] = await tx(pool, groups.create_group, URLS, DOMAIN, owner, new)
    return created


async def fresh(pool: Any, group: Group) -> Group:
    async with pool.acquire() as conn:
        found = await groups.group_by_id(conn, group.id)
    assert found is not None
    return found


async def row(pool: Any, group: Group, actor: Actor) -> Membership | None:
    async with pool.acquire() as conn:
        return await groups_db.membership(conn, group.id, actor.id)


async def put(
    pool: Any, group: Group, actor: Actor, state: str = "member", role: str = "member"
) -> None:
    async with pool.acquire() as conn:
        await groups_db.put_membership(conn, group.id, actor.id, state=state, role=role)


async def space_of(pool: Any, space_id: int) -> Space:
    async with pool.acquire() as conn:
        found = await groups_db.space_by_id(conn, space_id)
    assert found is not None
    return found


async def post_of(pool: Any, post_id: int) -> Post:
    async with pool.acquire() as conn:
        found = await posts_db.by_id(conn, post_id)
    assert found is not None
    return found


async def stored_post(
    pool: Any,
    author: Actor,
    visibility: str,
    *,
    group_id: int | None = None,
    space_id: int | None = None,
    text: str = "",
) -> Post:
    """A post row as another path (a remote member's submission, an older rule) left it."""
    async with pool.acquire() as conn:
        post_id = await posts_db.next_id(conn)
        return await posts_db.insert(
            conn,
            id=post_id,
            uri=f"{author.uri}/statuses/{post_id}",
            actor_id=author.id,
            local=author.local,
            visibility=visibility,
            content=text or visibility,
            published_at=datetime.now(UTC),
            group_id=group_id,
            space_id=space_id,
        )


async def write(pool: Any, author: Actor, draft: Draft) -> Post:
    written: Post = await tx(pool, write_post, URLS, DOMAIN, author, draft, {})
    return written


async def counts(pool: Any) -> tuple[int, ...]:
    tables = ("actors", "groups", "group_members", "spaces", "group_moderation_log", "posts")
    async with pool.acquire() as conn:
        return tuple([await conn.fetchval(f"SELECT count(*) FROM {t}") for t in tables])


async def log_actions(pool: Any, group: Group) -> list[str]:
    async with pool.acquire() as conn:
        return [e.action for e in reversed(await groups_db.moderation_log(conn, group.id))]


# --- creating a group -----------------------------------------------------------------------


async def test_create_group_makes_the_actor_its_owner_and_a_default_space(pool: Any) -> None:
    alice = await person(pool, "alice")
    group, space = await make_group(pool, alice, "circle", "members", "open")
    assert group.actor.actor_type == "Group"
    assert group.actor.local
    assert group.uri == f"{URLS.base}/groups/circle"
    assert group.visibility == "members"
    assert group.settings.join_policy == "open"
    assert group.settings.created_by == alice.id
    # Only a public group is listed in directories; an open one takes followers at once.
    assert not group.actor.discoverable
    assert not group.actor.manually_approves_followers
    owner = await row(pool, group, alice)
    assert owner is not None and (owner.state, owner.role) == ("member", "owner")
    assert (space.slug, space.is_default, space.visibility) == ("general", True, "members")
    assert space.uri == f"{group.uri}/spaces/general"
    async with pool.acquire() as conn:
        assert await groups_db.default_space(conn, group.id) == space


@pytest.mark.parametrize(
    ("new", "error"),
    [
        (NewGroup("circle", visibility="secret"), InvalidInput),
        (NewGroup("circle", join_policy="anyone"), InvalidInput),
        (NewGroup("circle", rules=("",)), InvalidInput),
        (NewGroup("circle", rules=tuple(f"rule {i}" for i in range(21))), InvalidInput),
        (NewGroup("circle", display_name="x" * 101), InvalidInput),
        (NewGroup("circle", summary="x" * 2_001), InvalidInput),
        (NewGroup("no spaces"), InvalidUsername),
        (NewGroup("admin"), InvalidUsername),
        (NewGroup("alice"), UsernameTaken),
    ],
)
async def test_create_group_refuses_bad_input_and_changes_nothing(
    pool: Any, new: NewGroup, error: type[FediError]
) -> None:
    alice = await person(pool, "alice")
    before = await counts(pool)
    with pytest.raises(error):
        await tx(pool, groups.create_group, URLS, DOMAIN, alice, new)
    assert await counts(pool) == before


async def test_only_local_people_create_groups(pool: Any) -> None:
    zoe = await remote(pool, "zoe")
    alice = await person(pool, "alice")
    group, _ = await make_group(pool, alice)
    before = await counts(pool)
    for creator in (zoe, group.actor):
        with pytest.raises(Forbidden):
            await tx(pool, groups.create_group, URLS, DOMAIN, creator, NewGroup("other"))
    assert await counts(pool) == before


# --- joining --------------------------------------------------------------------------------

# (join policy, group visibility, local?) -> the state a request gets, or the error.
JOIN_CASES = [
    (policy, visibility, local)
    for policy in ("open", "approval", "invite")
    for visibility in ("public", "members", "confidential")
    for local in (True, False)
]


def expected_join(policy: str, visibility: str, local: bool) -> str | type[FediError]:
    if not local and visibility == "confidential":
        return Forbidden
    if policy == "invite":
        return Forbidden
    if policy == "open" and (local or visibility == "public"):
        return "member"
    return "pending"


@pytest.mark.parametrize(("policy", "visibility", "local"), JOIN_CASES)
async def test_request_membership_by_policy_visibility_and_origin(
    pool: Any, policy: str, visibility: str, local: bool
) -> None:
    alice = await person(pool, "alice")
    group, _ = await make_group(pool, alice, "circle", visibility, policy)
    joiner = await person(pool, "bob") if local else await remote(pool, "zoe")
    request = None if local else "https://remote.example/follows/1"
    expected = expected_join(policy, visibility, local)
    if isinstance(expected, str):
        got = await tx(
            pool,
            groups.request_membership,
            group,
            joiner,
            request_uri=request,
            request_type=None if local else "Follow",
        )
        assert got.state == expected
        assert got.role == "member"
        assert got.request_uri == request
        assert await row(pool, group, joiner) == got
    else:
        with pytest.raises(expected):
            await tx(pool, groups.request_membership, group, joiner, request_uri=request)
        assert await row(pool, group, joiner) is None


@pytest.mark.parametrize("visibility", ["public", "members", "confidential"])
@pytest.mark.parametrize("local", [True, False])
async def test_an_invitation_makes_a_request_a_membership_even_by_invitation_only(
    pool: Any, visibility: str, local: bool
) -> None:
    alice = await person(pool, "alice")
    group, _ = await make_group(pool, alice, "circle", visibility, "invite")
    invitee = await person(pool, "bob") if local else await remote(pool, "zoe")
    if not local and visibility == "confidential":
        with pytest.raises(Forbidden):
            await tx(pool, groups.invite, group, alice, invitee)
        assert await row(pool, group, invitee) is None
        return
    invited = await tx(pool, groups.invite, group, alice, invitee)
    assert (invited.state, invited.invited_by) == ("invited", alice.id)
    joined = await tx(pool, groups.request_membership, group, invitee)
    assert joined.state == "member"


async def test_a_banned_account_cannot_ask_again(pool: Any) -> None:
    alice, bob = await person(pool, "alice"), await person(pool, "bob")
    group, _ = await make_group(pool, alice, join_policy="open")
    await tx(pool, groups.ban, group, alice, bob.id)
    with pytest.raises(Forbidden):
        await tx(pool, groups.request_membership, group, bob)
    found = await row(pool, group, bob)
    assert found is not None and found.state == "banned"


async def test_groups_and_the_instance_actor_do_not_join(pool: Any) -> None:
    alice = await person(pool, "alice")
    group, _ = await make_group(pool, alice, "one", join_policy="open")
    other, _ = await make_group(pool, alice, "two", join_policy="open")
    with pytest.raises(InvalidInput):
        await tx(pool, groups.request_membership, group, other.actor)
    assert await row(pool, group, other.actor) is None


async def test_a_member_asking_again_keeps_role_and_records_the_new_request(pool: Any) -> None:
    alice = await person(pool, "alice")
    zoe = await remote(pool, "zoe")
    group, _ = await make_group(pool, alice, join_policy="open")
    await put(pool, group, zoe, role="moderator")
    again = await tx(
        pool, groups.request_membership, group, zoe, request_uri="urn:join:2", request_type="Join"
    )
    assert (again.state, again.role, again.request_uri, again.request_type) == (
        "member",
        "moderator",
        "urn:join:2",
        "Join",
    )


async def test_answer_request_accepts_or_refuses_and_logs(pool: Any) -> None:
    alice, bob, carol = await people(pool, "alice", "bob", "carol")
    group, _ = await make_group(pool, alice)
    await tx(pool, groups.request_membership, group, bob)
    await tx(pool, groups.request_membership, group, carol)
    accepted = await tx(pool, groups.answer_request, group, alice, bob.id, accept=True)
    assert accepted.state == "member"
    refused = await tx(pool, groups.answer_request, group, alice, carol.id, accept=False)
    assert refused.state == "pending"  # the row as it was, now gone
    assert await row(pool, group, carol) is None
    assert await log_actions(pool, group) == ["approve_request", "reject_request"]


async def test_answer_request_needs_a_moderator_and_a_pending_request(pool: Any) -> None:
    alice, bob, carol = await people(pool, "alice", "bob", "carol")
    group, _ = await make_group(pool, alice)
    await put(pool, group, bob)
    await tx(pool, groups.request_membership, group, carol)
    with pytest.raises(Forbidden):
        await tx(pool, groups.answer_request, group, bob, carol.id, accept=True)
    with pytest.raises(NotFound):
        await tx(pool, groups.answer_request, group, alice, bob.id, accept=True)
    found = await row(pool, group, carol)
    assert found is not None and found.state == "pending"


# --- invitations ----------------------------------------------------------------------------


async def test_invite_rules(pool: Any) -> None:
    alice, bob = await person(pool, "alice"), await person(pool, "bob")
    carol, dan, eve = await people(pool, "carol", "dan", "eve")
    group, _ = await make_group(pool, alice)
    await put(pool, group, bob)
    # A plain member may not invite.
    with pytest.raises(Forbidden):
        await tx(pool, groups.invite, group, bob, carol)
    assert await row(pool, group, carol) is None
    # Members are not invited again; the banned must be unbanned first; groups are not people.
    with pytest.raises(Conflict):
        await tx(pool, groups.invite, group, alice, bob)
    await tx(pool, groups.ban, group, alice, dan.id)
    with pytest.raises(Forbidden):
        await tx(pool, groups.invite, group, alice, dan)
    other, _ = await make_group(pool, alice, "other")
    with pytest.raises(InvalidInput):
        await tx(pool, groups.invite, group, alice, other.actor)
    # Inviting someone who asked approves the request.
    await tx(pool, groups.request_membership, group, eve)
    assert (await tx(pool, groups.invite, group, alice, eve)).state == "member"
    # A moderator invites.
    await put(pool, group, bob, role="moderator")
    assert (await tx(pool, groups.invite, group, bob, carol)).state == "invited"


# --- leaving --------------------------------------------------------------------------------


async def test_the_last_owner_cannot_leave_until_another_owner_exists(pool: Any) -> None:
    alice, bob = await person(pool, "alice"), await person(pool, "bob")
    group, _ = await make_group(pool, alice)
    await put(pool, group, bob)
    with pytest.raises(Conflict):
        await tx(pool, groups.leave, group, alice)
    assert await row(pool, group, alice) is not None
    await tx(pool, groups.set_role, group, alice, bob.id, "owner")
    left = await tx(pool, groups.leave, group, alice)
    assert left is not None and left.role == "owner"
    assert await row(pool, group, alice) is None


async def test_leave_withdraws_requests_and_invitations_but_not_a_ban(pool: Any) -> None:
    alice, bob, carol = await people(pool, "alice", "bob", "carol")
    dan = await person(pool, "dan")
    group, _ = await make_group(pool, alice)
    await tx(pool, groups.request_membership, group, bob)
    await tx(pool, groups.invite, group, alice, carol)
    await tx(pool, groups.ban, group, alice, dan.id)
    assert (await tx(pool, groups.leave, group, bob)).state == "pending"
    assert (await tx(pool, groups.leave, group, carol)).state == "invited"
    assert await tx(pool, groups.leave, group, dan) is None
    assert await row(pool, group, bob) is None
    assert await row(pool, group, carol) is None
    banned = await row(pool, group, dan)
    assert banned is not None and banned.state == "banned"


# --- roles ----------------------------------------------------------------------------------


async def test_set_role_rank_rules(pool: Any) -> None:
    owner, admin, other_admin = await people(pool, "owner", "adm", "adm2")
    mod, member, outsider = await people(pool, "mod", "member", "outsider")
    group, _ = await make_group(pool, owner)
    await put(pool, group, admin, role="admin")
    await put(pool, group, other_admin, role="admin")
    await put(pool, group, mod, role="moderator")
    await put(pool, group, member)

    async def role(actor: Actor) -> str | None:
        found = await row(pool, group, actor)
        return None if found is None else found.role

    # A moderator sets no roles; an admin names moderators but not admins or owners.
    with pytest.raises(Forbidden):
        await tx(pool, groups.set_role, group, mod, member.id, "moderator")
    with pytest.raises(Forbidden):
        await tx(pool, groups.set_role, group, admin, member.id, "admin")
    assert (await tx(pool, groups.set_role, group, admin, member.id, "moderator")).role == (
        "moderator"
    )
    # An admin changes neither an owner nor a fellow admin, but may step down.
    with pytest.raises(Forbidden):
        await tx(pool, groups.set_role, group, admin, owner.id, "member")
    with pytest.raises(Forbidden):
        await tx(pool, groups.set_role, group, admin, other_admin.id, "member")
    assert await role(other_admin) == "admin"
    assert (await tx(pool, groups.set_role, group, other_admin, other_admin.id, "member")).role == (
        "member"
    )
    # The owner makes admins; the last owner does not step down; nobody outside gets a role.
    assert (await tx(pool, groups.set_role, group, owner, mod.id, "admin")).role == "admin"
    with pytest.raises(Conflict):
        await tx(pool, groups.set_role, group, owner, owner.id, "admin")
    with pytest.raises(NotFound):
        await tx(pool, groups.set_role, group, owner, outsider.id, "member")
    with pytest.raises(InvalidInput):
        await tx(pool, groups.set_role, group, owner, member.id, "king")
    assert await role(owner) == "owner"
    assert await role(outsider) is None


# --- bans -----------------------------------------------------------------------------------


async def test_ban_and_unban(pool: Any) -> None:
    alice, mod, bob = await people(pool, "alice", "mod", "bob")
    admin = await person(pool, "adm")
    zoe = await remote(pool, "zoe")
    group, _ = await make_group(pool, alice)
    await put(pool, group, mod, role="moderator")
    await put(pool, group, bob, role="moderator")
    await put(pool, group, admin, role="admin")
    # Not oneself, not an equal or higher rank.
    with pytest.raises(InvalidInput):
        await tx(pool, groups.ban, group, mod, mod.id)
    with pytest.raises(Forbidden):
        await tx(pool, groups.ban, group, mod, bob.id)
    with pytest.raises(Forbidden):
        await tx(pool, groups.ban, group, mod, admin.id)
    # An admin bans a moderator, who loses the role; a stranger may be banned before asking.
    banned = await tx(pool, groups.ban, group, admin, bob.id, "spam")
    assert (banned.state, banned.role) == ("banned", "member")
    assert (await tx(pool, groups.ban, group, mod, zoe.id)).state == "banned"
    with pytest.raises(NotFound):
        await tx(pool, groups.ban, group, mod, 999_999)
    # Unbanning removes the row: the account may ask again.
    await tx(pool, groups.unban, group, mod, bob.id)
    assert await row(pool, group, bob) is None
    with pytest.raises(NotFound):
        await tx(pool, groups.unban, group, mod, bob.id)
    assert await log_actions(pool, group) == ["ban", "ban", "unban"]


# --- visibility changes ---------------------------------------------------------------------


async def group_with_posts(pool: Any) -> dict[str, Any]:
    """A public group with a public and a confidential space, remote and local members, and a
    post of each visibility a group post may have."""
    alice, bob = await person(pool, "alice"), await person(pool, "bob")
    zoe, yan, xi = [await remote(pool, n) for n in ("zoe", "yan", "xi")]
    group, general = await make_group(pool, alice)
    secret = await tx(
        pool,
        groups.create_space,
        group,
        alice,
        slug="secret",
        name="Secret",
        visibility="confidential",
    )
    await put(pool, group, bob)
    await put(pool, group, zoe)
    await put(pool, group, yan, state="pending")
    await put(pool, group, xi, state="banned")
    async with pool.acquire() as conn:
        await follows_db.upsert(conn, "urn:follow:zoe", zoe.id, group.id, accepted=True)
        await follows_db.upsert(conn, "urn:follow:bob", bob.id, group.id, accepted=True)
    posts = {
        v: await stored_post(pool, alice, v, group_id=group.id, space_id=general.id)
        for v in ("public", "unlisted", "local", "members", "followers", "direct")
    }
    posts["secret"] = await stored_post(
        pool, alice, "confidential", group_id=group.id, space_id=secret.id
    )
    posts["remote"] = await stored_post(pool, zoe, "public", group_id=group.id)
    posts["outside"] = await stored_post(pool, alice, "public")
    return {
        "group": group,
        "general": general,
        "secret": secret,
        "alice": alice,
        "bob": bob,
        "zoe": zoe,
        "yan": yan,
        "xi": xi,
        "posts": posts,
    }


async def visibilities(pool: Any, posts: dict[str, Post]) -> dict[str, str]:
    return {name: (await post_of(pool, p.id)).visibility for name, p in posts.items()}


async def test_tightening_public_to_members_tightens_spaces_and_posts_at_once(pool: Any) -> None:
    w = await group_with_posts(pool)
    group = await tx(pool, groups.set_visibility, w["group"], w["alice"], "members")
    assert group.visibility == "members"
    assert not group.actor.discoverable
    assert (await space_of(pool, w["general"].id)).visibility == "members"
    assert (await space_of(pool, w["secret"].id)).visibility == "confidential"
    assert await visibilities(pool, w["posts"]) == {
        "public": "members",
        "unlisted": "members",
        # Local-only meets members-only: local members only.
        "local": "confidential",
        "members": "members",
        "followers": "members",
        "direct": "members",
        "secret": "confidential",
        "remote": "members",
        "outside": "public",
    }
    # Remote members stay members of a members-only group.
    for name in ("zoe", "yan", "xi"):
        assert await row(pool, group, w[name]) is not None
    assert await log_actions(pool, group) == ["create_space:secret", "set_visibility:members"]


async def test_tightening_to_confidential_makes_everything_confidential_and_local(
    pool: Any,
) -> None:
    w = await group_with_posts(pool)
    group = await tx(pool, groups.set_visibility, w["group"], w["alice"], "members")
    group = await tx(pool, groups.set_visibility, group, w["alice"], "confidential")
    assert group.visibility == "confidential"
    for space in (w["general"], w["secret"]):
        assert (await space_of(pool, space.id)).visibility == "confidential"
    seen = await visibilities(pool, w["posts"])
    assert seen.pop("outside") == "public"
    assert set(seen.values()) == {"confidential"}
    # Remote members, requests and followers are forgotten; a remote ban is kept, so that
    # loosening the group later does not let the banned back in.
    assert await row(pool, group, w["zoe"]) is None
    assert await row(pool, group, w["yan"]) is None
    banned = await row(pool, group, w["xi"])
    assert banned is not None and banned.state == "banned"
    assert await row(pool, group, w["bob"]) is not None
    async with pool.acquire() as conn:
        assert not await follows_db.is_following(conn, w["zoe"].id, group.id)
        assert await follows_db.is_following(conn, w["bob"].id, group.id)
    loosened = await tx(pool, groups.set_visibility, group, w["alice"], "public")
    with pytest.raises(Forbidden):
        await tx(pool, groups.request_membership, loosened, w["xi"])


async def test_loosening_leaves_earlier_posts_and_spaces_as_they_were(pool: Any) -> None:
    w = await group_with_posts(pool)
    group = await tx(pool, groups.set_visibility, w["group"], w["alice"], "confidential")
    before = await visibilities(pool, w["posts"])
    group = await tx(pool, groups.set_visibility, group, w["alice"], "public")
    assert group.visibility == "public"
    assert group.actor.discoverable
    assert await visibilities(pool, w["posts"]) == before
    for space in (w["general"], w["secret"]):
        assert (await space_of(pool, space.id)).visibility == "confidential"
    # A new post in the still-confidential default space is confidential too; a new public
    # space takes public posts.
    post = await write(pool, w["alice"], Draft("after", group_id=group.id))
    assert post.visibility == "confidential"
    open_space = await tx(pool, groups.create_space, group, w["alice"], slug="open", name="Open")
    assert open_space.visibility == "public"
    post = await write(pool, w["alice"], Draft("open", group_id=group.id, space_id=open_space.id))
    assert post.visibility == "public"


async def test_set_visibility_needs_an_admin_and_a_known_visibility(pool: Any) -> None:
    w = await group_with_posts(pool)
    await tx(pool, groups.set_role, w["group"], w["alice"], w["bob"].id, "moderator")
    before = await visibilities(pool, w["posts"])
    with pytest.raises(Forbidden):
        await tx(pool, groups.set_visibility, w["group"], w["bob"], "confidential")
    with pytest.raises(InvalidInput):
        await tx(pool, groups.set_visibility, w["group"], w["alice"], "secret")
    assert (await fresh(pool, w["group"])).visibility == "public"
    assert await visibilities(pool, w["posts"]) == before
    assert await row(pool, w["group"], w["zoe"]) is not None


async def test_tightening_withdraws_what_was_queued_under_the_looser_visibility(
    pool: Any,
) -> None:
    w = await group_with_posts(pool)
    group, alice = w["group"], w["alice"]
    public, outside = w["posts"]["public"], w["posts"]["outside"]
    async with pool.acquire() as conn:
        for number, (actor, uri) in enumerate(
            [(alice, public.uri), (alice, outside.uri), (group.actor, "urn:x")]
        ):
            activity = await conn.fetchval(
                "INSERT INTO activities (uri, actor_id, activity_type, object_uri, document)"
                " VALUES ($1, $2, 'Create', $3, '{}') RETURNING id",
                f"urn:activity:{number}",
                actor.id,
                uri,
            )
            await conn.execute(
                "INSERT INTO deliveries (activity_id, inbox_url, domain)"
                " VALUES ($1, 'https://remote.example/inbox', 'remote.example')",
                activity,
            )
    pending = (
        "SELECT a.uri FROM deliveries d JOIN activities a ON a.id = d.activity_id"
        " WHERE d.state = 'pending' ORDER BY a.uri"
    )

    async def still_pending() -> list[str]:
        async with pool.acquire() as conn:
            return [r["uri"] for r in await conn.fetch(pending)]

    group = await tx(pool, groups.set_visibility, group, alice, "members")
    assert await still_pending() == ["urn:activity:1", "urn:activity:2"]
    await tx(pool, groups.set_visibility, group, alice, "confidential")
    # Confidential: the group's own activities stay home too.
    assert await still_pending() == ["urn:activity:1"]


# --- spaces ---------------------------------------------------------------------------------


async def test_create_space_rules(pool: Any) -> None:
    alice, bob = await person(pool, "alice"), await person(pool, "bob")
    group, _ = await make_group(pool, alice, visibility="members")
    await put(pool, group, bob, role="moderator")
    space = await tx(pool, groups.create_space, group, alice, slug="Campaign-2024", name=" C ")
    assert (space.slug, space.name, space.visibility) == ("campaign-2024", "C", "members")
    assert space.uri == f"{group.uri}/spaces/campaign-2024"
    assert not space.is_default
    strict = await tx(
        pool, groups.create_space, group, alice, slug="s", name="S", visibility="confidential"
    )
    assert strict.visibility == "confidential"
    before = await counts(pool)
    bad: list[tuple[dict[str, Any], type[FediError]]] = [
        ({"slug": "loose", "name": "L", "visibility": "public"}, InvalidInput),
        ({"slug": "odd", "name": "O", "visibility": "secret"}, InvalidInput),
        ({"slug": "-x", "name": "X"}, InvalidInput),
        ({"slug": "a b", "name": "X"}, InvalidInput),
        ({"slug": "a/b", "name": "X"}, InvalidInput),
        ({"slug": "x" * 41, "name": "X"}, InvalidInput),
        ({"slug": "", "name": "X"}, InvalidInput),
        ({"slug": "empty", "name": "  "}, InvalidInput),
        ({"slug": "long", "name": "x" * 101}, InvalidInput),
        ({"slug": "GENERAL", "name": "Again"}, Conflict),
        ({"slug": "campaign-2024", "name": "Again"}, Conflict),
    ]
    for kwargs, error in bad:
        with pytest.raises(error):
            await tx(pool, groups.create_space, group, alice, **kwargs)
    # Only admins make spaces.
    with pytest.raises(Forbidden):
        await tx(pool, groups.create_space, group, bob, slug="mine", name="Mine")
    assert await counts(pool) == before


async def test_update_space_tightens_its_posts_only_and_never_goes_below_the_group(
    pool: Any,
) -> None:
    alice = await person(pool, "alice")
    group, general = await make_group(pool, alice)
    other = await tx(pool, groups.create_space, group, alice, slug="other", name="Other")
    here = {
        v: await stored_post(pool, alice, v, group_id=group.id, space_id=general.id)
        for v in ("public", "unlisted", "local")
    }
    there = await stored_post(pool, alice, "public", group_id=group.id, space_id=other.id)
    updated = await tx(
        pool, groups.update_space, group, alice, general, name=" Main ", visibility="members"
    )
    assert (updated.name, updated.visibility) == ("Main", "members")
    assert await visibilities(pool, here) == {
        "public": "members",
        "unlisted": "members",
        "local": "confidential",
    }
    assert (await post_of(pool, there.id)).visibility == "public"
    # Loosening the space again leaves its posts as they are.
    await tx(pool, groups.update_space, group, alice, updated, visibility="public")
    assert (await post_of(pool, here["public"].id)).visibility == "members"
    # A space is never looser than its group, even if the caller's copy of the group is old.
    stale = group
    await tx(pool, groups.set_visibility, group, alice, "members")
    with pytest.raises(InvalidInput):
        await tx(pool, groups.update_space, stale, alice, other, visibility="public")
    assert (await space_of(pool, other.id)).visibility == "members"


async def test_update_space_refuses_a_space_of_another_group_and_bad_input(pool: Any) -> None:
    alice, bob = await person(pool, "alice"), await person(pool, "bob")
    group, general = await make_group(pool, alice, "one", visibility="members")
    _, elsewhere = await make_group(pool, alice, "two")
    await put(pool, group, bob, role="moderator")
    with pytest.raises(NotFound):
        await tx(pool, groups.update_space, group, alice, elsewhere, name="Mine")
    with pytest.raises(InvalidInput):
        await tx(pool, groups.update_space, group, alice, general, visibility="public")
    with pytest.raises(InvalidInput):
        await tx(pool, groups.update_space, group, alice, general, name=" ")
    with pytest.raises(Forbidden):
        await tx(pool, groups.update_space, group, bob, general, name="Mine")
    assert await space_of(pool, elsewhere.id) == elsewhere
    assert await space_of(pool, general.id) == general


async def test_a_space_and_a_post_in_it_written_at_once_do_not_cross(pool: Any) -> None:
    """A post written while its group turns confidential ends confidential, whichever commits
    first: the visibility change waits for the post's transaction, or the other way round."""
    alice = await person(pool, "alice")
    group, _ = await make_group(pool, alice)
    writing_started = asyncio.Event()
    release = asyncio.Event()
    async with pool.acquire() as writer, writer.transaction():
        place = await groups.place_for_post(writer, alice, group.id, None)
        assert place.visibility == "public"
        writing_started.set()

        async def tighten() -> None:
            await writing_started.wait()
            await tx(pool, groups.set_visibility, group, alice, "confidential")
            release.set()

        tightening = asyncio.create_task(tighten())
        await asyncio.sleep(0.3)
        assert not release.is_set()  # the change waits for the post's transaction
        post_id = await posts_db.next_id(writer)
        await posts_db.insert(
            writer,
            id=post_id,
            uri=f"{alice.uri}/statuses/{post_id}",
            actor_id=alice.id,
            local=True,
            visibility=place.visibility,
            content="raced",
            published_at=datetime.now(UTC),
            group_id=group.id,
            space_id=place.space.id,
        )
    await tightening
    assert (await post_of(pool, post_id)).visibility == "confidential"
    post = await write(pool, alice, Draft("after", group_id=group.id))
    assert post.visibility == "confidential"


# --- moving posts ---------------------------------------------------------------------------


async def test_move_post_never_loosens_and_tightens_to_a_stricter_space(pool: Any) -> None:
    alice, bob, carol = await people(pool, "alice", "bob", "carol")
    group, general = await make_group(pool, alice)
    strict = await tx(
        pool, groups.create_space, group, alice, slug="strict", name="S", visibility="members"
    )
    await put(pool, group, bob)
    await put(pool, group, carol)
    post = await write(pool, bob, Draft("mine", group_id=group.id))
    assert post.visibility == "public"
    # To a stricter space: tightened. Back to the looser one: kept strict.
    assert await tx(pool, groups.move_post, group, bob, post, strict) == "members"
    moved = await post_of(pool, post.id)
    assert (moved.space_id, moved.visibility) == (strict.id, "members")
    assert await tx(pool, groups.move_post, group, alice, moved, general) == "members"
    moved = await post_of(pool, post.id)
    assert (moved.space_id, moved.visibility) == (general.id, "members")
    # A local-only post moved into a members space becomes confidential, not federated.
    local = await write(pool, bob, Draft("here only", visibility="local", group_id=group.id))
    assert local.visibility == "local"
    assert await tx(pool, groups.move_post, group, alice, local, strict) == "confidential"
    # Another member's post is for moderators to move; another group's space is not a target.
    with pytest.raises(Forbidden):
        await tx(pool, groups.move_post, group, carol, moved, strict)
    other, elsewhere = await make_group(pool, alice, "other")
    with pytest.raises(NotFound):
        await tx(pool, groups.move_post, group, alice, moved, elsewhere)
    with pytest.raises(NotFound):
        await tx(pool, groups.move_post, other, alice, moved, elsewhere)
    assert (await post_of(pool, post.id)).space_id == general.id
    assert await log_actions(pool, group) == [
        "create_space:strict",
        "move_post:strict",
        "move_post:general",
        "move_post:strict",
    ]


async def test_move_post_uses_the_posts_visibility_as_committed(pool: Any) -> None:
    """A caller's copy of the post from before the group tightened does not loosen it."""
    alice = await person(pool, "alice")
    group, _ = await make_group(pool, alice)
    other = await tx(pool, groups.create_space, group, alice, slug="other", name="Other")
    post = await write(pool, alice, Draft("x", group_id=group.id))
    stale_group, stale_post = group, post
    await tx(pool, groups.set_visibility, group, alice, "members")
    assert await tx(pool, groups.move_post, stale_group, alice, stale_post, other) == "members"


# --- writing into a group -------------------------------------------------------------------


@pytest.mark.parametrize("visibility", ["public", "members", "confidential"])
async def test_a_post_takes_its_groups_visibility_and_addressing(
    pool: Any, visibility: str
) -> None:
    alice, bob = await person(pool, "alice"), await person(pool, "bob")
    group, general = await make_group(pool, alice, visibility=visibility)
    await put(pool, group, bob)
    post = await write(pool, bob, Draft("hello", visibility="direct", group_id=group.id))
    assert (post.visibility, post.group_id, post.space_id) == (visibility, group.id, general.id)
    if visibility == "public":
        assert post.to_uris == [PUBLIC, group.uri]
        assert post.cc_uris == [bob.followers_url]
    elif visibility == "members":
        assert post.to_uris == [group.members_url, group.uri]
        assert post.cc_uris == []
    else:
        assert (post.to_uris, post.cc_uris) == ([], [])


async def test_group_addressing_of_the_visibilities_a_group_post_may_have(pool: Any) -> None:
    alice = await person(pool, "alice")
    group, _ = await make_group(pool, alice)
    mentioned = ["https://remote.example/users/zoe"]
    assert groups.group_addressing(group, "unlisted", alice, mentioned) == (
        (alice.followers_url, group.uri),
        (PUBLIC, *mentioned),
    )
    # Neither leaves this node: addressed to nobody.
    for visibility in ("local", "confidential"):
        assert groups.group_addressing(group, visibility, alice, mentioned) == ((), ())


async def test_a_post_in_a_stricter_space_takes_the_spaces_visibility(pool: Any) -> None:
    alice = await person(pool, "alice")
    group, _ = await make_group(pool, alice)
    space = await tx(
        pool, groups.create_space, group, alice, slug="s", name="S", visibility="confidential"
    )
    post = await write(pool, alice, Draft("x", group_id=group.id, space_id=space.id))
    assert (post.visibility, post.space_id) == ("confidential", space.id)


async def test_a_local_only_draft_stays_local_in_a_group(pool: Any) -> None:
    alice = await person(pool, "alice")
    public, _ = await make_group(pool, alice, "pub")
    members, _ = await make_group(pool, alice, "mem", visibility="members")
    assert (await write(pool, alice, Draft("x", "local", group_id=public.id))).visibility == (
        "local"
    )
    assert (await write(pool, alice, Draft("x", "local", group_id=members.id))).visibility == (
        "confidential"
    )


async def test_who_may_not_post_into_a_group(pool: Any) -> None:
    alice, bob, carol = await people(pool, "alice", "bob", "carol")
    public, _ = await make_group(pool, alice, "pub")
    members, _ = await make_group(pool, alice, "mem", visibility="members")
    _, elsewhere = await make_group(pool, alice, "other")
    await tx(pool, groups.request_membership, public, carol)  # pending
    before = await counts(pool)
    # A stranger sees a public group but may not post; a members group does not exist for them.
    with pytest.raises(Forbidden):
        await write(pool, bob, Draft("x", group_id=public.id))
    with pytest.raises(Forbidden):
        await write(pool, carol, Draft("x", group_id=public.id))
    with pytest.raises(NotFound):
        await write(pool, bob, Draft("x", group_id=members.id))
    with pytest.raises(NotFound):
        await write(pool, alice, Draft("x", group_id=public.id, space_id=elsewhere.id))
    with pytest.raises(NotFound):
        await write(pool, alice, Draft("x", group_id=999_999))
    assert await counts(pool) == before


async def test_a_reply_to_a_group_post_goes_into_the_group_and_space(pool: Any) -> None:
    alice, bob = await person(pool, "alice"), await person(pool, "bob")
    group, _ = await make_group(pool, alice)
    space = await tx(
        pool, groups.create_space, group, alice, slug="s", name="S", visibility="members"
    )
    await put(pool, group, bob)
    parent = await write(pool, alice, Draft("question", group_id=group.id, space_id=space.id))
    reply = await write(pool, bob, Draft("answer", in_reply_to_id=parent.id))
    assert (reply.group_id, reply.space_id, reply.visibility) == (group.id, space.id, "members")
    assert reply.in_reply_to_id == parent.id
    assert reply.to_uris == [group.members_url, group.uri]


async def test_a_reply_is_never_looser_than_its_parent(pool: Any) -> None:
    alice = await person(pool, "alice")
    group, general = await make_group(pool, alice)
    # Written when the group was stricter, then the group loosened: replies keep it strict.
    members = await stored_post(pool, alice, "members", group_id=group.id, space_id=general.id)
    secret = await stored_post(pool, alice, "confidential", group_id=group.id, space_id=general.id)
    local = await stored_post(pool, alice, "local", group_id=group.id, space_id=general.id)
    replies = {
        name: (await write(pool, alice, Draft("re", in_reply_to_id=p.id))).visibility
        for name, p in (("members", members), ("secret", secret), ("local", local))
    }
    assert replies == {"members": "members", "secret": "confidential", "local": "local"}


async def test_a_reply_to_a_local_only_post_stays_local(pool: Any) -> None:
    alice, bob = await person(pool, "alice"), await person(pool, "bob")
    parent = await write(pool, alice, Draft("here only", visibility="local"))
    reply = await write(pool, bob, Draft("and here", visibility="public", in_reply_to_id=parent.id))
    assert reply.visibility == "local"
    assert (reply.to_uris, reply.cc_uris) == ([], [])
    # ...also when the reply goes into a group: local in a public one, confidential (local
    # members only) in a members one.
    public, _ = await make_group(pool, bob, "pub")
    members, _ = await make_group(pool, bob, "mem", visibility="members")
    into_public = await write(pool, bob, Draft("x", in_reply_to_id=parent.id, group_id=public.id))
    into_members = await write(pool, bob, Draft("x", in_reply_to_id=parent.id, group_id=members.id))
    assert (into_public.visibility, into_members.visibility) == ("local", "confidential")


async def test_a_reply_to_a_remote_groups_post_is_an_ordinary_reply(pool: Any) -> None:
    alice = await person(pool, "alice")
    lemmy = await remote(pool, "community")
    parent = await stored_post(pool, lemmy, "public", group_id=lemmy.id)
    reply = await write(pool, alice, Draft("re", in_reply_to_id=parent.id))
    assert (reply.group_id, reply.visibility) == (None, "public")


async def test_a_group_post_of_any_visibility_can_be_edited(pool: Any) -> None:
    alice = await person(pool, "alice")
    for visibility in ("public", "members", "confidential"):
        group, _ = await make_group(pool, alice, f"g{visibility}", visibility=visibility)
        post = await write(pool, alice, Draft("before", group_id=group.id))
        edited = await tx(
            pool, edit_post, URLS, DOMAIN, alice, post.id, Draft("after", visibility), {}
        )
        assert (edited.content, edited.visibility) == ("<p>after</p>", visibility)
        with pytest.raises(InvalidInput):
            await tx(pool, edit_post, URLS, DOMAIN, alice, post.id, Draft("x", "direct"), {})
    # A post outside any group still may not claim a group's visibility.
    plain = await write(pool, alice, Draft("plain"))
    with pytest.raises(InvalidInput):
        await tx(pool, edit_post, URLS, DOMAIN, alice, plain.id, Draft("x", "members"), {})


# --- who sees a group post: may_see and its SQL twin ----------------------------------------

VIEWERS = (
    "author",
    "member",
    "stranger",
    "remote_member",
    "remote_stranger",
    "anonymous",
    "pending",
    "banned",
    "follower",
)

# Who sees a post of a group of each visibility. A remote row in a confidential group cannot
# come about through the rules; it is put there directly, to show it grants nothing.
SEES = {
    "public": set(VIEWERS),
    "members": {"author", "member", "remote_member"},
    "confidential": {"author", "member"},
}


async def viewers_of(pool: Any, group: Group, names: str) -> dict[str, Actor | None]:
    author = await person(pool, f"author{names}")
    cast: dict[str, Actor | None] = {
        "author": author,
        "member": await person(pool, f"member{names}"),
        "stranger": await person(pool, f"stranger{names}"),
        "remote_member": await remote(pool, f"rm{names}"),
        "remote_stranger": await remote(pool, f"rs{names}"),
        "anonymous": None,
        "pending": await person(pool, f"pending{names}"),
        "banned": await person(pool, f"banned{names}"),
        # Follows the group's actor without being a member.
        "follower": await person(pool, f"follower{names}"),
    }
    for name, state in (
        ("author", "member"),
        ("member", "member"),
        ("remote_member", "member"),
        ("pending", "pending"),
        ("banned", "banned"),
    ):
        actor = cast[name]
        assert actor is not None
        await put(pool, group, actor, state=state)
    follower = cast["follower"]
    assert follower is not None
    async with pool.acquire() as conn:
        await follows_db.upsert(conn, f"urn:f:{names}", follower.id, group.id, accepted=True)
    return cast


async def visible_by_sql(conn: Any, viewer: Actor | None, ids: list[int]) -> set[int]:
    rows = await conn.fetch(
        f"SELECT p.id FROM posts p WHERE p.id = ANY($3) AND {visible_sql('p', '$1', '$2')}",
        None if viewer is None else viewer.id,
        viewer is not None and viewer.local,
        ids,
    )
    return {r["id"] for r in rows}


async def test_may_see_and_its_sql_twin_agree_on_group_posts_for_every_viewer(
    pool: Any,
) -> None:
    owner = await person(pool, "owner")
    posts: dict[str, Post] = {}
    cast: dict[str, dict[str, Actor | None]] = {}
    for visibility in ("public", "members", "confidential"):
        group, _ = await make_group(pool, owner, f"g{visibility}", visibility=visibility)
        cast[visibility] = await viewers_of(pool, group, visibility[0])
        author = cast[visibility]["author"]
        assert author is not None
        posts[visibility] = await write(pool, author, Draft("hi", group_id=group.id))
        assert posts[visibility].visibility == visibility
    ids = [p.id for p in posts.values()]
    async with pool.acquire() as conn:
        for visibility, post in posts.items():
            for name in VIEWERS:
                viewer = cast[visibility][name]
                by_rule = await may_see(conn, post, viewer)
                assert by_rule == (name in SEES[visibility]), (visibility, name)
                by_sql = post.id in await visible_by_sql(conn, viewer, ids)
                assert by_sql == by_rule, (visibility, name)


async def test_a_remote_author_does_not_see_its_post_once_the_group_is_confidential(
    pool: Any,
) -> None:
    alice = await person(pool, "alice")
    zoe = await remote(pool, "zoe")
    group, general = await make_group(pool, alice, join_policy="open")
    await put(pool, group, zoe)
    post = await stored_post(pool, zoe, "public", group_id=group.id, space_id=general.id)
    await tx(pool, groups.set_visibility, group, alice, "confidential")
    post = await post_of(pool, post.id)
    assert post.visibility == "confidential"
    async with pool.acquire() as conn:
        assert not await may_see(conn, post, zoe)
        assert post.id not in await visible_by_sql(conn, zoe, [post.id])
        assert await may_see(conn, post, alice)
        assert post.id in await visible_by_sql(conn, alice, [post.id])


async def test_members_of_a_remote_group_are_its_accepted_local_followers(pool: Any) -> None:
    alice, bob, carol = await people(pool, "alice", "bob", "carol")
    lemmy = await remote(pool, "community")
    async with pool.acquire() as conn:
        await follows_db.upsert(conn, "urn:f:1", alice.id, lemmy.id, accepted=True)
        await follows_db.upsert(conn, "urn:f:2", bob.id, lemmy.id, accepted=False)
    post = await stored_post(pool, await remote(pool, "poster"), "members", group_id=lemmy.id)
    async with pool.acquire() as conn:
        for viewer, expected in ((alice, True), (bob, False), (carol, False), (None, False)):
            assert await may_see(conn, post, viewer) == expected
            assert (post.id in await visible_by_sql(conn, viewer, [post.id])) == expected


async def test_the_group_itself_is_hidden_from_those_who_may_not_know_it(pool: Any) -> None:
    owner = await person(pool, "owner")
    for visibility in ("public", "members", "confidential"):
        group, _ = await make_group(pool, owner, f"g{visibility}", visibility=visibility)
        cast = await viewers_of(pool, group, visibility[0])
        async with pool.acquire() as conn:
            for name in VIEWERS:
                seen = await groups.may_see_group(conn, group, cast[name])
                expected = (
                    visibility == "public"
                    or name in ("author", "member", "pending")
                    or (name == "remote_member" and visibility == "members")
                )
                assert seen == expected, (visibility, name)
                if not expected:
                    with pytest.raises(NotFound):
                        await groups.visible_group(conn, cast[name], group.id)
