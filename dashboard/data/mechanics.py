"""Promotion mechanics: what a promotion is besides its discount. A planner's calendar names a type per promotion
(``promo_type``: a temporary price reduction, a leaflet feature, an end-of-aisle display, a buy-one-get-one, a
multi-buy); several can hold together ("tpr+feature": a price cut featured in the leaflet).

Each mechanic other than the price cut itself is a 0/1 known input ``mech_<name>`` of a series-week: the price cut
is the discount, already an input. Several promotions of one series in one week combine by the rule: the deepest
discount is the week's discount (``calendar_plan``), and the week holds every mechanic any of them has (the union).
A type this module does not know is read as ``other``; the What-if names it.

Only the mechanics a dataset's history holds become model inputs (``present``): a model cannot learn a mechanic it
never saw, and a dataset without mechanics keeps exactly the inputs it had.
"""
from __future__ import annotations

import re

import pandas as pd

from dashboard.data import keyed

MECHANICS = ("feature", "display", "bogo", "multibuy", "other")
PREFIX = "mech_"
COLUMNS = [PREFIX + m for m in MECHANICS]
PRICE_CUT = "tpr"

# the words a calendar uses for each mechanic (lower case, after splitting "tpr+feature" on + / , & and "and")
ALIASES = {
    "tpr": PRICE_CUT, "promo": PRICE_CUT, "discount": PRICE_CUT, "price cut": PRICE_CUT, "price reduction": PRICE_CUT,
    "temporary price reduction": PRICE_CUT, "rollback": PRICE_CUT, "markdown": PRICE_CUT,
    "feature": "feature", "leaflet": "feature", "flyer": "feature", "circular": "feature", "ad": "feature",
    "mailer": "feature", "catalogue": "feature", "catalog": "feature",
    "display": "display", "end cap": "display", "endcap": "display", "end-cap": "display", "gondola end": "display",
    "gondola": "display", "aisle end": "display",
    "bogo": "bogo", "bogof": "bogo", "b1g1": "bogo", "buy one get one": "bogo", "buy one get one free": "bogo",
    "2 for 1": "bogo", "2for1": "bogo",
    "multibuy": "multibuy", "multi-buy": "multibuy", "multi buy": "multibuy", "3 for 2": "multibuy",
    "3for2": "multibuy", "2 for": "multibuy", "bundle": "multibuy", "mix and match": "multibuy",
}


def parse(promo_type) -> tuple[set[str], list[str]]:
    """(mechanics besides the price cut, words not understood) of one promo type: 'TPR + Feature' -> ({'feature'},
    []); 'coupon' -> ({'other'}, ['coupon']); empty or 'none' -> (set(), [])."""
    text = str(promo_type or "").strip().lower()
    if text in ("", "none", "nan"):
        return set(), []
    found, unknown = set(), []
    for part in re.split(r"\s*(?:\+|,|&|/|;|\band\b)\s*", text):
        part = part.strip()
        if not part:
            continue
        m = ALIASES.get(part) or ALIASES.get(part.replace("_", " ")) or _pattern(part)
        if m is None:
            found.add("other")
            unknown.append(part)
        elif m != PRICE_CUT:
            found.add(m)
    return found, unknown


def _pattern(part: str) -> str | None:
    if re.fullmatch(r"\d+\s*for\s*\d+", part):  # '3 for 2' is a multi-buy, '2 for 1' a BOGO (above)
        return "multibuy"
    return None


def flags(types: pd.Series) -> pd.DataFrame:
    """0/1 ``mech_*`` columns of a promo type column (its index kept)."""
    cache = {t: parse(t)[0] for t in pd.unique(types.astype(object))}
    out = pd.DataFrame(0.0, index=types.index, columns=COLUMNS)
    for m in MECHANICS:
        hit = types.map(lambda t: m in cache.get(t, set())).to_numpy(bool)
        out.loc[hit, PREFIX + m] = 1.0
    return out


def unknown_words(types: pd.Series) -> list[str]:
    """The promo types of a calendar no mechanic is known for (read as 'other')."""
    return sorted({w for t in pd.unique(types.dropna().astype(str)) for w in parse(t)[1]})


def present(frame: pd.DataFrame) -> list[str]:
    """The ``mech_*`` columns a model frame holds."""
    return [c for c in COLUMNS if c in frame.columns]


def words(col: str) -> str:
    return {"mech_bogo": "buy-one-get-one", "mech_multibuy": "multi-buy", "mech_other": "other mechanic"}.get(
        col, col[len(PREFIX):])


def add_to_frame(f: pd.DataFrame, calendar_weeks: pd.DataFrame | None) -> pd.DataFrame:
    """``mech_*`` columns on the model frame from the calendar's series-weeks (sku, region, week, mech_*): only the
    mechanics some history week holds (``present``); every other week 0."""
    if calendar_weeks is None or calendar_weeks.empty:
        return f
    c = calendar_weeks.assign(week=pd.to_datetime(calendar_weeks["week"]))
    last = f.loc[f["units"].notna(), "week"].max()
    seen = [m for m in COLUMNS if m in c and (c.loc[c["week"] <= last, m] > 0).any()]
    if not seen:
        return f
    got = keyed.at_rows(f, c, seen)
    stale = [m for m in COLUMNS if m in f and m not in seen]
    f = f.drop(columns=stale) if stale else f
    for m in seen:
        f[m] = got[m].fillna(0.0).to_numpy(float)
    return f


def apply_plan(f: pd.DataFrame, plan: pd.DataFrame) -> pd.DataFrame:
    """The frame's mechanic columns over the weeks ``plan`` names (a what-if's promo types): those weeks take the
    plan's mechanics, a week set to no promotion none."""
    cols = present(f)
    if not cols or plan is None or plan.empty or "promo_type" not in plan:
        return f
    p = plan.assign(week=pd.to_datetime(plan["week"])).reset_index(drop=True)
    given = p[COLUMNS].fillna(0.0) if all(c in p for c in COLUMNS) else flags(p["promo_type"])  # the union, if made
    p = pd.concat([p[["sku", "region", "week"]], given.reset_index(drop=True)
                   .mul((p["promo"].to_numpy(float) > 0)[:, None])], axis=1)
    got = keyed.at_rows(f, p, cols)
    for c in cols:  # in place: the callers' frames are their own (the frame build's, a what-if's series)
        f[c] = got[c].combine_first(f[c]).to_numpy(float)
    return f


def only_promoted(f: pd.DataFrame) -> pd.DataFrame:
    """The frame with its mechanics cleared in weeks without a promotion (a plan that takes a promotion away takes
    its feature or BOGO with it)."""
    cols = present(f)
    if cols:
        f = f.copy()
        f[cols] = f[cols].to_numpy(float) * (f["promo"].to_numpy(float) > 0)[:, None]
    return f


def union_by_week(rows: pd.DataFrame) -> pd.DataFrame:
    """sku, region, week and the union of the mechanics of every promotion row of that series-week."""
    fl = flags(rows["promo_type"])
    g = pd.concat([rows[["sku", "region", "week"]], fl], axis=1).groupby(["sku", "region", "week"], as_index=False)
    return g.max()


def known(types) -> set[str]:
    """Every mechanic the promo types name."""
    return set().union(*[parse(t)[0] for t in types]) if len(types) else set()

