"""A promotion calendar applied to monthly sales: a month's ``promo`` is the share of its days that a promotion
covers (0.5 for the second half of June), and its ``discount_pct`` the mean depth over the covered days (the
deepest promotion counting where several cover one day). Weekly data takes whole weeks (ingest._apply_calendar)."""
from __future__ import annotations

import pandas as pd


def apply(con, roll: pd.DataFrame, promos: pd.DataFrame, has_promo_cols: bool) -> tuple[pd.DataFrame, str]:
    con.register("roll_m", roll)
    con.register("promo_m", promos)
    try:
        cal = con.execute("""WITH pd AS (
                SELECT row_number() OVER () AS pid, sku, category, region, discount_pct,
                       CAST(unnest(generate_series(first_day, last_day, INTERVAL 1 DAY)) AS DATE) AS day FROM promo_m),
            pm AS (SELECT *, CAST(date_trunc('month', day) AS DATE) AS week FROM pd),
            r AS (SELECT CAST(week AS DATE) AS week, region, area, sku, category FROM roll_m),
            hits AS (
                SELECT r.week, r.region, r.sku, p.day, p.pid, p.discount_pct FROM r JOIN pm p ON p.sku = r.sku AND p.week = r.week
                 WHERE (p.category IS NULL OR p.category = r.category) AND (p.region IS NULL OR p.region = r.area)
                UNION ALL
                SELECT r.week, r.region, r.sku, p.day, p.pid, p.discount_pct FROM r JOIN (SELECT * FROM pm WHERE sku IS NULL) p
                    ON p.week = r.week
                 WHERE (p.category IS NULL OR p.category = r.category) AND (p.region IS NULL OR p.region = r.area)),
            days AS (SELECT week, region, sku, day, max(discount_pct) AS depth, count(*) AS n FROM hits GROUP BY ALL)
            SELECT week, region, sku, count(*) / day(last_day(week)) AS share, avg(depth) AS cal_discount,
                   max(n) AS n_promos FROM days GROUP BY week, region, sku""").df()
    finally:
        con.unregister("roll_m")
        con.unregister("promo_m")
    cal["week"] = pd.to_datetime(cal["week"])
    overlaps = int((cal["n_promos"] > 1).sum())
    note = (f"{overlaps:,} SKU-months have days covered by more than one promotion of the calendar: the deepest "
            "discount counts on those days") if overlaps else ""
    out = roll.merge(cal.drop(columns="n_promos"), on=["week", "region", "sku"], how="left")
    share = out["share"].fillna(0.0).astype(float)
    if has_promo_cols:
        out["promo"] = out[["promo"]].assign(s=share).max(axis=1)
        out["discount_pct"] = out[["discount_pct", "cal_discount"]].max(axis=1)
    else:
        out["promo"] = share
        out["discount_pct"] = out["cal_discount"].fillna(0.0)
    return out.drop(columns=["cal_discount", "share"]), note
