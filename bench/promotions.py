"""Promotion effectiveness, measured: the TFT's uplift against the generator's truth on the sample, and how long the
promotions view takes at the reference scale.

    python -m bench.promotions [--workspace WS] [--json OUT]

trains the ``standard`` TFT on the bundled sample in a fresh workspace (or uses WS's newest TFT run), then prints
the model's uplift for a one-week 20 % promotion per category beside ``sample_data/truth.json``: as a TPR (a run
that reads the mechanics, dashboard/data/mechanics.py) or under the mix of promo types the category's past
promotions had (a run that reads the discount only); and, for a run that reads them, each mechanic's log-uplift
over a price cut's against the generator's ``type_lift`` (feature 1.25, BOGO 1.5).
``python -m bench --only promotions`` times the whole 13-week plan's decomposition at the reference scale.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TOLERANCE = 0.30  # the bar: within 30 % of the true uplift


def train_sample(ws: Path, preset: str = "standard", threads: int = 2, seeds: int | None = None) -> str:
    """Import the bundled sample into ``ws`` and train a TFT on it (``seeds``: networks averaged, models/seeds.py);
    returns the run id."""
    os.environ["PROMOCAST_WORKSPACE"], os.environ["PROMOCAST_DB"] = str(ws), str(ws / "promocast.duckdb")
    from dashboard.data.ingest import prepare
    from dashboard.forecasting.pipeline import train_and_evaluate
    from dashboard.forecasting.training import model_frame, register_run
    from dashboard.schema import preset_config
    from dashboard.store import Store

    sample = ROOT / "sample_data"
    store = Store()
    ds, _ = store.save_dataset(prepare(sample / "sales.csv", sample / "promotions.csv", sample / "weather.csv",
                                       name="sample (synthetic grocer)"))
    info = store.dataset(ds)
    config = preset_config("tft", preset, threads=threads, **({"seeds": seeds} if seeds else {}))
    run_dir, _ = train_and_evaluate(model_frame(store, ds), config,
                                    {"dataset_id": ds, "content_hash": info.content_hash})
    register_run(store, run_dir)
    return Path(run_dir).name


def against_truth(response, truth: dict, discount: float = 20.0, reads_mechanics: bool = False):
    """The model's uplift % at ``discount`` per category beside the generator's (TPR and promo-type mix). A model
    that reads the mechanics answers for a plain price cut (its ``response``), so it is held to the TPR truth; one
    that reads the discount only learned the mix of the category's past promo types, and is held to that."""
    import pandas as pd

    r = response[response["discount_pct"] == discount].set_index("category")
    t = pd.DataFrame(truth["uplift_20pct"]).T
    out = pd.DataFrame({"model_uplift_pct": r["uplift_pct"], "model_p10": r["p10"], "model_p90": r["p90"],
                        "true_tpr_pct": t["tpr"].astype(float), "true_type_mix_pct": t["type_mix"].astype(float),
                        "past_promotions": t["promotions"].astype(int)})
    out["ratio"] = out["model_uplift_pct"] / out["true_tpr_pct" if reads_mechanics else "true_type_mix_pct"]
    out["within_30pct"] = (out["ratio"] - 1).abs() <= TOLERANCE
    return out


MECHANIC_TOLERANCE = 0.20  # issue 27: feature and BOGO against TPR within 20 % of the planted 1.25 and 1.5


def mechanics_against_truth(by_mechanic, truth: dict):
    """Per category and mechanic: the model's log-uplift over the price cut's (``response_by_mechanic``'s
    ``log_ratio``) beside the generator's ``type_lift`` (which multiplies the log-uplift of a discount), and the
    mean over categories per mechanic."""
    import pandas as pd

    m = by_mechanic[by_mechanic["mechanic"] != "tpr"].copy()
    m["true_ratio"] = m["mechanic"].map(truth["type_lift"]).astype(float)
    m["within_20pct"] = (m["log_ratio"] / m["true_ratio"] - 1).abs() <= MECHANIC_TOLERANCE
    mean = m.groupby("mechanic", as_index=False).agg(log_ratio=("log_ratio", "mean"), true_ratio=("true_ratio", "first"))
    mean["within_20pct"] = (mean["log_ratio"] / mean["true_ratio"] - 1).abs() <= MECHANIC_TOLERANCE
    return m[["category", "mechanic", "uplift_pct", "log_ratio", "true_ratio", "within_20pct"]], pd.DataFrame(mean)


def timing(ws: str, run_id: str) -> dict:
    """The promotions view at the scale of ``ws``: load, whole-plan decomposition, past promotions, response."""
    os.environ["PROMOCAST_WORKSPACE"], os.environ["PROMOCAST_DB"] = ws, str(Path(ws) / "promocast.duckdb")
    from dashboard.promotions.analysis import load
    from dashboard.store import Store

    store = Store()
    t = time.perf_counter()
    a = load(store, run_id)
    t_load = time.perf_counter() - t
    t = time.perf_counter()
    a.model.predict(a.frame[a.frame["time_idx"] < a.start + a.horizon], a.start)
    t_predict = time.perf_counter() - t
    t = time.perf_counter()
    a.cf.forecast()
    t_one = time.perf_counter() - t
    t = time.perf_counter()
    weekly, events = a.decompose()
    t_plan = time.perf_counter() - t
    t = time.perf_counter()
    past = a.past()
    t_past = time.perf_counter() - t
    t = time.perf_counter()
    a.response()
    t_resp = time.perf_counter() - t
    return {"series": int(weekly[["sku", "region"]].drop_duplicates().shape[0]), "weeks": int(weekly["time_idx"].nunique()),
            "promotions": int(len(events)), "past_promotions": int(len(past)), "load_s": t_load, "predict_s": t_predict,
            "counterfactual_s": t_one, "plan_s": t_plan,
            "past_s": t_past, "response_s": t_resp}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.promotions", description=__doc__.split("\n\n")[0])
    ap.add_argument("--workspace", help="a workspace with a TFT run on the sample (default: train one in a new one)")
    ap.add_argument("--preset", default="standard")
    ap.add_argument("--seeds", type=int, help="networks averaged (the uplift test's 2)")
    ap.add_argument("--json", help="write the result here")
    args = ap.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    t0 = time.perf_counter()
    if args.workspace:
        ws = Path(args.workspace).resolve()
        os.environ["PROMOCAST_WORKSPACE"], os.environ["PROMOCAST_DB"] = str(ws), str(ws / "promocast.duckdb")
        from dashboard.store import Store

        runs = Store().runs()
        run_id = runs.loc[runs["model"] == "tft", "run_id"].iloc[0]
    else:
        import tempfile

        ws = Path(tempfile.mkdtemp(prefix="promocast-promotions-"))
        run_id = train_sample(ws, args.preset, seeds=args.seeds)
    trained = time.perf_counter() - t0
    from dashboard.promotions.analysis import load
    from dashboard.store import Store

    analysis = load(Store(), run_id)
    truth = json.loads((ROOT / "sample_data" / "truth.json").read_text())
    reads = bool(analysis.mechanics())
    table = against_truth(analysis.response(), truth, reads_mechanics=reads)
    by_mech, mech_mean = mechanics_against_truth(analysis.response_by_mechanic(), truth) if reads else (None, None)
    times = timing(str(ws), run_id)
    print(f"TFT run {run_id} ({'trained ' + format(trained, '.0f') + ' s' if not args.workspace else 'from ' + str(ws)})")
    print("uplift of a one-week 20 % promotion, model vs the generator's truth:")
    print(table.round(2).to_string())
    print(f"within {TOLERANCE:.0%} of the true ({'TPR' if reads else 'type-mix'}) uplift: "
          f"{int(table['within_30pct'].sum())} of {len(table)} categories")
    if reads:
        print("mechanics: log-uplift over a price cut's of the same depth, model vs the generator's type_lift:")
        print(by_mech.round(3).to_string(index=False))
        print(mech_mean.round(3).to_string(index=False))
    print("timings (s): " + ", ".join(f"{k} {v:.2f}" if isinstance(v, float) else f"{k} {v}" for k, v in times.items()))
    if args.json:
        Path(args.json).write_text(json.dumps({"run_id": run_id, "preset": args.preset, "train_s": round(trained, 1),
                                               "truth": table.round(3).reset_index(names="category").to_dict("records"),
                                               "mechanics": None if by_mech is None else by_mech.round(3).to_dict("records"),
                                               "mechanics_mean": None if mech_mean is None else mech_mean.round(3).to_dict("records"),
                                               "timing": times}, indent=1, default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
