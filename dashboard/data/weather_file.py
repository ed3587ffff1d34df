"""The weather file: read, detect the temperature unit, validate, one row per region and week.

US retail weather comes in Fahrenheit (a real file: 5-100 F). A weekly mean temperature above 50 C, or a median
above 35 C, does not happen anywhere planners sell groceries, while both are ordinary in Fahrenheit; so with
``unit="auto"`` such a column is read as Fahrenheit and converted, and the import says so. ``unit="F"`` or
``"C"`` (the upload form, ``ingest --temperature-unit``) decides it instead.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from dashboard import periods
from dashboard import schema as S
from dashboard.data.validation import (Rule, comma_note, date_rules, date_sql, decimal_comma_columns, find_problems,
                                       month_first, number_sql, numeric_rules, raw_col, text_col)
from dashboard.schema import Problem, ValidationError

UNITS = ("auto", "C", "F")


def guess_unit(lo: float | None, hi: float | None, median: float | None) -> str:
    """'F' when the temperatures only make sense in Fahrenheit, else 'C'."""
    if hi is None or median is None:
        return "C"
    plausible_f = lo is not None and -60 <= lo and hi <= 140
    return "F" if plausible_f and (hi > 50 or median > 35) else "C"


def read_weather(con, path: Path, open_file, roll: pd.DataFrame, known, unit: str = "auto",
                 period: periods.Frequency = periods.WEEK) -> tuple[pd.DataFrame, list[str]]:
    """``open_file(con, path, view, required, optional) -> columns`` loads and maps the file (ingest._open);
    ``known(con, roll)`` registers the SKUs and regions of the sales. By month, the month's mean of the file's rows
    (daily, weekly or monthly); by week, one row per week and region."""
    if unit not in UNITS:
        raise ValueError(f"temperature unit must be one of {', '.join(UNITS)}, not {unit!r}")
    cols = open_file(con, path, "raw_weather", S.WEATHER_REQUIRED, S.WEATHER_OPTIONAL)
    comma = decimal_comma_columns(con, "raw_weather", [cols.get("temperature"), cols.get("precipitation")])
    temp = number_sql(raw_col(cols, "temperature"), cols.get("temperature") in comma)
    notes = comma_note(path.name, comma)
    if unit == "auto":
        lo, hi, med = con.execute(f"SELECT min(t), max(t), median(t) FROM (SELECT {temp} AS t FROM raw_weather) "
                                  "WHERE isfinite(t)").fetchall()[0]
        unit = guess_unit(lo, hi, med)
        if unit == "F":
            notes.append(f"temperature read as Fahrenheit ({lo:g} to {hi:g}, median {med:g}) and converted to "
                         "Celsius; choose the unit on import if that is wrong")
    celsius = f"(({temp}) - 32) * 5 / 9" if unit == "F" else temp
    same = "date_trunc('week', {week})" if period is periods.WEEK else "{week}"  # by month: one row per date
    week = date_sql(raw_col(cols, "week"), month_first(con, "raw_weather", cols.get("week")))
    same = same.format(week=week)
    region = text_col(cols, "region", S.DEFAULT_REGION)
    con.execute(f"""CREATE OR REPLACE TEMP VIEW weather_t AS SELECT
        {raw_col(cols, 'week')} AS c_week, {week} AS week, {region} AS region,
        {raw_col(cols, 'temperature')} AS c_temperature, {celsius} AS temperature,
        {raw_col(cols, 'precipitation')} AS c_precipitation,
        {number_sql(raw_col(cols, 'precipitation'), cols.get('precipitation') in comma)} AS precipitation,
        count(*) OVER (PARTITION BY {same}, {region}) AS n_same
        FROM raw_weather""")
    what = ("temperature outside -60..60 C after converting from Fahrenheit" if unit == "F"
            else "temperature outside -60..60 C (a Fahrenheit file? choose F as the unit on import)")
    rules = date_rules("week") + numeric_rules("temperature", required=True, lo=-60, hi=60, what=what)
    rules += numeric_rules("precipitation", required=False, lo=0, what="negative precipitation")
    rules.append(Rule("region", "unknown region (not in the sales file)", "region NOT IN (SELECT region FROM known_regions)", "region"))
    rules.append(Rule("week+region", "duplicate week and region", "week IS NOT NULL AND n_same > 1", "c_week || ' ' || region"))
    known(con, roll)
    problems: list[Problem] = find_problems(con, "weather_t", rules, path.name)
    if problems:
        raise ValidationError(problems)
    if period is periods.WEEK:
        out = con.execute("""SELECT CAST(date_trunc('week', week) AS DATE) AS week, region, temperature, precipitation
                             FROM weather_t ORDER BY region, week""").df()
    else:
        out = con.execute("""SELECT CAST(date_trunc('month', week) AS DATE) AS week, region, avg(temperature) AS temperature,
                             avg(precipitation) AS precipitation FROM weather_t GROUP BY ALL ORDER BY region, week""").df()
    out["week"] = pd.to_datetime(out["week"])
    return out, notes
