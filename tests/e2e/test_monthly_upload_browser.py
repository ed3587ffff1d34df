"""A distributor's monthly file through the Data page in a real browser, as a planner maps it: the form says the
dates are monthly and offers months only, the market total is chosen as a past-only input and a 0/1 column as an
event flag, and the import stores a monthly dataset with both."""
import pandas as pd
import pytest

from server import browser_page, streamlit_server

pytestmark = pytest.mark.e2e


def _pick(page, label: str, option: str) -> None:
    page.get_by_test_id("stMultiSelect").filter(has_text=label).click()
    page.get_by_role("option", name=option, exact=True).click()
    page.keyboard.press("Escape")


def test_a_monthly_file_with_a_market_total_and_an_event_flag(workspace, tmp_path):
    from sample_data import monthly

    sales = monthly.generate()["sales"]
    sales["fiesta"] = (pd.to_datetime(sales["month"]).dt.month == 9).astype(int)  # a September festival, flagged
    path = tmp_path / "distributor.csv"
    sales.to_csv(path, index=False)
    with streamlit_server(workspace) as url, browser_page() as page:
        page.goto(url)
        page.get_by_role("heading", name="Data", exact=True).wait_for()
        page.locator("input[type=file]").first.set_input_files(str(path))
        page.get_by_text("Dates: monthly (month start). Forecast by").wait_for(timeout=60_000)
        assert page.get_by_test_id("stRadio").filter(has_text="Forecast by").get_by_text("week").count() == 0
        _pick(page, "Past-only inputs", "market_volume")
        _pick(page, "Event flags", "fiesta")
        page.get_by_role("button", name="Validate and import").click()
        page.get_by_text("Imported").first.wait_for(timeout=120_000)
        page.get_by_text("past-only input(s) (market_volume)").first.wait_for()
        assert page.locator("[data-testid='stException']").count() == 0
        page.screenshot(path=str(tmp_path / "monthly_upload.png"), full_page=True)

    from dashboard.store import Store

    store = Store()
    info = store.dataset()
    assert info.extras["freq"] == "month" and info.extras["inputs"]["past_columns"] == ["market_volume"]
    assert set(store.past_inputs(info.id)["name"]) == {"market_volume"}
    assert set(store.custom_events(info.id)["name"]) == {"fiesta"}
    store.close()
