"""Validation rules as SQL predicates, counted in one pass; the first offending rows fetched after.

A rule is (column, description, predicate over the typed view ``t``). ``find_problems`` counts all
rules in one scan, then, for the rules that fire, fetches the first rows (line numbers in the file,
the header being line 1) with an example of the bad value.
"""
from __future__ import annotations

from dataclasses import dataclass

import duckdb

from .schema import Problem

MAX_ROWS_SHOWN = 5

# SQL over a raw file whose columns are text: parse a date several ways, read a yes/no flag, pick a column
DATE_SQL = ("COALESCE(TRY_CAST({c} AS DATE), TRY_CAST(TRY_CAST({c} AS TIMESTAMP) AS DATE), "
            "TRY_CAST(TRY_STRPTIME({c}, '%d/%m/%Y') AS DATE), TRY_CAST(TRY_STRPTIME({c}, '%Y/%m/%d') AS DATE), "
            "TRY_CAST(TRY_STRPTIME({c}, '%d.%m.%Y') AS DATE))")
FLAG_SQL = ("CASE WHEN lower(trim({c})) IN ('true','yes','y') THEN 1.0 "
            "WHEN lower(trim({c})) IN ('false','no','n','') THEN 0.0 ELSE TRY_CAST({c} AS DOUBLE) END")


def quote(ident: str) -> str:
    return '"' + ident.replace('"', '""') + '"'


def text_col(cols: dict, name: str, default: str | None) -> str:
    if name in cols:
        expr = f"NULLIF(trim({quote(cols[name])}), '')"
        return f"COALESCE({expr}, '{default}')" if default else expr
    return f"'{default}'" if default else "NULL"


def raw_col(cols: dict, name: str, default: str = "NULL") -> str:
    return quote(cols[name]) if name in cols else default


@dataclass(frozen=True)
class Rule:
    column: str
    rule: str
    predicate: str  # SQL over the typed view; columns c_<name> hold the raw text
    example: str = ""  # SQL expression shown as an example of the bad value


def numeric_rules(col: str, *, required: bool, lo: float | None = None, hi: float | None = None,
                  what: str = "", typed: bool = False) -> list[Rule]:
    """``typed``: the file reader already parsed the column as a number (so nothing can fail to parse and
    an empty cell is NULL); the predicates then never touch the raw text, which is what makes them cheap."""
    raw, val = f"c_{col}", col
    rules = [] if typed else [Rule(col, "not a number", f"{raw} IS NOT NULL AND trim({raw}) <> '' AND {val} IS NULL", raw)]
    rules.append(Rule(col, "NaN or infinite", f"{val} IS NOT NULL AND (isnan({val}) OR isinf({val}))", raw))
    if required:
        rules.append(Rule(col, "missing value", f"{val} IS NULL" if typed else f"{raw} IS NULL OR trim({raw}) = ''", "''"))
    finite = f"{val} IS NOT NULL AND NOT isnan({val}) AND NOT isinf({val})"
    if lo is not None and hi is not None:
        rules.append(Rule(col, what or f"outside {lo:g}-{hi:g}", f"{finite} AND ({val} < {lo} OR {val} > {hi})", raw))
    elif lo is not None:
        rules.append(Rule(col, what or f"below {lo:g}", f"{finite} AND {val} < {lo}", raw))
    return rules


def date_rules(col: str, parsed: str | None = None) -> list[Rule]:
    raw, parsed = f"c_{col}", parsed or col
    return [
        Rule(col, "missing date", f"{raw} IS NULL OR trim({raw}) = ''", "''"),
        Rule(col, "unparsable date (use YYYY-MM-DD)", f"{raw} IS NOT NULL AND trim({raw}) <> '' AND {parsed} IS NULL", raw),
    ]


def text_rules(col: str) -> list[Rule]:
    return [Rule(col, "missing value", f"{col} IS NULL OR trim({col}) = ''", "''")]


def counters(rules: list[Rule]) -> str:
    """SELECT-list items counting each rule, named bad_0, bad_1, ... (usable inside a GROUP BY)."""
    return ", ".join(f"count(*) FILTER (WHERE {r.predicate}) AS bad_{i}" for i, r in enumerate(rules))


def find_problems(con: duckdb.DuckDBPyConnection, view: str, rules: list[Rule], file: str,
                  counts: list[int] | None = None) -> list[Problem]:
    """Count every rule in one scan of ``view`` (or take counts already made); fetch first rows of those that fire."""
    if not rules:
        return []
    if counts is None:
        counts = con.execute(f"SELECT {counters(rules)} FROM {view} t").fetchone()
    problems = []
    for rule, n in zip(rules, counts):
        if n:
            rows, example = first_rows(con, view, rule.predicate, rule.example)
            problems.append(Problem(file, rule.column, rule.rule, int(n), rows, example))
    return problems


def first_rows(con, view: str, predicate: str, example: str = "") -> tuple[tuple[int, ...], str]:
    ex = example or "NULL"
    got = con.execute(
        f"SELECT _line, CAST({ex} AS VARCHAR) FROM (SELECT row_number() OVER () + 1 AS _line, * FROM {view}) t "
        f"WHERE {predicate} ORDER BY _line LIMIT {MAX_ROWS_SHOWN}"
    ).fetchall()
    return tuple(int(r[0]) for r in got), (got[0][1] or "") if got else ""
