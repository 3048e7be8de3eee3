"""The data manifest: source, licence and SHA-256 of every file in data/."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from geo.atomic import write_text_atomic

MANIFEST_NAME = "manifest.json"

CURATED_PROVENANCE = {
    "source": "Curated by the Crossings project from ../shared/research/facts.md; every row cites its own sources",
    "licence": "CC BY 4.0 (Crossings project); the cited articles keep their own copyright",
}


class ManifestError(RuntimeError):
    """A data file is missing from, or does not match, the manifest."""


def sha256_file(path: Path) -> str:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def data_files(data_dir: Path) -> list[Path]:
    skip = {MANIFEST_NAME, "provenance.json"}
    return sorted(
        p
        for p in data_dir.rglob("*")
        if p.is_file() and p.name not in skip and not p.name.startswith(".") and p.suffix != ".md"
    )


def build_manifest(data_dir: Path) -> dict:
    basemap_provenance_path = data_dir / "basemap" / "provenance.json"
    basemap_provenance = (
        json.loads(basemap_provenance_path.read_text(encoding="utf-8")) if basemap_provenance_path.exists() else {}
    )
    files = {}
    for path in data_files(data_dir):
        relative = path.relative_to(data_dir).as_posix()
        info = basemap_provenance.get(path.name, {}) if relative.startswith("basemap/") else CURATED_PROVENANCE
        files[relative] = {
            "sha256": sha256_file(path),
            "bytes": path.stat().st_size,
            "source": info.get("source", "unknown"),
            "licence": info.get("licence", "unknown"),
        }
    return {"dataset": "crossings", "files": files}


def write_manifest(data_dir: Path) -> Path:
    target = data_dir / MANIFEST_NAME
    text = json.dumps(build_manifest(data_dir), indent=1, sort_keys=True, ensure_ascii=False) + "\n"
    return write_text_atomic(target, text)  # the data directory's own index: the one file written there


@dataclass(frozen=True)
class Manifest:
    files: dict[str, dict]
    version: str  # short hash of the manifest itself: the dataset version


def read_manifest(data_dir: Path) -> Manifest:
    path = data_dir / MANIFEST_NAME
    if not path.exists():
        raise ManifestError(f"{path} is missing: run `python -m geo manifest` after editing data files")
    raw = path.read_bytes()
    return Manifest(json.loads(raw)["files"], hashlib.sha256(raw).hexdigest()[:12])


def verify_file(data_dir: Path, relative: str, manifest: Manifest) -> None:
    """Raise ManifestError unless the file exists and its hash matches the manifest."""
    entry = manifest.files.get(relative)
    if entry is None:
        raise ManifestError(f"data/{relative} is not listed in data/{MANIFEST_NAME}")
    path = data_dir / relative
    if not path.exists():
        raise ManifestError(f"data/{relative} is listed in the manifest but missing")
    actual = sha256_file(path)
    if actual != entry["sha256"]:
        raise ManifestError(
            f"data/{relative} does not match the manifest (sha256 {actual[:12]}…, expected "
            f"{entry['sha256'][:12]}…): the file was changed; refusing to load it"
        )


def manifest_problems(data_dir: Path) -> list[str]:
    """Every mismatch between data/ and the manifest, as readable sentences."""
    try:
        manifest = read_manifest(data_dir)
    except ManifestError as error:
        return [str(error)]
    problems = []
    for relative in manifest.files:
        try:
            verify_file(data_dir, relative, manifest)
        except ManifestError as error:
            problems.append(str(error))
    listed = set(manifest.files)
    for path in data_files(data_dir):
        relative = path.relative_to(data_dir).as_posix()
        if relative not in listed:
            problems.append(f"data/{relative} is not listed in data/{MANIFEST_NAME}")
    return problems
