"""Uploaded files: keep them in the workspace by content, read their headers, propose a mapping."""
from __future__ import annotations

import hashlib
import re
from pathlib import Path

import duckdb
import pandas as pd

from dashboard.data.ingest import map_columns
from dashboard.schema import Problem, workspace_dir

NONE = "(none)"


SUFFIXES = (".csv", ".txt", ".tsv", ".parquet", ".pq", ".xlsx", ".xlsm", ".xls")


def safe_file_name(name: str) -> str:
    """A browser's file name as a plain name inside one folder: letters, digits, '.', '-', '_' and spaces only, no
    leading dots (so no '..', no hidden files), at most 100 characters, its known suffix kept."""
    base = re.sub(r"[^\w .-]", "_", Path(str(name).replace("\\", "/")).name, flags=re.ASCII).strip(" .")
    stem, suffix = (base[: -len(s)], s) if (s := Path(base).suffix.lower()) in SUFFIXES else (base, "")
    return (stem[:100].strip(" .") or "upload") + suffix


def save_upload(name: str, data: bytes, root: Path | None = None) -> Path:
    """Write an upload under workspace/uploads/<sha256[:12]>/<name> (same bytes, same path); the name is the
    browser's, so it is cleaned first (``safe_file_name``)."""
    digest = hashlib.sha256(data).hexdigest()[:12]
    folder = (root or workspace_dir()) / "uploads" / digest
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / safe_file_name(name)
    if not path.exists():
        tmp = path.with_suffix(path.suffix + ".part")
        tmp.write_bytes(data)
        tmp.replace(path)
    return path


def sniff_columns(path: Path) -> list[str]:
    """The header of a CSV, Parquet or Excel file ([] when it cannot be read: validation will say why)."""
    try:
        suffix = path.suffix.lower()
        if suffix in (".xlsx", ".xlsm", ".xls"):
            return [str(c) for c in pd.read_excel(path, nrows=0).columns]
        con = duckdb.connect()
        try:
            rel = con.read_parquet(str(path)) if suffix in (".parquet", ".pq") else con.read_csv(str(path), all_varchar=True, header=True)
            return list(rel.columns)
        finally:
            con.close()
    except Exception:
        return []


def propose_mapping(columns: list[str], required, optional) -> dict[str, str]:
    """canonical -> source column, guessed from names and aliases."""
    return map_columns(columns, {}, required, optional)[0]


def to_ingest_mapping(chosen: dict[str, str]) -> dict[str, str]:
    """The page's canonical -> source choice as ingest's source(lower) -> canonical mapping."""
    return {src.strip().lower(): dst for dst, src in chosen.items() if src and src != NONE}


def problems_frame(problems: list[Problem]) -> pd.DataFrame:
    return pd.DataFrame([{
        "file": p.file, "column": p.column, "problem": p.rule, "count": p.count,
        "first rows": ", ".join(map(str, p.rows)), "example": p.example,
    } for p in problems])
