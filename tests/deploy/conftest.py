"""The team deployment as a sysadmin starts it: `bash deploy/run` with two replicas, nginx with a
self-signed certificate, and a PostgreSQL + PostGIS cluster of the test's own that a test can stop
and start again (the database going away mid-session).

Everything is real processes on loopback (nginx on ports above 1024, its own prefix in a temporary
directory; the cluster on a Unix socket), started here and stopped afterwards. Nothing skips: without
nginx, PostgreSQL or Chromium the fixtures fail and say how to install them.
"""

from __future__ import annotations

import contextlib
import json
import os
import pwd
import random
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa

from geo.store import open_store
from geo.store.cluster import INSTALL_HINT, PG_BIN, PG_SHARE, ROLE, ClusterError, as_store_url, create_database

ROOT = Path(__file__).resolve().parents[2]
NGINX = os.environ.get("CROSSINGS_NGINX", "/usr/sbin/nginx")
NGINX_HINT = "install Debian's nginx-light (`bash scripts/test` does as root) or set CROSSINGS_NGINX"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def free_ports(count: int) -> int:
    """The first of `count` consecutive free loopback ports."""
    for _ in range(200):
        first = random.randrange(20_000, 40_000)
        ports = range(first, first + count)
        taken = False
        for port in ports:
            with socket.socket() as sock:
                try:
                    sock.bind(("127.0.0.1", port))
                except OSError:
                    taken = True
                    break
        if not taken:
            return first
    raise RuntimeError("no consecutive free ports")


def insecure_context() -> ssl.SSLContext:
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


def fetch(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    """GET through TLS (the tests' self-signed certificate); redirects are not followed."""

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect, urllib.request.HTTPSHandler(context=insecure_context()))
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with opener.open(request, timeout=30) as response:
            return response.status, {k.lower(): v for k, v in response.headers.items()}, response.read()
    except urllib.error.HTTPError as error:
        return error.code, {k.lower(): v for k, v in error.headers.items()}, error.read()


class Cluster:
    """A throwaway PostgreSQL 15 + PostGIS that can be stopped and started again (same data, same socket)."""

    def __init__(self) -> None:
        missing = [str(p) for p in (PG_BIN / "initdb", PG_SHARE / "extension" / "postgis.control") if not p.exists()]
        if missing:
            raise ClusterError(f"missing {', '.join(missing)}. {INSTALL_HINT}")
        self.base = Path(tempfile.mkdtemp(prefix="crossings-deploy-pg-"))
        self.data = self.base / "cluster"
        self.port = free_port()
        if os.geteuid() == 0:
            owner = pwd.getpwnam("postgres")
            os.chown(self.base, owner.pw_uid, owner.pw_gid)
        self._run([str(PG_BIN / "initdb"), "-D", str(self.data), "-A", "trust", "-U", ROLE, "-E", "UTF8", "--no-sync"])
        self.start()
        server = sa.URL.create(
            "postgresql+psycopg",
            username=ROLE,
            database="postgres",
            query={"host": str(self.base), "port": str(self.port)},
        )
        self.url = as_store_url(create_database(server, "crossings"))

    @staticmethod
    def _run(command: list[str]) -> None:
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        result = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
        if result.returncode != 0:
            raise ClusterError(f"{' '.join(command)} failed: {result.stdout}{result.stderr}")

    def start(self) -> None:
        options = f"-p {self.port} -k {self.base} -c listen_addresses='' -c fsync=off -c full_page_writes=off"
        log = str(self.base / "server.log")
        self._run([str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-o", options, "-l", log, "-w", "start"])

    def stop(self) -> None:
        self._run([str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop"])

    def remove(self) -> None:
        if (self.data / "postmaster.pid").exists():
            with contextlib.suppress(ClusterError, OSError, subprocess.SubprocessError):
                self._run([str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop"])
        shutil.rmtree(self.base, ignore_errors=True)


@pytest.fixture(scope="session")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for localhost and 127.0.0.1 (openssl), as a site's would be passed in."""
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=localhost",
            "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1", "-keyout", str(key), "-out", str(cert),
        ],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    key.chmod(0o600)
    return cert, key


@pytest.fixture(scope="session")
def nginx_binary() -> str:
    if not Path(NGINX).exists():
        pytest.fail(f"nginx not found at {NGINX}: {NGINX_HINT}", pytrace=False)
    return NGINX


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    try:
        made = Cluster()
    except ClusterError as error:
        pytest.fail(str(error), pytrace=False)
    try:
        store = open_store(made.url)
        store.init()
        store.seed()
        store.close()
        yield made
    finally:
        made.remove()


@dataclass
class Deployment:
    url: str  # https://localhost:PORT
    http_url: str
    database_url: str
    run_dir: Path
    process: subprocess.Popen
    replicas: dict[int, int]  # port -> pid

    def upstream_of(self, cookie: str) -> int:
        """The replica port nginx sends a browser with this affinity cookie to (read from its access log)."""
        status, _, _ = fetch(f"{self.url}/_stcore/health?probe={cookie}", {"Cookie": f"crossings_replica={cookie}"})
        assert status == 200
        deadline = time.monotonic() + 10  # nginx logs a request just after answering it
        while time.monotonic() < deadline:
            for line in reversed((self.run_dir / "nginx-access.log").read_text().splitlines()):
                if f"probe={cookie} " in line:
                    return int(line.rsplit("upstream=127.0.0.1:", 1)[1].split()[0])
            time.sleep(0.05)
        raise AssertionError(f"no access log line for {cookie}")

    def cookie_for(self, port: int) -> str:
        """An affinity cookie value that nginx hashes onto the replica on `port`."""
        for n in range(64):
            if self.upstream_of(f"probe-{n}") == port:
                return f"probe-{n}"
        raise AssertionError(f"no cookie of 64 reaches port {port}")


def start_deployment(
    database_url: str, cert: Path, key: Path, run_dir: Path, replicas: int = 2, timeout: float = 300
) -> Deployment:
    port, http_port, first = free_port(), free_port(), free_ports(replicas)
    command = [
        "bash", str(ROOT / "deploy" / "run"), "--replicas", str(replicas), "--database-url", database_url,
        "--cert", str(cert), "--key", str(key), "--port", str(port), "--http-port", str(http_port),
        "--first-port", str(first), "--run-dir", str(run_dir), "--nginx", NGINX,
    ]  # fmt: skip
    env = {**os.environ, "CROSSINGS_PYTHON": sys.executable}
    log = (run_dir.parent / f"{run_dir.name}-run.log").open("w")
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    state = run_dir / "deployment.json"
    deadline = time.monotonic() + timeout
    while not state.exists():
        if process.poll() is not None or time.monotonic() > deadline:
            stop_deployment(process)
            output = Path(log.name).read_text()
            raise AssertionError(f"bash deploy/run did not start ({process.returncode}):\n{output}")
        time.sleep(0.5)
    data = json.loads(state.read_text())
    return Deployment(
        url=f"https://localhost:{port}",
        http_url=f"http://127.0.0.1:{http_port}",
        database_url=database_url,
        run_dir=run_dir,
        process=process,
        replicas={r["port"]: r["pid"] for r in data["replicas"]},
    )


def stop_deployment(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="module")
def deployment(
    cluster: Cluster, certificate: tuple[Path, Path], nginx_binary: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Deployment]:
    run_dir = tmp_path_factory.mktemp("deployment") / "run"
    run_dir.mkdir()
    started = start_deployment(cluster.url, *certificate, run_dir)
    try:
        yield started
    finally:
        stop_deployment(started.process)
        for pid in started.replicas.values():  # deploy/run stopped every replica it started
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, 0)
                os.kill(pid, signal.SIGKILL)
                raise AssertionError(f"replica {pid} was still running after deploy/run stopped")
