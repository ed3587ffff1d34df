"""The Data page's upload form: files, column mapping, a new dataset or the next version of one, and every problem
of a refused file as a table."""
from __future__ import annotations

from pathlib import Path

import streamlit as st

from dashboard.data import import_job
from dashboard.store import Store
from dashboard.ui import cached_datasets, import_status


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


def _saved(upload, root) -> Path:
    """The upload's file on disk, written once per upload: every rerun of the form (each widget a planner touches)
    hashed and copied the whole file again, 1 s for the reference case's 600 MB."""
    from dashboard.data.uploads import save_upload

    kept = st.session_state.setdefault("upload_paths", {})
    if upload.file_id not in kept or not kept[upload.file_id].exists():
        kept[upload.file_id] = save_upload(upload.name, upload.getvalue(), root)
    return kept[upload.file_id]


@st.cache_data(max_entries=16, show_spinner=False)
def _file_frequency(path: str, mapping: tuple):
    """The file's own frequency, once per file and mapping (a scan of its dates: seconds for 10.9 M rows)."""
    from dashboard.data.ingest import detect_frequency

    return detect_frequency(path, dict(mapping))


def _frequency_widget(path, mapping: dict, kept: str | None) -> str:
    """What the file's dates are, and the forecast frequency the planner chooses (a new version keeps its
    dataset's): daily and weekly files by week or month, monthly files by month."""
    source = _file_frequency(str(path), tuple(sorted(mapping.items())))
    if source is None:
        return kept or "auto"
    if kept:
        st.caption(f"Dates: {source.describe()}; this dataset is forecast by {kept}.")
        return kept
    choices = ["month"] if source.kind == "month" else ["week", "month"]
    return st.radio(f"Dates: {source.describe()}. Forecast by", choices, horizontal=True, key="import_freq",
                    help="Weekly plans: a quarter of weeks ahead. Monthly plans: half a year of months; daily and "
                         "weekly rows are summed into calendar months.")


def upload_section(store: Store) -> None:
    """Upload sales (+ promotions, weather), map columns, validate, import; problems shown as a table."""
    from dashboard import schema as S
    from dashboard.data.uploads import sniff_columns, to_ingest_mapping

    st.caption("CSV, Parquet or Excel. Daily, weekly or monthly rows per SKU and store or region; daily data is "
               "summed to Monday-to-Sunday weeks or calendar months, and stores are rolled up to regions. Required: "
               "week (or date, or month), sku, units.")
    sales = st.file_uploader("Sales history", type=["csv", "parquet", "xlsx"], key="upload_sales")
    c1, c2 = st.columns(2)
    promos = c1.file_uploader("Promotion calendar (optional)", type=["csv", "parquet", "xlsx"], key="upload_promotions")
    weather = c2.file_uploader("Weather per region x week (optional)", type=["csv", "parquet", "xlsx"], key="upload_weather")
    unit = c2.selectbox("Weather temperature unit", ["auto", "C", "F"], key="upload_temp_unit",
                        help="auto: read as Fahrenheit when the values only make sense in Fahrenheit (e.g. 5-100)")
    if sales is None:
        return
    paths = {k: _saved(f, store.workspace) for k, f in (("sales", sales), ("promotions", promos), ("weather", weather)) if f}
    mapping: dict[str, str] = {}
    with st.expander("Column mapping", expanded=True):
        st.caption("Which column of your file holds each field (* required). Missing optional fields get defaults: "
                   "one region 'all', category 'uncategorised', no promotion.")
        columns = sniff_columns(paths["sales"])
        mapping.update(to_ingest_mapping(_mapping_widgets(columns, "sales", S.SALES_REQUIRED, S.SALES_OPTIONAL)))
        flags = st.multiselect("Event flags: 0/1 columns of the sales file that mark events (each becomes a custom "
                               "event on the dates it flags, for every region)",
                               [c for c in columns if c.lower() not in mapping], key="import_event_columns")
        past = st.multiselect("Past-only inputs: numeric columns known for the past but not ahead (market totals, "
                              "a competitor's sales); the TFT reads them before each forecast",
                              [c for c in columns if c.lower() not in mapping and c not in flags],
                              key="import_past_columns")
        if "promotions" in paths:
            st.markdown("**Promotion calendar**")
            mapping.update(to_ingest_mapping(_mapping_widgets(sniff_columns(paths["promotions"]), "promotions", S.PROMO_REQUIRED, S.PROMO_OPTIONAL)))
    # keyed by the upload, so a new file brings its own name (not the previous file's, kept in the widget's state)
    name = st.text_input("Dataset name", value=paths["sales"].stem, key=f"import_name_{sales.file_id}")
    stored = cached_datasets()
    base = st.selectbox("Store as", [None, *stored["id"]], key="import_as_version", format_func=lambda i: "a new dataset"
                        if i is None else f"the next version of {stored.set_index('id').loc[i, 'name']} ({i}): new weeks")
    freq = _frequency_widget(paths["sales"], mapping, store.dataset(base).extras.get("freq") if base else None)
    grain = "region" if base else st.radio("Series", ["region", "store"], horizontal=True, key="import_grain", format_func={
        "region": "SKU x region (stores summed)", "store": "SKU x store (rolled up to regions in the app)"}.get)
    job = import_status.current_job(store)
    state = import_job.poll(job) if job else {}
    if st.button("Validate and import", type="primary", key="import_button", disabled=state.get("status") == "running"):
        if base:  # a new version reads the columns its dataset was imported with, unless others are chosen
            from dashboard.planning.refresh import columns_of

            flags, past = columns_of(store.dataset(base).extras, flags or None, past or None)
        job = import_job.start(store.workspace, paths["sales"], paths.get("promotions"), paths.get("weather"), mapping,
                               name, unit, store.dataset(base).extras.get("grain", "region") if base else grain, freq,
                               flags, past, version_of=base)
        st.session_state[import_status.KEY] = str(job)
        state = import_job.poll(job)
    if not job:
        return
    if state["status"] == "running":
        _import_progress(job)
    elif state["status"] == "prepared":  # stored by the next run's sidebar picker
        st.rerun()
    else:  # said once, as a finished import always was: the next rerun of the form starts afresh
        st.session_state.pop(import_status.KEY, None)
        _show_outcome(state)


@st.fragment(run_every="1s")
def _import_progress(job: Path) -> None:
    """The running import, polled each second (the page stays free meanwhile); the whole page reruns once it has
    an outcome, and the sidebar's picker stores a prepared dataset (ui/import_status.py)."""
    state = import_job.poll(job)
    if state["status"] != "running":
        st.rerun()
    c1, c2 = st.columns([4, 1])
    c1.info(f"Validating and importing in the background: {import_status.seconds_running(state):.0f} s so far. The "
            "other pages answer meanwhile; a store-grain file of 10 M rows takes about a minute.")
    if c2.button("Stop the import", key="import_cancel"):
        import_job.cancel(job)
        st.rerun()


def _show_outcome(state: dict) -> None:
    from dashboard.data.uploads import problems_frame
    from dashboard.schema import Problem

    status = state["status"]
    if status == "stored":
        (st.success if state.get("created") else st.info)(state["message"])
        for note in state.get("notes") or []:
            st.caption(note)
    elif status == "refused":
        problems = [Problem(**{**p, "rows": tuple(p.get("rows") or ())}) for p in state["problems"]]
        st.error(f"Nothing was imported: {len(problems)} problem(s) found. Fix them and upload again.")
        st.dataframe(problems_frame(problems), hide_index=True, key="validation_report")
    elif status == "cancelled":
        st.warning("The import was stopped; nothing was stored.")
    else:
        st.error(f"Nothing was imported: {state.get('error') or 'the import failed'}")
