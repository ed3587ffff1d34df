"""Validation rules as SQL predicates, counted in one pass; the first offending rows fetched after.

A rule is (column, description, predicate over the typed view ``t``). ``find_problems`` counts all
rules in one scan, then, for the rules that fire, fetches the first rows (line numbers in the file,
the header being line 1) with an example of the bad value.
"""
from __future__ import annotations

from dataclasses import dataclass

import duckdb

from dashboard.schema import Problem

MAX_ROWS_SHOWN = 5

# SQL over a raw file whose columns are text: parse a date several ways, read a yes/no flag, pick a column
# Excel stores dates as days since 1899-12-30: a bare 5-digit number (1927-2173) in a date column is one.
_DATE_PARTS = ["TRY_CAST({c} AS DATE)", "TRY_CAST(TRY_CAST({c} AS TIMESTAMP) AS DATE)",
               "TRY_CAST(TRY_STRPTIME({c}, '%d/%m/%Y') AS DATE)", "TRY_CAST(TRY_STRPTIME({c}, '%Y/%m/%d') AS DATE)",
               "TRY_CAST(TRY_STRPTIME({c}, '%d.%m.%Y') AS DATE)", "TRY_CAST(TRY_STRPTIME({c}, '%m/%d/%Y') AS DATE)",
               "CASE WHEN regexp_full_match(trim({c}), '[1-9][0-9]{{4}}(\\.0+)?') "
               "THEN CAST(DATE '1899-12-30' + CAST(CAST(trim({c}) AS DOUBLE) AS INTEGER) AS DATE) END"]
DATE_SQL = "COALESCE(" + ", ".join(_DATE_PARTS) + ")"
# a US file (month first): '%m/%d/%Y' tried before '%d/%m/%Y'
US_DATE_SQL = "COALESCE(" + ", ".join(_DATE_PARTS[:2] + [_DATE_PARTS[5]] + _DATE_PARTS[2:5] + _DATE_PARTS[6:]) + ")"


def date_sql(c: str, us: bool = False) -> str:
    return (US_DATE_SQL if us else DATE_SQL).format(c=c)


def month_first(con: duckdb.DuckDBPyConnection, view: str, column: str | None, sample: int = 100_000) -> bool:
    """Whether the slashed dates of ``column`` are US (month first): some only parse as month/day ('09/16/2024')
    and none only as day/month, among the first ``sample`` rows (a bounded cost at any size)."""
    if not column:
        return False
    c = f"trim({quote(column)})"
    us_only, day_only = con.execute(
        f"""SELECT count(*) FILTER (WHERE TRY_STRPTIME(v, '%d/%m/%Y') IS NULL AND TRY_STRPTIME(v, '%m/%d/%Y') IS NOT NULL),
                   count(*) FILTER (WHERE TRY_STRPTIME(v, '%m/%d/%Y') IS NULL AND TRY_STRPTIME(v, '%d/%m/%Y') IS NOT NULL)
            FROM (SELECT {c} AS v FROM {view} LIMIT {int(sample)}) WHERE contains(v, '/')""").fetchall()[0]
    return bool(us_only) and not day_only


# A number written with a decimal comma (and perhaps dots grouping thousands): '17,5', '1.234,5'
COMMA_NUMBER = r"[+-]?[0-9]{1,3}(\.[0-9]{3})*,[0-9]+|[+-]?[0-9]+,[0-9]+"
FLAG_SQL = ("CASE WHEN lower(trim({c})) IN ('true','yes','y') THEN 1.0 "
            "WHEN lower(trim({c})) IN ('false','no','n','') THEN 0.0 ELSE TRY_CAST({c} AS DOUBLE) END")


def number_sql(c: str, decimal_comma: bool = False) -> str:
    """SQL parsing the text ``c`` as a number; ``decimal_comma``: a European column ('17,5', '1.234,5')."""
    if not decimal_comma:
        return f"TRY_CAST({c} AS DOUBLE)"
    return f"TRY_CAST(replace(replace(trim({c}), '.', ''), ',', '.') AS DOUBLE)"


def decimal_comma_columns(con: duckdb.DuckDBPyConnection, view: str, columns: list[str]) -> set[str]:
    """The source columns of ``view`` written with decimal commas: some value like '17,5' and none that only a
    decimal point explains ('2.5'; '1.234' could be either and does not count)."""
    columns = [c for c in columns if c]
    if not columns:
        return set()
    point = r"[+-]?[0-9]*\.[0-9]+"
    grouped = r"[+-]?[0-9]{1,3}(\.[0-9]{3})+"
    items = ", ".join(
        f"count(*) FILTER (WHERE regexp_full_match(trim({quote(c)}), '{COMMA_NUMBER}')) AS comma_{i}, "
        f"count(*) FILTER (WHERE regexp_full_match(trim({quote(c)}), '{point}') "
        f"AND NOT regexp_full_match(trim({quote(c)}), '{grouped}')) AS point_{i}" for i, c in enumerate(columns))
    got = con.execute(f"SELECT {items} FROM {view}").fetchall()[0]
    return {c for i, c in enumerate(columns) if got[2 * i] and not got[2 * i + 1]}


def comma_note(fname: str, columns: set[str]) -> list[str]:
    """The import's note for the columns read with decimal commas (none: no note)."""
    return [f"{fname}: decimal commas read as European numbers ('17,5' = 17.5) in {', '.join(sorted(columns))}"] \
        if columns else []


def quote(ident: str) -> str:
    return '"' + ident.replace('"', '""') + '"'


def named_column(con, view: str, name: str, fname: str, what: str) -> tuple[str | None, Problem | None]:
    """(the file's own header for ``name``, matched case-insensitively; or a Problem naming the columns found):
    a column the planner names beside the mapping (event flags, past-only inputs)."""
    have = {r[0].lower(): r[0] for r in con.execute(f"DESCRIBE {view}").fetchall()}
    src = have.get(name.lower())
    if src is None:
        return None, Problem(fname, name, f"{what} column not in the file (columns found: {', '.join(have.values())})", 1)
    return src, None


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
        counts = con.execute(f"SELECT {counters(rules)} FROM {view} t").fetchall()[0]
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
