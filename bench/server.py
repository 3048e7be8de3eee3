"""`streamlit run` on a free loopback port, polled on /_stcore/health until it answers, stopped on exit:
the one way the browser tests (tests/browser/) and the benchmarks (bench/browser.py, bench/load.py) run
a server. Test and benchmark infrastructure, so it lives in bench/ (the tests import bench already)."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_healthy(base_url: str, process: subprocess.Popen, timeout: float = 90.0) -> None:
    """Poll the server's health endpoint until it answers 200; fail if the process exits or time runs out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"streamlit exited with code {process.returncode}")
        try:
            with urllib.request.urlopen(f"{base_url}/_stcore/health", timeout=2) as response:  # noqa: S310 (loopback)
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.25)
    raise RuntimeError(f"streamlit did not become healthy within {timeout} s")


@contextmanager
def streamlit_server(
    script: Path,
    *,
    cwd: Path,
    log: Path,
    extra: Sequence[str] = (),
    env: Mapping[str, str] | None = None,
    timeout: float = 90.0,
    stop_timeout: float = 10.0,
) -> Iterator[tuple[str, subprocess.Popen]]:
    """Run `script` under `streamlit run` on 127.0.0.1 (its output to `log`); yield (base URL, process) once
    healthy, and terminate it (kill if it does not stop within `stop_timeout` s) when the block ends."""
    port = free_port()
    command = [sys.executable, "-m", "streamlit", "run", str(script), "--server.port", str(port)]
    command += ["--server.address", "127.0.0.1", "--server.headless", "true", *extra]
    with log.open("w") as handle:
        process = subprocess.Popen(
            command, cwd=cwd, env=None if env is None else dict(env), stdout=handle, stderr=subprocess.STDOUT
        )
        base_url = f"http://127.0.0.1:{port}"
        try:
            wait_healthy(base_url, process, timeout)
            yield base_url, process
        finally:
            process.terminate()
            try:
                process.wait(timeout=stop_timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
