"""The store bench's named figures (issue 28): a script finds them by name, each stage's own."""
from bench.store_scale import figures, page_figures, rollup_figures


def test_each_stage_names_its_own_figure():
    train_only = [{"grain": "store", "stores": 220, "series": 74800, "train_peak_mb": 18500}]
    assert [f["name"] for f in figures(train_only)] == ["training worker: peak memory MB, store grain 74800 series"]
    both = [{"grain": "store", "stores": 220, "series": 74800, "rows": 10, "import_s": 39.5, "import_peak_mb": 4900},
            {"grain": "store", "stores": 4, "series": 1360, "rows": 1, "import_s": 1.0, "import_peak_mb": 600},
            {"grain": "region", "stores": 220, "series": 1360, "rows": 1, "import_s": 5.0, "import_peak_mb": 650}]
    (imp,) = figures(both)
    assert imp["name"] == "import: peak memory MB, store grain 74800 series" and imp["met"] is True
    assert figures([{"grain": "store", "series": 74800, "error": "import: killed"}]) == []


def test_first_visits_and_the_standard_run():
    pages = {"pages": {"promotions": {"cold_s": 3.6}, "scenarios": {"cold_s": 4.0, "engine_ready_s": 13.4}}}
    got = {f["name"]: f["met"] for f in page_figures(pages)}
    assert got == {"promotions: first visit, store grain (s)": True, "what-if: first visit, store grain (s)": False}
    run = {"run": "r", "model": "tft", "preset": "standard", "series": 74800, "job_seconds": 1500.0,
           "peak_memory_mb": 10751, "training": {"world_size": 2, "epochs_run": 20, "seconds": 1200,
                                                 "peak_memory_mb": [8358, 8355]}}
    fig, per_process, first = rollup_figures([run, {**run, "training": {**run["training"], "epochs_run": 2}}])
    assert fig["name"] == "standard TFT at store grain, 2 processes: seconds" and fig["met"] is False
    assert per_process["name"] == "standard TFT at store grain: peak memory MB per training process"
    assert per_process["value"] == 8358 and per_process["met"] is False
    assert first["name"] == "standard TFT at store grain: first process peak memory MB" and first["met"] is False
    low = {**run, "peak_memory_mb": 7900, "training": {**run["training"], "peak_memory_mb": [4641, 4598]}}
    assert [f["met"] for f in rollup_figures([low])] == [False, True, True]
    assert rollup_figures([{**run, "series": 1360}]) == []


def test_a_runs_job_phases_come_from_the_jobs_own_files(tmp_path):
    import json

    from bench.page_train import job_phases

    job = tmp_path / "jobs" / "job-1"
    job.mkdir(parents=True)
    (job / "state.json").write_text(json.dumps({"status": "finished", "run_id": "run-a",
                                                "started_at": "2026-12-05T10:00:00+00:00",
                                                "finished_at": "2026-12-05T10:20:00+00:00"}))
    t0 = 1796464800.0  # 2026-12-05T10:00:00Z
    lines = [{"epoch": 1, "step": 10, "elapsed_s": 5.0, "t": t0 + 65}, {"status": "writing"},
             {"epoch": 20, "step": 1200, "elapsed_s": 800.0, "t": t0 + 860}]
    (job / "progress.jsonl").write_text("\n".join(json.dumps(x) for x in lines))
    got = job_phases(tmp_path, "run-a")
    assert got == {"job": "job-1", "start_s": 60.0, "training_s": 800.0, "after_training_s": 340.0, "job_s": 1200.0}
    assert job_phases(tmp_path, "run-b") is None
