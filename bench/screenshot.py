"""The README's picture of the Forecast page: `python -m bench.screenshot [--workspace DIR] [--out PNG]`.

Imports the bundled sample into DIR (default bench/out/screenshot), trains the TFT, the LightGBM, the LSTM and seasonal naive
with the `fast` preset through the command line (the recommended forecast follows), starts the app on a free port
and has headless Chromium photograph the Forecast page (the browser tests' server and browser)."""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "e2e"))
from server import browser_page, streamlit_server  # noqa: E402 (the browser tests' server and browser, as bench.meeting)


def _cli(env: dict, *args: str) -> None:
    subprocess.run([sys.executable, "-m", "dashboard", *args], cwd=ROOT, env=env, check=True)


def prepare(ws: Path, env: dict) -> None:
    if (ws / "promocast.duckdb").exists():
        return
    s = ROOT / "sample_data"
    _cli(env, "ingest", str(s / "sales.csv"), "--promotions", str(s / "promotions.csv"), "--weather",
         str(s / "weather.csv"), "--name", "sample (synthetic grocer)")
    for model in ("tft", "lightgbm", "lstm", "seasonal-naive"):
        _cli(env, "train", "--model", model, "--preset", "fast")


def photograph(ws: Path, out: Path, level: str) -> None:
    with streamlit_server(ws) as url, browser_page() as page:
        page.set_viewport_size({"width": 1400, "height": 1050})
        page.goto(f"{url}/forecast")
        page.get_by_role("heading", name="Forecast", exact=True).wait_for(timeout=120_000)
        if level != "series":
            page.get_by_test_id("stMain").get_by_test_id("stSelectbox").filter(has_text="Show").click()
            page.get_by_role("option").filter(has_text=level).first.click()
        page.locator("[data-testid='stPlotlyChart'] .main-svg").first.wait_for(state="visible", timeout=120_000)
        page.wait_for_timeout(2500)
        out.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(out))


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
    photograph(ws, Path(args.out).resolve(), args.level)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
