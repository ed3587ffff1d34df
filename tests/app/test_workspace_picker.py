"""The app with client workspaces: the sidebar picks one, each shows only its own datasets, and an archived
workspace disappears from every session."""
from streamlit.testing.v1 import AppTest

from conftest import ROOT
from dashboard.store import workspaces
from dashboard.data.ingest import prepare
from dashboard.store import Store


def test_each_workspace_shows_only_its_own_data(workspace, monkeypatch, tmp_path):
    monkeypatch.setenv("PROMOCAST_ROOT", str(workspace))
    folder = workspaces.create("client-a")
    csv = tmp_path / "client_a_sales.csv"
    csv.write_text("week,sku,units\n" + "".join(f"2024-01-{d:02d},A1,{d}\n" for d in (1, 8, 15, 22, 29)))
    store = Store(folder / "promocast.duckdb", workspace=folder)
    store.save_dataset(prepare(csv, name="client A sales"))
    store.close()

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
    assert not at.exception
    picker = at.sidebar.selectbox(key="workspace_select")
    assert picker.options == ["default", "client-a"] and picker.value == "default"
    names = list(at.selectbox(key="dataset_select").options)  # AppTest holds the formatted labels
    assert any("sample" in n for n in names) and not any("client A" in n for n in names)

    picker.set_value("client-a").run()
    assert not at.exception
    names = list(at.selectbox(key="dataset_select").options)  # AppTest holds the formatted labels
    assert names and all("client A" in n for n in names)  # the default workspace's sample is not listed

    at.selectbox(key="ws_archive_pick").set_value("client-a")
    at.button(key="ws_archive").click().run()
    assert not at.exception
    assert not [s for s in at.sidebar.selectbox if s.key == "workspace_select"]  # one workspace left: no picker
    names = list(at.selectbox(key="dataset_select").options)  # AppTest holds the formatted labels
    assert any("sample" in n for n in names)
    assert (folder / "promocast.duckdb").is_file()  # archived, not deleted
