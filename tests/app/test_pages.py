"""AppTest per page on a workspace with one tiny run per model: renders, widgets work by key."""
import pytest
from streamlit.testing.v1 import AppTest

from conftest import ROOT


def open_page(page: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.switch_page(f"views/{page}.py")
    return at.run()


def ok(at):
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_train_page_lists_runs(use_trained):
    at = ok(open_page("train"))
    assert at.title[0].value == "Train"
    assert at.multiselect(key="train_models").value == ["tft", "lstm", "lightgbm", "holt-winters", "mstl", "seasonal-naive"]
    assert len(at.dataframe) >= 1 and len(at.get("plotly_chart")) >= 1
    quote = " ".join(c.value for c in at.caption)
    assert "Expected time" in quote and "standard: about" in quote  # quoted before a job starts


@pytest.mark.parametrize("level", ["series", "category", "region", "total"])
def test_forecast_page_levels(use_trained, level):
    at = ok(open_page("forecast"))
    at.selectbox(key="fc_level").set_value(level).run()
    ok(at)
    assert len(at.get("plotly_chart")) == 1
    chosen = at.multiselect(key="fc_runs").value
    assert len(chosen) == 1 and chosen[0].startswith("run-recommended-")  # the recommended forecast opens alone
    if level == "series":  # every model one click away; bands only for the first unless asked
        from dashboard.schema import MODELS

        options = at.multiselect(key="fc_runs").options
        assert len(options) >= len(MODELS) + 1  # (other tests may have added runs)
        latest = options[:1] + [o for o in options[1:]][:len(MODELS)]
        at.multiselect(key="fc_runs").set_value(latest).run()
        ok(at)
        names = _traces(at)
        bands = [n for n in names if n.endswith("P10-P90")]
        assert bands and all(n.startswith("recommended") for n in bands), bands
        at.toggle(key="fc_all_bands").set_value(True).run()
        ok(at)
        assert len([n for n in _traces(at) if n.endswith("P10-P90")]) > len(bands)


def _traces(at) -> list[str]:
    import json

    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    return [t.get("name", "") for t in spec["data"]]


def test_forecast_page_series_switch(use_trained):
    at = ok(open_page("forecast"))
    skus = at.selectbox(key="fc_sku").options
    at.selectbox(key="fc_sku").set_value(skus[-1]).run()
    ok(at)
    assert at.selectbox(key="fc_sku").value == skus[-1]


def test_accuracy_page(use_trained):
    at = ok(open_page("accuracy"))
    assert len(at.get("plotly_chart")) == 4
    from dashboard.ui import get_store

    first = at.selectbox(key="acc_run").value
    assert first.startswith("run-recommended-")  # the view defaults to the recommended forecast
    frames = [d.value for d in at.dataframe]
    board = next(f for f in frames if "made_of" in f.columns)
    assert board["model"].iloc[0] == "recommended"  # pinned first, then by hold-out WAPE
    made = board.set_index("model").loc["recommended", "made_of"]
    why = next(f for f in frames if "its validation WAPE" in f.columns)
    assert set(why["category"]) == {part.split(": ")[0] for part in made.split("; ")}
    assert {"tft", "lstm", "lightgbm", "holt-winters", "mstl", "seasonal-naive"} <= set(why.columns)
    assert made and all(part.split(": ")[1] for part in made.split("; "))  # every category says what it uses
    per_window = next(f for f in frames if "model" in f.columns and any(c.startswith("weeks from") for c in f.columns))
    w = per_window.set_index("model")
    assert {"lightgbm", "mstl", "tft", "recommended"} <= set(w.index)
    shown = (w != "—").sum(axis=1)  # a dash where a model did not forecast that window
    assert shown["lightgbm"] > shown["tft"] >= 1  # a network forecasts its last window
    assert any("every model forecast" in c.value for c in at.caption)
    coverage = next(f for f in frames if "recommended" in f.columns)  # hold-out coverage, model per column
    assert {"tft", "lstm", "holt-winters", "mstl", "seasonal-naive"} <= set(coverage.columns)
    assert ((coverage >= 0) & (coverage <= 100)).all().all()
    other = next(r for r in get_store().runs()["run_id"] if r != first)
    at.selectbox(key="acc_run").set_value(other).run()
    ok(at)
    assert at.selectbox(key="acc_run").value == other


def test_explain_page_rows_switch(use_trained):
    at = ok(open_page("explain"))
    assert len(at.get("plotly_chart")) >= 5
    assert any("same week last year" in m.value for m in at.markdown)
    for rows in ("region", "category x region"):
        at.radio(key="ex_rows").set_value(rows).run()
        ok(at)


def test_whatif_page_edit_save_compare_delete(use_trained):
    from dashboard.ui import get_store

    at = ok(open_page("scenarios"))
    assert at.title[0].value == "What-if scenarios"
    assert len(at.get("plotly_chart")) >= 2
    at.text_input(key="sc_name").set_value("warm spell")
    at.number_input(key="sc_temp").set_value(3.0)
    at.button(key="sc_save").click().run()
    ok(at)
    assert any("Saved 'warm spell'." in m.value for m in at.success)  # still shown after the page's rerun
    store = get_store()
    ds = store.dataset().id
    assert "warm spell" in store.scenarios(ds)["name"].tolist()
    at.text_input(key="sc_name").set_value("base")
    at.button(key="sc_save").click().run()
    assert any("'base' is the stored promotion plan" in e.value for e in at.error)
    at.selectbox(key="sc_load").set_value("warm spell").run()
    ok(at)
    assert at.number_input(key="sc_temp").value == 3.0
    at.multiselect(key="sc_compare").set_value(["base", "warm spell"]).run()
    ok(at)
    table = [d.value for d in at.dataframe if "scenario" in d.value.columns][0]
    assert set(table["scenario"]) == {"base", "warm spell"}
    warm = table[table["scenario"] == "warm spell"]
    assert (warm["delta"] != 0).any()  # +3 °C moves the forecast of weather-sensitive categories
    at.button(key="sc_delete").click().run()
    ok(at)
    assert "warm spell" not in store.scenarios(ds)["name"].tolist()


def test_whatif_first_visit_draws_no_empty_chart_frame(use_trained):
    """Before the first edit the page draws only charts with something in them (no empty frames)."""
    import json

    at = ok(open_page("scenarios"))
    charts = at.get("plotly_chart")
    assert charts
    for chart in charts:
        traces = json.loads(chart.proto.spec)["data"]
        ys = [t.get("y") for t in traces]
        assert any((y.get("bdata") if isinstance(y, dict) else y) for y in ys if y is not None), "an empty chart frame"


def test_lightgbm_run_on_explain_whatif_and_promotions(use_trained):
    """The gradient-boosted run is explained (grouped gain, what moved each group and one series, in sentences),
    re-forecasts a what-if and splits the plan's promotions like the networks."""
    from dashboard.ui import get_store

    store = get_store()
    runs = store.runs(store.dataset().id)
    gbm = runs.loc[runs["model"] == "lightgbm", "run_id"].iloc[0]
    at = ok(open_page("explain"))
    at.selectbox(key="ex_run").set_value(gbm).run()
    ok(at)
    text = " ".join(m.value for m in at.markdown)
    assert "The model's trees gained most from" in text and "what raised the forecast most" in text
    assert any("strongest inputs" in d.value.columns for d in at.dataframe)
    at.radio(key="ex_rows").set_value("region").run()
    ok(at)
    at = ok(open_page("scenarios"))
    at.selectbox(key="sc_run").set_value(gbm).run()
    ok(at)
    at = ok(open_page("promotions"))
    at.selectbox(key="pr_run").set_value(gbm).run()
    ok(at)
    planned = next(d.value for d in at.dataframe if "incremental margin" in d.value.columns)
    assert len(planned) > 0 and planned["uplift units"].sum() > 0
