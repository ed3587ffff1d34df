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


def test_breakdowns_group_as_metrics_does_point_by_point():
    """The vectorised roll-up (evaluation._group) gives, group by group, what ``metrics`` gives each group's points,
    missing actuals and forecasts, zero actuals and unscaled series included; keys stay Python values."""
    import pandas as pd

    from dashboard.forecasting.evaluation import _group, metrics

    rng = np.random.default_rng(7)
    n = 4_000
    j = pd.DataFrame({"sku": rng.choice([f"S{i}" for i in range(40)], n), "region": rng.choice(["N", "S", "E"], n),
                      "step": rng.integers(1, 14, n), "actual": rng.poisson(20, n).astype(float),
                      "scale": rng.choice([0.0, np.nan, 3.0, 7.5], n)})
    j["category"] = pd.Categorical(j["sku"].str[:2])
    j["p50"] = j["actual"] * rng.uniform(0.5, 1.5, n)
    j["p10"], j["p90"] = j["p50"] * 0.8, j["p50"] * 1.2
    j.loc[rng.choice(n, 30), "actual"] = np.nan
    j.loc[rng.choice(n, 30), "p50"] = np.nan
    j.loc[rng.choice(n, 200), "actual"] = 0.0
    j.loc[j["sku"] == "S3", "actual"] = 0.0  # a group with no units: WAPE and bias NaN

    def loop(by):
        rows = []
        for key, g in j.groupby(by, observed=True, sort=True):
            key = key if isinstance(key, tuple) else (key,)
            m = metrics(g["actual"], g["p50"], g["scale"])
            m["coverage_p10_p90"] = float(((g["actual"] >= g["p10"]) & (g["actual"] <= g["p90"])).mean() * 100)
            m["actual"], m["forecast"] = float(g["actual"].sum()), float(g["p50"].sum())
            rows.append({**dict(zip(by, key)), **m})
        return pd.DataFrame(rows)

    for by in (["sku", "region", "category"], ["category"], ["step"], ["category", "region"]):
        got, want = _group(j, by), loop(by)
        pd.testing.assert_frame_equal(got, want, check_exact=False, rtol=1e-9, atol=1e-9)
    assert _group(j, ["sku"]).set_index("sku").loc["S3", ["wape", "bias"]].isna().all()
