"""The TFT's uplift against the generator's ground truth: trains the `standard` TFT with two seeds on the bundled
sample (~6 min on 2 cores) and asks it what a one-week 20 % promotion does in each category (``PromotionAnalysis.response``),
as a price cut and as each mechanic the sample's calendar holds (feature, BOGO: ``response_by_mechanic``)."""
import json

import pytest

from conftest import ROOT

pytestmark = pytest.mark.slow


def test_tft_uplift_per_category_within_30_percent_of_the_truth(tmp_path, monkeypatch):
    from bench.promotions import against_truth, mechanics_against_truth, train_sample
    from dashboard.promotions.analysis import load
    from dashboard.store import Store

    monkeypatch.setenv("PROMOCAST_WORKSPACE", str(tmp_path))
    monkeypatch.setenv("PROMOCAST_DB", str(tmp_path / "promocast.duckdb"))
    # two seeds averaged: one network's uplift for a category moves by up to ~25 % with its random stream (snacks: 88 %
    # with one dropout stream, 67 % with another, against the truth's 97 %); the average is what a planner should read
    run_id = train_sample(tmp_path, "standard", threads=2, seeds=2)
    truth = json.loads((ROOT / "sample_data" / "truth.json").read_text())
    analysis = load(Store(), run_id)
    assert set(analysis.mechanics()) == {"feature", "bogo"}  # the sample's calendar: TPRs, features and BOGOs
    table = against_truth(analysis.response(), truth, reads_mechanics=True)  # a price cut: held to the TPR truth
    enough = table[table["past_promotions"] >= 100]  # every category of the sample has 200-400
    assert len(enough) == len(truth["categories"])
    # five categories of six within 30 % of the TPR truth and none beyond 40 %: with the mechanics read, the price
    # cut's uplift is held to the TPR truth (produce drew 1.34 on this team's machine, 2026-12-04; beverages to
    # household 0.90-1.15)
    assert enough["within_30pct"].sum() >= len(enough) - 1, table.round(2).to_string()
    assert ((enough["ratio"] - 1).abs() <= 0.40).all(), table.round(2).to_string()
    # deeper discounts lift more, in every category
    r = analysis.response().pivot(index="category", columns="discount_pct", values="uplift_pct")
    assert (r.diff(axis=1).iloc[:, 1:] > 0).all().all(), r.round(1).to_string()
    # a feature and a BOGO of the same depth lift more than a price cut, by about the planted 1.25x and 1.5x of its
    # log-uplift (averaged over the categories)
    by_mechanic, mean = mechanics_against_truth(analysis.response_by_mechanic(20), truth)
    assert mean["within_20pct"].all(), by_mechanic.round(2).to_string() + "\n" + mean.round(2).to_string()
