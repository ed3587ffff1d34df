"""The Forecast page's planner override: a category's week set to a new total, shown beside the model, undone."""
from test_pages import ok, open_page


def test_override_a_category_week_then_undo(use_trained):
    from dashboard.ui import get_store

    store = get_store()
    ds = store.dataset().id
    at = ok(open_page("forecast"))
    at.selectbox(key="fc_level").set_value("category").run()
    ok(at)
    week = at.multiselect(key="ov_weeks").options[0]
    at.multiselect(key="ov_weeks").set_value([week])
    at.radio(key="ov_kind").set_value("value")
    at.number_input(key="ov_amount").set_value(1234.0)
    at.selectbox(key="ov_reason").set_value("other")
    at.button(key="ov_save").click().run()
    assert any("few words" in e.value for e in at.error)  # 'other' needs a note
    assert store.overrides(ds).empty
    at.text_input(key="ov_note").set_value("store refit")
    at.text_input(key="ov_author").set_value("ana")
    at.button(key="ov_save").click().run()
    ok(at)
    rows = store.overrides(ds)
    assert len(rows) > 0 and abs(rows["value"].sum() - 1234.0) < 1e-6 and set(rows["author"]) == {"ana"}
    table = next(d.value for d in at.dataframe if "part" in d.value.columns)
    planned = table[table["part"] == "future with overrides"]
    import pandas as pd

    that_week = planned[pd.to_datetime(planned["week"]) == pd.Timestamp(week)]
    assert len(that_week) == 1 and abs(that_week["p50"].iloc[0] - 1234.0) < 1e-6  # the category's total, as entered
    listing = next(d.value for d in at.dataframe if "reason" in d.value.columns)
    assert listing["note"].iloc[0] == "store refit"
    at.button(key="ov_undo").click().run()
    ok(at)
    assert store.overrides(ds).empty and len(store.overrides(ds, active_only=False)) == len(rows)
