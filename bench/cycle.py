"""The quarterly planning cycle, measured.

    python -m bench.cycle fva [--preset fast] [--json OUT]
        the sample cut at week 143: every model trained on it, the recommended forecast published as the plan
        (with one planted override), then the weeks 144-156 uploaded as the next version: the forecast value added
        staircase, overall and by category.
    python -m bench.cycle reference [--json OUT]
        the reference case cut at week 143, then weeks 131-156 uploaded as the next version: seconds from that upload
        to a published plan with the `fast` TFT (refresh, training, the recommended forecast, publishing).
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CUT = 143  # weeks in the version the plan is made on


def _split(sales_csv: Path, out: Path, cut: int, overlap: int) -> tuple[Path, Path]:
    """(weeks 1..cut, weeks cut-overlap+1..end) of a sales file, written with DuckDB (the reference file is large)."""
    import duckdb

    con = duckdb.connect()
    path = str(sales_csv).replace("'", "''")  # a path of this repo's, not user input: DDL takes no parameters
    con.execute(f"CREATE VIEW s AS SELECT * FROM read_csv_auto('{path}')")
    weeks = [r[0] for r in con.execute("SELECT DISTINCT week FROM s ORDER BY week").fetchall()]
    first, later = out / "v1.csv", out / "v2.csv"
    con.execute(f"COPY (SELECT * FROM s WHERE week <= DATE '{weeks[cut - 1]}') TO '{first}' (HEADER)")
    con.execute(f"COPY (SELECT * FROM s WHERE week > DATE '{weeks[cut - 1 - overlap]}') TO '{later}' (HEADER)")
    con.close()
    return first, later


def _env(ws: Path) -> None:
    os.environ["PROMOCAST_WORKSPACE"], os.environ["PROMOCAST_DB"] = str(ws), str(ws / "promocast.duckdb")


def _train(store, ds: str, model: str, preset: str) -> str:
    from dashboard.forecasting.pipeline import train_and_evaluate
    from dashboard.forecasting.training import model_frame, register_run
    from dashboard.schema import preset_config

    info = store.dataset(ds)
    run_dir, _ = train_and_evaluate(model_frame(store, ds), preset_config(model, preset, threads=os.cpu_count() or 1),
                                    {"dataset_id": ds, "content_hash": info.content_hash})
    register_run(store, run_dir)
    return Path(run_dir).name


def _recommended(store, ds: str) -> str:
    runs = store.runs(ds)
    rec = runs[runs["model"] == "recommended"]
    return (rec if len(rec) else runs).sort_values("created_at")["run_id"].iloc[-1]


def fva_on_sample(preset: str) -> dict:
    from dashboard.data.ingest import prepare
    from dashboard.planning import fva, overrides, plans
    from dashboard.planning.refresh import refresh
    from dashboard.schema import MODELS
    from dashboard.store import Store

    tmp = Path(tempfile.mkdtemp(prefix="promocast-cycle-"))
    _env(tmp)
    first, later = _split(ROOT / "sample_data" / "sales.csv", tmp, CUT, 0)
    store = Store()
    v1, _ = store.save_dataset(prepare(first, ROOT / "sample_data" / "promotions.csv", ROOT / "sample_data" / "weather.csv",
                                       name="sample to week 143"))
    for model in MODELS:
        _train(store, v1, model, preset)
    run_id = _recommended(store, v1)
    rows, meta = plans.assemble(store, v1, run_id)
    # the planted override: +15 % on beverages in the plan's first four weeks ("promotion detail not in the data")
    series = store.series_list(v1)
    current = overrides.apply(rows[["sku", "region", "week", "p10", "p50", "p90"]], None)
    weeks = sorted(rows["week"].unique())[:4]
    spread = overrides.spread(overrides.select(current, series, category="beverages"), weeks, "pct", 15)
    store.add_override(v1, run_id, spread, "category beverages", "pct", 15, "promotion detail not in the data", "", "bench")
    rows, meta = plans.assemble(store, v1, run_id)
    plan_id = store.publish_plan(v1, "2025-Q4", run_id, "", rows, meta, "bench")
    refresh(store, v1, later, ROOT / "sample_data" / "promotions.csv", ROOT / "sample_data" / "weather.csv")
    result = fva.for_plan(store, plan_id)
    return {"preset": preset, "plan_run": run_id, "staircase": result["staircase"].round(2).to_dict("records"),
            "by_category": result["by_category"].round(2).to_dict("records"),
            "overrides": {"series_weeks": int(len(result["overrides"])), "helped": int(result["overrides"]["helped"].sum())}}


def reference_cycle() -> dict:
    from dashboard.data.ingest import prepare
    from dashboard.planning import plans
    from dashboard.planning.refresh import refresh
    from dashboard.store import Store
    from sample_data.generator import write

    data = ROOT / "bench" / "out" / "reference" / "data"
    if not (data / "sales.csv").exists():
        write(data, "reference")
    tmp = Path(tempfile.mkdtemp(prefix="promocast-cycle-ref-"))
    _env(tmp)
    first, later = _split(data / "sales.csv", tmp, CUT, 13)
    store = Store()
    v1, _ = store.save_dataset(prepare(first, data / "promotions.csv", data / "weather.csv", name="reference to week 143"))
    t0 = time.perf_counter()
    out = refresh(store, v1, later, data / "promotions.csv", data / "weather.csv")
    t_refresh = time.perf_counter() - t0
    run_id = _train(store, out["dataset"], "tft", "fast")
    t_train = time.perf_counter() - t0 - t_refresh
    t = time.perf_counter()
    rows, meta = plans.assemble(store, out["dataset"], _recommended(store, out["dataset"]))
    store.publish_plan(out["dataset"], "2026-Q1", run_id, "", rows, meta, "bench")
    t_publish = time.perf_counter() - t
    return {"refresh_s": t_refresh, "train_fast_tft_s": t_train, "publish_s": t_publish,
            "total_s": time.perf_counter() - t0, "new_weeks": len(out["changes"]["new_weeks"]), "plan_rows": len(rows)}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.cycle", description=__doc__.split("\n\n")[0])
    ap.add_argument("what", choices=["fva", "reference"])
    ap.add_argument("--preset", default="fast")
    ap.add_argument("--json")
    args = ap.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    result = fva_on_sample(args.preset) if args.what == "fva" else reference_cycle()
    if args.what == "fva":
        import pandas as pd

        print(pd.DataFrame(result["staircase"]).to_string(index=False))
        print(pd.DataFrame(result["by_category"]).pivot_table(index="step", columns="category", values="wape", sort=False).round(1))
        print(f"override series-weeks: {result['overrides']}")
    else:
        print(", ".join(f"{k} {v:.1f}" if isinstance(v, float) else f"{k} {v}" for k, v in result.items()))
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=1, default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
