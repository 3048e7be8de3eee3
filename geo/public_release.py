"""`python -m geo db publish --public`: a release directory holding only what the public may see.

The files are rewritten from geo.visibility.public_view of the published release (the one choke point):
restricted records and everything that reveals them are left out, generalised ones are written as the
public sees them, sources cited only by hidden records are dropped, and the manifest is rebuilt.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pandas as pd
from shapely.geometry import mapping

from geo.atomic import write_text_atomic
from geo.csvfile import sources_csv_text
from geo.io import SOURCES_FILE, load_dataset
from geo.manifest import write_manifest
from geo.schema import LAYERS
from geo.visibility import public_view


def _plain(value: object) -> object:
    if isinstance(value, list | dict | str | bool) or value is None:
        return value
    if pd.isna(value):
        return None
    return value.item() if hasattr(value, "item") else value


def make_public(release: Path) -> Path:
    """Rewrite a published release directory in place as its public view; returns it."""
    public = public_view(load_dataset(release))
    for name in LAYERS:
        path = release / f"{name}.geojson"
        document = json.loads(path.read_text(encoding="utf-8"))
        rows = public.layers[name].set_index(public.layers[name]["id"].astype(str), drop=False)
        features = []
        for feature in document["features"]:
            fid = str((feature.get("properties") or {}).get("id"))
            if fid not in rows.index:
                continue
            row = rows.loc[fid]
            properties = {
                key: _plain(row[key]) if key in row.index else value for key, value in feature["properties"].items()
            }
            geometry = row.geometry
            features.append(
                {**feature, "properties": properties, "geometry": None if geometry is None else mapping(geometry)}
            )
        document["features"] = features
        write_text_atomic(path, json.dumps(document, ensure_ascii=False, indent=1) + "\n")
    kept = set(public.sources["id"])
    with (release / SOURCES_FILE).open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        rows_kept = [row for row in reader if row["id"] in kept]
    write_text_atomic(release / SOURCES_FILE, sources_csv_text(rows_kept))
    write_manifest(release)
    return release
