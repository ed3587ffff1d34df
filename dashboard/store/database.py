"""The one owner of the DuckDB database: ``Store`` opens the file per operation (``connection.py``) and holds a
module of methods per aggregate — datasets and their versions, jobs and runs, scenarios, overrides and published
plans, margins. Nothing else writes to the database."""
from __future__ import annotations

from dashboard.store.connection import Connection
from dashboard.store.dataset_tables import DatasetTables
from dashboard.store.margin_tables import MarginTables
from dashboard.store.plan_tables import PlanTables
from dashboard.store.run_tables import RunTables
from dashboard.store.scenario_tables import ScenarioTables


class Store(DatasetTables, RunTables, ScenarioTables, PlanTables, MarginTables, Connection):
    """``Store(path=None, read_only=False, workspace=None, linger=0.0, wait_s=None)``: see ``Connection``."""
