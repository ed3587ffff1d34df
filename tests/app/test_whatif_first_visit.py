"""The What-if page's first visit reads the run folder and loads the network in the background
(promotions/stored_base.py, ui/engine_loader.py): it answers while the engine is still loading, and a temperature
change waits for it and re-forecasts."""
import threading

import pandas as pd

from test_pages import ok, open_page  # the same AppTest helpers as the other pages


def _tft(store) -> str:
    runs = store.runs()
    return runs.loc[runs["model"] == "tft", "run_id"].iloc[0]


def test_the_stored_base_is_the_engine_base(use_trained):
    from pathlib import Path

    from dashboard.data.frame_cache import key
    from dashboard.promotions import stored, stored_base
    from dashboard.planning.scenarios import what_if_engine
    from dashboard.ui import get_store

    store = get_store()
    run_id = _tft(store)
    run_dir = Path(store.run(run_id)["run_dir"])
    base = stored_base.read(stored.read(run_dir, key(store, store.dataset().id, 13)))
    engine = what_if_engine(store, run_id)
    assert base is not None and list(base.future_weeks) == list(engine.future_weeks)
    pd.testing.assert_frame_equal(base.base(), engine.base(), check_dtype=False, check_categorical=False)
    cols = ["sku", "region", "category", "area"]
    pd.testing.assert_frame_equal(base.series[cols].astype(str).sort_values(cols).reset_index(drop=True),
                                  engine.series[cols].astype(str).sort_values(cols).reset_index(drop=True))
    assert base.run_unedited()["forecast"] is base.base() and engine.run_unedited()["changed"].empty
    assert stored.read(run_dir, "a changed calendar") is None  # then the page waits for the engine


def test_first_visit_answers_while_the_network_loads(use_trained, monkeypatch):
    from dashboard.planning import scenarios

    release, started = threading.Event(), threading.Event()
    real = scenarios.build_engine

    def slow(src):
        started.set()
        assert release.wait(120), "never released"
        return real(src)

    monkeypatch.setattr(scenarios, "build_engine", slow)
    try:
        at = ok(open_page("scenarios"))  # would wait 120 s if the page needed the engine
        assert started.wait(30)  # the load began in the background once the page had drawn
        assert any(m.label == "Base (P50, all series)" for m in at.metric)
        assert [m.value for m in at.metric if m.label == "Series re-forecast"] == ["0"]
    finally:
        release.set()
    at.number_input(key="sc_temp").set_value(2.0).run()  # an edit: the engine, once loaded, re-forecasts
    ok(at)
    changed = [m.value for m in at.metric if m.label == "Series re-forecast"]
    assert changed and int(changed[0]) > 0
