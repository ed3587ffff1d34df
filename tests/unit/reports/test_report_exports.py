import io

import pandas as pd

from dashboard.reports.exports import excel_bytes
from dashboard.reports.report import build_report
from dashboard.store import Store


def test_html_report_stands_alone(use_trained):
    store = Store()
    info = store.dataset()
    run = store.runs(info.id).query("model == 'tft'")["run_id"].iloc[0]
    html = build_report(store, info.id, run)
    assert html.startswith("<!doctype html>") and html.count("<script") >= 1
    assert "plotly" in html.lower() and "<script src=" not in html  # plotly.js inlined: opens offline
    assert info.content_hash in html and run in html and "Hold-out" in html
    assert "same week last year" in html  # the explanation travels with the report
    assert "Leaderboard" in html and "seasonal-naive" in html


def test_excel_export_has_a_sheet_per_frame():
    frames = {"forecast": pd.DataFrame({"a": [1, 2]}), "a_very_long_sheet_name_beyond_31_chars": pd.DataFrame({"b": [3]})}
    book = pd.read_excel(io.BytesIO(excel_bytes(frames)), sheet_name=None)
    assert list(book) == ["forecast", "a_very_long_sheet_name_beyond_3"]
    assert book["forecast"]["a"].tolist() == [1, 2]


def test_weeks_are_exported_and_shown_as_dates():
    import io

    import pandas as pd

    from dashboard.reports.exports import dates, excel_bytes

    f = pd.DataFrame({"week": pd.to_datetime(["2015-04-27", "2015-05-04"]), "stamp": pd.to_datetime(["2015-04-27 10:30", None]),
                      "units": [1.0, 2.0]})
    d = dates(f)
    assert [str(w) for w in d["week"]] == ["2015-04-27", "2015-05-04"] and "00:00:00" not in d.to_csv(index=False)
    assert pd.api.types.is_datetime64_any_dtype(d["stamp"])  # a real time of day stays a timestamp
    back = pd.read_excel(io.BytesIO(excel_bytes({"t": f})))
    assert back["units"].tolist() == [1.0, 2.0]
