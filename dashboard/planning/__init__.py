"""The planning cycle: what-if scenarios, planner overrides, the plan and its workbook, dataset refreshes and forecast value added."""
