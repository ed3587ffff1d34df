"""The tensor path gives the network exactly what TimeSeriesDataSet's DataLoader gives it, and the matmul
interpolation gives exactly what pytorch-forecasting's F.interpolate gives."""
import copy

import numpy as np
import pytest
import torch

from dashboard.data.calendars import RegionCalendar
from dashboard.data.features import build_frame
from dashboard.schema import TrainConfig
from models import create
from models.interpolation import interpolation_matrix
from models.tft_fast import fuse_inputs, use_fast_layers
from models.loop import raw_output, steps_per_epoch
from models.pf_common import decoder_dataset, prepare, training_dataset
from models.windows import WindowArrays
from sample_data.generator import Scale, generate

H, ENC = 4, 16


@pytest.fixture(scope="module")
def frame():
    g = generate(Scale(stores=2, skus=6, weeks=60), seed=3)
    s = g["sales"].astype({"sku": str, "region": str, "category": str, "store": str})
    sales = s.groupby(["week", "region", "sku", "category"], as_index=False).agg(
        units=("units", "sum"), price=("price", "mean"), promo=("promo", "mean"), discount_pct=("discount_pct", "mean"))
    # a late launch, so encoder lengths differ inside a batch (padding is where paths could part)
    sales = sales[~((sales["sku"] == sales["sku"].iloc[0]) & (sales["week"] < sales["week"].min() + np.timedelta64(30, "W")))]
    return prepare(build_frame(sales, [RegionCalendar(r) for r in sales["region"].unique()], weather=g["weather"]))


def config(model="tft"):
    return TrainConfig(model=model, preset="fast", horizon=H, holdout_weeks=H, encoder_weeks=ENC, min_encoder_weeks=4,
                       hidden_size=8, attention_heads=2, hidden_continuous_size=4, batch_size=16, threads=1)


@pytest.fixture(scope="module")
def dataset(frame):
    return training_dataset(frame, config())


def pf_batch(ds, ids):
    return ds._collate_fn([ds[int(i)] for i in ids])


def assert_same_x(a, b):
    assert set(a) == set(b)
    for k in a:
        va, vb = a[k], b[k]
        assert va.shape == vb.shape, k
        assert va.dtype == vb.dtype, k
        assert torch.allclose(va.double(), vb.double(), atol=1e-6), k


def test_training_windows_match_the_dataloader(dataset):
    arrays = WindowArrays(dataset)
    assert len(arrays) == len(dataset)
    ids = torch.tensor([0, 1, 5, len(dataset) // 2, len(dataset) - 1] + list(range(7, 40, 3)))
    lengths = arrays.encoder_len[ids]
    assert lengths.min() < lengths.max() == ENC  # the batch mixes short and full encoders
    x_pf, y_pf = pf_batch(dataset, ids)
    x_t, y_t = arrays.batch(ids)
    assert_same_x(x_pf, x_t)
    assert torch.equal(y_pf[0], y_t[0]) and y_pf[1] is None and y_t[1] is None


def test_prediction_windows_match_the_dataloader(dataset, frame):
    start = int(frame["time_idx"].max()) - H + 1
    pred = decoder_dataset(dataset.get_parameters(), frame, start, H)
    arrays = WindowArrays(pred)
    ids = torch.arange(len(pred))
    assert len(pred) == frame[["sku", "region"]].drop_duplicates().shape[0]
    assert_same_x(pf_batch(pred, ids)[0], arrays.batch(ids)[0])
    assert (arrays.batch(ids)[0]["decoder_time_idx"][:, 0] == start).all()
    assert list(arrays.decoded_index.columns[:2]) == ["sku", "region"] or {"sku", "region"} <= set(arrays.decoded_index)


@pytest.mark.parametrize("model", ["tft", "lstm"])
def test_same_loss_on_a_fixed_batch(dataset, model):
    torch.manual_seed(0)
    net = create(config(model)).build(dataset).eval()
    ids = torch.arange(0, len(dataset), max(1, len(dataset) // 48))
    (x_pf, y_pf), (x_t, y_t) = pf_batch(dataset, ids), WindowArrays(dataset).batch(ids)
    with torch.no_grad():
        a = net.loss(net(x_pf)["prediction"], y_pf)
        b = net.loss(net(x_t)["prediction"], y_t)
    assert torch.allclose(a, b, rtol=1e-6, atol=1e-6)


def test_sampling_is_seeded_and_uniform_over_windows(dataset):
    arrays = WindowArrays(dataset)
    g1, g2 = torch.Generator().manual_seed(1), torch.Generator().manual_seed(1)
    assert torch.equal(arrays.sample(32, g1)[0]["encoder_cont"], arrays.sample(32, g2)[0]["encoder_cont"])
    assert steps_per_epoch(1000, 128, None) == 8 and steps_per_epoch(1000, 128, 3) == 3


def test_interpolation_matrix_is_f_interpolate():
    x = torch.randn(50, 16, dtype=torch.float64)
    for n_in, n_out in [(16, 32), (8, 16), (4, 32), (7, 13), (16, 16), (1, 8)]:
        xi = x[:, :n_in]
        ref = torch.nn.functional.interpolate(xi[:, None], n_out, mode="linear", align_corners=True)[:, 0]
        assert torch.allclose(xi @ interpolation_matrix(n_in, n_out, torch.float64), ref, atol=1e-12)


@pytest.mark.parametrize("stacked,fold", [(False, True), (False, False), (True, True)])
def test_fast_tft_matches_pytorch_forecasting_outputs_and_gradients(dataset, stacked, fold):
    """Upstream's TFT and ours (interpolation as a matmul, variable selection with the matmul sum, inputs one by one
    with or without the scalar layers folded, or stacked) from the same weights: outputs and every gradient to 1e-5."""
    from pytorch_forecasting import TemporalFusionTransformer
    from pytorch_forecasting.metrics import QuantileLoss

    torch.manual_seed(0)
    ref = TemporalFusionTransformer.from_dataset(dataset, hidden_size=16, attention_head_size=2, dropout=0.0,
                                                 hidden_continuous_size=8, loss=QuantileLoss([0.1, 0.5, 0.9]))
    with torch.no_grad():  # away from the initialisation (zero biases, gates at 1): every folded term counts
        for p in ref.parameters():
            p.add_(0.2 * torch.randn_like(p))
    ref.double()  # in float64, so that 1e-5 tests the algebra and not float32 rounding through expm1
    fast = copy.deepcopy(ref)
    assert use_fast_layers(fast) > 10
    fuse_inputs(fast, stacked)
    for module in fast.modules():
        if hasattr(module, "fold_reals"):
            module.fold_reals = fold
    assert set(fast.state_dict()) == set(ref.state_dict())  # saved runs are unchanged
    x, y = WindowArrays(dataset).batch(torch.arange(0, min(64, len(dataset))))
    x = {k: v.double() if torch.is_tensor(v) and v.is_floating_point() else v for k, v in x.items()}
    y = tuple(v.double() if torch.is_tensor(v) and v.is_floating_point() else v for v in y)
    outs = []
    for net in (ref, fast):
        net.train()
        net.zero_grad()
        out = net(x)
        net.loss(out["prediction"], y).backward()
        outs.append(out)
    assert torch.allclose(outs[0]["prediction"], outs[1]["prediction"], atol=1e-5)
    assert torch.allclose(outs[0]["encoder_attention"], outs[1]["encoder_attention"], atol=1e-5)
    for (name, p_ref), (_, p_fast) in zip(ref.named_parameters(), fast.named_parameters()):
        if p_ref.grad is not None:
            assert torch.allclose(p_ref.grad, p_fast.grad, atol=1e-5), name


def test_raw_output_of_the_tensor_path_has_the_shapes_predict_gave(dataset, frame):
    torch.manual_seed(0)
    net = create(config()).build(dataset).eval()
    start = int(frame["time_idx"].max()) - H + 1
    arrays = WindowArrays(decoder_dataset(dataset.get_parameters(), frame, start, H))
    out, x = raw_output(net, arrays, batch_size=5)  # several batches with different longest encoders
    n = len(arrays)
    assert out["prediction"].shape == (n, H, 3)
    assert out["encoder_attention"].shape[:2] == (n, H) and out["encoder_attention"].shape[-1] == ENC
    assert torch.equal(out["encoder_lengths"], x["encoder_lengths"])


def test_gpu_path_is_chosen_at_run_time():
    from models.pf_common import setup_torch

    assert setup_torch(config()) == ("cuda" if torch.cuda.is_available() else "cpu")


def test_each_window_is_scaled_with_its_own_series(dataset, frame):
    """The target scale a window carries is its own series' (mean and spread of log1p units), not a neighbour's:
    pytorch-forecasting looks it up by the group-id codes, which must match the codes the normaliser was fitted on
    (models/pf_common.categorical_encoders)."""
    arrays = WindowArrays(dataset)
    ids = torch.arange(len(dataset))
    x, _ = arrays.batch(ids)
    index = dataset.decoded_index.reset_index(drop=True)
    logs = frame.assign(log=np.log1p(frame["units"])).groupby(["sku", "region"])["log"].agg(["mean", "std"])
    want = logs.loc[list(zip(index["sku"], index["region"]))].to_numpy()
    assert np.allclose(x["target_scale"].numpy(), want, rtol=0.03)


def test_the_label_encoders_number_rows_as_upstream_does(frame, monkeypatch):
    """pf_fixes.LabelEncoder looks each distinct value up once: the training and forecast datasets hold the same
    codes as with upstream's row-by-row NaNLabelEncoder, Arrow strings and an unknown SKU included, and a run saved
    with upstream's encoders forecasts through the fast one (fast_encoders) with the same codes."""
    import pandas as pd
    from pytorch_forecasting.data import NaNLabelEncoder

    from models import pf_fixes

    def slow(static_cats, groups):
        enc = {c: NaNLabelEncoder(add_nan=True) for c in static_cats}
        enc.update({f"__group_id__{g}": pf_fixes.GroupIdEncoder(add_nan=True) for g in groups})
        return enc

    arrow = frame.astype({c: pd.ArrowDtype(__import__("pyarrow").string()) for c in ("sku", "region", "category")})
    for f in (frame, arrow):
        fast_ds = training_dataset(f, config())
        with monkeypatch.context() as m:
            m.setattr(pf_fixes, "categorical_encoders", slow)
            slow_ds = training_dataset(f, config())
        fast_enc, slow_enc = fast_ds._categorical_encoders, slow_ds._categorical_encoders  # as fitted
        assert type(fast_enc["sku"]) is pf_fixes.LabelEncoder and type(slow_enc["sku"]) is NaNLabelEncoder
        for key in ("categoricals", "groups", "reals"):
            assert torch.equal(fast_ds.data[key], slow_ds.data[key]), key
        for name in fast_enc:
            assert fast_enc[name].classes_ == slow_enc[name].classes_, name

        start = int(f["time_idx"].max()) - H + 1
        unknown = f.assign(sku=f["sku"].astype(str).where(f["sku"].astype(str) != str(f["sku"].iloc[0]), "NEW"))
        params = slow_ds.get_parameters()
        for g in (f, unknown):
            a = decoder_dataset(params, g, start, H)  # upstream's encoders, made fast for the forecast
            with monkeypatch.context() as m:
                m.setattr(pf_fixes, "fast_encoders", lambda p: p)
                b = decoder_dataset(params, g, start, H)
            assert torch.equal(a.data["categoricals"], b.data["categoricals"])
            assert a.index.equals(b.index)
        assert type(params["categorical_encoders"]["sku"]) is NaNLabelEncoder  # the saved parameters untouched
    enc = pf_fixes.LabelEncoder(add_nan=False).fit(pd.Series(["a", "b"]))
    with pytest.raises(KeyError, match="Unknown category 'c'"):
        enc.transform(pd.Series(["a", "c"]))
    assert enc.transform(pd.Series(["b", "a", "b"])).tolist() == [1, 0, 1]
