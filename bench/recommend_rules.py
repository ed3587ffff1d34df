"""`python -m bench.recommend_rules WORKSPACE_OR_RUNS_DIR [...] [--json OUT]`: the recommended forecast's hold-out
WAPE under each way of choosing it, from stored runs, without training anything: each rule sees only the runs'
validation forecasts (the 13 weeks before the hold-out), then its choice is applied to their hold-out forecasts.
Beside them: the best single model on the hold-out (what no rule can know in advance). This is how the rule in
`dashboard/forecasting/recommend.py` was chosen on the sample, pasta and the reference workspace.
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import pandas as pd

NETWORKS, STATISTICAL = ("tft", "lstm"), ("mstl", "holt-winters", "seasonal-naive")


def newest_runs(root: Path) -> dict[str, Path]:
    runs = root / "runs" if (root / "runs").is_dir() else root
    found = {}
    for d in sorted(runs.iterdir(), key=lambda p: p.stat().st_mtime, reverse=True):
        if not (d / "run.json").exists() or not (d / "validation.parquet").exists():
            continue
        model = json.loads((d / "run.json").read_text())["model"]
        if model != "recommended":
            found.setdefault(model, d)
    return found


def _old(validation):  # one network x one statistical model per category (the rule before the LightGBM)
    from dashboard.forecasting.recommend import MARGIN, _aligned, wape

    v, out = _aligned(validation), {}
    grid = np.round(np.linspace(0, 1, 21), 2)
    for cat, g in v.groupby("category"):
        y = g["actual"].to_numpy(float)
        s = {m: wape(y, g[m].to_numpy(float)) for m in validation}
        best = min(s, key=s.get)
        choice, err = {best: 1.0}, s[best]
        nets, stats = [m for m in s if m in NETWORKS], [m for m in s if m in STATISTICAL]
        if nets and stats:
            n, t = min(nets, key=s.get), min(stats, key=s.get)
            errs = [wape(y, w * g[n].to_numpy(float) + (1 - w) * g[t].to_numpy(float)) for w in grid]
            i = int(np.argmin(errs))
            if 0 < grid[i] < 1 and errs[i] < min(s[n], s[t]) - MARGIN and errs[i] < err:
                choice = {n: float(grid[i]), t: float(1 - grid[i])}
        out[str(cat)] = {"weights": choice}
    return out


def _pooled(rule):
    def choose(validation):
        pooled = {m: f.assign(category="all") for m, f in validation.items()}
        weights = rule(pooled)["all"]["weights"]
        cats = next(iter(validation.values()))["category"].astype(str).unique()
        return {c: {"weights": weights} for c in cats}
    return choose


def _equal_average(validation, k_max=3):
    from dashboard.forecasting.recommend import _aligned, wape

    v = _aligned({m: f.assign(category="all") for m, f in validation.items()})
    y = v["actual"].to_numpy(float)
    s = {m: wape(y, v[m].to_numpy(float)) for m in validation}
    order = sorted(s, key=s.get)
    cands = {(m,): s[m] for m in s}
    for k in range(2, k_max + 1):
        top = tuple(order[:k])
        cands[top] = wape(y, np.mean([v[m].to_numpy(float) for m in top], axis=0))
    best = min(cands, key=cands.get)
    cats = next(iter(validation.values()))["category"].astype(str).unique()
    return {c: {"weights": {m: 1 / len(best) for m in best}} for c in cats}


def rules():
    from dashboard.forecasting.recommend import choose

    return {"per category, blends of up to 3 (today)": choose, "per category, a network x a statistical model": _old,
            "pooled, blends of up to 3": _pooled(choose), "pooled, equal average of the best 1-3": _equal_average}


def evaluate(root: Path) -> dict:
    from dashboard.forecasting.recommend import combine, wape
    from dashboard.store.runs import load_holdout, load_validation

    dirs = newest_runs(root)
    validation = {m: load_validation(d) for m, d in dirs.items()}
    holdout = {m: load_holdout(d) for m, d in dirs.items()}
    singles = {m: wape(h["actual"].to_numpy(float), h["p50"].to_numpy(float)) for m, h in holdout.items()}
    out = {"workspace": str(root), "singles": {m: round(v, 2) for m, v in singles.items()}, "rules": {}}
    for name, rule in rules().items():
        choice = rule(validation)
        used = sorted({m for c in choice.values() for m in c["weights"]})
        h = combine({m: holdout[m] for m in used}, choice)
        out["rules"][name] = {"holdout_wape": round(wape(h["actual"].to_numpy(float), h["p50"].to_numpy(float)), 2),
                              "choice": {c: v["weights"] for c, v in choice.items()}}
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.recommend_rules")
    ap.add_argument("workspaces", nargs="+")
    ap.add_argument("--json")
    args = ap.parse_args(argv)
    results = [evaluate(Path(w)) for w in args.workspaces]
    for r in results:
        best = min(r["singles"], key=r["singles"].get)
        print(f"{r['workspace']}: best single on the hold-out {best} {r['singles'][best]:.2f}")
        for name, v in r["rules"].items():
            print(f"  {name:<48}{v['holdout_wape']:7.2f}")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
