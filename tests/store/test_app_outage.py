"""The store going away under a running app: viewers get a notice, not a stack trace, and the page
recovers by itself. AppTest on an embedded store whose counter table is renamed away and back (the
same SQLAlchemy errors as a PostgreSQL that stopped; tests/deploy stops a real one)."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
import streamlit as st
from streamlit.testing.v1 import AppTest

from geo.store import open_current_store
from geo.ui.data import current_revision

APP = Path(__file__).resolve().parents[2] / "app.py"
NOTICE = "The data store cannot be reached right now."


@pytest.fixture
def store_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    url = str(tmp_path / "app.sqlite")
    monkeypatch.setenv("CROSSINGS_DATABASE_URL", url)
    monkeypatch.delenv("CROSSINGS_DATA_DIR", raising=False)
    st.cache_resource.clear()
    st.cache_data.clear()
    open_current_store(url).close()  # created and seeded from data/
    yield url
    st.cache_resource.clear()
    st.cache_data.clear()


def rename(url: str, old: str, new: str) -> None:
    engine = sa.create_engine(f"sqlite:///{url}")
    with engine.begin() as conn:
        conn.exec_driver_sql(f"ALTER TABLE {old} RENAME TO {new}")
    engine.dispose()


def notices(at: AppTest) -> list[str]:
    return [w.value for w in at.warning] + [e.value for e in at.error]


def test_viewers_keep_the_last_revision_with_a_notice_and_the_page_recovers(store_url: str):
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.run()
    assert not at.exception and not notices(at)
    shown = len(at.markdown)

    rename(store_url, "store_state", "store_state_away")
    current_revision.clear()  # what a second of waiting does
    at.run()
    assert not at.exception  # no stack trace
    assert any(NOTICE in text and "revision 1" in text for text in notices(at)), notices(at)
    assert len(at.markdown) >= shown - 1  # the page itself is still there

    rename(store_url, "store_state_away", "store_state")
    current_revision.clear()
    at.run()
    assert not at.exception and not notices(at)


def test_a_process_that_never_read_the_store_says_so_instead_of_a_map(store_url: str):
    rename(store_url, "store_state", "store_state_away")
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.run()
    assert not at.exception
    assert any(NOTICE in e.value and "nothing to show yet" in e.value for e in at.error)

    rename(store_url, "store_state_away", "store_state")
    current_revision.clear()
    at.run()
    assert not at.exception and not notices(at)
