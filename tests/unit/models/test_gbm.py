"""The gradient-boosted model: it never reads units at or after the forecast origin, its recursive lags are its
own earlier forecasts (checked by hand on a planted AR(1) series), and a counterfactual with unchanged inputs is
its plain forecast."""
import numpy as np
import pandas as pd
import pytest

from conftest import ar1_frame
from dashboard.schema import preset_config


def fitted(frame, start, **overrides):
    from models import create

    cfg = preset_config("lightgbm", "fast", threads=1, horizon=8, gbm_trees=60, **overrides)
    m = create(cfg)
    m.fit(frame[frame["time_idx"] < start])
    return m


def test_forecast_never_reads_units_at_or_after_the_origin():
    f = ar1_frame()
    start = 100
    m = fitted(f, start)
    base = m.predict(f, start)
    changed = f.copy()
    later = changed["time_idx"] >= start
    changed.loc[later, "units"] = changed.loc[later, "units"] * 7 + 1000  # every actual from the origin on
    again = m.predict(changed, start)
    pd.testing.assert_frame_equal(base, again)
    earlier = f.copy()
    earlier.loc[earlier["time_idx"] == start - 1, "units"] += 500  # the last week before the origin is read
    assert not np.allclose(m.predict(earlier, start)["p50"], base["p50"])


def test_recursive_lags_are_the_models_own_earlier_forecasts():
    f = ar1_frame()
    start = 100
    m = fitted(f, start, gbm_target="log1p")
    assert m.training_log["target"] == "log1p"
    m.predict(f, start)
    steps = m._last_features  # the features of each forecast step, series in m._last_ids order
    raw = m._raw(m.final, f, start)  # P50 before the band, in the same run
    s0 = m._last_ids[0]
    sku, region = s0.split("|")
    hist = f[(f["sku"] == sku) & (f["region"] == region)].set_index("time_idx")["units"]
    p = raw[(raw["sku"] == sku) & (raw["region"] == region)].set_index("time_idx")["p50"]
    y = {t: hist[t] for t in range(start - 60, start)} | {t: p[t] for t in range(start, start + 8)}
    for k in (0, 1, 2, 5):
        row = steps[k].iloc[0]
        t = start + k
        assert row["lag1"] == pytest.approx(np.log1p(y[t - 1]), rel=1e-5)
        assert row["lag2"] == pytest.approx(np.log1p(y[t - 2]), rel=1e-5)
        assert row["lag52"] == pytest.approx(np.log1p(y[t - 52]), rel=1e-5)
        mean4 = np.mean([np.log1p(y[t - j]) for j in range(1, 5)])
        assert row["rolling_mean_lag1_window_size4"] == pytest.approx(mean4, rel=1e-5)
        around = np.mean([np.log1p(y[t - j]) for j in (51, 52, 53)])
        assert row["rolling_mean_lag51_window_size3"] == pytest.approx(around, rel=1e-5)


def test_a_counterfactual_with_the_same_inputs_is_the_forecast_and_a_promotion_lifts_it():
    from models.counterfactual import for_model

    f = ar1_frame(promo_lift=0.6)
    start = 100
    m = fitted(f, start)
    cf = for_model(m, f, start)
    inputs = cf.inputs(f, ["promo", "discount_pct"])
    same = cf.forecast(inputs)
    pd.testing.assert_frame_equal(same.reset_index(drop=True), m.predict(f, start).reset_index(drop=True))
    no_promo = {k: np.zeros_like(v) for k, v in inputs.items()}
    with_promo = {"promo": np.zeros_like(inputs["promo"]), "discount_pct": np.zeros_like(inputs["promo"])}
    with_promo["promo"][:, 2], with_promo["discount_pct"][:, 2] = 1.0, 20.0  # every series on promotion in week 3
    base, lifted = cf.forecast(no_promo), cf.forecast(with_promo)
    wk = base["time_idx"] == start + 2
    assert (lifted.loc[wk, "p50"].to_numpy() > base.loc[wk, "p50"].to_numpy() * 1.2).all()
    # weeks before it are untouched, but for the week just before, which reads "a promotion next week"
    before = base["time_idx"] < start + 1
    assert np.allclose(lifted.loc[before, "p50"], base.loc[before, "p50"])


def test_saved_model_loads_and_forecasts_the_same(tmp_path):
    from models import load

    f = ar1_frame()
    m = fitted(f, 100)
    digest = m.save(tmp_path / "model")
    again = load(tmp_path / "model", expected_sha256=digest)
    pd.testing.assert_frame_equal(m.predict(f, 100), again.predict(f, 100))
    with pytest.raises(ValueError, match="checksum"):
        load(tmp_path / "model", expected_sha256="0" * 64)


def test_store_grain_ids_as_categoricals():
    """At store grain the location is the store and its region rides along as a fourth id; frames whose ids are
    pandas categoricals with different levels (a store-grain frame kept small) are read the same way."""
    import models.gbm_features as gf

    f = pd.DataFrame({"sku": ["A", "A"], "region": ["North-s001", "North-s002"], "category": ["x", "x"],
                      "area": ["North", "North"]})
    assert gf.statics(f) == ["sku", "region", "category", "area"]
    cat = f.astype("category")
    assert gf.statics(cat) == ["sku", "region", "category", "area"]
    assert gf.statics(f.assign(area=f["region"])) == ["sku", "region", "category"]


def test_several_seeds_forecast_their_average_and_explain_it():
    """``--seeds 2``: two LightGBMs from different seeds; the forecast is their mean, each one's own forecast is kept
    for the run's spread, and the averaged contributions add up to the mean of their target-scale outputs."""
    f = ar1_frame()
    start = 100
    m = fitted(f, start, seeds=2, gbm_target="log1p")
    assert list(m.final.models_) == ["lgb", "lgb1"] and list(m.early.models_) == ["lgb", "lgb1"]
    out = m.predict(f, start)
    a, b = m.member_frames
    np.testing.assert_allclose(out["p50"], (a["p50"] + b["p50"]) / 2, rtol=1e-6)
    assert not np.allclose(a["p50"], b["p50"])  # the seeds differ
    c = m.contributions()
    total = c.filter(like="x_").sum(axis=1) + c["bias"]
    logs = [np.log1p(x.set_index(["sku", "region", "time_idx"])["p50"]) for x in (a, b)]
    mean_log = ((logs[0] + logs[1]) / 2).reindex(pd.MultiIndex.from_frame(c[["sku", "region", "time_idx"]]))
    np.testing.assert_allclose(total.to_numpy(), mean_log.to_numpy(), rtol=1e-4, atol=1e-4)
    assert m.training_log["seeds"] == 2


def test_series_ids_code_each_series_once_and_sort_as_strings():
    from models.gbm_features import long_format, series_ids

    f = ar1_frame(series=3, weeks=60)
    f["sku"] = f["sku"].map({"S0": "b", "S1": "a", "S2": "c"}).astype("category")
    ids = series_ids(f)
    assert list(ids.categories) == ["a|North", "b|North", "c|North"]
    assert (np.asarray(ids, dtype=object) == (f["sku"].astype(str) + "|" + f["region"].astype(str)).to_numpy()).all()
    long = long_format(f)
    assert long["unique_id"].cat.codes.is_monotonic_increasing  # mlforecast's order: by series, then week
    assert long["promo"].dtype == np.float32


def test_target_chosen_on_a_sample_of_series_where_there_are_many(monkeypatch):
    from models import gbm

    f = ar1_frame(series=6)
    monkeypatch.setattr(gbm, "SEARCH_SERIES", 3)
    seen = []
    real = gbm.LightGBMForecaster._train

    def spy(self, data, target, report=None, seeds=1, into=None):
        seen.append((target, int(data["unique_id"].nunique())))
        return real(self, data, target, report, seeds, into)

    monkeypatch.setattr(gbm.LightGBMForecaster, "_train", spy)
    m = fitted(f, 100)
    best = m.training_log["target"]
    # three candidates on 3 of the 6 series, then the chosen one's early model and the final one on all 6
    assert seen[:3] == [(t, 3) for t in gbm.TARGETS]
    assert seen[3:] == [(best, 6), (best, 6)]
    assert set(m.training_log["validation_wape"]) == set(gbm.TARGETS)
    p = m.predict(f, 100 - 8)  # the early model's weeks: every series forecast
    assert p[["sku", "region"]].drop_duplicates().shape[0] == 6
