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


def newest_runs(root: Path, preset: str = "standard") -> dict[str, Path]:
    """The newest run of each model at ``preset`` (the reference bench also leaves a fast TFT in its folder)."""
    runs = root / "runs" if (root / "runs").is_dir() else root
    found = {}
    for d in sorted(runs.iterdir(), key=lambda p: p.stat().st_mtime, reverse=True):
        if not (d / "run.json").exists() or not (d / "validation.parquet").exists():
            continue
        run = json.loads((d / "run.json").read_text())
        if run["model"] != "recommended" and run.get("preset") == preset:
            found.setdefault(run["model"], d)
    return found


def _old(validation):  # one network x one statistical model per category (the rule before the LightGBM)
    from dashboard.forecasting.recommend import _aligned, wape

    MARGIN = 0.1  # noqa: N806 - that rule's margin
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


def _equal_average(validation, k_max=3, pooled=True, prefer=0.0):
    from dashboard.forecasting.recommend import _aligned, wape

    v = _aligned({m: f.assign(category="all") if pooled else f for m, f in validation.items()})
    out = {}
    for cat, g in v.groupby("category"):
        y = g["actual"].to_numpy(float)
        s = {m: wape(y, g[m].to_numpy(float)) for m in validation}
        order = sorted(s, key=s.get)
        cands = {(m,): s[m] for m in s}
        for k in range(2, k_max + 1):
            top = tuple(order[:k])
            cands[top] = wape(y, np.mean([g[m].to_numpy(float) for m in top], axis=0))
        best = min(cands, key=lambda c: cands[c] * (1 - prefer if len(c) > 1 else 1))  # averages favoured by prefer
        out[str(cat)] = {"weights": {m: 1 / len(best) for m in best}}
    if pooled:
        cats = next(iter(validation.values()))["category"].astype(str).unique()
        return {c: out["all"] for c in cats}
    return out


def _top(validation, k):
    """The equal average of the ``k`` best models on the pooled validation weeks, whatever they score together."""
    from dashboard.forecasting.recommend import _aligned, wape

    v = _aligned({m: f.assign(category="all") for m, f in validation.items()})
    y = v["actual"].to_numpy(float)
    order = sorted(validation, key=lambda m: wape(y, v[m].to_numpy(float)))[:k]
    cats = next(iter(validation.values()))["category"].astype(str).unique()
    return {c: {"weights": {m: 1 / k for m in order}} for c in cats}


def _pooled_unless(margin, prefer=0.0):
    """The pooled equal-average choice, except in a category whose own equal-average choice beats it there on the
    validation weeks by ``margin`` WAPE points; ``prefer``: an average wins over a single model unless the single
    model's WAPE is lower by more than this share of it."""
    def choose(validation):
        from dashboard.forecasting.recommend import _aligned, wape

        pooled = _equal_average(validation, prefer=prefer)
        own = _equal_average(validation, pooled=False, prefer=prefer)
        v = _aligned(validation)
        out = {}
        for cat, g in v.groupby("category"):
            y = g["actual"].to_numpy(float)

            def score(w):
                return wape(y, sum(x * g[m].to_numpy(float) for m, x in w.items()))
            c = str(cat)
            better = score(own[c]["weights"]) < score(pooled[c]["weights"]) - margin
            out[c] = own[c] if better else pooled[c]
        return out
    return choose


def _pooled_unless_evident(z, margin=1.0):
    """The pooled equal-average choice, except in a category whose own equal-average choice beats it there by
    ``margin`` WAPE points and by ``z`` standard errors of that gain over the category's series (paired: each
    series' absolute error summed over its validation weeks under both choices)."""
    def choose(validation):
        from dashboard.forecasting.recommend import _aligned

        pooled, own = _equal_average(validation), _equal_average(validation, pooled=False)
        v = _aligned(validation)
        out = {}
        for cat, g in v.groupby("category"):
            c = str(cat)
            y = g["actual"].to_numpy(float)

            def err(w):
                return np.abs(y - sum(x * g[m].to_numpy(float) for m, x in w.items()))
            d = pd.Series(err(pooled[c]["weights"]) - err(own[c]["weights"])).groupby(
                (g["sku"].astype(str) + "|" + g["region"].astype(str)).to_numpy()).sum()
            total = np.abs(y).sum()
            gain, se = 100 * d.sum() / total, 100 * np.sqrt(len(d)) * d.std(ddof=1) / total if len(d) > 1 else np.inf
            out[c] = own[c] if gain > margin and gain > z * se else pooled[c]
        return out
    return choose


def _last_window(rule):
    """``rule`` shown only the last validation window (what a run without --network-windows chooses on when a
    network is among the models)."""
    def choose(validation):
        return rule({m: f[f["window"] == 1] if "window" in f else f for m, f in validation.items()})
    return choose


def rules():
    from bench.recommend_rules_old import free_blends
    from dashboard.forecasting.recommend import choose

    return {"today: pooled averages unless one model is 2 % better, a category's own where 1 point better": choose,
            "before: the same with no preference for averages": _pooled_unless(1.0),
            "per category, free blends of up to 3 (issue 25's first try)": free_blends,
            "per category, a network x a statistical model": _old,
            "pooled, free blends of up to 3": _pooled(free_blends),
            "pooled, equal average of the best 1-3": _equal_average,
            "per category, equal average of the best 1-3": lambda v: _equal_average(v, pooled=False),
            "pooled, equal average of the best 3": lambda v: _top(v, 3),
            "pooled equal average, a category's own where 3 points better": _pooled_unless(3.0),
            "pooled equal average, a category's own where 1 point and 2 s.e. better": _pooled_unless_evident(2.0),
            "before, with averages preferred unless one model is 1 % better": _pooled_unless(1.0, 0.01),
            "before, with averages preferred unless one model is 3 % better": _pooled_unless(1.0, 0.03),
            "today, on the last window only": _last_window(choose),
            "pooled equal average of the best 1-3, on the last window only": _last_window(_equal_average),
            "1 point and 2 s.e. better, on the last window only": _last_window(_pooled_unless_evident(2.0))}


def evaluate(root: Path, preset: str = "standard") -> dict:
    from dashboard.forecasting.recommend import combine, wape
    from dashboard.store.runs import load_holdout, load_validation

    dirs = newest_runs(root, preset)
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
    ap.add_argument("--preset", default="standard")
    ap.add_argument("--json")
    args = ap.parse_args(argv)
    results = [evaluate(Path(w), args.preset) for w in args.workspaces]
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
