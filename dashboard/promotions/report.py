"""The promotions section of the HTML meeting report: the plan's totals in words, the promotions per mechanic and
ranked by incremental margin, the best one's waterfall, and what past promotions did per category."""
from __future__ import annotations

import pandas as pd

from dashboard.promotions import charts, tables


def section(plan_name: str, events: pd.DataFrame, past: pd.DataFrame | None) -> tuple[list, dict[str, pd.DataFrame], list[str]]:
    """(figures, tables, sentences) for ``build_report``."""
    t = tables.totals(events)
    sentences = [f"Promotions ({plan_name} plan): {t['promotions']} planned, {t['incremental_units']:+,.0f} units and "
                 f"{t['incremental_margin']:+,.0f} margin net of discount, cannibalization and dip (P50); "
                 f"{t['losing_money']} lose money."]
    figs = []
    if len(events):
        best = events.sort_values("net_margin_p50", ascending=False).iloc[0]
        figs.append(charts.waterfall(best, "margin"))
    out = {f"Planned promotions ({plan_name}) by mechanic": tables.by_mechanic(events),
           f"Planned promotions ({plan_name}), best incremental margin first": tables.planned(events).head(25)}
    if past is not None and len(past):
        lost = int(past["lost_money"].sum())
        sentences.append(f"Past promotions (hold-out and the year before): {len(past)}, of which {lost} lost money "
                         "against the counterfactual baseline.")
        out["Past promotions by category and type"] = tables.by_category(past)
    return figs, out, sentences
