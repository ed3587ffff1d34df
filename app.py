import streamlit as st

st.set_page_config(page_title="Promocast", page_icon=":material/insights:", layout="wide")
st.navigation([
    st.Page("pages/data.py", title="Data", icon=":material/database:", default=True),
    st.Page("pages/train.py", title="Train", icon=":material/model_training:"),
    st.Page("pages/forecast.py", title="Forecast", icon=":material/show_chart:"),
    st.Page("pages/accuracy.py", title="Accuracy", icon=":material/target:"),
    st.Page("pages/explain.py", title="Explain", icon=":material/visibility:"),
    st.Page("pages/scenarios.py", title="What-if", icon=":material/tune:"),
]).run()
