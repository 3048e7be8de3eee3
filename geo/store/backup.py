"""Backups of the history store: `python -m geo db dump --out FILE` and `python -m geo db restore FILE`.

A dump is JSON Lines, the same for both backends: a header line (format, schema, revision), then every
row of every table in primary-key order, each as `{"table": …, "row": {…}}`, geometries as hex WKB,
then an end line with the number of rows of each table (a dump cut short is refused).
It is a pure function of the store's content (no dump time, no host name), read in one consistent
snapshot, so dumping a store restored from a dump gives the same bytes — the check that the history
came back exactly. A dump moves a store between backends (SQLite ⇄ PostGIS) as well.

Restore writes into an empty store only (initialised or not: the migrations run first), in one
transaction: a failed restore leaves the store empty, never half-filled.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import shapely
import sqlalchemy as sa

from geo.atomic import write_text_atomic
from geo.store.store import Store, StoreError
from geo.store.tables import record_history, records, revisions, store_state

FORMAT = "crossings-store-dump"
FORMAT_VERSION = 1
SCHEMA = "0001"  # the Alembic head the dump's rows follow (geo/store/migrations/versions)
# Parents before children (foreign keys), each in primary-key order.
TABLES = (
    (revisions, (revisions.c.revision,)),
    (record_history, (record_history.c.record_id, record_history.c.revision)),
    (records, (records.c.id,)),
)
GEOMETRY_TABLES = {"record_history", "records"}


def _line(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, allow_nan=False, sort_keys=True, separators=(",", ":"))


def _geometry_hex(wkb: bytes | None) -> str | None:
    # Through shapely, so both backends write the same bytes for the same geometry.
    return None if wkb is None else shapely.to_wkb(shapely.from_wkb(bytes(wkb)), hex=True)


def dump_lines(store: Store) -> Iterator[str]:
    """Every line of the dump, in order (each without its newline)."""
    store._require()
    with store._read() as conn:
        revision = conn.execute(sa.select(store_state.c.revision).where(store_state.c.id == 1)).scalar_one()
        yield _line({"format": FORMAT, "version": FORMAT_VERSION, "schema": SCHEMA, "revision": revision})
        counts = {}
        for table, order in TABLES:
            counts[table.name] = 0
            columns = [
                store._geom_out(column).label(column.name) if column.name == "geometry" else column
                for column in table.columns
            ]
            for row in conn.execute(sa.select(*columns).order_by(*order)):
                values = dict(row._mapping)
                if table.name in GEOMETRY_TABLES:
                    values["geometry"] = _geometry_hex(values["geometry"])
                if "retracted" in values:
                    values["retracted"] = bool(values["retracted"])
                counts[table.name] += 1
                yield _line({"table": table.name, "row": values})
        yield _line({"end": counts})  # a dump cut short has no end line, or other counts


def dump(store: Store, out: Path) -> int:
    """Write the dump to `out` atomically; returns the store revision it holds."""
    lines = list(dump_lines(store))
    write_text_atomic(out, "\n".join(lines) + "\n")
    return json.loads(lines[0])["revision"]


def _read_dump(path: Path) -> tuple[dict, dict[str, list[dict]]]:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise StoreError(f"cannot read the dump {path}: {error}") from error
    lines = text.splitlines()
    try:
        header = json.loads(lines[0]) if lines else {}
    except json.JSONDecodeError as error:
        raise StoreError(f"{path} is not a Crossings store dump (line 1: {error})") from error
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise StoreError(f"{path} is not a Crossings store dump (no {FORMAT} header on line 1)")
    if header.get("version") != FORMAT_VERSION or header.get("schema") != SCHEMA:
        raise StoreError(
            f"{path} is a dump of format {header.get('version')}, schema {header.get('schema')}; "
            f"this version reads format {FORMAT_VERSION}, schema {SCHEMA}"
        )
    rows: dict[str, list[dict]] = {table.name: [] for table, _ in TABLES}
    try:
        end = json.loads(lines[-1]).get("end") if len(lines) > 1 else None
    except (json.JSONDecodeError, AttributeError):
        end = None
    for number, line in enumerate(lines[1:-1], start=2):
        try:
            item = json.loads(line)
            rows[item["table"]].append(item["row"])
        except (json.JSONDecodeError, KeyError, TypeError) as error:
            raise StoreError(f"{path} line {number} is not a row of the store: {error}") from error
    known = {r["revision"] for r in rows["revisions"]}
    if end != {name: len(batch) for name, batch in rows.items()} or header.get("revision") != max(known, default=0):
        raise StoreError(f"{path} is incomplete: it does not end with the row counts of what it holds")
    return header, rows


def restore(store: Store, path: Path) -> int:
    """Load a dump into an empty store (creating its tables if needed); returns the restored revision."""
    header, rows = _read_dump(path)
    store.init()
    with store._write() as (conn, current):
        held = conn.execute(sa.select(sa.func.count()).select_from(revisions)).scalar_one()
        if current or held:
            raise StoreError(
                f"{store!r} is not empty (it is at revision {current}): restore into a new, empty database "
                "(or a new file), so that nothing in it is overwritten"
            )
        for table, _ in TABLES:
            batch = rows[table.name]
            if not batch:
                continue
            if table.name in GEOMETRY_TABLES:
                values = {c.name: sa.bindparam(c.name) for c in table.columns if c.name != "geometry"}
                statement = table.insert().values(**values, geometry=store._geom_in("geometry_wkb"))
                batch = [
                    {**row, "geometry_wkb": None if row["geometry"] is None else bytes.fromhex(row["geometry"])}
                    for row in batch
                ]
                batch = [{k: v for k, v in row.items() if k != "geometry"} for row in batch]
            else:
                statement = table.insert()
            conn.execute(statement, batch)
        conn.execute(store_state.update().where(store_state.c.id == 1).values(revision=header["revision"]))
    return header["revision"]
