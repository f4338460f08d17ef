"""The `fedi` command: serve, migrate, and manage users."""

import argparse
import asyncio
import contextlib
import logging
import signal
import sys
from collections.abc import Callable, Coroutine
from typing import Any

from fedi.cli_accounts import add_account_commands, run_account
from fedi.cli_domain import add_domain_commands, run_domain
from fedi.cli_groups import add_group_commands, run_group, run_space
from fedi.cli_reports import add_report_commands, run_audit, run_report
from fedi.config import Settings, load_settings
from fedi.db import users as users_db
from fedi.db.database import open_pool
from fedi.db.migrate import migrate
from fedi.errors import FediError
from fedi.urls import Urls

log = logging.getLogger("fedi")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="fedi",
        description="A federated ActivityPub server for human-rights networks.",
        epilog="Settings come from FEDI_* environment variables and an optional FEDI_CONFIG file.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = commands.add_parser("serve", help="run the node: web app and workers")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000, help="port to listen on (8000)")
    serve.add_argument("--ssl-certfile", help="TLS certificate (PEM) to serve HTTPS directly")
    serve.add_argument("--ssl-keyfile", help="TLS private key (PEM) for --ssl-certfile")
    serve.add_argument(
        "--create-admin-if-empty",
        action="store_true",
        help="on first start with no accounts, create an admin and print its password once",
    )

    serve.add_argument(
        "--no-workers", action="store_true", help="serve HTTP only; run `fedi worker` apart"
    )

    worker = commands.add_parser("worker", help="run extra inbox and delivery workers")
    worker.add_argument("--count", type=int, default=1, help="pairs of workers to run (1)")

    commands.add_parser("migrate", help="apply pending database migrations")

    user = commands.add_parser("user", help="manage local accounts")
    user_commands = user.add_subparsers(dest="user_command", required=True, metavar="ACTION")
    create = user_commands.add_parser("create", help="create a local account")
    create.add_argument("name", help="username: letters, digits and underscores")
    create.add_argument("--admin", action="store_true", help="give the account admin rights")
    create.add_argument("--password", help="password (a strong one is generated if omitted)")
    resolve = commands.add_parser(
        "resolve", help="look up a remote actor by handle (name@host) or URL and cache it"
    )
    resolve.add_argument("target", help="name@host, acct:name@host or an actor URL")
    add_domain_commands(commands)
    add_account_commands(commands)
    add_report_commands(commands)
    add_group_commands(commands)
    return parser


def _use_fast_event_loop() -> None:
    """uvloop where it is installed (not on Windows): the server's requests cost less CPU."""
    try:
        import uvloop
    except ImportError:
        return
    asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    # pgserver narrates every start-up step at INFO; only its warnings matter to an admin.
    logging.getLogger("pgserver").setLevel(logging.WARNING)
    if args.command == "serve" and bool(args.ssl_certfile) != bool(args.ssl_keyfile):
        print("fedi: error: --ssl-certfile and --ssl-keyfile go together", file=sys.stderr)
        return 2
    try:
        settings = load_settings()
    except FediError as exc:
        print(f"fedi: error: {exc}", file=sys.stderr)
        return 2
    commands: dict[str, Callable[[Settings, Any], Coroutine[Any, Any, int]]] = {
        "serve": _serve,
        "migrate": _migrate,
        "user": _user,
        "resolve": _resolve,
        "worker": _worker,
        "domain": run_domain,
        "account": run_account,
        "report": run_report,
        "audit": run_audit,
        "group": run_group,
        "space": run_space,
    }
    _use_fast_event_loop()
    try:
        return asyncio.run(commands[args.command](settings, args))
    except FediError as exc:
        print(f"fedi: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


async def _migrate(settings: Settings, args: Any) -> int:
    async with open_pool(settings, max_size=2) as pool:
        applied = await migrate(pool)
    print(f"applied {len(applied)} migration(s)" if applied else "database is up to date")
    return 0


async def _user(settings: Settings, args: Any) -> int:
    from fedi.domain.accounts import create_user

    async with open_pool(settings, max_size=2) as pool:
        await migrate(pool)
        new = await create_user(
            pool,
            Urls.for_settings(settings),
            settings.domain,
            args.name,
            password=args.password,
            is_admin=args.admin,
        )
    role = "admin" if args.admin else "user"
    print(f"created {role} @{new.actor.username}@{settings.domain}")
    if new.generated_password:
        print(f"password: {new.password}")
    return 0


async def _resolve(settings: Settings, args: Any) -> int:
    from fedi.app import running_node

    async with open_pool(settings, max_size=2) as pool, running_node(settings, pool) as node:
        target: str = args.target
        if target.startswith(("https://", "http://")):
            actor = await node.resolver.actor_by_uri(target, refresh=True)
        else:
            actor = await node.resolver.actor_by_acct(target)
    print(f"{actor.actor_type} @{actor.username}@{actor.domain}")
    print(f"id: {actor.uri}")
    print(f"inbox: {actor.inbox_url}")
    print(f"key: {actor.key_id}")
    return 0


async def _worker(settings: Settings, args: Any) -> int:
    from fedi.app import running_node

    if args.count < 1:
        print("fedi: error: --count must be at least 1", file=sys.stderr)
        return 2
    async with open_pool(settings, max_size=4 + 2 * args.count) as pool:
        async with running_node(settings, pool) as node:
            stop = asyncio.Event()
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(sig, stop.set)
            print(f"fedi worker running {args.count} inbox and delivery worker(s)", flush=True)
            await node.run_workers(stop, count=args.count)
    print("fedi worker stopped", flush=True)
    return 0


async def _serve(settings: Settings, args: Any) -> int:
    import uvicorn

    from fedi.app import create_app, running_node
    from fedi.domain.accounts import create_user

    async with open_pool(settings) as pool, running_node(settings, pool) as node:
        if args.create_admin_if_empty:
            async with pool.acquire() as conn:
                empty = await users_db.count(conn) == 0
            if empty:
                admin = await create_user(pool, node.urls, settings.domain, "admin", is_admin=True)
                print(
                    f"\nCreated the first admin account: @admin@{settings.domain}\n"
                    f"Password (shown once): {admin.password}\n",
                    flush=True,
                )
        app = create_app(node)
        config = uvicorn.Config(
            app,
            host=args.host,
            port=args.port,
            ssl_certfile=args.ssl_certfile,
            ssl_keyfile=args.ssl_keyfile,
            log_level="info",
            access_log=False,
            proxy_headers=False,
            # An open WebSocket or event stream must not hold shutdown (and PostgreSQL) forever.
            timeout_graceful_shutdown=5,
        )
        server = uvicorn.Server(config)
        # uvicorn re-raises SIGTERM after shutting down, which would kill us before the
        # embedded PostgreSQL is stopped; we take the signals ourselves instead.
        server.capture_signals = contextlib.nullcontext  # type: ignore[method-assign, assignment]
        loop = asyncio.get_running_loop()

        def shut_down() -> None:
            server.should_exit = True
            # Event streams never end by themselves; uvicorn waits for them before shutdown.
            app.state.stream_hub.close_streams()

        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, shut_down)
        print(f"fedi serving {settings.base_url} on {args.host}:{args.port}", flush=True)
        stop = asyncio.Event()
        workers = None if args.no_workers else asyncio.create_task(node.run_workers(stop))
        try:
            await server.serve()
        finally:
            stop.set()
            if workers is not None:
                await workers
    print("fedi stopped", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
