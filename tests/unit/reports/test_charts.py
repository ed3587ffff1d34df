"""The forecast chart's marks: promotion weeks shaded as merged spans, major holidays and the hold-out line."""
import pandas as pd

from dashboard.reports import charts


def test_forecast_chart_marks_promos_holidays_and_holdout():
    weeks = pd.date_range("2025-01-06", periods=20, freq="W-MON")
    promo = [0] * 20
    for i in (3, 4, 5, 10):  # one 3-week promotion and a single week
        promo[i] = 1
    history = pd.DataFrame({"week": weeks, "units": range(20), "promo": promo})
    fc = pd.DataFrame({"week": weeks[-4:], "p10": 1.0, "p50": 2.0, "p90": 3.0})
    hol = pd.DataFrame({"week": [weeks[7]], "holiday_name": ["Independence Day; observed"]})
    fig = charts.forecast_chart(history, {"tft": fc}, hol, weeks[-4], "t")
    rects = [s for s in fig.layout.shapes if s.type == "rect"]
    lines = [s for s in fig.layout.shapes if s.type == "line"]
    assert [(pd.Timestamp(r.x0).date(), pd.Timestamp(r.x1).date()) for r in rects] == [
        ((weeks[3] - pd.Timedelta(days=3.5)).date(), (weeks[5] + pd.Timedelta(days=3.5)).date()),
        ((weeks[10] - pd.Timedelta(days=3.5)).date(), (weeks[10] + pd.Timedelta(days=3.5)).date())]
    assert len(lines) == 2  # the holiday and the start of the hold-out
    texts = [a.text for a in fig.layout.annotations]
    assert texts == ["Independence Da"[:14], "hold-out"]
    assert [t.name for t in fig.data] == ["actual units", "tft P10-P90", "tft P50"]


def test_bands_only_for_the_models_asked():
    weeks = pd.date_range("2025-01-06", periods=8, freq="W-MON")
    history = pd.DataFrame({"week": weeks, "units": range(8)})
    fc = pd.DataFrame({"week": weeks[-4:], "p10": 1.0, "p50": 2.0, "p90": 3.0})
    fcs = {"recommended": fc, "tft": fc, "lightgbm": fc, "recommended future": fc}
    fig = charts.forecast_chart(history, fcs, None, weeks[-4], "t", bands={"recommended"})
    assert [t.name for t in fig.data if t.name.endswith("P10-P90")] == ["recommended P10-P90", "recommended future P10-P90"]
    assert len([t for t in fig.data if t.name.endswith("P50")]) == 4


def test_a_rollup_shades_only_its_busiest_promotion_weeks():
    weeks = pd.date_range("2025-01-06", periods=8, freq="W-MON")
    share = [0.02, 0.03, 0.40, 0.02, 0.0, 0.35, 0.03, 0.02]  # a region: some store on promotion nearly every week
    history = pd.DataFrame({"week": weeks, "units": range(8), "promo": share})
    assert list(charts.promotion_weeks(history)) == [w for w, s in zip(weeks, share) if s > 0]  # one series: all of them
    assert list(charts.promotion_weeks(history, rollup=True)) == [weeks[2], weeks[5]]
    assert charts.promotion_weeks(history.assign(promo=0.0), rollup=True).empty
