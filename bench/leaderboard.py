"""`python -m bench.leaderboard sample|pasta|stallion [--preset standard] [--models ...] [--seeds N] [--seed S]
[--network-windows] [--workspace NAME] [--freq auto|month] [--origin N] [--threads N] [--json OUT]`

Every model trained on one dataset the way the app trains it (the same pipeline, run folders and recommended
forecast), and the leaderboard printed with band coverage: the accuracy tables in docs/accuracy.md for the bundled sample
and for the real pasta data (`../shared/data/pasta`, reshaped here from its wide daily file to one row per item
and day; it is read where it lies and never copied into the repository), and for the real monthly Stallion data
(`../shared/data/stallion`, as bench/stallion.py writes it: 350 agency x SKU series, a 6-month hold-out, MAE per
series-month beside WAPE, the unit its README's reference scores use). The workspace is
`bench/out/leaderboard-NAME/` (git-ignored), made afresh each time.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PASTA = ROOT.parent / "shared" / "data" / "pasta" / "hierarchical_sales_data.csv"


def pasta_long(src: Path, out: Path) -> Path:
    """The wide daily pasta file (DATE, QTY_Bb_i, PROMO_Bb_i) as date, sku, category (= brand), units, promo."""
    import pandas as pd

    wide = pd.read_csv(src)
    qty = wide.melt(id_vars="DATE", value_vars=[c for c in wide if c.startswith("QTY_")], var_name="item", value_name="units")
    promo = wide.melt(id_vars="DATE", value_vars=[c for c in wide if c.startswith("PROMO_")], var_name="item", value_name="promo")
    qty["sku"] = qty["item"].str.replace("QTY_", "", regex=False)
    promo["sku"] = promo["item"].str.replace("PROMO_", "", regex=False)
    long = qty.drop(columns="item").merge(promo.drop(columns="item"), on=["DATE", "sku"])
    long["category"] = long["sku"].str.split("_").str[0]
    long = long.rename(columns={"DATE": "date"})[["date", "sku", "category", "units", "promo"]]
    path = out / "pasta_long.csv"
    long.to_csv(path, index=False)
    return path


def imported(dataset: str, ws_name: str, pasta: Path = PASTA, freq: str = "auto", past: bool = True):
    """A fresh workspace bench/out/<ws_name> with ``dataset`` (sample or pasta) imported as the app does:
    (store, dataset id). The environment points the app's store at that workspace. ``freq``: pasta's daily file by
    week (auto) or by month; ``past``: Stallion's market totals imported as past-only inputs."""
    ws = ROOT / "bench" / "out" / ws_name
    shutil.rmtree(ws, ignore_errors=True)
    ws.mkdir(parents=True)
    os.environ["PROMOCAST_WORKSPACE"], os.environ["PROMOCAST_DB"] = str(ws), str(ws / "promocast.duckdb")
    from dashboard.data.ingest import prepare
    from dashboard.store import Store

    if dataset == "sample":
        s = ROOT / "sample_data"
        prepared = prepare(s / "sales.csv", s / "promotions.csv", s / "weather.csv", name="sample (synthetic grocer)")
    elif dataset == "stallion":
        return _stallion(ws, past)
    else:
        prepared = prepare(pasta_long(Path(pasta), ws), name="pasta (real, one store)", freq=freq)  # daily rows
    store = Store()
    ds, _ = store.save_dataset(prepared)
    return store, ds


def _stallion(ws: Path, past: bool = True):
    """Stallion imported as a planner would: monthly, agencies as regions, Mexican holidays plus its event flags."""
    from bench import stallion
    from dashboard.data.calendars import RegionCalendar
    from dashboard.data.ingest import parse_mapping, prepare
    from dashboard.store import Store

    paths = stallion.files(ws / "files")
    mapping = parse_mapping(f"{stallion.MAPPING},avg_max_temp=temperature")
    prepared = prepare(paths["sales"], None, paths["weather"], mapping, name="stallion (real, monthly)", freq="month",
                       event_columns=list(stallion.EVENTS),  # the flags, read by the import as custom events
                       past_columns=list(stallion.PAST) if past else None)
    store = Store()
    regions = sorted(prepared.sales["area"].unique())
    ds, _ = store.save_dataset(prepared, [RegionCalendar(r, "MX") for r in regions], prepared.events)
    return store, ds


def held_out(frame, weeks: int = 13):
    """(the weeks with actuals, the first hold-out week, the frame with hold-out units hidden): what a variant bench
    trains on and forecasts from, the same 13 weeks (6 months for monthly data: ``weeks=6``) as the leaderboard."""
    from dashboard.forecasting.pipeline import holdout_start

    hist = frame[frame["units"].notna()]
    start = holdout_start(frame, weeks)
    visible = frame.copy()
    visible.loc[visible["time_idx"] >= start, "units"] = float("nan")
    return hist, start, visible


def as_of(frame, periods_before: int, horizon: int):
    """``frame`` as it stood ``periods_before`` periods before its last period with sales: those periods' units hidden
    and the frame cut one ``horizon`` after the new last period (their known inputs stay: the new future)."""
    from dashboard.forecasting.pipeline import holdout_start

    last = holdout_start(frame, int(periods_before)) - 1  # the last period with sales, less ``periods_before``
    out = frame[frame["time_idx"] <= last + int(horizon)].copy()
    out.loc[out["time_idx"] > last, "units"] = float("nan")
    return out.reset_index(drop=True)


def main(argv=None) -> int:
    from dashboard.schema import MODELS

    ap = argparse.ArgumentParser(prog="python -m bench.leaderboard")
    ap.add_argument("dataset", choices=["sample", "pasta", "stallion"])
    ap.add_argument("--preset", default="standard")
    ap.add_argument("--models", default=",".join(MODELS))
    ap.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--pasta", default=str(PASTA), help="the pasta data's wide CSV")
    ap.add_argument("--seeds", type=int, help="the networks averaged over this many seeds (thorough's 3), spread shown")
    ap.add_argument("--seed", type=int, help="every model's seed (default the preset's 42)")
    ap.add_argument("--network-windows", action="store_true",
                    help="the networks retrained per validation window, as `train --network-windows` does")
    ap.add_argument("--workspace", help="the workspace's name under bench/out (default leaderboard-DATASET)")
    ap.add_argument("--freq", default="auto", choices=["auto", "month"],
                    help="pasta: its daily file summed into months instead of weeks (6 months held out)")
    ap.add_argument("--without-past", action="store_true",
                    help="stallion: leave its market totals (industry_volume, soda_volume) out of the import")
    ap.add_argument("--origin", type=int, default=0,
                    help="the data as it stood N periods before its last: the last N periods' sales hidden, the "
                         "hold-out the periods before them, the next horizon's inputs its future (one hold-out is one "
                         "window: several origins say whether a gap is noise)")
    ap.add_argument("--json", help="write the leaderboard here as JSON")
    args = ap.parse_args(argv)
    if args.origin < 0:
        ap.error("--origin: a number of periods, 0 or more")

    store, ds = imported(args.dataset, args.workspace or f"leaderboard-{args.dataset}", Path(args.pasta), args.freq,
                         not args.without_past)
    from dashboard.forecasting.pipeline import train_and_evaluate
    from dashboard.forecasting.training import leaderboard, model_frame, register_run
    from dashboard.schema import preset_config
    from dashboard.store.runs import read_run

    frame = model_frame(store, ds)
    info = store.dataset(ds)
    freq = info.extras.get("freq", "week")
    if args.origin:
        frame = as_of(frame, args.origin, preset_config("seasonal-naive", args.preset, freq).horizon)
    print(f"{args.dataset}: {info.series} series, {info.weeks} {freq}s", file=sys.stderr)
    for model in args.models.split(","):
        t = time.perf_counter()
        run_dir, rec = train_and_evaluate(frame, preset_config(model, args.preset, freq, threads=args.threads,
                                                                        seeds=args.seeds, seed=args.seed,
                                                                        network_windows=args.network_windows or None),
                                          {"dataset_id": ds, "content_hash": info.content_hash})
        register_run(store, run_dir)
        print(f"  {model}: WAPE {rec['overall']['wape']:.2f}, MAE {rec['overall']['mae']:.1f} in "
              f"{time.perf_counter() - t:.0f} s", file=sys.stderr)
    board = leaderboard(store, ds)
    rows = []
    for r in board.itertuples():
        run = read_run(Path(store.run(r.run_id)["run_dir"]))
        bands = run.get("bands") or {}
        rows.append({"model": r.model, "preset": r.preset, "wape": r.wape, "mape": r.mape, "mase": r.mase, "mae": r.mae,
                     "seconds": r.seconds, "coverage": bands.get("holdout_coverage"),
                     "coverage_before_calibration": bands.get("holdout_coverage_raw"), "made_of": r.made_of or None,
                     "epochs": (run.get("training") or {}).get("epochs_run"),
                     "best_epoch": (run.get("training") or {}).get("best_epoch"), "seeds": run.get("seeds")})
    store.close()
    print(f"{'model':<16}{'WAPE':>7}{'MAE':>8}{'MAPE':>7}{'MASE':>6}{'P10-P90 cover':>15}{'(raw)':>7}{'s':>7}  made of / seeds")
    for r in rows:
        cov = "" if r["coverage"] is None else f"{r['coverage']:.1f}"
        raw = "" if r["coverage_before_calibration"] is None else f"{r['coverage_before_calibration']:.1f}"
        seeds = r["seeds"] and f"seeds' own WAPE {', '.join(f'{w:.2f}' for w in r['seeds']['members_wape'])}" \
            f" (spread {r['seeds']['spread']:.2f})"
        print(f"{r['model']:<16}{r['wape']:7.2f}{r['mae']:8.1f}{r['mape']:7.2f}{r['mase']:6.2f}{cov:>15}{raw:>7}{r['seconds']:7.0f}  "
              f"{r['made_of'] or seeds or ''}")
    if args.json:
        Path(args.json).write_text(json.dumps({"dataset": args.dataset, "freq": freq, "preset": args.preset,
                                               "series": info.series,
                                               "holdout": preset_config("seasonal-naive", args.preset, freq).holdout_weeks,
                                               "threads": args.threads, "seed": args.seed or 42,
                                               "network_windows": args.network_windows, "origin": -args.origin,
                                               "last_period_with_sales": str(frame.loc[frame["units"].notna(), "week"].max())[:10],
                                               "runs": rows},
                                              indent=1, default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
