"""Both stores for every store test: the embedded SQLite file and a real PostGIS.

The PostGIS side is a throwaway PostgreSQL 15 cluster from Debian's packages, started for the test
session in a temporary directory (Unix socket only, a free port number), as the unprivileged
`postgres` user when the tests run as root, and removed afterwards. It never skips: without the
binaries the fixture fails and says how to install them.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from geo.store import Store, open_store
from geo.store.cluster import ClusterError, as_store_url, create_database, drop_database, throwaway_cluster


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[sa.URL]:
    """A running throwaway cluster for the session; yields the URL of its `postgres` database."""
    try:
        cluster = throwaway_cluster()
        server = cluster.__enter__()
    except ClusterError as error:
        pytest.fail(str(error), pytrace=False)
    try:
        yield server
    finally:
        cluster.__exit__(None, None, None)


_database_numbers = itertools.count(1)


@pytest.fixture
def postgres_url(postgres_server: sa.URL) -> Iterator[str]:
    """A fresh, empty database in the session's cluster, dropped after the test."""
    name = f"store_test_{os.getpid()}_{next(_database_numbers)}"
    url = create_database(postgres_server, name)
    yield as_store_url(url)
    drop_database(postgres_server, name)


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
