"""A busy planning meeting: N browser sessions at once on one real server, in two workspaces, while a training job
runs. Each session imports files (a bad one, then a good one), reads pages, or saves a what-if scenario; every page
visit is timed from the click to the page's heading and its script finishing.

`python -m bench.meeting --root ROOT [--sessions 8]` prints the latency per page (median, 95th percentile, worst)
and what went wrong, if anything; tests/e2e/test_busy_meeting.py runs it and checks nothing was lost or shown as
an error. ROOT must hold a trained default workspace and a client workspace `client-b` (the test builds one).
"""
from __future__ import annotations

import argparse
import asyncio
import json
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "e2e"))
from server import CHROMIUM, CHROMIUM_ARGS, streamlit_server  # noqa: E402 (the browser tests' server and browser)

PAGES = {"Data": "Data", "Forecast": "Forecast", "Accuracy": "Accuracy", "Explain": "Explain", "What-if": "What-if scenarios"}
BAD_WORDS = ("Traceback", "Something went wrong", "database is locked", "Could not set lock", "cannot open the database")


async def _settled(page) -> None:
    await page.wait_for_timeout(300)
    await page.wait_for_function("!document.querySelector('[data-testid=stStatusWidget]')", timeout=120_000)


async def _visit(page, name: str, timings: list, errors: list, who: str) -> None:
    t = time.perf_counter()
    await page.get_by_test_id("stSidebarNav").get_by_text(name, exact=True).click()
    await page.get_by_role("heading", name=PAGES[name]).first.wait_for(timeout=120_000)
    await _settled(page)
    timings.append({"page": name, "seconds": time.perf_counter() - t, "session": who})
    text = await page.inner_text("body")
    errors += [f"{who} on {name}: {w}" for w in BAD_WORDS if w in text]


async def _pick_workspace(page, name: str) -> None:
    box = page.get_by_test_id("stSidebar").get_by_test_id("stSelectbox").filter(has_text="Workspace")
    await box.click()
    await page.get_by_role("option", name=name, exact=True).click()
    await page.wait_for_function(  # the select's value sits in its input
        "n => Array.from(document.querySelectorAll('[data-testid=stSidebar] input')).some(i => i.value === n)", arg=name)
    await _settled(page)
    await page.wait_for_timeout(1000)  # the rerun the pick started may begin late on a busy server
    await _settled(page)


async def _upload(page, f) -> None:
    """Put a file in the sales uploader; the uploader lists it and the page has rerun with it before the button
    means this file. A rerun that starts meanwhile can reset the uploader, or leave the file listed in the browser
    while the server's run saw no file (the form then stops before its button, as it does with no file): either
    way the file is given again until the form's dataset name is this file's (the server's run read it)."""
    for attempt in range(4):
        await page.locator("input[type=file]").first.set_input_files(str(f))
        try:
            await page.get_by_text(Path(f).name).first.wait_for(timeout=60_000)
            await _settled(page)
            await _form_reads(page, Path(f).stem)
            break
        except Exception:
            if attempt == 3:
                raise
            await _settled(page)
    await _settled(page)


async def _form_reads(page, stem: str, timeout_s: float = 30) -> None:
    """Wait until the upload form's "Dataset name" holds ``stem``: the server's run has this file."""
    name = page.get_by_label("Dataset name")
    t = time.perf_counter()
    while True:
        try:
            if await name.count() and await name.first.input_value(timeout=2_000) == stem:
                return
        except Exception:
            pass
        if time.perf_counter() - t > timeout_s:
            raise TimeoutError(f"the upload form did not read {stem} within {timeout_s:.0f} s")
        await page.wait_for_timeout(500)


async def _import(page, expect) -> None:
    """Click "Validate and import" and wait for the verdict. A click that lands while the page is rerunning on a
    busy server can be dropped by the browser: then it is clicked again (importing twice stores nothing twice)."""
    done = page.get_by_text(expect).or_(page.get_by_text("already stored as"))
    for attempt in range(3):
        await _settled(page)
        await page.get_by_role("button", name="Validate and import").click()
        try:
            await done.first.wait_for(timeout=60_000)
            break
        except Exception:
            if attempt == 2:
                raise
    await _settled(page)


async def _session(browser, url: str, i: int, workspace: str, role: str, files: dict, out: dict) -> None:
    who = f"session {i} ({workspace}, {role})"
    page = await browser.new_page(viewport={"width": 1400, "height": 2000})
    page.set_default_timeout(120_000)
    try:
        await page.goto(url)
        await page.get_by_role("heading", name="Data").first.wait_for()
        await _settled(page)
        if workspace != "default":
            await _pick_workspace(page, workspace)
        if role == "import" and workspace != "default":  # a full page cycle in the new workspace before uploading
            await _visit(page, "Forecast", out["timings"], out["errors"], who)
            await _visit(page, "Data", out["timings"], out["errors"], who)
        if role == "import":
            for f, expect in ((files["bad"], "Nothing was imported"), (files["good"], re.compile(r"^Imported \d"))):
                await _upload(page, f)
                await _import(page, expect)
        elif role == "read":
            for name in ("Forecast", "Accuracy", "Explain", "Data"):
                await _visit(page, name, out["timings"], out["errors"], who)
        elif role == "scenario":
            await _visit(page, "What-if", out["timings"], out["errors"], who)
            scenario = f"meeting-{i}"
            await page.get_by_label("Scenario name").fill(scenario)
            await page.get_by_label("Author").fill(f"planner {i}")
            await page.get_by_role("button", name="Save").click()
            await page.get_by_text(f"Saved '{scenario}'.").wait_for()
            out["saved"].append({"workspace": workspace, "scenario": scenario})
        text = await page.inner_text("body")
        out["errors"] += [f"{who}: {w}" for w in BAD_WORDS if w in text]
    except Exception as e:  # a session that could not finish is a finding, not a crash of the whole meeting
        try:
            shown = " | ".join((await page.inner_text("[data-testid=stMain]")).split("\n"))[-600:]
        except Exception:
            shown = "?"
        out["errors"].append(f"{who}: {type(e).__name__}: {str(e).splitlines()[0][:300]}; the page showed: {shown}")
    finally:
        await page.close()


async def meeting(url: str, files: dict, sessions: int = 8) -> dict:
    from playwright.async_api import async_playwright

    roles = ["import", "import", "read", "read", "scenario", "scenario", "scenario", "read"]
    plan = [(i, "default" if i % 2 == 0 else "client-b", roles[i % len(roles)]) for i in range(sessions)]
    out = {"timings": [], "errors": [], "saved": [], "sessions": [{"session": i, "workspace": w, "role": r}
                                                                  for i, w, r in plan]}
    t = time.perf_counter()
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            await asyncio.gather(*(_session(browser, url, i, w, r, files, out) for i, w, r in plan))
        finally:
            await browser.close()
    out["seconds"] = time.perf_counter() - t
    out["latency"] = summary(out["timings"])
    return out


def meeting_files(folder: Path) -> dict:
    """A bad sales file (a negative and a text in units) and a good one not stored yet (the sample's first 150 weeks)."""
    bad, good = folder / "meeting_bad.csv", folder / "meeting_good.csv"
    bad.write_text("week,sku,units\n2024-01-01,A,-3\n2024-01-08,A,abc\n")
    lines = (ROOT / "sample_data" / "sales.csv").read_text().splitlines(True)
    weeks = sorted({line.split(",")[0] for line in lines[1:]})[:150]
    keep = set(weeks)
    good.write_text(lines[0] + "".join(line for line in lines[1:] if line.split(",")[0] in keep))
    return {"bad": bad, "good": good}


def summary(timings: list[dict]) -> dict:
    by: dict[str, list[float]] = {}
    for t in timings:
        by.setdefault(t["page"], []).append(t["seconds"])
    pct = lambda xs, q: sorted(xs)[min(len(xs) - 1, int(q * len(xs)))]  # noqa: E731
    return {p: {"visits": len(xs), "median_s": statistics.median(xs), "p95_s": pct(xs, 0.95), "max_s": max(xs)}
            for p, xs in sorted(by.items())}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.meeting")
    ap.add_argument("--root", required=True, help="workspace root: a trained default workspace and client-b")
    ap.add_argument("--sessions", type=int, default=8)
    ap.add_argument("--json")
    args = ap.parse_args(argv)
    root = Path(args.root)
    files = meeting_files(root)
    with streamlit_server(root, env={"PROMOCAST_ROOT": str(root)}) as url:
        out = asyncio.run(meeting(url, files, args.sessions))
    print(f"{args.sessions} sessions in {out['seconds']:.0f} s; errors: {len(out['errors'])}")
    for p, s in out["latency"].items():
        print(f"  {p}: {s['visits']} visits, median {s['median_s']:.1f} s, p95 {s['p95_s']:.1f} s, max {s['max_s']:.1f} s")
    for e in out["errors"]:
        print("  !", e)
    if args.json:
        Path(args.json).write_text(json.dumps(out, indent=1))
    return 1 if out["errors"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
