"""The sales file's scan: the keyed scan of a clean file gives what the row-by-row scan gives, and any file that
writes a key in more than one way is read row by row."""
import pandas as pd
import pytest

from dashboard.data import sales_scan
from dashboard.data.ingest import prepare
from dashboard.schema import ValidationError

HEADER = "week,store,region,sku,category,units,price,promo,discount_pct\n"


def rows(weeks=8, fmt=lambda w, s: str(w.date()), region=lambda r, s: r, category=lambda sku, s: f"cat{sku}"):
    """Three stores in two regions, two SKUs; each of ``fmt``, ``region`` and ``category`` writes its value for a
    store ``s``."""
    out = []
    for i, w in enumerate(pd.date_range("2024-01-01", periods=weeks, freq="W-MON")):
        for sku in ("A", "B"):
            for s, r in (("s1", "North"), ("s2", "North"), ("s3", "South")):
                promo = int(i % 4 == 0)
                out.append(f"{fmt(w, s)},{s},{region(r, s)},{sku},{category(sku, s)},{10 + len(out) % 7},"
                           f"{2.5 - 0.5 * promo},{promo},{20 * promo}")
    return out


def both_ways(path, monkeypatch, **kw):
    """(keyed scan taken?, result) with the keyed scan allowed, and the result of the row-by-row scan alone:
    a result is the rolled-up sales or the problems raised."""
    real = sales_scan.by_date_keyed
    taken = []
    monkeypatch.setattr(sales_scan, "by_date_keyed", lambda *a, **k: taken.append(real(*a, **k)) or taken[-1])

    def run():
        try:
            p = prepare(path, **kw)
            return p.sales, p.notes, p.info
        except ValidationError as err:
            return [str(x) for x in err.problems]

    keyed = run()
    monkeypatch.setattr(sales_scan, "by_date_keyed", lambda *a, **k: False)
    return taken, keyed, run()


def same(a, b):
    if isinstance(a, list):
        assert a == b
    else:
        pd.testing.assert_frame_equal(a[0], b[0], check_exact=False, rtol=1e-12)
        assert a[1:] == b[1:]


def test_a_clean_file_takes_the_keyed_scan_and_rolls_up_as_the_row_by_row_scan(write, monkeypatch):
    taken, keyed, row_by_row = both_ways(write("s.csv", HEADER + "\n".join(rows()) + "\n"), monkeypatch)
    assert taken == [True]
    same(keyed, row_by_row)
    sales = keyed[0]
    assert len(sales) == 8 * 2 * 2 and sales["source_rows"].sum() == 8 * 2 * 3
    assert sales["price"].min() == pytest.approx(2.0) and sales["discount_pct"].max() == pytest.approx(20.0)


@pytest.mark.parametrize("case, kw", [
    ("a region padded with spaces by one of its stores", dict(region=lambda r, s: f"{r} " if s == "s2" else r)),
    ("a date written in two formats by different stores", dict(fmt=lambda w, s: w.strftime("%d/%m/%Y") if s == "s2" else str(w.date()))),
    ("a SKU under two categories", dict(category=lambda sku, s: "other" if s == "s2" else f"cat{sku}")),
    ("an empty category in some rows", dict(category=lambda sku, s: "" if s == "s1" else f"cat{sku}")),
])
def test_a_key_written_two_ways_is_read_row_by_row(case, kw, write, monkeypatch):
    taken, keyed, row_by_row = both_ways(write("s.csv", HEADER + "\n".join(rows(**kw)) + "\n"), monkeypatch)
    assert taken == [False], case
    same(keyed, row_by_row)


def test_a_store_repeated_with_a_trailing_space_is_a_duplicate_key(write, monkeypatch):
    lines = rows()
    lines.append(lines[0].replace(",s1,", ",s1 ,"))  # the first row again, its store code padded
    taken, keyed, row_by_row = both_ways(write("s.csv", HEADER + "\n".join(lines) + "\n"), monkeypatch)
    assert taken == [True]
    assert keyed == row_by_row and any("duplicate key" in p and "rows 2, 50" in p for p in keyed)


def test_a_bad_number_is_named_on_its_line_either_way(write, monkeypatch):
    lines = rows()
    assert lines[6].endswith(",0,0")
    lines[6] = lines[6][:-1] + "150"  # discount 150 %, line 8
    taken, keyed, row_by_row = both_ways(write("s.csv", HEADER + "\n".join(lines) + "\n"), monkeypatch)
    assert keyed == row_by_row and any("discount outside 0-100" in p and "rows 8" in p for p in keyed)


def test_store_grain_reads_row_by_row_and_counts_duplicates_from_its_groups(write, monkeypatch):
    lines = rows()
    lines.append(lines[3])
    taken, keyed, _ = both_ways(write("s.csv", HEADER + "\n".join(lines) + "\n"), monkeypatch, grain="store")
    assert taken == []  # the keyed scan is for region grain
    assert any("duplicate key" in p and "[1]" in p for p in keyed), keyed
