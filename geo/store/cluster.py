"""A throwaway PostgreSQL + PostGIS cluster from Debian's packages, for the tests and the benchmark.

    with throwaway_cluster() as url:      # a sqlalchemy URL of the cluster's `postgres` database
        ...

The cluster lives in a new temporary directory (data, Unix socket, log), listens on no TCP address,
runs as Debian's unprivileged `postgres` user when started by root (initdb refuses root), and is
stopped and deleted on exit, whatever happens.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import sqlalchemy as sa

PG_BIN = Path(os.environ.get("CROSSINGS_PG_BIN", "/usr/lib/postgresql/15/bin"))
PG_SHARE = Path(os.environ.get("CROSSINGS_PG_SHARE", "/usr/share/postgresql/15"))
INSTALL_HINT = (
    "A throwaway PostgreSQL with PostGIS needs Debian's packages: "
    "`sudo apt-get install postgresql-15 postgresql-15-postgis-3` (`bash scripts/test` installs them when run as "
    "root), or set CROSSINGS_PG_BIN and CROSSINGS_PG_SHARE to another PostgreSQL 15 installation."
)
ROLE = "crossings"


class ClusterError(RuntimeError):
    """The cluster cannot be started; the message says why and how to install what is missing."""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _as_cluster_user(command: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


def _run(command: list[str]) -> None:
    result = subprocess.run(_as_cluster_user(command), capture_output=True, text=True, timeout=120, check=False)
    if result.returncode != 0:
        raise ClusterError(f"{' '.join(command)} failed ({result.returncode}): {result.stdout}{result.stderr}")


@contextlib.contextmanager
def throwaway_cluster() -> Iterator[sa.URL]:
    needed = (PG_BIN / "initdb", PG_BIN / "pg_ctl", PG_SHARE / "extension" / "postgis.control")
    missing = [str(path) for path in needed if not path.exists()]
    if missing:
        raise ClusterError(f"missing {', '.join(missing)}. {INSTALL_HINT}")
    base = Path(tempfile.mkdtemp(prefix="crossings-pg-"))
    data = base / "cluster"
    try:
        if os.geteuid() == 0:
            try:
                owner = pwd.getpwnam("postgres")
            except KeyError as error:
                raise ClusterError(f"running as root and there is no `postgres` user. {INSTALL_HINT}") from error
            os.chown(base, owner.pw_uid, owner.pw_gid)
        port = _free_port()
        _run([str(PG_BIN / "initdb"), "-D", str(data), "-A", "trust", "-U", ROLE, "-E", "UTF8", "--no-sync"])
        options = f"-p {port} -k {base} -c listen_addresses='' -c fsync=off -c full_page_writes=off"
        _run([str(PG_BIN / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(base / "server.log"), "-w", "start"])
        yield sa.URL.create(
            "postgresql+psycopg", username=ROLE, database="postgres", query={"host": str(base), "port": str(port)}
        )
    finally:
        if (data / "postmaster.pid").exists():
            with contextlib.suppress(ClusterError, OSError, subprocess.SubprocessError):
                _run([str(PG_BIN / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"])
        shutil.rmtree(base, ignore_errors=True)


def create_database(server: sa.URL, name: str) -> sa.URL:
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    admin.dispose()
    return server.set(database=name)


def drop_database(server: sa.URL, name: str) -> None:
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.dispose()


def as_store_url(url: sa.URL) -> str:
    """The URL as --url and CROSSINGS_DATABASE_URL take it (postgresql://…)."""
    return url.render_as_string(hide_password=False).replace("postgresql+psycopg://", "postgresql://", 1)
