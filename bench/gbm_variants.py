"""`python -m bench.gbm_variants [pasta|sample] [--seeds 3] [--json OUT]`: the gradient-boosted model's choices,
measured on one dataset, each over several seeds (LightGBM's row and column subsampling): recursive vs direct
(one model per forecast week, mlforecast's ``max_horizon``), each target fixed (log1p, per-series scaled,
Tweedie) against the target chosen on the last training weeks ("auto", what Promocast runs), without
the promotion of the week before and after as inputs (``auto-promo-around``), and several seeds averaged in one
model (``auto-seeds3``: three LightGBMs from seeds s, s + 1, s + 2). Hold-out WAPE %,
the same 13 weeks as `python -m bench.leaderboard`.
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
            def _train(self, data, target, report=None):
                mlf = self._mlf(target)
                h = int(self.config.horizon)
                X, y = mlf.preprocess(data, static_features=list(self.categories), dropna=False, return_X_y=True,
                                      max_horizon=h)
                fitted = {}
                for k in range(h):
                    keep = ~(y[:, k] != y[:, k])  # rows whose week k+1 ahead is known
                    reg = _regressor(self.config, target)
                    reg.fit(X[keep], y[keep, k], categorical_feature=[c for c in self.categories if c in X.columns])
                    fitted[k] = reg
                mlf.models_ = {"lgb": fitted}
                return mlf

            def interpretation(self):
                return None

        return Direct(config)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.gbm_variants")
    ap.add_argument("dataset", choices=["sample", "pasta", "stallion"], nargs="?", default="pasta")
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--variants", default="auto,auto-promo-around,log1p,scaled,tweedie,direct")
    ap.add_argument("--json")
    args = ap.parse_args(argv)
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
            target = "auto" if target in ("auto", "direct") else target
            members = int(variant.split("-seeds")[1]) if "-seeds" in variant else 1  # e.g. auto-seeds3
            cfg = preset_config("lightgbm", "standard", period.name, threads=args.threads, seed=42 + 10 * i,
                                gbm_target=target, seeds=members)
            model = DirectLightGBM.make(cfg) if variant == "direct" else create(cfg)
            t = time.perf_counter()
            model.fit(hist[hist["time_idx"] < start])
            pred = model.predict(visible, start)
            pred = pred[pred["time_idx"] < start + h]
            scores = evaluate(pred, hist, start)["overall"]
            wape = scores["wape"]
            rows.append({"seed": 42 + 10 * i, "wape": round(wape, 3), "mae": round(scores["mae"], 2),
                         "seconds": round(time.perf_counter() - t, 1),
                         "target": model.training_log.get("target")})
            print(f"{variant} seed {42 + 10 * i}: WAPE {wape:.2f}, MAE {scores['mae']:.1f} in {rows[-1]['seconds']} s "
                  f"(target {rows[-1]['target']})", file=sys.stderr)
        w = [r["wape"] for r in rows]
        results[variant] = {"mean_wape": round(statistics.mean(w), 2), "spread": round(max(w) - min(w), 2),
                            "mean_mae": round(statistics.mean(r["mae"] for r in rows), 1),
                            "mean_seconds": round(statistics.mean(r["seconds"] for r in rows), 1), "runs": rows}
    print(f"{'variant':<18}{'mean WAPE':>10}{'MAE':>8}{'spread':>8}{'s':>7}")
    for k, r in results.items():
        print(f"{k:<18}{r['mean_wape']:10.2f}{r['mean_mae']:8.1f}{r['spread']:8.2f}{r['mean_seconds']:7.1f}")
    if args.json:
        Path(args.json).write_text(json.dumps({"dataset": args.dataset, "seeds": args.seeds, "threads": args.threads,
                                               "variants": results}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
