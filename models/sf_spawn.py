"""StatsForecast whose process pool *spawns* its workers.

statsforecast's default pool forks, and forking a process that has started torch's or DuckDB's
threads can deadlock (seen: n_jobs=2 never finished inside the training worker). Spawned workers
start clean. A module of its own so pickled fitted models refer to an importable class.
"""
from __future__ import annotations

import multiprocessing

from statsforecast import StatsForecast


class SpawningStatsForecast(StatsForecast):
    def _get_pool(self):
        return multiprocessing.get_context("spawn").Pool, {}
