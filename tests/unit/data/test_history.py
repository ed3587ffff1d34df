import pandas as pd

from dashboard.data.history import history_check, history_rollup, summary_line


def test_statuses_gaps_and_rollup():
    spans = pd.DataFrame({
        "sku": ["A", "B", "C"], "region": ["N", "N", "S"], "category": ["x", "x", "y"],
        "first_week": pd.to_datetime(["2023-01-02", "2024-06-03", "2025-03-03"]),
        "last_week": pd.to_datetime(["2025-12-22"] * 3), "weeks_present": [150, 82, 43], "units": [1, 1, 1],
    })
    c = history_check(spans, "2025-12-22").set_index("sku")
    assert c.loc["A", "weeks_of_history"] == 156 and c.loc["A", "gaps"] == 6 and c.loc["A", "annual_cycles"] == 3
    assert c.loc["A", "status"] == "ok"
    assert c.loc["B", "status"] == "warn" and "104" in c.loc["B", "message"]
    assert c.loc["C", "status"] == "too short"
    r = history_rollup(c.reset_index(), "category").set_index("category")
    assert r.loc["x", "ok"] == 1 and r.loc["x", "warn (<104 wk)"] == 1 and r.loc["y", "too short (<52 wk)"] == 1
    assert summary_line(c.reset_index()).startswith("2 of 3 series")
