import logging
import os
import secrets
from pathlib import Path

import streamlit as st

from dashboard.ui.login import gate, login_configured
from dashboard.ui.warmup import warm_up

# The icon ships with the app: a ":material/…:" icon would make every browser ask a font host for the favicon.
ICON = Path(__file__).resolve().parent / "assets" / "promocast-icon.png"
st.set_page_config(page_title="Promocast", page_icon=str(ICON), layout="wide")

page = st.navigation([
    st.Page("views/data.py", title="Data", icon=":material/database:", default=True),
    st.Page("views/train.py", title="Train", icon=":material/model_training:"),
    st.Page("views/forecast.py", title="Forecast", icon=":material/show_chart:"),
    st.Page("views/accuracy.py", title="Accuracy", icon=":material/target:"),
    st.Page("views/explain.py", title="Explain", icon=":material/visibility:"),
    st.Page("views/scenarios.py", title="What-if", icon=":material/tune:"),
    st.Page("views/promotions.py", title="Promotions", icon=":material/sell:"),
    st.Page("views/plan.py", title="Plan", icon=":material/assignment_turned_in:"),
], position="hidden" if login_configured() and not st.user.is_logged_in else "sidebar")
warm_up()  # torch and pytorch-forecasting load in the background while the first page renders
gate()  # the login and the access file, when .streamlit/secrets.toml has [auth] (dashboard/ui/login.py)
try:
    page.run()
except Exception:  # st.rerun / st.stop are BaseExceptions and pass through
    if os.environ.get("PROMOCAST_DEBUG"):  # development and the tests: Streamlit shows the traceback
        raise
    error_id = secrets.token_hex(4)
    logging.getLogger("promocast").exception("error %s on page %s", error_id, page.title)
    st.error(f"Something went wrong on this page (error {error_id}). Nothing you saved is affected; the server "
             f"log has the details under that id.")
