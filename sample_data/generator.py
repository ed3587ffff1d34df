"""Synthetic store-level weekly sales with a documented ground truth (see sample_data/README.md).

Everything is vectorised over (sku, region, week) and then spread over stores, so the reference
scale (220 stores x 340 SKUs x 156 weeks, ~11.7 M rows) is written in seconds.
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from dashboard.data.calendars import RegionCalendar, weekly_holiday_features

START_WEEK = "2023-01-02"  # a Monday
REGIONS = ("North", "South", "East", "West")
REGION_TEMP_OFFSET = {"North": -5.0, "South": 6.0, "East": 0.0, "West": 2.0}
PROMO_TYPES = ("tpr", "feature", "bogo")
TYPE_LIFT = {"tpr": 1.0, "feature": 1.25, "bogo": 1.5}  # multiplies the log-uplift of a discount
DISCOUNTS = np.array([10, 15, 20, 25, 30, 40])
FUTURE_WEEKS = 13  # the promotion calendar also covers the next quarter (the base plan)


@dataclass(frozen=True)
class CategoryTruth:
    """Ground truth of one category; documented in sample_data/README.md."""
    name: str
    annual_amp: float      # amplitude of the annual cycle (fraction of base)
    peak_week: int         # week of year of the annual peak
    holiday_lift: float    # lift in the 2 weeks before a major holiday (beverages: strong)
    holiday_week_lift: float
    ar_phi: float          # persistence of a latent AR(1) demand cycle (produce: strong)
    ar_sigma: float
    elasticity: float      # log-uplift per unit of discount fraction
    cannibalization: float # loss per unit of mean sibling discount fraction
    temp_beta: float       # log-effect per degree C above 15
    slow_share: float      # share of intermittent slow movers


CATEGORIES = (
    CategoryTruth("beverages", 0.30, 28, 0.55, 0.25, 0.0, 0.05, 2.2, 2.0, 0.015, 0.0),
    CategoryTruth("produce", 0.05, 30, 0.0, 0.05, 0.85, 0.22, 1.2, 0.8, 0.0, 0.0),
    CategoryTruth("snacks", 0.10, 48, 0.20, 0.10, 0.0, 0.06, 3.0, 2.5, 0.0, 0.1),
    CategoryTruth("dairy", 0.05, 5, 0.05, 0.10, 0.3, 0.05, 1.5, 1.0, 0.0, 0.0),
    CategoryTruth("frozen", 0.25, 29, 0.10, 0.05, 0.0, 0.06, 2.0, 1.5, 0.035, 0.1),
    CategoryTruth("household", 0.02, 1, 0.0, 0.0, 0.0, 0.05, 1.0, 0.5, 0.0, 0.5),
)


@dataclass(frozen=True)
class Scale:
    stores: int
    skus: int
    weeks: int


SCALES = {"small": Scale(12, 40, 156), "reference": Scale(220, 340, 156)}


def generate(scale: str | Scale = "small", seed: int = 7) -> dict[str, pd.DataFrame | dict]:
    """Return {'sales', 'promotions', 'weather', 'truth'} for the given scale."""
    sc = SCALES[scale] if isinstance(scale, str) else scale
    rng = np.random.default_rng(seed)
    weeks = pd.date_range(START_WEEK, periods=sc.weeks + FUTURE_WEEKS, freq="W-MON")
    T, TF, R, S = sc.weeks, sc.weeks + FUTURE_WEEKS, len(REGIONS), sc.skus
    woy = weeks.isocalendar().week.to_numpy().astype(float)

    # --- SKUs -------------------------------------------------------------------------------
    cat_idx = np.arange(S) % len(CATEGORIES)
    rng.shuffle(cat_idx)
    cats = [CATEGORIES[i] for i in cat_idx]
    skus = np.array([f"S{i + 1:03d}" for i in range(S)])
    slow = np.array([rng.random() < c.slow_share for c in cats])
    base = np.where(slow, rng.uniform(0.15, 0.8, S), rng.lognormal(np.log(20), 0.6, S))
    price0 = np.round(rng.uniform(1.5, 12.0, S), 2)
    launch = np.zeros(S, dtype=int)
    new = rng.random(S) < 0.12
    lo = 60 if T > 90 else T // 3
    hi = max(lo + 1, T - 30)
    launch[new] = rng.integers(lo, hi, new.sum())  # 30..96 weeks of history at 156 weeks
    trend = rng.normal(0, 0.08, S)  # log-change per year

    # --- weather and holidays per region x week ------------------------------------------------
    temp = np.empty((R, TF))
    for r, reg in enumerate(REGIONS):
        temp[r] = 14 + REGION_TEMP_OFFSET[reg] + 11 * np.cos(2 * np.pi * (woy - 29) / 52) + rng.normal(0, 2.5, TF)
    precip = np.round(rng.gamma(2.0, 9.0, (R, TF)), 1)
    hol = weekly_holiday_features(weeks, [RegionCalendar(r, "US") for r in REGIONS])
    hol = hol.set_index(["region", "week"])
    w2h = np.stack([hol.loc[r]["weeks_to_holiday"].reindex(weeks).to_numpy() for r in REGIONS])
    hweek = np.stack([hol.loc[r]["major_holiday"].reindex(weeks).to_numpy() for r in REGIONS])

    # --- promotions: per sku x region, 4-7 events a year, 1-3 weeks each ---------------------
    promo_rows = []
    disc = np.zeros((S, R, TF))
    tlift = np.ones((S, R, TF))
    for s in range(S):
        if slow[s]:
            continue
        for r, reg in enumerate(REGIONS):
            n = rng.poisson(5.5 * TF / 52)
            starts = np.sort(rng.choice(np.arange(max(launch[s], 1), TF - 1), size=min(n, TF - 2 - launch[s]), replace=False))
            last_end = -10
            for st in starts:
                if st <= last_end + 2:
                    continue  # keep promos apart so the post-promo dip is visible
                dur = int(rng.integers(1, 4))
                en = min(st + dur - 1, TF - 1)
                d = int(rng.choice(DISCOUNTS))
                ty = PROMO_TYPES[int(rng.choice(3, p=[0.6, 0.3, 0.1]))]
                disc[s, r, st:en + 1] = d
                tlift[s, r, st:en + 1] = TYPE_LIFT[ty]
                promo_rows.append((skus[s], reg, weeks[st].date(), weeks[en].date(), ty, d))
                last_end = en
    promotions = pd.DataFrame(promo_rows, columns=["sku", "region", "start_week", "end_week", "promo_type", "discount_pct"])

    # --- expected units per store at region level: mu[s, r, t] -------------------------------
    ar = np.array([c.ar_phi for c in cats])[:, None]
    sig = np.array([c.ar_sigma for c in cats])[:, None]
    latent = np.zeros((S, R, TF))
    eps = rng.normal(0, 1, (S, R, TF))
    for t in range(1, TF):
        latent[:, :, t] = ar * latent[:, :, t - 1] + sig * eps[:, :, t]
    logmu = latent + np.log(base)[:, None, None]
    for s, c in enumerate(cats):
        logmu[s] += c.annual_amp * np.cos(2 * np.pi * (woy - c.peak_week) / 52)[None, :]
        logmu[s] += np.where((w2h >= 1) & (w2h <= 2), np.log1p(c.holiday_lift), 0.0)
        logmu[s] += np.where(hweek == 1, np.log1p(c.holiday_week_lift), 0.0)
        logmu[s] += c.temp_beta * (temp - 15)
    logmu += trend[:, None, None] * (np.arange(TF) / 52)[None, None, :]
    el = np.array([c.elasticity for c in cats])[:, None, None]
    logmu += el * disc / 100 * tlift
    # post-promo dip: the week after a promo ends loses demand pulled forward
    prev = np.concatenate([np.zeros((S, R, 1)), disc[:, :, :-1]], axis=2)
    ended = (prev > 0) & (disc == 0)
    logmu += np.where(ended, np.log(1 - 0.8 * prev / 100), 0.0)
    # cannibalization: mean discount of the other SKUs of the same category, same region-week
    kappa = np.array([c.cannibalization for c in cats])[:, None, None]
    for ci in range(len(CATEGORIES)):
        m = cat_idx == ci
        if m.sum() > 1:
            tot = disc[m].sum(axis=0, keepdims=True)
            sib = (tot - disc[m]) / (m.sum() - 1) / 100
            logmu[m] -= kappa[m] * sib
    region_factor = np.exp(rng.normal(0, 0.15, R))
    logmu += np.log(region_factor)[None, :, None]
    mu = np.exp(logmu[:, :, :T])
    alive = np.arange(T)[None, :] >= launch[:, None]  # (S, T)

    # --- spread over stores with gamma-Poisson noise --------------------------------------------
    store_region = np.arange(sc.stores) % R
    store_size = rng.lognormal(0, 0.35, sc.stores)
    stores = np.array([f"ST{i + 1:03d}" for i in range(sc.stores)])
    lam = mu[:, store_region, :] * store_size[None, :, None]  # (S, stores, T)
    lam *= rng.gamma(30.0, 1 / 30, lam.shape)
    units = rng.poisson(lam).astype(np.int32)
    keep = np.broadcast_to(alive[:, None, :], units.shape)
    s_i, st_i, t_i = np.nonzero(keep)
    r_i = store_region[st_i]
    d = disc[s_i, r_i, t_i]
    sales = pd.DataFrame({
        "week": weeks[t_i].date,
        "store": pd.Categorical.from_codes(st_i, stores),
        "region": pd.Categorical.from_codes(r_i, list(REGIONS)),
        "sku": pd.Categorical.from_codes(s_i, skus),
        "category": pd.Categorical.from_codes(cat_idx[s_i], [c.name for c in CATEGORIES]),
        "units": units[s_i, st_i, t_i],
        "price": np.round(price0[s_i] * (1 - d / 100), 2),
        "promo": (d > 0).astype(np.int8),
        "discount_pct": d.astype(np.float32),
    })
    weather = pd.DataFrame({
        "week": np.tile(weeks.date, R), "region": np.repeat(REGIONS, TF),
        "temperature": np.round(temp.ravel(), 1), "precipitation": precip.ravel(),
    })
    truth = {
        "scale": asdict(sc), "seed": seed, "start_week": START_WEEK, "regions": list(REGIONS),
        "categories": {c.name: asdict(c) for c in CATEGORIES},
        "sku_category": dict(zip(skus.tolist(), [c.name for c in cats])),
        "slow_movers": skus[slow].tolist(),
        "new_skus": {sk: int(T - launch[i]) for i, sk in enumerate(skus) if new[i]},
        "type_lift": TYPE_LIFT, "holiday_country": "US",
        "uplift_20pct": uplift_truth(cats, promotions, 20.0),
    }
    return {"sales": sales, "promotions": promotions, "weather": weather, "truth": truth}


def uplift_truth(cats: list[CategoryTruth], promotions: pd.DataFrame, discount_pct: float) -> dict:
    """Per category, the true uplift % of a one-week promotion of ``discount_pct``: as a TPR, and under the mix of
    promo types its past promotions had (what a model that reads only the discount can learn: the mean log-lift)."""
    by_sku = pd.Series({f"S{i + 1:03d}": c.name for i, c in enumerate(cats)})
    p = promotions.assign(category=promotions["sku"].map(by_sku),
                          weeks=(pd.to_datetime(promotions["end_week"]) - pd.to_datetime(promotions["start_week"])).dt.days // 7 + 1,
                          lift=promotions["promo_type"].map(TYPE_LIFT))
    out = {}
    for c in CATEGORIES:
        e = p[p["category"] == c.name]
        mix = float(np.average(e["lift"], weights=e["weeks"])) if len(e) else 1.0
        out[c.name] = {"tpr": round(float(np.expm1(c.elasticity * discount_pct / 100)) * 100, 2),
                       "type_mix": round(float(np.expm1(c.elasticity * discount_pct / 100 * mix)) * 100, 2),
                       "mean_type_lift": round(mix, 4), "promotions": int(len(e))}
    return out


def write(out_dir: str | Path, scale: str = "small", seed: int = 7) -> dict[str, Path]:
    """Write sales.csv, promotions.csv, weather.csv and truth.json into out_dir."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    data = generate(scale, seed)
    paths = {}
    for name in ("sales", "promotions", "weather"):
        table = pa.Table.from_pandas(data[name], preserve_index=False)
        table = table.cast(pa.schema([
            pa.field(f.name, pa.string()) if pa.types.is_dictionary(f.type) else f for f in table.schema
        ]))
        path = out / f"{name}.csv"
        pacsv.write_csv(table, path, pacsv.WriteOptions(quoting_style="needed"))
        paths[name] = path
    (out / "truth.json").write_text(json.dumps(data["truth"], indent=1, default=str))
    paths["truth"] = out / "truth.json"
    return paths
