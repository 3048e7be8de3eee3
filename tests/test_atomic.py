"""Atomic writes (geo.atomic.write_bytes_atomic): a writer killed at any point leaves the previous
file whole. The writer runs in a subprocess that is stopped at a known point, deterministically:
SIGKILL once the new bytes are in the temporary file (at fsync) and just before the rename, and the
kernel's file-size limit (SIGXFSZ) in the middle of writing the bytes themselves."""

from __future__ import annotations

import hashlib
import os
import resource
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from geo.atomic import write_bytes_atomic

ROOT = Path(__file__).resolve().parents[1]
OLD = b"previous version, complete\n" * 1000
NEW_SIZE = 32 << 20  # 32 MiB

# The child writes NEW_SIZE bytes with write_bytes_atomic; at the chosen point it says "ready" and waits
# to be killed.
CHILD = r"""
import os, sys
from pathlib import Path
from geo.atomic import write_bytes_atomic

target, point = Path(sys.argv[1]), sys.argv[2]

def stop(*args, **kwargs):
    sys.stdout.write("ready\n")
    sys.stdout.flush()
    sys.stdin.read()  # wait here until killed

if point == "fsync":
    os.fsync = stop
    os.fdatasync = stop
elif point == "replace":
    os.replace = stop
elif point == "fsize":
    import signal
    signal.signal(signal.SIGXFSZ, signal.SIG_DFL)  # Python ignores it; the kernel's default kills
write_bytes_atomic(target, b"N" * int(sys.argv[3]))
sys.stdout.write("done\n")
"""


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def target(tmp_path: Path) -> Path:
    path = tmp_path / "export.geojson"
    path.write_bytes(OLD)
    return path


def start_writer(target: Path, point: str, preexec=None) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", CHILD, str(target), point, str(NEW_SIZE)],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        preexec_fn=preexec,
    )


@pytest.mark.parametrize("point", ["fsync", "replace"])
def test_sigkill_mid_write_leaves_the_previous_file_intact(target: Path, point: str):
    writer = start_writer(target, point)
    assert writer.stdout.readline() == "ready\n"  # the new bytes are written, the file not yet replaced
    temporary = [p for p in target.parent.iterdir() if p != target]
    assert temporary and temporary[0].stat().st_size == NEW_SIZE  # really mid-write: all bytes, not renamed
    writer.send_signal(signal.SIGKILL)
    assert writer.wait() == -signal.SIGKILL
    assert target.read_bytes() == OLD
    # What a crash leaves is a hidden temporary file next to the target, never a half-written target.
    assert all(p.name.startswith(".") for p in target.parent.iterdir() if p != target)


def test_a_writer_killed_while_writing_the_bytes_leaves_the_previous_file_intact(target: Path):
    def limit_file_size():
        resource.setrlimit(resource.RLIMIT_FSIZE, (NEW_SIZE // 2, NEW_SIZE // 2))

    writer = start_writer(target, "fsize", preexec=limit_file_size)
    writer.stdin.close()
    assert writer.wait() == -signal.SIGXFSZ  # the kernel stopped it half-way through the data
    assert target.read_bytes() == OLD
    partial = [p for p in target.parent.iterdir() if p != target]
    assert all(p.stat().st_size <= NEW_SIZE // 2 for p in partial)


def test_a_completed_write_replaces_the_file(target: Path):
    writer = start_writer(target, "none")
    writer.stdin.close()
    assert writer.stdout.read() == "done\n" and writer.wait() == 0
    assert target.stat().st_size == NEW_SIZE and digest(target) == hashlib.sha256(b"N" * NEW_SIZE).hexdigest()
    assert list(target.parent.iterdir()) == [target]


def test_an_error_while_writing_leaves_the_previous_file_and_no_debris(target: Path, monkeypatch):
    def fail(fd):
        raise OSError("disk full")

    monkeypatch.setattr(os, "fsync", fail)
    with pytest.raises(OSError, match="disk full"):
        write_bytes_atomic(target, b"new")
    assert target.read_bytes() == OLD
    assert list(target.parent.iterdir()) == [target]
