"""The Plan page: assemble the recommended forecast with a scenario, publish it once, refuse a second publication."""
from test_pages import ok, open_page


def test_publish_a_plan_once(use_trained):
    from dashboard.ui import get_store

    store = get_store()
    ds = store.dataset().id
    at = ok(open_page("plan"))
    assert at.title[0].value == "Plan"
    assert any(m.label == "Series under 2 years of history" for m in at.metric)
    assert any("seasonal peaks" in w.value for w in at.warning)  # the sample has new SKUs
    at.text_input(key="pl_cycle").set_value("test-cycle")
    at.text_input(key="pl_author").set_value("ana")
    at.button(key="pl_publish").click().run()
    ok(at)
    assert any("Published the test-cycle plan." in s.value for s in at.success)
    published = store.plans(ds)
    assert published["cycle"].tolist() == ["test-cycle"] and published["author"].iloc[0] == "ana"
    meta, rows = store.plan(published["id"].iloc[0])
    assert rows["history_flag"].any() and "Dataset content hash (SHA-256)" in meta
    at.button(key="pl_publish").click().run()
    assert any("cannot change" in e.value for e in at.error)
    assert len(store.plans(ds)) == 1
