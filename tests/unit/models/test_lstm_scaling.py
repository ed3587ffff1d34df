"""The LSTM on high-volume series: direct decoding (the same decoder input in training and forecasting) and the
loss on each series' own normalised scale instead of in units."""
import numpy as np
import pytest
import torch

from dashboard.data.calendars import RegionCalendar
from dashboard.data.features import build_frame
from dashboard.schema import LEGACY, TrainConfig, preset_config
from models import create
from models.pf_common import prepare, training_dataset
from models.scaled_loss import loss_of, normalise_target, normalised_outputs
from models.windows import WindowArrays
from sample_data.generator import Scale, generate

H = 6


def sample_frame(weeks: int, big: float = 1.0):
    g = generate(Scale(stores=2, skus=6, weeks=weeks), seed=5)
    s = g["sales"].astype({"sku": str, "region": str, "category": str, "store": str})
    sales = s.groupby(["week", "region", "sku", "category"], as_index=False).agg(
        units=("units", "sum"), price=("price", "mean"), promo=("promo", "mean"), discount_pct=("discount_pct", "mean"))
    first = (sales["sku"] == sales["sku"].iloc[0]) & (sales["region"] == sales["region"].iloc[0])
    sales.loc[first, "units"] = sales.loc[first, "units"] * big  # planted: one series sells tens of thousands a week
    frame = prepare(build_frame(sales, [RegionCalendar(r) for r in sales["region"].unique()], weather=g["weather"]))
    return frame, (sales["sku"].iloc[0], sales["region"].iloc[0])


def small(model: str, **kw) -> TrainConfig:
    base = dict(horizon=H, holdout_weeks=H, encoder_weeks=26, min_encoder_weeks=8, hidden_size=16,
                attention_heads=2, hidden_continuous_size=8, batch_size=64, threads=1, dropout=0.0)
    return preset_config(model, "fast", **{**base, **kw})


@pytest.fixture(scope="module")
def dataset():
    frame, _ = sample_frame(70)
    return training_dataset(frame, small("lstm"))


def test_the_normalised_loss_is_the_loss_on_normalised_targets(dataset):
    torch.manual_seed(0)
    net = create(small("tft")).build(dataset).eval()
    x, y = WindowArrays(dataset).batch(torch.arange(0, 48))
    with torch.no_grad():
        units = net(x)["prediction"]
        with normalised_outputs(net) as normaliser:
            scaled = net(x)["prediction"]
        assert torch.allclose(normaliser(dict(prediction=scaled, target_scale=x["target_scale"])), units, rtol=1e-4)
        y_n = normalise_target(normaliser, y[0], x["target_scale"])
        back = normaliser(dict(prediction=y_n, target_scale=x["target_scale"]))
        assert torch.allclose(back, y[0], rtol=1e-4, atol=1e-3)
        assert torch.isclose(loss_of(net, x, y, True), net.loss(scaled, (y_n, None)))
        assert torch.isclose(loss_of(net, x, y, False), net.loss(units, y))
    assert net(x)["prediction"].shape == units.shape  # the normaliser is back after the block


def test_the_direct_decoder_forecasts_as_it_trains(dataset):
    """Teacher forcing vs autoregression is where pytorch-forecasting's RecurrentNetwork parts from itself."""
    x, _ = WindowArrays(dataset).batch(torch.arange(0, 32))
    outs = {}
    for decoding in ("direct", "autoregressive"):
        torch.manual_seed(0)
        net = create(small("lstm", lstm_decoding=decoding)).build(dataset)
        with torch.no_grad():
            outs[decoding] = net.train()(x)["prediction"], net.eval()(x)["prediction"]
    assert torch.allclose(*outs["direct"], atol=1e-6)
    assert not torch.allclose(*outs["autoregressive"], atol=1e-3)


def test_runs_saved_before_keep_what_they_were_trained_with(dataset):
    from pytorch_forecasting import RecurrentNetwork

    old = TrainConfig.from_dict({"model": "lstm", "preset": "standard"})
    assert old.lstm_decoding == LEGACY["lstm_decoding"] == "autoregressive" and old.loss_scale == "units"
    assert type(create(small("lstm", lstm_decoding="autoregressive")).build(dataset)) is RecurrentNetwork
    new = preset_config("lstm", "standard")
    assert (new.lstm_decoding, new.loss_scale) == ("direct", "normalised")
    assert TrainConfig.from_dict(new.to_dict()) == new


def _series_wape(model, frame, key, start):
    out = model.predict(frame, start)
    got = out[(out["sku"] == key[0]) & (out["region"] == key[1])].set_index("time_idx")["p50"]
    actual = frame[(frame["sku"] == key[0]) & (frame["region"] == key[1])].set_index("time_idx")["units"]
    y = actual.reindex(got.index).to_numpy()
    return float(np.abs(got.to_numpy() - y).sum() / np.abs(y).sum())


def test_a_high_volume_series_stays_within_twice_seasonal_naive():
    frame, key = sample_frame(130, big=2000.0)
    big = frame[(frame["sku"] == key[0]) & (frame["region"] == key[1])]["units"]
    assert big.median() > 10_000  # tens of thousands of units a week
    start = int(frame["time_idx"].max()) - H + 1
    train = frame[frame["time_idx"] < start]
    lstm = create(small("lstm", max_epochs=6, limit_train_batches=25, learning_rate=0.01, patience=6))
    lstm.fit(train)
    naive = create(small("seasonal-naive"))
    naive.fit(train)
    assert _series_wape(lstm, frame, key, start) <= 2 * _series_wape(naive, frame, key, start)
