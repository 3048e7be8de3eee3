"""`python -m geo db init|seed|revise|history|diff|publish|dump|restore`: the store from the command line.

Every command takes --url (a file path for the embedded store, or a postgresql:// URL); without it,
CROSSINGS_DATABASE_URL; without either, the embedded default (.crossings/store.sqlite). A refused
write exits 1 with the reasons on stderr; a store that cannot be used exits 2.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import sqlalchemy as sa

from geo.io import DATA_DIR
from geo.store import RevisionRefused, StoreError, open_current_store, open_store
from geo.store.records import parse_cli_value

REFUSED, UNUSABLE = 1, 2


def add_db_parser(commands: argparse._SubParsersAction) -> None:
    db = commands.add_parser("db", help="the history store: init, seed, revise, history, diff, publish")
    actions = db.add_subparsers(dest="db_command", required=True)

    def command(name: str, text: str) -> argparse.ArgumentParser:
        parser = actions.add_parser(name, help=text, description=text)
        parser.add_argument("--url", help="a file path (embedded store) or a postgresql:// URL")
        parser.add_argument("--data", type=Path, default=DATA_DIR, help=argparse.SUPPRESS)
        return parser

    command("init", "create the store's tables (or upgrade them)")
    command("seed", "load data/ as revision 1 of every feature and source (later: import a new release)")
    revise = command("revise", "write one revision of one feature or source")
    revise.add_argument("id", help="the feature or source id")
    revise.add_argument(
        "--set", dest="assignments", action="append", default=[], metavar="FIELD=VALUE", help="a new value"
    )
    revise.add_argument("--source", dest="sources", action="append", default=[], metavar="SID", help="a source id")
    revise.add_argument("--reason", required=True, help="why: shown in the history")
    revise.add_argument("--author", required=True, help="who")
    revise.add_argument("--base", type=int, help="the revision you read: refused if the record changed since")
    revise.add_argument("--retract", action="store_true", help="withdraw the claim (it stays in the history)")
    history = command("history", "every revision of one feature or source")
    history.add_argument("id")
    history.add_argument("--json", action="store_true", help="a JSON list of revisions")
    diff = command("diff", "what changed between two dataset revisions")
    diff.add_argument("old", type=int)
    diff.add_argument("new", type=int)
    publish = command("publish", "write the current state as files in data/'s format, with a manifest")
    publish.add_argument("--out", required=True, type=Path, metavar="DIR")
    publish.add_argument("--revision", type=int, help="an earlier revision instead of the current one")
    publish.add_argument(
        "--public",
        action="store_true",
        help="only what the public may see (restricted records left out, generalised ones coarsened)",
    )
    dump = command("dump", "write the whole store (every revision of everything) to one file: a backup")
    dump.add_argument("--out", required=True, type=Path, metavar="FILE")
    restore = command("restore", "load a dump into an empty store (a new database or file)")
    restore.add_argument("file", type=Path, metavar="FILE")


def _value_text(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)


def _parse_assignments(store, record_id: str, assignments: list[str]) -> dict[str, object]:
    record = store.record(record_id)
    if record is None:
        raise RevisionRefused(record_id, [f"no record with id {record_id!r} in the store"])
    changes: dict[str, object] = {}
    for item in assignments:
        field, sep, text = item.partition("=")
        field = field.strip()
        if not sep or not field:
            raise RevisionRefused(record_id, [f"--set takes FIELD=VALUE, got {item!r}"])
        current = record.geometry if field == "geometry" else record.properties.get(field)
        try:
            changes[field] = parse_cli_value(field, text, current)
        except Exception as error:  # shapely and json raise several types for a malformed value
            raise RevisionRefused(record_id, [f"{field}: cannot read {text!r}: {error}"]) from error
    return changes


def run_db_command(args: argparse.Namespace) -> int:
    try:
        return _run(args)
    except RevisionRefused as error:
        print(f"refused: {error.record_id}:", file=sys.stderr)
        for reason in error.reasons:
            print(f"  - {reason}", file=sys.stderr)
        return REFUSED
    except StoreError as error:
        print(f"db: {error}", file=sys.stderr)
        return UNUSABLE
    except sa.exc.SQLAlchemyError as error:  # unreachable server, wrong password, missing database …
        print(f"db: cannot use the store: {getattr(error, 'orig', None) or error}", file=sys.stderr)
        return UNUSABLE


def _run(args: argparse.Namespace) -> int:
    action = args.db_command
    if action == "restore":
        from geo.store.backup import restore

        store = open_store(args.url, args.data)
        try:
            number = restore(store, args.file)
            print(f"restored {args.file} into {store!r}: revision {number}")
            return 0
        finally:
            store.close()
    if action in ("init", "seed"):
        store = open_store(args.url, args.data)
        try:
            if action == "init":
                store.init()
                print(f"initialised {store!r} (revision {store.revision()})")
                return 0
            number = store.seed(args.data)
            if number is None:
                print(f"{args.data} is already imported; the store is at revision {store.revision()}")
            else:
                print(f"imported {args.data} as revision {number}")
            return 0
        finally:
            store.close()
    store = open_current_store(args.url, args.data)
    try:
        if action == "revise":
            changes = _parse_assignments(store, args.id, args.assignments)
            number = store.revise(
                args.id,
                changes,
                author=args.author,
                reason=args.reason,
                source_ids=[s for item in args.sources for s in item.split(";")],
                base=args.base,
                retract=args.retract,
            )
            entry = store.history(args.id)[-1]
            print(f"revision {number}: {args.id}")
            for field, change in entry.changes.items():
                print(f"  {field}: {_value_text(change['old'])} -> {_value_text(change['new'])}")
            return 0
        if action == "history":
            entries = store.history(args.id)
            if not entries:
                raise StoreError(f"no record with id {args.id!r} in the store")
            if args.json:
                print(json.dumps([e.as_json() for e in entries], ensure_ascii=False, indent=1))
                return 0
            for entry in entries:
                print(f"revision {entry.revision} · {entry.time} · {entry.author} · {entry.action}")
                print(f"  reason: {entry.reason}")
                if entry.source_ids:
                    print(f"  sources: {', '.join(entry.source_ids)}")
                for field, change in entry.changes.items():
                    print(f"  {field}: {_value_text(change['old'])} -> {_value_text(change['new'])}")
            return 0
        if action == "dump":
            from geo.store.backup import dump

            number = dump(store, args.out)
            print(f"dumped {store!r} at revision {number} to {args.out}")
            return 0
        if action == "diff":
            print(json.dumps(store.diff(args.old, args.new), ensure_ascii=False, indent=1))
            return 0
        if action == "publish":
            from geo.__main__ import print_report, validation_report

            out = store.publish(args.out, args.data, at=args.revision)
            if getattr(args, "public", False):
                from geo.public_release import make_public

                make_public(out)
            print(f"published revision {args.revision or store.revision()} to {out}")
            report = validation_report(out)
            print_report(report)
            return 0 if report["ok"] else REFUSED
        return UNUSABLE
    finally:
        store.close()
