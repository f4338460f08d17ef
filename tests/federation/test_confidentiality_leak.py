"""Confidential groups never leave their node, checked on the wire.

Three recorded nodes (tests/federation/recording.py): alder holds the groups, birch and cedar
have people who join its public and members groups. A scripted scenario, then hypothesis-drawn
sequences of group actions, run against them, and every byte the nodes exchange is searched for
what alder must keep to itself:

- the text of every post written while it was confidential: never anywhere, ever;
- the names and URIs of confidential groups, spaces and posts: never in anything alder sends
  or serves while they are confidential, and nowhere at all for a group that never was anything
  but confidential.

A URL another node asks alder for is left out of the search (the asker knew it already: the
test's own probes, a resolve that must fail); what alder answers is searched. Each run also
checks that ordinary group traffic did travel: a leak test that sees no traffic proves nothing.
"""

import asyncio
import re
import time
import uuid
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import httpx
import pytest
import pytest_asyncio
from hypothesis import HealthCheck, Phase, example, given, note, settings
from hypothesis import strategies as st

from activitypub.signatures import HttpSignatureAuth
from fedi.api.auth import issue_token
from fedi.app import user_agent
from fedi.db.actors import Actor
from fedi.db.groups import Group, Space
from fedi.domain.groups import VISIBILITY_RANK, NewGroup, stricter
from fedi.domain.posts import Draft
from fedi.errors import FediError, InvalidInput
from outbox.group_actions import GroupActions, GroupChange
from tests.conftest import DatabaseFactory
from tests.federation.cluster import Member, eventually
from tests.federation.recording import (
    Exchange,
    Recorder,
    _escaped_forms,
    _normal,
    _places,
    _readings,
    find_leaks,
    recorded_cluster,
)
from webfinger.resolver import ResolveError

on_loop = pytest.mark.asyncio(loop_scope="session")

HOME = "alder"
ACTIVITY_JSON = "application/activity+json"
# Deliveries or received activities due within this long still count as work to wait for;
# a retry scheduled later (after a failure) is not waited for.
DUE_SOON = "interval '3 seconds'"
PENDING_WORK = f"""
SELECT (SELECT count(*) FROM deliveries WHERE state = 'pending'
          AND (next_attempt_at < now() + {DUE_SOON} OR lease_until > now()))
     + (SELECT count(*) FROM inbox_items WHERE state = 'pending'
          AND (next_attempt_at < now() + {DUE_SOON} OR lease_until > now()))
"""
SETTLE_WITHIN = 45.0
# Collections and pages of a group another node could ask for.
GROUP_PATHS = (
    "",
    "/members",
    "/members?page=true",
    "/followers",
    "/followers?page=true",
    "/following",
    "/outbox",
    "/outbox?page=true",
    "/moderators",
    "/featured",
    "/spaces",
    "/inbox",
)


def marker(label: str) -> str:
    """A unique string to put in a text and search for on the wire."""
    return f"{label}-{uuid.uuid4().hex[:16]}"


@dataclass(frozen=True)
class Person:
    member: Member
    actor: Actor
    # A bearer token for the client API, for alder's people.
    token: str | None = None

    @property
    def handle(self) -> str:
        return f"@{self.actor.username}@{self.member.domain}"


@dataclass
class World:
    alder: Member
    birch: Member
    cedar: Member
    recorder: Recorder
    people: dict[str, Person]
    # Every text written confidential so far, in any test of the module: never on the wire.
    secret_texts: set[str] = field(default_factory=set)
    # Group posts of alder's people that other nodes received, over the property test.
    delivered: int = 0

    @property
    def members(self) -> list[Member]:
        return [self.alder, self.birch, self.cedar]

    @property
    def actions(self) -> GroupActions:
        return GroupActions(self.alder.node.publisher)


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def world(
    databases: DatabaseFactory, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[World]:
    folder: Path = tmp_path_factory.mktemp("leak")
    async with recorded_cluster(databases, folder, [HOME, "birch", "cedar"]) as cluster:
        (alder, birch, cedar), recorder = cluster
        people = {}
        for name in ("alice", "dan"):
            actor = await alder.user(name)
            async with alder.pool.acquire() as conn:
                token, _ = await issue_token(conn, None, actor.id, ["read", "write", "follow"])
            people[name] = Person(alder, actor, token)
        people["bob"] = Person(birch, await birch.user("bob"))
        people["cleo"] = Person(cedar, await cedar.user("cleo"))
        yield World(alder, birch, cedar, recorder, people)


# Waiting for the nodes


async def settle(world: World) -> None:
    """Wait until no node has deliveries or received activities due and every exchange has
    been answered, twice in a row: one node's work makes work for the next."""
    deadline = time.monotonic() + SETTLE_WITHIN
    quiet = 0
    while quiet < 2:
        busy = sum([int(await member.value(PENDING_WORK)) for member in world.members])
        busy += sum(1 for e in world.recorder.exchanges if not e.complete and e.error is None)
        quiet = quiet + 1 if busy == 0 else 0
        if time.monotonic() > deadline:
            raise AssertionError(f"the nodes still had work after {SETTLE_WITHIN} s")
        await asyncio.sleep(0.1)


async def post_id_on(member: Member, uri: str) -> int | None:
    value = await member.value("SELECT id FROM posts WHERE uri = $1", uri)
    return None if value is None else int(value)


async def visibility_on(member: Member, uri: str) -> str | None:
    value = await member.value("SELECT visibility FROM posts WHERE uri = $1", uri)
    return None if value is None else str(value)


async def joined(person: Person, group_uri: str) -> bool:
    """Whether the person's node holds an accepted follow of the (remote) group."""
    return bool(
        await person.member.value(
            "SELECT f.accepted FROM follows f JOIN actors a ON a.id = f.followee_id"
            " WHERE f.follower_id = $1 AND a.uri = $2",
            person.actor.id,
            group_uri,
        )
    )


async def knows(member: Member, uri: str) -> bool:
    return bool(await member.value("SELECT count(*) FROM actors WHERE uri = $1", uri))


async def follow_group(person: Person, group: Group) -> Actor:
    """A remote person asks to join a group of alder as Mastodon and Lemmy do: a Follow."""
    remote = await person.member.remote(group.actor)
    await person.member.node.publisher.follow(person.actor, remote)
    return remote


async def api_post(person: Person, text: str, visibility: str = "public") -> int:
    """Post from a Mastodon app: a mention of a group there posts into the group."""
    assert person.token is not None
    process = person.member.process
    async with httpx.AsyncClient(timeout=20) as http:
        response = await http.post(
            f"{process.direct_url}/api/v1/statuses",
            json={"status": text, "visibility": visibility},
            headers={"Authorization": f"Bearer {person.token}", "Host": process.domain},
        )
    assert response.status_code == 200, response.text
    return int(response.json()["id"])


# What was on the wire


def _unasked(exchange: Exchange) -> Exchange:
    """The exchange without the URL asked for, which moves to the method: still in the
    description of a leak, out of the search (find_leaks searches URL, headers and bodies)."""
    parts = urlsplit(exchange.url)
    target = exchange.url.removeprefix(f"{parts.scheme}://{parts.netloc}")
    return replace(
        exchange,
        method=f"{exchange.method} {target} (not searched) at",
        url=f"{parts.scheme}://{parts.netloc}/",
    )


def heard(exchanges: Iterable[Exchange], home: str = HOME) -> list[Exchange]:
    """Every exchange, except the URLs of GETs addressed to `home`: what a node asks for it
    already knew; what it is told, and everything else, counts."""
    return [_unasked(e) if e.node == home and e.method == "GET" else e for e in exchanges]


def sent_by(exchanges: Iterable[Exchange], home: str = HOME) -> list[Exchange]:
    """What `home` itself put on the wire: the requests it made and its answers to others."""
    found = []
    for e in exchanges:
        if e.sender == home and e.node == home:
            found.append(e)
        elif e.sender == home:
            found.append(replace(e, response_headers=[], response_body=bytearray()))
        elif e.node == home:
            found.append(replace(_unasked(e), request_headers=[], request_body=bytearray()))
    return found


def identity_leaks(exchanges: Iterable[Exchange], secrets: Iterable[str]) -> list[str]:
    """find_leaks for names and URIs, which may be the start of another: a post's URI ending
    in /statuses/12 is not named by one ending in /statuses/123, so a secret followed by a digit
    does not count. Searches the same readings as find_leaks."""
    wanted = sorted(set(secrets))
    patterns = [
        (
            secret,
            [
                re.compile(re.escape(_normal(form, True)) + r"(?![0-9])")
                for form in _escaped_forms(secret)
            ],
        )
        for secret in wanted
    ]
    leaks = []
    for exchange in exchanges:
        for where, texts in _places(exchange):
            if texts is None:
                leaks.append(f"{exchange.describe()}: the {where}")
                continue
            readings = {_normal(reading, True) for text in texts for reading in _readings(text)}
            for secret, forms in patterns:
                if any(form.search(reading) for form in forms for reading in readings):
                    leaks.append(f"{exchange.describe()}: {secret!r} in the {where}")
    return leaks


def assert_no_leaks(leaks: list[str], what: str) -> None:
    if leaks:
        shown = "\n  ".join(leaks[:25])
        more = f"\n  ... and {len(leaks) - 25} more" if len(leaks) > 25 else ""
        pytest.fail(f"{what} left {HOME}:\n  {shown}{more}")


def check_texts(world: World, exchanges: list[Exchange]) -> None:
    assert_no_leaks(find_leaks(heard(exchanges), world.secret_texts), "confidential post texts")


async def confidential_identities(world: World, group_ids: list[int]) -> set[str]:
    """The names and URIs of what is confidential now in these groups of alder: the groups,
    their spaces (but a default space's name, "General", names nothing), the posts in them."""
    alder = world.alder
    found: set[str] = set()
    for row in await alder.rows(
        "SELECT a.uri, a.username, a.display_name, a.summary FROM groups g"
        " JOIN actors a ON a.id = g.actor_id"
        " WHERE g.actor_id = ANY($1::bigint[]) AND g.visibility = 'confidential'",
        group_ids,
    ):
        found.update(value for value in row.values() if value)
    for row in await alder.rows(
        "SELECT s.uri, s.name, s.is_default FROM spaces s JOIN groups g ON g.actor_id = s.group_id"
        " WHERE s.group_id = ANY($1::bigint[])"
        " AND (s.visibility = 'confidential' OR g.visibility = 'confidential')",
        group_ids,
    ):
        found.add(row["uri"])
        if not row["is_default"]:
            found.add(row["name"])
    # Only alder's own URIs: a remote member's post is its author's to name.
    for row in await alder.rows(
        "SELECT uri FROM posts WHERE group_id = ANY($1::bigint[])"
        " AND visibility = 'confidential' AND local",
        group_ids,
    ):
        found.add(row["uri"])
    return found


def check_identities(
    exchanges: list[Exchange], identities: set[str], *, anywhere: bool = False
) -> None:
    """Confidential names and URIs: in nothing alder sent or served, or (`anywhere`, for what
    no other node was ever told) in nothing at all but the URLs others asked alder for."""
    searched = heard(exchanges) if anywhere else sent_by(exchanges)
    assert_no_leaks(identity_leaks(searched, identities), "confidential names or URIs")


def test_identity_leaks_tells_a_uri_from_a_longer_one() -> None:
    uri = "http://localhost:1/users/a/statuses/12"
    longer = Exchange("alder", "birch", "GET", "http://localhost:1/x", [])
    longer.response_body += f'{{"id": "{uri}3"}}'.encode()
    named = Exchange("alder", "birch", "GET", "http://localhost:1/x", [])
    named.response_body += f'{{"id": "{uri}/activity"}}'.replace("/", "\\/").encode()
    assert identity_leaks([longer], [uri]) == []
    assert identity_leaks([named], [uri]) == [
        f"birch -> alder: GET http://localhost:1/x (no answer): {uri!r} in the response body"
    ]
    # The URL another node asked alder for is not searched, its answer is.
    asked = Exchange("alder", "birch", "GET", uri, [])
    assert identity_leaks(heard([asked]), [uri]) == []
    assert identity_leaks(sent_by([named]), [uri]) != []


# Asking alder from another node


@dataclass(frozen=True)
class Asker:
    """Who a probe comes from: a node, and the key it signs with (None: unsigned)."""

    member: Member
    signer: Actor | None

    @property
    def label(self) -> str:
        who = "unsigned" if self.signer is None else self.signer.uri
        return f"{self.member.process.name} ({who})"


def askers(world: World) -> list[Asker]:
    birch = world.birch
    return [
        Asker(birch, None),
        Asker(birch, world.people["bob"].actor),
        Asker(birch, birch.node.instance_actor),
    ]


async def probe(
    asker: Asker, urls: Iterable[str], *, accept: str = ACTIVITY_JSON
) -> list[tuple[str, int]]:
    """GET each URL through alder's proxy (so it is recorded) as the asker's node would."""
    auth = None
    if asker.signer is not None:
        assert asker.signer.private_key_pem is not None
        auth = HttpSignatureAuth(asker.signer.key_id, asker.signer.private_key_pem)
    headers = {"Accept": accept, "User-Agent": user_agent(asker.member.node.settings)}
    answers = []
    async with httpx.AsyncClient(timeout=20, headers=headers) as http:
        for url in urls:
            response = await http.get(url, auth=auth)
            answers.append((url, response.status_code))
    return answers


def group_urls(group: Group, spaces: Iterable[Space] = ()) -> list[str]:
    urls = [group.uri + path for path in GROUP_PATHS]
    for space in spaces:
        urls += [space.uri, space.uri + "?page=true"]
    return urls


def post_urls(alder: Member, uri: str, post_id: int, author: Actor) -> list[str]:
    base = alder.process.base_url
    return [uri, uri + "/activity", f"{base}/@{author.username}/{post_id}"]


async def assert_not_found(world: World, urls: list[str], *, html_too: bool = True) -> None:
    """Every asker gets a 404 for every URL, as for something that does not exist."""
    wrong = []
    for asker in askers(world):
        answers = await probe(asker, urls)
        if html_too:
            answers += await probe(asker, urls[:1], accept="text/html")
        wrong += [
            f"{asker.label}: GET {url} -> {status}" for url, status in answers if status != 404
        ]
    assert not wrong, "confidential objects answered other nodes:\n  " + "\n  ".join(wrong)


async def probe_by_name(world: World, group: Group, texts: Iterable[str]) -> None:
    """Look a group and texts up the ways anyone may: WebFinger, the profile page, the client
    API's lookup, search and public timelines, our group API. Only the answers are checked
    (by the callers' leak checks); those that name one object must say it does not exist."""
    alder = world.alder
    base = alder.process.base_url
    acct = f"{group.actor.username}@{alder.domain}"
    must_404 = [
        f"{base}/.well-known/webfinger?resource=acct:{quote(acct)}",
        f"{base}/.well-known/webfinger?resource={quote(group.uri, safe='')}",
        f"{base}/@{group.actor.username}",
        f"{base}/api/v1/accounts/lookup?acct={quote(acct)}",
        f"{base}/api/v1/accounts/{group.id}",
        f"{base}/api/v1/accounts/{group.id}/statuses",
        f"{base}/api/fedi/v1/groups/{group.id}",
        f"{base}/api/fedi/v1/groups/{group.id}/spaces",
        f"{base}/api/fedi/v1/groups/{group.id}/members",
    ]
    anything = [
        f"{base}/api/v2/search?q={quote(acct)}&resolve=true",
        f"{base}/api/v2/search?q={quote(group.actor.username)}",
        f"{base}/api/v1/accounts/search?q={quote(group.actor.username)}",
        f"{base}/api/v1/timelines/public",
        f"{base}/api/v1/timelines/public?local=true",
        f"{base}/api/v1/directory?local=true",
        f"{base}/api/fedi/v1/groups",
        f"{base}/.well-known/nodeinfo",
        *(f"{base}/api/v2/search?q={quote(text)}" for text in texts),
    ]
    asker = askers(world)[0]
    answers = await probe(asker, must_404, accept="application/json")
    wrong = [f"GET {url} -> {status}" for url, status in answers if status != 404]
    assert not wrong, "a confidential group was found by name:\n  " + "\n  ".join(wrong)
    await probe(asker, anything, accept="application/json")


# The scenario


@on_loop
async def test_confidential_groups_and_posts_never_leave_their_node(world: World) -> None:
    alder, birch, cedar = world.alder, world.birch, world.cedar
    recorder, actions, publish = world.recorder, world.actions, alder.node.publisher
    alice, dan, bob, cleo = (world.people[n] for n in ("alice", "dan", "bob", "cleo"))
    tag = uuid.uuid4().hex[:10]

    def group(name: str, visibility: str, *, secret: bool = False) -> NewGroup:
        return NewGroup(
            f"{name}_{tag}",
            display_name=marker(name.title()) if secret else f"{name.title()} {tag}",
            summary=marker(f"{name}-summary") if secret else "",
            visibility=visibility,
            join_policy="open",
        )

    agora, _ = await actions.create_group(alice.actor, group("agora", "public"))
    circle, _ = await actions.create_group(alice.actor, group("circle", "members"))
    vault, vault_general = await actions.create_group(
        alice.actor, group("vault", "confidential", secret=True)
    )
    dossiers = await actions.create_space(
        alice.actor, vault.id, slug=f"dossiers-{tag}", name=marker("Dossiers")
    )
    # A confidential space inside a public group.
    hidden = await actions.create_space(
        alice.actor,
        agora.id,
        slug=f"hidden-{tag}",
        name=marker("Hidden"),
        visibility="confidential",
    )
    # Members and confidential groups are joined by invitation.
    for each in (circle, vault):
        await actions.invite(alice.actor, each.id, dan.actor)
    for each in (agora, circle, vault):
        await actions.join(dan.actor, each.id)

    # Members from other nodes: bob joins the public and the members group (invited, as a
    # members group is found by its members' nodes only); cleo joins the public one and is
    # invited to the members one, but never accepts: cedar has no member there.
    await follow_group(bob, agora)
    await follow_group(cleo, agora)
    await actions.invite(alice.actor, circle.id, await alder.remote(bob.actor))
    await actions.invite(alice.actor, circle.id, await alder.remote(cleo.actor))
    await follow_group(bob, circle)
    # The confidential group cannot be found, asked for, or joined from elsewhere.
    with pytest.raises(ResolveError):
        await birch.remote(vault.actor)
    with pytest.raises(ResolveError):
        await birch.node.resolver.actor_by_acct(f"{vault.actor.username}@{alder.domain}")
    with pytest.raises(FediError):
        await actions.invite(alice.actor, vault.id, await alder.remote(bob.actor))
    assert not await knows(birch, vault.uri)
    for person, each in ((bob, agora), (cleo, agora), (bob, circle)):
        await eventually(
            lambda p=person, g=each: joined(p, g.uri),
            what=f"{person.handle} in {each.actor.username}",
        )

    # Posts in every group and space.
    public_text = marker("agora-post")
    p1 = await publish.post(alice.actor, Draft(public_text, group_id=agora.id))
    members_text = marker("circle-post")
    m1 = await publish.post(alice.actor, Draft(members_text, group_id=circle.id))
    secrets = {name: marker(name) for name in ("s1", "s1b", "s2", "s3", "s4", "s5", "s6", "s7")}
    s1 = await publish.post(
        alice.actor, Draft(f"{secrets['s1']} {bob.handle} must not hear of this", group_id=vault.id)
    )
    s2 = await publish.post(
        dan.actor, Draft(secrets["s2"], group_id=vault.id, space_id=dossiers.id)
    )
    s3 = await publish.post(
        alice.actor,
        Draft(f"{secrets['s3']} for {cleo.handle}", group_id=agora.id, space_id=hidden.id),
    )
    # A reply inherits the group of what it answers.
    s4 = await publish.post(dan.actor, Draft(secrets["s4"], in_reply_to_id=s1.id))
    # From a Mastodon app: mentioning the confidential group posts into it.
    s5_id = await api_post(dan, f"@{vault.actor.username}@{alder.domain} {secrets['s5']}")
    mention_text = marker("agora-mention")
    mention_id = await api_post(alice, f"@{agora.actor.username}@{alder.domain} {mention_text}")
    world.secret_texts.update(secrets.values())
    for post_id in (s1.id, s2.id, s3.id, s4.id, s5_id):
        row = await alder.rows("SELECT visibility, group_id FROM posts WHERE id = $1", post_id)
        expected_group = agora.id if post_id == s3.id else vault.id
        assert [tuple(r) for r in row] == [("confidential", expected_group)]
    assert await alder.value("SELECT group_id FROM posts WHERE id = $1", mention_id) == agora.id

    # What should travel did: the public group's post to both nodes, the members group's post
    # to birch (bob is a member) and not to cedar (cleo is only invited).
    await eventually(lambda: post_id_on(birch, p1.uri), what="the public group's post on birch")
    await eventually(lambda: post_id_on(cedar, p1.uri), what="the public group's post on cedar")
    await eventually(lambda: post_id_on(birch, m1.uri), what="the members group's post on birch")

    # Everyone acts on what they see.
    on_birch = await post_id_on(birch, p1.uri)
    on_cedar = await post_id_on(cedar, p1.uri)
    assert on_birch is not None and on_cedar is not None
    await birch.node.publisher.post(bob.actor, Draft(marker("bob-reply"), in_reply_to_id=on_birch))
    await birch.node.publisher.boost(bob.actor, on_birch)
    await cedar.node.publisher.like(cleo.actor, on_cedar)
    bob_agora = await birch.remote(agora.actor)
    bob_text = marker("bob-agora")
    bob_post = await birch.node.publisher.post(bob.actor, Draft(bob_text, group_id=bob_agora.id))
    m1_on_birch = await post_id_on(birch, m1.uri)
    assert m1_on_birch is not None
    await birch.node.publisher.like(bob.actor, m1_on_birch)
    await publish.like(dan.actor, s1.id)
    await publish.like(alice.actor, s2.id)
    await publish.like(dan.actor, p1.id)
    with pytest.raises(InvalidInput):
        await publish.boost(dan.actor, s1.id)
    await publish.post(dan.actor, Draft(marker("dan-public-reply"), in_reply_to_id=p1.id))
    await publish.edit(alice.actor, s1.id, Draft(secrets["s1b"], visibility="confidential"))
    await publish.edit(alice.actor, p1.id, Draft(marker("agora-edited"), visibility="public"))

    # A public post moved into the confidential space, then edited: its URI stops travelling
    # the moment it moves, and what it says from then on never travels.
    movable = await publish.post(alice.actor, Draft(marker("agora-movable"), group_id=agora.id))
    await eventually(lambda: post_id_on(birch, movable.uri), what="the movable post on birch")
    # The public group relays its remote members' posts to its other members (FEP-1b12).
    await eventually(lambda: post_id_on(cedar, bob_post.uri), what="bob's group post on cedar")
    await settle(world)
    moved_at = len(recorder.exchanges)
    moved = await actions.move_post(alice.actor, agora.id, movable.id, hidden.id)
    assert moved.visibility == "confidential"
    await publish.edit(alice.actor, movable.id, Draft(secrets["s6"], visibility="confidential"))
    # Moving between the confidential group's spaces keeps a post confidential.
    assert (await actions.move_post(alice.actor, vault.id, s2.id, vault_general.id)).visibility == (
        "confidential"
    )
    await settle(world)

    # Nothing confidential travelled, even when asked for.
    vault_identities = await confidential_identities(world, [vault.id])
    hidden_identities = {hidden.uri, hidden.name, s3.uri}
    s5_uri = str(await alder.value("SELECT uri FROM posts WHERE id = $1", s5_id))
    assert {vault.uri, vault.actor.username, dossiers.name, s1.uri, s5_uri} <= vault_identities
    confidential_posts = [
        (s1.uri, s1.id, alice.actor),
        (s2.uri, s2.id, dan.actor),
        (s3.uri, s3.id, alice.actor),
        (s4.uri, s4.id, dan.actor),
        (s5_uri, s5_id, dan.actor),
        (movable.uri, movable.id, alice.actor),
    ]
    await assert_not_found(world, group_urls(vault, [vault_general, dossiers]))
    await assert_not_found(world, [hidden.uri, hidden.uri + "?page=true"])
    for uri, post_id, author in confidential_posts:
        await assert_not_found(world, post_urls(alder, uri, post_id, author))
    await probe_by_name(world, vault, secrets.values())
    await settle(world)
    assert recorder.exchanges, "nothing was recorded"
    check_texts(world, recorder.exchanges)
    check_identities(recorder.exchanges, vault_identities | hidden_identities, anywhere=True)
    check_identities(recorder.exchanges[moved_at:], {movable.uri})
    # The members group's post went to birch only: cedar never saw it, in any form.
    assert await post_id_on(cedar, m1.uri) is None
    with_cedar = [e for e in recorder.exchanges if "cedar" in (e.node, e.sender)]
    assert find_leaks(with_cedar, [members_text, m1.uri]) == []
    # And the public group's post did reach both, through the proxies.
    for node in ("birch", "cedar"):
        to_node = [e for e in recorder.exchanges if e.node == node and e.sender == HOME]
        assert find_leaks(to_node, [p1.uri]), f"{HOME} sent {node} nothing about the public post"

    # The members group becomes confidential: at once, nothing of it leaves any more.
    await settle(world)
    tightened_at = len(recorder.exchanges)
    await actions.update_group(alice.actor, circle.id, GroupChange(visibility="confidential"))
    assert (
        await alder.value(
            "SELECT count(*) FROM posts WHERE group_id = $1 AND visibility <> 'confidential'",
            circle.id,
        )
        == 0
    )
    assert (
        await alder.value(
            "SELECT count(*) FROM group_members m JOIN actors a ON a.id = m.member_id"
            " WHERE m.group_id = $1 AND NOT a.local",
            circle.id,
        )
        == 0
    )
    later = {name: marker(name) for name in ("m2", "m2r")}
    m2 = await publish.post(alice.actor, Draft(later["m2"], group_id=circle.id))
    await publish.post(dan.actor, Draft(later["m2r"], in_reply_to_id=m2.id))
    world.secret_texts.update(later.values())
    # Bob's node still thinks he belongs: what he sends is refused, and relayed to no one.
    bob_circle = await birch.remote(circle.actor)
    stale = marker("bob-stale")
    stale_post = await birch.node.publisher.post(bob.actor, Draft(stale, group_id=bob_circle.id))
    await birch.node.publisher.like(bob.actor, m1_on_birch)
    await settle(world)
    assert (
        await alder.value(
            "SELECT count(*) FROM posts WHERE uri = $1 AND group_id = $2", stale_post.uri, circle.id
        )
        == 0
    )
    await assert_not_found(world, group_urls(circle), html_too=True)
    await assert_not_found(world, post_urls(alder, m1.uri, m1.id, alice.actor))
    await settle(world)
    circle_identities = await confidential_identities(world, [circle.id])
    assert {circle.uri, m1.uri, m2.uri} <= circle_identities
    check_texts(world, recorder.exchanges)
    check_identities(recorder.exchanges[tightened_at:], circle_identities)
    after_tightening = [e for e in recorder.exchanges[tightened_at:] if e.sender == HOME]
    assert find_leaks(after_tightening, [stale]) == [], "bob's refused post was relayed"

    # The confidential group is opened to everyone: what was written before stays unseen.
    await settle(world)
    loosened_at = len(recorder.exchanges)
    before_loosening = await confidential_identities(world, [vault.id])
    await actions.update_group(alice.actor, vault.id, GroupChange(visibility="public"))
    still = await confidential_identities(world, [vault.id])
    old_posts = {uri for uri, *_ in confidential_posts if uri != s3.uri and uri != movable.uri}
    assert old_posts | {vault_general.uri, dossiers.uri} <= still
    assert vault.uri not in still
    open_space = await actions.create_space(
        alice.actor, vault.id, slug=f"open-{tag}", name=f"Open {tag}", visibility="public"
    )
    await follow_group(bob, vault)
    await eventually(lambda: joined(bob, vault.uri), what="bob in the opened group")
    opened_text = marker("vault-opened")
    p4 = await publish.post(
        alice.actor, Draft(opened_text, group_id=vault.id, space_id=open_space.id)
    )
    # The default space is still confidential, and so is a new post in it.
    s7 = await publish.post(dan.actor, Draft(secrets["s7"], group_id=vault.id))
    assert await visibility_on(alder, s7.uri) == "confidential"
    await eventually(lambda: post_id_on(birch, p4.uri), what="the opened group's new post on birch")
    await settle(world)
    # A member now, bob reads the group: none of the old posts are in it.
    bob_member = Asker(birch, bob.actor)
    await probe(bob_member, group_urls(vault, [open_space]))
    still_hidden = [vault_general.uri, dossiers.uri, s7.uri]
    for uri, post_id, author in confidential_posts:
        still_hidden += post_urls(alder, uri, post_id, author)
    answers = await probe(bob_member, still_hidden)
    assert [a for a in answers if a[1] != 404] == [], "the old confidential posts were served"
    await settle(world)
    check_texts(world, recorder.exchanges)
    check_identities(recorder.exchanges[:loosened_at], before_loosening | hidden_identities)
    check_identities(
        recorder.exchanges[loosened_at:],
        await confidential_identities(world, [vault.id, agora.id, circle.id]),
    )


# Random sequences of actions


WHO = st.sampled_from(["alice", "dan", "bob", "cleo"])
VISIBILITY = st.sampled_from(["public", "members", "confidential"])
POST = st.integers(min_value=0, max_value=30)
SPACE = st.integers(min_value=0, max_value=1)
ARGUMENTS = {
    "join": st.tuples(st.sampled_from(["dan", "bob", "cleo"])),
    "post": st.tuples(WHO, SPACE),
    "reply": st.tuples(WHO, POST),
    "mention": st.tuples(WHO, st.sampled_from(["group", "person"])),
    "like": st.tuples(WHO, POST),
    "boost": st.tuples(WHO, POST),
    "edit": st.tuples(POST),
    "move": st.tuples(POST, SPACE),
    "visibility": st.tuples(VISIBILITY),
}
# Writing is drawn more often than the rest: most other actions need something written.
KINDS = ["post", "post", "reply", "reply", "mention", *ARGUMENTS]
ACTION = st.sampled_from(KINDS).flatmap(
    lambda kind: ARGUMENTS[kind].map(lambda arguments: (kind, *arguments))
)
PLAN = st.fixed_dictionaries(
    {
        "visibility": VISIBILITY,
        "space": VISIBILITY,
        # Who asks to join first, so that other nodes have a part in most examples; joining
        # later is one of the drawn actions too.
        "joining": st.lists(st.sampled_from(["dan", "bob", "cleo"]), unique=True),
        "actions": st.lists(ACTION, min_size=4, max_size=10),
    }
)
# Errors an action may meet by the rules (a stranger posting, a boost of a members post...):
# the action then did nothing, which is fine; the invariant is checked all the same.
REFUSALS = (FediError, ResolveError)


@dataclass(frozen=True)
class Written:
    uri: str
    author: str


class Trial:
    """One drawn example: a new group on alder with a second space, the drawn actions, and
    after each action (once the nodes are quiet) the leak checks."""

    def __init__(self, world: World, plan: dict[str, Any], log: list[str]) -> None:
        self.world = world
        self.plan = plan
        self.log = log
        self.posts: list[Written] = []
        self.group: Group | None = None
        self.spaces: list[Space] = []
        # Whether the group was ever anything but confidential: if never, no other node was
        # ever told its name or URI, and those may appear nowhere at all.
        self.ever_open = False

    @property
    def the_group(self) -> Group:
        assert self.group is not None
        return self.group

    async def run(self) -> None:
        world = self.world
        await settle(world)
        world.recorder.clear()
        alice = world.people["alice"].actor
        tag = uuid.uuid4().hex[:12]
        visibility = self.plan["visibility"]
        self.group, general = await world.actions.create_group(
            alice,
            NewGroup(
                f"g_{tag}",
                display_name=marker("Group"),
                summary=marker("about"),
                visibility=visibility,
                join_policy="open",
            ),
        )
        space_visibility = stricter(visibility, self.plan["space"])
        extra = await world.actions.create_space(
            alice, self.group.id, slug=f"s-{tag}", name=marker("Space"), visibility=space_visibility
        )
        self.spaces = [general, extra]
        self.ever_open = visibility != "confidential"
        self.log.append(f"group {visibility}, second space {space_visibility}")
        for who in self.plan["joining"]:
            await self.step(("join", who))
        await self.step(("post", "alice", 0))
        for action in self.plan["actions"]:
            await self.step(action)
        await self.finish()

    async def step(self, action: tuple[Any, ...]) -> None:
        """One action; the nodes are quiet before it (`run` and each step end settled)."""
        world = self.world
        begin = len(world.recorder.exchanges)
        try:
            outcome = await getattr(self, f"do_{action[0]}")(*action[1:])
        except REFUSALS as error:
            outcome = f"refused: {type(error).__name__}: {error}"
        self.log.append(f"{action}: {outcome}")
        await settle(world)
        window = world.recorder.exchanges[begin:]
        check_texts(world, window)
        check_identities(window, await confidential_identities(world, [self.the_group.id]))
        await self.check_rules()

    async def check_rules(self) -> None:
        """What the group's visibility promises, as alder stores it."""
        alder, group = self.world.alder, self.the_group
        visibility = await alder.value(
            "SELECT visibility FROM groups WHERE actor_id = $1", group.id
        )
        if visibility == "confidential":
            loose = await alder.value(
                "SELECT count(*) FROM posts WHERE group_id = $1 AND visibility <> 'confidential'",
                group.id,
            )
            assert loose == 0, "a confidential group holds posts that are not confidential"
            remote = await alder.value(
                "SELECT count(*) FROM group_members m JOIN actors a ON a.id = m.member_id"
                " WHERE m.group_id = $1 AND NOT a.local",
                group.id,
            )
            assert remote == 0, "a confidential group has members on other nodes"
        loose_spaces = await alder.value(
            "SELECT count(*) FROM spaces WHERE group_id = $1 AND visibility = ANY($2::text[])",
            group.id,
            [v for v in VISIBILITY_RANK if VISIBILITY_RANK[v] < VISIBILITY_RANK[visibility]],
        )
        assert loose_spaces == 0, "a space is looser than its group"

    async def group_visibility(self) -> str:
        return str(
            await self.world.alder.value(
                "SELECT visibility FROM groups WHERE actor_id = $1", self.the_group.id
            )
        )

    async def wrote(self, who: str, uri: str, text: str) -> str:
        """Note a new text; alder's texts written confidential become secrets."""
        self.posts.append(Written(uri, who))
        return await self.note_text(who, uri, text)

    async def note_text(self, who: str, uri: str, text: str) -> str:
        person = self.world.people[who]
        if person.member is not self.world.alder:
            return f"{who} wrote {uri}"
        visibility = await visibility_on(self.world.alder, uri)
        group_id = await self.world.alder.value("SELECT group_id FROM posts WHERE uri = $1", uri)
        if group_id == self.the_group.id and await self.group_visibility() == "confidential":
            assert visibility == "confidential", f"{uri} is {visibility} in a confidential group"
        if visibility == "confidential":
            self.world.secret_texts.add(text)
        return f"{who} wrote {uri} ({visibility})"

    async def remote_group(self, person: Person) -> Actor | None:
        """How the person's node knows the group, if it does (it never learns it here)."""
        row = await person.member.rows("SELECT id FROM actors WHERE uri = $1", self.the_group.uri)
        if not row:
            return None
        return await person.member.remote(self.the_group.actor)

    async def target(self, index: int) -> Written | None:
        return self.posts[index % len(self.posts)] if self.posts else None

    async def do_join(self, who: str) -> str:
        world, group = self.world, self.the_group
        person = world.people[who]
        visibility = await self.group_visibility()
        if person.member is world.alder:
            if visibility != "public":
                await world.actions.invite(world.people["alice"].actor, group.id, person.actor)
            await world.actions.join(person.actor, group.id)
            return f"{who} joined"
        if visibility == "confidential":
            with pytest.raises(FediError):
                await world.actions.invite(
                    world.people["alice"].actor, group.id, await world.alder.remote(person.actor)
                )
            if not await knows(person.member, group.uri):
                with pytest.raises(ResolveError):
                    await person.member.remote(group.actor)
                return f"{who} could not find the confidential group"
        if await world.alder.value(
            "SELECT count(*) FROM group_members m JOIN actors a ON a.id = m.member_id"
            " WHERE m.group_id = $1 AND a.uri = $2 AND m.state = 'member'",
            group.id,
            person.actor.uri,
        ):
            return f"{who} is a member already"
        if visibility == "members":
            # A members group is found by the nodes of those it invites.
            await world.actions.invite(
                world.people["alice"].actor, group.id, await world.alder.remote(person.actor)
            )
        await follow_group(person, group)
        return f"{who} asked to join the {visibility} group"

    async def do_post(self, who: str, space: int) -> str:
        world, group = self.world, self.the_group
        person = world.people[who]
        text = marker("post")
        if person.member is world.alder:
            chosen = self.spaces[space % len(self.spaces)]
            draft = Draft(text, group_id=group.id, space_id=chosen.id)
        else:
            known = await self.remote_group(person)
            if known is None:
                return f"{who} does not know the group"
            draft = Draft(text, group_id=known.id)
        post = await person.member.node.publisher.post(person.actor, draft)
        return await self.wrote(who, post.uri, text)

    async def do_reply(self, who: str, index: int) -> str:
        target = await self.target(index)
        if target is None:
            return "nothing to reply to"
        person = self.world.people[who]
        parent = await post_id_on(person.member, target.uri)
        if parent is None:
            return f"{who} has not seen {target.uri}"
        text = marker("reply")
        mention = f" {self.world.people[target.author].handle}" if target.author != who else ""
        post = await person.member.node.publisher.post(
            person.actor, Draft(text + mention, in_reply_to_id=parent)
        )
        return await self.wrote(who, post.uri, text)

    async def do_mention(self, who: str, kind: str) -> str:
        world, group = self.world, self.the_group
        person = world.people[who]
        text = marker("mention")
        local = person.member is world.alder
        if kind == "group":
            # Only someone who knows the group names it: a member here, a node that knows it.
            handle = f"@{group.actor.username}@{world.alder.domain}"
            if local:
                if not await world.alder.value(
                    "SELECT count(*) FROM group_members WHERE group_id = $1 AND member_id = $2"
                    " AND state = 'member'",
                    group.id,
                    person.actor.id,
                ):
                    return f"{who} is not a member"
                post_id = await api_post(person, f"{handle} {text}")
                uri = await world.alder.value("SELECT uri FROM posts WHERE id = $1", post_id)
                return await self.wrote(who, str(uri), text)
            if await self.remote_group(person) is None:
                return f"{who} does not know the group"
            post = await person.member.node.publisher.post(person.actor, Draft(f"{handle} {text}"))
            return await self.wrote(who, post.uri, text)
        # A person of another node, mentioned in a post in the group.
        other = world.people["bob" if who != "bob" else "alice"]
        if local:
            draft = Draft(f"{text} {other.handle}", group_id=group.id)
        else:
            known = await self.remote_group(person)
            if known is None:
                return f"{who} does not know the group"
            draft = Draft(f"{text} {other.handle}", group_id=known.id)
        post = await person.member.node.publisher.post(person.actor, draft)
        return await self.wrote(who, post.uri, text)

    async def do_like(self, who: str, index: int) -> str:
        return await self.react(who, index, "like")

    async def do_boost(self, who: str, index: int) -> str:
        return await self.react(who, index, "boost")

    async def react(self, who: str, index: int, how: str) -> str:
        target = await self.target(index)
        if target is None:
            return "nothing to react to"
        person = self.world.people[who]
        post_id = await post_id_on(person.member, target.uri)
        if post_id is None:
            return f"{who} has not seen {target.uri}"
        await getattr(person.member.node.publisher, how)(person.actor, post_id)
        return f"{who}: {how} {target.uri}"

    async def do_edit(self, index: int) -> str:
        target = await self.target(index)
        if target is None:
            return "nothing to edit"
        person = self.world.people[target.author]
        post_id = await post_id_on(person.member, target.uri)
        visibility = await visibility_on(person.member, target.uri)
        assert post_id is not None and visibility is not None
        text = marker("edit")
        await person.member.node.publisher.edit(
            person.actor, post_id, Draft(text, visibility=visibility)
        )
        await self.note_text(target.author, target.uri, text)
        return f"{target.author} edited {target.uri} ({visibility})"

    async def do_move(self, index: int, space: int) -> str:
        target = await self.target(index)
        if target is None:
            return "nothing to move"
        alder = self.world.alder
        post_id = await post_id_on(alder, target.uri)
        if post_id is None:
            return f"{HOME} does not hold {target.uri}"
        before = await visibility_on(alder, target.uri)
        chosen = self.spaces[space % len(self.spaces)]
        moved = await self.world.actions.move_post(
            self.world.people["alice"].actor, self.the_group.id, post_id, chosen.id
        )
        space_visibility = await alder.value(
            "SELECT visibility FROM spaces WHERE id = $1", chosen.id
        )
        if before in VISIBILITY_RANK:
            assert moved.visibility == stricter(before, space_visibility), "a move loosened a post"
        return f"moved {target.uri} to {chosen.slug}: {before} -> {moved.visibility}"

    async def do_visibility(self, visibility: str) -> str:
        world, group = self.world, self.the_group
        alder = world.alder
        hidden_before = {
            row["uri"]
            for row in await alder.rows(
                "SELECT uri FROM posts WHERE group_id = $1 AND visibility = 'confidential'",
                group.id,
            )
        }
        before = await self.group_visibility()
        await world.actions.update_group(
            world.people["alice"].actor, group.id, GroupChange(visibility=visibility)
        )
        if visibility != "confidential":
            self.ever_open = True
        hidden_after = {
            row["uri"]
            for row in await alder.rows(
                "SELECT uri FROM posts WHERE group_id = $1 AND visibility = 'confidential'",
                group.id,
            )
        }
        assert hidden_before <= hidden_after, "opening the group published confidential posts"
        return f"group {before} -> {visibility}"

    async def finish(self) -> None:
        """Ask alder for everything confidential in the group; count what did travel."""
        world, group = self.world, self.the_group
        alder = world.alder
        await settle(world)
        begin = len(world.recorder.exchanges)
        urls: list[str] = []
        if await self.group_visibility() == "confidential":
            urls += group_urls(group)
        for space in self.spaces:
            row = await alder.value("SELECT visibility FROM spaces WHERE id = $1", space.id)
            if row == "confidential" or await self.group_visibility() == "confidential":
                urls += [space.uri, space.uri + "?page=true"]
        for row in await alder.rows(
            "SELECT p.uri FROM posts p WHERE p.group_id = $1 AND p.visibility = 'confidential'"
            " AND p.local",
            group.id,
        ):
            urls.append(row["uri"])
        if urls:
            await assert_not_found(world, urls, html_too=False)
        if await self.group_visibility() == "confidential":
            await probe_by_name(world, group, [])
        await settle(world)
        window = world.recorder.exchanges[begin:]
        check_texts(world, world.recorder.exchanges)
        identities = await confidential_identities(world, [group.id])
        check_identities(window, identities)
        if not self.ever_open:
            check_identities(world.recorder.exchanges, identities, anywhere=True)
        for written in self.posts:
            if world.people[written.author].member is not alder:
                continue
            for other in (world.birch, world.cedar):
                if await post_id_on(other, written.uri) is not None:
                    world.delivered += 1


@on_loop
async def test_random_group_actions_never_leak(world: World) -> None:
    loop = asyncio.get_running_loop()

    @settings(
        max_examples=8,
        deadline=None,
        database=None,
        # Each example costs seconds of real federation: no shrinking, the log says what ran.
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(plan=PLAN)
    @example(
        plan={
            "visibility": "public",
            "space": "confidential",
            "joining": ["bob", "cleo", "dan"],
            "actions": [
                ("reply", "bob", 0),
                ("like", "cleo", 0),
                ("boost", "bob", 0),
                ("post", "dan", 1),
                ("move", 0, 1),
                ("edit", 0),
                ("visibility", "members"),
                ("join", "bob"),
                ("post", "bob", 0),
                ("visibility", "confidential"),
                ("post", "bob", 0),
                ("mention", "alice", "group"),
                ("mention", "dan", "person"),
                ("visibility", "public"),
                ("post", "alice", 0),
            ],
        }
    )
    def trial(plan: dict[str, Any]) -> None:
        # Hypothesis runs in a thread and each example on the test's event loop, where the
        # recording proxies run: blocking the loop would stop every exchange between nodes.
        log: list[str] = []
        try:
            asyncio.run_coroutine_threadsafe(Trial(world, plan, log).run(), loop).result()
        finally:
            for line in log:
                note(line)

    await asyncio.to_thread(trial)
    assert world.delivered > 0, "no group post of alder's ever reached another node"
