"""`python -m bench.network_variants [pasta|sample] [--model tft] [--seeds 2] [--variants a,b] [--json OUT]`: where
a network trails on real data, one change at a time against the standard preset, each over several seeds (one
network's WAPE on ~100 real series moves about 1.5 points with its random stream alone). Hold-out WAPE %, the same
13 weeks as `python -m bench.leaderboard`; the validation WAPE (the weeks before the hold-out, early stopping's)
beside it, and the epochs run.

Variants (``VARIANTS``): dropout 0.3; the dropout chosen on the validation weeks (the standard preset's way on up to
500 series, models/regularisation.py); a half-year encoder; a smaller network; the loss in units instead of each
series' own scale; three seeds averaged in one model (the thorough preset's way); the dataset's past-only inputs
left out (``without-past``: Stallion's market totals); the SKU's and the location's mean units per period as past-only
inputs (``pooled``). Every variant but ``dropout-chosen``, ``loss-units-chosen``, ``without-past``, ``without-price``
and ``pooled`` trains one network at its own dropout.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

FIXED = {"dropout_choices": ()}  # one network at the variant's dropout (the preset chooses on small panels)
VARIANTS = {
    "standard": FIXED,  # the standard preset's network at dropout 0.1, as before the choice
    "dropout-0.3": {"dropout": 0.3, **FIXED},
    "dropout-chosen": {},  # the standard preset as it is: dropout 0.1 or 0.3, chosen on the validation weeks
    "encoder-26": {"encoder_weeks": 26, **FIXED},
    "hidden-16": {"hidden_size": 16, "hidden_continuous_size": 8, **FIXED},
    "loss-in-units": {"loss_scale": "units", **FIXED},
    "seeds-3": {"seeds": 3, **FIXED},
    "encoder-12": {"encoder_weeks": 12, **FIXED},  # monthly: one year back instead of two
    "lr-0.003": {"learning_rate": 0.003, **FIXED},
    "loss-units-chosen": {"loss_scale": "units"},  # units loss, dropout chosen
    "without-past": {"_frame": "without_past"},  # the standard preset, the dataset's past-only inputs left out
    "without-price": {"_frame": "without_price"},  # the standard preset, the regular price index left out
    # the standard preset, plus each period's mean units of the series' SKU (over its locations) and of its location
    # (over its SKUs) as past-only inputs, log1p: pytorch-forecasting's Stallion tutorial feeds the TFT these
    "pooled": {"_frame": "pooled"},
}


def variant_frame(frame, variant: dict):
    """The frame a variant trains on: as imported, or without its past-only inputs (``without-past``) or its regular
    price index (``without-price``, dashboard/data/prices.py)."""
    from dashboard.data import past_inputs, prices

    if variant.get("_frame") == "without_past":
        return frame.drop(columns=past_inputs.columns_of(frame))
    if variant.get("_frame") == "without_price":
        return frame.drop(columns=[prices.INDEX], errors="ignore")
    if variant.get("_frame") == "pooled":
        return pooled(frame)
    return frame


def pooled(frame):
    """``frame`` with ``past_sku_mean`` and ``past_location_mean``: log1p of the period's mean units over the SKU's
    locations and over the location's SKUs (periods without units, the hidden hold-out's and the future's, carry
    each series' last value: read in the encoder only, they are never seen)."""
    import numpy as np

    f = frame.copy()
    for key, name in (("sku", "past_sku_mean"), ("region", "past_location_mean")):
        mean = f["units"].groupby([f["week"], f[key]], observed=True).transform("mean")
        f[name] = np.log1p(mean.clip(lower=0))
    order = f.sort_values(["sku", "region", "time_idx"]).index
    for name in ("past_sku_mean", "past_location_mean"):
        f.loc[order, name] = f.loc[order].groupby(["sku", "region"], observed=True)[name].ffill().fillna(0.0)
    return f


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.network_variants")
    ap.add_argument("dataset", choices=["sample", "pasta", "stallion", "reference"], nargs="?", default="pasta",
                    help="reference: the model frame a `python -m bench --scale reference --keep` left")
    ap.add_argument("--model", default="tft", choices=["tft", "lstm"])
    ap.add_argument("--seeds", type=int, default=2)
    ap.add_argument("--first-seed", type=int, default=42, help="seeds first, first + 10, ...")
    ap.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--variants", default="standard,dropout-0.3,encoder-26,hidden-16")
    ap.add_argument("--json")
    args = ap.parse_args(argv)
    from bench.leaderboard import held_out, imported
    from dashboard.forecasting.evaluation import evaluate
    from dashboard.forecasting.training import model_frame
    from dashboard.forecasting.windows import forecast_window
    from dashboard.schema import preset_config
    from models import create

    if args.dataset == "reference":
        import pandas as pd

        frame = pd.read_parquet(Path(__file__).resolve().parent / "out" / "reference" / "ws" / "frame.parquet")
    else:
        store, ds = imported(args.dataset, f"network-variants-{args.dataset}")
        frame = model_frame(store, ds)
        store.close()
    from dashboard import periods

    period = periods.of_dates(frame["week"])
    h = period.horizon
    hist, start, visible = held_out(frame, h)
    results = {}
    all_hist, all_visible = hist, visible
    for variant in args.variants.split(","):
        rows = []
        hist, visible = variant_frame(all_hist, VARIANTS[variant]), variant_frame(all_visible, VARIANTS[variant])
        settings = {k: v for k, v in VARIANTS[variant].items() if not k.startswith("_")}
        for i in range(args.seeds):
            seed = args.first_seed + 10 * i
            cfg = preset_config(args.model, "standard", period.name, threads=args.threads, seed=seed, **settings)
            model = create(cfg)
            t = time.perf_counter()
            model.fit(hist[hist["time_idx"] < start])
            seconds = time.perf_counter() - t
            val = forecast_window(model, hist, start - h, h, start)
            pred = model.predict(visible, start)
            pred = pred[pred["time_idx"] < start + h]
            scores = evaluate(pred, hist, start)["overall"]
            wape = scores["wape"]
            v = float((val["p50"] - val["actual"]).abs().sum() / val["actual"].abs().sum() * 100)
            log = model.training_log or {}
            rows.append({"seed": seed, "wape": round(wape, 3), "mae": round(scores["mae"], 2),
                         "validation_wape": round(v, 3),
                         "seconds": round(seconds, 1), "epochs": log.get("epochs_run"),
                         "best_epoch": log.get("best_epoch"), "dropout": model.config.dropout,
                         "dropout_validation_wape": (log.get("dropout") or {}).get("validation_wape")})
            print(f"{variant} seed {seed}: WAPE {wape:.2f}, MAE {scores['mae']:.1f} (validation {v:.2f}) in {seconds:.0f} s, "
                  f"best epoch {log.get('best_epoch')} of {log.get('epochs_run')}, dropout {model.config.dropout}",
                  file=sys.stderr)
        w = [r["wape"] for r in rows]
        results[variant] = {"mean_wape": round(statistics.mean(w), 2), "spread": round(max(w) - min(w), 2),
                            "mean_mae": round(statistics.mean(r["mae"] for r in rows), 1),
                            "mean_validation_wape": round(statistics.mean(r["validation_wape"] for r in rows), 2),
                            "mean_seconds": round(statistics.mean(r["seconds"] for r in rows), 1), "runs": rows}
    print(f"{'variant':<18}{'mean WAPE':>10}{'MAE':>8}{'spread':>8}{'valid.':>8}{'s':>7}")
    for k, r in results.items():
        print(f"{k:<18}{r['mean_wape']:10.2f}{r['mean_mae']:8.1f}{r['spread']:8.2f}{r['mean_validation_wape']:8.2f}"
              f"{r['mean_seconds']:7.0f}")
    if args.json:
        Path(args.json).write_text(json.dumps({"dataset": args.dataset, "model": args.model, "seeds": args.seeds,
                                               "threads": args.threads, "variants": results}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
