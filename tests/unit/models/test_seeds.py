"""Several seeds (the thorough preset): networks trained from different seeds, forecast as their average,
saved and loaded together, their spread reported."""
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from dashboard.forecasting.pipeline import train_and_evaluate
from dashboard.schema import preset_config
from dashboard.forecasting.training import job_summary, seed_note
from models import create, load

from test_tft_toy import H, frame, toy_config  # noqa: F401 (fixture)


@pytest.fixture(scope="module")
def ensemble(frame):  # noqa: F811
    start = int(frame["time_idx"].max()) - H + 1
    model = create(replace(toy_config(), seeds=2))
    seen = []
    model.fit(frame[frame["time_idx"] < start], progress=seen.append)
    return model, start, seen


def test_thorough_preset_averages_three_seeds():
    assert preset_config("tft", "thorough").seeds == 3
    assert preset_config("tft", "standard").seeds == 1


def test_members_differ_and_the_forecast_is_their_average(ensemble, frame):  # noqa: F811
    model, start, seen = ensemble
    assert len(model.members) == 2 and model.net is model.members[0]
    a, b = (m.state_dict() for m in model.members)
    assert any(not np.allclose(a[k].numpy(), b[k].numpy()) for k in a)  # two different networks
    pred = model.predict(frame, start)
    m1, m2 = model.member_frames
    assert not np.allclose(m1["p50"], m2["p50"])
    mean = (m1["p50"].to_numpy() + m2["p50"].to_numpy()) / 2
    assert np.allclose(pred["p50"].to_numpy(), mean, rtol=1e-4, atol=1e-3)
    assert model.interpretation()["attention"].shape[1:] == (H, 16)
    log = model.training_log
    assert [m["seed"] for m in log["members"]] == [42, 43]
    assert {d.get("member") for d in seen} == {1, 2} and all(d["members"] == 2 for d in seen)


def test_save_load_keeps_every_member(ensemble, frame, tmp_path):  # noqa: F811
    model, start, _ = ensemble
    before = model.predict(frame, start)
    again = load(tmp_path / "m", expected_sha256=model.save(tmp_path / "m"))
    assert len(again.members) == 2
    pd.testing.assert_frame_equal(before, again.predict(frame, start))


def test_run_reports_the_spread_between_seeds(frame, tmp_path):  # noqa: F811
    cfg = replace(toy_config(), seeds=2)
    _, rec = train_and_evaluate(frame[frame["units"].notna()], cfg, {"dataset_id": "d"}, run_root=tmp_path)
    s = rec["seeds"]
    assert len(s["members_wape"]) == 2 and s["spread"] == pytest.approx(abs(s["members_wape"][0] - s["members_wape"][1]), abs=0.02)
    assert s["ensemble_wape"] == pytest.approx(rec["overall"]["wape"])
    board = pd.DataFrame({"model": ["tft", "holt-winters"], "preset": ["thorough", "standard"],
                          "seed_spread": [s["spread"], np.nan]})
    assert f"{s['spread']:.2f} points" in seed_note(board)
    assert seed_note(board.assign(seed_spread=np.nan)) is None


def test_train_page_label_counts_seeds():
    label = job_summary("running", [{"epoch": 2, "epochs": 10, "step": 5, "steps": 10, "eta_s": 30,
                                     "member": 2, "members": 3}])
    assert label["label"].startswith("seed 2 of 3, epoch 2/10") and "then 1 more seed" in label["label"]
    assert label["fraction"] == pytest.approx((1 + 0.5) / 3)
    dropouts = job_summary("running", [{"epoch": 1, "epochs": 10, "step": 5, "steps": 10, "eta_s": 30,
                                        "member": 1, "members": 2, "network": "dropout 0.1"}])
    assert dropouts["label"].startswith("network 1 of 2 (dropout 0.1), epoch 1/10")
    assert "then 1 more network" in dropouts["label"]
