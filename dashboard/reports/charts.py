"""Plotly figure builders: frame in, go.Figure out. No streamlit here."""
from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.express as px
import plotly.graph_objects as go

from dashboard import periods

PALETTE = px.colors.qualitative.Safe


def coverage_heatmap(coverage: pd.DataFrame) -> go.Figure:
    """Units per category x region (rows) and week (columns): gaps and launches show as blanks."""
    f = coverage.assign(row=coverage["category"] + " / " + coverage["region"])
    pivot = f.pivot_table(index="row", columns="week", values="units", aggfunc="sum")
    fig = go.Figure(go.Heatmap(z=pivot.values, x=pivot.columns, y=pivot.index, colorscale="Teal",
                               colorbar=dict(title="units"), hovertemplate="%{y}<br>%{x|%Y-%m-%d}: %{z:,.0f}<extra></extra>"))
    fig.update_layout(title="Weekly units by category and region", height=max(300, 22 * len(pivot) + 120),
                      margin=dict(l=10, r=10, t=50, b=10))
    return fig


def coverage_lines(coverage: pd.DataFrame) -> go.Figure:
    f = coverage.groupby(["category", "week"], as_index=False)["units"].sum()
    fig = go.Figure([go.Scatter(x=g["week"], y=g["units"], name=str(cat), mode="lines", line=dict(color=PALETTE[i % len(PALETTE)]))
                     for i, (cat, g) in enumerate(f.groupby("category"))])
    fig.update_layout(title="Weekly units by category (all regions)", height=360, margin=dict(l=10, r=10, t=50, b=10),
                      legend_title_text="", yaxis_title="units")
    return fig


def history_bars(rollup: pd.DataFrame, by: str) -> go.Figure:
    status = [c for c in rollup.columns if c == "ok" or c.startswith(("warn (", "too short ("))]  # weeks or months
    fig = go.Figure([go.Bar(name=k, x=rollup[by], y=rollup[k], marker_color=c)
                     for k, c in zip(status, ("#0f766e", "#d97706", "#b91c1c"))])
    fig.update_layout(barmode="stack", title=f"Series by history length, per {by}", height=320,
                      margin=dict(l=10, r=10, t=50, b=10), yaxis_title="series")
    return fig


def loss_curve(progress: list[dict]) -> go.Figure:
    """Training loss per reported step and validation loss per epoch."""
    fig = go.Figure()
    train = [(p["step"], p["loss"]) for p in progress if p.get("loss") is not None]
    val = [(p["step"], p["val_loss"]) for p in progress if p.get("val_loss") is not None]
    if train:
        fig.add_trace(go.Scatter(x=[s for s, _ in train], y=[v for _, v in train], name="training loss", mode="lines"))
    if val:
        fig.add_trace(go.Scatter(x=[s for s, _ in val], y=[v for _, v in val], name="validation loss", mode="lines+markers"))
    fig.update_layout(height=260, margin=dict(l=10, r=10, t=30, b=10), xaxis_title="step", yaxis_title="quantile loss",
                      legend=dict(orientation="h", y=1.15))
    return fig


BAND = "rgba(15,118,110,0.15)"
MODEL_COLORS = {"tft": "#0f766e", "lstm": "#7c3aed", "lightgbm": "#2563eb", "recommended": "#ea580c", "holt-winters": "#d97706", "mstl": "#b45309", "seasonal-naive": "#6b7280",
                "planner": "#db2777"}


def promotion_weeks(history: pd.DataFrame, rollup: bool = False) -> pd.Series:
    """The weeks to shade: a series' promotion weeks; for a roll-up, the busiest quarter of the weeks with any series
    on promotion (by the share of its series on promotion): a region of 18,700 store series has some promotion every
    week, and shading them all said nothing."""
    share = history.get("promo", pd.Series(0.0, index=history.index)).fillna(0.0)
    on = share > 0
    if rollup and on.any():
        on &= share >= share[on].quantile(0.75)
    return history.loc[on, "week"]


def forecast_chart(history: pd.DataFrame, forecasts: dict[str, pd.DataFrame], holidays: pd.DataFrame | None = None,
                   holdout_start=None, title: str = "", rollup: bool = False,
                   bands: set[str] | None = None) -> go.Figure:
    """Actuals, then per model P50 with a P10-P90 band (only the models named in ``bands`` when given: seven models'
    bands on one chart are a smear); promo weeks shaded (``promotion_weeks``), major holidays dotted."""
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=history["week"], y=history["units"], name="actual units", mode="lines",
                             line=dict(color="#111827", width=2)))
    for i, (name, f) in enumerate(forecasts.items()):
        model = name.split(" ")[0]
        color = MODEL_COLORS.get(model, PALETTE[i % len(PALETTE)])
        if bands is None or model in bands:
            fig.add_trace(go.Scatter(x=list(f["week"]) + list(f["week"][::-1]), y=list(f["p90"]) + list(f["p10"][::-1]),
                                     fill="toself", fillcolor=_rgba(color, 0.13), line=dict(width=0), hoverinfo="skip",
                                     name=f"{name} P10-P90", showlegend=True, legendgroup=name))
        fig.add_trace(go.Scatter(x=f["week"], y=f["p50"], name=f"{name} P50", mode="lines",
                                 line=dict(color=color, width=2, dash="dash" if "future" in name else "solid"), legendgroup=name))
    # shapes and labels go in with one layout update: plotly's add_vrect/add_vline re-validate every shape
    # already there, which made this chart take 2 s with a few dozen promotion weeks
    shapes, notes = [], []
    for start, end in _spans(promotion_weeks(history, rollup)):
        shapes.append(dict(type="rect", xref="x", yref="paper", x0=start - pd.Timedelta(days=3.5), x1=end + pd.Timedelta(days=3.5),
                           y0=0, y1=1, fillcolor="#fde68a", opacity=0.35, line_width=0, layer="below"))
    if holidays is not None:
        for w, name in holidays[["week", "holiday_name"]].itertuples(index=False):
            shapes.append(dict(type="line", xref="x", yref="paper", x0=w, x1=w, y0=0, y1=1,
                               line=dict(color="#b91c1c", width=1, dash="dot")))
            notes.append(dict(x=w, y=1, yref="paper", text=name.split(";")[0][:14], showarrow=False, textangle=-90,
                              font=dict(size=9, color="#b91c1c"), xanchor="left", yanchor="top"))
    if holdout_start is not None:
        x = pd.Timestamp(holdout_start) - pd.Timedelta(days=3.5)
        shapes.append(dict(type="line", xref="x", yref="paper", x0=x, x1=x, y0=0, y1=1, line=dict(color="#374151", width=1)))
        notes.append(dict(x=pd.Timestamp(holdout_start), y=1.04, yref="paper", text="hold-out", showarrow=False, xanchor="left"))
    fig.update_layout(shapes=shapes, annotations=notes)
    fig.update_layout(title=title, height=460, margin=dict(l=10, r=10, t=60, b=10), yaxis_title="units",
                      legend=dict(orientation="h", y=-0.15), hovermode="x unified")
    return fig


def _spans(weeks: pd.Series) -> list[tuple[pd.Timestamp, pd.Timestamp]]:
    """Consecutive weeks (or months) merged into (first, last) spans."""
    w = pd.Series(sorted(pd.to_datetime(weeks).unique()))
    if w.empty:
        return []
    step = pd.Timedelta(days=31) if periods.of_dates(w) is periods.MONTH else pd.Timedelta(weeks=1)
    new = w.diff() > step  # a gap longer than one period starts a new span
    groups = new.cumsum()
    return [(g.iloc[0], g.iloc[-1]) for _, g in w.groupby(groups)]


def _rgba(hex_color: str, alpha: float) -> str:
    h = hex_color.lstrip("#")
    if len(h) != 6:
        return f"rgba(100,100,100,{alpha})"
    return f"rgba({int(h[0:2], 16)},{int(h[2:4], 16)},{int(h[4:6], 16)},{alpha})"


def metric_heatmap(frame: pd.DataFrame, metric: str) -> go.Figure:
    """Category x region heatmap of one error metric (%)."""
    pivot = frame.pivot_table(index="category", columns="region", values=metric)
    fig = go.Figure(go.Heatmap(z=pivot.values, x=pivot.columns, y=pivot.index, colorscale="OrRd",
                               text=np.round(pivot.values, 1), texttemplate="%{text}",
                               colorbar=dict(title=f"{metric.upper()} %")))
    fig.update_layout(title=f"{metric.upper()} by category and region", height=120 + 40 * len(pivot),
                      margin=dict(l=10, r=10, t=50, b=10))
    return fig


def horizon_chart(by_horizon: pd.DataFrame, period: str = "week") -> go.Figure:
    """WAPE by forecast step; ``period``: the dataset's, "week" or "month"."""
    fig = go.Figure()
    for model, f in by_horizon.groupby("model"):
        fig.add_trace(go.Scatter(x=f["step"], y=f["wape"], name=model, mode="lines+markers",
                                 line=dict(color=MODEL_COLORS.get(model))))
    fig.update_layout(title=f"WAPE by forecast {period} (1 = the first {period} after the cut-off)", height=320,
                      xaxis_title=f"{period}s ahead", yaxis_title="WAPE %", margin=dict(l=10, r=10, t=50, b=10))
    return fig


def promo_chart(by_promo: pd.DataFrame) -> go.Figure:
    fig = go.Figure()
    for kind, color in (("promo", "#d97706"), ("no promo", "#0f766e")):
        f = by_promo[by_promo["promo_week"] == kind]
        fig.add_trace(go.Bar(x=f["model"], y=f["wape"], name=kind, marker_color=color))
    fig.update_layout(title="WAPE in promotion weeks and in other weeks", barmode="group", height=320,
                      margin=dict(l=10, r=10, t=50, b=10), yaxis_title="WAPE %", legend_title_text="")
    return fig


def attention_heatmap(frame: pd.DataFrame, title: str, xaxis: str) -> go.Figure:
    z = frame.to_numpy() * 100
    fig = go.Figure(go.Heatmap(z=z, x=[str(c) for c in frame.columns], y=[str(i) for i in frame.index],
                               colorscale="Viridis", colorbar=dict(title="% attention"),
                               hovertemplate="%{y}<br>" + xaxis + " %{x}: %{z:.1f} %<extra></extra>"))
    fig.update_layout(title=title, height=160 + 28 * len(frame), margin=dict(l=10, r=10, t=50, b=40),
                      xaxis_title=xaxis, xaxis=dict(type="category"))
    return fig


def importance_chart(frame: pd.DataFrame, title: str) -> go.Figure:
    """Stacked horizontal bars: one row per group, one colour per input (plain go.Bar: plotly express took 0.2 s)."""
    colors = px.colors.qualitative.Set3
    groups = [str(g) for g in frame.index]
    traces = [go.Bar(x=frame[c].to_numpy(), y=groups, name=str(c), orientation="h", marker_color=colors[i % len(colors)])
              for i, c in enumerate(frame.columns)]
    fig = go.Figure(traces)
    fig.update_layout(title=title, height=160 + 30 * len(frame), margin=dict(l=10, r=10, t=50, b=10), xaxis_title="importance %",
                      yaxis_title="", legend_title_text="", barmode="stack")
    return fig


def leaderboard_chart(board: pd.DataFrame) -> go.Figure:
    b = board.sort_values("wape")
    fig = go.Figure(go.Bar(x=b["wape"], y=b["model"] + " · " + b["preset"] + " · " + b["run_id"].str[-4:], orientation="h",
                           marker_color=[MODEL_COLORS.get(m, "#6b7280") for m in b["model"]],
                           text=b["wape"].round(1), textposition="outside"))
    fig.update_layout(title="Hold-out WAPE % (lower is better)", height=120 + 28 * len(b), margin=dict(l=10, r=30, t=50, b=10),
                      yaxis=dict(autorange="reversed"), xaxis_title="WAPE %")
    return fig


def scenario_chart(totals: dict[str, pd.DataFrame], title: str) -> go.Figure:
    """Weekly totals per scenario (P50 line, P10-P90 band)."""
    fig = go.Figure()
    for i, (name, f) in enumerate(totals.items()):
        color = PALETTE[i % len(PALETTE)] if name != "base" else "#374151"
        fig.add_trace(go.Scatter(x=list(f["week"]) + list(f["week"][::-1]), y=list(f["p90"]) + list(f["p10"][::-1]),
                                 fill="toself", fillcolor=_rgba(color, 0.12) if color.startswith("#") else "rgba(0,0,0,0.08)",
                                 line=dict(width=0), hoverinfo="skip", showlegend=False))
        fig.add_trace(go.Scatter(x=f["week"], y=f["p50"], name=name, mode="lines+markers", line=dict(color=color)))
    fig.update_layout(title=title, height=380, margin=dict(l=10, r=10, t=50, b=10), yaxis_title="units (P50, P10-P90 band)",
                      hovermode="x unified")
    return fig


def delta_bars(frame: pd.DataFrame, by: str, title: str) -> go.Figure:
    f = frame.sort_values("delta")
    fig = go.Figure(go.Bar(x=f["delta"], y=f[by].astype(str), orientation="h",
                           marker_color=["#b91c1c" if d < 0 else "#0f766e" for d in f["delta"]],
                           text=[f"{d:+,.0f} ({p:+.1f} %)" if p == p else f"{d:+,.0f}" for d, p in zip(f["delta"], f["delta_pct"])],
                           textposition="outside"))
    fig.update_layout(title=title, height=140 + 24 * len(f), margin=dict(l=10, r=40, t=50, b=10), xaxis_title="units vs base")
    return fig
