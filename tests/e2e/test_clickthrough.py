"""A real browser clicks Data -> Train -> Forecast -> Accuracy -> Explain -> Promotions and sees a chart on each."""
import pytest

from server import browser_page, streamlit_server

pytestmark = pytest.mark.e2e


def test_click_through_every_page(trained_workspace):
    with streamlit_server(trained_workspace) as url, browser_page() as page:
        page.goto(url)
        page.get_by_role("heading", name="Data", exact=True).wait_for()
        page.get_by_role("tab", name="Overview & history check").click()
        for name in ("Data", "Train", "Forecast", "Accuracy", "Explain", "Promotions"):
            if name != "Data":
                page.get_by_test_id("stSidebarNav").get_by_text(name, exact=True).click()
                page.get_by_role("heading", name=name, exact=True).wait_for()
            chart = page.locator("[data-testid='stPlotlyChart'] .main-svg").first
            chart.wait_for(state="visible", timeout=90_000)
            assert page.locator("[data-testid='stException']").count() == 0, f"exception on {name}"
            page.screenshot(path=str(trained_workspace / f"page_{name.lower()}.png"), full_page=True)
            if name == "Explain":
                assert page.get_by_text("same week last year").first.is_visible()
        page.get_by_text("Planned promotions, best incremental margin first").wait_for()
        page.get_by_text("Post-promotion dip").first.wait_for(state="visible", timeout=90_000)  # the waterfall's axis
