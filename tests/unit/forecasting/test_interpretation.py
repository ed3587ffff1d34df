"""The Explain page's numbers and sentences, on attention whose answer is known.

Attention arrays are planted the way the generator built the categories: a seasonal category attends to
the same week last year (lag 52, a different encoder position for every forecast week), a short-cycle
category to the last 3 weeks before the forecast, a holiday-driven one to the 2 weeks before holidays."""
import re

import numpy as np
import pandas as pd
import pytest

from dashboard.forecasting import interpretation as I

H, L = 13, 52
START = pd.Timestamp("2025-09-29")


def planted(kind: str) -> np.ndarray:
    a = np.full((H, L), 0.02 / L)
    for h in range(1, H + 1):
        if kind == "seasonal":
            a[h - 1, L - 1 - (52 - h)] += 1.0          # position whose lag is exactly 52 for forecast week h
        elif kind == "recent":
            a[h - 1, -3:] += 1.0 / 3                   # the 3 weeks just before the forecast starts
        else:
            a[h - 1, :] += 1.0 / L
    return a


def interp(kinds: list[str]) -> dict:
    att = np.stack([planted(k) for k in kinds]).astype(np.float32)
    names = {"decoder": ["promo", "temperature", "lag52_log"]}
    imp = np.tile([[10.0, 60.0, 30.0]], (len(kinds), 1))
    return {"index": pd.DataFrame({"sku": [f"S{i}" for i in range(len(kinds))], "region": "North"}),
            "attention": att, "decoder_importance": pd.DataFrame(imp, columns=names["decoder"]),
            "static_importance": pd.DataFrame(np.ones((len(kinds), 1)), columns=["sku"]),
            "encoder_importance": pd.DataFrame(np.ones((len(kinds), 1)), columns=["units"])}


def holidays(pre_weeks):
    weeks = pd.date_range(end=START - pd.Timedelta(weeks=1), periods=L + 4, freq="W-MON")
    return pd.DataFrame({"region": "North", "week": weeks, "weeks_to_holiday": [1 if w in pre_weeks else 9 for w in weeks],
                         "major_holiday": 0, "holiday": 0})


def test_lag_view_puts_same_week_last_year_in_one_column():
    m = I.lag_matrix(planted("seasonal")[None])
    assert m.shape == (1, L + H - 1)
    assert m[0].argmax() + 1 == 52 and m[0, 51] > 0.9


def test_position_and_lag_views_agree_on_recent_weeks():
    pos = I.position_matrix(planted("recent")[None])[0]
    assert pos[-3:].sum() == pytest.approx(1.0, abs=0.03)
    lag = I.lag_matrix(planted("recent")[None])[0]
    assert lag[:3].sum() < lag[:16].sum()  # recent positions spread over lags 1..15 across the 13 forecast weeks


@pytest.mark.parametrize("kinds, expect", [
    (["seasonal"], ("same week last year", "Peak at lag 52 (same week last year)", "seasonal series")),
    (["recent"], ("last 3 weeks", "short demand cycle")),
    (["even"], ("spread out", "No lag stands out", "reads the season from its calendar, weather and last-year inputs (90 %")),
])
def test_summary_says_what_was_planted(kinds, expect):
    series = pd.DataFrame({"sku": ["S0"], "region": ["North"], "category": ["beverages"]})
    ex = I.explain(interp(kinds), series, START, holidays([]), by="category")
    sentence = ex["summary"]["beverages"]
    for phrase in expect:
        assert phrase in sentence, sentence
    assert "Leading future input: temperature (60 %)" in sentence
    assert "Last year's units for the same week, given as an input, carry 30 %" in sentence


def test_sentence_numbers_are_the_heatmap_numbers():
    series = pd.DataFrame({"sku": ["S0", "S1"], "region": ["North", "North"], "category": ["beverages", "produce"]})
    ex = I.explain(interp(["seasonal", "recent"]), series, START, holidays([]), by="category")
    for group in ("beverages", "produce"):
        sentence = ex["summary"][group]
        last_year = float(re.search(r"(\d+) % (?:of attention )?on lags 51-53", sentence).group(1))
        recent = float(re.search(r"(\d+) % on the last 3 weeks", sentence).group(1))
        assert last_year == round(ex["by_lag"].loc[group, [51, 52, 53]].sum() * 100)
        assert recent == round(ex["by_position"].loc[group].iloc[-3:].sum() * 100)


def test_pre_holiday_share_against_even_attention():
    weeks = pd.date_range(end=START - pd.Timedelta(weeks=1), periods=L, freq="W-MON")
    pre = [weeks[10], weeks[11], weeks[40], weeks[41]]
    a = np.full((H, L), 1e-6)
    a[:, [10, 11, 40, 41]] = 1.0
    it = interp(["even"])
    it["attention"] = a[None].astype(np.float32)
    series = pd.DataFrame({"sku": ["S0"], "region": ["North"], "category": ["beverages"]})
    ex = I.explain(it, series, START, holidays(pre), by="category")
    row = ex["pre_holiday"].loc["beverages"]
    assert row["pre_holiday_share"] == pytest.approx(1.0, abs=1e-3)
    assert row["even_share"] == pytest.approx(4 / L)
    assert "100 % on the 2 weeks before holidays (even attention: 8 %)" in ex["summary"]["beverages"]
