"""The one-file HTML meeting report: charts, leaderboard, explanation and the assumptions behind them."""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from dashboard import periods
from dashboard.data.calendars import weekly_holiday_features
from dashboard.data.history import history_check
from dashboard.forecasting.forecasts import rollup_forecast
from dashboard.forecasting.interpretation import explain
from dashboard.planning import plans
from dashboard.reports import charts
from dashboard.reports.exports import report_html
from dashboard.store import Store
from dashboard.store.runs import load_future, load_holdout, load_interpretation, load_metrics, read_run


def build_report(store: Store, dataset_id: str, run_id: str, scenario: dict | None = None,
                 promotions: dict | None = None, plan: tuple[dict, pd.DataFrame] | None = None) -> str:
    """HTML for one run on its dataset; ``scenario`` = {'name', 'forecast', 'base'} adds the what-if,
    ``promotions`` = {'plan', 'events', 'past'} the promotions section (dashboard/promotions/report.py), ``plan`` =
    (meta, rows) a published plan (dashboard/planning/plans.py). The history warning is always in."""
    info = store.dataset(dataset_id)
    freq = periods.of(info.extras.get("freq"))  # the dataset's periods: weeks or months, in every sentence
    run = store.run(run_id)
    meta = read_run(Path(run["run_dir"]))
    board = store.runs(dataset_id)[["run_id", "model", "preset", "wape", "mape", "smape", "bias", "mase", "seconds"]]
    hold = load_holdout(Path(run["run_dir"]))
    history = store.history(dataset_id)
    history = history[history["week"] >= freq.shift(pd.Timestamp(hold["week"].min()), -(freq.season * 3) // 2)]
    forecasts = {run["model"]: rollup_forecast(hold)}
    future = load_future(Path(run["run_dir"]))
    if future is not None:
        forecasts[f"{run['model']} future"] = rollup_forecast(future)
    figs = [charts.forecast_chart(history, forecasts, None, hold["week"].min(), f"All series: {run['model']} forecast"),
            charts.leaderboard_chart(board),
            charts.metric_heatmap(load_metrics(Path(run["run_dir"]), "by_category_region"), "wape")]
    sentences: list[str] = []
    interp = load_interpretation(Path(run["run_dir"]))
    if interp is not None:
        start = meta["holdout_start_week"]
        weeks = freq.range(end=pd.Timestamp(start), periods=interp["attention"].shape[-1] + 2)
        hol = weekly_holiday_features(weeks, store.calendars(dataset_id), store.custom_events(dataset_id), freq)
        ex = explain(interp, store.series_list(dataset_id), start, hol, "category", freq)
        sentences = list(ex["summary"].values())
        figs.append(charts.attention_heatmap(
            ex["by_lag"], f"TFT attention by lag (lag {freq.season} = same {freq.name} last year)", "lag"))
    assumptions = {
        "Dataset": f"{info.name} ({info.id})", "Content hash (SHA-256)": info.content_hash,
        "History": f"{info.first_week} to {info.last_week}, {info.series} series",
        "Model": _model_line(run, run_id, meta, freq),
        "Hold-out": f"{freq.count(meta['holdout_weeks'])} from {meta['holdout_start_week']}",
        "Forecast horizon": f"{freq.count((meta.get('config') or {}).get('horizon', meta['holdout_weeks']))} after "
                            f"{info.last_week}, stored promotion plan",
        "Scenario": scenario["name"] if scenario else "none (base plan)",
    }
    tables = {"Leaderboard (hold-out errors in %)": board.round(2),
              "Error by category": load_metrics(Path(run["run_dir"]), "by_category").round(2)}
    if scenario:
        totals = {"base": rollup_forecast(scenario["base"]), scenario["name"]: rollup_forecast(scenario["forecast"])}
        figs.append(charts.scenario_chart(totals, f"What-if: {scenario['name']} vs base"))
    check = history_check(store.series_spans(dataset_id), info.last_week, freq)
    short = int((check["status"] != "ok").sum())
    if short:
        sentences.append(f"History: {short} of {len(check)} series have {plans.HISTORY_NOTE}.")
    if plan:
        meta, rows = plan
        assumptions.update({f"Plan: {k}": v for k, v in meta.items()})
        by_region = rows.assign(week=pd.to_datetime(rows["week"]).dt.date).pivot_table(
            index="region", columns="week", values="p50", aggfunc="sum").round(0)
        tables[f"Plan {meta.get('cycle', '')}: units per region and {freq.name} (P50)"] = by_region.reset_index()
    if promotions:
        from dashboard.promotions.report import section

        more_figs, more_tables, more_sentences = section(promotions["plan"], promotions["events"], promotions.get("past"))
        figs, sentences = figs + more_figs, sentences + more_sentences
        tables.update(more_tables)
    return report_html(f"Promocast planning report: {info.name}", assumptions, figs, tables, sentences)


def _model_line(run: dict, run_id: str, meta: dict, freq: periods.Frequency = periods.WEEK) -> str:
    if run["model"] == "recommended":
        made = (meta.get("recommendation") or {}).get("made_of", "")
        return f"recommended forecast, run {run_id}, chosen per category on the validation {freq.plural}: {made}"
    return f"{run['model']} ({run['preset']} preset), run {run_id}, trained on {meta.get('device', 'cpu')}"
