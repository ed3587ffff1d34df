"""Promotions: what each planned promotion brings (uplift, cannibalization, dip) in units and money, and what past ones did."""
import json

import pandas as pd
import streamlit as st

from dashboard import ui
from dashboard.planning.plans import with_history_flag
from dashboard.promotions import charts, tables
from dashboard.promotions.money import DEFAULT_MARGIN_PCT
from dashboard.reports.report import build_report
from dashboard.ui import readable
from dashboard.ui.promotions import (cached_split, cached_past, cached_plan, cached_plan_table, cached_response,
                                     margins_json, promo_runs)

store = ui.get_store()
dataset_id = ui.dataset_picker()
st.title("Promotions")
runs = promo_runs(dataset_id, "Promotion analysis")
c1, c2 = st.columns([2, 1])
run_id = c1.selectbox("Model run", runs["run_id"].tolist(), format_func=ui.run_label(runs), key="pr_run")
saved = store.scenarios(dataset_id)
plan_name = c2.selectbox("Plan", ["base", *saved["name"].tolist()], key="pr_plan",
                         help="the stored promotion plan, or a saved what-if scenario on top of it")
analysis = cached_split(run_id)  # the split the training job kept; the network loads only when a view needs it
categories = sorted(analysis.series["category"].astype(str).unique())
money = json.loads(margins_json(run_id))
FUNDED, ALLOWANCE, SUPPLIER = "supplier-funded % of the discount", "scan allowance per unit", "supplier's margin %"
with st.expander(f"Margins and supplier funding per category (margin % of the regular price; {DEFAULT_MARGIN_PCT:.0f} % "
                 "until entered)"):
    funding = money.get("funding") or {}
    edited = st.data_editor(pd.DataFrame({"category": categories, "margin %": [money["margins"][c] for c in categories],
                                          "price if the data has none": [money["prices"].get(c) for c in categories],
                                          FUNDED: [funding.get(c, {}).get("funded_pct", 0.0) for c in categories],
                                          ALLOWANCE: [funding.get(c, {}).get("scan_allowance", 0.0) for c in categories],
                                          SUPPLIER: [funding.get(c, {}).get("supplier_margin_pct", 0.0) for c in categories]}),
                            disabled=["category"], hide_index=True, key="pr_margin_editor",
                            column_config={"margin %": st.column_config.NumberColumn(min_value=0, max_value=100, step=1),
                                           "price if the data has none": st.column_config.NumberColumn(min_value=0.01),
                                           FUNDED: st.column_config.NumberColumn(min_value=0, max_value=100, step=5),
                                           ALLOWANCE: st.column_config.NumberColumn(min_value=0),
                                           SUPPLIER: st.column_config.NumberColumn(min_value=0, max_value=100, step=1)})
    st.caption("Supplier funding: the share of each promotion's discount the supplier pays back, and its allowance per "
               "unit sold on promotion. Both add to the retailer's incremental margin and are the supplier's cost. "
               "The supplier's margin % (of its price to you) gives its side: its margin on the promoted SKU's extra "
               "units less that cost, the table's \"supplier's margin\".")
    if st.button("Save margins", key="pr_margin_save", disabled=not ui.may("scenarios")):
        try:
            nothing = lambda v: None if pd.isna(v) else float(v)  # noqa: E731
            store.set_margins(dict(zip(edited["category"], edited["margin %"])), st.session_state.get("sc_author", ""),
                              {c: nothing(p) for c, p in zip(edited["category"], edited["price if the data has none"])},
                              {c: (nothing(f), nothing(a), nothing(s)) for c, f, a, s in zip(
                                  edited["category"], edited[FUNDED], edited[ALLOWANCE], edited[SUPPLIER])})
            st.rerun()
        except ValueError as exc:
            st.error(str(exc))
period = ui.dataset_freq(dataset_id)
st.caption(f"Every promotion is split with counterfactual forecasts of this run: the same {period.plural} without it "
           f"(its baseline and uplift), without its siblings' promotions (cannibalization) and the {period.plural} after "
           "it (dip). "
           "Prices are each series' regular price from the data (or the price entered above where it has none); money is "
           "net of the discount given on baseline units.")


def edits_of(name: str) -> str:
    return "[]" if name == "base" else ui.edits_json(store.scenario(dataset_id, name)[0])


def plan_table(name: str) -> tuple[dict, pd.DataFrame, pd.DataFrame]:
    """(totals, table, promotions in the table's order) of the base plan or a saved scenario."""
    return cached_plan_table(run_id, edits_of(name), margins_json(run_id))


total, table, events = readable.or_stop(lambda: plan_table(plan_name), f"The plan '{plan_name}'")
table = tables.in_periods(table, period.name)
m = st.columns(4)
m[0].metric("Planned promotions", f"{total['promotions']}")
m[1].metric("Incremental units", f"{total['incremental_units']:+,.0f}")
m[2].metric("Incremental margin", f"{total['incremental_margin']:+,.0f}", help="P50, net of discount, cannibalization and dip")
m[3].metric("Losing money", f"{total['losing_money']}")
if len(events):
    st.caption("By mechanic: " + "; ".join(f"{r['type']} {r['promotions']} ({r['incremental margin']:+,.0f} margin)"
                                           for r in tables.by_mechanic(events).to_dict("records")))
st.subheader("Planned promotions, best incremental margin first")
pick = st.dataframe(table, hide_index=True, key="pr_table", on_select="rerun", selection_mode="single-row")
rows = pick.selection.rows if pick and pick.selection else []
chosen = events.iloc[rows[0] if rows else 0] if len(events) else None
if chosen is not None:
    left, right = st.columns(2)
    left.plotly_chart(charts.waterfall(chosen, "units"), key="pr_waterfall_units")
    right.plotly_chart(charts.waterfall(chosen, "margin"), key="pr_waterfall_margin")
    st.caption("Pick a row above to see its waterfall.")
check = ui.cached_history(dataset_id, str(store.dataset(dataset_id).last_week))  # the history flag goes with every export
ui.download_buttons(lambda: {  # built when a button is clicked
    "planned_promotions": with_history_flag(table, check),
    f"{period.adjective}_decomposition": with_history_flag(tables.weekly(
        cached_plan(run_id, edits_of(plan_name), margins_json(run_id))[0]), check)}, f"promotions_{plan_name}", key="pr_dl")
if len(saved):
    st.subheader("Scenarios in money")
    plans_in_money = readable.each(["base", *saved["name"].tolist()], lambda n: plan_table(n)[2])
    st.dataframe(tables.compare(plans_in_money), hide_index=True,
                 key="pr_compare")

st.subheader("Past promotions: what they really did")
big = len(analysis.series) > 500  # at the reference scale the first judgement takes ~15 s: asked for, not automatic
if not st.toggle("Judge past promotions and draw the uplift curve", value=not big, key="pr_past_on",
                 help="counterfactual forecasts of the hold-out and the year before it, made once per run"):
    past = pd.DataFrame()
    st.caption("Turn on to see which past promotions paid off.")
elif (past := cached_past(run_id, margins_json(run_id))).empty:
    st.info("No promotions in the hold-out or the year before it.")
else:
    st.caption(f"{len(past)} promotions in the hold-out and the year before it: the actual units against the counterfactual "
               f"baseline (the run's forecast of the same {period.plural} without the promotion). "
               f"{int(past['lost_money'].sum())} lost money. {period.plural.capitalize()} the model was trained on "
               "flatter it; the hold-out's are out of sample.")
    st.dataframe(tables.by_category(past), hide_index=True, key="pr_past_summary")
    category = st.selectbox("Uplift curve for", categories, key="pr_curve_cat")
    st.plotly_chart(charts.uplift_curve(cached_response(run_id), past, category), key="pr_curve")
    if category in analysis.flag_only():
        st.caption(f"{category}'s promotions are known only as a flag (on promotion, no discount depth): the model "
                   "learned the uplift of being on promotion, shown at 0 %, not a curve by depth; a planned "
                   "promotion there is priced at no discount, and the table says so.")
    past_table = tables.in_periods(tables.past(past), period.name)
    st.dataframe(past_table, hide_index=True, key="pr_past")
    ui.download_buttons({"past_promotions": with_history_flag(past_table, check)}, "past_promotions", key="pr_past_dl")
st.download_button("Meeting report with this promotions view (HTML)", lambda: build_report(
    store, dataset_id, run_id, promotions={"plan": plan_name, "events": events, "past": past}),
    f"promocast_promotions_{run_id}.html", "text/html", key="pr_report")
