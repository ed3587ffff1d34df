import numpy as np
import pandas as pd

from sample_data.generator import CATEGORIES, SCALES, Scale, generate

SMALL = generate("small", seed=3)


def test_small_scale_shape_and_columns():
    sales = SMALL["sales"]
    assert list(sales.columns) == ["week", "store", "region", "sku", "category", "units", "price", "promo", "discount_pct"]
    assert sales["sku"].nunique() == SCALES["small"].skus
    assert sales["store"].nunique() == SCALES["small"].stores
    assert sales["region"].nunique() == 4
    assert pd.Series(sales["week"]).nunique() == 156
    assert (sales["units"] >= 0).all()
    assert set(sales["category"].unique()) == {c.name for c in CATEGORIES}


def test_reference_scale_is_the_reference_case():
    sc = SCALES["reference"]
    assert (sc.stores, sc.skus, sc.weeks) == (220, 340, 156)
    assert 10.5e6 < sc.stores * sc.skus * sc.weeks <= 11.7e6  # new SKUs start later


def test_same_seed_same_data_other_seed_other_data():
    again = generate("small", seed=3)["sales"]
    assert SMALL["sales"]["units"].equals(again["units"])
    other = generate("small", seed=4)["sales"]
    assert not SMALL["sales"]["units"].equals(other["units"].reindex(SMALL["sales"].index))


def test_ground_truth_new_skus_and_slow_movers():
    truth, sales = SMALL["truth"], SMALL["sales"]
    assert truth["new_skus"], "some SKUs must have less than 104 weeks of history"
    weeks = sales.groupby("sku", observed=True)["week"].nunique()
    for sku, n in truth["new_skus"].items():
        assert weeks[sku] == n < 104
    slow = sales[sales["sku"].isin(truth["slow_movers"])]
    assert (slow["units"] == 0).mean() > 0.3  # intermittent


def test_promo_uplift_grows_with_discount_and_dips_after():
    s = pd.DataFrame(SMALL["sales"]).astype({"sku": str, "region": str, "store": str})
    s = s[~s["sku"].isin(SMALL["truth"]["slow_movers"])]
    base = s[s["promo"] == 0].groupby(["sku", "store"])["units"].mean().rename("base")
    s = s.join(base, on=["sku", "store"])
    s["lift"] = s["units"] / s["base"]
    shallow = s[(s["discount_pct"] > 0) & (s["discount_pct"] <= 15)]["lift"].mean()
    deep = s[s["discount_pct"] >= 30]["lift"].mean()
    assert 1.1 < shallow < deep


def test_beverages_lift_before_holidays():
    s = pd.DataFrame(SMALL["sales"])
    s = s[s["category"] == "beverages"].astype({"week": "datetime64[ns]"})
    weekly = s.groupby("week")["units"].sum()
    thanksgiving_weeks = [pd.Timestamp("2023-11-13"), pd.Timestamp("2024-11-11"), pd.Timestamp("2025-11-10")]  # 2 weeks before
    around = weekly[[w - pd.Timedelta(weeks=k) for w in thanksgiving_weeks for k in (4, 5)]].mean()
    assert weekly[thanksgiving_weeks].mean() > 1.2 * around


def test_custom_scale():
    out = generate(Scale(stores=4, skus=6, weeks=60), seed=1)
    assert out["sales"]["store"].nunique() == 4
    assert np.isfinite(out["weather"]["temperature"]).all()
    assert {"sku", "region", "start_week", "end_week", "promo_type", "discount_pct"} <= set(out["promotions"].columns)
