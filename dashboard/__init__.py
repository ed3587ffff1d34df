"""Promocast application core. Imports no streamlit (``ui.py`` aside)."""
