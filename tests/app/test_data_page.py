from streamlit.testing.v1 import AppTest

from conftest import ROOT


def run_page(workspace):
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    return at.run()


def test_data_page_opens_on_the_sample(workspace):
    at = run_page(workspace)
    assert not at.exception
    assert at.title[0].value == "Data"
    assert "sample" in at.selectbox(key="dataset_select").format_func(at.selectbox(key="dataset_select").value)
    assert len(at.get("plotly_chart")) >= 4
    assert any("less than 104 weeks" in w.value for w in at.warning)
    assert at.metric[0].value == "160"


def test_holiday_calendar_edit_and_bad_country(workspace):
    at = run_page(workspace)
    at.text_input(key="cal_country_North").set_value("IT")
    at.button(key="cal_save").click().run()
    assert not at.exception and any("saved" in s.value for s in at.success)
    at.text_input(key="cal_country_South").set_value("XX")
    at.button(key="cal_save").click().run()
    assert any("Unknown holiday country 'XX'" in e.value for e in at.error)
    at.text_area(key="cal_events").set_value("2025-07-01, Summer fair\nnot a date, x")
    at.text_input(key="cal_country_South").set_value("US")
    at.button(key="cal_save").click().run()
    assert any("line(s) [2]" in e.value for e in at.error)


def test_an_unexpected_error_shows_an_id_and_logs_the_traceback(workspace, monkeypatch, caplog):
    """Outside development a page that fails shows a short message with an id, never a traceback; the server
    log holds the traceback under that id."""
    import re

    from dashboard import ui

    def boom(*a, **k):
        raise RuntimeError("secret detail")

    monkeypatch.delenv("PROMOCAST_DEBUG", raising=False)
    monkeypatch.setattr(ui, "dataset_picker", boom)
    at = run_page(workspace)
    assert not at.exception
    message = " ".join(e.value for e in at.error)
    assert "secret detail" not in message and "Traceback" not in message
    error_id = re.search(r"error ([0-9a-f]{8})", message).group(1)
    logged = [r for r in caplog.records if error_id in r.getMessage()]
    assert logged and "secret detail" in str(logged[0].exc_info[1])


def test_an_import_prepared_while_the_planner_is_on_another_page_is_stored_there_and_picked(workspace, tmp_path):
    """The Data page's import runs in its own process (data/import_job.py); whichever page reruns once it has
    prepared the dataset stores it and picks it in the sidebar."""
    import time

    from conftest import SAMPLE
    from dashboard.data import import_job

    part = tmp_path / "north_sales.csv"
    part.write_text("".join(line for i, line in enumerate(open(SAMPLE / "sales.csv")) if i == 0 or ',"North",' in line))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.switch_page("views/train.py").run()
    before = at.selectbox(key="dataset_select").value
    job = import_job.start(workspace, part, name="north_sales")
    at.session_state["import_job"] = str(job)
    deadline = time.time() + 60
    while import_job.poll(job)["status"] == "running" and time.time() < deadline:
        time.sleep(0.2)
    at.run()
    assert not at.exception
    picked = at.selectbox(key="dataset_select")
    assert picked.value != before and picked.format_func(picked.value).startswith("north_sales (ds-")
    assert import_job.poll(job)["status"] == "stored" and not list(job.glob("*.parquet"))
    at.run()  # stored once: a rerun leaves it as it is
    assert at.selectbox(key="dataset_select").value == picked.value
