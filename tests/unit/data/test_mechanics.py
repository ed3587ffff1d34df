"""Promotion mechanics as known inputs: a calendar's promo types read as mechanics (unknown words named), several
promotions of a week combined by the documented rule, the model frame holding only the mechanics its history has,
and the models that read promotions taking them as inputs."""
import numpy as np
import pandas as pd
import pytest

from dashboard.data import mechanics
from dashboard.data.features import build_frame, calendar_plan


@pytest.mark.parametrize("text, found, unknown", [
    ("tpr", set(), []),
    ("TPR + Feature", {"feature"}, []),
    ("leaflet & end cap", {"feature", "display"}, []),
    ("Buy one get one free", {"bogo"}, []),
    ("3 for 2", {"multibuy"}, []),
    ("coupon", {"other"}, ["coupon"]),
    ("none", set(), []),
    (None, set(), []),
])
def test_promo_types_read_as_mechanics(text, found, unknown):
    assert mechanics.parse(text) == (found, unknown)


def test_a_week_holds_every_promotion_s_mechanics_and_the_deepest_discount():
    cal = pd.DataFrame({"sku": ["A", "A"], "category": [None, None], "region": [None, None],
                        "start_week": ["2025-03-03", "2025-03-03"], "end_week": ["2025-03-03", "2025-03-10"],
                        "promo_type": ["tpr+display", "feature"], "discount_pct": [25.0, 10.0]})
    series = pd.DataFrame({"sku": ["A"], "region": ["R"], "category": ["c"]})
    plan = calendar_plan(cal, series, pd.date_range("2025-03-03", periods=2, freq="W-MON")).set_index("week")
    first = plan.loc["2025-03-03"]
    assert first["discount_pct"] == 25 and first["mech_display"] == 1 and first["mech_feature"] == 1
    second = plan.loc["2025-03-10"]
    assert second["discount_pct"] == 10 and second["mech_feature"] == 1 and second["mech_display"] == 0


def _sales(weeks=80):
    w = pd.date_range("2024-01-01", periods=weeks, freq="W-MON")
    rows = [{"week": d, "region": "R", "area": "R", "sku": s, "category": "c", "units": 10.0 + (i % 5),
             "price": 2.0, "promo": 1.0 if i % 9 == 0 else 0.0, "discount_pct": 20.0 if i % 9 == 0 else 0.0}
            for s in ("A", "B") for i, d in enumerate(w)]
    return pd.DataFrame(rows), w


def test_only_the_mechanics_the_history_holds_become_inputs():
    sales, w = _sales()
    promo_weeks = sales.loc[(sales["promo"] > 0) & (sales["sku"] == "A"), "week"]
    cal = pd.DataFrame({"sku": "A", "region": "R", "week": promo_weeks, "promo_type": "bogo"})
    cal = pd.concat([cal, pd.DataFrame({"sku": ["A"], "region": ["R"], "week": [w[-1] + pd.Timedelta(weeks=2)],
                                        "promo_type": ["display"]})], ignore_index=True)  # only planned, never seen
    cal = pd.concat([cal.reset_index(drop=True), mechanics.flags(cal["promo_type"]).reset_index(drop=True)], axis=1)
    f = build_frame(sales, [], horizon=4, calendar_weeks=cal)
    assert mechanics.present(f) == ["mech_bogo"]  # the display was never in the history: no input for it
    a = f[f["sku"] == "A"]
    assert (a.loc[a["mech_bogo"] > 0, "promo"] > 0).all() and a["mech_bogo"].sum() == len(promo_weeks)
    plain = build_frame(sales, [], horizon=4)
    assert mechanics.present(plain) == []  # a calendar without mechanics keeps the inputs it had


def test_the_models_that_read_promotions_read_the_mechanics(write):
    from conftest import tiny_config
    from models import create

    sales, w = _sales(weeks=90)
    promo_weeks = sales.loc[(sales["promo"] > 0) & (sales["sku"] == "A"), "week"]
    cal = pd.DataFrame({"sku": "A", "region": "R", "week": promo_weeks, "promo_type": "bogo"}).reset_index(drop=True)
    cal = pd.concat([cal, mechanics.flags(cal["promo_type"])], axis=1)
    frame = build_frame(sales, [], calendar_weeks=cal)
    for name in ("tft", "lstm", "lightgbm"):
        cfg = tiny_config(name)
        m = create(type(cfg)(**{**cfg.to_dict(), "encoder_weeks": 20, "min_encoder_weeks": 8, "horizon": 4,
                                "quantiles": cfg.quantiles}))
        m.fit(frame)
        assert m.mechanic_inputs() == ["mech_bogo"], name
        start = int(frame["time_idx"].max()) - 3
        pred = m.predict(frame.assign(units=frame["units"].where(frame["time_idx"] < start)), start)
        assert np.isfinite(pred["p50"]).all(), name


def test_a_calendar_s_feature_and_display_columns_hold_with_its_type(write, tmp_path):
    from conftest import SAMPLE
    from dashboard.data.ingest import prepare
    from dashboard.schema import ValidationError

    head = "sku,start,end,type,discount,leaflet,display\n"
    rows = ["S001,2026-01-05,2026-01-11,tpr,20,1,0", "S002,2026-01-05,2026-01-11,,10,yes,1",
            "S003,2026-01-05,2026-01-11,bogo,0,0,"]
    p = prepare(SAMPLE / "sales.csv", write("cal.csv", head + "\n".join(rows) + "\n")).promotions
    assert p.sort_values("sku")["promo_type"].tolist() == ["tpr+feature", "promo+feature+display", "bogo"]
    assert [mechanics.parse(t)[0] for t in p.sort_values("sku")["promo_type"]] == [
        {"feature"}, {"feature", "display"}, {"bogo"}]  # a price cut featured in the leaflet, and so on
    bad = rows[:2] + ["S003,2026-01-05,2026-01-11,bogo,0,2,maybe"]
    with pytest.raises(ValidationError) as err:
        prepare(SAMPLE / "sales.csv", write("bad.csv", head + "\n".join(bad) + "\n"))
    found = {(q.file, q.column, q.rule, q.rows) for q in err.value.problems}
    assert ("bad.csv", "feature", "feature flag not 0/1", (4,)) in found  # the file's own column is named 'leaflet'
    assert ("bad.csv", "display", "not a number", (4,)) in found
