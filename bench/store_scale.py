"""`python -m bench --scale store`: the reference case at store grain, and how time and memory grow with series.

The reference generator's 220 stores x 340 SKUs x 156 weeks are written once as Parquet; each size takes the
first K stores (stores alternate between the 4 regions, so every size covers every region); each size runs in three
fresh processes (import; one training worker's stages 2-4; seasonal naive: 2 and 5), each reporting its own peak memory:

1. import at store grain (validation, roll-up, DuckDB), 2. the model frame (history + 13 future weeks),
3. the TFT's training windows on the tensor path (pytorch-forecasting's encoding, then ``WindowArrays``),
4. training throughput: ``--steps`` steps of the standard TFT at its batch (512) on this machine's threads,
5. the seasonal-naive hold-out at store grain, its WAPE per store series and rolled up to SKU x region.

The region-grain reference (1,360 series, stores summed at import) runs the same way, for the roll-up's
comparison: WAPE of store forecasts summed to regions beside WAPE of forecasts trained on regions.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STORES = (4, 16, 55, 220)  # x 340 SKUs = 1,360 / 5,440 / 18,700 / 74,800 store series


def write_data(folder: Path) -> Path:
    """The reference case's store rows (11.7 M) as Parquet, once."""
    path = folder / "store_sales.parquet"
    if not path.exists():
        from sample_data.generator import generate

        folder.mkdir(parents=True, exist_ok=True)
        data = generate("reference")
        sales = data["sales"].astype({c: str for c in ("store", "region", "sku", "category")})
        sales.to_parquet(path, index=False)
        data["promotions"].to_parquet(folder / "promotions.parquet", index=False)
        data["weather"].to_parquet(folder / "weather.parquet", index=False)
    return path


def _peak_mb() -> float:
    """This process's peak resident memory so far (VmHWM: unlike ru_maxrss, not inherited from the parent)."""
    from models.distributed import peak_memory_mb

    return peak_memory_mb() or round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


STAGES = ("import", "train", "naive")  # each in its own process: its peak memory is that stage's alone


def one(folder: Path, stores: int, grain: str, steps: int, threads: int, stage: str) -> dict:
    """One stage of one size in this process: its seconds and this process's peak memory.

    import: validation, roll-up, DuckDB. train: what one training worker holds (the model frame, the windows,
    the network) and ``steps`` timed steps. naive: the seasonal-naive hold-out and its roll-up to regions."""
    import torch

    from dashboard.forecasting.training import model_frame
    from dashboard.store import Store

    work = folder / f"{grain}-{stores}"
    os.environ["PROMOCAST_WORKSPACE"] = str(work)
    if stage == "import":
        from dashboard.data.ingest import prepare

        part = work / "sales.parquet"  # written by the parent: this process's peak is the pipeline's alone
        (work / "promocast.duckdb").unlink(missing_ok=True)
        for cached in (work / "frames").glob("*.parquet"):
            cached.unlink()
        t = time.perf_counter()
        prepared = prepare(part, folder / "promotions.parquet", folder / "weather.parquet", grain=grain)
        store = Store(work / "promocast.duckdb", workspace=work)
        ds, _ = store.save_dataset(prepared)
        return dict(series=store.dataset(ds).series, rows=store.dataset(ds).rows,
                    import_s=round(time.perf_counter() - t, 1), import_peak_mb=_peak_mb())
    store = Store(work / "promocast.duckdb", workspace=work)
    ds = store.dataset().id
    t = time.perf_counter()
    frame = model_frame(store, ds)
    out = dict(frame_s=round(time.perf_counter() - t, 1), frame_rows=len(frame),
               frame_mb=round(frame.memory_usage(deep=True).sum() / 2**20), frame_peak_mb=_peak_mb())
    if stage == "naive":
        from dashboard.forecasting.pipeline import train_and_evaluate
        from dashboard.schema import preset_config

        t = time.perf_counter()
        _, record = train_and_evaluate(frame, preset_config("seasonal-naive", "standard"), {"dataset_id": ds})
        j = record["evaluation"]["joined"]
        keys = ["sku", "area" if "area" in j else "region", "week"]
        region = j.groupby(keys)[["actual", "p50"]].sum()
        return dict(naive_s=round(time.perf_counter() - t, 1), naive_wape=round(record["overall"]["wape"], 2),
                    naive_peak_mb=_peak_mb(), naive_wape_region=round(float(
                        (region["actual"] - region["p50"]).abs().sum() / region["actual"].sum() * 100), 2))

    from dashboard.schema import preset_config
    from models import create
    from models.loop import training_step
    from models.pf_common import prepare as pf_prepare
    from models.pf_common import training_dataset
    from models.windows import WindowArrays

    torch.set_num_threads(threads)
    cfg = preset_config("tft", "standard", threads=threads)
    hist = frame[frame["units"].notna()]
    start = int(hist["time_idx"].max()) - 2 * cfg.horizon + 1  # the fit's training part: before validation + hold-out
    t = time.perf_counter()
    ds_t = training_dataset(pf_prepare(hist[hist["time_idx"] < start]), cfg)
    windows = WindowArrays(ds_t, "cpu")
    out.update(windows=len(windows), windows_s=round(time.perf_counter() - t, 1), windows_peak_mb=_peak_mb())

    m = create(cfg)
    net = m.build(ds_t)
    opt = net.configure_optimizers()["optimizer"]
    gen = torch.Generator().manual_seed(0)
    net.train()
    for i in range(steps + 2):  # 2 warm-up steps
        if i == 2:
            t = time.perf_counter()
        training_step(net, opt, *windows.sample(cfg.batch_size, gen), cfg.gradient_clip, True)
    rate = steps * cfg.batch_size / (time.perf_counter() - t)
    out.update(samples_per_s=round(rate), batch_size=cfg.batch_size, threads=threads,
               epoch_min=round(len(windows) / rate / 60, 1), train_peak_mb=_peak_mb())
    return out


def run(args) -> dict:
    folder = Path(args.data or ROOT / "bench" / "out" / "store")
    t = time.perf_counter()
    write_data(folder)
    result = {"generate_s": round(time.perf_counter() - t, 1), "sizes": []}
    sizes = [("region", 220)] + [("store", k) for k in (args.stores or STORES)]
    import pandas as pd

    everything = pd.read_parquet(folder / "store_sales.parquet")
    for grain, k in sizes:
        (folder / f"{grain}-{k}").mkdir(parents=True, exist_ok=True)
        keep = {f"ST{i + 1:03d}" for i in range(k)}
        everything[everything["store"].isin(keep)].to_parquet(folder / f"{grain}-{k}" / "sales.parquet", index=False)
    del everything
    for grain, k in sizes:
        row = {"stores": k, "grain": grain}
        for stage in args.stages or STAGES:
            cmd = [sys.executable, "-m", "bench.store_scale", "--one", str(k), "--grain", grain, "--data", str(folder),
                   "--steps", str(args.steps), "--threads", str(args.threads), "--stage", stage]
            proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True,
                                  env={**os.environ, "PYTHONWARNINGS": "ignore"})
            line = [ln for ln in proc.stdout.splitlines() if ln.startswith("STORE-SCALE ")]
            if not line:
                row["error"] = f"{stage}: {proc.stderr[-1500:]}"
                break
            got = json.loads(line[-1][12:])
            row.update({k2: v for k2, v in got.items() if not (stage == "naive" and k2.startswith("frame"))})
        result["sizes"].append(row)
        result["figures"] = figures(result["sizes"])
        print(json.dumps(row), file=sys.stderr)
        if args.json:
            Path(args.json).write_text(json.dumps(result, indent=1))
    return result


IMPORT_PEAK_TARGET_MB = 6000  # issue 28: the store grain's import in a third of the 17.8 GB it took


PROMOTIONS_FIRST_TARGET_S, WHATIF_FIRST_TARGET_S = 10, 3  # issue 28: a planner's first visit of a run


def figures(sizes: list[dict]) -> list[dict]:
    """The named figures a script reads (issue 28), from the largest store-grain size measured (each stage's own:
    ``--stages train`` alone still names the training worker's peak)."""
    from .parts import fig

    store = [r for r in sizes if r["grain"] == "store" and not r.get("error")]
    out = []
    imported = [r for r in store if "import_peak_mb" in r]
    if imported:
        top = max(imported, key=lambda r: r["series"])
        out.append(fig(f"import: peak memory MB, store grain {top['series']} series", top["import_peak_mb"], "MB",
                       IMPORT_PEAK_TARGET_MB, note=f"{top['rows']:,} rows in {top['import_s']} s"))
    trained = [r for r in store if "train_peak_mb" in r]
    if trained:
        top = max(trained, key=lambda r: r["series"] or 0)
        out.append(fig(f"training worker: peak memory MB, store grain {top['series']} series", top["train_peak_mb"],
                       "MB", 5000))
    return out


def page_figures(times: dict) -> list[dict]:
    """The first-visit figures of ``--pages`` on a store-grain workspace (issue 28's targets)."""
    from .parts import fig

    pages = times["pages"]
    return [fig("promotions: first visit, store grain (s)", pages["promotions"]["cold_s"], "s", PROMOTIONS_FIRST_TARGET_S,
                note="the run's stored split of the plan, money added (promotions/stored.py)"),
            fig("what-if: first visit, store grain (s)", pages["scenarios"]["cold_s"], "s", WHATIF_FIRST_TARGET_S,
                note=f"the stored base; the network and frame loaded in the background in "
                     f"{pages['scenarios'].get('engine_ready_s', float('nan')):.1f} s more")]


def table(result: dict) -> str:
    cols = [("grain", "grain"), ("stores", "stores"), ("series", "series"), ("rows", "rows"), ("import_s", "import s"),
            ("frame_s", "frame s"), ("frame_mb", "frame MB"), ("windows", "windows"), ("windows_s", "windows s"),
            ("samples_per_s", "samples/s"), ("epoch_min", "epoch min"), ("import_peak_mb", "import peak MB"),
            ("train_peak_mb", "worker peak MB"), ("naive_peak_mb", "naive peak MB"),
            ("naive_wape", "naive WAPE"), ("naive_wape_region", "naive WAPE at region")]
    lines = ["| " + " | ".join(h for _, h in cols) + " |", "|" + "---|" * len(cols)]
    for r in result["sizes"]:
        lines.append("| " + " | ".join(f"{r[c]:,}" if isinstance(r.get(c), (int, float)) else str(r.get(c, "-"))
                                       for c, _ in cols) + " |")
    return "\n".join(lines)


def pages(workspace: Path) -> dict:
    """Every page's render time on a size's workspace (its seasonal-naive run registered first), first visit and
    from cache, as the reference bench times them (bench/tasks.py)."""
    os.environ["PROMOCAST_WORKSPACE"] = str(workspace)
    os.environ["PROMOCAST_DB"] = str(workspace / "promocast.duckdb")
    from dashboard.forecasting.training import register_run
    from dashboard.store import Store

    store = Store()
    known = set(store.runs(store.dataset().id)["run_id"]) if len(store.datasets()) else set()
    for run_dir in sorted((workspace / "runs").glob("run-*")):
        if run_dir.name not in known and (run_dir / "run.json").exists():
            register_run(store, run_dir)
    store.close()
    from .tasks import pages as page_times

    out = page_times(str(workspace))
    out["figures"] = page_figures(out)
    return out


def rollup(run_dirs: list[str]) -> list[dict]:
    """Hold-out WAPE of each run per series and with its series summed to SKU x region (a store-grain run's stores
    summed to their regions; a region-grain run is already there), from the run folder's hold-out table."""
    import json as _json

    import pandas as pd

    out = []
    for d in run_dirs:
        h = pd.read_parquet(Path(d) / "holdout.parquet")
        meta = _json.loads((Path(d) / "run.json").read_text())
        keys = ["sku", "area" if "area" in h else "region", "week"]
        r = h.groupby(keys)[["actual", "point"]].sum()
        out.append({"run": Path(d).name, "model": meta["model"], "preset": meta["preset"], "series": meta["series"],
                    "device": meta["device"], "seconds": meta["seconds"],
                    "wape_per_series": round(float((h["actual"] - h["point"]).abs().sum() / h["actual"].sum() * 100), 2),
                    "wape_summed_to_regions": round(float((r["actual"] - r["point"]).abs().sum() / r["actual"].sum() * 100), 2),
                    "training": {k: (meta.get("training") or {}).get(k) for k in (
                        "world_size", "series_per_process", "peak_memory_mb", "seconds", "best_epoch", "epochs_run")},
                    "peak_memory_mb": meta.get("peak_memory_mb"), "job_seconds": _job_seconds(Path(d), meta)})
    return out


STANDARD_TFT_TARGET_S = 20 * 60  # issue 28: the standard TFT at store grain, command to run written
TRAINING_PEAK_TARGET_MB = 5 * 1024  # issue 28: each training process's peak
FIRST_PROCESS_TARGET_MB = 8 * 1024  # issue 28: the first process's peak over the run (it forecasts, joins, scores)


def _job_seconds(run_dir: Path, meta: dict) -> float | None:
    """Seconds from the job's start to its run written (the job's state.json beside the workspace's runs)."""
    import json as _json
    from datetime import datetime

    state = run_dir.parent.parent / "jobs" / str(meta.get("job_id")) / "state.json"
    if not state.exists():
        return None
    st = _json.loads(state.read_text())
    if not st.get("started_at") or not st.get("finished_at"):
        return None
    return (datetime.fromisoformat(st["finished_at"]) - datetime.fromisoformat(st["started_at"])).total_seconds()


def rollup_figures(rows: list[dict]) -> list[dict]:
    """``standard TFT at store grain, 2 processes: seconds`` for such a run among ``rows`` (issue 28's name): the
    job's start to its run written; a run cut to 2 epochs or fewer (``--max-epochs``) is not the standard run."""
    from .parts import fig

    out = []
    for r in rows:
        t = r["training"]
        if r["model"] == "tft" and r["preset"] == "standard" and t.get("world_size") == 2 and r["series"] > 10000 \
                and r.get("job_seconds") and (t.get("epochs_run") or 0) > 2:
            out.append(fig("standard TFT at store grain, 2 processes: seconds", r["job_seconds"], "s",
                           STANDARD_TFT_TARGET_S, note=f"{r['run']}: {t.get('epochs_run')} epochs, training "
                           f"{t.get('seconds')} s, peak MB per process {t.get('peak_memory_mb')}, first process "
                           f"{r.get('peak_memory_mb')}"))
            peaks = [p for p in t.get("peak_memory_mb") or [] if p]
            if peaks:
                out.append(fig("standard TFT at store grain: peak memory MB per training process", max(peaks), "MB",
                               TRAINING_PEAK_TARGET_MB, note=f"{r['run']}: each process {peaks}"))
            if r.get("peak_memory_mb"):
                out.append(fig("standard TFT at store grain: first process peak memory MB", r["peak_memory_mb"], "MB",
                               FIRST_PROCESS_TARGET_MB, note=f"{r['run']}: training, its forecasts, joining and scoring"))
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.store_scale")
    ap.add_argument("--one", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--grain", default="store", help=argparse.SUPPRESS)
    ap.add_argument("--stage", default="import", choices=STAGES, help=argparse.SUPPRESS)
    ap.add_argument("--data", help="where the generated Parquet and per-size workspaces go (default bench/out/store)")
    ap.add_argument("--stores", type=lambda s: [int(x) for x in s.split(",")], help="store counts (default 4,16,55,220)")
    ap.add_argument("--steps", type=int, default=20, help="training steps timed per size")
    ap.add_argument("--stages", type=lambda s: [x for x in s.split(",") if x in STAGES],
                    help=f"only these stages ({','.join(STAGES)}; default all): --stages import measures imports alone")
    ap.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--json")
    ap.add_argument("--pages", help="time every page on this size's workspace (e.g. bench/out/store/store-220)")
    ap.add_argument("--rollup", nargs="+", metavar="RUN_DIR", help="hold-out WAPE of these runs per series and summed "
                    "to SKU x region (e.g. a store-grain TFT run)")
    args = ap.parse_args(argv)
    if args.rollup:
        out = rollup(args.rollup)
        out = {"runs": out, "figures": rollup_figures(out)}
        print(json.dumps(out, indent=1))
        if args.json:
            Path(args.json).write_text(json.dumps(out, indent=1))
        return 0
    if args.pages:
        out = pages(Path(args.pages))
        print(json.dumps(out))
        if args.json:
            Path(args.json).write_text(json.dumps(out, indent=1))
        return 0
    if args.one:
        print("STORE-SCALE " + json.dumps(one(Path(args.data), args.one, args.grain, args.steps, args.threads,
                                              args.stage)))
        return 0
    result = run(args)
    print(table(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
