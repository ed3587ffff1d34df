"""A real browser uploads files through the Data page and sees the validation result."""
import re

import pytest
from playwright.sync_api import expect

from conftest import SAMPLE
from server import browser_page, streamlit_server

pytestmark = pytest.mark.e2e


def _upload(page, path) -> None:
    """``path`` as the sales file, in place of the one the uploader holds (it holds one: take it off first)."""
    chips = page.get_by_test_id("stFileChipDeleteBtn")
    if chips.count():
        chips.first.click()
        expect(chips).to_have_count(0)
        expect(page.get_by_role("button", name="Validate and import")).to_have_count(0)  # the page has rerun without it
    page.locator("input[type=file]").first.set_input_files(str(path))
    expect(page.get_by_label("Dataset name")).to_have_value(path.stem)


def test_upload_bad_then_good_file(workspace, tmp_path):
    bad = tmp_path / "bad_sales.csv"
    bad.write_text("week,sku,units\n2024-01-01,A,-3\n2024-01-08,A,abc\n")
    with streamlit_server(workspace) as url, browser_page() as page:
        page.goto(url)
        page.get_by_role("heading", name="Data", exact=True).wait_for()
        _upload(page, bad)
        page.get_by_role("button", name="Validate and import").click()
        page.get_by_text("Nothing was imported: 2 problem(s) found").wait_for()
        page.screenshot(path=str(workspace / "upload_bad.png"), full_page=True)
        _upload(page, SAMPLE / "sales.csv")
        page.get_by_role("button", name="Validate and import").click()
        page.get_by_text(re.compile(r"already stored as ds-|^Imported [\d,]+ rows as dataset")).first.wait_for(timeout=60_000)
        # a new file becomes the dataset the sidebar shows (the picker used to keep the one picked before)
        part = tmp_path / "north_sales.csv"
        part.write_text("".join(line for i, line in enumerate(open(SAMPLE / "sales.csv")) if i == 0 or ',"North",' in line))
        _upload(page, part)
        page.get_by_role("button", name="Validate and import").click()
        page.get_by_text(re.compile(r"^Imported [\d,]+ rows as dataset ds-")).wait_for(timeout=60_000)
        expect(page.get_by_test_id("stSidebar").get_by_role("combobox", name="Dataset")).to_have_value(
            re.compile(r"^north_sales \(ds-"))
