"""The team deployment on one machine: N app replicas on loopback ports, nginx in front, one PostGIS.

    bash deploy/run --replicas 2 --database-url postgresql://… --cert fullchain.pem --key privkey.pem

Checks first and starts nothing unless all is well: the database is reachable and holds a Crossings
store, the certificate and key are readable, nginx is installed, the ports are free. Then it starts
every replica (`deploy/replica PORT`, the same script the systemd unit runs), waits until each one
answers /_stcore/health, writes nginx's configuration from deploy/nginx/ (the site file is the one a
system nginx uses), checks it with `nginx -t`, starts nginx in the foreground with its own prefix
(pid, logs, temporary files in the run directory: no root needed above port 1024) and waits until
the site answers through TLS. It runs until SIGINT or SIGTERM and then stops everything it started.
A replica that dies is reported and left out by nginx (the systemd units restart theirs); nginx
dying stops the deployment. `--print-nginx-site` writes the site file for a system nginx instead.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

DEPLOY = Path(__file__).resolve().parent
ROOT = DEPLOY.parent
SITE_TEMPLATE = DEPLOY / "nginx" / "crossings.conf"
MAIN_TEMPLATE = DEPLOY / "nginx" / "nginx.conf"
REPLICA_HEALTH_TIMEOUT = 180.0  # a replica imports GeoPandas and reads the store before it answers
MAX_REPLICAS = 16
NGINX_HINT = "install Debian's nginx (sudo apt-get install nginx-light) or pass --nginx PATH"


class DeploymentError(RuntimeError):
    """Something is wrong before or while starting; the message says what and what to do."""


def upstream_lines(ports: list[int]) -> str:
    return "\n".join(f"    server 127.0.0.1:{port} max_fails=1 fail_timeout=5s;" for port in ports)


def render_site(
    ports: list[int],
    *,
    server_names: list[str],
    https_port: int,
    http_port: int,
    cert: Path,
    key: Path,
    htpasswd: Path | None = None,
) -> str:
    """deploy/nginx/crossings.conf with its fields filled in."""
    auth = (
        f'    auth_basic "Crossings";\n    auth_basic_user_file {Path(htpasswd).resolve()};\n'
        if htpasswd
        else "    # Authentication: add auth_basic here (bash deploy/run --htpasswd FILE), or an SSO proxy.\n"
    )
    fields = {
        "@UPSTREAM_SERVERS@": upstream_lines(ports),
        "@SERVER_NAME@": " ".join(server_names),
        "@HTTPS_PORT@": str(https_port),
        "@HTTP_PORT@": str(http_port),
        "@CERT@": str(Path(cert).resolve()),
        "@KEY@": str(Path(key).resolve()),
        "@AUTH@\n": auth,
    }
    text = SITE_TEMPLATE.read_text(encoding="utf-8")
    for field, value in fields.items():
        text = text.replace(field, value)
    return text


def render_main(run_dir: Path) -> str:
    """deploy/nginx/nginx.conf for an nginx of our own, all its files in run_dir."""
    user = "user nobody nogroup;\n" if os.geteuid() == 0 else ""  # root's workers drop privileges
    text = MAIN_TEMPLATE.read_text(encoding="utf-8").replace("@USER@\n", user)
    return text.replace("@RUN_DIR@", str(run_dir))


def hidden_password(url: str) -> str:
    import sqlalchemy as sa

    with contextlib.suppress(Exception):
        return sa.make_url(url).render_as_string(hide_password=True)
    return "(an unreadable URL)"


def check_store(url: str) -> int:
    """The store's revision, or DeploymentError saying why the replicas could not use it."""
    if not url.startswith(("postgresql://", "postgres://")):
        raise DeploymentError(
            "--database-url must be a postgresql:// URL: the replicas share one PostGIS store "
            "(the embedded SQLite store is for one process)"
        )
    sys.path.insert(0, str(ROOT))
    import sqlalchemy as sa

    from geo.store import StoreError, open_current_store

    shown = hidden_password(url)
    try:
        store = open_current_store(url)
        try:
            return store.revision()
        finally:
            store.close()
    except sa.exc.SQLAlchemyError as error:
        reason = str(getattr(error, "orig", None) or error).strip().splitlines()[0]
        raise DeploymentError(
            f"the database {shown} is unreachable: {reason}. Nothing was started. "
            "Start PostgreSQL (or fix the URL, the password, pg_hba.conf) and run this command again."
        ) from error
    except StoreError as error:
        raise DeploymentError(f"{error}. Nothing was started.") from error


def port_is_free(port: int) -> bool:
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def healthy(url: str, context: ssl.SSLContext | None = None) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=3, context=context) as response:  # noqa: S310 (our own URL)
            return response.status == 200
    except OSError:
        return False


def log_tail(path: Path, lines: int = 15) -> str:
    with contextlib.suppress(OSError):
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    return ""


class Deployment:
    def __init__(self, args: argparse.Namespace):
        self.args = args
        self.ports = [args.first_port + n for n in range(args.replicas)]
        self.replicas: dict[int, subprocess.Popen] = {}
        self.reported_dead: set[int] = set()
        self.nginx: subprocess.Popen | None = None
        self.own_run_dir = args.run_dir is None
        self.run_dir = Path(args.run_dir or tempfile.mkdtemp(prefix="crossings-deploy-")).resolve()

    # -- checks -------------------------------------------------------------------------------

    def check(self) -> None:
        args = self.args
        for path, what in ((args.cert, "certificate"), (args.key, "key")):
            if not Path(path).is_file() or not os.access(path, os.R_OK):
                raise DeploymentError(f"the TLS {what} {path} is not a readable file")
        if shutil.which(args.nginx) is None:
            raise DeploymentError(f"nginx not found at {args.nginx}: {NGINX_HINT}")
        busy = [p for p in [*self.ports, args.port, args.http_port] if not port_is_free(p)]
        if busy:
            raise DeploymentError(f"port(s) {', '.join(map(str, busy))} already in use: choose others")
        revision = check_store(args.database_url)
        print(f"deploy: the store {hidden_password(args.database_url)} is at revision {revision}", flush=True)

    # -- starting -----------------------------------------------------------------------------

    def replica_env(self) -> dict[str, str]:
        env = dict(os.environ)
        env["CROSSINGS_DATABASE_URL"] = self.args.database_url
        env["CROSSINGS_ALLOWED_HOSTS"] = " ".join(self.args.server_name)
        env["CROSSINGS_PYTHON"] = self.args.python
        env.pop("CROSSINGS_DATA_DIR", None)  # the replicas read the shared store, never a directory
        return env

    def start_replica(self, port: int) -> None:
        log = (self.run_dir / f"replica-{port}.log").open("ab")
        self.replicas[port] = subprocess.Popen(
            ["bash", str(DEPLOY / "replica"), str(port)],
            cwd=ROOT,
            env=self.replica_env(),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # stopped by us, not by a terminal's Ctrl-C reaching the group
        )
        log.close()

    def wait_replicas(self) -> None:
        deadline = time.monotonic() + REPLICA_HEALTH_TIMEOUT
        waiting = set(self.ports)
        while waiting:
            for port in sorted(waiting):
                process = self.replicas[port]
                if process.poll() is not None:
                    raise DeploymentError(
                        f"the replica on port {port} exited ({process.returncode}) before it was healthy:\n"
                        + log_tail(self.run_dir / f"replica-{port}.log")
                    )
                if healthy(f"http://127.0.0.1:{port}/_stcore/health"):
                    print(f"deploy: replica 127.0.0.1:{port} is healthy (pid {process.pid})", flush=True)
                    waiting.discard(port)
            if waiting and time.monotonic() > deadline:
                raise DeploymentError(
                    f"replica(s) on {sorted(waiting)} not healthy after {REPLICA_HEALTH_TIMEOUT:.0f} s"
                )
            time.sleep(0.3)

    def nginx_command(self, *extra: str) -> list[str]:
        conf = self.run_dir / "nginx.conf"
        return [
            self.args.nginx,
            "-p",
            f"{self.run_dir}/",
            "-c",
            str(conf),
            "-e",
            str(self.run_dir / "nginx-error.log"),
            *extra,
        ]

    def write_nginx(self) -> None:
        args = self.args
        self.run_dir.chmod(0o755)  # nginx's workers (nobody, when started as root) read the temp dirs
        (self.run_dir / "temp").mkdir(exist_ok=True)
        site = render_site(
            self.ports,
            server_names=args.server_name,
            https_port=args.port,
            http_port=args.http_port,
            cert=args.cert,
            key=args.key,
            htpasswd=args.htpasswd,
        )
        (self.run_dir / "crossings.conf").write_text(site, encoding="utf-8")
        (self.run_dir / "nginx.conf").write_text(render_main(self.run_dir), encoding="utf-8")
        test = subprocess.run(self.nginx_command("-t"), capture_output=True, text=True, check=False)
        if test.returncode != 0:
            raise DeploymentError(f"nginx -t refused the configuration:\n{test.stderr}")

    def start_nginx(self) -> None:
        log = (self.run_dir / "nginx-stderr.log").open("ab")
        self.nginx = subprocess.Popen(
            self.nginx_command("-g", "daemon off;"), stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        log.close()
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE  # our own certificate may be self-signed; we check it is served
        deadline = time.monotonic() + 30
        while not healthy(f"https://127.0.0.1:{self.args.port}/_stcore/health", context):
            if self.nginx.poll() is not None or time.monotonic() > deadline:
                raise DeploymentError("nginx did not start:\n" + log_tail(self.run_dir / "nginx-error.log"))
            time.sleep(0.2)

    def write_state(self) -> None:
        state = {
            "url": f"https://{self.args.server_name[0]}:{self.args.port}/",
            "nginx_pid": self.nginx.pid if self.nginx else None,
            "replicas": [{"port": port, "pid": process.pid} for port, process in self.replicas.items()],
            "run_dir": str(self.run_dir),
        }
        (self.run_dir / "deployment.json").write_text(json.dumps(state, indent=1), encoding="utf-8")

    # -- running and stopping -----------------------------------------------------------------

    def watch(self, stop: list[bool]) -> int:
        while not stop:
            if self.nginx is not None and self.nginx.poll() is not None:
                print(f"deploy: nginx exited ({self.nginx.returncode}); stopping the replicas", file=sys.stderr)
                return 1
            for port, process in self.replicas.items():
                if process.poll() is not None and port not in self.reported_dead:
                    self.reported_dead.add(port)
                    print(
                        f"deploy: the replica on port {port} exited ({process.returncode}); nginx sends its "
                        "sessions to the others",
                        file=sys.stderr,
                        flush=True,
                    )
            time.sleep(0.5)
        return 0

    def stop(self) -> None:
        processes = [p for p in [self.nginx, *self.replicas.values()] if p is not None and p.poll() is None]
        for process in processes:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + 15
        for process in processes:
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        if self.own_run_dir and not self.args.keep_run_dir:
            shutil.rmtree(self.run_dir, ignore_errors=True)

    def run(self) -> int:
        stop: list[bool] = []

        def request_stop(signum, _frame):
            stop.append(True)

        signal.signal(signal.SIGTERM, request_stop)
        signal.signal(signal.SIGINT, request_stop)
        try:
            self.check()
            print(f"deploy: starting {len(self.ports)} replica(s) on 127.0.0.1:{self.ports[0]}…{self.ports[-1]}")
            for port in self.ports:
                self.start_replica(port)
            self.wait_replicas()
            self.write_nginx()
            self.start_nginx()
            self.write_state()
            names = ", ".join(self.args.server_name)
            print(
                f"deploy: ready at https://{self.args.server_name[0]}:{self.args.port}/ ({names}; "
                f"{len(self.ports)} replica(s); logs in {self.run_dir}). Ctrl-C stops everything.",
                flush=True,
            )
            return self.watch(stop)
        except DeploymentError as error:
            print(f"deploy: {error}", file=sys.stderr, flush=True)
            return 2
        finally:
            self.stop()


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="bash deploy/run", description=__doc__.split("\n\n")[0])
    parser.add_argument("--replicas", type=int, default=2, help="app processes (default 2; about one per core)")
    parser.add_argument(
        "--database-url",
        default=os.environ.get("CROSSINGS_DATABASE_URL"),
        help="postgresql://user:password@host/db (default: CROSSINGS_DATABASE_URL)",
    )
    parser.add_argument("--cert", type=Path, required=True, help="TLS certificate chain (PEM)")
    parser.add_argument("--key", type=Path, required=True, help="its private key (PEM)")
    parser.add_argument("--server-name", nargs="+", default=["localhost"], help="the site's host name(s)")
    parser.add_argument("--port", type=int, default=8443, help="HTTPS port (default 8443; 443 needs root)")
    parser.add_argument("--http-port", type=int, default=8080, help="HTTP port that redirects to HTTPS")
    parser.add_argument("--first-port", type=int, default=8501, help="the first replica's loopback port")
    parser.add_argument("--htpasswd", type=Path, help="require a login (an htpasswd file) for every request")
    parser.add_argument("--nginx", default="/usr/sbin/nginx", help="the nginx binary")
    parser.add_argument("--python", default=sys.executable, help="the Python with the app's packages")
    parser.add_argument("--run-dir", type=Path, help="nginx's prefix and the logs (default: a new temporary dir)")
    parser.add_argument("--keep-run-dir", action="store_true", help="keep the logs of a temporary run dir")
    parser.add_argument("--print-nginx-site", action="store_true", help="print the nginx site file and exit")
    args = parser.parse_args(argv)
    if not 1 <= args.replicas <= MAX_REPLICAS:
        parser.error(f"--replicas takes 1 to {MAX_REPLICAS}")
    if not args.print_nginx_site and not args.database_url:
        parser.error("--database-url (or CROSSINGS_DATABASE_URL) is required: the PostGIS the replicas share")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.print_nginx_site:
        ports = [args.first_port + n for n in range(args.replicas)]
        sys.stdout.write(
            render_site(
                ports,
                server_names=args.server_name,
                https_port=args.port,
                http_port=args.http_port,
                cert=args.cert,
                key=args.key,
                htpasswd=args.htpasswd,
            )
        )
        return 0
    return Deployment(args).run()


if __name__ == "__main__":
    raise SystemExit(main())
