"""Benchmark tasks; each runs in its own process (see measure.py) and returns a dict of figures."""
from __future__ import annotations

import json
import os
import time
from pathlib import Path

from .gpu import gpu_variants  # noqa: F401 (run by name)
from .training import full_pass, preset_rate, profile_step, step_variant, train_bare, train_promocast  # noqa: F401 (run by name)


def _env(ws: str) -> None:
    os.environ["PROMOCAST_WORKSPACE"] = ws
    os.environ["PROMOCAST_DB"] = str(Path(ws) / "promocast.duckdb")


def generate(out_dir: str, scale: str) -> dict:
    from sample_data.generator import write

    t = time.perf_counter()
    paths = write(out_dir, scale)
    return {"seconds": time.perf_counter() - t, "bytes": Path(paths["sales"]).stat().st_size}


def import_bare_duckdb(path: str) -> dict:
    """The bare reference: DuckDB read_csv + GROUP BY to SKU x region x week, nothing else."""
    import duckdb

    t = time.perf_counter()
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    n = con.execute("SELECT count(*) FROM (SELECT week, region, sku, sum(units) AS units FROM read_csv(?) GROUP BY ALL)",
                    [path]).fetchone()[0]
    return {"seconds": time.perf_counter() - t, "groups": n}


def import_pandas(path: str) -> dict:
    import pandas as pd

    t = time.perf_counter()
    df = pd.read_csv(path)
    n = len(df.groupby(["week", "region", "sku"])["units"].sum())
    return {"seconds": time.perf_counter() - t, "groups": n}


def import_promocast(data_dir: str, ws: str) -> dict:
    """Validation + roll-up + store (one transaction), as `ingest` does it."""
    _env(ws)
    from dashboard.data.ingest import prepare
    from dashboard.store import Store

    d = Path(data_dir)
    t = time.perf_counter()
    p = prepare(d / "sales.csv", d / "promotions.csv", d / "weather.csv", name="bench")
    store = Store()
    ds, _ = store.save_dataset(p)
    store.close()
    return {"seconds": time.perf_counter() - t, "groups": p.info.rows, "dataset": ds, "source_rows": p.info.source_rows}


def import_breakdown(path: str) -> dict:
    """The import's profile: its single scan timed with its parts added one by one (seconds each)."""
    import duckdb

    from dashboard.data import ingest as I
    from dashboard.data import sales_scan as scan

    p = Path(path)
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    I.load_raw(con, p, "raw_sales")
    cols, _ = I.map_columns([r[0] for r in con.execute("DESCRIBE raw_sales").fetchall()], {}, I.S.SALES_REQUIRED,
                            I.S.SALES_OPTIONAL)
    typed = scan.typed_source(con, p, cols)
    scan.sales_view(con, cols, "raw_sales_typed" if typed else "raw_sales", typed=typed)
    head = ("SELECT CAST(date_trunc('week', d) AS DATE) AS week, region, sku, min(category) AS category, sum(units), "
            "avg(price), avg(promo), avg(discount_pct), count(*) AS n_rows")
    steps = {
        "read_typed_groupby": f"{head} FROM sales_t t GROUP BY ALL",
        "plus_duplicate_keys": f"{head}, len(list_distinct(list(hash(store, d)))) FROM sales_t t GROUP BY ALL",
        "plus_checks": f"{head}, min(d), max(d), max(category), {scan.indicators()} FROM sales_t t GROUP BY ALL",
    }
    out = {"typed_path": typed}
    for name, sql in steps.items():
        t = time.perf_counter()
        con.execute(sql).df()
        out[name] = time.perf_counter() - t
    t = time.perf_counter()
    scan.by_date(con, scan.indicators())  # the file's row-by-row scan ...
    scan.rollup(con)  # ... and the roll-up and its checks' summary made from it
    out["full_scan"] = time.perf_counter() - t
    t = time.perf_counter()
    out["keyed_path"] = scan.by_date_keyed(con, cols)  # what the import runs on a clean file at region grain
    scan.rollup(con)
    out["keyed_scan"] = time.perf_counter() - t
    return out


def build_frame(ws: str, out: str) -> dict:
    _env(ws)
    from dashboard.forecasting.training import model_frame
    from dashboard.store import Store

    store = Store()
    t = time.perf_counter()
    f = model_frame(store, store.dataset().id)
    secs = time.perf_counter() - t
    f.to_parquet(out, index=False)
    return {"seconds": secs, "rows": len(f), "series": int(f[["sku", "region"]].drop_duplicates().shape[0])}


def holt_winters(frame_path: str, model: str = "holt-winters") -> dict:
    import pandas as pd

    from dashboard.schema import preset_config
    from models import create

    f = pd.read_parquet(frame_path)
    f = f[f["units"].notna()]
    start = int(f["time_idx"].max()) - 12
    m = create(preset_config(model, "standard"))
    t = time.perf_counter()
    m.fit(f[f["time_idx"] < start])
    m.predict(f, start)
    return {"seconds": time.perf_counter() - t, "series": int(f[["sku", "region"]].drop_duplicates().shape[0])}


def accuracy(ws: str, frame_path: str, preset: str, tiny: bool, models: list[str] | None = None,
             gpu_batch: bool = False) -> dict:
    """Train and score every model (or ``models``) on the hold-out; register the runs (the bench owns this DB).
    The fast TFT is trained too at the standard preset unless ``models`` leaves out "tft-fast"."""
    _env(ws)
    import pandas as pd

    from dashboard.forecasting.pipeline import train_and_evaluate
    from dashboard.forecasting.training import register_run
    from dashboard.schema import MODELS, preset_config
    from dashboard.store import Store
    from dashboard.store.runs import read_run
    from models.pf_common import device_config

    store = Store()
    info = store.dataset()
    frame = pd.read_parquet(frame_path)
    out = {}
    for model in [m for m in MODELS if not models or m in models]:
        extra = dict(hidden_size=8, attention_heads=2, hidden_continuous_size=4, max_epochs=1, limit_train_batches=3) if tiny else {}
        cfg = preset_config(model, preset, threads=os.cpu_count() or 1, **extra)
        if gpu_batch:  # the batch, batches per epoch and rate a GPU would train with, here on whatever device this is
            cfg = device_config(cfg, "cuda")
        run_dir, rec = train_and_evaluate(frame, cfg, {"dataset_id": info.id, "content_hash": info.content_hash})
        recommended = register_run(store, run_dir)
        o = rec["overall"]
        log = rec.get("training") or {}
        with open(Path(ws) / "accuracy-progress.jsonl", "a") as f:  # read while the part runs (bench/gpu.sh)
            f.write(json.dumps({"model": model, "wape": o["wape"], "seconds": rec["seconds"], "device": rec.get("device"),
                                "epochs": log.get("epochs_run"), "best_epoch": log.get("best_epoch"),
                                "batch_size": log.get("batch_size"), "train_seconds": log.get("seconds")}) + "\n")
        out[model] = {"run_id": rec["run_id"], "mape": o["mape"], "wape": o["wape"], "mase": o["mase"], "seconds": rec["seconds"],
                      "epochs": log.get("epochs_run"), "best_epoch": log.get("best_epoch"), "device": rec.get("device", "cpu"),
                      "train_seconds": log.get("seconds"), "history": log.get("history"),
                      "coverage": rec["bands"]["holdout_coverage"], "coverage_raw": rec["bands"]["holdout_coverage_raw"]}
    if recommended:
        r = read_run(Path(store.run(recommended)["run_dir"]))
        o = r["overall"]
        out["recommended"] = {"run_id": recommended, "mape": o["mape"], "wape": o["wape"], "mase": o["mase"],
                              "seconds": r["seconds"], "made_of": r["recommendation"]["made_of"],
                              "coverage": r["bands"]["holdout_coverage"], "coverage_raw": r["bands"]["holdout_coverage_raw"]}
    if preset == "standard" and not tiny and (not models or "tft-fast" in models):  # the fast preset must not lose to seasonal naive either
        cfg = preset_config("tft", "fast", threads=os.cpu_count() or 1)
        _, rec = train_and_evaluate(frame, cfg, {"dataset_id": info.id, "content_hash": info.content_hash})
        o = rec["overall"]
        out["tft-fast"] = {"mape": o["mape"], "wape": o["wape"], "mase": o["mase"], "seconds": rec["seconds"],
                           "epochs": (rec.get("training") or {}).get("epochs_run")}
    store.close()
    return {"models": out}


def whatif(ws: str, run_id: str) -> dict:
    """One series edited (re-forecasts its category siblings) and every series (a weather change)."""
    _env(ws)
    from dashboard.planning.scenarios import Scenario, edits_frame, what_if_engine
    from dashboard.store import Store

    store = Store()
    from dashboard.ui.warmup import _imports

    t = time.perf_counter()
    _imports()  # torch, Lightning, pytorch-forecasting: the app imports them once, as the server starts (ui/warmup.py)
    imports = time.perf_counter() - t
    t = time.perf_counter()
    engine = what_if_engine(store, run_id)
    engine.base()
    setup = time.perf_counter() - t
    s = engine.series.iloc[0]
    edit = edits_frame([{"sku": s["sku"], "category": None, "region": s["region"], "start_week": engine.future_weeks[0],
                         "weeks": 2, "promo_type": "tpr", "discount_pct": 25}])
    t = time.perf_counter()
    one = engine.run(Scenario("one", edit))
    t_one = time.perf_counter() - t
    t = time.perf_counter()
    allr = engine.run(Scenario("all", edits_frame([]), temperature_delta=2.0))
    t_all = time.perf_counter() - t
    return {"imports_s": imports, "setup_s": setup, "one_series_s": t_one, "one_series_reforecast": len(one["changed"]),
            "all_series_s": t_all, "all_series": len(allr["changed"]), "seconds": setup + t_one + t_all}


def promotions(ws: str, run_id: str) -> dict:
    """The promotions view: whole-plan decomposition, past promotions, uplift curve (bench/promotions.py)."""
    from .promotions import timing

    return timing(ws, run_id)


def pages(ws: str) -> dict:
    """Server-side render time of every page (AppTest), first visit and again from cache."""
    _env(ws)
    from streamlit.testing.v1 import AppTest

    from dashboard.ui.warmup import _imports

    root = Path(__file__).resolve().parent.parent
    out = {}
    _imports()  # what the server does once as it starts (ui/warmup.py), here before the clock runs
    for page in ("data", "train", "forecast", "accuracy", "explain", "scenarios", "promotions", "plan"):
        # One AppTest per page: its first run also scans the installed packages for components (~0.5 s, once
        # per server in real use); the rerun is what a planner waits for when changing a widget.
        at = AppTest.from_file(str(root / "app.py"), default_timeout=600)
        at.switch_page(f"views/{page}.py")
        times = []
        for _ in range(3):
            t = time.perf_counter()
            at.run()
            times.append(time.perf_counter() - t)
            if at.exception:
                raise RuntimeError(f"{page}: {at.exception[0].value}")
        out[page] = {"cold_s": times[0], "warm_s": min(times[1:])}
        if page == "scenarios":  # its first visit starts the network's load in the background (ui/engine_loader.py):
            out[page]["engine_ready_s"] = _engines_ready()  # waited for here, so the next page's time is its own
    return {"pages": out}


def _engines_ready() -> float:
    """Seconds until every What-if engine loading in the background has loaded (0 when none is)."""
    from dashboard.ui.engine_loader import _loads

    t = time.perf_counter()
    for future in list(_loads()[1].values()):
        future.result()
    return time.perf_counter() - t
