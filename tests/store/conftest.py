"""Both stores for every store test: the embedded SQLite file and a real PostGIS.

The PostGIS side is a throwaway PostgreSQL 15 cluster from Debian's packages, started for the test
session in a temporary directory (Unix socket only, a free port number), as the unprivileged
`postgres` user when the tests run as root, and removed afterwards. It never skips: without the
binaries the fixture fails and says how to install them.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from geo.store import Store, open_store

PG_BIN = Path(os.environ.get("CROSSINGS_PG_BIN", "/usr/lib/postgresql/15/bin"))
POSTGIS_CONTROL = Path(os.environ.get("CROSSINGS_PG_SHARE", "/usr/share/postgresql/15")) / "extension/postgis.control"
INSTALL_HINT = (
    "The store tests start their own PostgreSQL with PostGIS and need Debian's packages: "
    "`sudo apt-get install postgresql-15 postgresql-15-postgis-3` (`bash scripts/test` does it when run as root), "
    "or set CROSSINGS_PG_BIN / CROSSINGS_PG_SHARE to another PostgreSQL 15 installation."
)
ROLE = "crossings"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _as_cluster_user(command: list[str]) -> list[str]:
    """initdb refuses to run as root: as root, run the cluster as Debian's `postgres` user."""
    if os.geteuid() != 0:
        return command
    return ["runuser", "-u", "postgres", "--", *command]


def _run(command: list[str]) -> None:
    result = subprocess.run(_as_cluster_user(command), capture_output=True, text=True, timeout=120, check=False)
    if result.returncode != 0:
        pytest.fail(f"{' '.join(command)} failed ({result.returncode}): {result.stdout}{result.stderr}")


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[sa.URL]:
    """A running throwaway cluster; yields the URL of its `postgres` database (socket connection)."""
    missing = [str(p) for p in (PG_BIN / "initdb", PG_BIN / "pg_ctl", POSTGIS_CONTROL) if not p.exists()]
    if missing:
        pytest.fail(f"missing {', '.join(missing)}. {INSTALL_HINT}")
    base = Path(tempfile.mkdtemp(prefix="crossings-pg-"))
    if os.geteuid() == 0:
        try:
            owner = pwd.getpwnam("postgres")
        except KeyError:
            shutil.rmtree(base)
            pytest.fail(f"running as root and there is no `postgres` user to run the cluster. {INSTALL_HINT}")
        os.chown(base, owner.pw_uid, owner.pw_gid)
    data, log, port = base / "cluster", base / "server.log", _free_port()
    try:
        _run([str(PG_BIN / "initdb"), "-D", str(data), "-A", "trust", "-U", ROLE, "-E", "UTF8", "--no-sync"])
        options = f"-p {port} -k {base} -c listen_addresses='' -c fsync=off -c full_page_writes=off"
        _run([str(PG_BIN / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(log), "-w", "start"])
        yield sa.URL.create(
            "postgresql+psycopg", username=ROLE, database="postgres", query={"host": str(base), "port": str(port)}
        )
    finally:
        if (data / "postmaster.pid").exists():
            with contextlib.suppress(BaseException):
                _run([str(PG_BIN / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"])
        shutil.rmtree(base, ignore_errors=True)


_database_numbers = itertools.count(1)


@pytest.fixture
def postgres_url(postgres_server: sa.URL) -> Iterator[str]:
    """A fresh, empty database in the session's cluster, dropped after the test."""
    name = f"store_test_{os.getpid()}_{next(_database_numbers)}"
    admin = sa.create_engine(postgres_server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    url = postgres_server.set(database=name)
    yield url.render_as_string(hide_password=False).replace("postgresql+psycopg://", "postgresql://", 1)
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE "{name}" WITH (FORCE)')
    admin.dispose()


@pytest.fixture(params=["sqlite", "postgis"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The URL of an empty store of each kind, as --url or CROSSINGS_DATABASE_URL takes it."""
    if request.param == "sqlite":
        return str(tmp_path / "store.sqlite")
    return request.getfixturevalue("postgres_url")


@pytest.fixture
def new_store(store_url: str) -> Iterator[Callable[[], Store]]:
    opened: list[Store] = []

    def make() -> Store:
        store = open_store(store_url)
        opened.append(store)
        return store

    yield make
    for store in opened:
        store.close()


@pytest.fixture
def store(new_store: Callable[[], Store]) -> Store:
    """An initialised store seeded from data/ (revision 1)."""
    opened = new_store()
    opened.init()
    assert opened.seed() == 1
    return opened
