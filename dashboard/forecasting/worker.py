"""The training process: `python -m dashboard.forecasting.worker JOB_DIR`. Reads files, never the database.

Progress goes to JOB_DIR/progress.jsonl, the outcome to JOB_DIR/state.json. SIGTERM cancels:
the half-written run folder is removed and the state says cancelled.
"""
from __future__ import annotations

import json
import shutil
import signal
import sys
import time
import traceback
from pathlib import Path

from dashboard.forecasting.jobs import now, read_state, start_next, write_json


class Cancelled(BaseException):
    pass


def _on_term(signum, frame):
    raise Cancelled()


def main(job_dir: str) -> int:
    job = Path(job_dir)
    import os
    os.environ["PROMOCAST_WORKSPACE"] = str(job.resolve().parent.parent)  # the run folder goes to the job's workspace
    signal.signal(signal.SIGTERM, _on_term)
    if int(os.environ.get("RANK", 0)) > 0:
        return _helper_rank(job)
    spec = json.loads((job / "spec.json").read_text())
    state = {**read_state(job), "status": "running", "started_at": now()}
    if "RANK" not in os.environ:  # under torchrun the launcher's pid stays: cancelling stops its whole group
        state["pid"] = os.getpid()
    write_json(job / "state.json", state)
    progress_file = open(job / "progress.jsonl", "a", buffering=1)

    def progress(d: dict) -> None:
        progress_file.write(json.dumps({**d, "t": round(time.time(), 2)}) + "\n")

    code = 0
    try:
        from dashboard.forecasting.pipeline import train_and_evaluate
        from dashboard.schema import TrainConfig

        config = TrainConfig.from_dict(spec["config"])
        if spec.get("fake"):  # test hook: a model-free job that sleeps and reports (job machinery tests)
            _fake(spec["fake"], progress)
            run_dir, run_id = None, None
        else:
            meta = {"dataset_id": spec["dataset_id"], "content_hash": spec["content_hash"], "job_id": spec["job_id"],
                    **({"frame_key": spec["frame_key"]} if spec.get("frame_key") else {})}
            # under torchrun this process trains on its shard of the series; alone, on every series. Either way
            # only the training weeks stay in memory while the model trains: the frame is read again after
            run_dir, record = train_and_evaluate(None, config, meta, progress, reader=_reader(job),
                                                 after=_after(spec.get("after") or [], job), parts_dir=job / "parts")
            run_id = record["run_id"]
        write_json(job / "state.json", {**state, "status": "finished", "finished_at": now(),
                                        "run_dir": str(run_dir) if run_dir else None, "run_id": run_id})
    except Cancelled:
        for tmp in Path(job).parent.parent.glob("runs/*.tmp"):
            shutil.rmtree(tmp, ignore_errors=True)
        write_json(job / "state.json", {**state, "status": "cancelled", "finished_at": now()})
        code = 143
    except Exception as exc:  # noqa: BLE001 - any failure becomes a failed job with its message
        traceback.print_exc()
        write_json(job / "state.json", {**state, "status": "failed", "finished_at": now(),
                                        "error": f"{type(exc).__name__}: {exc}"})
        code = 1
    finally:
        progress_file.close()
    start_next(job.parent)
    return code


def _helper_rank(job: Path) -> int:
    """A process of a distributed job other than the first (models/distributed.py): it trains beside the first,
    forecasts its own series into the job's ``parts`` folder (forecasting/sharded.py) and exits; the first one
    reports progress, joins the parts, scores them and writes the run."""
    try:
        from dashboard.forecasting.pipeline import train_and_evaluate
        from dashboard.schema import TrainConfig

        spec = json.loads((job / "spec.json").read_text())
        meta = {"dataset_id": spec["dataset_id"], "job_id": spec["job_id"], "frame_key": spec.get("frame_key")}
        train_and_evaluate(None, TrainConfig.from_dict(spec["config"]), meta, reader=_reader(job),
                           after=_after(spec.get("after") or [], job), parts_dir=job / "parts")
    except Cancelled:
        return 143
    from models import distributed

    distributed.leave(0)  # its part is written and the group destroyed: no teardown that could abort the job
    return 0


def _after(names: list[str], job: Path):
    """The steps a job's spec names ("package.module:function", put there by whoever queued it: the app and the
    CLI add the Promotions page's split, promotions/stored.py) as one ``after`` for the pipeline; each step gets the
    job folder for its own inputs, and its ``join`` puts the files of several processes' series together. None
    without steps."""
    import importlib

    if not names:
        return None
    steps = []
    for name in names:
        module, _, func = name.partition(":")
        steps.append(getattr(importlib.import_module(module), func))

    def after(model, frame, bands, config, meta, engine=None) -> dict:
        files = {}
        for step in steps:  # a step that reads the future's windows says so (``reads_engine``, sharded.future_engine)
            extra = {"engine": engine} if engine is not None and getattr(step, "reads_engine", False) else {}
            files.update(step(model, frame, bands, config, meta, job, **extra) or {})
        return files

    def join(parts: list[dict]) -> dict:  # each process's files of a data-parallel job: each step joins its own
        files = {}
        for step in steps:
            files.update(step.join(parts))
        return files
    after.join = join
    after.reads_engine = any(getattr(step, "reads_engine", False) for step in steps)
    return after


def _reader(job: Path):
    """The job's model frame as this process reads it: under torchrun its shard of the series (models/shards.py,
    batch by batch), alone every series."""
    def read():
        from models import distributed, shards

        return shards.read_shard(job / "frame.parquet", distributed.from_env())
    return read


def _fake(spec: dict, progress) -> None:
    """Fake model for tests: ``steps`` updates ``sleep`` seconds apart; ``fail`` raises; ``crash`` exits hard."""
    for step in range(1, int(spec.get("steps", 3)) + 1):
        time.sleep(float(spec.get("sleep", 0.1)))
        progress({"epoch": step, "step": step, "steps": spec.get("steps", 3), "loss": 1.0 / step, "eta_s": 0})
        if spec.get("fail") and step == spec.get("fail_at", 1):
            raise RuntimeError(spec["fail"])
        if spec.get("crash") and step == spec.get("crash_at", 1):
            import os
            os._exit(9)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
