"""The recommended forecast: the best single model or the equal average of the best two or three (an average unless
a single model is clearly better), chosen on the validation windows only (per category where a category's own weeks clearly say otherwise), then scored honestly
on the hold-out.

Every run forecasts up to three rolling-origin windows of ``horizon`` weeks before the hold-out
(``windows.validation``; a network only its last). On the weeks every model forecast we score every model alone and
the equal averages of the best two and three (``choose``). The chosen weights are then applied to the
hold-out and future forecasts, its band calibrated on those weeks like any run's, and the result is
written as a run of model ``recommended``: a folder like any other (no weights: it is made of other runs).
The hold-out is never read before the choice is made.
"""
from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pandas as pd

from dashboard.forecasting import calibration, windows
from dashboard.forecasting.evaluation import breakdowns, wape
from dashboard.store.runs import load_future, load_holdout, load_validation, read_run, write_run

TOP = 3  # averages of the best two and three models alone on the validation weeks
KEYS = ["sku", "region", "time_idx"]
MARGIN = 1.0  # WAPE points a category's own choice must gain over the choice made on every category's weeks
# a single model beats the average of the best two or three only when its validation WAPE is lower by more than this
# share: the TFT's own validation weeks also chose its dropout (models/regularisation.py) and stopped its training,
# so its score there flatters it. On the sample the TFT alone (validation 17.66) landed 19.77 on the hold-out where
# the average with the LightGBM landed 18.97; pasta and the reference case choose the same at 1, 2 or 3 %
# (`python -m bench.recommend_rules`, docs/accuracy.md)
PREFER_AVERAGE = 0.02


def _aligned(frames: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """One row per series-week every model forecast (the validation windows they share): category, actual and each
    model's P50."""
    base = None
    for model, f in frames.items():
        part = f[KEYS + ["category", "actual", "p50"]].rename(columns={"p50": model})
        base = part if base is None else base.merge(part.drop(columns=["category", "actual"]), on=KEYS, how="inner")
    return base[np.isfinite(base["actual"])]


def _candidates(g: pd.DataFrame, models: list[str]) -> tuple[dict[str, float], dict[str, dict[str, float]]]:
    """WAPE of every model alone and of the equal average of the best 2 and 3, on the rows ``g``:
    ({candidate: wape}, {candidate: weights})."""
    y = g["actual"].to_numpy(float)
    scores = {m: wape(y, g[m].to_numpy(float)) for m in models}
    weights = {m: {m: 1.0} for m in models}
    order = sorted((m for m in models if np.isfinite(scores[m])), key=lambda m: (scores[m], m))
    for k in range(2, min(TOP, len(order)) + 1):
        top = order[:k]
        name = " + ".join(f"{m} x {1 / k:.2f}" for m in top)
        scores[name] = wape(y, np.mean([g[m].to_numpy(float) for m in top], axis=0))
        weights[name] = {m: 1 / k for m in top}
    return scores, weights


def _best(scores: dict[str, float], weights: dict[str, dict]) -> str:
    """The lowest WAPE, an average's counted ``PREFER_AVERAGE`` lower: a single model is chosen over an average only
    where it is more than that share better. On a tie the candidate with fewer models."""
    def key(c):
        s = np.nan_to_num(scores[c], nan=np.inf)
        return (s * (1 - PREFER_AVERAGE) if len(weights[c]) > 1 else s, len(weights[c]), c)
    return min(scores, key=key)


def choose(validation: dict[str, pd.DataFrame]) -> dict[str, dict]:
    """{category: {"weights": {model: w}, "validation_wape": x, "scores": {candidate: wape}, "basis": ...}} from
    validation only.

    Candidates: every model alone and the equal average of the best two and three, scored on every category's
    validation weeks pooled; that choice applies to every category, except one whose own best candidate beats it
    on the category's weeks by ``MARGIN`` WAPE points (``basis`` says which). Chosen by
    `python -m bench.recommend_rules` over the stored runs of the sample, pasta and the reference case: freely
    weighted blends per category (a 0.05 grid, up to three models) fitted 13 weeks of 4 pasta categories and
    landed 1.8 points behind the best single model on its hold-out; equal averages chosen on the pooled weeks were
    best or level on all three (docs/accuracy.md)."""
    v = _aligned(validation)
    models = list(validation)
    pooled_scores, pooled_weights = _candidates(v, models)
    pooled = _best(pooled_scores, pooled_weights)
    out = {}
    for category, g in v.groupby("category", sort=True):
        scores, weights = _candidates(g, models)
        own = _best(scores, weights)
        p = wape(g["actual"].to_numpy(float), sum(w * g[m].to_numpy(float) for m, w in pooled_weights[pooled].items()))
        if scores[own] < p - MARGIN:
            choice = {"weights": weights[own], "validation_wape": scores[own], "basis": "its own weeks"}
        else:
            choice = {"weights": pooled_weights[pooled], "validation_wape": p, "basis": "all categories' weeks"}
        scores["all categories' choice"] = p
        out[str(category)] = {**choice, "scores": {k: round(s, 3) for k, s in scores.items()}}
    return out


def combine(frames: dict[str, pd.DataFrame], choice: dict[str, dict]) -> pd.DataFrame:
    """The weighted forecast per category. A series a component did not forecast (too short for a network) takes
    the other components' forecast, reweighted; a category without a choice keeps the first model's."""
    first = next(iter(frames.values()))
    meta_cols = [c for c in first.columns if c not in ("p10", "p50", "p90", "point")]
    parts = []
    for model, f in frames.items():
        w = f["category"].astype(str).map(lambda c: choice.get(c, {}).get("weights", {}).get(model, 0.0))
        if model == next(iter(frames)):
            w = np.where(f["category"].astype(str).isin(choice), w, 1.0)
        parts.append(f.assign(_w=np.asarray(w, float)))
    long = pd.concat(parts, ignore_index=True)
    long = long[long["_w"] > 0]
    for q in ("p10", "p50", "p90"):
        long[q] = long[q] * long["_w"]
    agg = long.groupby(KEYS, sort=True).agg({"p10": "sum", "p50": "sum", "p90": "sum", "_w": "sum"}).reset_index()
    for q in ("p10", "p50", "p90"):
        agg[q] = agg[q] / agg["_w"]
    rest = pd.concat([f[meta_cols] for f in frames.values()]).drop_duplicates(KEYS)
    out = agg.drop(columns="_w").merge(rest, on=KEYS, how="left")
    out["point"] = out["p50"]
    return out


def made_of(choice: dict[str, dict]) -> str:
    """'beverages: tft 0.6 + mstl 0.4; dairy: mstl' — the leaderboard's line."""
    return "; ".join(f"{c}: " + " + ".join(m if w == 1 else f"{m} {round(w, 2):g}" for m, w in ch["weights"].items())
                     for c, ch in choice.items())


def why(recommendation: dict) -> pd.DataFrame:
    """Per category: what was chosen and on which weeks, and every candidate's WAPE on the category's validation
    weeks (the best average in its own column): the Accuracy page's "why"."""
    rows = []
    for category, c in (recommendation or {}).get("categories", {}).items():
        chosen = " + ".join(m if w >= 1 else f"{m} {w:.2f}" for m, w in c["weights"].items())
        row = {"category": category, "chosen": chosen, "chosen on": c.get("basis", "its own weeks"),
               "its validation WAPE": round(float(c["validation_wape"]), 2)}
        blends = {k: v for k, v in c["scores"].items() if " x " in k}
        row.update({k: v for k, v in c["scores"].items() if " x " not in k})
        if blends:
            k = min(blends, key=blends.get)
            row["best average"] = f"{k.replace(' x ', ' ')}: {blends[k]:.2f}"
        rows.append(row)
    return pd.DataFrame(rows)


def window_table(recommendation: dict) -> pd.DataFrame:
    """Per model (and the recommended forecast): its WAPE % on each validation window it forecast, one column per
    window, earliest first ("weeks from 2019-09-30"); blank where a model did not forecast that window."""
    per = (recommendation or {}).get("windows") or {}
    rows, labels = [], {}
    for model, scores in per.items():
        row = {"model": model}
        for w in scores:
            label = labels.setdefault(int(w["window"]), f"weeks from {w['first_week']}")
            row[label] = w["wape"]
        rows.append(row)
    cols = ["model"] + [labels[k] for k in sorted(labels, reverse=True)]
    return pd.DataFrame(rows).reindex(columns=cols) if rows else pd.DataFrame()


def windows_note(recommendation: dict) -> str:
    """One sentence on which windows the choice was made on, and why some models have fewer."""
    rec = recommendation or {}
    per, used = rec.get("windows") or {}, rec.get("chosen_on_windows") or []
    if not per:
        return "Chosen on the one validation window before the hold-out (a run made before rolling windows)."
    counts = {m: len(v) for m, v in per.items() if m != "recommended"}
    most = max(counts.values(), default=0)
    if len(used) >= most:
        text = ("Chosen on the one window before the hold-out" if most == 1 else
                f"Chosen on {'both' if most == 2 else f'all {most}'} windows, which every model forecast")
    else:
        few = sorted(m for m, n in counts.items() if n < most)
        text = (f"Chosen on the {'last window' if used == [1] else f'{len(used)} windows'} every model forecast; "
                f"{', '.join(few)} forecast fewer than {most}: a network is trained once, and its forecast of an "
                "earlier window would read weeks it trained on (`--network-windows` trains one per window, "
                "multiplying its training time)")
    if most < 3:
        text += f"; the history allowed {most} of the 3 windows (each needs a year of weeks before it)"
    return text + "."


def eligible(runs: pd.DataFrame) -> pd.DataFrame:
    """The newest run of each model with a validation forecast, on the newest runs' data and hold-out."""
    r = runs[(runs["model"] != "recommended")].sort_values("created_at", ascending=False)
    r = r[[Path(d, "validation.parquet").exists() for d in r["run_dir"]]]
    if r.empty:
        return r
    key = [(m.get("content_hash"), m.get("holdout_start_week")) for m in map(read_run, map(Path, r["run_dir"]))]
    return r[[k == key[0] for k in key]].drop_duplicates("model")


def build(runs: pd.DataFrame, root: Path | None = None) -> Path | None:
    """Choose and write the recommended run from ``runs`` (run_id, model, run_dir); None with fewer than 2 models."""
    r = eligible(runs)
    if len(r) < 2:
        return None
    dirs = dict(zip(r["model"], r["run_dir"]))
    heads = {m: read_run(Path(d)) for m, d in dirs.items()}
    validation = {m: _calibrated(load_validation(Path(d)), heads[m]) for m, d in dirs.items()}
    choice = choose(validation)
    used = sorted({m for ch in choice.values() for m in ch["weights"]}, key=list(dirs).index)
    val = combine(_common({m: validation[m] for m in used}), choice)
    bands = calibration.offsets(val)
    holdout = combine({m: load_holdout(Path(dirs[m])) for m in used}, choice)
    raw_coverage = calibration.coverage(holdout)
    holdout = calibration.apply(holdout, bands, holdout["step"])
    ev = breakdowns(holdout)
    futures = {m: load_future(Path(dirs[m])) for m in used}
    future = None
    if all(f is not None and len(f) for f in futures.values()):
        futures = {m: f.merge(holdout[["sku", "region", "category"]].drop_duplicates(), on=["sku", "region"], how="left")
                   for m, f in futures.items()}
        future = combine(futures, choice).drop(columns="category")
        future = calibration.apply(future, bands, future["time_idx"] - future["time_idx"].min() + 1)
    head = next(iter(heads.values()))
    run_id = f"run-recommended-{datetime.now(timezone.utc).strftime('%Y%m%d-%H%M%S')}-{np.random.randint(16**4):04x}"
    record = {"model": "recommended", "preset": "validation", "dataset_id": head["dataset_id"],
              "content_hash": head.get("content_hash"), "holdout_weeks": head.get("holdout_weeks"),
              "holdout_start_week": head.get("holdout_start_week"), "device": "-",
              "seconds": round(sum(float(heads[m].get("seconds") or 0) for m in used), 1),
              "series": int(holdout[["sku", "region"]].drop_duplicates().shape[0]),
              "recommendation": {"made_of": made_of(choice), "categories": choice,
                                 "runs": {m: heads[m]["run_id"] for m in used},
                                 "considered": {m: heads[m]["run_id"] for m in dirs},
                                 "windows": {**{m: windows.scores(validation[m]) for m in dirs},
                                             "recommended": windows.scores(val)},
                                 "chosen_on_windows": sorted(int(w) for w in _aligned_windows(validation))},
              "bands": {"method": calibration.METHOD,
                        "holdout_coverage_raw": raw_coverage, "holdout_coverage": ev["overall"].get("coverage_p10_p90"),
                        "offsets": bands.to_dict("records")}}
    return write_run(run_id, None, record, ev, holdout, root, future, None, val)


def _common(frames: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """Each frame cut to the series-weeks every one of them forecast (the windows a blend's models share)."""
    keys = None
    for f in frames.values():
        k = f[KEYS].drop_duplicates()
        keys = k if keys is None else keys.merge(k, on=KEYS)
    return {m: f.merge(keys, on=KEYS) for m, f in frames.items()}


def _aligned_windows(validation: dict[str, pd.DataFrame]) -> set:
    """The validation windows every model forecast (what the choice was made on)."""
    common = None
    for f in validation.values():
        w = set(f["window"].unique()) if "window" in f else {1}
        common = w if common is None else common & w
    return common or set()


def _calibrated(validation: pd.DataFrame, run: dict) -> pd.DataFrame:
    """A run's validation forecast with the band calibration its hold-out and future forecasts got (stored raw), so
    the recommended forecast's own calibration starts from the same bands it blends."""
    offsets = (run.get("bands") or {}).get("offsets")
    return calibration.apply(validation, pd.DataFrame(offsets), validation["step"]) if offsets else validation
