"""The margin % (and, for data without prices, a regular price) per category of a workspace (``Store`` inherits
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

    def set_margins(self, margins: dict[str, float], author: str = "", prices: dict[str, float | None] | None = None) -> None:
        """Store the margin % of each category named (0-100) and, optionally, a regular price for categories whose
        data has none (> 0, or None to clear); a bad value is refused, naming the category, and nothing changes."""
        bad = [f"margin {c}: {v}" for c, v in margins.items() if v is None or not 0 <= float(v) <= 100]
        bad += [f"price {c}: {v}" for c, v in (prices or {}).items() if v is not None and not float(v) > 0]
        if bad:
            raise ValueError(f"margin % must be between 0 and 100 and a price above 0 ({'; '.join(bad)})")
        now = utc_now()
        with self._write() as cur:
            for c in sorted(set(margins) | set(prices or {})):
                old = cur.execute("SELECT margin_pct, price FROM category_margins WHERE category = ?", [str(c)]).fetchall()
                margin = float(margins[c]) if c in margins else (old[0][0] if old else None)
                price = (None if (prices or {}).get(c) is None else float(prices[c])) if c in (prices or {}) else (
                    old[0][1] if old else None)
                cur.execute("DELETE FROM category_margins WHERE category = ?", [str(c)])
                cur.execute("INSERT INTO category_margins (category, margin_pct, price, author, updated_at) VALUES (?, ?, ?, ?, ?)",
                            [str(c), margin, price, author, now])

