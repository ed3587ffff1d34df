"""The quarterly cycle in a real browser, with the command line beside it: refresh (an upload in the browser) ->
override -> publish -> the next refresh (from the command line, the browser session open) -> forecast value added."""
import subprocess
import sys

import pandas as pd
import pytest

from server import ROOT, browser_page, settled, streamlit_server

pytestmark = pytest.mark.e2e
SAMPLE = ROOT / "sample_data"


def cli(ws, *args):
    env = {"PROMOCAST_WORKSPACE": str(ws), "PROMOCAST_DB": str(ws / "promocast.duckdb"), "PATH": "/usr/bin:/bin"}
    r = subprocess.run([sys.executable, "-m", "dashboard", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr[-2000:]
    return r


def pick_first_week(page) -> None:
    """Open the override form and choose its first week. The page may still be rerunning when it shows its heading,
    and a rerun can close the dropdown or the expander under the click: settle, then try again if no option shows."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    weeks = page.get_by_test_id("stMultiSelect").filter(has_text="Weeks")
    for _ in range(4):
        settled(page)
        if not weeks.is_visible():
            page.get_by_text("(planner override)").first.click()
            weeks.wait_for(timeout=30_000)
        weeks.click()
        try:
            page.get_by_role("option").first.click(timeout=15_000)
            page.keyboard.press("Escape")
            return
        except PlaywrightTimeout:
            page.keyboard.press("Escape")
    raise AssertionError("the override form's Weeks list never offered a week")


def test_refresh_override_publish_refresh_fva(tmp_path):
    ws = tmp_path / "ws"
    ws.mkdir()
    sales = pd.read_csv(SAMPLE / "sales.csv", parse_dates=["week"])
    weeks = sorted(sales["week"].unique())
    for name, lo, hi in (("q0.csv", 0, 129), ("q1.csv", 126, 142), ("q2.csv", 140, 155)):
        sales[(sales["week"] >= weeks[lo]) & (sales["week"] <= weeks[hi])].to_csv(tmp_path / name, index=False)
    cli(ws, "ingest", str(tmp_path / "q0.csv"), "--promotions", str(SAMPLE / "promotions.csv"), "--name", "grocer")
    with streamlit_server(ws) as url, browser_page() as page:
        page.goto(url)  # refresh 1 through the browser: the upload stored as the next version
        page.get_by_role("heading", name="Data", exact=True).wait_for()
        page.locator("input[type=file]").first.set_input_files(str(tmp_path / "q1.csv"))
        page.get_by_test_id("stSelectbox").filter(has_text="Store as").click()
        page.get_by_role("option", name="the next version of grocer").click()
        page.get_by_role("button", name="Validate and import").click()
        page.get_by_text("version 2 of").first.wait_for(timeout=120_000)
        cli(ws, "train", "--model", "seasonal-naive")  # the newest dataset: version 2
        page.goto(f"{url}/forecast")
        page.get_by_role("heading", name="Forecast", exact=True).wait_for()
        pick_first_week(page)
        amount = page.get_by_label("Units", exact=True)
        amount.fill("123")
        amount.press("Enter")
        page.get_by_role("button", name="Save override").click()
        page.get_by_role("button", name="Undo override").wait_for()  # the override is listed, with its undo
        page.get_by_test_id("stSidebarNav").get_by_text("Plan", exact=True).click()
        page.get_by_role("heading", name="Plan", exact=True).wait_for()
        page.get_by_role("button", name="Publish the").click()
        page.get_by_text("plan.", exact=False).filter(has_text="Published the").wait_for()
        cli(ws, "refresh", str(tmp_path / "q2.csv"), "--dataset", "grocer")  # the next quarter's actuals, app still open
        page.get_by_test_id("stSidebarNav").get_by_text("Accuracy", exact=True).click()
        page.get_by_text("Forecast value added: the").wait_for(timeout=120_000)
        steps = page.get_by_test_id("stDataFrame").first
        assert steps.is_visible()
        assert page.locator("[data-testid='stException']").count() == 0
        page.screenshot(path=str(tmp_path / "fva.png"), full_page=True)
