"""Atomic file writes: a reader sees the old file or the new one, never half of one.

And the guard every output of the project uses (exports, briefing, figures): no output is written into
the data directory, whose files the app checks against the manifest and refuses when they change.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path


def write_bytes_atomic(path: Path | str, data: bytes) -> Path:
    """Write data to path through a temporary file in the same directory, fsync it, then os.replace.

    The temporary file is removed if anything fails, so an interrupted write leaves no debris.
    """
    target = Path(path)
    directory = target.parent if str(target.parent) else Path(".")
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=directory)
    try:
        # mkstemp makes the file private (0600); give it the mode the old file had, or an ordinary one.
        os.fchmod(fd, target.stat().st_mode & 0o777 if target.exists() else 0o644)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp_name, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp_name)
        raise
    _fsync_directory(directory)
    return target


def write_text_atomic(path: Path | str, text: str, encoding: str = "utf-8") -> Path:
    return write_bytes_atomic(path, text.encode(encoding))


def _fsync_directory(directory: Path) -> None:
    """Make the rename itself durable where the platform allows it."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        with contextlib.suppress(OSError):
            os.fsync(fd)
    finally:
        os.close(fd)


class OutputRefused(ValueError):
    """An output path the project will not write to; the message says why."""


def is_inside(path: Path | str, directory: Path | str) -> bool:
    """Whether path is directory or lies under it, after resolving symbolic links and `..`."""
    try:
        Path(path).resolve().relative_to(Path(directory).resolve())
    except ValueError:
        return False
    return True


def refuse_data_dir(path: Path | str, *data_dirs: Path | str) -> None:
    """Raise OutputRefused when path is inside one of the data directories."""
    for directory in data_dirs:
        if is_inside(path, directory):
            raise OutputRefused(
                f"refusing to write into the data directory ({directory}): {path}; choose another --out"
            )


def write_output(path: Path | str, data: bytes, *data_dirs: Path | str) -> Path:
    """An output file: refused inside a data directory, written atomically, its directory made if needed."""
    refuse_data_dir(path, *data_dirs)
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    return write_bytes_atomic(path, data)
