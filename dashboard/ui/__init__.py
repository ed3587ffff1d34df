"""The one core package that imports streamlit: cached handles and shared widgets (login: ui/login.py)."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import streamlit as st

from dashboard.data.history import history_check
from dashboard.schema import default_db_path
from dashboard.store import Store, workspaces
from dashboard.ui.login import allowed_workspaces, may, require_access  # noqa: F401 (pages use ui.may)

SAMPLE_DIR = Path(__file__).resolve().parents[2] / "sample_data"


def get_store() -> Store:
    """The DuckDB owner of this session's workspace (one per file); the default workspace opens on the sample."""
    roles = require_access()  # a login configured: stops a session that has none
    if "workspace" not in st.session_state and st.query_params.get("workspace"):  # a new session on the same URL
        st.session_state["workspace"] = st.query_params["workspace"]  # (a reconnect, a reload) keeps its workspace
    name = st.session_state.get("workspace", workspaces.DEFAULT)
    if roles is not None and name not in roles:  # never open a workspace the user was not granted: their first one
        name = st.session_state["workspace"] = next(w for w in roles)
    try:
        return _store(str(workspaces.db_path(name)))
    except KeyError:  # archived meanwhile: back to the default workspace (the picker says so)
        if roles is not None and workspaces.DEFAULT not in roles:
            st.error("This workspace was archived.")
            st.stop()
        return _store(str(default_db_path()))


_OPEN: dict[str, Store] = {}


@st.cache_resource
def _store(path: str) -> Store:
    default = path == str(default_db_path())
    store = Store(path, workspace=None if default else Path(path).parent, linger=2.0)  # the CLI may use it too
    if default and store.datasets().empty:
        load_sample(store)
    _OPEN[path] = store
    return store


def release_stores() -> None:
    """Close every database this process opened and forget the cached handles. Dropping a cached Store is
    not enough: something may still hold it, and DuckDB lets only one process open a file for writing."""
    _store.clear()
    while _OPEN:
        _OPEN.popitem()[1].close()


def load_sample(store: Store) -> str:
    """The bundled weekly grocer; with PROMOCAST_SAMPLE=month, the monthly distributor (sample_data/monthly.py),
    written into the workspace first."""
    import os

    from dashboard.data.ingest import prepare

    if os.environ.get("PROMOCAST_SAMPLE") == "month":
        from sample_data import monthly

        files = monthly.write(store.workspace / "sample-monthly")
        prepared = prepare(files["sales"], files["promotions"], files["weather"],
                           name="sample (synthetic monthly distributor)")
    else:
        prepared = prepare(SAMPLE_DIR / "sales.csv", SAMPLE_DIR / "promotions.csv", SAMPLE_DIR / "weather.csv",
                           name="sample (synthetic grocer)")
    return store.save_dataset(prepared)[0]


def clear_data_caches() -> None:
    _datasets.clear()
    cached_coverage.clear()
    cached_history.clear()
    cached_preview.clear()
    cached_holidays.clear()


def cached_datasets() -> pd.DataFrame:
    return _datasets(str(get_store().path))


@st.cache_data(show_spinner=False)
def _datasets(path: str) -> pd.DataFrame:
    return get_store().datasets()


@st.cache_data(show_spinner=False)
def cached_coverage(dataset_id: str) -> pd.DataFrame:
    return get_store().coverage(dataset_id)


@st.cache_data(show_spinner=False)
def cached_history(dataset_id: str, last_week: str) -> pd.DataFrame:
    return history_check(get_store().series_spans(dataset_id), last_week)


@st.cache_data(show_spinner=False)
def cached_preview(dataset_id: str) -> pd.DataFrame:
    return get_store().preview(dataset_id)


def _workspace_picked() -> None:
    st.session_state["workspace"] = st.session_state["workspace_select"]
    st.session_state.pop("dataset_id", None)


def _import_in_background(store: Store, watch: bool) -> None:
    """An import the planner started (ui/import_status.py): stored here once prepared, whichever page this is, and
    picked; while it runs the sidebar says so (``watch``; the Data page shows it in full)."""
    from dashboard.ui import import_status

    settled = import_status.settle(store)
    if settled:
        clear_data_caches()
        st.session_state["dataset_pick"] = settled["dataset"]
        if watch:  # the Data page says it in full
            st.toast(settled["message"])
        return
    job = import_status.current_job(store)
    if watch and job is not None:
        from dashboard.data import import_job

        if import_job.poll(job)["status"] == "running":
            with st.sidebar:
                import_status.watch(job)


def dataset_picker(watch_import: bool = True) -> str | None:
    """Sidebar select of the stored datasets (newest first); remembered across pages. A dataset being imported in
    the background is stored here once ready, on whichever page the planner is (``watch_import``: say in the
    sidebar that it runs; the Data page says more)."""
    names = allowed_workspaces([w["name"] for w in workspaces.listing()])
    current = st.session_state.get("workspace", workspaces.DEFAULT)
    if current not in names:
        current = st.session_state["workspace"] = workspaces.DEFAULT if workspaces.DEFAULT in names else names[0]
    if len(names) > 1:  # client workspaces exist (python -m dashboard workspace create NAME)
        # the choice lives in "workspace", not in the widget's key: Streamlit drops a widget's state when the
        # page changes, which sent the next page (and what it saved) back to the default workspace
        st.sidebar.selectbox("Workspace", names, index=names.index(current), key="workspace_select",
                             on_change=_workspace_picked)
        if st.query_params.get("workspace") != current:
            st.query_params["workspace"] = current
    _import_in_background(get_store(), watch_import)
    frame = cached_datasets()
    if frame.empty:
        st.sidebar.info("No dataset yet: upload one on the Data page.")
        return None
    labels = {r.id: f"{r.name} ({r.id})" for r in frame.itertuples()}
    ids = list(labels)
    if st.session_state.get("dataset_pick") in ids:  # a dataset just imported (ui/upload.py): the picker shows it
        st.session_state["dataset_id"] = st.session_state["dataset_select"] = st.session_state.pop("dataset_pick")
    current = st.session_state.get("dataset_id")
    # a value already in the widget's state wins over an index (and both at once draw Streamlit's warning)
    index = {} if st.session_state.get("dataset_select") in ids else {"index": ids.index(current) if current in ids else 0}
    choice = st.sidebar.selectbox("Dataset", ids, format_func=labels.get, key="dataset_select", **index)
    st.session_state["dataset_id"] = choice
    return choice


# ---- runs: folders never change once written, so caching on the folder path is safe ----------
@st.cache_data(show_spinner=False)
def cached_holdout(run_dir: str) -> pd.DataFrame:
    from dashboard.store.runs import load_holdout
    return load_holdout(Path(run_dir))


@st.cache_data(show_spinner=False)
def cached_future(run_dir: str) -> pd.DataFrame | None:
    from dashboard.store.runs import load_future
    return load_future(Path(run_dir))


@st.cache_data(show_spinner=False)
def cached_metrics(run_dir: str, name: str) -> pd.DataFrame:
    from dashboard.store.runs import load_metrics
    return load_metrics(Path(run_dir), name)


@st.cache_data(show_spinner=False)
def cached_interpretation(run_dir: str) -> dict | None:
    from dashboard.store.runs import load_interpretation
    return load_interpretation(Path(run_dir))


@st.cache_data(show_spinner=False, max_entries=64)
def cached_forecast_view(run_dir: str, part: str, dataset_id: str, level: str, key) -> pd.DataFrame | None:
    """One run's hold-out or future forecast for a series or roll-up (what the Forecast page draws)."""
    from dashboard.forecasting.forecasts import rollup_forecast, select

    frame = cached_holdout(run_dir) if part == "hold-out" else cached_future(run_dir)
    if frame is None:
        return None
    if level != "series":
        frame = frame.merge(cached_series(dataset_id), on=["sku", "region"], how="left", suffixes=("", "_s"))
    return rollup_forecast(select(frame, level, key))


@st.cache_data(show_spinner=False)
def cached_series(dataset_id: str) -> pd.DataFrame:
    return get_store().series_list(dataset_id)


@st.cache_data(show_spinner=False)
def cached_history_units(dataset_id: str, sku: str | None, region: str | None, category: str | None,
                         area: str | None = None) -> pd.DataFrame:
    return get_store().history(dataset_id, sku, region, category, area)


@st.cache_data(show_spinner=False)
def cached_holidays(dataset_id: str, first_week: str, last_week: str) -> pd.DataFrame:
    from dashboard.data.calendars import weekly_holiday_features

    store = get_store()
    freq = dataset_freq(dataset_id)
    weeks = freq.range(freq.start([first_week]).iloc[0], end=last_week)
    return weekly_holiday_features(weeks, store.calendars(dataset_id), store.custom_events(dataset_id), freq)


def dataset_freq(dataset_id: str):
    """The dataset's frequency (dashboard/periods.py): week or month."""
    from dashboard import periods

    return periods.of(get_store().dataset(dataset_id).extras.get("freq"))


def runs_for(dataset_id: str) -> pd.DataFrame:
    """Finished runs of a dataset, newest first (a small DuckDB query; not cached so new runs show)."""
    runs = get_store().runs(dataset_id)
    return runs.sort_values("created_at", ascending=False).reset_index(drop=True)


def run_label(runs: pd.DataFrame):
    labels = {r.run_id: f"{r.model} · {r.preset} · WAPE {r.wape:.1f} % · {str(r.created_at)[:16]}" for r in runs.itertuples()}
    return lambda run_id: labels.get(run_id, run_id)


def latest_per_model(runs: pd.DataFrame) -> list[str]:
    """The first run of each model in ``runs``' order, the recommended forecast first."""
    first = runs.drop_duplicates("model")
    return first.sort_values("model", key=lambda m: m != "recommended", kind="stable")["run_id"].tolist()


def need_runs(dataset_id: str | None) -> pd.DataFrame:
    """The runs of the dataset, or a hint and a stop when there are none yet."""
    if not dataset_id:
        st.stop()
    runs = runs_for(dataset_id)
    if runs.empty:
        st.info("No finished runs yet: train models on the Train page first.")
        st.page_link("views/train.py", label="Go to Train", icon=":material/model_training:")
        st.stop()
    return runs


def download_buttons(frames, stem: str, key: str) -> None:
    """CSV (the first table) and Excel (all) of ``frames``: name -> table, or a function giving them. The files, and
    the tables when a function is given, are built when a button is clicked, not on every rerun."""
    from dashboard.reports.exports import dates, excel_bytes

    get = frames if callable(frames) else (lambda: frames)
    c1, c2 = st.columns(2)
    c1.download_button("CSV", lambda: dates(next(iter(get().values()))).to_csv(index=False).encode(), f"{stem}.csv",
                       "text/csv", key=f"{key}_csv")
    c2.download_button("Excel", lambda: excel_bytes(get()), f"{stem}.xlsx",
                       "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", key=f"{key}_xlsx")


@st.cache_data(show_spinner=False)
def cached_explain(run_dir: str, dataset_id: str, by: str, start_week: str) -> dict | None:
    from dashboard.forecasting.interpretation import explain

    interp = cached_interpretation(run_dir)
    if interp is None:
        return None
    freq = dataset_freq(dataset_id)
    weeks_back = freq.shift(start_week, -(interp["attention"].shape[-1] + 1))
    hol = cached_holidays(dataset_id, str(weeks_back)[:10], start_week)
    return explain(interp, cached_series(dataset_id), start_week, hol, by, freq)


# ---- what-if -------------------------------------------------------------------------------
def cached_engine(run_id: str):
    """The run's What-if engine (network + model frame), loaded once per server process in the background
    (``ui.engine_loader``)."""
    from dashboard.ui import engine_loader

    return engine_loader.engine(run_id, get_store())


@st.cache_resource(show_spinner=False, max_entries=3)
def kept_split(run_id: str):
    """The stored plan's split the run's training job kept (``promotions/stored.py``), read once for the Promotions
    and What-if pages; None when it kept none or made it on another frame (a calendar changed since)."""
    from pathlib import Path

    from dashboard.promotions import stored

    store = get_store()
    run = store.run(run_id)
    return stored.read(Path(run["run_dir"]), stored.frame_key(store, run["dataset_id"]))


@st.cache_resource(show_spinner=False, max_entries=3)
def cached_base(run_id: str):
    """The What-if page's view before any edit, read from the run folder (``promotions/stored_base.py``); the engine
    itself for a run that kept no plan split. The page starts the engine's load once it has drawn (``load_soon``)."""
    from dashboard.promotions import stored_base

    kept = kept_split(run_id)
    return (stored_base.read(kept) if kept is not None else None) or cached_engine(run_id)


def load_soon(run_id: str) -> None:
    """Start loading the run's What-if engine in the background: the What-if page's last line, so the load (10.7 s
    of the 2 cores at 74,800 store series) never slows the page's own first drawing (3.0 s with it, 1.1 s without)."""
    from dashboard.ui import engine_loader

    engine_loader.start(run_id, get_store())


@st.cache_data(show_spinner="Forecasting the scenario...", max_entries=32)
def cached_scenario(run_id: str, edits_json: str, temperature_delta: float) -> dict:
    import io

    from dashboard.planning.scenarios import Scenario

    edits = pd.read_json(io.StringIO(edits_json), orient="records") if edits_json != "[]" else pd.DataFrame()
    if len(edits):
        edits["start_week"] = pd.to_datetime(edits["start_week"], unit="ms" if edits["start_week"].dtype.kind in "iu" else None)
    if not len(edits) and not temperature_delta:  # the base: from the run folder, never waiting for the network
        res = cached_base(run_id).run_unedited()
    else:
        res = cached_engine(run_id).run(Scenario("page", edits, temperature_delta))
    return {k: v for k, v in res.items() if k in ("forecast", "base", "changed", "warnings")}


def edits_json(edits: pd.DataFrame) -> str:
    """A stable text key for a table of edits (rows without SKU/category or start are dropped)."""
    from dashboard.planning.scenarios import EDIT_COLUMNS

    if edits is None or edits.empty:
        return "[]"
    e = edits.reindex(columns=EDIT_COLUMNS).copy()
    e = e[(e["sku"].fillna("").astype(str).str.strip() != "") | (e["category"].fillna("").astype(str).str.strip() != "")]
    e = e[e["start_week"].notna()]
    if e.empty:
        return "[]"
    e["start_week"] = pd.to_datetime(e["start_week"]).dt.strftime("%Y-%m-%d")
    return e.to_json(orient="records")

