"""The model frame is built once per dataset, horizon and calendar, and read back identical."""
import pandas as pd

from conftest import SAMPLE


def test_frame_is_kept_read_back_identical_and_follows_the_calendar(workspace):
    from dashboard.data.calendars import RegionCalendar
    from dashboard.data.ingest import prepare
    from dashboard.store import Store
    from dashboard.forecasting.training import _build_frame, model_frame

    store = Store()
    ds, _ = store.save_dataset(prepare(SAMPLE / "sales.csv", SAMPLE / "promotions.csv", SAMPLE / "weather.csv", name="s"))
    built = _build_frame(store, ds, 13, None)
    first = model_frame(store, ds)
    files = list((workspace / "frames").glob(f"{ds}-h13-*.parquet"))
    assert len(files) == 1
    pd.testing.assert_frame_equal(model_frame(store, ds), built)  # read back, the same to the last value
    pd.testing.assert_frame_equal(first, built)

    regions = sorted(built["region"].unique())
    store.set_calendars(ds, [RegionCalendar(r, "GB") for r in regions])  # another country's holidays
    moved = model_frame(store, ds)
    assert not moved["holiday"].equals(built["holiday"])  # rebuilt under the new calendar, not the kept file
    pd.testing.assert_frame_equal(moved, _build_frame(store, ds, 13, None))
    assert [f.name for f in (workspace / "frames").glob(f"{ds}-h13-*.parquet")] != [files[0].name]  # old one dropped

    store.delete_dataset(ds)
    assert not list((workspace / "frames").glob(f"{ds}-*"))
