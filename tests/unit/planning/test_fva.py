"""Forecast value added on a planted case: every step's WAPE and bias equal the hand-computed values, overrides that
helped and hurt are told apart, and the plan is scored on the actuals of the version that followed it."""
import pandas as pd
import pytest

from dashboard.planning import fva

W = pd.date_range("2026-01-05", periods=2, freq="W-MON")
SERIES = pd.DataFrame({"sku": ["A", "B"], "region": "N", "category": ["x", "y"]})
ACTUALS = pd.DataFrame({"sku": ["A", "A", "B", "B"], "region": "N", "week": list(W) * 2, "actual": [10.0, 10, 30, 30]})


def fc(values):
    return pd.DataFrame({"sku": ["A", "A", "B", "B"], "region": "N", "week": list(W) * 2, "p50": values})


def test_staircase_equals_hand_computed_wape_and_bias():
    steps = {"seasonal-naive": fc([20.0, 20, 20, 20]), "tft": fc([12.0, 8, 33, 27]), "published plan": fc([10.0, 10, 31, 29])}
    s = fva.staircase(ACTUALS, steps, SERIES).set_index("step")
    # actuals sum to 80; seasonal naive misses by 10+10+10+10 = 40 -> 50 %, bias (80 - 80) / 80 = 0
    assert s.loc["seasonal-naive", "wape"] == pytest.approx(50.0) and s.loc["seasonal-naive", "bias"] == pytest.approx(0.0)
    assert s.loc["tft", "wape"] == pytest.approx((2 + 2 + 3 + 3) / 80 * 100)  # 12.5
    assert s.loc["published plan", "wape"] == pytest.approx(2 / 80 * 100) and s.loc["published plan", "bias"] == 0
    assert s.loc["tft", "wape_change"] == pytest.approx(12.5 - 50.0)
    by = fva.staircase(ACTUALS, steps, SERIES, "category").set_index(["step", "category"])
    assert by.loc[("tft", "x"), "wape"] == pytest.approx(4 / 20 * 100) and by.loc[("tft", "y"), "bias"] == 0


def test_override_effects_tell_helped_from_hurt():
    plan = pd.DataFrame({"sku": ["A", "B"], "region": "N", "category": ["x", "y"], "week": [W[0], W[0]],
                         "p50": [10.0, 40.0], "model_p50": [14.0, 31.0], "scenario_delta": [0.0, 0.0],
                         "override_reason": ["supply", "competitor: new store"]})
    e = fva.override_effects(plan, ACTUALS).set_index("sku")
    assert bool(e.loc["A", "helped"]) and not bool(e.loc["B", "helped"])
    assert (e.loc["A", "error_before"], e.loc["A", "error_after"]) == (4.0, 0.0)
    assert (e.loc["B", "error_before"], e.loc["B", "error_after"]) == (1.0, 10.0)
