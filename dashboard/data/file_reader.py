"""An uploaded file as a DuckDB view of text columns: CSV (any delimiter; UTF-8, UTF-16 or Windows-1252),
Parquet, or Excel (the sheet that holds the expected columns; dates stored as serial numbers are read by the
date rules). Anything unreadable becomes a ``Problem`` naming the file, never an exception."""
from __future__ import annotations

import io
from pathlib import Path
from typing import Callable

import duckdb
import pandas as pd

from dashboard.data.validation import quote
from dashboard.schema import Problem

MAX_FILE_MB = 1024  # the upload limit (.streamlit/config.toml server.maxUploadSize), the command line's too
EXCEL = (".xlsx", ".xlsm", ".xls")


def load_raw(con: duckdb.DuckDBPyConnection, path: Path, view: str, fits: Callable[[list[str]], bool] | None = None,
             notes: list[str] | None = None) -> list[Problem]:
    """Expose ``path`` as ``view``; returns file-level problems. ``fits(columns)``: whether a sheet holds the
    columns wanted (an Excel workbook's first such sheet is read); ``notes`` receives what was assumed."""
    name, notes = path.name, notes if notes is not None else []
    if path.is_dir():
        return _load_folder(con, path, view, notes)
    if not path.exists():
        return [Problem(name, "(file)", "file not found", 1)]
    size = path.stat().st_size
    if size == 0:
        return [Problem(name, "(file)", "empty file: no header and no rows", 1)]
    if size > MAX_FILE_MB << 20:
        return [Problem(name, "(file)", f"larger than the {MAX_FILE_MB} MB limit ({size / 2**20:,.0f} MB): split it "
                        "by year or region, or drop columns Promocast does not read", 1)]
    suffix = path.suffix.lower()
    try:
        if suffix in (".parquet", ".pq"):
            rel = con.read_parquet(str(path))
            rel = rel.select(", ".join(f"CAST({quote(c)} AS VARCHAR) AS {quote(c)}" for c in rel.columns))
        elif suffix in EXCEL:
            rel = _register(con, view, _excel_sheet(path, fits, notes))
        else:
            try:
                rel = con.read_csv(str(path), all_varchar=True, header=True, sample_size=-1 if size < 1 << 20 else 20480)
            except duckdb.Error as exc:
                if not _is_encoding_error(exc):
                    raise
                rel = _register(con, view, _decoded_csv(path, notes))
        rel.create_view(view)
        if suffix not in (".csv", ".txt", ".tsv", ""):
            con.execute(f"SELECT count(*) FROM {view}").fetchall()[0]
    except duckdb.Error as exc:
        return [read_problem(name, suffix, exc)]
    except UnicodeDecodeError as exc:
        return [Problem(name, "(file)", "not valid text in UTF-8, UTF-16 or Windows-1252: save it as 'CSV UTF-8'", 1,
                        example=str(exc)[:160])]
    except Exception as exc:  # openpyxl / pandas errors for bad Excel files
        return [Problem(name, "(file)", f"cannot be read as {suffix or 'CSV'}", 1, example=str(exc)[:200])]
    return []


def _load_folder(con, path: Path, view: str, notes: list[str]) -> list[Problem]:
    """A folder of Parquet files, hive-partitioned or not (``python -m dashboard export-parquet`` writes them):
    every file under it is one table; ``key=value`` folder names become columns (region=North -> region)."""
    if not any(path.rglob("*.parquet")):
        return [Problem(path.name, "(folder)", "no .parquet files in this folder", 1)]
    try:
        rel = con.read_parquet(str(path / "**" / "*.parquet"), hive_partitioning=True, union_by_name=True)
        rel = rel.select(", ".join(f"CAST({quote(c)} AS VARCHAR) AS {quote(c)}" for c in rel.columns))
        rel.create_view(view)
    except duckdb.Error as exc:
        return [read_problem(path.name, ".parquet", exc)]
    notes.append(f"{path.parent.name}/{path.name}: read as a folder of Parquet files")
    return []


def _register(con, view: str, frame: pd.DataFrame):
    frame.columns = [str(c) for c in frame.columns]
    con.register(f"{view}_df", frame)
    return con.table(f"{view}_df")


def _excel_sheet(path: Path, fits, notes: list[str]) -> pd.DataFrame:
    sheets = pd.read_excel(path, sheet_name=None, dtype=str)
    names = list(sheets)
    chosen = next((n for n in names if fits and fits([str(c) for c in sheets[n].columns])), names[0])
    if len(names) > 1:
        notes.append(f"{path.name}: read sheet '{chosen}' of {len(names)} ({', '.join(names[:6])})")
    return sheets[chosen]


def _decoded_csv(path: Path, notes: list[str]) -> pd.DataFrame:
    """A CSV that is not UTF-8: UTF-16 when it starts with its byte-order mark, else Windows-1252 (what Excel's
    plain 'CSV' writes on Windows). Read as text, delimiter sniffed, empty cells as missing."""
    raw = path.read_bytes()
    encoding = "utf-16" if raw[:2] in (b"\xff\xfe", b"\xfe\xff") else "cp1252"
    text = raw.decode(encoding)
    notes.append(f"{path.name}: not UTF-8, read as {'UTF-16' if encoding == 'utf-16' else 'Windows-1252 (Latin)'}")
    frame = pd.read_csv(io.StringIO(text), dtype=str, sep=None, engine="python", keep_default_na=False)
    return frame.replace({"": None})


def _is_encoding_error(exc: Exception) -> bool:
    msg = str(exc).lower()
    return "unicode" in msg or "utf" in msg or "encoding" in msg


def read_problem(name: str, suffix: str, exc: Exception) -> Problem:
    msg = str(exc)
    if _is_encoding_error(exc):
        return Problem(name, "(file)", "not valid UTF-8 text: save it as UTF-8 (Excel: 'CSV UTF-8')", 1,
                       example=msg.splitlines()[0][:160])
    return Problem(name, "(file)", f"cannot be read as {suffix or 'CSV'}", 1, example=msg.splitlines()[0][:200])
