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
    from dashboard.data.ingest import prepare

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


def dataset_picker() -> str | None:
    """Sidebar select of the stored datasets (newest first); remembered across pages."""
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
    frame = cached_datasets()
    if frame.empty:
        st.sidebar.info("No dataset yet: upload one on the Data page.")
        return None
    labels = {r.id: f"{r.name} ({r.id})" for r in frame.itertuples()}
    ids = list(labels)
    current = st.session_state.get("dataset_id")
    index = ids.index(current) if current in ids else 0
    choice = st.sidebar.selectbox("Dataset", ids, index=index, format_func=labels.get, key="dataset_select")
    st.session_state["dataset_id"] = choice
    return choice


def _mapping_widgets(columns: list[str], kind: str, required, optional) -> dict[str, str]:
    from dashboard.data.uploads import NONE, propose_mapping

    guess = propose_mapping(columns, required, optional)
    options = [NONE, *columns]
    chosen = {}
    cols = st.columns(4)
    for i, canon in enumerate((*required, *optional)):
        default = guess.get(canon, NONE)
        label = f"{canon}{' *' if canon in required else ''}"
        chosen[canon] = cols[i % 4].selectbox(label, options, index=options.index(default), key=f"map_{kind}_{canon}")
    return chosen


def upload_section(store: Store) -> None:
    """Upload sales (+ promotions, weather), map columns, validate, import; problems shown as a table."""
    from dashboard import schema as S
    from dashboard.data.ingest import prepare
    from dashboard.data.uploads import problems_frame, save_upload, sniff_columns, to_ingest_mapping
    from dashboard.schema import ValidationError

    st.caption("CSV, Parquet or Excel. Weekly or daily rows per SKU and store or region; daily data is summed "
               "to Monday-to-Sunday weeks and stores are rolled up to regions. Required: week (or date), sku, units.")
    sales = st.file_uploader("Sales history", type=["csv", "parquet", "xlsx"], key="upload_sales")
    c1, c2 = st.columns(2)
    promos = c1.file_uploader("Promotion calendar (optional)", type=["csv", "parquet", "xlsx"], key="upload_promotions")
    weather = c2.file_uploader("Weather per region x week (optional)", type=["csv", "parquet", "xlsx"], key="upload_weather")
    unit = c2.selectbox("Weather temperature unit", ["auto", "C", "F"], key="upload_temp_unit",
                        help="auto: read as Fahrenheit when the values only make sense in Fahrenheit (e.g. 5-100)")
    if sales is None:
        return
    paths = {k: save_upload(f.name, f.getvalue(), store.workspace) for k, f in (("sales", sales), ("promotions", promos), ("weather", weather)) if f}
    mapping: dict[str, str] = {}
    with st.expander("Column mapping", expanded=True):
        st.caption("Which column of your file holds each field (* required). Missing optional fields get defaults: "
                   "one region 'all', category 'uncategorised', no promotion.")
        mapping.update(to_ingest_mapping(_mapping_widgets(sniff_columns(paths["sales"]), "sales", S.SALES_REQUIRED, S.SALES_OPTIONAL)))
        if "promotions" in paths:
            st.markdown("**Promotion calendar**")
            mapping.update(to_ingest_mapping(_mapping_widgets(sniff_columns(paths["promotions"]), "promotions", S.PROMO_REQUIRED, S.PROMO_OPTIONAL)))
    # keyed by the upload, so a new file brings its own name (not the previous file's, kept in the widget's state)
    name = st.text_input("Dataset name", value=paths["sales"].stem, key=f"import_name_{sales.file_id}")
    stored = cached_datasets()
    base = st.selectbox("Store as", [None, *stored["id"]], key="import_as_version", format_func=lambda i: "a new dataset"
                        if i is None else f"the next version of {stored.set_index('id').loc[i, 'name']} ({i}): new weeks")
    grain = "region" if base else st.radio("Series", ["region", "store"], horizontal=True, key="import_grain", format_func={
        "region": "SKU x region (stores summed)", "store": "SKU x store (rolled up to regions in the app)"}.get)
    if not st.button("Validate and import", type="primary", key="import_button"):
        return
    with st.spinner("Validating and importing..."):
        try:
            prepared = prepare(paths["sales"], paths.get("promotions"), paths.get("weather"), mapping, name, unit,
                               store.dataset(base).extras.get("grain", "region") if base else grain)
        except ValidationError as exc:
            st.error(f"Nothing was imported: {len(exc.problems)} problem(s) found. Fix them and upload again.")
            st.dataframe(problems_frame(exc.problems), hide_index=True, key="validation_report")
            return
        if base:  # a refresh: the upload's rows replace the stored version's same weeks (dashboard/planning/refresh.py)
            from dashboard.planning.refresh import store_version, summary

            result = store_version(store, base, prepared)
            ds_id, created = result["dataset"], result["created"]
            prepared.notes[:0] = summary(result)
        else:
            ds_id, created = store.save_dataset(prepared)
    clear_data_caches()
    st.session_state["dataset_id"] = ds_id
    if created:
        st.success(f"Imported {prepared.info.source_rows:,} rows as dataset {ds_id}: {prepared.info.series} series, "
                   f"{prepared.info.first_week} to {prepared.info.last_week}.")
    else:
        st.info(f"This exact data is already stored as {ds_id}; nothing changed.")
    for note in prepared.notes:
        st.caption(note)


@st.fragment(run_every="2s")
def jobs_fragment(dataset_id: str) -> None:
    """Live job list: progress bar, loss curve, cancel button; refreshed every 2 seconds."""
    from dashboard.forecasting import jobs, training
    from dashboard.reports import charts

    store = get_store()
    table = training.refresh(store)
    table = table[table["dataset_id"] == dataset_id].head(12)
    if table.empty:
        st.caption("No training jobs yet.")
    for job in table.itertuples():
        job_dir = Path(job.job_dir)
        progress = jobs.read_progress(job_dir)
        summary = training.job_summary(job.status, progress, job.error)
        with st.container(border=True):
            c1, c2 = st.columns([4, 1])
            c1.markdown(f"**{job.model}** · {job.preset} · `{job.id}` · {job.status}")
            if job.status in ("queued", "running"):
                if c2.button("Cancel", key=f"cancel_{job.id}"):
                    training.cancel(store, job.id)
                    st.rerun()
                c1.progress(summary["fraction"], text=summary["label"])
                if len(progress) > 1:
                    st.plotly_chart(charts.loss_curve(progress), key=f"loss_{job.id}")
            elif job.status == "failed":
                c1.error(summary["label"])
            elif job.status == "finished":
                c1.caption(f"run {job.run_id}")
            else:
                c1.caption(summary["label"])
    finished = set(table.loc[table["status"] == "finished", "id"])
    seen = st.session_state.setdefault("finished_jobs", finished)
    if finished - seen:  # a run just finished: rerun the whole page so the leaderboard shows it
        st.session_state["finished_jobs"] = finished
        st.rerun(scope="app")


def leaderboard_section(dataset_id: str) -> None:
    from dashboard.forecasting import training
    from dashboard.reports import charts

    board = training.leaderboard(get_store(), dataset_id)
    if board.empty:
        st.caption("No finished runs on this dataset yet.")
        return
    st.caption("Hold-out errors in %, best WAPE first. MAPE leaves out zero-unit weeks; judge slow movers by WAPE.")
    st.plotly_chart(charts.leaderboard_chart(board.head(12)), key="leaderboard_chart")
    st.dataframe(board.round(2), hide_index=True, key="leaderboard")


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
    weeks = pd.date_range(first_week, last_week, freq="W-MON")
    return weekly_holiday_features(weeks, store.calendars(dataset_id), store.custom_events(dataset_id))


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
    weeks_back = pd.Timestamp(start_week) - pd.Timedelta(weeks=interp["attention"].shape[-1] + 1)
    hol = cached_holidays(dataset_id, str(weeks_back)[:10], start_week)
    return explain(interp, cached_series(dataset_id), start_week, hol, by)


# ---- what-if -------------------------------------------------------------------------------
@st.cache_resource(show_spinner="Loading the model...", max_entries=3)
def cached_engine(run_id: str):
    from dashboard.planning.scenarios import what_if_engine

    return what_if_engine(get_store(), run_id)


@st.cache_data(show_spinner="Forecasting the scenario...", max_entries=32)
def cached_scenario(run_id: str, edits_json: str, temperature_delta: float) -> dict:
    import io

    from dashboard.planning.scenarios import Scenario

    edits = pd.read_json(io.StringIO(edits_json), orient="records") if edits_json != "[]" else pd.DataFrame()
    if len(edits):
        edits["start_week"] = pd.to_datetime(edits["start_week"], unit="ms" if edits["start_week"].dtype.kind in "iu" else None)
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

