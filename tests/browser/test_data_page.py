"""The Data page as a researcher uses it: filter to one crossing and a month, download the
selection, and find in the zip exactly those features with their citation manifest."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from datetime import date
from urllib.parse import urlencode

import pytest
from playwright.sync_api import Page, expect

from geo.filters import FilterSpec, apply_filters, count_features
from geo.io import load_dataset
from tests.browser.conftest import screenshot, wait_for_idle

pytestmark = pytest.mark.browser

TUMEN = "Tumen–Namyang (Onsong County)"


def test_download_exactly_the_filtered_view_with_its_citations(page: Page, app_url: str, requests_log) -> None:
    dataset = load_dataset()
    spec = FilterSpec(date(2023, 10, 1), date(2023, 10, 31), crossings=("x-tumen-namyang",))
    layers = apply_filters(dataset.layers, spec)
    expected_ids = {fid for gdf in layers.values() for fid in gdf["id"]}

    # Open the app at its root first: the navigation is known once the entrypoint has run.
    page.goto(app_url)
    expect(page.get_by_test_id("stSidebarNav").get_by_text("Data", exact=True)).to_be_visible()
    query = urlencode([("crossing", TUMEN), ("dates", "2023-10-01"), ("dates", "2023-10-31")])
    page.goto(f"{app_url}/data?{query}")
    expect(page.get_by_role("heading", name="Data", exact=True)).to_be_visible()
    wait_for_idle(page)
    shown = count_features(layers)
    sentence = page.get_by_text(f"Showing {shown} of {dataset.total_features()} features", exact=False).first
    expect(sentence).to_have_text(
        f"Showing {shown} of {dataset.total_features()} features: 1–31 Oct 2023, crossing {TUMEN}"
    )
    expect(page.get_by_text(f"{shown} of {shown} rows")).to_be_visible()
    expect(page.get_by_test_id("stDataFrame")).to_be_visible()
    page.wait_for_function(
        "() => { const g = document.querySelector('[data-testid=\"stDataFrame\"] canvas');"
        " return g && g.getBoundingClientRect().height > 100; }"
    )
    screenshot(page, "data-page-tumen-october-1440x900")

    with page.expect_download() as download_info:
        page.get_by_role("button", name="CSV", exact=True).click()
    download = download_info.value
    assert download.suggested_filename == f"crossings-{dataset.version}-csv.zip"
    with zipfile.ZipFile(io.BytesIO(download.path().read_bytes())) as archive:
        name = f"crossings-{dataset.version}.csv"
        assert sorted(archive.namelist()) == sorted([name, f"{name}.citation.json", f"{name}.citation.txt"])
        data = archive.read(name)
        citation = json.loads(archive.read(f"{name}.citation.json"))
        text = archive.read(f"{name}.citation.txt").decode("utf-8")

    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert {r["id"] for r in rows} == expected_ids
    tumen = next(r for r in rows if r["id"] == "x-tumen-namyang")
    assert (tumen["name_ko"], tumen["name_zh"], tumen["count_low"]) == ("도문–남양", "图们–南阳", "300")
    leg = next(r for r in rows if r["id"] == "leg-tumen-dc-crossing")
    assert leg["evidence"] == "inferred" and "inferred route" in leg["caveat"]

    cited = {
        sid
        for r in rows
        for column in ("source_ids", "count_source_ids", "coord_source_ids")
        for sid in r[column].split(";")
        if sid
    }
    assert {s["id"] for s in citation["sources"]} == cited
    assert citation["filter"] == sentence.inner_text()
    assert citation["dataset_version"] == dataset.version
    assert citation["exported_at"].endswith("Z")
    assert f"Filter:          {citation['filter']}" in text
    assert requests_log.blocked == [], f"requests left localhost: {requests_log.blocked}"
