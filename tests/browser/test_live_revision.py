"""A revision written with the command line reaches a page that is already open, without a restart.

The app runs on an embedded store of its own (CROSSINGS_DATABASE_URL); the test revises a count with
`python -m geo db revise` while the page shows the claim, and waits (polling, no fixed sleep) for the
details panel to show the new number and revision.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from bench.server import streamlit_server
from geo.io import load_dataset
from geo.text import format_count
from tests.browser.conftest import ROOT, screenshot

pytestmark = pytest.mark.browser


@pytest.fixture
def store_app(tmp_path: Path) -> Iterator[tuple[str, dict[str, str]]]:
    env = {**os.environ, "CROSSINGS_DATABASE_URL": str(tmp_path / "live.sqlite")}
    env.pop("CROSSINGS_DATA_DIR", None)
    with streamlit_server(ROOT / "app.py", cwd=ROOT, log=tmp_path / "server.log", env=env) as (base_url, _process):
        yield base_url, env


def test_a_cli_revision_appears_in_an_open_session(page: Page, store_app: tuple[str, dict[str, str]]) -> None:
    base_url, env = store_app
    crossings = load_dataset().layers["crossings"]
    row = crossings[crossings["count_high"].notna() & (crossings["count_confidence"] == "single-source")].iloc[0]
    fid, low, high = str(row["id"]), row["count_low"], int(row["count_high"])
    page.goto(f"{base_url}/?feature={fid}")
    expect(page.get_by_text("(revision 1)", exact=False)).to_be_visible(timeout=60_000)
    expect(page.get_by_text(format_count(low, high), exact=False).first).to_be_visible()

    revised = subprocess.run(
        [
            sys.executable, "-m", "geo", "db", "revise", fid, "--set", f"count_high={high + 50}",
            "--source", "S5", "--reason", "a new report", "--author", "Browser test",
        ],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert revised.returncode == 0, revised.stderr

    # No reload, no click: the open page polls the store's revision and reruns by itself.
    expect(page.get_by_text("(revision 2)", exact=False)).to_be_visible(timeout=30_000)
    expect(page.get_by_text(format_count(low, high + 50), exact=False).first).to_be_visible()
    page.get_by_text("History", exact=True).click()
    expect(page.get_by_text("a new report", exact=False)).to_be_visible()
    screenshot(page, "live-revision-history")
