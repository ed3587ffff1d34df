"""Where one process of a store-grain run spends its time outside the training loop, step by step: on one shard of
a finished run's job (the same series the process trained and forecast), with one thread as under torchrun.

`python -m bench.store_forecast_steps [--workspace DIR] [--run RUN] [--rank 0] [--upstream-encoders] [--json PATH]`

Steps: reading the shard, loading the run's model, building the training dataset of the shard's training weeks
(what each process does before its first step), the hold-out forecast, the future's windows
(``sharded.future_engine``), the future forecast, the plan's split (the job's step after the forecasts,
promotions/stored.py; without the run's bands) and the scoring of the shard's hold-out (``breakdowns``).
``--upstream-encoders`` builds the datasets with pytorch-forecasting's own ``NaNLabelEncoder`` (a Python loop over
every row) instead of ``pf_fixes.LabelEncoder``, for comparison. Nothing else may run beside it.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def upstream_encoders() -> None:
    """pytorch-forecasting's row-by-row label encoding everywhere (the code before ``pf_fixes.LabelEncoder``)."""
    from pytorch_forecasting.data import NaNLabelEncoder

    from models import pf_fixes

    def categorical_encoders(static_cats, groups):
        enc = {c: NaNLabelEncoder(add_nan=True) for c in static_cats}
        enc.update({f"__group_id__{g}": pf_fixes.GroupIdEncoder(add_nan=True) for g in groups})
        return enc
    pf_fixes.categorical_encoders = categorical_encoders
    pf_fixes.fast_encoders = lambda params: params
    pf_fixes.LabelEncoder.transform = NaNLabelEncoder.transform
    pf_fixes.LabelEncoder.fit = NaNLabelEncoder.fit
    pf_fixes._distinct = lambda y: y


def steps(workspace: Path, run_id: str, rank: int) -> dict:
    import torch

    from dashboard.forecasting import sharded
    from dashboard.forecasting.evaluation import breakdowns, join_actuals
    from dashboard.forecasting.pipeline import holdout_start
    from dashboard.forecasting.worker import _after
    from dashboard.schema import TrainConfig
    from models import distributed, load, pf_common, shards

    from .page_train import job_phases

    torch.set_num_threads(1)  # as each process under torchrun
    run = workspace / "runs" / run_id
    meta = json.loads((run / "run.json").read_text())
    phases = job_phases(workspace, run_id)
    if phases is None:
        raise SystemExit(f"no job of {workspace} made {run_id}")
    job = workspace / "jobs" / phases["job"]
    spec = json.loads((job / "spec.json").read_text())
    config = TrainConfig.from_dict(spec["config"])
    world = distributed.World(rank=rank, size=max(2, int(config.devices or 1)))
    seconds: dict[str, float] = {}
    t = time.perf_counter()

    def tick(name: str) -> None:
        nonlocal t
        seconds[name] = round(time.perf_counter() - t, 1)
        print(f"{name}: {seconds[name]} s", flush=True)
        t = time.perf_counter()

    frame = shards.read_shard(job / "frame.parquet", world)
    tick("read the shard")
    model = load(run / "model", meta.get("weights_sha256"))
    tick("load the model")
    start = holdout_start(frame, config.holdout_weeks)
    train = pf_common.prepare(frame[frame["units"].notna() & (frame["time_idx"] < start)])
    pf_common.training_dataset(train, config)  # built and dropped: its time is the figure
    train = None
    tick("training dataset of the shard")
    units = frame["units"].to_numpy(copy=True)
    frame.loc[frame["time_idx"] >= start, "units"] = float("nan")
    pred = model.predict(frame, start)
    frame["units"] = units
    tick("hold-out forecast")
    holdout = join_actuals(pred[pred["time_idx"] < start + config.holdout_weeks], sharded.history(frame), start)
    pred = None
    after = _after(spec.get("after") or [], job)
    engine = sharded.future_engine(model, frame, after)
    tick("the future's windows")
    future = sharded.forecast_future(model, frame, config.horizon, engine)
    tick("future forecast")
    files = sharded.after_steps(after, model, frame, None, config, meta, engine) if after is not None else {}
    tick("the plan's split")
    breakdowns(holdout)
    tick("scoring the shard's hold-out")
    return {"run": run_id, "job": phases["job"], "rank": rank, "of": world.size,
            "series": int(frame[["sku", "region"]].drop_duplicates().shape[0]), "future_rows": int(len(future)),
            "split_rows": int(len(files.get("plan_weekly.parquet", []))), "seconds": seconds}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.store_forecast_steps", description=__doc__.split("\n\n")[0])
    ap.add_argument("--workspace", default=str(ROOT / "bench" / "out" / "store" / "store-220"))
    ap.add_argument("--run", help="a run of the workspace made by a job (default: its newest TFT run)")
    ap.add_argument("--rank", type=int, default=0, help="the shard: the process's rank")
    ap.add_argument("--upstream-encoders", action="store_true",
                    help="pytorch-forecasting's NaNLabelEncoder, a Python loop per row, for comparison")
    ap.add_argument("--json", help="write the result here")
    args = ap.parse_args(argv)
    workspace = Path(args.workspace)
    runs = sorted((workspace / "runs").glob("run-tft-*"), key=lambda p: p.stat().st_mtime)
    run_id = args.run or (runs[-1].name if runs else None)
    if run_id is None or not (workspace / "runs" / run_id / "run.json").exists():
        raise SystemExit(f"no run {run_id or '(TFT)'} in {workspace}: run `python -m bench.page_train` first")
    warnings.simplefilter("ignore")
    if args.upstream_encoders:
        upstream_encoders()
    result = steps(workspace, run_id, args.rank)
    result.update(encoders="upstream NaNLabelEncoder" if args.upstream_encoders else "pf_fixes.LabelEncoder",
                  date=time.strftime("%Y-%m-%d %H:%M", time.gmtime()))
    print(json.dumps(result, indent=1))
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
