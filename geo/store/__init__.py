"""The history store: every claim's full history, an embedded SQLite file by default, PostGIS for a team.

Why plain SQLite for the embedded store, not GeoPackage or SpatiaLite: Python's own sqlite3 opens it,
so `bash scripts/run` needs nothing installed. SpatiaLite is a loadable extension (a Debian package,
and extension loading is disabled in some Python builds); a GeoPackage is SQLite plus OGC tables and a
geometry header for one table per layer, which a store of JSON records with their history does not
fit, and its spatial functions would need SpatiaLite again. The store never queries by space (the
app filters in GeoPandas), so geometries are kept as WKB and read back with shapely.from_wkb;
PostGIS keeps them as geometry(GEOMETRY, 4326) with a GiST index for a team's own queries.

    store = open_store()                 # CROSSINGS_DATABASE_URL, else the embedded default
    dataset = store.read_dataset()       # the same validated GeoDataFrames as geo.io.load_dataset
    store.revise("x-tumen-namyang", {"count_high": 350}, author=…, reason=…, source_ids=["S5"], base=…)
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

import sqlalchemy as sa

from geo.io import DATA_DIR, Dataset
from geo.manifest import read_manifest
from geo.store.records import Record
from geo.store.store import HistoryEntry, RevisionRefused, StaleRevision, Store, StoreError

__all__ = [
    "HistoryEntry",
    "Record",
    "RevisionRefused",
    "StaleRevision",
    "Store",
    "StoreError",
    "default_store_path",
    "engine_url",
    "open_current_store",
    "open_store",
    "read_current_dataset",
]

URL_VARIABLE = "CROSSINGS_DATABASE_URL"


def default_store_path(data_dir: Path = DATA_DIR) -> Path:
    """The embedded default, beside the data directory and outside it: <project>/.crossings/store.sqlite."""
    return Path(data_dir).resolve().parent / ".crossings" / "store.sqlite"


def engine_url(url: str | None, data_dir: Path = DATA_DIR) -> sa.URL:
    """--url, else CROSSINGS_DATABASE_URL, else the embedded default. A postgresql:// URL uses psycopg 3;
    anything else that is not a sqlite:// URL is a file path."""
    text = (url or os.environ.get(URL_VARIABLE) or "").strip()
    if not text:
        return sa.URL.create("sqlite", database=str(default_store_path(data_dir)))
    if text.startswith(("postgresql://", "postgres://", "postgresql+psycopg://")):
        parsed = sa.make_url(text.replace("postgres://", "postgresql://", 1))
        return parsed.set(drivername="postgresql+psycopg")
    if text.startswith("postgresql+"):
        raise StoreError(f"only postgresql:// URLs (psycopg 3) are supported, got {parsed_scheme(text)}")
    if text.startswith("sqlite:"):
        return sa.make_url(text)
    return sa.URL.create("sqlite", database=str(Path(text).expanduser().resolve()))


def parsed_scheme(text: str) -> str:
    return text.split("://", 1)[0] + "://"


def _engine(url: sa.URL) -> sa.Engine:
    if url.get_backend_name() != "sqlite":
        return sa.create_engine(url, pool_pre_ping=True)
    engine = sa.create_engine(url, connect_args={"timeout": 30})

    @sa.event.listens_for(engine, "connect")
    def _connect(dbapi_connection, _record):
        # Let SQLAlchemy's begin() decide transactions (pysqlite's own handling defers BEGIN).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")  # readers never block the writer, nor the reverse
        cursor.execute("PRAGMA synchronous=FULL")  # a committed revision survives a crash
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def _begin(conn):
        # A write takes the write lock at BEGIN, so its reads and its write see the same state.
        conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get("store_write") else "BEGIN")

    return engine


def open_store(url: str | None = None, data_dir: Path = DATA_DIR) -> Store:
    """The store at a URL (see engine_url); nothing is created."""
    resolved = engine_url(url, data_dir)
    if resolved.get_backend_name() == "sqlite" and resolved.database:
        Path(resolved.database).parent.mkdir(parents=True, exist_ok=True)
    return Store(_engine(resolved), data_dir)


def open_current_store(url: str | None = None, data_dir: Path = DATA_DIR) -> Store:
    """The store the app and every command read. An embedded file that does not exist yet is created
    and seeded from the data directory (atomically: concurrent first runs end with one file). The
    embedded default also imports a newer data/ release (after a git pull) as a new revision; a
    PostGIS store or a named file changes only through `python -m geo db`."""
    resolved = engine_url(url, data_dir)
    if resolved.get_backend_name() != "sqlite":
        store = open_store(url, data_dir)
        if not store.is_initialised():
            raise StoreError(f"{store!r} has no Crossings store yet: run `python -m geo db init` and `db seed`")
        return store
    path = Path(resolved.database or "")
    if not path.exists():
        _create_embedded(path, data_dir)
    store = open_store(url, data_dir)
    is_default = not (url or os.environ.get(URL_VARIABLE))
    if is_default and _latest_release(store) != read_manifest(data_dir).version:
        store.seed(data_dir)
    return store


def _latest_release(store: Store) -> str | None:
    from geo.store.tables import revisions

    with store.engine.connect() as conn:
        return conn.execute(
            sa.select(revisions.c.release)
            .where(revisions.c.release.is_not(None))
            .order_by(revisions.c.revision.desc())
            .limit(1)
        ).scalar()


def _create_embedded(path: Path, data_dir: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        store = Store(_engine(sa.URL.create("sqlite", database=str(tmp))), data_dir)
        store.init()
        store.seed(data_dir)
        store.close()
        with contextlib.suppress(FileExistsError):
            os.link(tmp, path)  # atomic, and never replaces a store another process made meanwhile
    finally:
        for leftover in (tmp, tmp.with_name(tmp.name + "-wal"), tmp.with_name(tmp.name + "-shm")):
            leftover.unlink(missing_ok=True)


def read_current_dataset(url: str | None = None, at: int | None = None, data_dir: Path = DATA_DIR) -> Dataset:
    """The dataset as the store holds it now (or at revision `at`): what the app and the exports read."""
    store = open_current_store(url, data_dir)
    try:
        return store.read_dataset(at)
    finally:
        store.close()
