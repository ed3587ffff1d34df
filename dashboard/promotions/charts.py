"""Plotly figures of the promotions view: frame in, go.Figure out, no streamlit."""
from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

TYPE_COLORS = ("#2563eb", "#d97706", "#7c3aed", "#059669", "#db2777")

STEPS = (("baseline", "Baseline"), ("uplift", "Uplift"), ("cannibalization", "Cannibalization"), ("dip", "Post-promotion dip"))


def waterfall(event: pd.Series, measure: str = "units") -> go.Figure:
    """Baseline -> uplift -> cannibalization -> dip -> net for one promotion, in units or margin (with the supplier's
    funding as a step where it has any)."""
    if measure == "units":
        names = [(k, label) for k, label in STEPS]
        values = [float(event[f"{k}_units_p50"]) for k, _ in names]
        total_label, unit = "Baseline + net effect", "units"
    else:
        names = [("discount", "Discount on baseline units")] + [(k, label) for k, label in STEPS[1:]]
        if measure == "margin" and abs(float(event.get("funding_margin_p50", 0.0) or 0.0)) > 0:
            names.append(("funding", "Supplier funding"))
        values = [float(event[f"{k}_{measure}_p50"]) for k, _ in names]
        total_label, unit = f"Incremental {measure}", measure
    labels = [label for _, label in names] + [total_label]
    measures = (["absolute"] if measure == "units" else ["relative"]) + ["relative"] * (len(values) - 1) + ["total"]
    fig = go.Figure(go.Waterfall(x=labels, y=values + [0], measure=measures, text=[f"{v:+,.0f}" for v in values] + [""],
                                 textposition="outside", connector=dict(line=dict(color="#9ca3af")),
                                 increasing=dict(marker_color="#0f766e"), decreasing=dict(marker_color="#b91c1c"),
                                 totals=dict(marker_color="#374151")))
    title = (f"{event['sku']} · {event['region']} · {pd.Timestamp(event['start_week']).date()} · {event['weeks']:.0f} wk · "
             f"{event['discount_pct']:.0f} % {event['promo_type']}")
    fig.update_layout(title=title, height=380, margin=dict(l=10, r=10, t=50, b=10), yaxis_title=unit, showlegend=False)
    return fig


def uplift_curve(response: pd.DataFrame, past: pd.DataFrame | None, category: str) -> go.Figure:
    """The model's expected uplift % by discount depth (line, P10-P90 of its series as a band) and the realized
    uplift of past promotions of the category (dots, one colour per promo type)."""
    fig = go.Figure()
    r = response[response["category"] == category].sort_values("discount_pct")
    flag_only = bool(len(r)) and bool(r.get("flag_only", pd.Series(False, index=r.index)).all())
    if flag_only:  # promotions known only as a flag: one uplift, of being on promotion, not a curve by depth
        fig.add_trace(go.Scatter(x=[0.0], y=r["uplift_pct"], mode="markers", name="model: on promotion (no depth known)",
                                 marker=dict(color="#0f766e", size=14),
                                 error_y=dict(type="data", symmetric=False, array=r["p90"] - r["uplift_pct"],
                                              arrayminus=r["uplift_pct"] - r["p10"])))
    elif len(r):
        fig.add_trace(go.Scatter(x=list(r["discount_pct"]) + list(r["discount_pct"][::-1]), y=list(r["p90"]) + list(r["p10"][::-1]),
                                 fill="toself", fillcolor="rgba(15,118,110,0.15)",
                                 line=dict(width=0), hoverinfo="skip", name="model, P10-P90 of its series"))
        fig.add_trace(go.Scatter(x=r["discount_pct"], y=r["uplift_pct"], mode="lines+markers", name="model (one-week promotion)",
                                 line=dict(color="#0f766e", width=3)))
    if past is not None and len(past):
        p = past[past["category"] == category]
        for i, (t, g) in enumerate(p.groupby("promo_type")):
            fig.add_trace(go.Scatter(x=g["discount_pct"], y=g["uplift_pct"], mode="markers", name=f"past: {t}", opacity=0.6,
                                     marker=dict(color=TYPE_COLORS[i % len(TYPE_COLORS)], size=7),
                                     text=[f"{s} {r} {pd.Timestamp(w).date()}" for s, r, w in zip(g["sku"], g["region"], g["start_week"])]))
    title = (f"Uplift of being on promotion: {category} (its promotions carry no discount depth)" if flag_only
             else f"Uplift by discount depth: {category}")
    fig.update_layout(title=title, height=380, margin=dict(l=10, r=10, t=50, b=10),
                      xaxis_title="discount %", yaxis_title="uplift % over baseline")
    return fig
