"""A synthetic monthly distributor with a documented ground truth: 6 territories x 30 SKUs, 60 months of sales at
the 1st of each month, with the promotion plan of the next 6 months, monthly weather and the truth in truth.json
(`python -m dashboard sample OUT --freq month`; the weekly grocer is generator.py).

A month's demand: base x annual cycle (per category: amplitude, peak month) x trend x temperature effect x
promotion lift; ``promo`` is the share of the month's days on promotion and ``discount_pct`` the depth on those
days, so a month half on a 20 % promotion lifts by exp(elasticity x 0.2) on half its days.
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import pandas as pd

START = "2021-01-01"
MONTHS = 60
FUTURE = 6  # the promotion calendar also covers the next half year (the base plan)
TERRITORIES = ("North", "South", "Coast", "Capital", "Highlands", "Islands")
TEMP_OFFSET = {"North": -4.0, "South": 5.0, "Coast": 3.0, "Capital": 0.0, "Highlands": -6.0, "Islands": 7.0}
DISCOUNTS = np.array([10, 15, 20, 25, 30])


@dataclass(frozen=True)
class MonthlyCategory:
    """Ground truth of one category (truth.json)."""
    name: str
    annual_amp: float   # amplitude of the annual cycle (log scale)
    peak_month: int     # 1..12
    elasticity: float   # log-uplift per unit of discount fraction, on the promoted days
    temp_beta: float    # log-effect per degree C above 20
    trend: float        # log growth per year


CATEGORIES = (
    MonthlyCategory("lager", 0.35, 7, 3.0, 0.03, 0.04),
    MonthlyCategory("craft", 0.20, 6, 2.2, 0.02, 0.12),
    MonthlyCategory("seasonal ale", 0.60, 12, 1.5, 0.0, 0.0),
)


def generate(seed: int = 7, skus: int = 30) -> dict[str, pd.DataFrame | dict]:
    rng = np.random.default_rng(seed)
    months = pd.date_range(START, periods=MONTHS + FUTURE, freq="MS")
    R, S, T, TF = len(TERRITORIES), skus, MONTHS, MONTHS + FUTURE
    cats = [CATEGORIES[i % len(CATEGORIES)] for i in range(S)]
    moy = months.month.to_numpy()
    temp = np.stack([22 + TEMP_OFFSET[r] + 7 * np.cos(2 * np.pi * (moy - 7) / 12) + rng.normal(0, 1.2, TF)
                     for r in TERRITORIES])  # (R, TF)
    share = np.zeros((S, R, TF))
    depth = np.zeros((S, R, TF))
    rows = []
    for s in range(S):
        for r in range(R):
            for start in np.flatnonzero(rng.random(TF) < 0.1):  # about one promotion in ten months, 2-6 weeks long
                first = months[start] + pd.Timedelta(days=int(rng.integers(0, 20)))
                last = first + pd.Timedelta(days=int(rng.integers(14, 45)))
                d = float(rng.choice(DISCOUNTS))
                days = pd.date_range(first, last, freq="D")
                for m, n in pd.Series(1, index=days.to_period("M").start_time).groupby(level=0).sum().items():
                    t = months.get_loc(m) if m in months else None
                    if t is not None:
                        share[s, r, t] = min(1.0, share[s, r, t] + n / m.days_in_month)
                        depth[s, r, t] = max(depth[s, r, t], d)
                rows.append((f"K{s + 1:02d}", TERRITORIES[r], first.date(), last.date(), d))
    base = rng.lognormal(5.5, 1.0, S)[:, None, None] * rng.lognormal(0, 0.3, R)[None, :, None]
    years = np.arange(TF) / 12
    logmu = np.log(base) + np.zeros((S, R, TF))
    for s, c in enumerate(cats):
        logmu[s] += c.annual_amp * np.cos(2 * np.pi * (moy - c.peak_month) / 12)[None, :]
        logmu[s] += c.trend * years[None, :] + c.temp_beta * (temp - 20)
        logmu[s] += np.log1p(share[s] * np.expm1(c.elasticity * depth[s] / 100))
    units = rng.poisson(np.exp(logmu[:, :, :T]) * rng.gamma(40.0, 1 / 40, (S, R, T)))
    s_i, r_i, t_i = np.indices((S, R, T)).reshape(3, -1)
    price0 = np.round(rng.uniform(12, 40, S), 2)
    # the territory's whole beer market that month (every brewer's: ours is about a third), known only afterwards
    market = np.round(units.sum(axis=0) * 3 * rng.lognormal(0, 0.05, (R, T)), 0)  # (R, T)
    sales = pd.DataFrame({
        "month": months[t_i].date, "territory": np.array(TERRITORIES)[r_i], "sku": [f"K{s + 1:02d}" for s in s_i],
        "category": [cats[s].name for s in s_i], "units": units.ravel(), "promo": np.round(share[s_i, r_i, t_i], 3),
        "price": np.round(price0[s_i] * (1 - share[s_i, r_i, t_i] * depth[s_i, r_i, t_i] / 100), 2),
        "discount_pct": depth[s_i, r_i, t_i], "market_volume": market[r_i, t_i],
    })
    promotions = pd.DataFrame(rows, columns=["sku", "region", "start_week", "end_week", "discount_pct"])
    promotions = promotions[pd.to_datetime(promotions["start_week"]) >= months[T]]  # the plan; the past is in sales
    weather = pd.DataFrame({"month": np.tile(months.date, R), "territory": np.repeat(TERRITORIES, TF),
                            "temperature": np.round(temp.ravel(), 1)})
    truth = {"seed": seed, "start": START, "months": MONTHS, "territories": list(TERRITORIES),
             "categories": {c.name: asdict(c) for c in CATEGORIES},
             "sku_category": {f"K{s + 1:02d}": cats[s].name for s in range(S)},
             "uplift_full_month_20pct": {c.name: round(float(np.expm1(c.elasticity * 0.2)) * 100, 2) for c in CATEGORIES}}
    return {"sales": sales, "promotions": promotions.reset_index(drop=True), "weather": weather, "truth": truth}




def write(out_dir: str | Path, seed: int = 7) -> dict[str, Path]:
    """sales.csv (with a promo share column), promotions.csv, weather.csv and truth.json in ``out_dir``."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    data = generate(seed)
    paths = {}
    for name in ("sales", "promotions", "weather"):
        paths[name] = out / f"{name}.csv"
        data[name].to_csv(paths[name], index=False)
    (out / "truth.json").write_text(json.dumps(data["truth"], indent=1))
    paths["truth"] = out / "truth.json"
    return paths
