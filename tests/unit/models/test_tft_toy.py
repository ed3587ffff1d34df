"""A real TFT and LSTM at toy scale: what a user would notice (bands, attention, save/load, what-if)."""
import numpy as np
import pandas as pd
import pytest

from dashboard.data.calendars import RegionCalendar
from dashboard.data.features import add_category_promo, build_frame
from dashboard.schema import TrainConfig
from models import create, load
from sample_data.generator import Scale, generate

H, ENC = 4, 16


@pytest.fixture(scope="module")
def frame():
    g = generate(Scale(stores=2, skus=6, weeks=70), seed=5)
    s = g["sales"].astype({"sku": str, "region": str, "category": str, "store": str})
    s = s[s["region"].isin(["North", "South"])]
    sales = s.groupby(["week", "region", "sku", "category"], as_index=False).agg(
        units=("units", "sum"), price=("price", "mean"), promo=("promo", "mean"), discount_pct=("discount_pct", "mean"))
    return build_frame(sales, [RegionCalendar("North"), RegionCalendar("South")], weather=g["weather"])


def toy_config(model="tft"):
    return TrainConfig(model=model, preset="fast", holdout_weeks=H, horizon=H, encoder_weeks=ENC, min_encoder_weeks=4,
                       hidden_size=8, attention_heads=2, hidden_continuous_size=4, max_epochs=2, patience=2,
                       limit_train_batches=6, batch_size=32, learning_rate=0.02, threads=1,
                       refit_networks="any")  # weekly toy data: the refit the product makes on monthly panels


@pytest.fixture(scope="module")
def trained(frame):
    start = int(frame["time_idx"].max()) - H + 1
    model = create(toy_config())
    model.fit(frame[frame["time_idx"] < start])
    return model, start


def test_quantile_band_and_attention_shape(trained, frame):
    model, start = trained
    pred = model.predict(frame, start)
    n_series = frame[["sku", "region"]].drop_duplicates().shape[0]
    assert len(pred) == n_series * H
    assert (pred["p10"] <= pred["p50"]).all() and (pred["p50"] <= pred["p90"]).all()
    assert (pred["p90"] > pred["p10"]).mean() > 0.9  # a real band, not a line
    raw = model.net.loss.to_quantiles(model.raw_predict(frame, start).output["prediction"]).detach().numpy()
    assert raw.shape == (n_series, H, 3)
    interp = model.interpretation()
    assert interp["attention"].shape == (n_series, H, ENC)
    total = np.nansum(interp["attention"], axis=-1) + interp["decoder_attention"].sum(axis=-1)
    assert np.allclose(total, 1.0, atol=1e-3)  # history weeks + earlier forecast weeks = all attention
    assert np.allclose(np.nansum(interp["attention"][:, 0], axis=-1), 1.0, atol=1e-3)  # week 1 sees only history
    assert interp["static_importance"].shape[1] == len(interp["names"]["static"])


def test_forecast_in_slices_of_series_equals_one_pass(trained, frame, monkeypatch):
    """A store-grain shard is forecast a few thousand series at a time (models/pf_common.FORECAST_SLICE): the same
    bands and read-out as one pass over every series, a slice of a young series with a shorter encoder included."""
    import models.pf_common as pf
    from models.pf_common import series_slices

    model, start = trained
    first = (frame["sku"] == frame["sku"].iloc[0]) & (frame["region"] == frame["region"].iloc[0])
    young = frame[first & (frame["time_idx"] >= start - 6)].assign(sku="NEW-1")
    f = pd.concat([frame, young], ignore_index=True)  # a series with 6 weeks of history: its own last slice
    whole = model.predict(f, start)
    whole_interp = model.interpretation()
    n_series = f[["sku", "region"]].drop_duplicates().shape[0]
    size = n_series - 1  # 12 series, then the young one alone: its slice's attention is narrower
    monkeypatch.setattr(pf, "FORECAST_SLICE", size)
    masks = series_slices(f, size)
    assert len(masks) == 2 and (np.sum(masks, axis=0) == 1).all()  # every row in exactly one slice
    assert set(f.loc[masks[1], "sku"]) == {"NEW-1"}
    assert (whole["sku"] == "NEW-1").sum() == H
    sliced = model.predict(f, start)
    sliced_interp = model.interpretation()
    pd.testing.assert_frame_equal(whole, sliced, atol=1e-4, rtol=1e-4)
    key = pd.MultiIndex.from_frame(whole_interp["index"])
    order = pd.MultiIndex.from_frame(sliced_interp["index"]).get_indexer(key)
    assert (order >= 0).all()
    for name in ("attention", "decoder_attention", "encoder_lengths", "static_importance", "encoder_importance",
                 "decoder_importance"):
        np.testing.assert_allclose(sliced_interp[name][order], whole_interp[name], atol=1e-5, equal_nan=True)
    assert series_slices(frame, 10_000) == [None]  # a panel under the slice: one pass, no masks


def test_save_load_round_trip_identical(trained, frame, tmp_path):
    model, start = trained
    before = model.predict(frame, start)
    sha = model.save(tmp_path / "m")
    again = load(tmp_path / "m", expected_sha256=sha).predict(frame, start)
    pd.testing.assert_frame_equal(before, again)
    with pytest.raises(ValueError, match="checksum"):
        load(tmp_path / "m", expected_sha256="0" * 64)


def test_changing_one_series_plan_changes_only_that_series(trained, frame):
    """The pytorch-forecasting trap: future covariates must reach the decoder."""
    model, start = trained
    base = model.predict(frame, start).set_index(["sku", "region", "time_idx"])["p50"]
    sku = frame["sku"].iloc[0]
    edited = frame.copy()
    rows = (edited["sku"] == sku) & (edited["region"] == "North") & (edited["time_idx"] >= start)
    edited.loc[rows, "promo"] = 1.0
    edited.loc[rows, "discount_pct"] = 30.0
    after = model.predict(edited, start).set_index(["sku", "region", "time_idx"])["p50"]
    changed = (after - base).abs() > 1e-6
    assert changed.loc[(sku, "North")].all()
    assert not changed.drop(index=(sku, "North")).any()


def test_unknown_sku_is_forecast_not_rejected(trained, frame):
    model, start = trained
    extra = frame[(frame["sku"] == frame["sku"].iloc[0]) & (frame["region"] == "North")].copy()
    extra["sku"] = "NEW-SKU"
    out = model.predict(pd.concat([frame, extra]), start)
    assert (out["sku"] == "NEW-SKU").sum() == H


def test_lstm_trains_and_predicts(frame):
    start = int(frame["time_idx"].max()) - H + 1
    model = create(toy_config("lstm"))
    model.fit(frame[frame["time_idx"] < start])
    pred = model.predict(frame, start)
    assert len(pred) == frame[["sku", "region"]].drop_duplicates().shape[0] * H
    assert np.isfinite(pred[["p10", "p50", "p90"]].to_numpy()).all()


def test_category_promo_features_leave_the_sku_out():
    f = pd.DataFrame({"category": ["c"] * 3, "region": ["r"] * 3, "week": [pd.Timestamp("2024-01-01")] * 3,
                      "promo": [1.0, 0.0, 0.0], "discount_pct": [30.0, 0.0, 0.0]})
    out = add_category_promo(f)
    assert list(out["cat_promo_share"]) == [0.0, 0.5, 0.5]
    assert list(out["cat_mean_discount"]) == [0.0, 15.0, 15.0]


def test_a_small_panel_chooses_the_tft_dropout_on_its_validation_weeks(frame, tmp_path, monkeypatch):
    from dataclasses import replace

    from models import regularisation

    start = int(frame["time_idx"].max()) - H + 1
    model = create(replace(toy_config(), dropout_choices=(0.1, 0.3)))
    seen = []
    model.fit(frame[frame["time_idx"] < start], progress=seen.append)
    tried = model.training_log["dropout"]
    assert set(tried["validation_wape"]) == {"0.1", "0.3"}
    assert tried["chosen"] == float(min(tried["validation_wape"], key=tried["validation_wape"].get))
    assert model.config.dropout == tried["chosen"]
    assert set(tried["seconds"]) == {"0.1", "0.3"}  # both networks' training counts in the run's time
    refit = model.training_log["refit"]["seconds"]  # the kept networks trained again on every week (models/refit.py)
    assert model.training_log["seconds"] == pytest.approx(sum(tried["seconds"].values()) + refit, abs=0.2)
    assert {(d["member"], d["members"], d["network"]) for d in seen if "members" in d} == {
        (1, 2, "dropout 0.1"), (2, 2, "dropout 0.3"), (1, 1, "refit on every training week")}  # progress names each
    again = regularisation.validation_wape(model, frame[frame["time_idx"] < start], model.validation_start)
    assert again == pytest.approx(tried["validation_wape"][str(tried["chosen"])], abs=1e-3)  # the kept networks
    model.save(tmp_path / "m")
    assert load(tmp_path / "m").config.dropout == tried["chosen"]
    # more series than MAX_SERIES, or the LSTM: one network at the configured dropout
    monkeypatch.setattr(regularisation, "MAX_SERIES", 5)
    big = create(replace(toy_config(), dropout_choices=(0.1, 0.3), max_epochs=1))
    big.fit(frame[frame["time_idx"] < start])
    assert "dropout" not in big.training_log and big.config.dropout == 0.1
    monkeypatch.setattr(regularisation, "MAX_SERIES", 500)
    lstm = create(replace(toy_config("lstm"), dropout_choices=(0.1, 0.3), max_epochs=1))
    lstm.fit(frame[frame["time_idx"] < start])
    assert "dropout" not in lstm.training_log


def test_a_small_panel_refits_its_networks_on_every_training_week(trained, frame, tmp_path, monkeypatch):
    """The final refit (models/refit.py): a network trained on every training week, the early-stopping weeks included,
    for the epochs early stopping chose, forecasts the hold-out and the future; the early-stopped one still forecasts
    its validation weeks, which the refit learned from."""
    from dataclasses import replace

    from models import refit, regularisation

    model, start = trained
    val_start = model.validation_start
    log = model.training_log["refit"]
    assert log["epochs"] == [model.best_epoch] and log["first_origin"] == start == model.refit_from
    assert len(model.early_members) == len(model.members) == 1 and model.early_members[0] is not model.net
    assert refit.networks_for(model, val_start) is model.early_members and refit.networks_for(model, start) is model.members
    assert refit.networks_for(model, start + 5) is model.members  # the future too
    # the validation forecast is the early network's: the same as a model holding only it
    early_only = create(model.config)
    early_only.params, early_only.net, early_only.members = model.params, model.early_members[0], model.early_members
    pd.testing.assert_frame_equal(model.predict(frame, val_start), early_only.predict(frame, val_start))
    assert not np.allclose(model.predict(frame, start)["p50"], early_only.predict(frame, start)["p50"])
    # both kept in the saved run, and routed the same way once loaded
    model.save(tmp_path / "m")
    again = load(tmp_path / "m")
    assert again.refit_from == start and len(again.early_members) == 1
    for origin in (val_start, start):
        pd.testing.assert_frame_equal(model.predict(frame, origin), again.predict(frame, origin))
    # off in the config, past MAX_SERIES, and in runs saved before the field existed: the early network alone
    plain = create(replace(toy_config(), refit_networks="off", max_epochs=1))
    plain.fit(frame[frame["time_idx"] < start])
    assert "refit" not in plain.training_log and not plain.early_members and refit.networks_for(plain, start) == plain.members
    monkeypatch.setattr(regularisation, "MAX_SERIES", 5)
    big = create(replace(toy_config(), max_epochs=1))
    big.fit(frame[frame["time_idx"] < start])
    assert "refit" not in big.training_log
    assert TrainConfig.from_dict({"model": "tft"}).refit_networks == "off"
    # the default: monthly datasets only (weekly pasta's TFT lost 2 WAPE points with it: docs/accuracy.md)
    assert not refit.wanted(replace(toy_config(), refit_networks="month"))
    assert refit.wanted(replace(toy_config(), refit_networks="month", freq="month"))
    with pytest.raises(ValueError, match="refit_networks"):
        refit.wanted(replace(toy_config(), refit_networks=True))
