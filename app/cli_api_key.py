"""`strawsync api-key create|list|delete`: the project's API keys, as AppSync's console and
`aws appsync create-api-key` manage them.

`create` prints the new key on its last line (so `| tail -n 1` gets it); it is shown this once
and never stored. `list` never shows a key, only its id. A running server sees the change on
its next request.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime

from app.auth.api_keys import (
    DEFAULT_VALIDITY_DAYS,
    ID_LENGTH,
    MAX_VALIDITY_DAYS,
    MIN_VALIDITY_DAYS,
    ApiKeyError,
    ApiKeyStore,
    StoredKey,
)


def add_parser(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
    add_project: Callable[[argparse.ArgumentParser], None],
) -> None:
    """Register `api-key` and its actions; each action takes `--project`."""
    api_key = commands.add_parser("api-key", help="create, list and delete API keys")
    actions = api_key.add_subparsers(dest="action", required=True)

    create = actions.add_parser("create", help="make a key; prints it once, on the last line")
    create.add_argument(
        "--expires-days",
        type=int,
        default=DEFAULT_VALIDITY_DAYS,
        metavar="N",
        help=f"days until it expires, {MIN_VALIDITY_DAYS} to {MAX_VALIDITY_DAYS}, "
        f"rounded down to the hour (default: {DEFAULT_VALIDITY_DAYS})",
    )
    create.add_argument("--description", metavar="TEXT", help="what the key is for")
    add_project(create)

    listing = actions.add_parser("list", help="show the keys' ids, descriptions and expiry")
    add_project(listing)

    delete = actions.add_parser("delete", help="remove a key; requests with it are refused")
    delete.add_argument("id", metavar="ID", help="the key's id (from `list`), or the key itself")
    add_project(delete)


def _when(epoch: int) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _row(key_id: str, expires: str, status: str, description: str) -> str:
    return f"{key_id:<{ID_LENGTH}}  {expires:<20}  {status:<7}  {description}".rstrip()


def _describe(stored: StoredKey, now: float) -> str:
    status = "expired" if stored.expired(now) else "active"
    description = " ".join((stored.description or "").split())
    return _row(stored.id, _when(stored.expires), status, description)


def run(args: argparse.Namespace) -> int:
    """Carry out `args.action`; 2 with `strawsync api-key: <ErrorType>: <message>` if refused,
    1 if the keys file cannot be written."""
    if not args.project.is_dir():
        print(f"strawsync api-key: {args.project}: no such project folder", file=sys.stderr)
        return 2
    store = ApiKeyStore.for_project(args.project)
    now = time.time()
    try:
        if args.action == "create":
            key, stored = store.create(args.description, args.expires_days, now)
            print(f"id: {stored.id}")
            if stored.description:
                print(f"description: {stored.description}")
            print(f"expires: {_when(stored.expires)}")
            print("The key is shown only now; keep it (requests send it as x-api-key):")
            print(key)
        elif args.action == "list":
            keys = store.list(now)
            if not keys:
                print(f"no API keys in {store.path}", file=sys.stderr)
            else:
                print(_row("ID", "EXPIRES", "STATUS", "DESCRIPTION"))
            for stored in keys:
                print(_describe(stored, now))
        elif args.action == "delete":
            stored = store.delete(args.id, now)
            print(f"deleted API key {stored.id}")
        else:
            raise AssertionError(args.action)
    except ApiKeyError as error:
        print(f"strawsync api-key: {error.error_type}: {error.message}", file=sys.stderr)
        return 2
    except OSError as error:
        print(f"strawsync api-key: {error}", file=sys.stderr)
        return 1
    return 0
