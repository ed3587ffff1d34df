"""A workspace written before the move into packages (tests/fixtures/workspace_v1), restored into another folder,
opens in the app: the Forecast page lists its runs, the What-if page its scenarios, the Plan page its published
plan, whose workbook is offered for download."""
from test_pages import ok, open_page


def test_forecast_whatif_and_plan_pages_open_an_old_workspace(old_workspace):
    at = ok(open_page("forecast"))
    runs = at.multiselect(key="fc_runs").value
    assert len(runs) == 1 and runs[0].startswith("run-recommended-") and len(at.get("plotly_chart")) == 1
    assert len(at.multiselect(key="fc_runs").options) == 6  # the five models it was trained with, and the recommended
    at = ok(open_page("scenarios"))
    assert set(at.selectbox(key="sc_load").options) == {"base", "snacks push", "heatwave"}
    at.selectbox(key="sc_load").set_value("snacks push").run()
    ok(at)
    at = ok(open_page("plan"))
    assert at.selectbox(key="pl_pick").value.startswith("plan-")
    assert any("cycle" in d.value and "2026-Q1" in d.value["cycle"].tolist() for d in at.dataframe)
    assert at.get("download_button"), "the published plan's workbook is offered"
