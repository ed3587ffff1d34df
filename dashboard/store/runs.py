"""Run folders: each run describes itself (config, dataset and hash, library versions, device,
metrics, weights, hold-out predictions, attention and variable importance)."""
from __future__ import annotations

import json
import shutil
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pandas as pd

from dashboard.schema import workspace_dir

LIBRARIES = ("torch", "pytorch_forecasting", "lightning", "statsforecast", "pandas", "numpy", "duckdb")


def runs_root() -> Path:
    p = workspace_dir() / "runs"
    p.mkdir(parents=True, exist_ok=True)
    return p


def library_versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    out = {}
    for lib in LIBRARIES:
        try:
            out[lib] = version(lib.replace("_", "-"))
        except PackageNotFoundError:
            out[lib] = "not installed"
    return out


def write_run(run_id: str, model, meta: dict, evaluation: dict, holdout: pd.DataFrame, root: Path | None = None,
              future: pd.DataFrame | None = None, interp: dict | None = None,
              validation: pd.DataFrame | None = None, extra: dict | None = None) -> Path:
    """Write everything into <root>/<run_id>.tmp, then rename: a run folder is complete or absent. ``model`` is None
    for a run made of other runs (the recommended forecast): no weights, no interpretation. ``extra``: more files by
    name, a frame as Parquet or a dict as JSON (the stored plan's split, promotions/stored.py)."""
    root = root or runs_root()
    tmp = root / f"{run_id}.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    try:
        sha = model.save(tmp / "model") if model is not None else None
        holdout.to_parquet(tmp / "holdout.parquet", index=False)
        if future is not None:
            future.to_parquet(tmp / "future.parquet", index=False)
        if validation is not None:
            validation.to_parquet(tmp / "validation.parquet", index=False)
        for name, part in (extra or {}).items():
            if isinstance(part, pd.DataFrame):
                part.to_parquet(tmp / name, index=False)
            else:
                (tmp / name).write_text(json.dumps(part, indent=1, default=str))
        for name, frame in evaluation.items():
            if isinstance(frame, pd.DataFrame) and name != "joined":
                frame.to_parquet(tmp / f"metrics_{name}.parquet", index=False)
        interp = interp if interp is not None or model is None else model.interpretation()
        if interp and interp.get("kind") == "gbm":  # models/gbm.py: gain importance, per-forecast contributions
            interp["importance"].to_parquet(tmp / "gbm_importance.parquet", index=False)
            interp["contributions"].to_parquet(tmp / "gbm_contributions.parquet", index=False)
        elif interp:
            interp["index"].to_parquet(tmp / "interp_index.parquet", index=False)
            np.save(tmp / "attention.npy", interp["attention"].astype(np.float16))
            np.save(tmp / "decoder_attention.npy", interp["decoder_attention"].astype(np.float16))
            np.save(tmp / "encoder_lengths.npy", interp["encoder_lengths"])
            for kind in ("static", "encoder", "decoder"):
                pd.DataFrame(interp[f"{kind}_importance"], columns=interp["names"][kind]).to_parquet(
                    tmp / f"importance_{kind}.parquet", index=False)
        record = {**meta, "run_id": run_id, "weights_sha256": sha, "device": meta.get("device") or (model.device if model is not None else "-"),
                  "created_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                  "libraries": library_versions(), "overall": _clean(evaluation["overall"]),
                  "best_epoch": getattr(model, "best_epoch", None), "interpretation": bool(interp)}
        (tmp / "run.json").write_text(json.dumps(record, indent=1, default=str))
    except BaseException:  # a full disk, a failed save: no half-written folder stays behind
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    final = root / run_id
    tmp.rename(final)
    return final


def _clean(d: dict) -> dict:
    return {k: (None if isinstance(v, float) and np.isnan(v) else v) for k, v in d.items()}


def read_run(run_dir: Path) -> dict:
    return json.loads((Path(run_dir) / "run.json").read_text())


def load_metrics(run_dir: Path, name: str) -> pd.DataFrame:
    return pd.read_parquet(Path(run_dir) / f"metrics_{name}.parquet")


def load_holdout(run_dir: Path) -> pd.DataFrame:
    return pd.read_parquet(Path(run_dir) / "holdout.parquet")


def load_future(run_dir: Path) -> pd.DataFrame | None:
    path = Path(run_dir) / "future.parquet"
    return pd.read_parquet(path) if path.exists() else None


def load_validation(run_dir: Path) -> pd.DataFrame | None:
    """The run's forecast of the validation window (runs trained before it was kept have none)."""
    path = Path(run_dir) / "validation.parquet"
    return pd.read_parquet(path) if path.exists() else None


def load_interpretation(run_dir: Path) -> dict | None:
    d = Path(run_dir)
    if not (d / "attention.npy").exists():
        return None
    return {
        "index": pd.read_parquet(d / "interp_index.parquet"),
        "attention": np.load(d / "attention.npy").astype(np.float32),
        "decoder_attention": np.load(d / "decoder_attention.npy").astype(np.float32),
        "encoder_lengths": np.load(d / "encoder_lengths.npy"),
        **{f"{k}_importance": pd.read_parquet(d / f"importance_{k}.parquet") for k in ("static", "encoder", "decoder")},
    }


def load_gbm_explanation(run_dir: Path) -> dict | None:
    """A gradient-boosted run's gain importance and per-forecast contributions (models/gbm.py), and its target."""
    d = Path(run_dir)
    if not (d / "gbm_importance.parquet").exists():
        return None
    target = ((read_run(d).get("training") or {}).get("target"))
    return {"importance": pd.read_parquet(d / "gbm_importance.parquet"),
            "contributions": pd.read_parquet(d / "gbm_contributions.parquet"), "target": target}
