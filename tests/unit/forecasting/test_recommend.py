"""The recommended forecast is chosen on the validation window only; blends are convex; conformal bands hold."""
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from dashboard.forecasting import calibration
from dashboard.forecasting.recommend import build, choose, combine
from dashboard.schema import MODELS

CATS = {"dairy": ["A", "B", "C"], "snacks": ["D", "E", "F"]}
H = 6


def _frame(rng, start, model_bias, noise=0.05, weeks=H):
    """A model's forecasts of weeks start.. with a bias per category; actuals are the same for every model."""
    truth = np.random.default_rng(start)  # the actuals of these weeks, whichever model forecasts them
    rows = []
    for cat, skus in CATS.items():
        for sku in skus:
            for region in ("North", "South"):
                level = truth.uniform(50, 500)
                for step in range(1, weeks + 1):
                    y = level * truth.lognormal(0, 0.1)
                    f = y * (1 + model_bias[cat]) * rng.lognormal(0, noise)
                    rows.append({"sku": sku, "region": region, "category": cat,
                                 "week": pd.Timestamp("2024-01-01") + pd.Timedelta(weeks=start + step - 1),
                                 "time_idx": start + step - 1, "step": step, "actual": y, "p10": f * 0.9,
                                 "p50": f, "p90": f * 1.1, "point": f, "promo": 0.0, "holiday": 0.0, "scale": 10.0})
    return pd.DataFrame(rows)


BIASES = {"tft": {"dairy": 0.10, "snacks": -0.02}, "mstl": {"dairy": -0.10, "snacks": 0.15},
          "seasonal-naive": {"dairy": 0.20, "snacks": 0.20}}


def _runs(tmp_path: Path, holdout_bias=None, seed=0) -> pd.DataFrame:
    rows = []
    for i, (model, bias) in enumerate(BIASES.items()):
        rng = np.random.default_rng(seed + i)
        d = tmp_path / f"run-{model}"
        d.mkdir(exist_ok=True)
        _frame(rng, 100, bias).to_parquet(d / "validation.parquet")
        _frame(rng, 106, (holdout_bias or {}).get(model, bias)).to_parquet(d / "holdout.parquet")
        fut = _frame(rng, 119, bias).drop(columns=["category", "actual", "step", "promo", "holiday", "scale"])
        fut.to_parquet(d / "future.parquet")
        (d / "run.json").write_text(json.dumps({"run_id": d.name, "model": model, "dataset_id": "ds", "content_hash": "h",
                                                "holdout_weeks": H, "holdout_start_week": "2026-01-05", "seconds": 1}))
        rows.append({"run_id": d.name, "model": model, "run_dir": str(d), "created_at": pd.Timestamp("2026-01-01") + pd.Timedelta(minutes=i)})
    return pd.DataFrame(rows)


def _choice(run_dir: Path) -> dict:
    return {c: ch["weights"] for c, ch in json.loads((run_dir / "run.json").read_text())["recommendation"]["categories"].items()}


def test_the_choice_never_reads_the_hold_out(tmp_path):
    first = build(_runs(tmp_path), tmp_path)
    # the hold-out now says the opposite of the validation weeks: the choice must not move
    flipped = {m: {c: -b for c, b in bias.items()} for m, bias in BIASES.items()}
    second = build(_runs(tmp_path, holdout_bias=flipped), tmp_path)
    assert _choice(first) == _choice(second)
    rec = json.loads((first / "run.json").read_text())
    assert rec["model"] == "recommended" and rec["overall"]["wape"] > 0
    assert set(rec["recommendation"]["considered"]) == set(BIASES)


def test_blends_are_convex_and_beat_their_parts_on_validation():
    rng = np.random.default_rng(1)
    val = {m: _frame(rng, 100, b, noise=0.02) for m, b in BIASES.items()}
    choice = choose(val)
    dairy = choice["dairy"]["weights"]  # tft +10 %, mstl -10 %: halfway is far better than either
    # (a third model may take a small share: averaging its independent noise helps a little)
    assert {"tft", "mstl"} <= set(dairy) and all(w > 0 for w in dairy.values()) and len(dairy) <= 3
    assert dairy["tft"] + dairy["mstl"] >= 0.8 and abs(dairy["tft"] - dairy["mstl"]) <= 0.3
    assert sum(dairy.values()) == pytest.approx(1.0)
    assert choice["dairy"]["validation_wape"] < min(choice["dairy"]["scores"]["tft"], choice["dairy"]["scores"]["mstl"])
    assert choice["snacks"]["weights"] == {"tft": 1.0} or abs(sum(choice["snacks"]["weights"].values()) - 1) < 1e-9
    out = combine(val, choice)
    d = out[out["category"] == "dairy"].merge(val["tft"], on=["sku", "region", "time_idx"], suffixes=("", "_tft"))
    d = d.merge(val["mstl"], on=["sku", "region", "time_idx"], suffixes=("", "_mstl"))
    d = d.merge(val["seasonal-naive"], on=["sku", "region", "time_idx"], suffixes=("", "_seasonal-naive"))
    expect = sum(w * d[f"p50_{m}"] for m, w in dairy.items())
    assert np.allclose(d["p50"], expect)


def test_conformal_bands_hold_their_nominal_coverage_on_a_noisy_series():
    rng = np.random.default_rng(7)

    def draws(n):  # a planted series: level 200, multiplicative noise (sd 0.3 on the log scale), a band far too narrow
        y = 200 * rng.lognormal(0, 0.3, n)
        step = np.tile(np.arange(1, 14), n // 13 + 1)[:n]
        return pd.DataFrame({"step": step, "actual": y, "p10": np.full(n, 190.0), "p50": np.full(n, 200.0),
                             "p90": np.full(n, 210.0)})

    val, test = draws(13 * 400), draws(13 * 2000)
    assert calibration.coverage(test) < 20
    fixed = calibration.apply(test, calibration.offsets(val), test["step"])
    assert 75 <= calibration.coverage(fixed) <= 85
    below = (fixed["actual"] < fixed["p10"]).mean() * 100
    assert 6 <= below <= 14  # each tail about 10 %
    assert (fixed["p50"] == test["p50"]).all()


def test_the_command_line_lists_and_rebuilds_the_recommended_forecast(use_trained, capsys):
    """`evaluate --json` has a "recommended" row with its components and weights; `recommend` rebuilds it from
    the newest runs (the stored, calibrated bands) and replaces the previous one."""
    from dashboard.cli.main import main

    assert main(["evaluate", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    rec = next(r for r in rows if r["model"] == "recommended")
    for weights in rec["components"].values():
        assert weights and all(w > 0 for w in weights.values()) and sum(weights.values()) == pytest.approx(1.0)
        assert set(weights) <= {r["model"] for r in rows}
    assert set(rec["runs"]) <= set(MODELS)
    assert main(["recommend", "--json"]) == 0
    again = json.loads(capsys.readouterr().out)
    assert again["components"] == rec["components"] and again["run_id"] != rec["run_id"]
    assert main(["evaluate", "--json"]) == 0
    models = [r["model"] for r in json.loads(capsys.readouterr().out)]
    assert models.count("recommended") == 1


def test_a_category_keeps_the_pooled_choice_unless_its_own_weeks_clearly_differ():
    """Equal averages of the best models, chosen on every category's weeks; a category's own choice only where it
    is MARGIN points better there (13 weeks of one category are mostly noise)."""
    from dashboard.forecasting.recommend import MARGIN

    rng = np.random.default_rng(3)
    biases = {"tft": {"dairy": 0.08, "snacks": -0.06}, "lstm": {"dairy": -0.08, "snacks": -0.04},
              "mstl": {"dairy": 0.30, "snacks": -0.005}}
    val = {m: _frame(rng, 100, b, noise=0.03) for m, b in biases.items()}
    choice = choose(val)
    # pooled: tft and lstm err in opposite directions in dairy, both low in snacks: their average wins overall
    assert choice["dairy"]["weights"] == {"tft": 0.5, "lstm": 0.5} and choice["dairy"]["basis"] == "all categories' weeks"
    # snacks alone: mstl is nearly unbiased there, far better than the pooled average: its own choice
    assert choice["snacks"]["basis"] == "its own weeks" and "mstl" in choice["snacks"]["weights"]
    s = choice["snacks"]["scores"]
    assert choice["snacks"]["validation_wape"] < s["all categories' choice"] - MARGIN


def test_an_average_is_kept_unless_a_single_model_is_clearly_better_on_the_validation_weeks():
    from dashboard.forecasting import recommend

    rows = []
    rng = np.random.default_rng(3)
    for i in range(400):
        y = rng.uniform(50, 150)
        rows.append({"sku": f"S{i}", "region": "North", "time_idx": 1, "category": "dairy", "actual": y,
                     "a": y * 1.10, "b": y * 0.885, "c": y * 1.30})
    frame = pd.DataFrame(rows)
    frames = {m: frame[["sku", "region", "time_idx", "category", "actual"]].assign(p50=frame[m]) for m in "abc"}
    # a over-forecasts 10 %, b under-forecasts 11.5 %: their average (0.75 % off) is far better, and is chosen
    assert recommend.choose(frames)["dairy"]["weights"] == {"b": 0.5, "a": 0.5}
    # now an average 1 % worse than the best single model: still the average (its share of 2 %)
    scores = {"a": 10.0, "a x 0.50 + b x 0.50": 10.1}
    weights = {"a": {"a": 1.0}, "a x 0.50 + b x 0.50": {"a": 0.5, "b": 0.5}}
    assert recommend._best(scores, weights) == "a x 0.50 + b x 0.50"
    # an average 5 % worse: the single model
    assert recommend._best({**scores, "a x 0.50 + b x 0.50": 10.5}, weights) == "a"
