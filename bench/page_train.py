"""The store grain from the Train page, in a real browser: on a workspace holding the reference case imported at
store grain (74,800 series), choose the TFT alone, the ``standard`` preset and both CPU processes, press "Start
training", watch the job until the Train page says it finished, then open Promotions and What-if for that run and
time each until it answers. The resident memory of the app's process and of the training processes (the worker and
the torchrun processes it starts) is sampled every 0.5 s.

`python -m bench.page_train [--workspace DIR] [--dataset ID] [--model tft] [--preset standard] [--devices 2]
[--json PATH]`, or `--phases-of RUN` to print where an earlier run's job spent its time (DIR defaults to bench/out/store/store-220, left by `python -m bench --scale store`). Nothing else
may run beside it. Issue 28's targets: the run in under 20 minutes, Promotions under 10 s and What-if under 3 s on
their first visit.
"""
from __future__ import annotations

import argparse
import json
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "e2e"))
from server import CHROMIUM, CHROMIUM_ARGS, settled, streamlit_server  # noqa: E402 (the browser tests' own)

from .page_import import Sampler, _rss_mb, rss_each_mb  # noqa: E402

RUN_TARGET_S, PROMOTIONS_TARGET_S, WHATIF_TARGET_S = 1200, 10, 3  # issue 28


def new_sampler() -> Sampler:
    """Peak resident memory of the app's process and of the largest training process, MB."""
    return Sampler({"app": lambda: _rss_mb("streamlit run app.py"),
                    "training": lambda: max([0.0, *rss_each_mb("dashboard.forecasting.worker")])}, every=0.5)


def listed_runs(page) -> set[str]:
    """The runs the Train page's job list names ("run run-...")."""
    return set(re.findall(r"run-[\w-]+", " ".join(page.get_by_text(re.compile(r"^run run-")).all_inner_texts())))


def walk(workspace: Path, dataset: str | None, model: str, preset: str, devices: int, train: bool = True) -> dict:
    from playwright.sync_api import expect, sync_playwright

    sampler, marks, t0 = new_sampler(), [], time.perf_counter()

    def mark(what: str, **extra) -> None:
        marks.append({"step": what, "s": round(time.perf_counter() - t0, 1),
                      "app_mb": round(_rss_mb("streamlit run app.py")), **extra})
        print(marks[-1], flush=True)

    def nav(page, name: str, heading: str, last=None) -> float:
        """Open a page from the sidebar; seconds until ``last`` (the page's last element) is drawn and its script run
        is over: the page has answered."""
        t = time.perf_counter()
        page.get_by_test_id("stSidebarNav").get_by_text(name, exact=True).click()
        page.get_by_role("heading", name=heading, exact=True).wait_for()
        if last is not None:
            last(page).wait_for(timeout=600_000)
        settled(page, 600_000)
        return time.perf_counter() - t

    def train_run(page) -> tuple[str, float]:
        """The run the Train page's form starts, and the seconds from the click until the page lists it."""
        nav(page, "Train", "Train")
        mark("Train page open")
        models = page.get_by_role("combobox", name="Models")  # every model chosen by default: keep ``model`` alone
        models.click()
        for _ in range(12):
            models.press("Backspace")
        models.fill(model)
        models.press("Enter")
        models.press("Escape")
        page.get_by_role("combobox", name="Preset").click()
        page.get_by_role("option", name=preset, exact=True).click()
        page.get_by_role("combobox", name="Devices for the TFT and LSTM").click()
        page.get_by_role("option", name=re.compile(rf"^{devices} ")).click()
        mark("form filled", chosen=page.get_by_test_id("stMultiSelect").first.inner_text().splitlines())
        known = listed_runs(page)
        clicked = time.perf_counter()
        page.get_by_role("button", name="Start training").click()
        mark("training started")
        last_label = ""
        while time.perf_counter() - clicked < 3 * RUN_TARGET_S:
            new = listed_runs(page) - known
            if new:
                run_s = time.perf_counter() - clicked
                mark("finished on the Train page", run=sorted(new)[0], training_peak_mb=round(sampler.peak["training"]))
                return sorted(new)[0], run_s
            failed = page.get_by_text(re.compile(r"^failed: "))
            if failed.count():
                raise RuntimeError(f"the job failed: {failed.first.inner_text()}")
            bars = page.get_by_test_id("stProgress")
            label = bars.first.inner_text() if bars.count() else ""
            if label and label != last_label and int(time.perf_counter() - clicked) % 60 < 5:
                mark("running", label=label)
                last_label = label
            time.sleep(5)
        raise RuntimeError("no run appeared on the Train page in an hour")

    with streamlit_server(workspace) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 2400})
        page.set_default_timeout(120_000)
        sampler.start()
        page.goto(url)
        settled(page)
        if dataset:
            picker = page.get_by_test_id("stSidebar").get_by_role("combobox", name="Dataset")
            if dataset not in picker.input_value():
                picker.click()
                page.get_by_role("option", name=re.compile(re.escape(dataset))).click()
                settled(page)
        finished, run_s = train_run(page) if train else (None, None)
        # Promotions, then What-if, each on its first visit of the run (the newest, which both pages show first)
        promotions_s = nav(page, "Promotions", "Promotions",
                           lambda p: p.get_by_role("button", name="Meeting report with this promotions view (HTML)"))
        run_box = page.get_by_role("combobox", name="Model run")
        expect(run_box).to_have_value(re.compile(model.upper() + "|" + model))
        mark("Promotions answered", seconds=round(promotions_s, 1), run_shown=run_box.input_value())
        whatif_s = nav(page, "What-if", "What-if scenarios",
                       lambda p: p.get_by_role("heading", name="Compare scenarios", exact=True))
        mark("What-if answered", seconds=round(whatif_s, 1), run_shown=run_box.input_value())
        sampler.stop = True
        browser.close()
    return {"marks": marks, "run": finished, "click_to_run_s": None if run_s is None else round(run_s, 1),
            "promotions_first_visit_s": round(promotions_s, 1), "whatif_first_visit_s": round(whatif_s, 1),
            "app_peak_mb": round(sampler.peak["app"]), "training_peak_mb": round(sampler.peak["training"])}


def job_phases(workspace: Path, run_id: str) -> dict | None:
    """Where a run's job spent its time, from the job's own files: ``start_s`` (the job's start to the first
    training step: torchrun, the libraries, each process's shard and training dataset), ``training_s`` (the
    trainer's own seconds, progress.jsonl) and ``after_training_s`` (the last training step to the run folder
    written: forecasts, the plan's split, joining and scoring). None where no job of the workspace made the run."""
    from datetime import datetime

    for job in sorted((Path(workspace) / "jobs").glob("job-*")):
        state_file, progress = job / "state.json", job / "progress.jsonl"
        if not state_file.exists() or not progress.exists():
            continue
        state = json.loads(state_file.read_text())
        if state.get("run_id") != run_id:
            continue
        steps = [json.loads(line) for line in progress.read_text().splitlines() if '"elapsed_s"' in line]
        if not steps:
            return None
        started = datetime.fromisoformat(state["started_at"]).timestamp()
        finished = datetime.fromisoformat(state["finished_at"]).timestamp()
        first = float(steps[0]["t"]) - float(steps[0]["elapsed_s"])
        last = float(steps[-1]["t"])
        return {"job": job.name, "start_s": round(first - started, 1), "training_s": round(last - first, 1),
                "after_training_s": round(finished - last, 1), "job_s": round(finished - started, 1)}
    return None


def main(argv=None) -> int:
    from .parts import fig

    ap = argparse.ArgumentParser(prog="python -m bench.page_train", description=__doc__.split("\n\n")[0])
    ap.add_argument("--workspace", default=str(ROOT / "bench" / "out" / "store" / "store-220"))
    ap.add_argument("--dataset", help="the dataset's id (default: the one the app picks)")
    ap.add_argument("--model", default="tft")
    ap.add_argument("--preset", default="standard")
    ap.add_argument("--devices", type=int, default=2)
    ap.add_argument("--pages-only", action="store_true",
                    help="no training: open Promotions and What-if on the newest run, each a first visit")
    ap.add_argument("--json", help="write the result here")
    ap.add_argument("--phases-of", metavar="RUN", help="no browser: print where RUN's job spent its time")
    args = ap.parse_args(argv)
    workspace = Path(args.workspace)
    if args.phases_of:
        phases = job_phases(workspace, args.phases_of)
        print(json.dumps(phases, indent=1))
        return 0 if phases else 1
    if not (workspace / "promocast.duckdb").exists():
        raise SystemExit(f"{workspace} holds no workspace: run `python -m bench --scale store` first")
    result = walk(workspace, args.dataset, args.model, args.preset, args.devices, not args.pages_only)
    what = f"{args.preset} {args.model.upper()} from the Train page, {args.devices} processes"
    result["figures"] = [
        *([] if args.pages_only else [fig(f"{what}: click to run listed (s)", result["click_to_run_s"], "s",
                                          RUN_TARGET_S)]),
        fig("promotions: first visit from the browser (s)", result["promotions_first_visit_s"], "s",
            PROMOTIONS_TARGET_S, note="the page's script run over, the new run chosen"),
        fig("what-if: first visit from the browser (s)", result["whatif_first_visit_s"], "s", WHATIF_TARGET_S),
        *([] if args.pages_only else [fig(f"{what}: largest training process's peak MB", result["training_peak_mb"],
                                          "MB")]),
        fig("app process peak MB" if args.pages_only else f"{what}: app process peak MB", result["app_peak_mb"], "MB")]
    result["phases"] = job_phases(workspace, result["run"]) if result.get("run") else None
    result["date"] = time.strftime("%Y-%m-%d %H:%M", time.gmtime())
    print(json.dumps(result["figures"], indent=1))
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
