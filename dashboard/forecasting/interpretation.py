"""TFT attention and variable importance as tidy frames, and a plain-language summary per group.

Attention arrays are (series, forecast week h, encoder position), right-aligned: the last position
is the week just before the forecast starts. The *lag* of encoder position p for forecast week h
(1-based) is h + (L - 1 - p) weeks before the target week, so "the same week last year" is lag 52
for every forecast week: lag-aligned views put it in one column. A monthly run's lags are months: lag 12 is the
same month last year (``freq``).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from dashboard import periods
from dashboard.data import past_inputs

SAME_WEEK_LAST_YEAR = (51, 52, 53)
RECENT = (1, 2, 3)
# known inputs that carry the time of year: with them the model need not look back a year to know the season
SEASON_INPUTS = ("woy_sin", "woy_cos", "temperature", "lag52_log", "lag52_known", "holiday", "major_holiday",
                 "weeks_to_holiday")


def lag_matrix(attention: np.ndarray) -> np.ndarray:
    """(n, h, L) encoder attention -> (n, L + h - 1) attention by lag 1..L+h-1.

    Each forecast week's history attention is normalised to 1; a lag's value is the mean over the
    forecast weeks that can see it (lag 1 only exists for the first forecast week, lag 60 only for the
    last ones), and each row is normalised to sum to 1 again."""
    n, H, L = attention.shape
    att = np.nan_to_num(attention)
    tot = att.sum(axis=-1, keepdims=True)
    att = np.divide(att, tot, out=np.zeros_like(att), where=tot > 0)
    out = np.zeros((n, L + H - 1), dtype=np.float64)
    count = np.zeros(L + H - 1)
    for h in range(H):
        # position p -> lag (h + 1) + (L - 1 - p); reversed positions give lags h+1 .. h+L
        out[:, h:h + L] += att[:, h, ::-1]
        count[h:h + L] += 1
    out /= count
    rows = out.sum(axis=1, keepdims=True)
    return np.divide(out, rows, out=np.zeros_like(out), where=rows > 0)


def position_matrix(attention: np.ndarray) -> np.ndarray:
    """(n, L): attention by encoder position (weeks before the forecast starts), averaged over weeks."""
    att = np.nan_to_num(attention)
    tot = att.sum(axis=-1, keepdims=True)
    att = np.divide(att, tot, out=np.zeros_like(att), where=tot > 0)
    return att.mean(axis=1)


def groups_of(index: pd.DataFrame, categories: pd.DataFrame, by: str) -> pd.Series:
    """The group label of each interpreted series: category, region or 'category / region'."""
    j = index.merge(categories, on=["sku", "region"], how="left")
    if by == "category":
        return j["category"].astype(str)
    if by == "region":
        return j["region"].astype(str)
    return j["category"].astype(str) + " / " + j["region"].astype(str)


def attention_by_lag(interp: dict, groups: pd.Series) -> pd.DataFrame:
    """Rows: groups; columns: lag 1..; values: share of attention (0..1)."""
    m = lag_matrix(interp["attention"])
    frame = pd.DataFrame(m, columns=np.arange(1, m.shape[1] + 1))
    return frame.groupby(groups.to_numpy()).mean()


def attention_by_position(interp: dict, groups: pd.Series) -> pd.DataFrame:
    m = position_matrix(interp["attention"])
    L = m.shape[1]
    frame = pd.DataFrame(m, columns=np.arange(-L, 0))
    return frame.groupby(groups.to_numpy()).mean()


def pre_holiday_share(interp: dict, groups: pd.Series, start_week, holidays: pd.DataFrame,
                      freq: periods.Frequency = periods.WEEK) -> pd.DataFrame:
    """Share of history attention on weeks that were 1-2 weeks before a major holiday, against the
    share such weeks have among the encoder positions (what even attention would give)."""
    att = position_matrix(interp["attention"])
    L = att.shape[1]
    weeks = freq.range(end=freq.shift(start_week, -1), periods=L)
    h = holidays.assign(week=pd.to_datetime(holidays["week"]))
    h["pre"] = h["weeks_to_holiday"].between(1, 2).astype(float)
    pre = h.pivot_table(index="region", columns="week", values="pre").reindex(columns=weeks).fillna(0.0)
    regions = interp["index"]["region"].astype(str)
    mask = pre.reindex(regions).fillna(0.0).to_numpy()  # (n, L)
    share = (att * mask).sum(axis=1)
    base = mask.mean(axis=1)
    out = pd.DataFrame({"group": groups.to_numpy(), "pre_holiday_share": share, "even_share": base})
    return out.groupby("group").mean()


def importance_by_group(interp: dict, groups: pd.Series, kind: str) -> pd.DataFrame:
    """Mean variable importance (%) per group for 'static', 'encoder' or 'decoder' variables."""
    imp = interp[f"{kind}_importance"]
    imp = imp.div(imp.sum(axis=1).replace(0, np.nan), axis=0) * 100
    return imp.groupby(groups.to_numpy()).mean()


def summarise(by_lag: pd.DataFrame, pre_holiday: pd.DataFrame | None = None,
              decoder_importance: pd.DataFrame | None = None, by_position: pd.DataFrame | None = None,
              freq: periods.Frequency = periods.WEEK) -> dict[str, str]:
    """A sentence per group, from the numbers: where attention goes and which future input leads.

    "Same week last year" is lags 51-53 of the lag view; "the last 3 weeks" are the 3 history weeks
    just before the forecast starts (the position view), as a planner would say it."""
    out = {}
    n_lags = freq.season
    unit, units = freq.name, freq.plural
    same = (n_lags - 1, n_lags, n_lags + 1)  # 51-53 weeks, or 11-13 months
    even3 = 3 / n_lags * 100
    for group, row in by_lag.iterrows():
        last_year = float(row.reindex(list(same)).fillna(0).sum() * 100)
        if by_position is not None and group in by_position.index:
            recent = float(by_position.loc[group].iloc[-3:].sum() * 100)
        else:
            recent = float(row.reindex(list(RECENT)).fillna(0).sum() * 100)
        parts = []
        lags = f"lags {same[0]}-{same[-1]} (same {unit} last year)"
        if last_year >= recent:
            parts.append(f"{last_year:.0f} % of attention on {lags}")
            parts.append(f"{recent:.0f} % on the last 3 {units}")
        else:
            parts.append(f"{recent:.0f} % on the last 3 {units}")
            parts.append(f"{last_year:.0f} % on {lags}")
        if pre_holiday is not None and group in pre_holiday.index:
            p = pre_holiday.loc[group]
            parts.append(f"{p['pre_holiday_share'] * 100:.0f} % on the 2 {units} before holidays "
                         f"(even attention: {p['even_share'] * 100:.0f} %)")
        text = f"{str(group).capitalize()}: " + ", ".join(parts) + "."
        well = row.loc[4:n_lags + 1]
        peak = int(well.idxmax()) if len(well) else int(row.idxmax())  # well-supported lags only
        even_lag = 1 / n_lags
        if row[peak] >= 1.5 * even_lag:
            text += f" Peak at lag {peak}" + (f" (same {unit} last year)." if peak in same else
                                              f" (recent {units})." if peak <= 3 else ".")
        else:
            text += (f" No lag stands out (the highest, lag {peak}, gets {row[peak] * 100:.1f} % against an even "
                     f"{even_lag * 100:.1f} %).")
        season_inputs = 0.0
        if decoder_importance is not None and group in decoder_importance.index:
            imp = decoder_importance.loc[group]
            top = imp.sort_values(ascending=False)
            text += f" Leading future input: {_label(top.index[0], freq)} ({top.iloc[0]:.0f} %)."
            if "lag52_log" in imp.index:
                text += f" Last year's units for the same {unit}, given as an input, carry {imp['lag52_log']:.0f} %."
            season_inputs = float(imp.reindex(list(SEASON_INPUTS)).fillna(0).sum())
        verdict = ("It reads like a seasonal series." if last_year > 2 * even3 and last_year >= recent else
                   f"It follows recent {units}: a short demand cycle." if recent > 2 * even3 and recent > last_year else
                   f"Its attention is spread out: no single past {unit} dominates" +
                   (f"; it reads the season from its calendar, weather and last-year inputs ({season_inputs:.0f} % of "
                    "the future-input weight) rather than from particular past weeks." if season_inputs >= 30 else "."))
        out[str(group)] = text + " " + verdict
    return out


LABELS = {"promo": "promotion", "discount_pct": "discount depth", "cat_promo_share": "share of category on promo",
          "cat_mean_discount": "category discount", "holiday": "holiday in the week", "major_holiday": "major holiday",
          "weeks_to_holiday": "weeks to the next holiday", "woy_sin": "time of year", "woy_cos": "time of year",
          "temperature": "temperature", "lag52_log": "same week last year (units)", "lag52_known": "has last year",
          "relative_time_idx": "position in the horizon", "units": "past units", "encoder_length": "history length"}


def _label(name: str, freq: periods.Frequency = periods.WEEK) -> str:
    if name.startswith(past_inputs.PREFIX):
        return past_inputs.words(name)
    text = LABELS.get(name, name)
    return text.replace("week", freq.name) if freq is not periods.WEEK else text


def explain(interp: dict, series: pd.DataFrame, start_week, holidays: pd.DataFrame, by: str = "category",
            freq: periods.Frequency = periods.WEEK) -> dict:
    """Every Explain-page table for one run, grouped by category, region or category x region; ``freq``: the
    dataset's frequency (lags and words in months for a monthly run)."""
    groups = groups_of(interp["index"], series, by)
    by_lag = attention_by_lag(interp, groups)
    by_pos = attention_by_position(interp, groups)
    pre = pre_holiday_share(interp, groups, start_week, holidays, freq)
    imp = {k: importance_by_group(interp, groups, k) for k in ("static", "encoder", "decoder")}
    return {"by_lag": by_lag, "by_position": by_pos, "pre_holiday": pre,
            "importance": imp, "summary": summarise(by_lag, pre, imp["decoder"], by_pos, freq)}
