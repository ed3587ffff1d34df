"""Canonical columns, limits and typed records shared across the core."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

# Canonical column names of an uploaded sales file (after mapping).
WEEK, STORE, REGION, SKU, CATEGORY = "week", "store", "region", "sku", "category"
UNITS, PRICE, PROMO, DISCOUNT = "units", "price", "promo", "discount_pct"

SALES_REQUIRED = (WEEK, SKU, UNITS)
SALES_OPTIONAL = (STORE, REGION, CATEGORY, PRICE, PROMO, DISCOUNT)
SALES_COLUMNS = SALES_REQUIRED + SALES_OPTIONAL

PROMO_REQUIRED = ("start_week", "end_week")
PROMO_OPTIONAL = (SKU, CATEGORY, REGION, "promo_type", DISCOUNT)
WEATHER_REQUIRED = (WEEK, REGION, "temperature")
WEATHER_OPTIONAL = ("precipitation",)

# Source headers that mean a canonical column without an explicit mapping.
ALIASES = {
    "date": WEEK, "week_start": WEEK, "qty": UNITS, "quantity": UNITS, "sales": UNITS,
    "item": SKU, "item_id": SKU, "product": SKU, "store_id": STORE, "discount": DISCOUNT,
    "start": "start_week", "end": "end_week", "type": "promo_type", "temp": "temperature",
}

DEFAULT_REGION = "all"
DEFAULT_CATEGORY = "uncategorised"
ALL = "all"  # wildcard in a promotion calendar

# History sufficiency: seasonal models need 2-3 full annual cycles.
SEASON_WEEKS = 52
HISTORY_WARN_WEEKS = 104
HISTORY_STRONG_WEEKS = 52


def default_db_path() -> Path:
    """The DuckDB file: $PROMOCAST_DB, else workspace/promocast.duckdb beside the code."""
    env = os.environ.get("PROMOCAST_DB")
    if env:
        return Path(env)
    return workspace_dir() / "promocast.duckdb"


def workspace_dir() -> Path:
    """Git-ignored folder for the database, uploads, runs and jobs."""
    env = os.environ.get("PROMOCAST_WORKSPACE")
    root = Path(env) if env else Path(__file__).resolve().parent.parent / "workspace"
    root.mkdir(parents=True, exist_ok=True)
    return root


@dataclass(frozen=True)
class Problem:
    """One validation finding: which file, column and rule, with the first offending rows."""
    file: str
    column: str
    rule: str
    count: int
    rows: tuple[int, ...] = ()
    example: str = ""

    def __str__(self) -> str:
        rows = f" rows {', '.join(map(str, self.rows))}" if self.rows else ""
        more = f" (+{self.count - len(self.rows)} more)" if self.count > len(self.rows) and self.rows else ""
        ex = f" e.g. {self.example!r}" if self.example else ""
        return f"{self.file}: column '{self.column}': {self.rule} [{self.count}]{rows}{more}{ex}"


class ValidationError(ValueError):
    """Raised with every problem found in one pass; nothing was imported."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


@dataclass
class DatasetInfo:
    id: str
    name: str
    rows: int
    series: int
    first_week: str
    last_week: str
    content_hash: str
    created_at: str = ""
    source_rows: int = 0
    weeks: int = 0
    extras: dict = field(default_factory=dict)
