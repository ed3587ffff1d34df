"""Exports for the planning meeting: CSV/Excel tables and a one-file HTML report."""
from __future__ import annotations

import html
import io
from datetime import datetime, timezone

import pandas as pd


def dates(frame: pd.DataFrame) -> pd.DataFrame:
    """Week columns (timestamps at midnight) as plain dates: 2015-04-27, not 2015-04-27 00:00:00."""
    out = frame
    for c in frame.columns:
        col = frame[c]
        if pd.api.types.is_datetime64_any_dtype(col) and getattr(col.dt, "tz", None) is None:
            if (col.dropna() == col.dropna().dt.normalize()).all():
                out = out.assign(**{c: col.dt.date})
    return out


def excel_bytes(frames: dict[str, pd.DataFrame]) -> bytes:
    """One workbook, a sheet per frame (sheet names cut to Excel's 31 characters), weeks as dates."""
    buf = io.BytesIO()
    with pd.ExcelWriter(buf, engine="openpyxl") as xl:
        for name, frame in frames.items():
            out = dates(frame).copy()
            for c in out.columns:
                if pd.api.types.is_datetime64tz_dtype(out[c]) if hasattr(pd.api.types, "is_datetime64tz_dtype") else False:
                    out[c] = out[c].dt.tz_localize(None)
            out.to_excel(xl, sheet_name=name[:31], index=False)
    return buf.getvalue()


def report_html(title: str, assumptions: dict[str, str], figures: list, tables: dict[str, pd.DataFrame],
                sentences: list[str]) -> str:
    """A self-contained HTML page (plotly.js inlined once) that opens in any browser, offline."""
    parts = []
    for i, fig in enumerate(figures):
        parts.append(fig.to_html(full_html=False, include_plotlyjs="inline" if i == 0 else False))
    rows = "".join(f"<tr><th>{html.escape(k)}</th><td>{html.escape(str(v))}</td></tr>" for k, v in assumptions.items())
    tabs = "".join(f"<h2>{html.escape(name)}</h2>" + t.to_html(index=False, float_format=lambda x: f"{x:,.2f}", border=0, classes="t")
                   for name, t in tables.items())
    text = "".join(f"<li>{html.escape(s)}</li>" for s in sentences)
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    return f"""<!doctype html><html><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>body{{font-family:system-ui,sans-serif;margin:2rem auto;max-width:1200px;color:#1f2937}}
table.t,table.a{{border-collapse:collapse;margin:0.5rem 0 1.5rem}} .t td,.t th,.a td,.a th{{padding:4px 10px;border-bottom:1px solid #e5e7eb;text-align:left}}
h1{{color:#0f766e}}</style></head><body>
<h1>{html.escape(title)}</h1><p>Generated {stamp} by Promocast.</p>
<h2>Assumptions</h2><table class="a">{rows}</table>
<h2>What the model looks at</h2><ul>{text or '<li>No TFT explanation in this report.</li>'}</ul>
{tabs}
{''.join(parts)}
</body></html>"""
