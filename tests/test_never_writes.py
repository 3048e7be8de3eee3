"""The bundled data is read-only to the app: every page, an import and the read-only CLI leave every
file in data/ exactly as it was (same files, same bytes, same modification times), and the manifest
still proves it."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from geo.__main__ import main as cli
from geo.manifest import manifest_problems
from geo.upload import example_csv

ROOT = Path(__file__).resolve().parents[1]
APP = ROOT / "app.py"
DATA = ROOT / "data"
TIMEOUT = 60


def snapshot(directory: Path) -> dict[str, tuple[str, int, int]]:
    """(sha256, size, mtime_ns) of every file under directory."""
    return {
        path.relative_to(directory).as_posix(): (
            hashlib.sha256(path.read_bytes()).hexdigest(),
            path.stat().st_size,
            path.stat().st_mtime_ns,
        )
        for path in sorted(directory.rglob("*"))
        if path.is_file()
    }


def registered_pages() -> list[str]:
    """Every page app.py registers with st.navigation, so a new page is covered without editing this test."""
    return re.findall(r'st\.Page\(\s*"(views/[^"]+\.py)"', APP.read_text(encoding="utf-8"))


def run_page(page: str, state: dict | None = None) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    for key, value in (state or {}).items():
        at.session_state[key] = value
    at.run()  # registers the navigation, so a page whose url_path differs from its file name resolves
    at.switch_page(page).run()
    assert not at.exception, (page, [e.value for e in at.exception])
    return at


def test_the_app_registers_every_page_file_once():
    """So the loop below covers every page, the import page included: none left out, none twice."""
    pages = registered_pages()
    assert "views/import_data.py" in pages
    assert sorted(pages) == sorted(f"views/{p.name}" for p in (APP.parent / "views").glob("*.py"))


# Registered only for a signed-in role (app.py): run as an admin of a store of the test's own.
SIGNED_IN_PAGES = {"views/edit.py", "views/review.py"}


def signed_in_state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict:
    import time

    import streamlit as st

    from geo.accounts import Account
    from geo.store import open_current_store
    from geo.store.review import add_user
    from geo.ui.session import ACCOUNT, LAST_SEEN, SIGNED_IN_AT

    url = str(tmp_path / "store.sqlite")
    monkeypatch.setenv("CROSSINGS_DATABASE_URL", url)
    st.cache_resource.clear()
    st.cache_data.clear()
    store = open_current_store(url)
    add_user(store, "admin", "admin", "a long enough password")
    store.close()
    return {ACCOUNT: Account("admin", "admin"), SIGNED_IN_AT: time.time(), LAST_SEEN: time.time()}


def test_no_page_no_import_and_no_check_writes_into_data(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    before = snapshot(DATA)
    assert manifest_problems(DATA) == []

    for page in registered_pages():
        if page in SIGNED_IN_PAGES:
            continue
        run_page(page)
        run_page(page, state={"feature": "x-tumen-namyang"})
    admin = signed_in_state(tmp_path, monkeypatch)
    for page in SIGNED_IN_PAGES:
        run_page(page, state=admin)

    at = run_page("views/import_data.py")
    at.file_uploader(key="import-file").set_value(("mine.csv", example_csv().encode(), "text/csv")).run()
    at.button(key="import-apply").click().run()
    assert not at.exception
    at.switch_page("views/map.py").run()
    assert not at.exception
    assert len(at.session_state["uploaded_layer"]) == 1

    assert cli(["validate", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["ok"] is True

    assert snapshot(DATA) == before
    assert manifest_problems(DATA) == []
