"""`python -m bench.calibration_rules WORKSPACE_OR_RUNS_DIR [...] [--json OUT]`: hold-out band coverage of every
stored run under each calibration rule of `dashboard/forecasting/calibration.py`, without training anything.

A run folder keeps its validation forecast with the raw band (`validation.parquet`), its calibrated hold-out
forecast (`holdout.parquet`) and the offsets that calibrated it (`run.json` bands.offsets); undoing those offsets
gives the raw hold-out band back, and each rule's offsets from the validation weeks are applied to it. This is how
the default rule was chosen on the sample, pasta and the reference workspace (`bench/out/...`).
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd

RULES = {"cqr": dict(rule="cqr"), "cqr-3-weeks": dict(rule="cqr", window=1),
         "tails-conformal": dict(rule="tails-conformal", window=0), "tails": dict(rule="tails", window=0)}


def raw_holdout(run_dir: Path, run: dict) -> pd.DataFrame:
    h = pd.read_parquet(run_dir / "holdout.parquet")
    off = pd.DataFrame((run.get("bands") or {}).get("offsets") or [])
    if off.empty:
        return h
    t = off.set_index("step")
    steps = np.minimum(h["step"].to_numpy(), t.index.max())
    return h.assign(p10=np.expm1(np.log1p(h["p10"].clip(lower=0)) + t["lo"].reindex(steps).to_numpy()),
                    p90=np.expm1(np.log1p(h["p90"].clip(lower=0)) - t["hi"].reindex(steps).to_numpy()))


def coverages(run_dir: Path) -> dict | None:
    from dashboard.forecasting import calibration

    run = json.loads((run_dir / "run.json").read_text())
    if run.get("model") == "recommended" or not (run_dir / "validation.parquet").exists():
        return None
    validation, holdout = pd.read_parquet(run_dir / "validation.parquet"), raw_holdout(run_dir, run)
    out = {"run_id": run_dir.name, "model": run["model"], "raw": round(calibration.coverage(holdout), 1),
           "stored": (run.get("bands") or {}).get("holdout_coverage")}
    for name, kw in RULES.items():
        fixed = calibration.apply(holdout, calibration.offsets(validation, **kw), holdout["step"])
        out[name] = round(calibration.coverage(fixed), 1)
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.calibration_rules")
    ap.add_argument("where", nargs="+", help="workspace folders (with runs/) or runs folders")
    ap.add_argument("--json")
    args = ap.parse_args(argv)
    rows = []
    for where in map(Path, args.where):
        runs = where / "runs" if (where / "runs").is_dir() else where
        for run_dir in sorted(p for p in runs.iterdir() if (p / "run.json").exists()):
            r = coverages(run_dir)
            if r:
                rows.append({"workspace": str(where), **r})
    print(f"{'workspace':<34}{'model':<16}{'raw':>6}" + "".join(f"{r:>16}" for r in RULES))
    for r in rows:
        print(f"{r['workspace'][-34:]:<34}{r['model']:<16}{r['raw']:>6}" + "".join(f"{r[k]:>16}" for k in RULES))
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
