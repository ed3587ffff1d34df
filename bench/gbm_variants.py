"""`python -m bench.gbm_variants [pasta|sample|stallion] [--seeds 3] [--origins 0,6,12] [--json OUT]`: the
gradient-boosted model's choices,
measured on one dataset, each over several seeds (LightGBM's row and column subsampling): recursive vs direct
(one model per forecast week, mlforecast's ``max_horizon``), each target fixed (log1p, per-series scaled,
Tweedie) against the target chosen on the last training weeks ("auto", what Promocast runs), without
the promotion of the week before and after as inputs (``auto-promo-around``), and several seeds averaged in one
model (``auto-seeds3``: three LightGBMs from seeds s, s + 1, s + 2), and log1p with each row weighted by its
series' mean units (``weighted``). Hold-out WAPE %, the same 13 weeks as `python -m bench.leaderboard`;
``--origins`` scores each variant from earlier origins too (a model trained on the periods before each), since one
window can favour a variant by chance.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path


class DirectLightGBM:
    """models.gbm.LightGBMForecaster trained direct: one LightGBM per forecast week (mlforecast max_horizon)."""

    @staticmethod
    def make(config):
        from models.gbm import LightGBMForecaster, _regressor

        class Direct(LightGBMForecaster):
            def _train(self, data, target, report=None, seeds=1, into=None):
                mlf = into or self._mlf(target)
                h = int(self.config.horizon)
                X, y = mlf.preprocess(data, static_features=list(self.categories), dropna=False, return_X_y=True,
                                      max_horizon=h)
                cats = [c for c in self.categories if c in X.columns]
                members = dict(into.models_) if into is not None else {}
                for i in range(len(members), max(1, int(seeds))):  # each seed: one LightGBM per forecast step
                    per_step = {}  # mlforecast's direct models: {step: model}
                    for k in range(h):
                        keep = ~(y[:, k] != y[:, k])  # rows whose step k+1 ahead is known
                        reg = _regressor(self.config, target, seed=int(self.config.seed) + i)
                        reg.fit(X[keep], y[keep, k], categorical_feature=cats)
                        per_step[k] = reg
                    members["lgb" if i == 0 else f"lgb{i}"] = per_step
                mlf.models_ = members
                return mlf

            def interpretation(self):
                return None

        return Direct(config)


class WeightedLightGBM:
    """models.gbm.LightGBMForecaster on the log1p target with each row weighted by its series' mean units: the
    squared error in logs, weighted by the series' level, is close to an error in units, as WAPE and MAE count it."""

    @staticmethod
    def make(config):
        import numpy as np

        from models.gbm import LightGBMForecaster, _regressor

        class Weighted(LightGBMForecaster):
            def _train(self, data, target, report=None, seeds=1, into=None):
                mlf = into or self._mlf(target)
                df = mlf.preprocess(data, static_features=list(self.categories), dropna=False)
                level = data.groupby("unique_id", observed=True)["y"].mean()
                weight = df["unique_id"].map(level).astype(float).clip(lower=1.0).to_numpy()
                X = df[mlf.ts.features_order_]
                X = X.astype({c: np.float32 for c, t in X.dtypes.items() if t == np.float64})
                cats = [c for c in self.categories if c in X.columns]
                members = dict(into.models_) if into is not None else {}
                for i in range(len(members), max(1, int(seeds))):
                    reg = _regressor(self.config, target, seed=int(self.config.seed) + i)
                    reg.fit(X, df["y"].to_numpy(), sample_weight=weight, categorical_feature=cats)
                    members["lgb" if i == 0 else f"lgb{i}"] = reg
                mlf.models_ = members
                return mlf

        return Weighted(config)


class TargetsAveraged:
    """Two LightGBMs of the product, one on log1p and one on Tweedie (``targets``), forecasting their average: losses
    that err differently (a log target under-forecasts the big series, Tweedie over-forecasts the small)."""

    def __init__(self, config, targets=("log1p", "tweedie")):
        from dataclasses import replace

        from models import create

        self.parts = [create(replace(config, gbm_target=t)) for t in targets]
        self.training_log = {"target": "+".join(targets)}

    @classmethod
    def make(cls, config):
        return cls(config)

    def fit(self, train):
        for m in self.parts:
            m.fit(train)

    def predict(self, frame, start):
        preds = [m.predict(frame, start) for m in self.parts]
        out = preds[0].copy()
        keys = ["sku", "region", "time_idx"]
        assert all(p[keys].equals(out[keys]) for p in preds)  # one row order: both forecast the same rows
        out["p50"] = sum(p["p50"].to_numpy() for p in preds) / len(preds)
        return out


MAKERS = {"direct": DirectLightGBM, "weighted": WeightedLightGBM, "log1p+tweedie": TargetsAveraged}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.gbm_variants")
    ap.add_argument("dataset", choices=["sample", "pasta", "stallion"], nargs="?", default="pasta")
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--variants", default="auto,auto-promo-around,log1p,scaled,tweedie,direct")
    ap.add_argument("--origins", default="0",
                    help="forecast origins, in periods before the hold-out's first (0: the hold-out itself; 6,12: the "
                         "6-period windows before it, each model trained on the periods before its origin only)")
    ap.add_argument("--json")
    args = ap.parse_args(argv)
    offsets = [int(x) for x in args.origins.split(",")]
    from bench.leaderboard import held_out, imported
    from dashboard.forecasting.evaluation import evaluate
    from dashboard.forecasting.training import model_frame
    from dashboard.schema import preset_config
    from models import create

    store, ds = imported(args.dataset, f"gbm-variants-{args.dataset}")
    frame = model_frame(store, ds)
    store.close()
    from dashboard import periods

    period = periods.of_dates(frame["week"])
    h = period.horizon  # 13 weeks, or 6 months (stallion)
    hist, start, visible = held_out(frame, h)
    results = {}
    import models.gbm_features as gf

    base_known = list(gf.KNOWN)
    for variant in args.variants.split(","):
        # "-promo-around": without the week before and after on promotion as known inputs (models/gbm_features.py)
        around = ("promo_prev", "promo_next")
        gf.KNOWN = [c for c in base_known if c not in around] if variant.endswith("-promo-around") else base_known
        rows = []
        for i in range(args.seeds):
            target = variant.split("-promo")[0].split("-seeds")[0]
            target = "auto" if target in ("auto", "direct") else "log1p" if target in MAKERS else target
            members = int(variant.split("-seeds")[1]) if "-seeds" in variant else 1  # e.g. auto-seeds3
            cfg = preset_config("lightgbm", "standard", period.name, threads=args.threads, seed=42 + 10 * i,
                                gbm_target=target, seeds=members)
            for off in offsets:
                origin = start - off
                model = MAKERS[variant].make(cfg) if variant in MAKERS else create(cfg)
                t = time.perf_counter()
                model.fit(hist[hist["time_idx"] < origin])
                pred = model.predict(visible if off == 0 else hist, origin)  # units before the origin only are read
                pred = pred[pred["time_idx"] < origin + h]
                scores = evaluate(pred, hist, origin)["overall"]
                wape = scores["wape"]
                rows.append({"seed": 42 + 10 * i, "origin": -off, "wape": round(wape, 3), "mae": round(scores["mae"], 2),
                             "seconds": round(time.perf_counter() - t, 1), "target": model.training_log.get("target")})
                print(f"{variant} seed {42 + 10 * i} origin -{off}: WAPE {wape:.2f}, MAE {scores['mae']:.1f} in "
                      f"{rows[-1]['seconds']} s (target {rows[-1]['target']})", file=sys.stderr)
        held = [r for r in rows if r["origin"] == 0] or rows  # the hold-out's runs (every run without origin 0)
        w = [r["wape"] for r in held]
        results[variant] = {"mean_wape": round(statistics.mean(w), 2), "spread": round(max(w) - min(w), 2),
                            "mean_mae": round(statistics.mean(r["mae"] for r in held), 1),
                            "mean_seconds": round(statistics.mean(r["seconds"] for r in rows), 1), "runs": rows}
        if len(offsets) > 1:  # each origin's mean over the seeds, and the mean over the origins
            by = {o: [r for r in rows if r["origin"] == -o] for o in offsets}
            results[variant]["origins"] = {f"-{o}": {"mean_wape": round(statistics.mean(r["wape"] for r in g), 2),
                                                     "mean_mae": round(statistics.mean(r["mae"] for r in g), 1)}
                                           for o, g in by.items()}
            results[variant]["mean_mae_over_origins"] = round(statistics.mean(r["mae"] for r in rows), 1)
            results[variant]["mean_wape_over_origins"] = round(statistics.mean(r["wape"] for r in rows), 2)
    print(f"{'variant':<18}{'mean WAPE':>10}{'MAE':>8}{'spread':>8}{'s':>7}")
    for k, r in results.items():
        print(f"{k:<18}{r['mean_wape']:10.2f}{r['mean_mae']:8.1f}{r['spread']:8.2f}{r['mean_seconds']:7.1f}")
        for o, g in r.get("origins", {}).items():
            print(f"  origin {o:>4}: WAPE {g['mean_wape']:.2f}, MAE {g['mean_mae']:.1f}")
        if "origins" in r:
            print(f"  over the origins: WAPE {r['mean_wape_over_origins']:.2f}, MAE {r['mean_mae_over_origins']:.1f}")
    if args.json:
        Path(args.json).write_text(json.dumps({"dataset": args.dataset, "seeds": args.seeds, "threads": args.threads,
                                               "origins": [-o for o in offsets],
                                               "variants": results}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
