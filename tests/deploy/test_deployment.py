"""The team deployment, started as a sysadmin starts it (`bash deploy/run`), tested through nginx.

Two replicas share one PostGIS; Chromium talks to nginx over TLS with the tests' self-signed
certificate. The tests of one deployment run in this file's order: the last ones kill a replica and
stop the database.
"""

from __future__ import annotations

import gzip
import importlib.util
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from geo.io import load_dataset
from geo.store import open_store
from geo.text import format_count
from tests.browser.conftest import MAP_FRAME, close_context, screenshot, wait_for_map
from tests.browser.test_xss import documented_csp
from tests.deploy.conftest import ROOT, Cluster, Deployment, fetch, free_port

pytestmark = pytest.mark.browser
STORE_DOWN = "The data store cannot be reached right now."
expect.set_options(timeout=60_000)  # a page's first load on a busy 2-core machine; tighter bounds say so


def deployment_module():
    spec = importlib.util.spec_from_file_location("crossings_deployment", ROOT / "deploy" / "deployment.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def a_counted_crossing() -> tuple[str, str, object, int]:
    crossings = load_dataset().layers["crossings"]
    # A single-source count can move alone (a conflicting one must span its estimates).
    row = crossings[crossings["count_high"].notna() & (crossings["count_confidence"] == "single-source")].iloc[0]
    return str(row["id"]), str(row["name_en"]), row["count_low"], int(row["count_high"])


def revise(deployment: Deployment, fid: str, *assignments: str, reason: str) -> int:
    """`python -m geo db revise` against the deployment's PostGIS, as a researcher runs it."""
    command = [sys.executable, "-m", "geo", "db", "revise", fid, "--url", deployment.database_url]
    for assignment in assignments:
        command += ["--set", assignment]
    command += ["--source", "S5", "--reason", reason, "--author", "Deployment test"]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    return int(done.stdout.split()[1].rstrip(":"))


def browser_on(browser: Browser, deployment: Deployment, cookie: str | None = None) -> BrowserContext:
    """A browser (its own cookies) that trusts the self-signed certificate; with `cookie`, on that replica."""
    context = browser.new_context(viewport={"width": 1440, "height": 900}, ignore_https_errors=True)
    context.set_default_timeout(60_000)
    if cookie:
        context.add_cookies([{"name": "crossings_replica", "value": cookie, "url": deployment.url}])
    return context


@pytest.fixture
def contexts(browser: Browser) -> Iterator[list[BrowserContext]]:
    opened: list[BrowserContext] = []
    yield opened
    for context in opened:
        close_context(context)


# -- the configuration, without a deployment --------------------------------------------------------


def test_nginx_t_passes_on_the_shipped_configuration(nginx_binary: str, certificate, tmp_path: Path):
    cert, key = certificate
    printed = subprocess.run(
        ["bash", str(ROOT / "deploy" / "run"), "--print-nginx-site", "--replicas", "3", "--cert", str(cert),
         "--key", str(key), "--server-name", "crossings.example.org", "--port", "8443"],
        cwd=ROOT, env={**os.environ, "CROSSINGS_PYTHON": sys.executable}, capture_output=True, text=True,
        timeout=60, check=True,
    ).stdout  # fmt: skip
    assert printed.count("server 127.0.0.1:85") == 3 and "@" + "UPSTREAM" not in printed
    assert f'add_header Content-Security-Policy "{documented_csp()}" always;' in printed  # SECURITY.md's policy
    (tmp_path / "temp").mkdir()
    (tmp_path / "crossings.conf").write_text(printed)
    (tmp_path / "nginx.conf").write_text(deployment_module().render_main(tmp_path))
    tmp_path.chmod(0o755)
    checked = subprocess.run(
        [nginx_binary, "-t", "-p", f"{tmp_path}/", "-c", str(tmp_path / "nginx.conf"), "-e", str(tmp_path / "e.log")],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert checked.returncode == 0, checked.stderr
    assert "syntax is ok" in checked.stderr and "test is successful" in checked.stderr


def test_the_deployment_refuses_to_start_when_postgis_is_unreachable(certificate, nginx_binary: str, tmp_path: Path):
    cert, key = certificate
    closed, first = free_port(), free_port()
    url = f"postgresql://crossings:secret-password@127.0.0.1:{closed}/crossings"
    done = subprocess.run(
        ["bash", str(ROOT / "deploy" / "run"), "--replicas", "2", "--database-url", url, "--cert", str(cert),
         "--key", str(key), "--port", str(free_port()), "--http-port", str(free_port()), "--first-port", str(first),
         "--run-dir", str(tmp_path)],
        cwd=ROOT, env={**os.environ, "CROSSINGS_PYTHON": sys.executable}, capture_output=True, text=True,
        timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 2
    assert f"127.0.0.1:{closed}/crossings is unreachable" in done.stderr and "Nothing was started" in done.stderr
    assert "secret-password" not in done.stdout + done.stderr  # the password is never printed
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "deployment.json").exists() and not (tmp_path / "nginx.conf").exists()


# -- one deployment: two replicas, nginx, PostGIS ---------------------------------------------------


def test_nginx_serves_tls_security_headers_compression_and_affinity_and_hides_metrics(deployment: Deployment):
    status, headers, _ = fetch(f"{deployment.url}/")
    assert status == 200
    assert headers["content-security-policy"] == documented_csp()
    assert headers["strict-transport-security"].startswith("max-age=")
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "no-referrer"
    assert headers["x-frame-options"] == "SAMEORIGIN"
    assert "nginx/" not in headers.get("server", "")  # server_tokens off
    cookie = headers["set-cookie"]
    assert cookie.startswith("crossings_replica=") and "Secure" in cookie and "HttpOnly" in cookie
    status, headers, _ = fetch(f"{deployment.url}/", {"Cookie": "crossings_replica=x"})
    assert "set-cookie" not in headers or not headers["set-cookie"].startswith("crossings_replica=")

    status, headers, body = fetch(f"{deployment.url}/app/static/crossings/basemap.json", {"Accept-Encoding": "gzip"})
    assert status == 200 and headers.get("content-encoding") == "gzip"
    assert gzip.decompress(body).lstrip().startswith(b"{")

    for path in ("/_stcore/metrics", "//_stcore//metrics", "/_stcore/%6detrics", "/_stcore/metrics?x=1"):
        assert fetch(f"{deployment.url}{path}")[0] == 404, path
    assert fetch(f"{deployment.url}/_stcore/health")[0] == 200

    status, headers, _ = fetch(f"{deployment.http_url}/data?x=1")
    assert status == 301 and headers["location"].startswith("https://") and headers["location"].endswith("/data?x=1")
    # Both replicas are in use: different browsers land on different replicas, each always on its own.
    ports = {deployment.upstream_of(f"spread-{n}") for n in range(12)}
    assert ports == set(deployment.replicas)
    assert {deployment.upstream_of("spread-0") for _ in range(5)} == {deployment.upstream_of("spread-0")}


def test_through_nginx_the_map_draws_an_upload_works_and_the_presenter_steps(
    browser: Browser, deployment: Deployment, contexts, tmp_path: Path
):
    contexts.append(context := browser_on(browser, deployment))
    page = context.new_page()
    page.goto(f"{deployment.url}/")
    wait_for_map(page)
    screenshot(page, "deploy-map-through-nginx")

    # The upload is an HTTP PUT beside the websocket: it must reach the session's own replica.
    upload = tmp_path / "points.csv"
    upload.write_text(
        "id,name,lat,lon,date,kind,location_precision,confidence,source\n"
        "u-1,A point of my own,41.9,126.4,2023-10-09,arrest,city,single-source,my notes\n",
        encoding="utf-8",
    )
    page.get_by_role("link", name="Import").click()
    page.locator('input[type="file"]').set_input_files(str(upload))
    expect(page.get_by_text("Validation report")).to_be_visible()
    expect(page.get_by_text("All 1 rows passed validation.")).to_be_visible()
    page.get_by_role("button", name="Show the accepted rows on the map").click()
    expect(page.get_by_text("On the map now: 1 features")).to_be_visible()
    screenshot(page, "deploy-import-through-nginx")

    page.goto(f"{deployment.url}/presenter")
    frame = page.frame_locator(MAP_FRAME)
    first = frame.locator("html[data-cx-scene]")
    first.wait_for(state="attached")
    scene = first.get_attribute("data-cx-scene")
    page.keyboard.press("PageDown")
    frame.locator(f"html[data-cx-scene]:not([data-cx-scene='{scene}'])").wait_for(state="attached")
    following = frame.locator("html[data-cx-scene]").get_attribute("data-cx-scene")
    assert following != scene
    page.wait_for_url(f"**scene={following}**")


def test_a_revision_written_through_one_replica_shows_on_the_other_within_5_seconds(
    browser: Browser, deployment: Deployment, contexts
):
    fid, _, low, high = a_counted_crossing()
    port_a, port_b = sorted(deployment.replicas)
    store = open_store(deployment.database_url)
    before = store.revision()
    store.close()
    pages = {}
    for port in (port_a, port_b):
        contexts.append(context := browser_on(browser, deployment, deployment.cookie_for(port)))
        pages[port] = context.new_page()
        pages[port].goto(f"{deployment.url}/?feature={fid}")
    for page in pages.values():
        expect(page.get_by_text(f"(revision {before if before > 1 else 1})", exact=False).first).to_be_visible()

    # Written to the shared PostGIS (as a researcher on replica A's machine would), read by both.
    number = revise(deployment, fid, f"count_high={high + 30}", reason="a report read on replica A")
    written = time.monotonic()
    for port, page in pages.items():
        expect(page.get_by_text(f"(revision {number})", exact=False).first).to_be_visible(timeout=5_000)
        expect(page.get_by_text(format_count(low, high + 30), exact=False).first).to_be_visible(timeout=1_000)
        print(f"revision {number} shown on replica {port} after {time.monotonic() - written:.1f} s")


def test_a_killed_replica_loses_nothing_and_its_sessions_come_back_from_the_url(
    browser: Browser, deployment: Deployment, contexts
):
    fid, name, low, high = a_counted_crossing()
    port_a = sorted(deployment.replicas)[0]
    contexts.append(context := browser_on(browser, deployment, deployment.cookie_for(port_a)))
    on_a = context.new_page()
    view = {"crossing": name, "dates": ["2023-10-09", "2023-10-09"], "feature": fid}
    on_a.goto(f"{deployment.url}/?{urlencode(view, doseq=True)}")
    wait_for_map(on_a)
    sentence = f"9 Oct 2023, crossing {name}"
    expect(on_a.get_by_text(sentence, exact=False)).to_be_visible()
    expect(on_a.get_by_text("(revision", exact=False).first).to_be_visible()
    written = revise(deployment, fid, f"count_high={high + 40}", reason="written just before replica A dies")
    expect(on_a.get_by_text(f"(revision {written})", exact=False).first).to_be_visible(timeout=15_000)

    url_before = on_a.url  # the app's own spelling of the view (it writes one date for a one-day range)
    os.kill(deployment.replicas[port_a], signal.SIGKILL)

    # A new browser works at once: nginx skips the dead replica.
    contexts.append(fresh := browser_on(browser, deployment))
    new_page = fresh.new_page()
    new_page.goto(f"{deployment.url}/?feature={fid}")
    wait_for_map(new_page)
    expect(new_page.get_by_text(f"(revision {written})", exact=False).first).to_be_visible()

    # The session that was on A reconnects (same cookie, another replica): its view comes back from the
    # URL — the crossing filter and the selected claim — with everything written before the kill.
    after = revise(deployment, fid, "notes=written after replica A died", reason="after the kill")
    expect(on_a.get_by_text(f"(revision {after})", exact=False).first).to_be_visible(timeout=60_000)
    assert on_a.url == url_before
    assert parse_qs(urlsplit(on_a.url).query)["crossing"] == [fid]  # the URL names crossings by id
    expect(on_a.get_by_text(sentence, exact=False)).to_be_visible()
    expect(on_a.get_by_text(format_count(low, high + 40), exact=False).first).to_be_visible()
    wait_for_map(on_a)
    screenshot(on_a, "deploy-session-after-replica-killed")
    store = open_store(deployment.database_url)
    try:
        reasons = [entry.reason for entry in store.history(fid)]
    finally:
        store.close()
    assert "written just before replica A dies" in reasons and "after the kill" in reasons


def test_viewers_are_told_when_the_database_goes_away_and_the_page_recovers(
    browser: Browser, deployment: Deployment, cluster: Cluster, contexts
):
    fid, _, _, _ = a_counted_crossing()
    contexts.append(context := browser_on(browser, deployment))
    page: Page = context.new_page()
    page.goto(f"{deployment.url}/?feature={fid}")
    wait_for_map(page)
    cluster.stop()
    try:
        expect(page.get_by_text(STORE_DOWN, exact=False)).to_be_visible(timeout=30_000)
        screenshot(page, "deploy-database-down")
        text = page.locator("body").inner_text()
        assert "Traceback" not in text and "OperationalError" not in text and "psycopg" not in text
        # A new visitor meanwhile still gets the last revision this replica read, with the same notice.
        contexts.append(other := browser_on(browser, deployment))
        second = other.new_page()
        second.goto(f"{deployment.url}/")
        wait_for_map(second)
        expect(second.get_by_text(STORE_DOWN, exact=False)).to_be_visible()
    finally:
        cluster.start()
    expect(page.get_by_text(STORE_DOWN, exact=False)).to_have_count(0, timeout=30_000)
    number = revise(deployment, fid, "notes=after the database came back", reason="recovered")
    expect(page.get_by_text(f"(revision {number})", exact=False).first).to_be_visible(timeout=30_000)
