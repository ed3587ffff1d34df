"""The option sets commands share, each defined once: a command that runs another (``refresh`` trains) takes the
other's options from the same definition, so every option added here works from every command that reaches it."""
from __future__ import annotations

import argparse

from dashboard.schema import PRESETS


def database(p: argparse.ArgumentParser, dataset: bool = False) -> None:
    """[--dataset ID] --json --db PATH --workspace NAME: every command that reads or writes a workspace."""
    if dataset:
        p.add_argument("--dataset", help="dataset id or name (a name: its newest version; default: the newest dataset)")
    p.add_argument("--json", action="store_true")
    p.add_argument("--db", help="DuckDB file (default: $PROMOCAST_DB or the workspace's promocast.duckdb)")
    p.add_argument("--workspace", help="client workspace (python -m dashboard workspace list); default: default")


def dataset_of(store, name_or_id: str | None):
    """The dataset a command's ``--dataset`` names: an id, or a name (its newest version), as ``refresh`` and
    ``export-parquet`` take it; the newest dataset when none is given."""
    from dashboard.planning.refresh import resolve

    return store.dataset(resolve(store, name_or_id) if name_or_id else None)


def source_files(p: argparse.ArgumentParser) -> None:
    """The files that come with a sales file, and how its columns map (ingest and refresh)."""
    p.add_argument("--promotions", help="promotion calendar file")
    p.add_argument("--weather", help="weather file")
    p.add_argument("--temperature-unit", default="auto", choices=["auto", "C", "F"],
                   help="the weather file's unit (auto: Fahrenheit when the values only make sense so)")
    p.add_argument("--map", default="", help="source=target column mapping, e.g. Date=week,Dept=sku")
    p.add_argument("--event-columns", default=None,
                   help="0/1 columns of the sales file that flag events (a,b,c): every date a column flags becomes a "
                        "custom event named after it, for every region (refresh: default the dataset's)")
    p.add_argument("--past-columns", default=None,
                   help="numeric columns of the sales file known only for the past, e.g. industry_volume,soda_volume: "
                        "the TFT reads them before each forecast, never ahead (refresh: default the dataset's)")


def column_list(text: str | None) -> list[str] | None:
    """'a, b' -> ['a', 'b']; None (not given) stays None; '' (given empty: none) is []."""
    return None if text is None else [c.strip() for c in text.split(",") if c.strip()]


def _at_least_one(text: str) -> int:
    """A count of 1 or more (argparse names the option and the value when it is not)."""
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number") from None
    if n < 1:
        raise argparse.ArgumentTypeError(f"{n}: give 1 or more")
    return n


def _dropout(text: str) -> float:
    """A dropout from 0 up to (not including) 1."""
    try:
        d = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number") from None
    if not 0 <= d < 1:
        raise argparse.ArgumentTypeError(f"{d:g}: give a dropout from 0 up to 1, e.g. 0.1")
    return d


def _training() -> argparse.ArgumentParser:
    t = argparse.ArgumentParser(add_help=False)
    g = t.add_argument_group("training (train, and refresh --models)")
    g.add_argument("--preset", default="standard", choices=list(PRESETS))
    g.add_argument("--holdout-weeks", type=int, help="periods held out and scored (default: the dataset's "
                   "frequency's, 13 weeks or 6 months)")
    g.add_argument("--max-epochs", type=int, help="override the preset's epoch limit")
    g.add_argument("--threads", type=int, help="torch threads (default: all cores; the app uses 1)")
    g.add_argument("--seeds", type=int, help="TFT, LSTM and LightGBM trained from different seeds and averaged "
                   "(thorough: 3)")
    g.add_argument("--validation-windows", type=_at_least_one, help="windows of the horizon's weeks before the hold-out that "
                   "choose the recommended forecast and calibrate the bands (default 3; the networks forecast the "
                   "last)")
    g.add_argument("--network-windows", action="store_true", default=None, help="TFT/LSTM: retrain the network for "
                   "each earlier validation window too (its training time x the windows)")
    g.add_argument("--dropout", type=_dropout, help="TFT/LSTM: train at this dropout only (default: the TFT trains "
                   "at 0.1 and 0.3 on up to 500 series and keeps the one better on its validation weeks; else 0.1)")
    g.add_argument("--devices", type=int, help="TFT/LSTM: training processes on this machine, data-parallel through "
                   "torchrun (one per GPU; on CPUs one per core)")
    g.add_argument("--num-nodes", type=int, help="machines training together (each runs torchrun; see docs/scale.md)")
    g.add_argument("--master", help="HOST:PORT of the first machine, with --num-nodes > 1")
    g.add_argument("--ray", help="Holt-Winters, MSTL, seasonal naive: fit on Ray (local, auto or ray://HOST:10001)")
    return t


TRAINING = _training()  # the parent parser of ``train`` and ``refresh``: how a model is trained, whatever the command


def training_dests() -> list[str]:
    """The names under which the training options land on a parsed namespace."""
    return [a.dest for a in TRAINING._actions if a.dest != "help"]
