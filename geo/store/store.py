"""The store: one interface over an embedded SQLite file or PostGIS (SQLAlchemy 2 Core).

Every write is one transaction that takes the revision counter first (SQLite: BEGIN IMMEDIATE;
PostgreSQL: SELECT … FOR UPDATE on the counter row), so writers are serialised, a revision number
is never reused, and a write either lands whole or not at all.
"""

from __future__ import annotations

import io
import json
import shutil
from collections.abc import Iterable, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import shapely
import sqlalchemy as sa
from shapely.geometry.base import BaseGeometry

from geo.atomic import write_text_atomic
from geo.csvfile import sources_csv_text
from geo.i18n import _
from geo.io import (
    DATA_DIR,
    GEOMETRY_ERROR,
    SOURCES_FILE,
    Dataset,
    assemble_dataset,
    layer_frame,
    load_dataset,
    read_geojson,
    read_sources,
)
from geo.manifest import Manifest, ManifestError, read_manifest, write_manifest
from geo.schema import LAYERS, SourceIndex, sources_table_problems
from geo.store.records import (
    IMMUTABLE_FIELDS,
    POINT_LAYERS,
    SOURCES_LAYER,
    Record,
    cited_ids,
    diff_fields,
    feature_collection_text,
    needs_source,
    record_problems,
)
from geo.store.tables import record_history, records, revisions, store_state

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


class StoreError(RuntimeError):
    """The store cannot do what was asked (not initialised, unreachable, bad arguments)."""


class RevisionRefused(StoreError):
    """A write was refused; `reasons` says why, one sentence each. Nothing was written."""

    def __init__(self, record_id: str, reasons: Sequence[str]):
        self.record_id = record_id
        self.reasons = list(reasons)
        super().__init__(
            _("revision of {record_id} refused: {reasons}", record_id=record_id, reasons="; ".join(self.reasons))
        )


class StaleRevision(RevisionRefused):
    """The record changed after the revision the write was based on."""


@dataclass(frozen=True)
class HistoryEntry:
    revision: int
    author: str
    time: str
    reason: str
    action: str
    changes: dict[str, dict[str, object]]
    source_ids: list[str]

    def as_json(self) -> dict[str, object]:
        return {
            "revision": self.revision,
            "author": self.author,
            "time": self.time,
            "reason": self.reason,
            "action": self.action,
            "changes": self.changes,
            "source_ids": self.source_ids,
        }


def utc_stamp() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def _dumps(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, allow_nan=False)


def _loads_many(texts: Sequence[str]) -> list:
    """Many small JSON documents in one parse (much faster than one json.loads per row)."""
    return json.loads("[" + ",".join(texts) + "]") if texts else []


def _sources_frame(rows: Iterable[Mapping[str, object]]) -> pd.DataFrame:
    """The sources table exactly as geo.io reads sources.csv (text stays text)."""
    return read_sources(io.StringIO(sources_csv_text(list(rows))))


def _wkb(geometry: BaseGeometry | None) -> bytes | None:
    return None if geometry is None else shapely.to_wkb(geometry)


class Store:
    """The history store behind one interface. Open it with geo.store.open_store()."""

    def __init__(self, engine: sa.Engine, default_data_dir: Path = DATA_DIR):
        self.engine = engine
        self.postgres = engine.dialect.name == "postgresql"
        self.data_dir = default_data_dir
        self._sources_cache: tuple | None = None

    # -- plumbing -----------------------------------------------------------------------------

    def __repr__(self) -> str:
        return f"Store({self.engine.url.render_as_string(hide_password=True)})"

    def close(self) -> None:
        self.engine.dispose()

    def _geom_in(self, name: str):
        param = sa.bindparam(name, type_=sa.LargeBinary)
        return sa.func.ST_GeomFromWKB(param, 4326) if self.postgres else param

    def _geom_out(self, column):
        return sa.func.ST_AsBinary(column, type_=sa.LargeBinary) if self.postgres else column

    @contextmanager
    def _read(self):
        """A consistent snapshot for several queries."""
        with self.engine.connect() as conn:
            if self.postgres:
                conn = conn.execution_options(isolation_level="REPEATABLE READ")
            with conn.begin():
                yield conn

    @contextmanager
    def _write(self):
        """One write transaction, holding the revision counter until it commits."""
        with self.engine.connect() as conn:
            conn = conn.execution_options(store_write=True)
            with conn.begin():
                query = sa.select(store_state.c.revision).where(store_state.c.id == 1)
                if self.postgres:
                    query = query.with_for_update()
                current = conn.execute(query).scalar_one()
                yield conn, current

    def is_initialised(self) -> bool:
        return sa.inspect(self.engine).has_table("store_state")

    def init(self) -> None:
        """Create or upgrade the schema (Alembic migrations in geo/store/migrations)."""
        from alembic import command
        from alembic.config import Config

        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS_DIR))
        with self.engine.begin() as conn:
            config.attributes["connection"] = conn
            command.upgrade(config, "head")

    def _require(self) -> None:
        if not self.is_initialised():
            raise StoreError(f"{self!r} has no Crossings store yet: run `python -m geo db init` and `db seed`")

    # -- reading ------------------------------------------------------------------------------

    def revision(self) -> int:
        """The dataset revision: the number of the latest revision (0 before the seed). Cheap to poll."""
        with self.engine.connect() as conn:
            return conn.execute(sa.select(store_state.c.revision).where(store_state.c.id == 1)).scalar_one()

    def _state_rows(self, conn, at: int | None) -> list:
        """The latest history row of every record at revision `at` (or the current records)."""
        if at is None:
            query = sa.select(
                records.c.id,
                records.c.layer,
                records.c.position,
                records.c.properties,
                self._geom_out(records.c.geometry).label("geometry"),
                records.c.revision,
                records.c.changed_at,
                records.c.retracted,
            ).order_by(records.c.layer, records.c.position)
            return list(conn.execute(query))
        last = (
            sa.select(record_history.c.record_id, sa.func.max(record_history.c.revision).label("revision"))
            .where(record_history.c.revision <= at)
            .group_by(record_history.c.record_id)
            .subquery()
        )
        h = record_history
        query = (
            sa.select(
                h.c.record_id.label("id"),
                h.c.layer,
                h.c.position,
                h.c.properties,
                self._geom_out(h.c.geometry).label("geometry"),
                h.c.revision,
                revisions.c.created_at.label("changed_at"),
                h.c.retracted,
            )
            .join(last, sa.and_(h.c.record_id == last.c.record_id, h.c.revision == last.c.revision))
            .join(revisions, revisions.c.revision == h.c.revision)
            .order_by(h.c.layer, h.c.position)
        )
        return list(conn.execute(query))

    def _records(self, conn, at: int | None, include_retracted: bool = False) -> list[Record]:
        rows = [r for r in self._state_rows(conn, at) if include_retracted or not r.retracted]
        properties = _loads_many([r.properties for r in rows])
        geometries = shapely.from_wkb([r.geometry for r in rows]) if rows else []
        return [
            Record(r.id, r.layer, r.position, p, g, r.revision, r.changed_at, bool(r.retracted))
            for r, p, g in zip(rows, properties, geometries, strict=True)
        ]

    def records(self, at: int | None = None, include_retracted: bool = False) -> list[Record]:
        self._require()
        with self._read() as conn:
            return self._records(conn, at, include_retracted)

    def record(self, record_id: str) -> Record | None:
        """One record as it is now (retracted or not), or None."""
        self._require()
        with self.engine.connect() as conn:
            return self._locked_record(conn, record_id)

    def _release_at(self, conn, at: int) -> tuple[str, int, dict]:
        row = conn.execute(
            sa.select(revisions.c.release, revisions.c.revision, revisions.c.release_manifest)
            .where(revisions.c.release.is_not(None), revisions.c.revision <= at)
            .order_by(revisions.c.revision.desc())
            .limit(1)
        ).first()
        if row is None:
            raise StoreError("the store holds no data release: run `python -m geo db seed`")
        return row.release, row.revision, json.loads(row.release_manifest)

    def read_dataset(self, at: int | None = None) -> Dataset:
        """The dataset at a revision (default: now) as geo.io.load_dataset gives it: the same
        validated GeoDataFrames, plus the dataset revision and each row's (revision, time)."""
        self._require()
        with self._read() as conn:
            current = conn.execute(sa.select(store_state.c.revision).where(store_state.c.id == 1)).scalar_one()
            if at is not None and not 1 <= at <= current:
                raise StoreError(f"no revision {at}: the store is at revision {current}")
            revision = current if at is None else at
            state = self._records(conn, None if revision == current else revision)
            release, release_revision, release_files = self._release_at(conn, revision)
            revised_at = conn.execute(
                sa.select(revisions.c.created_at).where(revisions.c.revision == revision)
            ).scalar_one()
            changed_layers = set(
                conn.execute(
                    sa.select(record_history.c.layer)
                    .where(record_history.c.revision > release_revision, record_history.c.revision <= revision)
                    .distinct()
                ).scalars()
            )
        dataset = self._dataset(state, revision, release, release_revision, release_files, changed_layers)
        return replace(dataset, revised_at=revised_at)

    def _dataset(
        self,
        state: list[Record],
        revision: int,
        release: str,
        release_revision: int,
        release_files: dict,
        changed_layers: set[str],
    ) -> Dataset:
        by_layer: dict[str, list[Record]] = {name: [] for name in (*LAYERS, SOURCES_LAYER)}
        for record in state:
            by_layer.setdefault(record.layer, []).append(record)
        raw_layers = {
            name: layer_frame(
                [{**r.properties, GEOMETRY_ERROR: None} for r in by_layer[name]],
                [r.geometry for r in by_layer[name]],
            )
            for name in LAYERS
        }
        sources = _sources_frame(r.properties for r in by_layer[SOURCES_LAYER])
        held = {f"{name}.geojson": name for name in LAYERS} | {SOURCES_FILE: SOURCES_LAYER}
        # Files the store does not hold (basemap, aliases, scenes) are read from the data directory:
        # their entries come from its manifest; the store's own files from the release it imported.
        try:
            local = read_manifest(self.data_dir).files
        except ManifestError:
            local = release_files
        files = {relative: dict(entry) for relative, entry in local.items() if relative not in held}
        for relative, entry in release_files.items():
            if relative in held:
                # A file changed since the release has no published hash yet: `db publish` gives it one.
                files[relative] = {**entry, "sha256": ""} if held[relative] in changed_layers else dict(entry)
        version = release if revision == release_revision else f"{release}-r{revision}"
        row_revisions = {r.id: (r.revision, r.changed_at) for r in state if r.layer != SOURCES_LAYER}
        return assemble_dataset(raw_layers, sources, Manifest(files, version), version, revision, row_revisions)

    def history(self, record_id: str) -> list[HistoryEntry]:
        """Every revision of one record, oldest first (retractions included)."""
        self._require()
        h = record_history
        query = (
            sa.select(
                h.c.revision,
                revisions.c.author,
                revisions.c.created_at,
                revisions.c.reason,
                h.c.action,
                h.c.changes,
                h.c.source_ids,
            )
            .join(revisions, revisions.c.revision == h.c.revision)
            .where(h.c.record_id == record_id)
            .order_by(h.c.revision)
        )
        with self.engine.connect() as conn:
            rows = list(conn.execute(query))
        changes = _loads_many([r.changes for r in rows])
        sources = _loads_many([r.source_ids for r in rows])
        return [
            HistoryEntry(r.revision, r.author, r.created_at, r.reason, r.action, c, s)
            for r, c, s in zip(rows, changes, sources, strict=True)
        ]

    def diff(self, old: int, new: int) -> dict[str, dict[str, dict[str, object]]]:
        """{record id: {field: {"old", "new"}}} between two dataset revisions ("retracted" included)."""
        self._require()
        with self._read() as conn:
            touched = set(
                conn.execute(
                    sa.select(record_history.c.record_id)
                    .where(record_history.c.revision > min(old, new), record_history.c.revision <= max(old, new))
                    .distinct()
                ).scalars()
            )
            before = {r.id: r for r in self._records(conn, old, include_retracted=True) if r.id in touched}
            after = {r.id: r for r in self._records(conn, new, include_retracted=True) if r.id in touched}
        result: dict[str, dict[str, dict[str, object]]] = {}
        for record_id in sorted(touched):
            a, b = before.get(record_id), after.get(record_id)
            fields = diff_fields(
                a.properties if a else {},
                a.geometry if a else None,
                b.properties if b else {},
                b.geometry if b else None,
            )
            gone_a = a is None or a.retracted
            gone_b = b is None or b.retracted
            if gone_a != gone_b:
                fields["retracted"] = {"old": gone_a, "new": gone_b}
            if fields:
                result[record_id] = fields
        return result

    # -- writing ------------------------------------------------------------------------------

    def _insert_revision(self, conn, number: int, author: str, reason: str, release=None, manifest=None) -> str:
        stamp = utc_stamp()
        conn.execute(
            revisions.insert().values(
                revision=number,
                created_at=stamp,
                author=author,
                reason=reason,
                release=release,
                release_manifest=None if manifest is None else _dumps(manifest),
            )
        )
        conn.execute(store_state.update().where(store_state.c.id == 1).values(revision=number))
        return stamp

    def _history_insert(self):
        return record_history.insert().values(
            record_id=sa.bindparam("record_id"),
            revision=sa.bindparam("revision"),
            layer=sa.bindparam("layer"),
            position=sa.bindparam("position"),
            action=sa.bindparam("action"),
            changes=sa.bindparam("changes"),
            source_ids=sa.bindparam("source_ids"),
            properties=sa.bindparam("properties"),
            geometry=self._geom_in("wkb"),
            retracted=sa.bindparam("retracted"),
        )

    def _record_insert(self):
        return records.insert().values(
            id=sa.bindparam("record_id"),
            layer=sa.bindparam("layer"),
            position=sa.bindparam("position"),
            properties=sa.bindparam("properties"),
            geometry=self._geom_in("wkb"),
            revision=sa.bindparam("revision"),
            changed_at=sa.bindparam("changed_at"),
            retracted=sa.bindparam("retracted"),
        )

    def _record_update(self):
        return (
            records.update()
            .where(records.c.id == sa.bindparam("record_id"))
            .values(
                position=sa.bindparam("position"),
                properties=sa.bindparam("properties"),
                geometry=self._geom_in("wkb"),
                revision=sa.bindparam("revision"),
                changed_at=sa.bindparam("changed_at"),
                retracted=sa.bindparam("retracted"),
            )
        )

    def seed(self, data_dir: Path | None = None, author: str = "data release", reason: str | None = None) -> int | None:
        """Import a data/ release as one revision: the first one creates every feature and source
        (revision 1); a later release records what it changed, adds what is new and retracts what it
        dropped. Returns the new revision, or None when this release is already the latest import."""
        self._require()
        data_dir = Path(data_dir or self.data_dir)
        dataset = load_dataset(data_dir)  # checks the manifest; refuses below unless every row is valid
        if len(dataset.rejected):
            rows = dataset.rejected.to_dict("records")
            reasons = [f"{r['layer']} {r['id']}: {r['field']}: {r['reason']}" for r in rows]
            raise RevisionRefused(str(data_dir), reasons)
        manifest = read_manifest(data_dir)
        incoming: list[tuple[str, str, int, dict, BaseGeometry | None]] = []
        for name in LAYERS:
            raw = json.loads((data_dir / f"{name}.geojson").read_text(encoding="utf-8"))
            frame = read_geojson(data_dir / f"{name}.geojson")
            for position, (feature, geometry) in enumerate(zip(raw["features"], frame.geometry, strict=True)):
                props = dict(feature.get("properties") or {})
                incoming.append((str(props["id"]), name, position, props, geometry))
        for position, row in enumerate(read_sources(data_dir / SOURCES_FILE).to_dict("records")):
            incoming.append((str(row["id"]), SOURCES_LAYER, position, {k: str(v) for k, v in row.items()}, None))
        ids = [item[0] for item in incoming]
        if len(set(ids)) != len(ids):
            duplicates = sorted({i for i in ids if ids.count(i) > 1})
            raise RevisionRefused(str(data_dir), [f"ids used twice across layers and sources: {duplicates}"])
        release_files = manifest.files  # every file of the release (basemap, aliases …): licences, hashes
        with self._write() as (conn, current):
            latest = conn.execute(
                sa.select(revisions.c.release)
                .where(revisions.c.release.is_not(None))
                .order_by(revisions.c.revision.desc())
                .limit(1)
            ).scalar()
            if latest == manifest.version:
                return None
            existing = {r.id: r for r in self._records(conn, None, include_retracted=True)}
            number = current + 1
            text = reason or f"imported the data release {manifest.version} from {data_dir.name}/"
            stamp = self._insert_revision(conn, number, author, text, manifest.version, release_files)
            history_rows, inserts, updates = [], [], []
            for record_id, layer, position, props, geometry in incoming:
                old = existing.pop(record_id, None)
                if old is not None and old.layer != layer:
                    raise RevisionRefused(record_id, [f"moves from layer {old.layer} to {layer}; ids are stable"])
                changes = diff_fields(old.properties if old else {}, old.geometry if old else None, props, geometry)
                if old is not None and old.retracted:
                    changes["retracted"] = {"old": True, "new": False}
                # Rows keep the release's order; a row that only moved in its file is recorded as moved.
                if old is not None and not changes and old.position == position:
                    continue
                action = "create" if old is None else ("change" if changes else "move")
                row = {
                    "record_id": record_id,
                    "revision": number,
                    "layer": layer,
                    "position": position,
                    "action": action,
                    "changes": _dumps(changes),
                    "source_ids": _dumps(cited_ids(props)),
                    "properties": _dumps(props),
                    "wkb": _wkb(geometry),
                    "retracted": False,
                    "changed_at": stamp,
                }
                history_rows.append(row)
                (inserts if old is None else updates).append(row)
            for old in existing.values():  # in the store, not in this release: retracted
                if old.retracted:
                    continue
                row = {
                    "record_id": old.id,
                    "revision": number,
                    "layer": old.layer,
                    "position": old.position,
                    "action": "retract",
                    "changes": _dumps({"retracted": {"old": False, "new": True}}),
                    "source_ids": _dumps([]),
                    "properties": _dumps(old.properties),
                    "wkb": _wkb(old.geometry),
                    "retracted": True,
                    "changed_at": stamp,
                }
                history_rows.append(row)
                updates.append(row)
            if history_rows:
                conn.execute(self._history_insert(), history_rows)
            if inserts:
                conn.execute(self._record_insert(), inserts)
            if updates:
                conn.execute(self._record_update(), updates)
            return number

    def revise(
        self,
        record_id: str,
        changes: Mapping[str, object],
        *,
        author: str,
        reason: str,
        source_ids: Iterable[str] = (),
        base: int | None = None,
        retract: bool = False,
    ) -> int:
        """Write one revision of one record; returns its number. `changes` maps fields to new values
        (None empties a field; "geometry" takes a shapely geometry or None). `base` is the revision
        the change was made against: if the record changed after it, the write is refused."""
        self._require()
        sources = list(dict.fromkeys(str(s).strip() for s in source_ids if str(s).strip()))
        reasons: list[str] = []
        if not str(reason or "").strip():
            reasons.append(_("a reason is required"))
        if not str(author or "").strip():
            reasons.append(_("an author is required"))
        if retract and changes:
            reasons.append(_("a retraction changes no field: retract, or change fields, not both"))
        for field in changes:
            if field in IMMUTABLE_FIELDS:
                reasons.append(
                    _("{field} cannot change: ids are stable (retract the record and add another)", field=field)
                )
        if reasons:
            raise RevisionRefused(record_id, reasons)
        with self._write() as (conn, current):
            old = self._locked_record(conn, record_id)
            if old is None:
                raise RevisionRefused(
                    record_id, [_("no record with id {record_id!r} in the store", record_id=record_id)]
                )
            if base is not None:
                if base > current:
                    missing = _(
                        "base revision {base} does not exist (the store is at {current})", base=base, current=current
                    )
                    raise RevisionRefused(record_id, [missing])
                if old.revision > base:
                    raise StaleRevision(record_id, self._changed_since(conn, record_id, base))
            if retract and old.retracted:
                raise RevisionRefused(record_id, [_("it is already retracted")])
            props = dict(old.properties)
            geometry = old.geometry
            for field, value in changes.items():
                if field == "geometry":
                    geometry = value  # type: ignore[assignment]
                else:
                    props[field] = value
            diff = diff_fields(old.properties, old.geometry, props, geometry)
            if retract:
                diff = {"retracted": {"old": False, "new": True}}
            elif old.retracted:
                diff["retracted"] = {"old": True, "new": False}
            if not diff:
                raise RevisionRefused(record_id, [_("nothing changes: every value given is already the current one")])
            problems = self._revision_problems(conn, old, props, geometry, diff, sources, retract)
            if problems:
                raise RevisionRefused(record_id, problems)
            number = current + 1
            stamp = self._insert_revision(conn, number, author.strip(), reason.strip())
            row = {
                "record_id": record_id,
                "revision": number,
                "layer": old.layer,
                "position": old.position,
                "action": "retract" if retract else "change",
                "changes": _dumps(diff),
                "source_ids": _dumps(sources),
                "properties": _dumps(props),
                "wkb": _wkb(geometry),
                "retracted": retract,
                "changed_at": stamp,
            }
            conn.execute(self._history_insert(), [row])
            conn.execute(self._record_update(), [row])
            return number

    def _locked_record(self, conn, record_id: str) -> Record | None:
        query = sa.select(
            records.c.id,
            records.c.layer,
            records.c.position,
            records.c.properties,
            self._geom_out(records.c.geometry).label("geometry"),
            records.c.revision,
            records.c.changed_at,
            records.c.retracted,
        ).where(records.c.id == record_id)
        row = conn.execute(query).first()
        if row is None:
            return None
        geometry = None if row.geometry is None else shapely.from_wkb(row.geometry)
        properties = json.loads(row.properties)
        return Record(
            row.id, row.layer, row.position, properties, geometry, row.revision, row.changed_at, bool(row.retracted)
        )

    def _changed_since(self, conn, record_id: str, base: int) -> list[str]:
        h = record_history
        rows = conn.execute(
            sa.select(h.c.revision, h.c.changes, revisions.c.author, revisions.c.created_at, revisions.c.reason)
            .join(revisions, revisions.c.revision == h.c.revision)
            .where(h.c.record_id == record_id, h.c.revision > base)
            .order_by(h.c.revision)
        )
        lines = [_("{record_id} changed after revision {base}", record_id=record_id, base=base)]
        for r in rows:
            fields = ", ".join(json.loads(r.changes)) or _("nothing")
            lines.append(
                _(
                    "revision {revision} ({created_at}, {author}: {reason}) changed {fields}",
                    revision=r.revision,
                    created_at=r.created_at,
                    author=r.author,
                    reason=r.reason,
                    fields=fields,
                )
            )
        lines.append(_("read the record again and base the change on its current revision"))
        return lines

    def _live_ids(self, conn, layers: Sequence[str]) -> dict[str, str]:
        """id -> layer of the records of these layers that are not retracted (no properties read)."""
        query = sa.select(records.c.id, records.c.layer).where(
            records.c.retracted.is_(False), records.c.layer.in_(list(layers))
        )
        return {row.id: row.layer for row in conn.execute(query)}

    def _live_properties(self, conn, layers: Sequence[str] | None) -> dict[str, dict]:
        """id -> properties of the live records of these layers (None: every layer)."""
        query = sa.select(records.c.id, records.c.properties).where(records.c.retracted.is_(False))
        if layers is not None:
            query = query.where(records.c.layer.in_(list(layers)))
        rows = list(conn.execute(query))
        return dict(zip((r.id for r in rows), _loads_many([r.properties for r in rows]), strict=True))

    def _revision_problems(
        self,
        conn,
        old: Record,
        props: dict,
        geometry: BaseGeometry | None,
        diff: Mapping[str, object],
        sources: list[str],
        retract: bool,
    ) -> list[str]:
        """Everything that makes this revision wrong. Reads only what the check needs, so a write
        costs the same with 67 records or 100,000."""
        live_sources, table, index = self._sources(conn)
        source_ids = set(live_sources)
        problems = [
            _("source {sid!r} is not in the sources table", sid=sid) for sid in sources if sid not in source_ids
        ]
        sourced = sorted(f for f in diff if needs_source(f))
        if sourced and not sources:
            problems.append(_("a change to {fields} must cite a source (--source SID)", fields=", ".join(sourced)))
        if retract:
            if old.layer in POINT_LAYERS:
                legs = self._live_properties(conn, ["routes"])
                dependants = sorted(
                    rid for rid, p in legs.items() if old.id in (p.get("from_id"), p.get("to_id"), p.get("crossing_id"))
                )
            elif old.layer == SOURCES_LAYER:
                cited = self._live_properties(conn, None)
                dependants = sorted(rid for rid, p in cited.items() if rid != old.id and old.id in cited_ids(p))
            else:
                dependants = []
            if dependants:
                problems.append(
                    _(
                        "{dependants} still refer to {record_id}: revise or retract them first",
                        dependants=", ".join(dependants),
                        record_id=old.id,
                    )
                )
            return problems
        places = self._live_ids(conn, POINT_LAYERS) if old.layer == "routes" else {}
        crossing_ids = {rid for rid, layer in places.items() if layer == "crossings"}
        problems.extend(record_problems(old.layer, props, geometry, table, set(places), crossing_ids, index))
        if old.layer == SOURCES_LAYER and not problems:
            problems.extend(self._source_change_problems(conn, old.id, props, live_sources))
        return problems

    def _sources(self, conn) -> tuple[dict[str, dict], pd.DataFrame, SourceIndex]:
        """The live sources (properties, the table as geo.io reads it, the outlet index), kept between
        writes until a source changes: its key is the sources' latest revision and their number."""
        key = tuple(
            conn.execute(
                sa.select(sa.func.max(records.c.revision), sa.func.count()).where(
                    records.c.layer == SOURCES_LAYER, records.c.retracted.is_(False)
                )
            ).one()
        )
        cached = self._sources_cache
        if cached is None or cached[0] != key:
            live = self._live_properties(conn, [SOURCES_LAYER])
            table = _sources_frame(live.values())
            cached = self._sources_cache = (key, live, table, SourceIndex.of(table))
        return cached[1], cached[2], cached[3]

    def _source_change_problems(self, conn, source_id: str, props: dict, live_sources: dict[str, dict]) -> list[str]:
        """A source's change can break rows that cite it (the confirmed rule reads its publisher and
        flags): the whole dataset is validated with the old and the new table, and every rejection the
        change would add is a reason. Slow at 100,000 rows, and source edits are rare."""
        before = _sources_frame(live_sources.values())
        after = _sources_frame({**live_sources, source_id: props}.values())
        problems = [p for p in sources_table_problems(after) if p not in sources_table_problems(before)]
        state = [r for r in self._records(conn, None) if r.layer != SOURCES_LAYER]
        raw = {
            name: layer_frame(
                [{**r.properties, GEOMETRY_ERROR: None} for r in state if r.layer == name],
                [r.geometry for r in state if r.layer == name],
            )
            for name in LAYERS
        }
        manifest = Manifest({}, "check")

        def rejections(table: pd.DataFrame) -> set[tuple[str, str, str]]:
            frames = {name: frame.copy() for name, frame in raw.items()}
            found = assemble_dataset(frames, table, manifest).rejected
            return {(str(r["id"]), str(r["field"]), str(r["reason"])) for r in found.to_dict("records")}

        added = sorted(rejections(after) - rejections(before))
        problems.extend(f"{rid}: {field}: {reason}" for rid, field, reason in added)
        return problems

    # -- publishing ---------------------------------------------------------------------------

    def publish(self, out: Path, data_dir: Path | None = None, at: int | None = None) -> Path:
        """The current state (or revision `at`) as files in data/'s format, with a manifest. Files the
        store does not hold (basemap, scenes, aliases) are copied from the data directory."""
        self._require()
        data_dir = Path(data_dir or self.data_dir)
        out = Path(out)
        if out.resolve() != data_dir.resolve():
            out.mkdir(parents=True, exist_ok=True)
            for path in sorted(data_dir.rglob("*")):
                target = out / path.relative_to(data_dir)
                if path.is_dir():
                    target.mkdir(exist_ok=True)
                elif path.is_file() and not path.name.startswith("."):
                    shutil.copy2(path, target)
        with self._read() as conn:
            current = conn.execute(sa.select(store_state.c.revision).where(store_state.c.id == 1)).scalar_one()
            state = self._records(conn, None if at in (None, current) else at)
        by_layer: dict[str, list[Record]] = {name: [] for name in (*LAYERS, SOURCES_LAYER)}
        for record in state:
            by_layer[record.layer].append(record)
        for name in LAYERS:
            write_text_atomic(out / f"{name}.geojson", feature_collection_text(name, by_layer[name]))
        write_text_atomic(out / SOURCES_FILE, sources_csv_text([r.properties for r in by_layer[SOURCES_LAYER]]))
        write_manifest(out)
        return out
