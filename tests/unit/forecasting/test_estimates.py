"""The Train page's expected times: bigger datasets and presets take longer, more threads less, all finite."""
from dashboard.forecasting.estimates import estimate, estimates, expected_time_text, fmt, training_windows
from dashboard.forecasting.training import job_threads
from dashboard.schema import MODELS


def test_larger_presets_and_datasets_take_longer():
    small = estimate("tft", "standard", rows=93_600, series=600)
    ref = estimate("tft", "standard", rows=198_832, series=1360)
    assert 0 < small.typical_s < ref.typical_s <= ref.most_s
    # up to 500 series the TFT trains one network per dropout (models/regularisation.py): twice the networks
    tiny = estimate("tft", "standard", rows=24_960, series=160)
    assert "one network per dropout (0.1, 0.3)" in tiny.note and "dropout" not in small.note
    assert tiny.typical_s > 1.5 * estimate("tft", "fast", rows=24_960, series=160).typical_s
    assert estimate("tft", "fast", 198_832, 1360).typical_s < ref.typical_s < estimate("tft", "thorough", 198_832, 1360).typical_s
    assert estimate("tft", "standard", 198_832, 1360, threads=2).typical_s < ref.typical_s
    assert estimate("holt-winters", "standard", 198_832, 1360, threads=2).typical_s < estimate(
        "holt-winters", "standard", 198_832, 1360, threads=1).typical_s


def test_every_model_and_preset_is_quoted():
    est = estimates(198_832, 1360, threads=1)
    assert set(est) == {"fast", "standard", "thorough"}
    assert all(len(v) == len(MODELS) and all(e.typical_s > 0 for e in v) for v in est.values())
    text = expected_time_text(198_832, 1360, 1, gpu=False)
    assert "1,360 series" in text and "standard: about" in text and "tft: about" in text and "lightgbm: about" in text
    gbm = {p: next(e for e in v if e.model == "lightgbm").typical_s for p, v in est.items()}
    assert gbm["fast"] < gbm["standard"] < gbm["thorough"]


def test_windows_and_formatting():
    assert training_windows(rows=156 * 10, series=10) == 10 * (156 - 46)
    assert training_windows(rows=30, series=1) == 0
    assert fmt(30) == "30 s" and fmt(600) == "10 min" and fmt(7200) == "2.0 h"
    assert job_threads() >= 1
