"""Import the forecasting stack (torch, Lightning, pytorch-forecasting: ~8 s cold on 2 cores) in the background once
per server process, as it starts, so the first What-if or Promotions visit does not wait for it."""
from __future__ import annotations

import threading

import streamlit as st


def _imports() -> None:
    try:
        import pytorch_forecasting  # noqa: F401

        import models.lstm  # noqa: F401
        import models.tft  # noqa: F401
    except Exception:  # noqa: BLE001 - only a head start: the page imports them itself when it needs them
        pass


@st.cache_resource(show_spinner=False)
def warm_up() -> threading.Thread:
    t = threading.Thread(target=_imports, name="promocast-warm-up", daemon=True)
    t.start()
    return t
