"""The published plan: forecast + scenario change + overrides, the history flag on every series under two years,
locked once published, and a workbook a planner can hand on."""
import io

import pandas as pd
import pytest

from dashboard.planning import plans

WEEKS = pd.date_range("2026-01-05", periods=2, freq="W-MON")
FUTURE = pd.DataFrame({"sku": ["A", "A", "B", "B"], "region": ["N", "N", "S", "S"], "week": list(WEEKS) * 2,
                       "time_idx": [10, 11] * 2, "p10": [8.0, 8, 16, 16], "p50": [10.0, 10, 20, 20], "p90": [12.0, 12, 25, 25]})
SERIES = pd.DataFrame({"sku": ["A", "B"], "region": ["N", "S"], "category": ["x", "y"]})
CHECK = pd.DataFrame({"sku": ["A", "B"], "region": ["N", "S"], "category": ["x", "y"], "weeks_of_history": [156, 60]})


def test_plan_adds_the_scenario_then_the_overrides_and_flags_short_history():
    delta = pd.DataFrame({"sku": ["A"], "region": ["N"], "week": [WEEKS[0]], "delta_p10": [1.0], "delta_p50": [5.0],
                          "delta_p90": [6.0]})
    over = pd.DataFrame({"sku": ["B"], "region": ["S"], "week": [WEEKS[1]], "value": [30.0], "active": [True],
                         "created_at": [pd.Timestamp("2026-01-01")], "reason": ["supply"], "note": [""]})
    rows = plans.plan_forecast(FUTURE, SERIES, CHECK, over, delta).set_index(["sku", "week"])
    assert rows.loc[("A", WEEKS[0]), "p50"] == 15 and rows.loc[("A", WEEKS[0]), "scenario_delta"] == 5
    assert rows.loc[("B", WEEKS[1]), "p50"] == 30 and rows.loc[("B", WEEKS[1]), "model_p50"] == 20
    assert rows.loc[("B", WEEKS[1]), "override_reason"] == "supply"
    assert rows.loc[("B", WEEKS[0]), "history_flag"] and not rows.loc[("A", WEEKS[0]), "history_flag"]
    assert "seasonal peaks" in rows.loc[("B", WEEKS[0]), "history_note"]
    assert plans.history_sentence(rows.reset_index()).startswith("1 of 2 series")
    assert plans.selection_note(CHECK, "series", ("B", "S")).startswith("B in S: 60 weeks")
    assert plans.selection_note(CHECK, "category", "x") == ""


def test_published_plan_is_locked_and_its_workbook_has_a_sheet_per_region(workspace):
    from dashboard.store import Store

    s = Store()
    rows = plans.plan_forecast(FUTURE, SERIES, CHECK)
    pid = s.publish_plan("ds", "2026-Q1", "run-1", "", rows, {"Dataset": "d"}, "ana")
    with pytest.raises(ValueError, match="published by ana .* cannot change"):
        s.publish_plan("ds", " 2026-q1 ", "run-2", "", rows.assign(p50=0.0), {}, "bo")
    meta, back = s.plan(pid)
    assert meta["cycle"] == "2026-Q1" and meta["run_id"] == "run-1" and back["p50"].tolist() == rows["p50"].tolist()
    assert len(s.plans("ds")) == 1
    book = pd.read_excel(io.BytesIO(plans.workbook(meta, back)), sheet_name=None)
    assert {"Assumptions", "N", "S", "Series (long)"} <= set(book)
    south = book["S"]
    assert south.iloc[-1]["category"] == "Total" and south.iloc[-1][str(WEEKS[0].date())] == 20
    assert south.iloc[0]["history"] == "under 2 years"
    assert book["Assumptions"]["item"].str.contains("History warning").any()


def test_every_series_export_carries_the_history_flag():
    by_series = pd.DataFrame({"SKU": ["A", "B"], "region": ["N", "S"], "units": [1, 2]})
    flagged = plans.with_history_flag(by_series, CHECK)
    assert flagged["history_warning"].tolist()[0] == "" and "seasonal peaks" in flagged["history_warning"].iloc[1]
    by_sku = plans.with_history_flag(pd.DataFrame({"sku": ["A", "B"]}), CHECK)  # a SKU row: any of its regions
    assert (by_sku["history_warning"] != "").tolist() == [False, True]
    assert "history_warning" not in plans.with_history_flag(pd.DataFrame({"category": ["x"]}), CHECK)  # no series, no flag
