"""`python -m dashboard refresh … --models …` as cron types it: the new version stored, then each model trained on
it with train's options (a statistical model, and a network with the training options passed through)."""
import json
import subprocess
import sys

import pandas as pd
import pytest

from conftest import ROOT, SAMPLE


@pytest.fixture
def cli(workspace):
    env = {"PROMOCAST_WORKSPACE": str(workspace), "PROMOCAST_DB": str(workspace / "promocast.duckdb"), "PATH": "/usr/bin:/bin"}

    def run(*args):
        r = subprocess.run([sys.executable, "-m", "dashboard", *map(str, args)], cwd=ROOT, env=env, capture_output=True,
                           text=True, timeout=600)
        assert r.returncode == 0, r.stderr[-3000:]
        return r
    return run


def test_refresh_retrains_a_baseline_and_a_network(cli, tmp_path):
    sales = pd.read_csv(SAMPLE / "sales.csv")
    skus = ["S001", "S002", "S009", "S017"]
    sales = sales[sales["sku"].isin(skus)]
    plan = pd.read_csv(SAMPLE / "promotions.csv")
    plan[plan["sku"].isin(skus)].to_csv(tmp_path / "promotions.csv", index=False)
    weeks = sorted(sales["week"].unique())
    first, second, third = tmp_path / "v1.csv", tmp_path / "v2.csv", tmp_path / "v3.csv"
    sales[sales["week"] <= weeks[-5]].to_csv(first, index=False)
    sales[(sales["week"] > weeks[-5]) & (sales["week"] <= weeks[-3])].to_csv(second, index=False)
    sales[sales["week"] > weeks[-3]].to_csv(third, index=False)
    promos = ["--promotions", tmp_path / "promotions.csv", "--weather", SAMPLE / "weather.csv"]
    cli("ingest", first, *promos, "--name", "grocer")

    out = json.loads(cli("refresh", second, "--dataset", "grocer", *promos, "--models", "seasonal-naive",
                         "--validation-windows", "2", "--json").stdout)
    assert out["version"] == 2 and set(out["runs"]) == {"seasonal-naive"}
    board = json.loads(cli("evaluate", "--dataset", out["dataset"], "--json").stdout)
    assert {r["model"] for r in board} == {"seasonal-naive"}

    out = json.loads(cli("refresh", third, "--dataset", "grocer", *promos, "--models", "lstm", "--preset", "fast",
                         "--max-epochs", "1", "--threads", "1", "--holdout-weeks", "8", "--json").stdout)
    assert out["version"] == 3 and set(out["runs"]) == {"lstm"}
    run = next(r for r in json.loads(cli("evaluate", "--dataset", out["dataset"], "--json").stdout) if r["model"] == "lstm")
    assert run["preset"] == "fast"
    # train as typed, with the windows in its JSON: the newest two before the hold-out, earliest first
    gbm = json.loads(cli("train", "--model", "lightgbm", "--dataset", "grocer", "--preset", "fast",  # a name, as typed
                         "--validation-windows", "2", "--threads", "1", "--json").stdout)
    assert [w["window"] for w in gbm["validation_windows"]] == [2, 1]
    assert all(w["weeks"] == 13 and w["wape"] > 0 for w in gbm["validation_windows"])
    from dashboard.store import Store

    record = Store().run(run["run_id"])
    assert record["config"]["max_epochs"] == 1 and record["config"]["holdout_weeks"] == 8 and record["holdout_weeks"] == 8
    naive = next(r for r in Store().runs().to_dict("records") if r["model"] == "seasonal-naive")
    assert Store().run(naive["run_id"])["config"]["validation_windows"] == 2
