"""The Stallion data (`../shared/data/stallion/stallion.parquet`, real monthly beer sales of 350 agency x SKU series)
as the files a planner would upload: the sales (agency, sku, date, volume, actual and regular price, discount %), the weather
(each agency's monthly mean maximum temperature); the event flag columns stay in the sales file, and the import
reads them as custom events (``EVENT_COLUMNS``: `ingest --event-columns`, or the upload form's event flags), as it
reads the market totals as past-only inputs (``PAST_COLUMNS``: `ingest --past-columns`, the form's past-only inputs). Read
where it lies, written to a bench workspace, never copied into the repository.

One source row (Agency_46, SKU_17, 2017-06) has a negative actual price (-3,121.69) and a 227 % discount: the
import refuses it, naming the row, as it should. Here its price and discount are left empty (unknown), which the
import accepts; the reference scores in the data's README keep the row as it is.
"""
from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STALLION = ROOT.parent / "shared" / "data" / "stallion" / "stallion.parquet"
EVENTS = ("easter_day", "good_friday", "new_year", "christmas", "labor_day", "independence_day",
          "revolution_day_memorial", "regional_games", "fifa_u_17_world_cup", "football_gold_cup", "beer_capital",
          "music_fest")
MAPPING = ("agency=region,date=week,volume=units,price_actual=price,price_regular=regular_price,"
           "discount_in_percent=discount_pct")
EVENT_COLUMNS = ",".join(EVENTS)  # ingest --event-columns: the flags read as custom events by the import itself
PAST = ("industry_volume", "soda_volume")  # market totals, not known ahead: ingest --past-columns
PAST_COLUMNS = ",".join(PAST)
WEATHER_MAPPING = "agency=region,date=week,avg_max_temp=temperature"


def files(out: Path, src: Path = STALLION) -> dict[str, Path]:
    """sales.csv (with the event flag columns) and weather.csv under ``out``."""
    import numpy as np
    import pandas as pd

    d = pd.read_parquet(src)
    d["agency"], d["sku"] = d["agency"].astype(str), d["sku"].astype(str)
    bad = d["price_actual"] < 0
    d.loc[bad, ["price_actual", "discount_in_percent"]] = np.nan
    out.mkdir(parents=True, exist_ok=True)
    paths = {"sales": out / "stallion_sales.csv", "weather": out / "stallion_weather.csv"}
    d[["agency", "sku", "date", "volume", "price_actual", "price_regular", "discount_in_percent", *EVENTS, *PAST]].to_csv(
        paths["sales"], index=False)
    d[["agency", "date", "avg_max_temp"]].drop_duplicates(["agency", "date"]).to_csv(paths["weather"], index=False)
    return paths
