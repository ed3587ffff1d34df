import numpy as np
import pandas as pd
import pytest

from dashboard.forecasting.evaluation import evaluate, mape_inflated, metrics
from models.base import ordered


def test_metrics_by_hand():
    m = metrics([10, 0, 5], [12, 1, 5], scale=[1, 1, 1])
    assert m["mape"] == pytest.approx(10.0)          # (2/10 + 0/5) / 2, the zero actual skipped
    assert m["zero_actuals"] == 1
    assert m["wape"] == pytest.approx(20.0)          # (2 + 1 + 0) / 15
    assert m["smape"] == pytest.approx((4 / 22 + 2 + 0) / 3 * 100)
    assert m["bias"] == pytest.approx(20.0)          # (18 - 15) / 15, over-forecast
    assert m["mase"] == pytest.approx(1.0)


def test_metrics_edge_cases():
    m = metrics([0, 0], [0, 0])
    assert np.isnan(m["mape"]) and np.isnan(m["wape"]) and m["smape"] == 0
    assert metrics([5], [4], scale=[0])["mase"] != metrics([5], [4], scale=[0])["mase"]  # NaN: no scale


def test_evaluate_breakdowns():
    weeks = pd.date_range("2024-01-01", periods=60, freq="W-MON")
    rows = []
    for sku, cat, region in [("A", "x", "N"), ("B", "y", "S")]:
        for t, w in enumerate(weeks):
            rows.append(dict(sku=sku, region=region, category=cat, week=w, time_idx=t, units=10.0 + t % 3,
                             promo=float(t % 4 == 0), holiday=0.0))
    frame = pd.DataFrame(rows)
    start = 56
    pred = frame[frame.time_idx >= start][["sku", "region", "week", "time_idx"]].copy()
    pred["p50"] = 10.0
    pred["p10"], pred["p90"], pred["point"] = 8.0, 12.0, 10.0
    ev = evaluate(pred, frame, start)
    actual = frame[frame.time_idx >= start]["units"].to_numpy()
    assert ev["overall"]["wape"] == pytest.approx(np.abs(actual - 10).sum() / actual.sum() * 100)
    assert set(ev["by_category"]["category"]) == {"x", "y"}
    assert list(ev["by_horizon"]["step"]) == [1, 2, 3, 4]
    assert set(ev["by_promo"]["promo_week"]) == {"promo", "no promo"}
    assert len(ev["by_series"]) == 2 and ev["by_series"]["mase"].notna().all()
    assert ev["overall"]["coverage_p10_p90"] == 100.0


def test_mape_inflated_note():
    by_series = pd.DataFrame({"sku": ["A"], "region": ["N"], "mape": [300.0]})
    assert "inflate" in mape_inflated({"mape": 80.0, "wape": 20.0, "zero_actuals": 3}, by_series)
    assert mape_inflated({"mape": 21.0, "wape": 20.0}, by_series) == ""
    # the Accuracy page passes a stored leaderboard row (no zero count): the per-series table has it
    with_zeros = by_series.assign(zero_actuals=[4])
    assert "4 zero-unit weeks were left out" in mape_inflated({"mape": 80.0, "wape": 20.0}, with_zeros)


def test_ordered_fixes_crossing_quantiles():
    out = pd.DataFrame({"sku": ["A"], "region": ["N"], "week": [pd.Timestamp("2024-01-01")], "time_idx": [0],
                        "p10": [5.0], "p50": [3.0], "p90": [-1.0]})
    o = ordered(out)
    assert (o["p10"].iloc[0], o["p50"].iloc[0], o["p90"].iloc[0]) == (0.0, 3.0, 5.0) and o["point"].iloc[0] == 3.0


def test_runaway_forecasts_are_capped_and_named():
    from models.base import cap_runaway

    frame = pd.DataFrame({"sku": ["A"] * 4 + ["B"] * 4, "region": "N", "time_idx": [0, 1, 2, 3] * 2,
                          "units": [10.0, 50.0, 20.0, None, 5.0, 6.0, 7.0, None]})
    out = pd.DataFrame({"sku": ["A", "B"], "region": "N", "time_idx": [3, 3],
                        "p10": [100.0, 4.0], "p50": [11_000.0, 60.0], "p90": [20_000.0, 80.0]})
    capped, names = cap_runaway(out.copy(), frame, start_idx=3)
    assert names == ["A|N"]
    assert capped.loc[0, ["p10", "p50", "p90"]].tolist() == [100.0, 500.0, 500.0]   # 10x A's best week (50)
    assert capped.loc[1, ["p10", "p50", "p90"]].tolist() == [4.0, 60.0, 70.0]       # B: p90 capped at 10x 7
