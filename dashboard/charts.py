"""Plotly figure builders: frame in, go.Figure out. No streamlit here."""
from __future__ import annotations

import pandas as pd
import plotly.express as px
import plotly.graph_objects as go

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
    fig = px.line(f, x="week", y="units", color="category", color_discrete_sequence=PALETTE,
                  title="Weekly units by category (all regions)")
    fig.update_layout(height=360, margin=dict(l=10, r=10, t=50, b=10), legend_title_text="")
    return fig


def history_bars(rollup: pd.DataFrame, by: str) -> go.Figure:
    cols = {"ok": "#0f766e", "warn (<104 wk)": "#d97706", "too short (<52 wk)": "#b91c1c"}
    fig = go.Figure([go.Bar(name=k, x=rollup[by], y=rollup[k], marker_color=c) for k, c in cols.items()])
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
