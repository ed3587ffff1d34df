"""Planner overrides: spreading sums exactly, reasons are required, the latest wins, undo brings the earlier back."""
import numpy as np
import pandas as pd
import pytest

from dashboard.planning import overrides as ov

WEEKS = pd.date_range("2026-01-05", periods=3, freq="W-MON")


def forecast():
    return pd.DataFrame({"sku": ["A"] * 3 + ["B"] * 3 + ["C"] * 3, "region": "N", "week": list(WEEKS) * 3,
                         "time_idx": list(range(10, 13)) * 3, "p10": [8.0, 8, 8, 16, 16, 16, 0, 0, 0],
                         "p50": [10.0, 10, 10, 30, 30, 30, 0, 0, 0], "p90": [12.0, 12, 12, 45, 45, 45, 0, 0, 0]})


SERIES = pd.DataFrame({"sku": ["A", "B", "C"], "region": "N", "category": ["x", "x", "y"]})


def test_a_category_value_is_spread_in_proportion_and_sums_exactly():
    rows = ov.spread(ov.select(forecast(), SERIES, category="x"), [WEEKS[1]], "value", 100.0 / 3)
    assert set(rows["sku"]) == {"A", "B"} and len(rows) == 2
    assert rows["value"].sum() == pytest.approx(100.0 / 3, abs=1e-12)
    assert rows.set_index("sku").loc["B", "value"] == pytest.approx(3 * rows.set_index("sku").loc["A", "value"])
    zero = ov.spread(ov.select(forecast(), SERIES, category="y"), [WEEKS[0]], "value", 7.0)
    assert zero["value"].sum() == 7.0  # a selection forecast at zero gets it shared equally


def test_percent_and_apply_scale_the_band_and_keep_the_model_value():
    rows = ov.spread(ov.select(forecast(), SERIES, sku="B", region="N"), list(WEEKS[:2]), "pct", -20)
    assert list(rows["value"]) == [24.0, 24.0]
    store_rows = rows.assign(active=True, created_at=pd.Timestamp("2026-01-01"), reason="supply", note="")
    out = ov.apply(forecast(), store_rows).set_index(["sku", "week"])
    b = out.loc[("B", WEEKS[0])]
    assert (b["p10"], b["p50"], b["p90"], b["model_p50"]) == pytest.approx((12.8, 24.0, 36.0, 30.0))
    assert b["override_reason"] == "supply" and out.loc[("B", WEEKS[2]), "override_reason"] == ""
    assert out.loc[("B", WEEKS[2]), "p50"] == 30.0


def test_reasons_and_values_are_checked():
    for args, match in ((("value", 5, "weather", "", [1]), "choose a reason"), (("value", 5, "other", " ", [1]), "few words"),
                        (("value", -1, "supply", "", [1]), "negative"), (("pct", -100, "supply", "", [1]), "zero or below"),
                        (("value", 5, "supply", "", []), "at least one")):
        with pytest.raises(ValueError, match=match):
            ov.check(*args)
    ov.check("pct", 15, "competitor", "", [1])


def test_stored_latest_wins_and_undo_restores(workspace):
    from dashboard.store import Store

    s = Store()
    f = forecast()
    first = ov.spread(ov.select(f, SERIES, category="x"), [WEEKS[0]], "value", 80.0)
    a = s.add_override("ds", "run-1", first, "category x", "value", 80.0, "supply", "", "ana")
    current = ov.apply(f, s.overrides("ds", "run-1"))
    second = ov.spread(ov.select(current, SERIES, sku="A", region="N"), [WEEKS[0]], "pct", 50)
    assert second["before"].iloc[0] == pytest.approx(20.0)  # built on the first override, not the model
    b = s.add_override("ds", "run-1", second, "A in N", "pct", 50, "competitor", "", "bo")
    got = ov.apply(f, s.overrides("ds", "run-1")).set_index(["sku", "week"])
    assert got.loc[("A", WEEKS[0]), "p50"] == pytest.approx(30.0) and got.loc[("B", WEEKS[0]), "p50"] == pytest.approx(60.0)
    s.undo_override(b)
    got = ov.apply(f, s.overrides("ds", "run-1")).set_index(["sku", "week"])
    assert got.loc[("A", WEEKS[0]), "p50"] == pytest.approx(20.0)
    assert set(s.overrides("ds", "run-1", active_only=False)["id"]) == {a, b}  # undone ones stay on record
    assert np.isclose(got.xs(WEEKS[0], level="week")["p50"].sum(), 80.0)
