"""A monthly distributor's plan from the command line, as a planner's analyst types it: the monthly sample, its
import by month, every model trained and scored in months (MAE beside WAPE), a what-if in months (a length in
weeks refused), and the plan's workbook with a column per month."""
import io
import json
import subprocess
import sys

import pandas as pd
import pytest

from conftest import ROOT
from dashboard.schema import MODELS


@pytest.fixture
def cli(workspace):
    env = {"PROMOCAST_WORKSPACE": str(workspace), "PROMOCAST_DB": str(workspace / "promocast.duckdb"), "PATH": "/usr/bin:/bin"}

    def run(*args, ok=True):
        r = subprocess.run([sys.executable, "-m", "dashboard", *map(str, args)], cwd=ROOT, env=env, capture_output=True,
                           text=True, timeout=900)
        assert (r.returncode == 0) == ok, r.stderr[-3000:]
        return r
    return run


def test_monthly_round_trip(cli, tmp_path, workspace, monkeypatch):
    cli("sample", tmp_path / "m", "--freq", "month")
    truth = json.loads((tmp_path / "m" / "truth.json").read_text())
    assert truth["months"] == 60 and set(truth["categories"]) == {"lager", "craft", "seasonal ale"}
    got = json.loads(cli("ingest", tmp_path / "m" / "sales.csv", "--promotions", tmp_path / "m" / "promotions.csv",
                         "--weather", tmp_path / "m" / "weather.csv", "--name", "distributor",
                         "--past-columns", "market_volume", "--json").stdout)
    assert got["freq"] == "month" and got["series"] == 180 and got["last_week"] == "2025-12-01"
    assert any("past-only input" in n and "market_volume" in n for n in got["notes"])
    check = json.loads(cli("check", "--json").stdout)
    assert check["freq"] == "month" and "24 months" in check["summary"]

    fast = ["--preset", "fast", "--max-epochs", "1", "--threads", "1"]
    for model in MODELS:
        out = json.loads(cli("train", "--model", model, *fast, "--json").stdout)
        overall = out["metrics"]["overall"]
        assert overall["mae"] > 0 and overall["wape"] > 0, model
        if model in ("tft", "lstm"):  # monthly and small: trained again on every training month (models/refit.py)
            assert out["refit"]["epochs"] == [1] and out["refit"]["seconds"] > 0, model
    board = json.loads(cli("evaluate", "--json").stdout)
    assert {"recommended", *MODELS} <= {r["model"] for r in board}
    assert all(r["metrics"]["overall"]["mae"] > 0 for r in board)

    monkeypatch.setenv("PROMOCAST_WORKSPACE", str(workspace))
    monkeypatch.setenv("PROMOCAST_DB", str(workspace / "promocast.duckdb"))
    from dashboard.store import Store

    store = Store()
    runs = store.runs()
    run = runs[runs["model"] == "lightgbm"].iloc[0]
    record = store.run(run["run_id"])
    assert record["holdout_weeks"] == 6 and record["config"]["freq"] == "month"
    assert record["config"]["horizon"] == 6 and record["config"]["encoder_weeks"] == 24
    from dashboard.forecasting.training import load_model

    from models import refit

    net, _ = load_model(store, runs[runs["model"] == "tft"].iloc[0]["run_id"])  # the market, read in its encoder
    assert "past_market_volume" in net.params["time_varying_unknown_reals"]
    assert "past_market_volume" in net.net.encoder_variables and "past_market_volume" not in net.net.decoder_variables
    assert len(net.early_members) == 1 and net.refit_from > 24  # the early network came back with the refit one
    assert refit.networks_for(net, net.refit_from - 1) is net.early_members and refit.networks_for(net, net.refit_from) is net.members
    store.close()

    weeks = cli("scenario", "--run", run["run_id"], "--promo", "sku=K01,region=North,start=2026-02-01,weeks=13,"
                "discount=20", ok=False)
    assert "planned by month" in weeks.stderr and "months=N" in weeks.stderr
    what = json.loads(cli("scenario", "--run", run["run_id"], "--promo", "sku=K01,region=North,start=2026-02-01,"
                          "months=2,discount=20", "--json").stdout)
    edited = next(r for r in what["series"] if (r["sku"], r["region"]) == ("K01", "North"))
    assert edited["delta"] > 0  # two months on a 20 % promotion raise the SKU's half year

    from dashboard.planning import plans

    store = Store()
    rows, meta = plans.assemble(store, store.dataset().id, run["run_id"])
    assert meta["Months"] == "2026-01-01 to 2026-06-01"
    sheets = pd.read_excel(io.BytesIO(plans.workbook(meta, rows)), sheet_name=None)
    assert list(sheets["North"].columns[3:]) == [f"2026-0{m}" for m in range(1, 7)]
    store.close()
