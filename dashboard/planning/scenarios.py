"""What-if promotion scenarios: edits -> future inputs -> forecasts without retraining -> deltas.

A scenario is a list of edits over the forecast horizon (SKU or category; region or all; start week;
number of weeks; promo type; discount % or shelf price; or a regular price change, price_edits.py) applied on top of the base plan (the stored promotion
calendar), plus an optional temperature offset. Only the series whose inputs change are forecast
again: the edited ones and their category siblings in the same region, whose "share of the category
on promotion" inputs move with the edit (cannibalization). Everything else keeps the base forecast.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from dashboard import periods
from dashboard.data import mechanics, prices
from dashboard.data.features import KEYS, add_category_promo
from dashboard.planning import price_edits as pe

EDIT_COLUMNS = ["sku", "category", "region", "start_week", "weeks", "promo_type", "discount_pct", "shelf_price"]
PROMO_MODELS = ("tft", "lightgbm", "lstm")  # the models that read promotions as inputs, in the order pages offer them


def promotion_runs(runs: pd.DataFrame) -> pd.DataFrame:
    """The runs whose model reads promotions (what-if, Promotions, a plan's scenario), in ``PROMO_MODELS`` order."""
    r = runs[runs["model"].isin(PROMO_MODELS)]
    return r.sort_values("model", key=lambda m: m.map(PROMO_MODELS.index), kind="stable")


@dataclass
class Scenario:
    name: str
    edits: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=EDIT_COLUMNS))
    temperature_delta: float = 0.0
    author: str = ""


def parse_promo(text: str, freq: str = "week") -> dict:
    """'sku=S001,region=North,start=2026-01-05,weeks=2,discount=25[,type=tpr][,category=...]' -> edit row;
    ``price=1.99`` gives the shelf price instead of the discount, or with ``type=price change`` a new regular price
    (price_edits.py). A monthly
    dataset's edit gives its length as months=N (``freq``: the dataset's): a length in the other unit is refused,
    so 13 weeks never silently become 13 months. The row's ``weeks`` holds the length in the dataset's periods."""
    unit = "months" if freq == "month" else "weeks"
    other = "weeks" if unit == "months" else "months"
    keys = {"sku": "sku", "category": "category", "region": "region", "start": "start_week", unit: "weeks",
            "type": "promo_type", "discount": "discount_pct", "price": "shelf_price"}
    row = {c: None for c in EDIT_COLUMNS}
    for part in text.split(","):
        if "=" not in part:
            raise ValueError(f"--promo: '{part}' is not key=value (keys: {', '.join(keys)})")
        k, v = (p.strip() for p in part.split("=", 1))
        if k == other:
            raise ValueError(f"--promo: this dataset is planned by {unit[:-1]}: give the promotion's length as "
                             f"{unit}=N, not {k}={v}")
        if k not in keys:
            raise ValueError(f"--promo: unknown key '{k}' (keys: {', '.join(keys)})")
        row[keys[k]] = v
    if not row["sku"] and not row["category"]:
        raise ValueError("--promo needs sku= or category=")
    if not row["start_week"]:
        raise ValueError("--promo needs start=YYYY-MM-DD")
    try:
        row["start_week"] = pd.Timestamp(row["start_week"])
        row["weeks"] = int(row["weeks"] or 1)
        row["discount_pct"] = float(row["discount_pct"] or 0)
        row["shelf_price"] = float(row["shelf_price"]) if row["shelf_price"] not in (None, "") else None
    except (ValueError, TypeError) as exc:
        raise ValueError(f"--promo '{text}': {exc}") from exc
    row["promo_type"] = row["promo_type"] or "tpr"
    return row


def edits_frame(rows: list[dict]) -> pd.DataFrame:
    f = pd.DataFrame(rows, columns=EDIT_COLUMNS)
    return f


def expand_edits(edits: pd.DataFrame, series: pd.DataFrame, future_weeks: pd.DatetimeIndex,
                 regular: pd.DataFrame | None = None) -> pd.DataFrame:
    """Edit rows -> sku, region, week, promo, discount_pct, promo_type, regular_price for every covered series-week.

    A discount of 0 with promo type 'none' removes a planned promotion. A shelf price sets a promotion's discount
    against each series' regular price (``regular``: sku, region, regular_price, prices.regular_now); with the type
    'price change' it is the weeks' new regular price, their promotions kept. Raises ValueError naming an unknown
    SKU, category or region, or a price that cannot be read.
    """
    out = []
    period = periods.of_dates(future_weeks) if len(future_weeks) > 1 else periods.WEEK
    known = {c: set(series[c]) for c in ("sku", "category", "region")}
    area = series["area"] if "area" in series else series["region"]  # store grain: a region names its stores
    known["region"] |= set(area)
    for i, e in enumerate(edits.itertuples(index=False), start=1):
        m = pd.Series(True, index=series.index)
        for col in ("sku", "category", "region"):
            v = getattr(e, col)
            if isinstance(v, str) and v.strip() and v.strip().lower() != "all":
                if v.strip() not in known[col]:
                    raise ValueError(f"edit {i}: unknown {col} '{v}'")
                m &= (series[col] == v.strip()) | (area == v.strip()) if col == "region" else series[col] == v.strip()
        start = period.start([e.start_week]).iloc[0]  # the Monday of its week, or the 1st of its month
        weeks = period.range(start, periods=max(int(pe.given(e.weeks) or 1), 1))  # an empty cell: 1
        hit = series.loc[m, KEYS].merge(pd.DataFrame({"week": weeks}), how="cross")
        off = str(e.promo_type or "").lower() == "none"
        shelf = pe.given(getattr(e, "shelf_price", None))
        hit["edit"] = i
        if pe.is_price_change(e.promo_type):
            out.append(pe.price_change(hit, shelf, regular, i))
            continue
        hit["discount_pct"] = 0.0 if off else float(pe.given(e.discount_pct) or 0)
        if shelf is not None and not off:  # the shelf price sets the depth, series by series
            hit["discount_pct"] = pe.shelf_to_discount(hit, shelf, regular, i)
        hit["promo"] = 0.0 if off else 1.0
        hit["promo_type"] = "none" if off else (e.promo_type or "tpr")
        hit[prices.REGULAR] = np.nan
        out.append(hit)
    cols = ["sku", "region", "week", "promo", "discount_pct", "promo_type", prices.REGULAR, "edit"]
    if not out:
        return pd.DataFrame(columns=cols)
    return pe.combine(pd.concat(out, ignore_index=True))[cols]


MECHANIC_CHOICES = ["tpr", "feature", "display", "bogo", "multibuy", "tpr+feature", "tpr+display",
                    "tpr+feature+display", "none", pe.PRICE_CHANGE]  # the What-if's type column


def guards(plan: pd.DataFrame, history: pd.DataFrame, known_types: set[str], future_weeks: pd.DatetimeIndex,
           reads: list[str] | None = None, reads_price: bool = True) -> list[str]:
    """Warnings for what the model never saw: deeper discounts, mechanics it does not read, weeks past the horizon.
    ``reads``: the mechanics the run reads (mech_* columns: its dataset's history holds them); a planned mechanic
    outside them is forecast as a price cut of the same depth, and said so with the reason. ``reads_price``: a
    regular price change moves the run's forecast (else it is said to change nothing)."""
    warns = []
    if plan.empty:
        return warns
    if not reads_price and prices.REGULAR in plan and plan[prices.REGULAR].notna().any():
        warns.append("a price change: this run does not read prices (its dataset's regular prices never moved in "
                     "the history it learned from, or the model reads none), so the forecast stays as it is.")
    max_seen = float(history["discount_pct"].max()) if len(history) else 0.0
    if len(history) and "promo" in history and max_seen <= 0 and (history["promo"] > 0).any():
        warns.append("the promotion history carries no discount depth (promotions known only as a flag): the model "
                     "reads whether a week is on promotion, so a discount changes nothing it learned.")
    deep = plan[plan["discount_pct"] > max_seen]
    for d, g in deep.groupby("discount_pct"):
        warns.append(f"{d:.0f} % discount on {g[['sku', 'region']].drop_duplicates().shape[0]} series: deeper than any "
                     f"discount in the training history (max {max_seen:.0f} %), {d - max_seen:.0f} points outside; "
                     "the forecast extrapolates.")
    reads = [c[len("mech_"):] for c in (reads or [])]
    for t in sorted(set(plan.loc[plan["promo"] > 0, "promo_type"].astype(str)) - {"none"}):
        wanted, unknown = mechanics.parse(t)
        missing = sorted(wanted - set(reads))
        if unknown:
            warns.append(f"promo type '{t}': {', '.join(unknown)} is no mechanic Promocast knows (feature, display, "
                         "bogo, multibuy or a price cut): read as 'other'.")
        if not missing:
            continue
        why = ("this run reads promotions by their discount only: its dataset's promotion history names no mechanic"
               if not reads else f"this run reads {', '.join(reads)} besides the discount: the promotion history it "
               f"learned from has no {', '.join(missing)}")
        warns.append(f"promo type '{t}': the model cannot tell its {', '.join(missing)} from a price cut of the same "
                     f"depth ({why}; seen in the calendar: {', '.join(sorted(known_types)) or 'none'}).")
    if len(future_weeks):
        beyond = plan[(plan["week"] > future_weeks.max()) | (plan["week"] < future_weeks.min())]
        if len(beyond):
            weeks = sorted(beyond["week"].unique())
            unit = periods.of_dates(future_weeks) if len(future_weeks) > 1 else periods.WEEK
            warns.append(f"{unit.count(len(weeks))} outside the forecast horizon {future_weeks.min().date()} .. "
                         f"{future_weeks.max().date()} (e.g. {pd.Timestamp(weeks[0]).date()}): ignored.")
    return warns


class WhatIf:
    """Forecasts a scenario with a trained model, re-forecasting only the series whose inputs change."""

    def __init__(self, model, frame: pd.DataFrame, model_name: str, known_types: set[str] | None = None,
                 bands: pd.DataFrame | None = None, stored_base: pd.DataFrame | None = None):
        if model_name not in PROMO_MODELS:
            raise ValueError(f"{model_name} does not use promotions as inputs; pick a TFT, LightGBM or LSTM run for what-if")
        self.model, self.frame, self.model_name = model, frame, model_name
        self.run_id = ""  # set by what_if_engine
        self.last = int(frame.loc[frame["units"].notna(), "time_idx"].max())
        self.start = self.last + 1
        self.horizon = model.config.horizon
        fut = frame[(frame["time_idx"] >= self.start) & (frame["time_idx"] < self.start + self.horizon)]
        self.future_weeks = pd.DatetimeIndex(sorted(fut["week"].unique()))
        self.series = frame[["sku", "region", "category"] + (["area"] if "area" in frame else [])].drop_duplicates().reset_index(drop=True)
        self.known_types = known_types or set()
        self.bands = bands  # the run's band calibration (dashboard/forecasting/calibration.py), as its stored forecasts got
        self._base = self._usable(stored_base)

    def _usable(self, stored: pd.DataFrame | None) -> pd.DataFrame | None:
        """The run's stored forecast of these weeks under the stored plan (what ``_predict`` would give: the same
        model, frame and calibration), when it covers every series and week; None otherwise."""
        if stored is None or stored.empty:
            return None
        weeks = set(range(self.start, self.start + self.horizon))
        if set(stored["time_idx"].astype(int)) != weeks or len(stored) != len(stored[["sku", "region"]].drop_duplicates()) * len(weeks):
            return None
        return stored.sort_values(["sku", "region", "time_idx"]).reset_index(drop=True)

    def base(self) -> pd.DataFrame:
        if self._base is None:
            self._base = self._predict(self.frame)
        return self._base

    def _predict(self, frame: pd.DataFrame) -> pd.DataFrame:
        from dashboard.forecasting.calibration import apply

        out = self.model.predict(frame[frame["time_idx"] < self.start + self.horizon], self.start)
        return apply(out, self.bands, out["time_idx"] - self.start + 1)

    def run_unedited(self) -> dict:
        """``run`` of the stored plan as it stands (``StoredBase.run_unedited`` without the network)."""
        return self.run(Scenario("base", pd.DataFrame(), 0.0))

    def run(self, scenario: Scenario) -> dict:
        """{'forecast': all series under the scenario, 'base': base forecast, 'changed': series re-forecast,
        'warnings': [...]}"""
        plan = expand_edits(scenario.edits, self.series, self.future_weeks, prices.regular_now(self.frame, self.start)
                            ) if len(scenario.edits) else pd.DataFrame(
            columns=["sku", "region", "week", "promo", "discount_pct", "promo_type", prices.REGULAR, "edit"])
        hist = self.frame[self.frame["time_idx"] <= self.last]
        warns = guards(plan, hist, self.known_types, self.future_weeks, self.model.mechanic_inputs(),
                       self.model.reads_price())
        plan = plan[plan["week"].isin(self.future_weeks)]
        base = self.base()
        if plan.empty and not scenario.temperature_delta:
            return {"forecast": base, "base": base, "changed": self.series.iloc[0:0], "warnings": warns}
        if scenario.temperature_delta:
            groups = self.series[["category", "region"]].drop_duplicates()
        else:
            groups = plan.merge(self.series, on=KEYS)[["category", "region"]].drop_duplicates()
        affected = self.series.merge(groups, on=["category", "region"])
        sub = self.frame.merge(affected[KEYS], on=KEYS)
        fut = sub["time_idx"] >= self.start
        if len(plan):
            p = plan[KEYS + ["week", "promo", "discount_pct"]]
            sub = sub.merge(p, on=KEYS + ["week"], how="left", suffixes=("", "_new"))
            for c in ("promo", "discount_pct"):
                sub[c] = np.where(fut & sub[f"{c}_new"].notna(), sub[f"{c}_new"], sub[c])
            sub = sub.drop(columns=["promo_new", "discount_pct_new"])
            sub.loc[fut, ["cat_promo_share", "cat_mean_discount"]] = add_category_promo(sub.loc[fut].copy())[
                ["cat_promo_share", "cat_mean_discount"]].to_numpy()
            promos = plan[plan["promo"].notna()]  # a price change keeps the weeks' promotions and their mechanics
            sub = mechanics.apply_plan(sub, promos)  # the edited weeks' mechanics (a BOGO instead of a price cut)
            sub = prices.change_regular(sub, plan, fut.to_numpy())
        if scenario.temperature_delta:
            sub.loc[fut, "temperature"] = sub.loc[fut, "temperature"] + float(scenario.temperature_delta)
        new = self._predict(sub)
        rest = base.merge(affected[KEYS], on=KEYS, how="left", indicator=True)
        rest = rest[rest["_merge"] == "left_only"].drop(columns="_merge")
        forecast = pd.concat([rest, new], ignore_index=True).sort_values(["sku", "region", "time_idx"]).reset_index(drop=True)
        return {"forecast": forecast, "base": base, "changed": affected, "warnings": warns, "plan": plan}


def deltas(base: pd.DataFrame, scenario: pd.DataFrame, series: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """Scenario minus base per group (sku, category, region, week ...), in units and %, with P10/P90."""
    cols = ["sku", "region", "week", "p10", "p50", "p90"]
    j = base[cols].merge(scenario[cols], on=["sku", "region", "week"], suffixes=("_base", "_scen"))
    j = j.merge(series, on=KEYS, how="left")
    g = j.groupby(by, as_index=False)[["p10_base", "p50_base", "p90_base", "p10_scen", "p50_scen", "p90_scen"]].sum()
    g["delta"] = g["p50_scen"] - g["p50_base"]
    g["delta_pct"] = np.where(g["p50_base"] > 0, g["delta"] / g["p50_base"].where(g["p50_base"] > 0, 1) * 100, np.nan)
    return g


def what_if_engine(store, run_id: str):
    """A WhatIf for a run that reads promotions (``PROMO_MODELS``) on its dataset, with the stored plan as base."""
    return build_engine(engine_sources(store, run_id))


def engine_sources(store, run_id: str) -> dict:
    """Everything ``build_engine`` needs from the database, read here (the store's owner thread): the weights' folder
    and checksum, the model frame's kept file (the frame itself when none is kept yet), the calendar's promotion
    types and the band offsets. ``build_engine`` then reads files only, so it may run in a background thread."""
    from dashboard.data import frame_cache
    from dashboard.forecasting.training import model_frame
    from dashboard.store.runs import read_run

    run = store.run(run_id)
    if run["model"] not in PROMO_MODELS:
        raise ValueError(f"{run['model']} does not use promotions as inputs; pick a TFT, LightGBM or LSTM run for what-if")
    record = read_run(Path(run["run_dir"]))
    horizon = int(record["config"]["horizon"])
    kept = frame_cache.kept(store, run["dataset_id"], horizon)
    return {"run_id": run_id, "run_dir": Path(run["run_dir"]), "model_name": run["model"],
            "sha256": run.get("weights_sha256"), "frame_path": kept,
            "frame": None if kept else model_frame(store, run["dataset_id"], horizon=horizon),
            "types": set(store.promotions(run["dataset_id"])["promo_type"].dropna().astype(str)),
            "offsets": (record.get("bands") or {}).get("offsets")}


def build_engine(src: dict) -> WhatIf:
    from models import load

    from dashboard.store.runs import load_future

    model = load(src["run_dir"] / "model", expected_sha256=src["sha256"])
    frame = src["frame"] if src["frame"] is not None else pd.read_parquet(src["frame_path"])
    engine = WhatIf(model, frame, src["model_name"], src["types"], pd.DataFrame(src["offsets"]) if src["offsets"] else None,
                    stored_base=load_future(src["run_dir"]))  # the base is the forecast the run already made
    engine.run_id = src["run_id"]
    return engine
