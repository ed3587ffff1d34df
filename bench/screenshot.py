"""The README's picture of the Forecast page: `python -m bench.screenshot [--workspace DIR] [--out PNG]`.

Imports the bundled sample into DIR (default bench/out/screenshot), trains the TFT, the LSTM and seasonal naive
with the `fast` preset through the command line (the recommended forecast follows), starts the app on a free port
and has headless Chromium (Debian's, as the browser tests) photograph the Forecast page."""
from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"


def _cli(env: dict, *args: str) -> None:
    subprocess.run([sys.executable, "-m", "dashboard", *args], cwd=ROOT, env=env, check=True)


def prepare(ws: Path, env: dict) -> None:
    if (ws / "promocast.duckdb").exists():
        return
    s = ROOT / "sample_data"
    _cli(env, "ingest", str(s / "sales.csv"), "--promotions", str(s / "promotions.csv"), "--weather",
         str(s / "weather.csv"), "--name", "sample (synthetic grocer)")
    for model in ("tft", "lstm", "seasonal-naive"):
        _cli(env, "train", "--model", model, "--preset", "fast")


def photograph(ws: Path, env: dict, out: Path, level: str) -> None:
    from playwright.sync_api import sync_playwright

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
                             "--server.address", "127.0.0.1", "--server.headless", "true"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(180):
            try:
                if urllib.request.urlopen(url + "/_stcore/health", timeout=2).status == 200:
                    break
            except OSError:
                time.sleep(0.5)
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox", "--disable-gpu"])
            page = browser.new_page(viewport={"width": 1400, "height": 1050})
            page.set_default_timeout(120_000)
            page.goto(f"{url}/forecast")
            page.get_by_role("heading", name="Forecast").wait_for()
            if level != "series":
                page.get_by_test_id("stMain").get_by_test_id("stSelectbox").filter(has_text="Show").click()
                page.get_by_role("option").filter(has_text=level).first.click()
            page.locator("[data-testid='stPlotlyChart'] .main-svg").first.wait_for(state="visible")
            page.wait_for_timeout(2500)
            out.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(out))
            browser.close()
    finally:
        proc.terminate()
        proc.wait(10)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--workspace", default=str(ROOT / "bench" / "out" / "screenshot"))
    p.add_argument("--out", default=str(ROOT / "docs" / "forecast-page.png"))
    p.add_argument("--level", default="category", choices=["series", "category", "region", "total"])
    args = p.parse_args()
    ws = Path(args.workspace).resolve()
    ws.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, PROMOCAST_WORKSPACE=str(ws), PROMOCAST_DB=str(ws / "promocast.duckdb"))
    prepare(ws, env)
    photograph(ws, env, Path(args.out), args.level)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
