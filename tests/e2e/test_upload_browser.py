"""A real browser uploads files through the Data page and sees the validation result."""
import pytest

from conftest import SAMPLE
from server import browser_page, streamlit_server

pytestmark = pytest.mark.e2e


def test_upload_bad_then_good_file(workspace, tmp_path):
    bad = tmp_path / "bad_sales.csv"
    bad.write_text("week,sku,units\n2024-01-01,A,-3\n2024-01-08,A,abc\n")
    with streamlit_server(workspace) as url, browser_page() as page:
        page.goto(url)
        page.get_by_role("heading", name="Data", exact=True).wait_for()
        page.locator("input[type=file]").first.set_input_files(str(bad))
        page.get_by_role("button", name="Validate and import").click()
        page.get_by_text("Nothing was imported: 2 problem(s) found").wait_for()
        page.screenshot(path=str(workspace / "upload_bad.png"), full_page=True)
        page.locator("input[type=file]").first.set_input_files(str(SAMPLE / "sales.csv"))
        page.get_by_role("button", name="Validate and import").click()
        page.get_by_text("already stored as").or_(page.get_by_text("Imported")).first.wait_for()
