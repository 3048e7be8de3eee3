"""Accounts, drafts and review on top of the history store.

An editor's change is a **draft** (the `drafts` table), not a revision: the public reads revisions
only, so a draft is invisible until a reviewer approves it, and the approval writes the revision
(author: the editor; the reviewer and the note in its reason). Fail closed: the part of a draft that
makes a record less visible (a stricter `visibility`) is written as a revision at once, before review.

Every write here re-reads the account from the store and checks its role: a hidden page is not access
control, and a session that lost its role loses it on its next write.
"""

from __future__ import annotations

import io
import json
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import pandas as pd
import sqlalchemy as sa

from geo.accounts import (
    Account,
    AccountError,
    check_name,
    check_role,
    hash_password,
    password_matches,
    role_label,
    wait_remaining,
)
from geo.i18n import N_, _
from geo.io import read_sources
from geo.schema import LAYERS
from geo.store.records import POINT_LAYERS, SOURCES_LAYER, geometry_json, parse_geometry, record_problems
from geo.store.store import RevisionRefused, StaleRevision, Store, StoreError, _dumps, _wkb
from geo.visibility import VISIBILITY_FIELD, is_less_visible

metadata = sa.MetaData()
users = sa.Table(
    "users",
    metadata,
    sa.Column("name", sa.Text, primary_key=True),
    sa.Column("role", sa.Text, nullable=False),
    sa.Column("password_hash", sa.Text, nullable=False),
    sa.Column("created_at", sa.Text, nullable=False),
    sa.Column("failed_logins", sa.Integer, nullable=False),
    sa.Column("last_failed_at", sa.Float),
    sa.Column("disabled", sa.Boolean, nullable=False),
)
drafts = sa.Table(
    "drafts",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("record_id", sa.Text, nullable=False),
    sa.Column("layer", sa.Text, nullable=False),
    sa.Column("action", sa.Text, nullable=False),
    sa.Column("base_revision", sa.Integer, nullable=False),
    sa.Column("author", sa.Text, nullable=False),
    sa.Column("created_at", sa.Text, nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("changes", sa.Text, nullable=False),
    sa.Column("source_ids", sa.Text, nullable=False),
    sa.Column("new_sources", sa.Text, nullable=False),
    sa.Column("applied_at_once", sa.Integer),
    sa.Column("status", sa.Text, nullable=False),
    sa.Column("reviewer", sa.Text),
    sa.Column("review_note", sa.Text),
    sa.Column("reviewed_at", sa.Text),
    sa.Column("revision", sa.Integer),
)


class AccessDenied(StoreError):
    """The account may not do this (unknown, disabled, or its role does not allow it)."""


class SignInRefused(StoreError):
    """Wrong name or password, or too many recent failures; `wait` is the seconds until a retry."""

    def __init__(self, message: str, wait: float = 0.0):
        self.wait = wait
        super().__init__(message)


@dataclass(frozen=True)
class Draft:
    id: int
    record_id: str
    layer: str
    action: str
    base_revision: int
    author: str
    created_at: str
    reason: str
    changes: dict[str, object]
    source_ids: list[str]
    new_sources: list[dict[str, str]]
    applied_at_once: int | None
    status: str
    reviewer: str | None
    review_note: str | None
    reviewed_at: str | None
    revision: int | None


def ensure_review_schema(store: Store) -> None:
    """Upgrade a store made before accounts and drafts existed (Alembic migration 0002)."""
    if not sa.inspect(store.engine).has_table("drafts"):
        store.init()


def _utc() -> str:
    from geo.store.store import utc_stamp

    return utc_stamp()


# -- accounts -------------------------------------------------------------------------------------


def add_user(store: Store, name: str, role: str, password: str) -> Account:
    """Create an account (refused if the name is taken). Only the argon2 hash is stored."""
    ensure_review_schema(store)
    name, role = check_name(name), check_role(role)
    digest = hash_password(password)
    with store.engine.begin() as conn:
        if conn.execute(sa.select(users.c.name).where(users.c.name == name)).first() is not None:
            raise AccountError(f"an account named {name!r} exists already")
        conn.execute(
            users.insert().values(
                name=name, role=role, password_hash=digest, created_at=_utc(), failed_logins=0, disabled=False
            )
        )
    return Account(name, role)


def account(store: Store, name: str) -> Account | None:
    """The account as the store holds it now (None: unknown or disabled)."""
    ensure_review_schema(store)
    with store.engine.connect() as conn:
        row = conn.execute(sa.select(users.c.role, users.c.disabled).where(users.c.name == name)).first()
    if row is None or row.disabled:
        return None
    return Account(name, row.role)


def sign_in(store: Store, name: str, password: str, now: float | None = None) -> Account:
    """The account when the password matches. Consecutive failures make the account wait (doubling
    each time, see geo.accounts.delay_after) before its password is even checked again."""
    ensure_review_schema(store)
    now = time.time() if now is None else now
    wrong = SignInRefused(_("wrong account name or password"))
    with store.engine.begin() as conn:  # a failure is committed before it is reported
        row = conn.execute(sa.select(users).where(users.c.name == name.strip())).first()
        if row is None or row.disabled:
            password_matches(_DUMMY_HASH, password)  # the same work as a real check: no timing oracle
            raise wrong
        wait = wait_remaining(row.failed_logins, row.last_failed_at, now)
        if wait > 0:
            raise SignInRefused(_("too many failed sign-ins: try again in {wait:.0f} s", wait=wait), wait)
        matched = password_matches(row.password_hash, password)
        values = {"failed_logins": 0, "last_failed_at": None}
        if not matched:
            values = {"failed_logins": row.failed_logins + 1, "last_failed_at": now}
        conn.execute(users.update().where(users.c.name == row.name).values(**values))
    if not matched:
        raise wrong
    return Account(row.name, row.role)


_DUMMY_HASH = hash_password("not-a-real-password-0000")


# Why a role is refused an action, one whole sentence per action.
REFUSED_ACTIONS = {
    "propose": N_("the {role} role may not propose"),
    "review": N_("the {role} role may not review"),
    "manage_accounts": N_("the {role} role may not manage accounts"),
}


def require(store: Store, who: Account | str | None, action: str) -> Account:
    """The account re-read from the store, if it may do `action`; else AccessDenied."""
    name = who.name if isinstance(who, Account) else who
    current = account(store, name) if name else None
    if current is None:
        raise AccessDenied(_("sign in as an editor, reviewer or admin first"))
    if not current.may(action):
        role = role_label(current.role)
        if action in REFUSED_ACTIONS:
            raise AccessDenied(_(REFUSED_ACTIONS[action], role=role))
        raise AccessDenied(f"the {current.role} role may not {action.replace('_', ' ')}")
    return current


# -- drafts ---------------------------------------------------------------------------------------


def _draft(row) -> Draft:
    return Draft(
        row.id,
        row.record_id,
        row.layer,
        row.action,
        row.base_revision,
        row.author,
        row.created_at,
        row.reason,
        json.loads(row.changes),
        json.loads(row.source_ids),
        json.loads(row.new_sources),
        row.applied_at_once,
        row.status,
        row.reviewer,
        row.review_note,
        row.reviewed_at,
        row.revision,
    )


def drafts_for(store: Store, record_id: str | None = None, status: str | None = None) -> list[Draft]:
    ensure_review_schema(store)
    query = sa.select(drafts).order_by(drafts.c.id)
    if record_id is not None:
        query = query.where(drafts.c.record_id == record_id)
    if status is not None:
        query = query.where(drafts.c.status == status)
    with store.engine.connect() as conn:
        return [_draft(row) for row in conn.execute(query)]


def draft(store: Store, draft_id: int) -> Draft | None:
    ensure_review_schema(store)
    with store.engine.connect() as conn:
        row = conn.execute(sa.select(drafts).where(drafts.c.id == draft_id)).first()
    return None if row is None else _draft(row)


def _stored_changes(changes: Mapping[str, object]) -> dict[str, object]:
    """Changes as JSON: a geometry as GeoJSON."""
    return {
        field: geometry_json(value) if field == "geometry" and not isinstance(value, dict | type(None)) else value
        for field, value in changes.items()
    }


def _live_changes(changes: Mapping[str, object]) -> dict[str, object]:
    return {field: parse_geometry(value) if field == "geometry" else value for field, value in changes.items()}


def _check_sources(new_sources: Iterable[Mapping[str, object]]) -> list[dict[str, str]]:
    rows = []
    for source in new_sources:
        row = {str(k): "" if v is None else str(v) for k, v in source.items()}
        if not row.get("id", "").strip():
            raise RevisionRefused("sources", [_("a new source needs an id")])
        if not (row.get("outlet", "").strip() or row.get("title", "").strip()):
            raise RevisionRefused(row["id"], [_("a new source needs an outlet or a title")])
        rows.append(row)
    return rows


def propose(
    store: Store,
    who: Account | str,
    record_id: str,
    changes: Mapping[str, object],
    *,
    reason: str,
    source_ids: Iterable[str] = (),
    base: int,
    layer: str | None = None,
    new_sources: Iterable[Mapping[str, object]] = (),
) -> Draft:
    """A draft of a change to `record_id` (or, with `layer`, of a new record). Refused with the
    reasons `geo validate` gives when the result would be invalid, and with StaleRevision (naming the
    other change) when the record, or another open draft of it, moved past `base`. A stricter
    visibility is written at once as its own revision (fail closed); the rest waits for review."""
    editor = require(store, who, "propose")
    if not str(reason or "").strip():
        raise RevisionRefused(record_id, [_("a reason is required")])
    sources = [s.strip() for s in source_ids if str(s).strip()]
    added = _check_sources(new_sources)
    existing = store.record(record_id)
    if layer is None:
        if existing is None:
            raise RevisionRefused(record_id, [_("no record with id {record_id!r} in the store", record_id=record_id)])
        layer = existing.layer
        action = "change"
    else:
        if layer not in LAYERS:
            raise RevisionRefused(record_id, [_("unknown layer {layer!r}", layer=layer)])
        if existing is not None:
            raise RevisionRefused(
                record_id, [_("the id {record_id!r} is taken: ids are stable and unique", record_id=record_id)]
            )
        action = "create"
    live = _live_changes(changes)
    problems = _draft_problems(store, existing, layer, record_id, live, sources, added)
    if problems:
        raise RevisionRefused(record_id, problems)
    if existing is not None and existing.revision > base:
        raise StaleRevision(
            record_id,
            [
                _(
                    "{record_id} changed in revision {revision}, after {base}",
                    record_id=record_id,
                    revision=existing.revision,
                    base=base,
                )
            ],
        )
    open_drafts = [d for d in drafts_for(store, record_id, "draft") if d.author != editor.name]
    if open_drafts:
        raise DraftConflict(record_id, open_drafts[-1])
    applied = None
    if existing is not None and VISIBILITY_FIELD in live:
        old = existing.properties.get(VISIBILITY_FIELD)
        if is_less_visible(old, live[VISIBILITY_FIELD]):
            applied = store.revise(
                record_id,
                {VISIBILITY_FIELD: live[VISIBILITY_FIELD]},
                author=editor.name,
                reason=f"made less visible at once, before review (fail closed): {reason.strip()}",
                base=existing.revision,
            )
    with store.engine.begin() as conn:
        new_id = conn.execute(
            drafts.insert().values(
                record_id=record_id,
                layer=layer,
                action=action,
                base_revision=applied or base,
                author=editor.name,
                created_at=_utc(),
                reason=reason.strip(),
                changes=_dumps(_stored_changes(changes)),
                source_ids=_dumps(sources),
                new_sources=_dumps(added),
                applied_at_once=applied,
                status="draft",
            )
        ).inserted_primary_key[0]
    result = draft(store, int(new_id))
    assert result is not None
    return result


class DraftConflict(StaleRevision):
    """Another editor's open draft of the same record: shown to the second editor, who loses nothing."""

    def __init__(self, record_id: str, other: Draft):
        self.other = other
        fields = ", ".join(other.changes) or _("nothing")
        when = other.created_at[:16]
        message = _(
            "{author} proposed a change to {record_id} at {when} (draft {draft}): {fields}",
            author=other.author,
            record_id=record_id,
            when=when,
            draft=other.id,
            fields=fields,
        )
        super().__init__(record_id, [message])


def _draft_problems(store, existing, layer, record_id, live, sources, added) -> list[str]:
    if layer == SOURCES_LAYER:
        return []
    records = store.records()
    table = sources_frame([r.properties for r in records if r.layer == SOURCES_LAYER], added)
    source_ids = set(table["id"])
    problems = [_("source {sid!r} is not in the sources table", sid=sid) for sid in sources if sid not in source_ids]
    props = dict(existing.properties) if existing else {"id": record_id}
    geometry = existing.geometry if existing else None
    for field, value in live.items():
        if field == "geometry":
            geometry = value
        else:
            props[field] = value
    places = {r.id for r in records if r.layer in POINT_LAYERS}
    crossings = {r.id for r in records if r.layer == "crossings"}
    problems.extend(record_problems(layer, props, geometry, table, places, crossings))
    return problems


def sources_frame(rows: Iterable[Mapping[str, object]], added: Iterable[Mapping[str, object]] = ()) -> pd.DataFrame:
    """The sources table as the loader reads it (text only), with a draft's new sources."""
    from geo.csvfile import sources_csv_text

    return read_sources(io.StringIO(sources_csv_text([*rows, *added])))


# A draft reviewed twice: one whole sentence per state it is already in.
DRAFT_ALREADY = {
    "approved": N_("draft {draft} is already approved"),
    "rejected": N_("draft {draft} is already rejected"),
}


def review(
    store: Store,
    who: Account | str,
    draft_id: int,
    *,
    approve: bool,
    note: str,
    allow_self_review: bool = False,
) -> Draft:
    """Approve (writes the revision) or reject a draft, with a note. Nobody reviews their own draft
    unless the deployment allows it (one-person deployments: `allow_self_review`)."""
    reviewer = require(store, who, "review")
    current = draft(store, draft_id)
    if current is None:
        raise RevisionRefused(str(draft_id), [_("no such draft")])
    if current.status != "draft":
        already = _(DRAFT_ALREADY.get(current.status, N_("draft {draft} is already {status}")))
        raise RevisionRefused(current.record_id, [already.format(draft=draft_id, status=current.status)])
    if current.author == reviewer.name and not allow_self_review:
        raise AccessDenied(_("nobody reviews their own change: ask another reviewer"))
    if not str(note or "").strip():
        raise RevisionRefused(current.record_id, [_("a review note is required")])
    revision = None
    if approve:
        for source in current.new_sources:
            if store.record(source["id"]) is None:
                _create(store, SOURCES_LAYER, source["id"], source, None, current.author, current.reason)
        reason = f"{current.reason} (reviewed by {reviewer.name}: {note.strip()})"
        live = _live_changes(current.changes)
        if current.action == "create":
            geometry = live.pop("geometry", None)
            props = {"id": current.record_id, **live}
            revision = _create(store, current.layer, current.record_id, props, geometry, current.author, reason)
        else:
            existing = store.record(current.record_id)
            pending = {k: v for k, v in live.items() if existing is None or _differs(existing, k, v)}
            if pending:
                revision = store.revise(
                    current.record_id,
                    pending,
                    author=current.author,
                    reason=reason,
                    source_ids=current.source_ids,
                    base=current.base_revision,
                )
    with store.engine.begin() as conn:
        conn.execute(
            drafts.update()
            .where(drafts.c.id == draft_id, drafts.c.status == "draft")
            .values(
                status="approved" if approve else "rejected",
                reviewer=reviewer.name,
                review_note=note.strip(),
                reviewed_at=_utc(),
                revision=revision,
            )
        )
    result = draft(store, draft_id)
    assert result is not None
    return result


def _differs(existing, field: str, value: object) -> bool:
    if field == "geometry":
        return geometry_json(existing.geometry) != geometry_json(value)
    return existing.properties.get(field) != value


def _create(store: Store, layer: str, record_id: str, props: dict, geometry, author: str, reason: str) -> int:
    """Write a new record as one revision (the store's seed creates records only from a release)."""
    from geo.store.tables import records as records_table

    with store._write() as (conn, current):
        if store._locked_record(conn, record_id) is not None:
            raise RevisionRefused(record_id, [_("the id {record_id!r} is taken", record_id=record_id)])
        position = conn.execute(
            sa.select(sa.func.coalesce(sa.func.max(records_table.c.position), -1)).where(records_table.c.layer == layer)
        ).scalar_one()
        number = current + 1
        stamp = store._insert_revision(conn, number, author, reason)
        from geo.store.records import cited_ids, diff_fields

        row = {
            "record_id": record_id,
            "revision": number,
            "layer": layer,
            "position": position + 1,
            "action": "create",
            "changes": _dumps(diff_fields({}, None, props, geometry)),
            "source_ids": _dumps(cited_ids(props)),
            "properties": _dumps(props),
            "wkb": _wkb(geometry),
            "retracted": False,
            "changed_at": stamp,
        }
        conn.execute(store._history_insert(), [row])
        conn.execute(store._record_insert(), [row])
        return number


# -- a batch from the Import page -----------------------------------------------------------------

KIND_LAYERS = {
    "detention_centre": "detention_centres",
    "crossing": "crossings",
    "receiving_facility": "receiving_facilities",
}


def layer_of_kind(kind: object) -> str:
    """The store layer an imported row belongs to (any event kind: events)."""
    return KIND_LAYERS.get(str(kind), "routes" if kind == "route_leg" else "events")


def _plain_value(value: object) -> object:
    if value is None or (not isinstance(value, list | tuple | dict | str) and pd.isna(value)):
        return None
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    if isinstance(value, tuple):
        return list(value)
    return value


def propose_rows(
    store: Store,
    who: Account | str,
    rows: Iterable[tuple[dict[str, object], object]],
    sources: Iterable[Mapping[str, object]],
    *,
    reason: str,
) -> tuple[list[Draft], list[str]]:
    """Each accepted import row (properties, geometry) as a draft of a new record, citing its sources
    (new sources travel with the drafts that cite them). Returns the drafts and, per refused row, why."""
    require(store, who, "propose")
    new_sources = [{k: "" if v is None else str(v) for k, v in s.items()} for s in sources]
    made: list[Draft] = []
    refused: list[str] = []
    for props, geometry in rows:
        props = {k: _plain_value(v) for k, v in props.items() if k not in ("span_start", "span_end", "geometry")}
        record_id = str(props.get("id") or "")
        cited = {sid for field in ("source_ids", "count_source_ids") for sid in props.get(field) or []}
        changes = {k: v for k, v in props.items() if k != "id" and v not in (None, "", [])} | {"geometry": geometry}
        try:
            made.append(
                propose(
                    store,
                    who,
                    record_id,
                    changes,
                    reason=reason,
                    source_ids=sorted(cited),
                    base=store.revision(),
                    layer=layer_of_kind(props.get("kind")),
                    new_sources=[s for s in new_sources if s.get("id") in cited],
                )
            )
        except StoreError as error:
            refused.append(f"{record_id}: {error}")
    return made, refused
