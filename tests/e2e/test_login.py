"""Login end to end: Streamlit's st.login against a real OpenID provider (oidc-provider on Node, started here),
two client workspaces, an access file. A planner of client A logs in and finds nothing of client B on any page,
through widgets, query parameters or guessed ids; logging out ends the session; a user with no grant sees nothing."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pytest
from server import ROOT, browser_page, free_port, outside, streamlit_server

OIDC_DIR = ROOT / "tests" / "e2e" / "oidc"
PAGES = ["", "train", "forecast", "accuracy", "explain", "scenarios"]
USERS = {"ana": {"email": "ana@client-a.example"}, "bo": {"email": "bo@agency.example", "groups": ["agency-admins"]},
         "eve": {"email": "eve@elsewhere.example"}}
ACCESS = """
[[grant]]
email = "ana@client-a.example"
workspaces = ["client-a"]
role = "planner"

[[grant]]
group = "agency-admins"
workspaces = ["client-b"]
role = "admin"
"""


@contextmanager
def oidc_provider(port: int, redirect: str, log_path: Path):
    if not shutil.which("node") or not shutil.which("npm"):
        raise RuntimeError("node and npm are needed for the login test (Debian: apt-get install nodejs npm)")
    if not (OIDC_DIR / "node_modules" / "oidc-provider").exists():
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=OIDC_DIR, check=True, capture_output=True, timeout=300)
    env = dict(os.environ, OIDC_PORT=str(port), OIDC_REDIRECT=redirect, OIDC_USERS=json.dumps(USERS))
    log = open(log_path, "w+")
    proc = subprocess.Popen(["node", "provider.mjs"], cwd=OIDC_DIR, env=env, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)
    try:
        deadline = time.time() + 30
        while True:
            try:
                urllib.request.urlopen(f"http://localhost:{port}/.well-known/openid-configuration", timeout=2)
                break
            except OSError:
                if proc.poll() is not None or time.time() > deadline:
                    log.seek(0)
                    raise RuntimeError(f"the OpenID provider did not start:\n{log.read()}")
                time.sleep(0.3)
        yield f"http://localhost:{port}"
    finally:
        proc.terminate()
        proc.wait(10)
        log.close()


@pytest.fixture
def two_clients(tmp_path, trained_workspace, monkeypatch):
    """Workspace root with client-a (the sample, no runs) and client-b (trained runs, a scenario, marked names)."""
    import pandas as pd

    from dashboard.store import workspaces
    from dashboard.data.ingest import prepare
    from dashboard.planning.scenarios import EDIT_COLUMNS
    from dashboard.store import Store
    from conftest import SAMPLE  # not tests.conftest: mlforecast installs a package named "tests"

    root = tmp_path / "root"
    root.mkdir()
    monkeypatch.setenv("PROMOCAST_ROOT", str(root))
    monkeypatch.setenv("PROMOCAST_WORKSPACE", str(root))
    monkeypatch.setenv("PROMOCAST_DB", str(root / "promocast.duckdb"))
    a, b = workspaces.create("client-a"), workspaces.create("client-b")
    store = Store(str(a / "promocast.duckdb"), workspace=a)
    store.save_dataset(prepare(SAMPLE / "sales.csv", SAMPLE / "promotions.csv", name="alpha grocer"))
    store.close()
    shutil.copy(trained_workspace / "promocast.duckdb", b / "promocast.duckdb")
    with duckdb.connect(str(b / "promocast.duckdb")) as con:
        con.execute("UPDATE datasets SET name = ?", ["bravo secret sales"])
        run_ids = [r[0] for r in con.execute("SELECT id FROM runs").fetchall()]
        dataset_id = con.execute("SELECT id FROM datasets").fetchone()[0]
    store = Store(str(b / "promocast.duckdb"), workspace=b)
    store.save_scenario(dataset_id, "bravo-secret-plan", pd.DataFrame(columns=EDIT_COLUMNS), author="bo")
    store.close()
    (root / "access.toml").write_text(ACCESS)
    return root, run_ids, dataset_id


def marks_of_b(text: str, run_ids: list[str]) -> list[str]:
    found = [m for m in ("bravo", "client-b") if m in text]
    return found + [r for r in run_ids if r in text]


def log_in(page, url: str, login: str):
    page.goto(url + "/")
    page.get_by_role("button", name="Log in").click()
    try:
        page.wait_for_selector("input[name=login]", timeout=30_000)
    except Exception as e:
        raise AssertionError(f"no login form at {page.url}:\n{page.content()[:3000]}") from e
    page.fill("input[name=login]", login)
    page.fill("input[name=password]", "any")
    page.click("button[type=submit]")
    page.wait_for_load_state()
    if page.get_by_role("button", name="Continue").count():  # the provider's consent screen, first time only
        page.get_by_role("button", name="Continue").click()
    page.wait_for_url(url + "/**")


def log_out(page, url: str):
    """Click "Log out": Streamlit drops its cookie, then sends the browser to the provider's end-session page
    (RP-initiated logout), which asks to confirm; back in the app, the login page."""
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url("**/session/end**", timeout=60_000)
    page.get_by_role("button", name="Yes, sign me out").click()
    page.wait_for_load_state()
    page.goto(url + "/")
    page.get_by_role("button", name="Log in").wait_for(timeout=60_000)


def body(page, expect: str | None = None) -> str:
    """The page's text once the script has finished (and ``expect`` is shown, when given)."""
    page.wait_for_timeout(500)
    if expect:
        page.get_by_text(expect).first.wait_for(timeout=60_000)
    page.wait_for_function("!document.querySelector('[data-testid=stStatusWidget]')", timeout=60_000)
    page.wait_for_timeout(1500)
    values = page.evaluate("Array.from(document.querySelectorAll('input, textarea')).map(i => i.value).join('\\n')")
    return "\n".join([page.inner_text("body"), values, page.content()])  # text, widget values, the DOM


def test_login_keeps_clients_apart(two_clients, tmp_path):
    root, run_ids, _ = two_clients
    port = free_port()
    url = f"http://localhost:{port}"
    with oidc_provider(free_port(), url + "/oauth2callback", tmp_path / "oidc.log") as issuer:
        secrets = tmp_path / "secrets.toml"
        secrets.write_text(f'[auth]\nredirect_uri = "{url}/oauth2callback"\ncookie_secret = "test-cookie-secret-0123456789"\n'
                           f'client_id = "promocast"\nclient_secret = "promocast-test-secret"\n'
                           f'server_metadata_url = "{issuer}/.well-known/openid-configuration"\n'
                           # Streamlit asks for prompt=select_account by default, which oidc-provider refuses
                           'client_kwargs = { prompt = "login" }\n')
        env = {"PROMOCAST_ROOT": str(root), "PROMOCAST_ACCESS": str(root / "access.toml")}
        with streamlit_server(root, port=port, env=env, args=("--secrets.files", str(secrets)), host="localhost"), \
                browser_page() as page:
            asked: list[str] = []  # what the app's pages asked for (the test provider's own login page is its business)
            page.on("request", lambda r: None if r.frame.url.startswith(issuer) else asked.append(r.url))
            # nothing before logging in, whichever page is asked for
            for p in PAGES:
                page.goto(f"{url}/{p}")
                text = body(page, "Log in")
                assert "Log in" in text and "alpha grocer" not in text and not marks_of_b(text, run_ids), p

            log_in(page, url, "ana")
            seen = {}
            for p in PAGES:
                page.goto(f"{url}/{p}")
                seen[p] = body(page, "Logged in as")
                if p == "":  # the sidebar's dataset select shows A's dataset (in the text or the input's value)
                    page.wait_for_function("[document.body.innerText].concat(Array.from(document.querySelectorAll("
                                           "'input')).map(i => i.value)).some(t => t.includes('alpha grocer'))")
                    seen[p] = body(page)
            assert "alpha grocer" in seen[""] and "ana@client-a.example" in seen[""]
            for p, text in seen.items():
                assert not marks_of_b(text, run_ids), (p, marks_of_b(text, run_ids))
            assert "Creating and archiving workspaces is for administrators" in seen[""]
            # guessed ids and workspace names in the address change nothing
            for q in ("?workspace=client-b", f"?dataset_id=x&run_id={run_ids[0]}", "?workspace=../clients/client-b"):
                for p in ("", "forecast", "scenarios"):
                    page.goto(f"{url}/{p}{q}")
                    assert not marks_of_b(body(page, "Logged in as"), run_ids), (p, q)

            page.goto(url + "/")
            body(page)
            log_out(page, url)
            for p in ("", "forecast"):
                page.goto(f"{url}/{p}")
                text = body(page, "Log in")
                assert "Log in" in text and "alpha grocer" not in text, p

            # client B's admin sees B (its runs and scenario), not A
            log_in(page, url, "bo")
            page.goto(url + "/scenarios")
            text = body(page, "Logged in as")
            assert "bravo secret sales" in text and "alpha grocer" not in text
            page.goto(url + "/")
            body(page)
            log_out(page, url)

            # a user with no grant gets no workspace
            log_in(page, url, "eve")
            text = body(page, "has no workspace")
            assert "has no workspace here" in text and "alpha grocer" not in text and not marks_of_b(text, run_ids)
            # nothing left the server but the login itself (docs/architecture.md: nothing leaves the server)
            assert len(asked) > 20 and not outside(asked, f"localhost:{port}", issuer.split("//")[1]), \
                sorted(set(outside(asked, f"localhost:{port}", issuer.split("//")[1])))
