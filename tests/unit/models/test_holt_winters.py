"""Holt-Winters: seasonal fit for long series, non-seasonal fallback for short ones, and the same forecasts
whether the series are fitted in one process or in spawned worker processes."""
import numpy as np
import pandas as pd

from dashboard.schema import preset_config


def panel(n_long=4, n_short=2, weeks=130, seed=3):
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n_long + n_short):
        n = weeks if i < n_long else 60
        t = np.arange(n)
        y = 50 + 15 * np.sin(2 * np.pi * t / 52) + rng.normal(0, 2, n)
        wk = pd.date_range("2022-01-03", periods=weeks, freq="W-MON")[-n:]
        rows.append(pd.DataFrame({"sku": f"S{i}", "region": "North", "week": wk, "units": y,
                                  "time_idx": np.arange(weeks - n, weeks)}))
    return pd.concat(rows, ignore_index=True)


def fit_predict(frame, start):
    from models import create

    m = create(preset_config("holt-winters", "standard"))
    m.fit(frame[frame["time_idx"] < start])
    return m, m.predict(frame, start)


def test_seasonal_and_fallback_and_spawned_pool_agree(monkeypatch):
    import models.statistical as hw  # where the pool size is chosen, for every statistical model

    f = panel()
    start = 120
    m1, one = fit_predict(f, start)
    assert sorted(m1.fallback_series) == ["S4|North", "S5|North"]
    err = (one.merge(f, on=["sku", "region", "time_idx"]).query("sku < 'S4'").eval("abs(p50 - units)").mean())
    assert err < 6, err  # the seasonal model follows the 52-week sine (amplitude 15)
    monkeypatch.setattr(hw, "_jobs", lambda n: 2)  # spawned worker processes, as at the reference scale
    _, two = fit_predict(f, start)
    pd.testing.assert_frame_equal(one.reset_index(drop=True), two.reset_index(drop=True))


def test_mstl_and_a_launch_too_young_for_ets(monkeypatch):
    """MSTL follows the season like Holt-Winters; a series launched 6 weeks before the forecast (the validation
    weeks of a late launch) gets its last value instead of statsforecast's 'tiny datasets' error."""
    from models import create

    f = panel()
    young = f[f["sku"] == "S0"].tail(14).assign(sku="S9")  # 6 weeks of history before week 122, 8 after
    f = pd.concat([f, young], ignore_index=True)
    start = 122
    for model in ("mstl", "holt-winters"):
        m = create(preset_config(model, "standard"))
        m.fit(f[f["time_idx"] < start])
        out = m.predict(f, start).merge(f, on=["sku", "region", "time_idx"])
        assert "S9|North" in m.fallback_series
        last = f[(f["sku"] == "S9") & (f["time_idx"] == start - 1)]["units"].iloc[0]
        assert np.allclose(out.loc[out["sku"] == "S9", "p50"], last)
        assert out.query("sku < 'S4'").eval("abs(p50 - units)").mean() < 6
