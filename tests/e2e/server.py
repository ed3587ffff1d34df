"""Start `streamlit run app.py` on a free port for browser tests; fail with its output if it dies."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def streamlit_server(workspace: Path, port: int | None = None, env: dict | None = None, args: tuple = (),
                     host: str = "127.0.0.1"):
    port = port or free_port()
    log = open(workspace / "streamlit.log", "w+")
    env = dict(os.environ, PROMOCAST_WORKSPACE=str(workspace), PROMOCAST_DB=str(workspace / "promocast.duckdb"),
               **(env or {}))
    proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
                             "--server.address", "127.0.0.1", "--server.headless", "true", *args],
                            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://{host}:{port}"
    try:
        deadline = time.time() + 90
        while True:
            if proc.poll() is not None:
                log.seek(0)
                raise RuntimeError(f"streamlit exited with {proc.returncode}:\n{log.read()}")
            try:
                if urllib.request.urlopen(url + "/_stcore/health", timeout=2).status == 200:
                    break
            except OSError:
                pass
            if time.time() > deadline:
                log.seek(0)
                raise RuntimeError(f"streamlit did not start in 90s:\n{log.read()}")
            time.sleep(0.5)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@contextmanager
def browser_page():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        raise RuntimeError(f"{CHROMIUM} is missing: apt-get install -y chromium (./promocast test does it)")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 2400})
        page.set_default_timeout(60_000)
        try:
            yield page
        finally:
            browser.close()


def settled(page, timeout_ms: int = 120_000) -> None:
    """Wait until the app's script run is over (Streamlit's "Running..." widget gone): a click during a rerun can land
    on an element the rerun then replaces."""
    page.wait_for_function("!document.querySelector('[data-testid=stStatusWidget]')", timeout=timeout_ms)


def outside(requests: list[str], *own: str) -> list[str]:
    """The requests to any host but the ``own`` ones (host:port: the app's, the login provider's); data: and blob:
    URLs are the page's own. A client install may sit on a network with no internet: nothing else may be asked."""
    return [u for u in requests if urlsplit(u).scheme in ("http", "https", "ws", "wss") and urlsplit(u).netloc not in own]
