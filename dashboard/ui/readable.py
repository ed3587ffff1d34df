"""Forecasts a page asks of a run that may not read them (a saved edit with a shelf price above the regular price,
...): said in words on the page, never a crash. The What-if and Promotions pages share these."""
from __future__ import annotations

import streamlit as st


def or_stop(compute, what: str):
    """``compute()``, or the page says "WHAT cannot be forecast: why" and stops."""
    try:
        return compute()
    except ValueError as exc:
        st.error(f"{what} cannot be forecast: {exc}")
        st.stop()


def each(names, compute) -> dict:
    """{name: compute(name)} for every name the run can forecast; each one left out is named with its reason."""
    out = {}
    for name in names:
        try:
            out[name] = compute(name)
        except ValueError as exc:
            st.warning(f"'{name}' is left out: {exc}")
    return out
