"""A bookmarked page URL opened first on a freshly started server shows that page and the app's navigation (not
Streamlit's raw file list, which it showed while the screens lived in a folder named `pages/`)."""
import pytest

from server import browser_page, streamlit_server

pytestmark = pytest.mark.e2e

PAGES = {"data": "Data", "train": "Train", "forecast": "Forecast", "accuracy": "Accuracy", "explain": "Explain",
         "scenarios": "What-if scenarios", "promotions": "Promotions"}


@pytest.mark.parametrize("path", list(PAGES))
def test_page_url_first_on_a_fresh_server(trained_workspace, path):
    with streamlit_server(trained_workspace) as url, browser_page() as page:
        page.goto(f"{url}/{path}")
        page.get_by_role("heading", name=PAGES[path]).first.wait_for(timeout=120_000)
        nav = page.get_by_test_id("stSidebarNav")
        nav.get_by_text("What-if", exact=True).wait_for()
        labels = nav.inner_text()
        for title in ("Data", "Train", "Forecast", "Accuracy", "Explain", "What-if", "Promotions"):
            assert title in labels, labels
        assert "scenarios" not in labels and "app" not in labels.split(), labels  # no file names
        assert page.locator("[data-testid='stException']").count() == 0
