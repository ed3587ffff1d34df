"""What a trained TFT, LightGBM or LSTM run says about promotions: the plan decomposed, past promotions judged on their
actuals, and the uplift the model expects for a discount depth, category by category."""
from __future__ import annotations

import numpy as np
import pandas as pd

from dashboard.data import mechanics
from dashboard.data.features import KEYS, add_category_promo, calendar_plan
from dashboard.promotions import decompose as dc
from dashboard.promotions.money import event_effects, regular_prices, with_prices

RESPONSE_DEPTHS = (0, 10, 20, 30, 40)
RESPONSE_WEEKS = (2, 8)  # horizon weeks (0-based) of the two one-week test promotions of the response curve
CALENDAR_COLUMNS = ["promo_type", "funded_pct", "scan_allowance"]  # what a week's promotion brings from the calendar
PAST_WINDOWS = 4  # past promotions: the hold-out and this many earlier 13-week windows (a year)


class PromotionAnalysis:
    """Counterfactual forecasts of one run over its dataset's frame (history + the planned weeks)."""

    def __init__(self, model, frame: pd.DataFrame, promotions: pd.DataFrame | None = None,
                 bands: pd.DataFrame | None = None, holdout_weeks: int = 13, engine=None):
        """``engine``: the counterfactual windows of ``frame``'s future already cut for ``model`` (a training
        job's, forecasting/sharded.py), else cut here."""
        from models.counterfactual import for_model

        self.model, self.frame, self.bands = model, frame, bands
        self.promotions = promotions if promotions is not None else pd.DataFrame()
        self.last = int(frame.loc[frame["units"].notna(), "time_idx"].max())
        self.start = self.last + 1
        self.horizon = int(model.config.horizon)
        self.holdout_start = self.last - int(holdout_weeks) + 1
        self.series = frame[["sku", "region", "category"] + (["area"] if "area" in frame else [])].drop_duplicates().assign(
            sku=lambda s: s["sku"].astype(str), region=lambda s: s["region"].astype(str)).reset_index(drop=True)
        self.cf = engine if engine is not None and engine.start == self.start else for_model(model, frame, self.start)
        self.prices = regular_prices(frame, self.start)

    # ---- the plan ------------------------------------------------------------------------------
    def plan_rows(self, frame: pd.DataFrame | None = None) -> pd.DataFrame:
        """The decoder weeks of ``frame`` (default: the stored plan) with each promoted week's promo type."""
        if frame is None and getattr(self, "_plan", None) is not None:
            return self._plan.copy()
        f = self.frame if frame is None else frame
        fut = f[(f["time_idx"] >= self.start) & (f["time_idx"] < self.start + self.horizon)]
        fut = fut.assign(sku=fut["sku"].astype(str), region=fut["region"].astype(str))
        if "promo_type" not in fut:
            types = calendar_plan(self.promotions, self.series, sorted(fut["week"].unique()))
            types = types.assign(week=pd.to_datetime(types["week"]))[KEYS + ["week", *CALENDAR_COLUMNS]]
            fut = fut.merge(types, on=KEYS + ["week"], how="left")
        if frame is None:
            self._plan = fut
        return fut.copy()

    def with_edits(self, plan: pd.DataFrame) -> pd.DataFrame:
        """The frame with a what-if scenario's expanded edits (``scenarios.expand_edits``) applied to its future weeks,
        the category shares recomputed, and each week's promo type."""
        fut = self.plan_rows()
        plan = None if plan is None else plan[plan["promo"].notna()]  # a regular price change is no promotion
        if plan is None or plan.empty:
            return fut
        p = plan.assign(sku=plan["sku"].astype(str), region=plan["region"].astype(str), week=pd.to_datetime(plan["week"]))
        fut = fut.merge(p[KEYS + ["week", "promo", "discount_pct", "promo_type"]], on=KEYS + ["week"], how="left",
                        suffixes=("", "_new"))
        edited = fut["promo_new"].notna()
        for c in ("promo", "discount_pct", "promo_type"):
            fut[c] = fut[f"{c}_new"].where(fut[f"{c}_new"].notna(), fut[c])
        for c in ("funded_pct", "scan_allowance"):  # an edited week is the edit's promotion: its category's funding
            if c in fut:
                fut.loc[edited, c] = np.nan
        fut = fut.drop(columns=["promo_new", "discount_pct_new", "promo_type_new"])
        fut.loc[fut["promo"] <= 0, "promo_type"] = None
        return add_category_promo(fut)

    def _forecasts(self, inputs: dict[str, np.ndarray]) -> dict[str, pd.DataFrame]:
        from dashboard.forecasting.calibration import apply

        out = {}
        for name, inp in dc.variants(inputs).items():
            f = self.cf.forecast(inp)
            out[name] = apply(f, self.bands, f["time_idx"] - self.start + 1)
        return out

    def decompose(self, plan_frame: pd.DataFrame | None = None, margins: dict[str, float] | None = None,
                  prices: dict[str, float] | None = None, funding: dict[str, dict] | None = None
                  ) -> tuple[pd.DataFrame, pd.DataFrame]:
        """(weekly rows, one row per promotion) for the stored plan or ``plan_frame`` (``with_edits``' result);
        ``funding``: the supplier's part per category (money.with_prices)."""
        w, ev = self.units(plan_frame)
        return in_money(w, ev, self.prices, margins, prices, funding)

    def units(self, plan_frame: pd.DataFrame | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
        """``decompose`` in units alone: (weekly rows with their forecasts, own and sibling effects, each row's
        ``event`` and ``dip_of``; one row per promotion). What the training job keeps of the stored plan
        (``promotions/stored.py``); money is added per margin."""
        fut = self.plan_rows() if plan_frame is None else mechanics.only_promoted(plan_frame)
        w = dc.weekly(self._forecasts(self.cf.inputs(fut, dc.promo_inputs(self.model))), fut)
        return w, dc.events(w)

    def max_discount_seen(self) -> float:
        """The deepest discount in the history: the table flags a planned promotion deeper than any seen."""
        return float(self.frame.loc[self.frame["units"].notna(), "discount_pct"].max())

    # ---- promotions already run ----------------------------------------------------------------
    def past(self, margins: dict[str, float] | None = None, windows: int = PAST_WINDOWS,
             prices: dict[str, float] | None = None, funding: dict[str, dict] | None = None) -> pd.DataFrame:
        """Promotions in the hold-out and the year before it: actual vs the counterfactual baseline (realized uplift)
        beside the model's uplift for the same weeks. ``in_training`` marks weeks the run was trained on. The
        forecasts are made once per analysis; new margins only redo the money."""
        rows = []
        for origin, w, ev in self._past_windows(windows):
            w = with_prices(w, regular_prices(self.frame, origin), margins or {}, prices, funding)
            model_view = event_effects(w, ev, siblings=False)
            for q in dc.Q:
                w[f"own_{q}"] = w["units"] - w[f"without_own_{q}"]
            actual = event_effects(w, ev, siblings=False, sold="units")
            keep = ["uplift_units_p50", "uplift_pct", "net_units_p50", "net_margin_p50"]
            actual = actual.merge(model_view[["event"] + keep].rename(columns={c: f"forecast_{c}" for c in keep}), on="event")
            actual["actual_units"] = actual["event"].map(w[w["event"] >= 0].groupby("event")["units"].sum())
            actual["in_training"] = origin < self.holdout_start
            actual["window_start"] = self.frame.loc[self.frame["time_idx"] == origin, "week"].iloc[0]
            rows.append(actual)
        if not rows:
            return pd.DataFrame()
        out = pd.concat(rows, ignore_index=True)
        out["lost_money"] = out["net_margin_p50"] < 0
        return out.sort_values("start_week").reset_index(drop=True)

    def _past_windows(self, windows: int) -> list[tuple[int, pd.DataFrame, pd.DataFrame]]:
        """(origin, weekly rows with actual units, events) per past 13-week window with promotions, made once."""
        from models.counterfactual import for_model

        memo = self.__dict__.setdefault("_past_memo", {})
        if windows in memo:
            return [(o, w.copy(), ev) for o, w, ev in memo[windows]]
        out = []
        for k in range(windows + 1):
            origin = self.holdout_start - k * self.horizon
            window = self.frame[self.frame["time_idx"] < origin + self.horizon]
            if origin - self.model.config.min_encoder_weeks < int(window["time_idx"].min()):
                break
            fut = window[window["time_idx"] >= origin]
            if not (fut["promo"] > 0).any():
                continue
            cf = for_model(self.model, window, origin)
            inputs = cf.inputs(fut, dc.promo_inputs(self.model))
            if not (np.nan_to_num(inputs["promo"]) > 0).any():
                continue
            fc = {n: cf.forecast(i) for n, i in dc.variants(inputs).items() if n != "baseline"}
            fc["baseline"] = fc["without_own"]  # siblings are not judged on actuals
            fut = fut.assign(sku=fut["sku"].astype(str), region=fut["region"].astype(str))
            types = calendar_plan(self.promotions, self.series, sorted(fut["week"].unique()))
            fut = fut.merge(types.assign(week=pd.to_datetime(types["week"]))[KEYS + ["week", *CALENDAR_COLUMNS]],
                            on=KEYS + ["week"], how="left")
            w = dc.weekly(fc, fut).merge(fut[KEYS + ["time_idx", "units"]], on=KEYS + ["time_idx"], how="left")
            w = w[w["units"].notna()].reset_index(drop=True)
            out.append((origin, w, dc.events(w)))
        memo[windows] = out
        return [(o, w.copy(), ev) for o, w, ev in out]

    # ---- the model's response to a discount ----------------------------------------------------
    def flag_only(self) -> list[str]:
        """Categories whose past promotions are known only as a flag: on promotion, never with a discount depth (an
        84-store panel's calendar said only "on promotion"). Their uplift is the flag's, read at no discount."""
        h = self.frame[self.frame["units"].notna() & (self.frame["promo"] > 0)]
        depth = h.groupby(h["category"].astype(str))["discount_pct"].max()
        return sorted(depth[depth <= 0].index)

    def mechanics(self) -> list[str]:
        """The mechanics the run reads besides the price cut ('feature', 'bogo', ...: dashboard/data/mechanics.py)."""
        return [c[len("mech_"):] for c in self.model.mechanic_inputs()]

    def response_by_mechanic(self, depth: float = 20.0) -> pd.DataFrame:
        """``response`` at one depth for the price cut alone ('tpr') and each mechanic the run reads, with
        ``log_ratio``: the mechanic's log-uplift over the price cut's of the same category (1.0: no difference)."""
        parts = [self.response((depth,), m).assign(mechanic=m) for m in ["tpr", *self.mechanics()]]
        out = pd.concat(parts, ignore_index=True)
        tpr = out[out["mechanic"] == "tpr"].set_index("category")["uplift_pct"]
        base = np.log1p(out["category"].map(tpr) / 100)
        out["log_ratio"] = np.log1p(out["uplift_pct"] / 100) / base.where(base.abs() > 1e-9)
        return out

    def curves(self, depths=RESPONSE_DEPTHS) -> pd.DataFrame:
        """``response`` for the price cut alone and for each mechanic the run reads (column ``mechanic``): the
        Promotions page's uplift curve, one line per mechanic."""
        return pd.concat([self.response(depths, m).assign(mechanic=m) for m in ["tpr", *self.mechanics()]],
                         ignore_index=True)

    def response(self, depths=RESPONSE_DEPTHS, mechanic: str = "tpr") -> pd.DataFrame:
        """Uplift % the model expects from a one-week promotion of each depth, per category: the ratio of summed
        units with and without it (no other promotion anywhere), and P10-P90 of the series' own uplift %.
        ``mechanic``: the promotion's mechanic besides its discount (one the run reads), default the price cut.
        A category whose promotions carry no depth (``flag_only``) gets one row instead, at discount 0 with
        ``flag_only`` True: the uplift of being on promotion, which is all its history can tell."""
        names = dc.promo_inputs(self.model)
        zero = {k: np.zeros((len(self.cf.keys), self.horizon)) for k in names}
        flag = f"mech_{mechanic}"
        if mechanic != "tpr" and flag not in zero:
            raise ValueError(f"this run does not read the mechanic '{mechanic}' (it reads: "
                             f"{', '.join(self.mechanics()) or 'the discount only'})")
        weeks = [w for w in RESPONSE_WEEKS if w < self.horizon]
        base = self.cf.forecast(zero)
        rows = []
        flags = set(self.flag_only())
        for d in ([0.0] if flags else []) + [d for d in depths if d > 0]:
            inp = {k: v.copy() for k, v in zero.items()}
            inp["promo"][:, weeks] = 1.0
            inp["discount_pct"][:, weeks] = float(d)
            if mechanic != "tpr":
                inp[flag][:, weeks] = 1.0
            f = self.cf.forecast(inp)
            j = base.merge(f, on=KEYS + ["time_idx"], suffixes=("_b", "_p"))
            j = j[(j["time_idx"] - self.start).isin(weeks)]
            per = j.groupby(KEYS, as_index=False)[["p50_b", "p50_p"]].sum().merge(self.series, on=KEYS)
            per = per[per["p50_b"] > 0]
            per["uplift_pct"] = (per["p50_p"] / per["p50_b"] - 1) * 100
            for c, g in per.groupby("category"):
                if (str(c) in flags) != (d <= 0):  # flag-only categories at no depth; the others by depth
                    continue
                rows.append({"category": c, "discount_pct": float(d), "series": len(g), "flag_only": str(c) in flags,
                             "uplift_pct": (g["p50_p"].sum() / g["p50_b"].sum() - 1) * 100,
                             "p10": float(np.percentile(g["uplift_pct"], 10)), "p90": float(np.percentile(g["uplift_pct"], 90))})
        return pd.DataFrame(rows)


def in_money(w: pd.DataFrame, ev: pd.DataFrame, regular: pd.DataFrame, margins: dict[str, float] | None,
             prices: dict[str, float] | None, funding: dict[str, dict] | None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(weekly rows, promotions) of a decomposition in units with its money at these margins, entered prices and
    funding (``money.with_prices``, ``money.event_effects``)."""
    w = with_prices(w, regular, margins or {}, prices, funding)
    return w, event_effects(w, ev)


def load(store, run_id: str) -> PromotionAnalysis:
    """The analysis of a stored TFT, LightGBM or LSTM run on its dataset (the stored promotion plan as the plan)."""
    from pathlib import Path

    from dashboard.forecasting.training import load_model, model_frame
    from dashboard.planning.scenarios import PROMO_MODELS
    from dashboard.store.runs import read_run

    model, run = load_model(store, run_id)
    if run["model"] not in PROMO_MODELS:
        raise ValueError(f"{run['model']} does not read promotions: pick a TFT, LightGBM or LSTM run to analyse promotions")
    frame = model_frame(store, run["dataset_id"], horizon=model.config.horizon)
    offsets = (read_run(Path(run["run_dir"])).get("bands") or {}).get("offsets")
    return PromotionAnalysis(model, frame, store.promotions(run["dataset_id"]), pd.DataFrame(offsets) if offsets else None,
                             holdout_weeks=int(run.get("holdout_weeks") or model.config.holdout_weeks))
