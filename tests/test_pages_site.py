"""The Data page's "publish for readers" block: the site zip of the current filters and the embed snippet."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import date
from pathlib import Path

from streamlit.testing.v1 import AppTest

from geo.filters import FilterSpec
from geo.io import load_dataset
from geo.site import embed_snippet, site_zip_name

APP = Path(__file__).resolve().parents[1] / "app.py"


def test_data_page_offers_the_site_and_the_snippet() -> None:
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.query_params["crossing"] = "x-tumen-namyang"
    at.run()
    at.switch_page("views/data.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert any(m.value == "#### Publish for readers" for m in at.markdown)
    assert [c.value for c in at.code] == [embed_snippet()]
    assert "embed.html" in at.code[0].value


def test_site_zip_is_built_from_the_filters() -> None:
    from geo.ui.site_download import site_zip_bytes

    spec = FilterSpec(date(2023, 10, 1), date(2023, 10, 31), ("x-tumen-namyang",))
    dataset = load_dataset()
    archive = zipfile.ZipFile(io.BytesIO(site_zip_bytes.__wrapped__(dataset.version, tuple(spec.__dict__.values()))))
    names = archive.namelist()
    assert "crossings-site/index.html" in names and "crossings-site/embed.html" in names
    assert archive.read("crossings-site/preview.png").startswith(b"\x89PNG")
    data = next(n for n in names if "/assets/data." in n)
    payload = json.loads(archive.read(data).decode().removeprefix("window.CrossingsSiteData = ").rstrip().rstrip(";"))
    assert payload["default"] == {
        "from": "2023-10-01",
        "to": "2023-10-31",
        "crossings": ["x-tumen-namyang"],
        "kinds": [],
        "confidence": "unknown",
    }
    assert site_zip_name(dataset).endswith(".zip")
