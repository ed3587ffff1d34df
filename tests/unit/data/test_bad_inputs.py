"""The bad-input corpus: every file a planner might really upload, generated here, each either imported correctly
or refused with a clear error naming the file, column, rule and rows; and after each one every stored dataset
and scenario is unchanged (checked by content hash)."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import pandas as pd
import pytest

from dashboard.data.ingest import prepare
from dashboard.planning.scenarios import edits_frame, parse_promo
from dashboard.schema import ValidationError
from dashboard.store import Store

WEEKS = pd.date_range("2024-01-01", periods=12, freq="W-MON")
STORES = (("s1", "North"), ("s2", "North"), ("s3", "South"))


def sales(weeks=WEEKS, skus=("A", "B")) -> pd.DataFrame:
    rows = [{"week": w.date().isoformat(), "store": st, "region": rg, "sku": sku, "category": f"cat{sku}",
             "units": 10 + (i % 5), "price": 2.5, "promo": 0, "discount_pct": 0}
            for i, (w, sku, (st, rg)) in enumerate((w, s, x) for w in weeks for s in skus for x in STORES)]
    return pd.DataFrame(rows)


def weather(temps=None) -> pd.DataFrame:
    temps = temps or [5 + i for i in range(len(WEEKS))]
    return pd.DataFrame([{"week": w.date().isoformat(), "region": r, "temperature": t, "precipitation": 1.5}
                         for w, t in zip(WEEKS, temps) for r in ("North", "South")])


def promos(rows: list[dict]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["sku", "region", "start_week", "end_week", "promo_type", "discount_pct"])


@dataclass
class Case:
    files: Callable[[Path], dict]          # tmp folder -> prepare() keyword arguments
    file: str | None = None                # expected problem: file, column, rule (substring), first rows
    column: str | None = None
    rule: str | None = None
    rows: tuple | None = None
    check: Callable | None = None          # for files that import: a check on the Prepared dataset


def csv(name: str, frame: pd.DataFrame, **kw) -> Callable[[Path], Path]:
    def make(tmp: Path) -> Path:
        path = tmp / name
        frame.to_csv(path, index=False, **kw)
        return path
    return make


def text(name: str, content: str | bytes) -> Callable[[Path], Path]:
    def make(tmp: Path) -> Path:
        path = tmp / name
        path.write_bytes(content if isinstance(content, bytes) else content.encode())
        return path
    return make


def edit(frame: pd.DataFrame, row: int, col: str, value) -> pd.DataFrame:
    f = frame.astype({col: object}).copy()
    f.loc[row, col] = value
    return f


def sales_only(make) -> Callable[[Path], dict]:
    return lambda tmp: {"sales": make(tmp)}


def with_(sales_make=None, **others) -> Callable[[Path], dict]:
    sales_make = sales_make or csv("sales.csv", sales())
    return lambda tmp: {"sales": sales_make(tmp), **{k: v(tmp) for k, v in others.items()}}


def xlsx(name: str, sheets: dict[str, pd.DataFrame], after=None) -> Callable[[Path], Path]:
    def make(tmp: Path) -> Path:
        path = tmp / name
        with pd.ExcelWriter(path, engine="openpyxl") as w:
            for sheet, frame in sheets.items():
                frame.to_excel(w, sheet_name=sheet, index=False)
        if after:
            import openpyxl
            wb = openpyxl.load_workbook(path)
            after(wb.worksheets[0])
            wb.save(path)
        return path
    return make


def units_of(p, sku="A", region="North", week="2024-01-01"):
    s = p.sales.set_index(["sku", "region", "week"])
    return s.loc[(sku, region, pd.Timestamp(week)), "units"]


S = sales()
SERIAL = S.assign(week=[(pd.Timestamp(w) - pd.Timestamp("1899-12-30")).days for w in S["week"]])
LONG = "x" * 5_000
SQL = "'; DROP TABLE sales; --"
MERGE = lambda ws: ws.merge_cells("D2:D3")  # noqa: E731  sku of rows 2-3 merged: row 3 loses its value
FORMULA = lambda ws: ws.__setitem__("F4", "=F2+F3")  # noqa: E731  a formula openpyxl saves without a value

CASES: dict[str, Case] = {
    # columns
    "missing units column": Case(sales_only(csv("s.csv", S.drop(columns="units"))), "s.csv", "units", "required column missing"),
    "renamed: qty is units": Case(sales_only(csv("s.csv", S.rename(columns={"units": "qty"}))), check=lambda p: units_of(p) == 21),
    "renamed: unknown name": Case(sales_only(csv("s.csv", S.rename(columns={"units": "amount"}))), "s.csv", "units", "required column missing"),
    "header case and spaces": Case(sales_only(csv("s.csv", S.rename(columns={"units": " Units ", "sku": "SKU"}))), check=lambda p: units_of(p) == 21),
    "duplicated column": Case(sales_only(text("s.csv", "week,sku,units,units\n2024-01-01,A,3,4\n2024-01-08,A,5,6\n")),
                              check=lambda p: units_of(p, region="all") == 3),
    "SQL in a column name": Case(lambda tmp: {"sales": csv("s.csv", S.rename(columns={"units": 'u"; DROP TABLE sales; --'}))(tmp),
                                              "mapping": {'u"; drop table sales; --': "units"}}, check=lambda p: units_of(p) == 21),
    # types and values
    "units not a number": Case(sales_only(csv("s.csv", edit(S, 4, "units", "abc"))), "s.csv", "units", "not a number", (6,)),
    "negative units": Case(sales_only(csv("s.csv", edit(S, 2, "units", -5))), "s.csv", "units", "negative units", (4,)),
    "NaN units": Case(sales_only(csv("s.csv", edit(S, 7, "units", "NaN"))), "s.csv", "units", "NaN or infinite", (9,)),
    "infinite units": Case(sales_only(csv("s.csv", edit(S, 3, "units", "inf"))), "s.csv", "units", "NaN or infinite", (5,)),
    "missing units value": Case(sales_only(csv("s.csv", edit(S, 5, "units", ""))), "s.csv", "units", "missing value", (7,)),
    "missing sku": Case(sales_only(csv("s.csv", edit(S, 1, "sku", ""))), "s.csv", "sku", "missing value", (3,)),
    "price not a number": Case(sales_only(csv("s.csv", edit(S, 0, "price", "2.5 EUR"))), "s.csv", "price", "not a number", (2,)),
    "promo flag not 0/1": Case(sales_only(csv("s.csv", edit(S, 6, "promo", 3))), "s.csv", "promo", "promo flag", (8,)),
    "discount over 100": Case(sales_only(csv("s.csv", edit(S, 9, "discount_pct", 150))), "s.csv", "discount_pct", "discount outside", (11,)),
    "a 1e30 units cell": Case(sales_only(csv("s.csv", edit(S, 10, "units", "1e30"))), "s.csv", "units", "far outside", (12,)),
    "a week with extra zeros": Case(sales_only(csv("s.csv", edit(S, 20, "units", 1_200_000))), "s.csv", "units", "far outside", (22,)),
    "a real promotion spike": Case(sales_only(csv("s.csv", edit(S, 20, "units", 90))), check=lambda p: p.sales["units"].max() >= 90),
    "very long SKU": Case(sales_only(csv("s.csv", edit(S, 8, "sku", LONG))), "s.csv", "sku", "longer than 200", (10,)),
    "SQL-looking SKU": Case(sales_only(csv("s.csv", S.replace({"sku": {"A": SQL}}))), check=lambda p: SQL in set(p.sales["sku"])),
    # dates
    "unparsable date": Case(sales_only(csv("s.csv", edit(S, 12, "week", "next monday"))), "s.csv", "week", "unparsable date", (14,)),
    "missing date": Case(sales_only(csv("s.csv", edit(S, 13, "week", ""))), "s.csv", "week", "missing date", (15,)),
    "mixed date formats": Case(sales_only(csv("s.csv", S.assign(week=[pd.Timestamp(w).strftime("%d.%m.%Y") if i % 2 else w
                                                                      for i, w in enumerate(S["week"])]))),
                               check=lambda p: p.info.weeks == 12),
    "US month/day/year": Case(sales_only(csv("s.csv", S.assign(week=pd.to_datetime(S["week"]).dt.strftime("%m/%d/%Y")))),
                              check=lambda p: p.info.first_week == "2024-01-01" and p.info.weeks == 12),
    "Excel serial dates in a CSV": Case(sales_only(csv("s.csv", SERIAL)), check=lambda p: p.info.first_week == "2024-01-01"),
    "daily rows": Case(sales_only(csv("s.csv", sales(weeks=pd.date_range("2024-01-01", periods=28, freq="D"), skus=("A",)))),
                       check=lambda p: p.info.weeks == 4 and any("daily" in n for n in p.notes)),
    "misaligned weekdays": Case(sales_only(csv("s.csv", edit(S, 6, "week", "2024-01-03"))), "s.csv", "week", "mixed weekdays", (8,)),
    "duplicate key": Case(sales_only(csv("s.csv", pd.concat([S, S.iloc[[4]]]))), "s.csv", "week+store+sku", "duplicate key"),
    # files
    "empty file": Case(sales_only(text("s.csv", b"")), "s.csv", "(file)", "empty file"),
    "header only": Case(sales_only(text("s.csv", "week,sku,units\n")), "s.csv", "(file)", "header only"),
    "blank lines only": Case(sales_only(text("s.csv", "\n\n\n")), "s.csv"),
    "binary garbage": Case(sales_only(text("s.csv", bytes(range(256)) * 20)), "s.csv"),
    "above the upload limit": Case(sales_only(lambda tmp: _sparse(tmp / "big.csv", 1025 << 20)), "big.csv", "(file)", "larger than"),
    "Windows-1252 (Latin) text": Case(sales_only(text("s.csv", "week,sku,units\n2024-01-01,Café,3\n2024-01-08,Café,4\n".encode("cp1252"))),
                                      check=lambda p: set(p.sales["sku"]) == {"Café"} and any("Windows-1252" in n for n in p.notes)),
    "UTF-16 with BOM": Case(sales_only(text("s.csv", "week,sku,units\n2024-01-01,Café,3\n2024-01-08,Café,4\n".encode("utf-16"))),
                            check=lambda p: set(p.sales["sku"]) == {"Café"}),
    "UTF-8 with BOM": Case(sales_only(text("s.csv", "\ufeffweek,sku,units\n2024-01-01,A,3\n2024-01-08,A,4\n".encode())),
                           check=lambda p: units_of(p, region="all") == 3),
    "European CSV": Case(sales_only(csv("s.csv", S.assign(price=2.75), sep=";", decimal=",")),
                         check=lambda p: abs(p.sales["price"].iloc[0] - 2.75) < 1e-9 and any("decimal commas" in n for n in p.notes)),
    "European thousands": Case(sales_only(text("s.csv", "week;sku;units;price\n2024-01-01;A;1.234,5;2,5\n2024-01-08;A;1.100,0;2,5\n")),
                               check=lambda p: units_of(p, region="all") == 1234.5),
    "Excel": Case(sales_only(xlsx("s.xlsx", {"sales": S})), check=lambda p: units_of(p) == 21),
    "Excel, data on the second sheet": Case(sales_only(xlsx("s.xlsx", {"read me": pd.DataFrame({"note": ["units per week"]}), "data": S})),
                                            check=lambda p: units_of(p) == 21 and any("sheet 'data'" in n for n in p.notes)),
    "Excel serial dates": Case(sales_only(xlsx("s.xlsx", {"sales": SERIAL})), check=lambda p: p.info.first_week == "2024-01-01"),
    "Excel merged cells": Case(sales_only(xlsx("s.xlsx", {"sales": S}, after=MERGE)), "s.xlsx", "sku", "missing value", (3,)),
    "Excel formula without a value": Case(sales_only(xlsx("s.xlsx", {"sales": S}, after=FORMULA)), "s.xlsx", "units", "missing value", (4,)),
    "Parquet with text units": Case(sales_only(lambda tmp: _parquet(tmp / "s.parquet", edit(S, 4, "units", "abc").astype({"units": str}))),
                                    "s.parquet", "units", "not a number", (6,)),
    # promotions
    "promotion for an unknown SKU": Case(with_(promotions=csv("p.csv", promos([{"sku": "ZZZ", "region": "North", "start_week": "2024-01-08",
                                                                                  "end_week": "2024-01-15", "promo_type": "tpr", "discount_pct": 20}]))),
                                         "p.csv", "sku", "unknown SKU", (2,)),
    "overlapping promotions": Case(with_(promotions=csv("p.csv", promos([
        {"sku": "A", "region": "North", "start_week": "2024-01-08", "end_week": "2024-01-22", "promo_type": "tpr", "discount_pct": 20},
        {"sku": "A", "region": "North", "start_week": "2024-01-15", "end_week": "2024-01-15", "promo_type": "feature", "discount_pct": 30}]))),
        check=lambda p: any("more than one promotion" in n for n in p.notes)),
    "promotion ends before it starts": Case(with_(promotions=csv("p.csv", promos([{"sku": "A", "region": "North", "start_week": "2024-01-22",
                                                                                     "end_week": "2024-01-08", "promo_type": "tpr", "discount_pct": 20}]))),
                                            "p.csv", "end_week", "ends before it starts", (2,)),
    "promotion discount with a comma": Case(with_(promotions=text("p.csv", "sku;region;start_week;end_week;promo_type;discount_pct\n"
                                                                       "A;North;2024-01-08;2024-01-08;tpr;12,5\n")),
                                            check=lambda p: p.promotions["discount_pct"].iloc[0] == 12.5),
    # weather
    "weather in Fahrenheit": Case(with_(weather=csv("w.csv", weather([5 + 8 * i for i in range(12)]))),
                                  check=lambda p: abs(p.weather["temperature"].min() - (5 - 32) * 5 / 9) < 1e-6
                                  and any("Fahrenheit" in n for n in p.notes)),
    "weather in Celsius": Case(with_(weather=csv("w.csv", weather())), check=lambda p: p.weather["temperature"].min() == 5),
    "weather out of range": Case(with_(weather=csv("w.csv", edit(weather(), 3, "temperature", -90))), "w.csv", "temperature", "outside -60..60", (5,)),
    "weather with decimal commas": Case(with_(weather=csv("w.csv", weather([4.5] * 12), sep=";", decimal=",")),
                                        check=lambda p: p.weather["temperature"].iloc[0] == 4.5),
    "weather duplicate week": Case(with_(weather=csv("w.csv", pd.concat([weather(), weather().iloc[[0]]]))), "w.csv", "week+region", "duplicate"),
}


def _sparse(path: Path, size: int) -> Path:
    with open(path, "wb") as fh:
        fh.write(b"week,sku,units\n")
        fh.truncate(size)  # a sparse file: its size without writing a gigabyte
    return path


def _parquet(path: Path, frame: pd.DataFrame) -> Path:
    frame.to_parquet(path, index=False)
    return path


def fingerprint(store: Store) -> dict:
    """Content hash of every stored table row, per dataset, plus the scenarios."""
    out = {}
    for table in ("datasets", "sales", "promotions", "weather", "holiday_calendars", "custom_events", "scenarios", "runs"):
        f = store.query(f"SELECT * FROM {table}")
        f = f.sort_values(list(f.columns)).reset_index(drop=True) if len(f) else f
        out[table] = hashlib.sha256(pd.util.hash_pandas_object(f.astype(str), index=False).values.tobytes()).hexdigest()
    return out


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("store")
    s = Store(tmp / "s.duckdb")
    ds, _ = s.save_dataset(prepare(csv("base.csv", sales(skus=("A", "B", "C")))(tmp)))
    s.save_scenario(ds, "q1 push", edits_frame([parse_promo("sku=A,region=North,start=2024-03-25,weeks=2,discount=25")]), "ana")
    yield s
    s.close()


def test_the_corpus_has_at_least_forty_cases():
    assert len(CASES) >= 40


@pytest.mark.parametrize("name", list(CASES))
def test_each_file_imports_or_is_refused_clearly(name, tmp_path, store):
    case = CASES[name]
    before = fingerprint(store)
    kwargs = case.files(tmp_path)
    if case.file is None:
        prepared = prepare(**kwargs)
        assert case.check(prepared), prepared.notes
        ds, created = store.save_dataset(prepared)
        if created:
            store.delete_dataset(ds)  # leave the store as it was: the fingerprint must come back
    else:
        with pytest.raises(ValidationError) as err:
            prepare(**kwargs)
        problems = err.value.problems
        assert problems and all(p.file == case.file for p in problems), problems
        assert all(p.column and p.rule for p in problems)
        if case.rule:
            hit = [p for p in problems if p.column == case.column and case.rule in p.rule]
            assert hit, [str(p) for p in problems]
            if case.rows:
                assert hit[0].rows[:len(case.rows)] == case.rows, str(hit[0])
    assert fingerprint(store) == before


def test_scenario_names_that_collide(store):
    ds = store.datasets()["id"].iloc[0]
    e = edits_frame([parse_promo("sku=B,region=South,start=2024-03-25,weeks=1,discount=10")])
    before = fingerprint(store)
    for taken in ("q1 push", "Q1 PUSH", "  q1   push "):
        with pytest.raises(ValueError, match="already exists"):
            store.save_scenario(ds, taken, e, "bo")
    with pytest.raises(ValueError, match="at most 100"):
        store.save_scenario(ds, LONG, e, "bo")
    assert fingerprint(store) == before
    store.save_scenario(ds, SQL, e, "bo")  # a SQL-looking name is just a name
    assert SQL in store.scenarios(ds)["name"].tolist()
    store.delete_scenario(ds, SQL)
    assert fingerprint(store) == before


@pytest.mark.parametrize("name", ["../../etc/passwd", "..", "..\\..\\win.ini", ".hidden.csv", "a;rm -rf x.csv",
                                  "x" * 300 + ".xlsx", "\x00evil.csv", "", "sales'; DROP TABLE sales; --.csv"])
def test_uploaded_file_names_stay_inside_their_folder(name, tmp_path):
    from dashboard.data.uploads import save_upload

    path = save_upload(name, b"week,sku,units\n", root=tmp_path)
    assert path.parent.parent == tmp_path / "uploads" and path.is_file()
    assert not path.name.startswith(".") and len(path.name) <= 110
    assert set(path.name) <= set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._- ")
