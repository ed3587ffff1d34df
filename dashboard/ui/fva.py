"""The Accuracy page's forecast value added: the staircase for the newest published plan whose weeks (or months) have
actuals, in the dataset's periods."""
from __future__ import annotations

import streamlit as st

from dashboard.ui import get_store


@st.cache_data(show_spinner="Scoring the published plan on its actuals...", max_entries=8)
def cached_fva(plan_id: str, dataset_id: str) -> dict | None:
    from dashboard.planning.fva import for_plan

    return for_plan(get_store(), plan_id)


def section(dataset_id: str) -> None:
    from dashboard import periods

    store = get_store()
    unit = periods.of(store.dataset(dataset_id).extras.get("freq"))
    chain = set(store.versions(dataset_id)["id"])
    plans = store.plans()
    plans = plans[plans["dataset_id"].isin(chain)]
    if plans.empty:
        return
    for plan in plans.itertuples():  # newest first
        result = cached_fva(plan.id, dataset_id)
        if result is not None:
            break
    else:
        st.caption(f"Forecast value added appears here once a newer version of this dataset brings the actual "
                   f"{unit.plural} of a published plan (Plan page, then a refresh).")
        return
    st.subheader(f"Forecast value added: the {plan.cycle} plan on its actuals")
    st.caption(f"Each step of the process scored on the same {unit.plural}, with the actuals of {result['actuals_from']}: "
               f"the models as they forecast those {unit.plural} when the plan was made, the recommended forecast, the plan before "
               "the planners' overrides and the published plan. A step that lowers WAPE adds value.")
    st.dataframe(result["staircase"].round(2), hide_index=True, key="fva_steps")
    left, right = st.columns(2)
    for col, by in ((left, "by_category"), (right, "by_region")):
        f = result[by]
        group = "category" if by == "by_category" else "region"
        col.dataframe(f.pivot_table(index="step", columns=group, values="wape", sort=False).round(1), key=f"fva_{by}")
    o = result["overrides"]
    if len(o):
        helped = int(o["helped"].sum())
        st.caption(f"Overrides: {helped} of {len(o)} series-{unit.plural} moved closer to the actual; by reason below.")
        st.dataframe(o.groupby("reason").agg(**{f"series_{unit.plural}": ("helped", "size")}, helped=("helped", "sum"),
                                             error_before=("error_before", "sum"), error_after=("error_after", "sum"))
                     .round(1).reset_index(), hide_index=True, key="fva_overrides")
