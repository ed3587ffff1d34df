"""The margin % (and, for data without prices, a regular price) per category of a workspace, and the supplier's
funding of its promotions: the % of the discount it pays and a scan allowance per unit sold (``Store`` inherits
these)."""
from __future__ import annotations

from dashboard.store.connection import utc_now


class MarginTables:
    def margins(self) -> dict[str, float]:
        """Margin % of the regular price per category, as entered for this workspace."""
        f = self.query("SELECT category, margin_pct FROM category_margins WHERE margin_pct IS NOT NULL ORDER BY category")
        return dict(zip(f["category"], f["margin_pct"].astype(float)))

    def entered_prices(self) -> dict[str, float]:
        """Regular price per category entered for data without prices (the data's own prices come first)."""
        f = self.query("SELECT category, price FROM category_margins WHERE price IS NOT NULL ORDER BY category")
        return dict(zip(f["category"], f["price"].astype(float)))

    def funding(self) -> dict[str, dict[str, float]]:
        """Per category with funding entered: {"funded_pct": % of the discount the supplier pays, "scan_allowance":
        money per unit sold on promotion, "supplier_margin_pct": the supplier's own margin, % of its price to the
        retailer}."""
        f = self.query("""SELECT category, coalesce(funded_pct, 0) AS funded_pct, coalesce(scan_allowance, 0) AS scan_allowance,
                                 coalesce(supplier_margin_pct, 0) AS supplier_margin_pct
                          FROM category_margins WHERE funded_pct IS NOT NULL OR scan_allowance IS NOT NULL
                                OR supplier_margin_pct IS NOT NULL ORDER BY category""")
        return {r.category: {"funded_pct": float(r.funded_pct), "scan_allowance": float(r.scan_allowance),
                             "supplier_margin_pct": float(r.supplier_margin_pct)} for r in f.itertuples()}

    def set_margins(self, margins: dict[str, float], author: str = "", prices: dict[str, float | None] | None = None,
                    funding: dict[str, tuple] | None = None) -> None:
        """Store the margin % of each category named (0-100) and, optionally, a regular price for categories whose
        data has none (> 0, or None to clear) and the supplier's side ({category: (% of the discount it funds, 0-100;
        scan allowance per unit, >= 0[; its own margin %, 0-100])}, None to clear); a bad value is refused, naming
        the category, and nothing changes."""
        given = {c: len(v) > 2 for c, v in (funding or {}).items()}  # (funded, allowance) alone keeps the margin
        funding = {c: (*v, None)[:3] for c, v in (funding or {}).items()}
        bad = [f"margin {c}: {v}" for c, v in margins.items() if v is None or not 0 <= float(v) <= 100]
        bad += [f"price {c}: {v}" for c, v in (prices or {}).items() if v is not None and not float(v) > 0]
        bad += [f"supplier-funded % {c}: {f}" for c, (f, _, _) in funding.items() if f is not None and not 0 <= float(f) <= 100]
        bad += [f"scan allowance {c}: {a}" for c, (_, a, _) in funding.items() if a is not None and not float(a) >= 0]
        bad += [f"supplier's margin % {c}: {s}" for c, (_, _, s) in funding.items()
                if s is not None and not 0 <= float(s) <= 100]
        if bad:
            raise ValueError("margin %, supplier-funded % and supplier's margin % must be between 0 and 100, a price above 0 and a scan "
                             f"allowance 0 or more ({'; '.join(bad)})")
        now = utc_now()
        with self._write() as cur:
            for c in sorted(set(margins) | set(prices or {}) | set(funding)):
                old = cur.execute("SELECT margin_pct, price, funded_pct, scan_allowance, supplier_margin_pct "
                                  "FROM category_margins WHERE category = ?", [str(c)]).fetchall()
                old = old[0] if old else (None, None, None, None, None)
                margin = float(margins[c]) if c in margins else old[0]
                price = (None if (prices or {}).get(c) is None else float(prices[c])) if c in (prices or {}) else old[1]
                funded, allowance, supplier = (tuple(None if v is None else float(v) for v in funding[c])
                                               if c in funding else old[2:])
                if c in funding and not given[c]:
                    supplier = old[4]
                cur.execute("DELETE FROM category_margins WHERE category = ?", [str(c)])
                cur.execute("""INSERT INTO category_margins (category, margin_pct, price, funded_pct, scan_allowance,
                               supplier_margin_pct, author, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)""",
                            [str(c), margin, price, funded, allowance, supplier, author, now])

