"""Frequency at import: daily, weekly and monthly files detected from their dates, rolled up to the frequency the
planner chose, and the files that cannot be read at it refused with the file, column and rows named."""
import pandas as pd
import pytest

from dashboard import periods
from dashboard.data.ingest import prepare
from dashboard.data.source_frequency import classify
from dashboard.schema import ValidationError


def monthly_csv(months=30, skus=("A", "B"), day="start", skip=()):
    starts = pd.date_range("2022-01-01", periods=months, freq="MS")
    rows = ["date,region,sku,units,discount_pct"]
    for i, m in enumerate(starts):
        d = m if day == "start" else m + pd.offsets.MonthEnd(0)
        rows += [f"{d.date()},North,{s},{100 + 10 * (i % 12)},{5 if i % 4 == 0 else 0}" for s in skus
                 if (s, i) not in skip]
    return "\n".join(rows) + "\n"


def problems_of(*args, **kw):
    with pytest.raises(ValidationError) as err:
        prepare(*args, **kw)
    return err.value.problems


@pytest.mark.parametrize("dates, kind, detail", [
    (pd.date_range("2024-01-01", periods=60, freq="D"), "day", ""),
    (pd.date_range("2024-01-01", periods=20, freq="W-MON"), "week", "Monday"),
    (pd.date_range("2024-01-07", periods=20, freq="W-SUN"), "week", "Sunday"),
    (pd.date_range("2022-01-01", periods=24, freq="MS"), "month", "month start"),
    (pd.date_range("2022-01-31", periods=24, freq="ME"), "month", "month end"),
])
def test_each_kind_of_file_is_recognised(dates, kind, detail):
    got = classify(pd.DatetimeIndex(dates))
    assert (got.kind, got.detail) == (kind, detail)


def test_a_monthly_file_is_imported_by_month(write):
    p = prepare(write("m.csv", monthly_csv()))
    assert p.info.extras["freq"] == "month" and p.info.weeks == 30 and p.info.series == 2
    assert set(pd.to_datetime(p.sales["week"]).dt.day) == {1}
    assert any("monthly data (month start)" in n for n in p.notes)


def test_month_end_dates_become_month_starts(write):
    p = prepare(write("m.csv", monthly_csv(day="end")))
    assert p.info.extras["freq"] == "month" and p.info.first_week == "2022-01-01"
    assert any("month end" in n for n in p.notes)


def test_a_monthly_file_cannot_be_forecast_by_week(write):
    (problem,) = problems_of(write("m.csv", monthly_csv()), freq="week")
    assert problem.file == "m.csv" and problem.column == "week" and "choose month" in problem.rule


def test_mixed_frequencies_name_the_rows(write):
    text = monthly_csv().rstrip("\n").split("\n")
    text[5] = text[5].replace("-01,", "-15,", 1)  # one mid-month date in a monthly file (line 6)
    (problem,) = problems_of(write("m.csv", "\n".join(text) + "\n"))
    assert "mixed frequencies" in problem.rule and problem.rows == (6,) and problem.column == "week"


def test_a_missing_month_inside_a_series_is_zero_and_said(write):
    p = prepare(write("m.csv", monthly_csv(skip={("A", 7), ("A", 8)})))
    assert any("2 months missing inside 1 series" in n and "zero sales" in n for n in p.notes)


def test_daily_data_sums_into_calendar_months(write):
    days = pd.date_range("2023-01-01", "2023-06-30", freq="D")
    text = "date,sku,units,promo\n" + "\n".join(f"{d.date()},X,{2 if d.weekday() < 5 else 0},"
                                                f"{1 if d.month == 3 and d.day <= 15 else 0}" for d in days)
    p = prepare(write("d.csv", text + "\n"), freq="month")
    s = p.sales.set_index("week")
    assert p.info.extras["freq"] == "month" and len(s) == 6
    assert s.loc["2023-02-01", "units"] == 2 * 20  # February 2023: 20 weekdays; weekends closed (zero, not missing)
    assert s.loc["2023-03-01", "promo"] == pytest.approx(15 / 31)  # the share of March on promotion
    assert any("daily data aggregated to calendar months" in n or "daily data summed" in n for n in p.notes)
    weekly = prepare(write("d.csv", text + "\n"))  # auto: daily -> weeks, as before
    assert weekly.info.extras["freq"] == "week"
    assert weekly.info.content_hash != p.info.content_hash


def test_days_no_row_has_are_a_closed_shop_and_the_import_says_so(write):
    closed = {pd.Timestamp("2023-04-25"), pd.Timestamp("2023-05-01")}  # public holidays, no row (the pasta store's way)
    days = [d for d in pd.date_range("2023-01-02", "2023-06-25", freq="D") if d not in closed]
    text = "date,sku,units\n" + "\n".join(f"{d.date()},X,3" for d in days) + "\n"
    p = prepare(write("d.csv", text))
    (note,) = [n for n in p.notes if "no row at all" in n]
    assert note.startswith("d.csv: 2 day(s)") and "2023-04-25, 2023-05-01" in note and "zero sales" in note
    assert p.sales.set_index("week").loc["2023-04-24", "units"] == 3 * 6  # the week sums the six days present


def test_weekly_data_by_month_says_how(write):
    weeks = pd.date_range("2023-01-02", periods=40, freq="W-MON")
    text = "week,sku,units\n" + "\n".join(f"{w.date()},X,10" for w in weeks) + "\n"
    p = prepare(write("w.csv", text), freq="month")
    assert p.info.extras["freq"] == "month"
    assert any("summed into months by each week's first day" in n for n in p.notes)
    assert p.sales.set_index("week").loc["2023-01-01", "units"] == 50  # January 2023 holds 5 Mondays


def test_a_promotion_calendar_by_month_is_the_share_of_days(write):
    cal = "sku,start,end,discount\nA,2022-03-16,2022-03-31,20\n"
    p = prepare(write("m.csv", monthly_csv()), promotions=write("p.csv", cal))
    march = p.sales[(p.sales["sku"] == "A") & (p.sales["week"] == "2022-03-01")].iloc[0]
    assert march["promo"] == pytest.approx(16 / 31) and march["discount_pct"] == 20


def test_the_frequency_names_its_periods():
    m = periods.MONTH
    assert m.count(6) == "6 months" and m.lag_words(12) == "the same month last year"
    assert m.shift("2024-11-01", 3) == pd.Timestamp("2025-02-01")
    assert periods.of_dates(pd.date_range("2022-01-01", periods=5, freq="MS")) is m
    assert periods.of_dates(pd.date_range("2022-01-03", periods=5, freq="W-MON")) is periods.WEEK
    with pytest.raises(ValueError, match="week or month"):
        periods.of("quarter")


def test_event_flag_columns_become_custom_events(write):
    text = monthly_csv(months=14).rstrip("\n").split("\n")
    text = [text[0] + ",music_fest"] + [r + (",1" if r.startswith(("2022-03-01", "2023-02-01")) else ",0")
                                        for r in text[1:]]
    path = write("m.csv", "\n".join(text) + "\n")
    p = prepare(path, event_columns=["music_fest"])
    assert p.events["date"].dt.strftime("%Y-%m-%d").tolist() == ["2022-03-01", "2023-02-01"]
    assert set(p.events["name"]) == {"music fest"} and any("2 event date(s)" in n for n in p.notes)
    assert p.info.content_hash != prepare(path).info.content_hash  # the same sales with events is another dataset
    (problem,) = problems_of(path, event_columns=["beer_capital"])
    assert problem.file == "m.csv" and problem.column == "beer_capital" and "not in the file" in problem.rule


def test_a_calendar_with_no_promotion_in_the_months_asked_gives_none():
    from dashboard.data.features import calendar_plan

    cal = pd.DataFrame({"sku": ["A"], "category": [None], "region": [None], "start_week": ["2026-03-10"],
                        "end_week": ["2026-03-20"], "promo_type": ["tpr"], "discount_pct": [20.0]})
    series = pd.DataFrame({"sku": ["A"], "region": ["North"], "category": ["x"]})
    assert calendar_plan(cal, series, pd.date_range("2025-01-01", periods=6, freq="MS")).empty
    march = calendar_plan(cal, series, pd.date_range("2026-01-01", periods=6, freq="MS"))
    assert march["week"].tolist() == [pd.Timestamp("2026-03-01")] and march["promo"].iloc[0] == pytest.approx(11 / 31)
