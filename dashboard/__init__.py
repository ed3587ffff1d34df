"""Promocast's application core, in packages named for what they own: ``data`` (getting data in), ``store`` (what
persists), ``forecasting`` (training and forecasts), ``planning`` (scenarios, overrides, the plan), ``promotions``
(what each promotion earns), ``reports`` (charts, exports), ``cli`` (the command line) and ``ui`` (the only streamlit
code); ``schema`` is the vocabulary they share. See docs/architecture.md."""
