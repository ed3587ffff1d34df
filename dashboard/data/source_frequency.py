"""What an uploaded sales file's dates are: daily, weekly (on which weekday) or monthly (month starts or month
ends), read from its distinct dates before the roll-up; and which forecast frequency that allows.

daily -> week or month; weekly -> week or month (each week counted in the month of its first day); monthly ->
month only. ``choose`` turns the planner's choice ("auto", "week", "month") into the frequency the import rolls up
to, or a Problem naming the file, column and rows when the file cannot be read at that frequency.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from dashboard import periods
from dashboard.data.validation import first_rows
from dashboard.schema import Problem

CHOICES = ("auto", "week", "month")
MOSTLY = 0.8  # a file whose dates are this share month starts (or ends) and not all: a monthly file with stray dates


@dataclass(frozen=True)
class SourceFrequency:
    kind: str     # "day" | "week" | "month"
    detail: str   # "Monday", "month start", "month end", "" for daily

    def describe(self) -> str:
        return {"day": "daily", "week": f"weekly ({self.detail})", "month": f"monthly ({self.detail})"}[self.kind]


def detect(con, view: str = "sales_t") -> tuple[SourceFrequency, pd.DatetimeIndex]:
    """The file's frequency from its distinct parsed dates ``d``."""
    dates = pd.DatetimeIndex(con.execute(f"SELECT DISTINCT d FROM {view} WHERE d IS NOT NULL ORDER BY d").df()["d"])
    return classify(dates), dates


def classify(dates: pd.DatetimeIndex) -> SourceFrequency:
    if len(dates) == 0:
        return SourceFrequency("week", "")
    starts, ends = dates.is_month_start.mean(), dates.is_month_end.mean()
    gaps = np.diff(dates.values) / np.timedelta64(1, "D") if len(dates) > 1 else np.array([28.0])
    if len(dates) > 1 and (starts >= MOSTLY or ends >= MOSTLY) and np.median(gaps) >= 27:
        return SourceFrequency("month", "month start" if starts >= ends else "month end")
    if len(dates) > 1 and np.median(gaps) < 7:
        return SourceFrequency("day", "")
    names = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
    return SourceFrequency("week", names[int(pd.Series(dates.weekday).mode().iloc[0])])


def choose(con, fname: str, source: SourceFrequency, dates: pd.DatetimeIndex, wanted: str
           ) -> tuple[periods.Frequency | None, list[Problem], list[str]]:
    """(the forecast frequency, problems, notes) for a file of ``source`` frequency when the planner asked for
    ``wanted``."""
    if wanted not in CHOICES:
        raise ValueError(f"frequency must be one of {', '.join(CHOICES)}, not {wanted!r}")
    if source.kind == "month":
        on_day = dates.is_month_start if source.detail == "month start" else dates.is_month_end
        if not on_day.all():
            off = "day(d) <> 1" if source.detail == "month start" else "d <> last_day(d)"
            rows, ex = first_rows(con, "sales_t", f"d IS NOT NULL AND {off}", "c_week")
            n = int((~on_day).sum())
            return None, [Problem(fname, "week", f"mixed frequencies: the dates are monthly ({source.detail}) but "
                                  f"{n} distinct date(s) are not", n, rows, ex)], []
        if wanted == "week":
            return None, [Problem(fname, "week", "monthly data cannot be forecast by week: choose month as the "
                                  "forecast frequency (ingest --freq month)", len(dates), (), str(dates[0].date()))], []
        note = f"{fname}: monthly data ({source.detail}), forecast by month"
        return periods.MONTH, [], [note]
    freq = periods.MONTH if wanted == "month" else periods.WEEK
    notes = []
    if source.kind == "week" and freq is periods.MONTH:
        notes.append(f"{fname}: weekly data ({source.detail}) summed into months by each week's first day "
                     "(a month holds 4 or 5 weeks)")
    elif source.kind == "day" and freq is periods.MONTH:
        notes.append(f"{fname}: daily data summed into calendar months")
    if source.kind == "day":
        notes += [n for n in (closed_days_note(fname, dates),) if n]
    return freq, [], notes


def closed_days_note(fname: str, dates: pd.DatetimeIndex) -> str:
    """Days inside a daily file's span that no row has (a shop closed on public holidays: the pasta store's 28):
    read as zero sales, and each week or month is the sum of the days present. Said, with the first dates."""
    if len(dates) < 2:
        return ""
    absent = pd.date_range(dates.min(), dates.max(), freq="D").difference(dates)
    if not len(absent):
        return ""
    shown = ", ".join(str(d.date()) for d in absent[:4]) + (", ..." if len(absent) > 4 else "")
    return (f"{fname}: {len(absent):,} day(s) have no row at all ({shown}): read as a closed shop, zero sales; "
            "each period is the sum of the days present")


def gaps_note(roll: pd.DataFrame, freq: periods.Frequency, fname: str) -> str:
    """Periods missing inside a series (between its first and last) are read as zero sales: say how many."""
    if roll.empty:
        return ""
    g = roll.groupby(["sku", "region"])["week"].agg(["min", "max", "size"])
    span = _periods_between(g["min"], g["max"], freq) + 1
    missing = span - g["size"]
    if not (missing > 0).any():
        return ""
    worst = missing.idxmax()
    return (f"{fname}: {int(missing.sum()):,} {freq.name}s missing inside {int((missing > 0).sum()):,} series "
            f"(most: {worst[0]} / {worst[1]}, {int(missing.max())}) are read as zero sales")


def _periods_between(lo: pd.Series, hi: pd.Series, freq: periods.Frequency) -> pd.Series:
    lo, hi = pd.to_datetime(lo), pd.to_datetime(hi)
    if freq is periods.MONTH:
        return (hi.dt.year - lo.dt.year) * 12 + (hi.dt.month - lo.dt.month)
    return ((hi - lo).dt.days // 7).astype(int)
