"""A workspace written before dashboard/ moved into packages (tests/fixtures/workspace_v1, written by main at
483db4b with tests/fixtures' script of that commit) opens unchanged, copied to another folder as a restored backup
would be: its datasets and versions, runs of every model (loaded after their checksum, forecasting), scenarios,
overrides, margins and the published plan, whose workbook downloads."""
import io
from pathlib import Path

import pandas as pd
import pytest

from conftest import OLD_WORKSPACE as FIXTURE


def test_nothing_stored_names_a_module_path():
    """Pickles and run files may name ``models.*`` and library classes; never a ``dashboard`` module, whose paths
    move with the code."""
    for f in FIXTURE.rglob("*"):
        if f.is_file() and f.suffix in (".pkl", ".pt", ".json"):
            assert b"dashboard." not in f.read_bytes(), f


def test_datasets_versions_scenarios_margins_and_overrides_read_back(old_workspace):
    from dashboard.store import Store

    store = Store()
    ds = store.datasets()
    assert len(ds) == 2 and set(ds["name"]) == {"fixture grocer", "fixture grocer v2"}
    v2 = store.dataset().id
    assert len(store.versions(v2)) == 2 and store.versions(v2)["version"].tolist() == [1, 2]
    assert set(store.scenarios(v2)["name"]) == {"snacks push", "heatwave"}
    edits, _, author = store.scenario(v2, "snacks push")
    assert author == "ana" and edits["category"].iloc[0] == "snacks"
    assert store.margins() == {"beverages": 30.0, "frozen": 25.0, "snacks": 35.0}
    assert store.entered_prices() == {"household": 4.5}
    active, every = store.overrides(v2), store.overrides(v2, active_only=False)
    assert active["id"].nunique() == 1 and every["id"].nunique() == 2
    assert set(active["reason"]) == {"promotion detail not in the data"}


def test_every_run_loads_and_forecasts_from_its_moved_folder(old_workspace):
    from dashboard.forecasting.training import load_model, model_frame
    from dashboard.store import Store
    from dashboard.store.runs import load_future, read_run

    store = Store()
    v2 = store.dataset().id
    runs = store.runs(v2)
    # the five models of its day (the LightGBM came later) and the recommended forecast
    assert set(runs["model"]) == {"tft", "lstm", "holt-winters", "mstl", "seasonal-naive", "recommended"}
    assert all(Path(d).is_relative_to(old_workspace) for d in runs["run_dir"])  # found where the workspace now is
    frame = model_frame(store, v2)
    for r in runs.itertuples():
        run = store.run(r.run_id)
        assert read_run(run["run_dir"])["run_id"] == r.run_id
        future = load_future(Path(run["run_dir"]))
        assert future is not None and len(future) == 24 * 13 and (future["p10"] <= future["p90"]).all()
        if r.model == "recommended":
            continue
        model, _ = load_model(store, r.run_id)  # the weights' SHA-256 checked against the database first
        start = int(frame["time_idx"].max()) - model.config.horizon + 1
        out = model.predict(frame, start)
        assert len(out) == 24 * model.config.horizon and out["p50"].notna().all(), r.model


def test_the_what_if_and_the_published_plan(old_workspace):
    from dashboard.planning import plans
    from dashboard.planning.scenarios import Scenario, what_if_engine
    from dashboard.store import Store

    store = Store()
    v2 = store.dataset().id
    tft = store.runs(v2).query("model == 'tft'")["run_id"].iloc[0]
    engine = what_if_engine(store, tft)
    edits, temperature, _ = store.scenario(v2, "snacks push")
    res = engine.run(Scenario("snacks push", edits, temperature))
    assert len(res["changed"]) and res["forecast"]["p50"].sum() != pytest.approx(res["base"]["p50"].sum())
    published = store.plans(v2)
    assert published["cycle"].tolist() == ["2026-Q1"] and published["author"].iloc[0] == "ana"
    meta, rows = store.plan(published["id"].iloc[0])
    assert meta["cycle"] == "2026-Q1" and "snacks push" in meta["Scenario"] and len(rows) == 24 * 13
    book = pd.read_excel(io.BytesIO(plans.workbook(meta, rows)), sheet_name=None)
    assert {"Assumptions", "North", "South", "East", "West", "Series (long)"} <= set(book)
    again, _ = plans.assemble(store, v2, published["run_id"].iloc[0], "snacks push", engine)
    assert len(again) == len(rows)  # the plan can be assembled again from the stored runs and overrides
