"""Shared by the Korean page tests: the English a Korean page may show because it is data, shown as it is."""

from __future__ import annotations

import pandas as pd

from geo.io import Dataset


def dataset_texts(dataset: Dataset) -> list[str]:
    """Every text of the dataset's layers and sources, and the manifest's licences (the footer shows them)."""
    texts: list[str] = []
    for gdf in dataset.layers.values():
        for column in gdf.columns:
            if pd.api.types.is_string_dtype(gdf[column].dtype):  # object or Arrow text
                texts.extend(str(v) for v in gdf[column] if isinstance(v, str))
    for column in dataset.sources.columns:
        texts.extend(str(v) for v in dataset.sources[column])
    texts.extend(str(entry.get("licence", "")) for entry in dataset.manifest.files.values())
    return texts
