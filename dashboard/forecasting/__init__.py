"""Training and forecasting: background jobs and their worker, the pipeline, evaluation, calibrated bands, the recommended forecast, estimates and interpretation."""
