"""Nothing leaves the server: a client install may sit on a network with no internet, and a request to a third
party tells an outside host who uses the tool. Every page is opened in a real browser and every request it makes
(documents, scripts, fonts, images, the favicon) must go to the app's own host."""
from urllib.parse import urlsplit

import pytest

from server import browser_page, outside, streamlit_server

pytestmark = pytest.mark.e2e

PAGES = {"data": "Data", "train": "Train", "forecast": "Forecast", "accuracy": "Accuracy", "explain": "Explain",
         "scenarios": "What-if scenarios", "promotions": "Promotions", "plan": "Plan"}


def test_outside_is_every_host_but_the_apps():
    own = "127.0.0.1:8501"
    asked = [f"http://{own}/media/icon.png", "data:image/png;base64,xx", f"ws://{own}/_stcore/stream",
             "https://fonts.gstatic.com/s/i/x.svg", "http://127.0.0.1:9999/x", "http://localhost:7000/auth"]
    assert outside(asked, own) == ["https://fonts.gstatic.com/s/i/x.svg", "http://127.0.0.1:9999/x", "http://localhost:7000/auth"]
    assert outside(asked, own, "localhost:7000") == ["https://fonts.gstatic.com/s/i/x.svg", "http://127.0.0.1:9999/x"]


def test_every_page_asks_only_the_app(trained_workspace):
    with streamlit_server(trained_workspace) as url, browser_page() as page:
        own = urlsplit(url).netloc
        seen: list[str] = []
        page.on("request", lambda r: seen.append(r.url))
        page.on("websocket", lambda ws: seen.append(ws.url))
        for path, title in PAGES.items():
            page.goto(f"{url}/{path}")
            page.get_by_role("heading", name=title).first.wait_for(timeout=120_000)
            page.wait_for_timeout(1500)  # late requests: charts, icons, fonts
            icons = page.eval_on_selector_all("link[rel~='icon']", "els => els.map(e => e.href)")
            assert icons, f"/{path}: no favicon link"
            seen.extend(icons)  # the favicon's URL, whether or not headless Chromium fetched it
            assert page.locator("[data-testid='stException']").count() == 0, path
        assert len(seen) > 20, seen  # the listener saw the pages load
        assert not outside(seen, own), f"requests to other hosts: {sorted(set(outside(seen, own)))}"
