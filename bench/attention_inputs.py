"""Which known inputs let the TFT's attention find "the same week last year"? (the Explain page's finding)

    python -m bench.attention_inputs --inputs all|no-last-year|no-calendar|promo-only [--epochs 8]

Trains a `standard`-sized TFT on some categories of the bundled sample with some known inputs withheld,
and prints the hold-out WAPE and, per category, the attention share on lags 51-53 and on the last 3
weeks (even attention: 5.8 % for 3 of 52 weeks). About 5 minutes per variant on 2 CPU cores.
"""
from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np

WITHHELD = {
    "all": [],
    "no-last-year": ["lag52_log", "lag52_known"],
    "no-calendar": ["lag52_log", "lag52_known", "woy_sin", "woy_cos"],
    "promo-only": ["lag52_log", "lag52_known", "woy_sin", "woy_cos", "temperature", "holiday", "major_holiday",
                   "weeks_to_holiday"],
}
SAMPLE = Path(__file__).resolve().parent.parent / "sample_data"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--inputs", choices=sorted(WITHHELD), default="no-last-year")
    ap.add_argument("--categories", default="beverages,produce,dairy")
    ap.add_argument("--epochs", type=int, default=8)
    args = ap.parse_args(argv)

    import models.pf_common as pf
    from dashboard.data.features import KNOWN_REALS
    from dashboard.data.ingest import prepare
    from dashboard.forecasting import interpretation as I
    from dashboard.forecasting.evaluation import evaluate
    from dashboard.forecasting.pipeline import holdout_start
    from dashboard.forecasting.training import model_frame
    from dashboard.schema import preset_config
    from dashboard.store import Store
    from models import create

    pf.KNOWN_REALS = [c for c in KNOWN_REALS if c not in WITHHELD[args.inputs]]  # the dataset reads this list
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "p.duckdb")
        ds, _ = store.save_dataset(prepare(SAMPLE / "sales.csv", SAMPLE / "promotions.csv", SAMPLE / "weather.csv"))
        frame = model_frame(store, ds)
        store.close()
    frame = frame[frame["category"].isin(args.categories.split(","))]
    cfg = preset_config("tft", "standard", max_epochs=args.epochs, patience=args.epochs, threads=2)
    t0 = time.time()
    start = holdout_start(frame, cfg.holdout_weeks)
    hist = frame[frame["units"].notna()]
    model = create(cfg)
    model.fit(hist[hist["time_idx"] < start])
    visible = hist.copy()
    visible.loc[visible["time_idx"] >= start, "units"] = np.nan
    ev = evaluate(model.predict(visible, start), hist, start)
    interp = model.interpretation()
    groups = I.groups_of(interp["index"], hist[["sku", "region", "category"]].drop_duplicates(), "category")
    by_lag, by_pos = I.attention_by_lag(interp, groups), I.attention_by_position(interp, groups)
    print(f"inputs {args.inputs}: WAPE {ev['overall']['wape']:.1f} %, best epoch {model.best_epoch}, "
          f"{time.time() - t0:.0f} s")
    for group, row in by_lag.iterrows():
        print(f"  {group}: lags 51-53 {row.loc[51:53].sum() * 100:.1f} %, last 3 weeks "
              f"{by_pos.loc[group].iloc[-3:].sum() * 100:.1f} % (even attention: 5.8 %)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
