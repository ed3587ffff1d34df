"""Rolling-origin validation windows: they never reach the hold-out, each is forecast from the weeks before it only
(a LightGBM retrained per window, a statistical model refitted), a network keeps its one early-stopping window, and
the recommendation is chosen on the windows every model shares and shows each window's scores."""
import numpy as np
import pandas as pd

from conftest import ar1_frame
from dashboard.forecasting import windows
from dashboard.forecasting.recommend import _aligned_windows, window_table, windows_note
from dashboard.schema import preset_config


def _hist(weeks=120):
    f = ar1_frame(series=4, weeks=weeks)
    return f[f["units"].notna()]


def test_origins_step_back_one_horizon_each_and_keep_a_year_of_history():
    h = _hist()
    assert windows.origins(h, 100, 8, 3) == [76, 84, 92]
    assert windows.origins(h, 100, 8, 1) == [92]
    assert windows.origins(h, 70, 8, 3) == [54, 62]  # 46 has under a year of weeks before it
    assert windows.origins(h, 58, 8, 3) == [50]  # the last window stays, whatever the history


def test_every_window_is_forecast_from_the_weeks_before_it_and_none_reaches_the_hold_out():
    from models import create

    hist, start, horizon = _hist(), 100, 8
    cfg = preset_config("lightgbm", "fast", threads=1, horizon=horizon, gbm_trees=40)
    model = create(cfg)
    model.fit(hist[hist["time_idx"] < start])
    trained = []

    def refit(model, train):
        trained.append(int(train["time_idx"].max()))
        return model.window_model(train)

    v = windows.validation(model, hist, start, horizon, 3, refit=refit)
    assert sorted(v["window"].unique()) == [1, 2, 3]
    assert v["time_idx"].max() < start
    for k, g in v.groupby("window"):
        assert g["time_idx"].min() == start - k * horizon and g["time_idx"].nunique() == horizon
    assert trained == [75, 83]  # windows 3 and 2 by fresh models trained on the weeks before them; 1 by the model
    # the window-2 forecast does not move when every actual from its first week on changes
    changed = hist.copy()
    later = changed["time_idx"] >= start - 2 * horizon
    changed.loc[later, "units"] = changed.loc[later, "units"] * 5 + 300
    again = windows.validation(model, changed, start, horizon, 3)
    a, b = v[v["window"] == 2], again[again["window"] == 2]
    np.testing.assert_allclose(a["p50"].to_numpy(), b["p50"].to_numpy())
    assert not np.allclose(a["actual"].to_numpy(), b["actual"].to_numpy())


def test_a_network_keeps_its_early_stopping_window_and_statistics_refit_at_every_origin():
    from models import create

    hist, start, horizon = _hist(), 100, 8
    sn = create(preset_config("seasonal-naive", horizon=horizon))
    sn.fit(hist[hist["time_idx"] < start])
    assert sorted(windows.validation(sn, hist, start, horizon, 3)["window"].unique()) == [1, 2, 3]

    class Network(type(sn)):  # a model that learned from every week but its last window, as a network does
        refit_windows = False

        def honest_from(self, origin):
            return origin >= start - horizon

    net = Network(sn.config)
    net.fit(hist[hist["time_idx"] < start])
    v = windows.validation(net, hist, start, horizon, 3, refit=lambda *a: (_ for _ in ()).throw(AssertionError))
    assert sorted(v["window"].unique()) == [1]


def test_the_choice_is_made_on_the_windows_every_model_shares_and_each_window_is_shown():
    def part(model_bias, window, first):
        rows = [{"sku": f"S{i}", "region": "R", "category": "c", "time_idx": first + s, "actual": 100.0,
                 "p50": 100.0 * (1 + model_bias), "week": pd.Timestamp("2024-01-01") + pd.Timedelta(weeks=first + s),
                 "window": window} for i in range(3) for s in range(4)]
        return pd.DataFrame(rows)

    validation = {"lightgbm": pd.concat([part(0.1, 2, 0), part(0.1, 1, 4)]), "tft": part(0.2, 1, 4)}
    assert _aligned_windows(validation) == {1}
    rec = {"windows": {m: windows.scores(v) for m, v in validation.items()}, "chosen_on_windows": [1]}
    table = window_table(rec)
    assert list(table.columns) == ["model", "weeks from 2024-01-01", "weeks from 2024-01-29"]
    assert table.set_index("model").loc["tft"].isna().tolist() == [True, False]
    assert round(table.set_index("model").loc["lightgbm", "weeks from 2024-01-01"], 1) == 10.0
    assert "tft forecast fewer" in windows_note(rec)


def test_a_network_gets_every_window_when_asked_one_network_per_window():
    from dataclasses import replace

    from conftest import tiny_config
    from models import create

    hist, start, horizon = _hist(), 100, 8
    cfg = replace(tiny_config("lstm"), horizon=horizon, network_windows=True)
    net = create(cfg)
    net.fit(hist[hist["time_idx"] < start])
    assert net.honest_from(start - horizon) and not net.honest_from(start - 2 * horizon)
    trained = []

    def refit(model, train):
        trained.append(int(train["time_idx"].max()))
        return model.window_model(train)

    v = windows.validation(net, hist, start, horizon, 3, refit=refit)
    assert sorted(v["window"].unique()) == [1, 2, 3] and trained == [75, 83]
    assert windows.refits(replace(cfg, devices=2), False) is False  # not under data-parallel training
