"""Past-only inputs (a market total known only afterwards, Stallion's industry volume): read from the sales file by
the import at the dataset's period and location, stored with the dataset and kept by a refresh, carried into the
model frame (never ahead: the future holds the last value seen), read by the TFT in its encoder only, and each
problem of such a column named with its file, column and rows."""
import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from conftest import ROOT, tiny_config
from dashboard.data.ingest import prepare
from dashboard.schema import ValidationError


def sales_csv(months=30, start="2022-01-01", market=lambda i: 1000 + 50 * i, bad_row=None):
    rows = ["date,region,sku,units,market"]
    for i, m in enumerate(pd.date_range(start, periods=months, freq="MS")):
        for s in ("A", "B"):
            value = "lots" if bad_row == (i, s) else market(i)
            rows.append(f"{m.date()},North,{s},{100 + 10 * (i % 12)},{value}")
    return "\n".join(rows) + "\n"


def problems_of(*args, **kw):
    with pytest.raises(ValidationError) as err:
        prepare(*args, **kw)
    return err.value.problems


def test_the_import_keeps_a_past_only_column_per_series_and_month(write):
    path = write("m.csv", sales_csv())
    p = prepare(path, past_columns=["market"])
    assert set(p.past["name"]) == {"market"} and len(p.past) == 60  # 2 series x 30 months
    first = p.past[(p.past["sku"] == "A") & (p.past["week"] == "2022-03-01")]
    assert first["value"].tolist() == [1100.0] and first["region"].tolist() == ["North"]
    assert any("past-only input" in n and "market" in n for n in p.notes)
    assert p.info.extras["inputs"] == {"event_columns": [], "past_columns": ["market"]}
    assert p.info.content_hash != prepare(path).info.content_hash  # the same sales with an input is another dataset
    assert "market" not in p.sales.columns  # a sales field it is not


def test_daily_rows_give_the_mean_of_their_month(write):
    days = pd.date_range("2024-01-01", "2024-02-29", freq="D")
    text = "date,sku,units,market\n" + "".join(f"{d.date()},A,5,{d.day}\n" for d in days)
    p = prepare(write("d.csv", text), freq="month", past_columns=["market"])
    assert p.past.sort_values("week")["value"].round(3).tolist() == [16.0, 15.0]  # mean of days 1..31, 1..29


def test_each_problem_of_a_past_column_is_named(write):
    path = write("m.csv", sales_csv(bad_row=(3, "B")))
    (problem,) = problems_of(path, past_columns=["market"])
    assert (problem.file, problem.column) == ("m.csv", "market") and "not a number" in problem.rule
    assert problem.rows == (9,) and problem.example == "lots"  # header line 1, then 2 rows a month
    (missing,) = problems_of(write("n.csv", sales_csv()), past_columns=["soda"])
    assert missing.column == "soda" and "not in the file" in missing.rule and "market" in missing.rule
    (mapped,) = problems_of(write("u.csv", sales_csv()), past_columns=["units"])
    assert mapped.column == "units" and "already mapped" in mapped.rule


def test_the_model_frame_carries_the_input_and_never_knows_it_ahead(write):
    from dashboard.data.features import build_frame
    from dashboard.data.past_inputs import columns_of

    p = prepare(write("m.csv", sales_csv()), past_columns=["market"])
    f = build_frame(p.sales, [], past=p.past, horizon=6)
    assert columns_of(f) == ["past_market"]
    a = f[f["sku"] == "A"].set_index("week")["past_market"]
    assert a.loc["2022-03-01"] == pytest.approx(np.log1p(1100))  # log of a volume that is never negative
    last = a.loc["2024-06-01"]
    assert (a.loc["2024-07-01":] == last).all() and len(a.loc["2024-07-01":]) == 6  # the last value, not a guess


def test_a_refresh_reads_the_dataset_s_past_columns_again(write, workspace):
    from dashboard.planning.refresh import refresh
    from dashboard.store import Store

    store = Store()
    first, _ = store.save_dataset(prepare(write("m.csv", sales_csv(months=30)), past_columns=["market"]))
    newer = write("new.csv", sales_csv(months=32, market=lambda i: 7))  # two new months, every market restated
    result = refresh(store, first, newer)
    stored = store.past_inputs(result["dataset"])
    assert stored["week"].max() == pd.Timestamp("2024-08-01") and set(stored["value"]) == {7.0}
    assert store.dataset(result["dataset"]).extras["inputs"]["past_columns"] == ["market"]
    store.close()


def test_refresh_takes_past_columns_from_the_command_line(write, workspace):
    env = {"PROMOCAST_WORKSPACE": str(workspace), "PROMOCAST_DB": str(workspace / "promocast.duckdb"),
           "PATH": "/usr/bin:/bin"}

    def cli(*args):
        r = subprocess.run([sys.executable, "-m", "dashboard", *map(str, args)], cwd=ROOT, env=env,
                           capture_output=True, text=True, timeout=300)
        assert r.returncode == 0, r.stderr[-2000:]
        return r.stdout

    old = write("m.csv", sales_csv(months=30))
    ds = json.loads(cli("ingest", old, "--json"))["dataset"]
    cli("refresh", write("new.csv", sales_csv(months=31)), "--dataset", ds, "--past-columns", "market")
    from dashboard.store import Store

    store = Store()
    newest = store.dataset()
    assert newest.extras["inputs"]["past_columns"] == ["market"] and len(store.past_inputs(newest.id)) == 62
    store.close()


def test_the_tft_reads_past_inputs_in_its_encoder_and_the_lstm_does_not(write):
    from dashboard.data.features import build_frame
    from models import create

    p = prepare(write("m.csv", sales_csv(months=40)), past_columns=["market"])
    frame = build_frame(p.sales, [], past=p.past)
    for model, reads in (("tft", True), ("lstm", False)):
        cfg = tiny_config(model)
        m = create(type(cfg)(**{**cfg.to_dict(), "encoder_weeks": 12, "min_encoder_weeks": 6, "horizon": 3,
                                "quantiles": cfg.quantiles}))
        m.fit(frame)
        assert ("past_market" in m.params["time_varying_unknown_reals"]) is reads, model
        if reads:
            assert "past_market" in m.net.encoder_variables and "past_market" not in m.net.decoder_variables
        start = int(frame["time_idx"].max()) - 2
        pred = m.predict(frame.assign(units=frame["units"].where(frame["time_idx"] < start)), start)
        assert pred["p50"].notna().all() and len(pred) >= 2 * 3, model
