"""bench.gbm_variants' own LightGBMs (direct, weighted) train through the product's fit as it calls them today (the
direct one broke once when the product's ``_train`` gained arguments) and forecast every series and step."""
import numpy as np
import pytest

from conftest import ar1_frame, tiny_config


@pytest.mark.parametrize("variant", ["direct", "weighted"])
def test_the_benchs_lightgbm_variants_fit_and_forecast(variant):
    from dataclasses import replace

    from bench.gbm_variants import MAKERS

    f = ar1_frame(series=4, weeks=90)
    cfg = replace(tiny_config("lightgbm"), gbm_target="log1p", seeds=2)
    start = int(f["time_idx"].max()) - cfg.horizon + 1
    model = MAKERS[variant].make(cfg)
    model.fit(f[f["time_idx"] < start])
    pred = model.predict(f, start)
    pred = pred[pred["time_idx"] < start + cfg.horizon]
    assert len(pred) == 4 * cfg.horizon
    assert np.isfinite(pred["p50"]).all() and (pred["p50"] > 0).all()
    assert model.training_log["seeds"] == 2 and len(model.final.models_) == 2  # both seeds kept


def test_weighting_follows_each_series_level():
    """The weighted variant's rows weigh as their series' mean units: a series 10x the level weighs 10x."""
    import pandas as pd

    from bench.gbm_variants import MAKERS

    import models.gbm as gbm
    import models.gbm_features as gf

    seen = {}

    class Spy:
        def __init__(self, **kw):
            pass

        def fit(self, X, y, sample_weight=None, categorical_feature=None):
            seen["w"] = sample_weight

    f = ar1_frame(series=2, weeks=60)
    f.loc[f["sku"] == "S1", "units"] = f.loc[f["sku"] == "S0", "units"].to_numpy() * 10
    real = gbm._regressor
    gbm._regressor = lambda *a, **k: Spy()  # before make: the variant takes the product's regressor then
    try:
        model = MAKERS["weighted"].make(tiny_config("lightgbm"))
        model.categories = {"sku": ["S0", "S1"], "region": ["North"], "category": ["dry", "fresh"]}
        model.inputs = []
        model._train(gf.long_format(f, model.categories, model.inputs), "log1p")
    finally:
        gbm._regressor = real
    w = pd.Series(seen["w"])
    assert w.nunique() == 2 and w.max() / w.min() == pytest.approx(10, rel=1e-6)
