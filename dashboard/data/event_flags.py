"""Event flags in the sales file itself (Stallion's `easter_day`, `music_fest`, ...: 0/1 columns per row) read as
custom events: every date a column flags on any row becomes an event named after the column, for every region
(like a custom event typed on the Data page). A column the file lacks, or one holding something other than
numbers, is a problem naming the file and column; nothing is imported then."""
from __future__ import annotations

import pandas as pd

from dashboard.data.validation import date_sql, named_column, quote
from dashboard.schema import Problem


def parse(text: str | None) -> list[str]:
    """'easter_day, music_fest' -> ['easter_day', 'music_fest']."""
    return [c.strip() for c in (text or "").split(",") if c.strip()]


def read(con, view: str, week_column: str, columns: list[str], fname: str, us: bool = False
         ) -> tuple[pd.DataFrame, list[Problem]]:
    """(events: date, name; problems) from the raw sales ``view``."""
    problems, parts = [], []
    for col in columns:
        src, missing = named_column(con, view, col, fname, "event")
        if missing:
            problems.append(missing)
            continue
        q = quote(src)
        bad = con.execute(f"SELECT count(*) FROM {view} WHERE {q} IS NOT NULL AND TRY_CAST({q} AS DOUBLE) IS NULL"
                          ).fetchall()[0][0]
        if bad:
            problems.append(Problem(fname, src, "event flag is not a number (0/1)", int(bad)))
            continue
        days = con.execute(f"""SELECT DISTINCT {date_sql(quote(week_column), us)} AS date FROM {view}
                               WHERE TRY_CAST({q} AS DOUBLE) > 0""").df()
        parts.append(days.dropna().assign(name=src.replace("_", " ")))
    events = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=["date", "name"])
    events["date"] = pd.to_datetime(events["date"])
    return events.sort_values(["date", "name"]).reset_index(drop=True), problems
