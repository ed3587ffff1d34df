import pandas as pd
import pytest

from dashboard.data.calendars import RegionCalendar, parse_custom_events, seasonal_normal_weather, weekly_holiday_features


def feats(country="US", subdiv=None, events=None):
    weeks = pd.date_range("2024-10-28", "2025-01-06", freq="W-MON")
    return weekly_holiday_features(weeks, [RegionCalendar("R", country, subdiv)], events).set_index("week")


def test_thanksgiving_and_christmas_weeks():
    f = feats()
    assert f.loc["2024-11-25", "major_holiday"] == 1 and "Thanksgiving" in f.loc["2024-11-25", "holiday_name"]
    assert f.loc["2024-11-18", "weeks_to_holiday"] == 1
    assert f.loc["2024-11-11", "weeks_to_holiday"] == 2
    assert f.loc["2024-12-23", "major_holiday"] == 1  # Christmas
    assert f.loc["2024-11-04", "holiday"] == 0 or "Veterans" not in f.loc["2024-11-04", "holiday_name"]


def test_subdivision_and_other_country():
    it = feats("IT")
    assert it.loc["2024-12-23", "major_holiday"] == 1
    assert it.loc["2024-11-25", "holiday"] == 0  # no Thanksgiving in Italy


def test_custom_events_are_major():
    ev = parse_custom_events("2024-11-06, Store anniversary\n")
    f = feats(events=ev)
    assert f.loc["2024-11-04", "major_holiday"] == 1 and "Store anniversary" in f.loc["2024-11-04", "holiday_name"]


def test_bad_events_and_country_named():
    with pytest.raises(ValueError, match=r"line\(s\) \[2\]"):
        parse_custom_events("2024-01-01, ok\nyesterday, bad")
    with pytest.raises(ValueError, match="Unknown holiday country 'XX'"):
        feats("XX")


def test_seasonal_normal_weather():
    w = pd.DataFrame({"week": pd.to_datetime(["2023-01-02", "2024-01-01"]), "region": ["R", "R"], "temperature": [2.0, 4.0]})
    out = seasonal_normal_weather(w, [pd.Timestamp("2025-01-06")])
    assert out["temperature"].iloc[0] == 3.0 and out["source"].iloc[0] == "average of past years"
