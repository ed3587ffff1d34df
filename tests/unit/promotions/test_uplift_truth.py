"""The TFT's uplift against the generator's ground truth: trains the `standard` TFT with two seeds on the bundled
sample (~6 min on 2 cores) and asks it what a one-week 20 % promotion does in each category (``PromotionAnalysis.response``)."""
import json

import pytest

from conftest import ROOT

pytestmark = pytest.mark.slow


def test_tft_uplift_per_category_within_30_percent_of_the_truth(tmp_path, monkeypatch):
    from bench.promotions import against_truth, train_sample
    from dashboard.promotions.analysis import load
    from dashboard.store import Store

    monkeypatch.setenv("PROMOCAST_WORKSPACE", str(tmp_path))
    monkeypatch.setenv("PROMOCAST_DB", str(tmp_path / "promocast.duckdb"))
    # two seeds averaged: one network's uplift for a category moves by up to ~25 % with its random stream (snacks: 88 %
    # with one dropout stream, 67 % with another, against the truth's 97 %); the average is what a planner should read
    run_id = train_sample(tmp_path, "standard", threads=2, seeds=2)
    truth = json.loads((ROOT / "sample_data" / "truth.json").read_text())
    analysis = load(Store(), run_id)
    table = against_truth(analysis.response(), truth)
    enough = table[table["past_promotions"] >= 100]  # every category of the sample has 200-400
    assert len(enough) == len(truth["categories"])
    assert enough["within_30pct"].all(), table.round(2).to_string()
    # deeper discounts lift more, in every category
    r = analysis.response().pivot(index="category", columns="discount_pct", values="uplift_pct")
    assert (r.diff(axis=1).iloc[:, 1:] > 0).all().all(), r.round(1).to_string()
