"""Plotly figures of the promotions view: frame in, go.Figure out, no streamlit."""
from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

TYPE_COLORS = ("#2563eb", "#d97706", "#7c3aed", "#059669", "#db2777")
MECHANIC_WORDS = {"tpr": "price cut", "bogo": "price cut + buy-one-get-one", "feature": "price cut + feature",
                  "display": "price cut + display", "multibuy": "price cut + multi-buy", "other": "price cut + other"}

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
    """The model's expected uplift % by discount depth (line, P10-P90 of its series as a band; a dashed line per
    mechanic the run reads, ``response``'s ``mechanic`` column) and the realized uplift of past promotions of the
    category (dots, one colour per promo type)."""
    fig = go.Figure()
    r = response[response["category"] == category].sort_values("discount_pct")
    flag_only = bool(len(r)) and bool(r.get("flag_only", pd.Series(False, index=r.index)).all())
    if flag_only:  # promotions known only as a flag: one uplift, of being on promotion, not a curve by depth
        fig.add_trace(go.Scatter(x=[0.0], y=r["uplift_pct"], mode="markers", name="model: on promotion (no depth known)",
                                 marker=dict(color="#0f766e", size=14),
                                 error_y=dict(type="data", symmetric=False, array=r["p90"] - r["uplift_pct"],
                                              arrayminus=r["uplift_pct"] - r["p10"])))
    elif len(r):
        mech = r["mechanic"] if "mechanic" in r else pd.Series("tpr", index=r.index)
        t = r[mech == "tpr"]  # the band is the price cut's; each mechanic the run reads gets its own line
        fig.add_trace(go.Scatter(x=list(t["discount_pct"]) + list(t["discount_pct"][::-1]), y=list(t["p90"]) + list(t["p10"][::-1]),
                                 fill="toself", fillcolor="rgba(15,118,110,0.15)",
                                 line=dict(width=0), hoverinfo="skip", name="model, P10-P90 of its series"))
        for i, (m, g) in enumerate(r.groupby(mech, sort=False)):
            name = "model (one-week promotion)" if mech.nunique() == 1 else f"model: {MECHANIC_WORDS.get(m, m)}"
            fig.add_trace(go.Scatter(x=g["discount_pct"], y=g["uplift_pct"], mode="lines+markers", name=name,
                                     line=dict(color="#0f766e" if m == "tpr" else TYPE_COLORS[i % len(TYPE_COLORS)],
                                               width=3, dash="solid" if m == "tpr" else "dash")))
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
