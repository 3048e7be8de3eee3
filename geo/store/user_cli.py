"""`python -m geo user add NAME --role editor|reviewer|admin`: local accounts for editors.

The password is read from a prompt (twice, not echoed) or, when stdin is not a terminal, from the
first line of stdin; never from an argument, where it would sit in the shell history and `ps`."""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path

from geo.accounts import ROLES, AccountError
from geo.io import DATA_DIR


def add_user_parser(commands: argparse._SubParsersAction) -> None:
    user = commands.add_parser("user", help="accounts for editors, reviewers and admins")
    actions = user.add_subparsers(dest="user_command", required=True)
    add = actions.add_parser("add", help="create a local account (password from a prompt or stdin)")
    add.add_argument("name")
    add.add_argument("--role", required=True, choices=ROLES)
    add.add_argument("--url", help="a file path (embedded store) or a postgresql:// URL")
    add.add_argument("--data", type=Path, default=DATA_DIR, help=argparse.SUPPRESS)


def read_password(prompt: str = "Password: ") -> str:
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass(prompt)
    if getpass.getpass("Again: ") != first:
        raise AccountError("the two passwords differ")
    return first


def run_user_command(args: argparse.Namespace) -> int:
    from geo.store import StoreError, open_current_store
    from geo.store.review import add_user

    try:
        password = read_password()
        store = open_current_store(args.url, args.data)
        try:
            created = add_user(store, args.name, args.role, password)
        finally:
            store.close()
    except (AccountError, StoreError) as error:
        print(f"user: {error}", file=sys.stderr)
        return 1
    print(f"created {created.role} account {created.name}")
    return 0
