"""The connection a Store opens per operation, and the write transaction every change goes through.

DuckDB lets one process at a time open a file read-write, so a Store opens it per operation and lets go after
(``linger`` seconds later: the app keeps it for 2 s between a page's queries; a command lets go at once), and an
operation that finds the file held by another process waits for it (``WAIT_S``) instead of failing: the app,
``ingest``, ``train`` and ``scenario`` run side by side on one workspace. Writes go through ``_write``, which holds
a lock and a transaction, so a failed write leaves nothing half-written. Values are always SQL parameters. Results
are fetched whole (DuckDB 2 keeps a ``fetchone()`` result open, and the relational API then refuses the
connection)."""
from __future__ import annotations

import threading
import time
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

import duckdb
import pandas as pd

from dashboard.schema import default_db_path, workspace_dir
from dashboard.store.tables import SCHEMA

WAIT_S = 60.0  # how long an operation waits for another process to let go of the file


def _connect(path: Path, read_only: bool, wait_s: float) -> duckdb.DuckDBPyConnection:
    """Open the file, waiting while another process holds it (DuckDB's lock); a clear error after ``wait_s``."""
    deadline, pause = time.monotonic() + wait_s, 0.02
    while True:
        try:
            con = duckdb.connect(str(path), read_only=read_only)
            con.execute("SET enable_progress_bar = false")  # never print on stdout (--json output)
            return con
        except duckdb.IOException as exc:
            if "lock" not in str(exc).lower() or time.monotonic() > deadline:
                raise RuntimeError(f"cannot open the database {path}: {str(exc).splitlines()[0]} (another process "
                                   f"held it for over {wait_s:.0f} s)") from exc
            time.sleep(pause)
            pause = min(pause * 1.5, 0.25)


def utc_now() -> datetime:
    """Now, as the naive UTC timestamp every table stores."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


def timestamp(value):
    """A stored timestamp (naive UTC) from an ISO string or a timestamp; None for none."""
    if not value:
        return None
    return pd.Timestamp(value).tz_localize(None) if pd.Timestamp(value).tzinfo is None else pd.Timestamp(value).tz_convert(None)


class Connection:
    def __init__(self, path: str | Path | None = None, read_only: bool = False, workspace: str | Path | None = None,
                 linger: float = 0.0, wait_s: float | None = None):
        """``workspace``: the folder of this database's jobs, runs and uploads (a client workspace's); by default
        the process's workspace (``schema.workspace_dir``). ``linger``: seconds the file stays open after an
        operation, for the next one (the app: 2); ``wait_s``: how long to wait for another process."""
        self.path = Path(path) if path else default_db_path()
        self.workspace = Path(workspace) if workspace else workspace_dir()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.read_only, self.linger = read_only, linger
        self.wait_s = WAIT_S if wait_s is None else wait_s
        self._lock = threading.RLock()
        self._con: duckdb.DuckDBPyConnection | None = None
        self._users, self._timer = 0, None
        with self._open() as con:
            if not read_only:
                for ddl in SCHEMA:
                    con.execute(ddl)

    @contextmanager
    def _open(self):
        """The connection for one operation (the lock held: one operation at a time in this process)."""
        with self._lock:
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
            if self._con is None:
                self._con = _connect(self.path, self.read_only, self.wait_s)
            self._users += 1
            try:
                yield self._con
            finally:
                self._users -= 1
                if self._users == 0:
                    if self.linger > 0:
                        self._timer = threading.Timer(self.linger, self._let_go)
                        self._timer.daemon = True
                        self._timer.start()
                    else:
                        self._let_go()

    @contextmanager
    def reading(self):
        """The connection for a read done elsewhere (the Parquet export, data/partitioned.py), under the same lock
        and lifetime as the store's own operations. Writes to the database go through Store's methods only."""
        with self._open() as con:
            yield con

    def _let_go(self) -> None:
        with self._lock:
            if self._users == 0 and self._con is not None:
                self._con.close()
                self._con = None

    def close(self) -> None:
        with self._lock:
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
            if self._con is not None:
                self._con.close()
                self._con = None

    @contextmanager
    def _write(self):
        with self._open() as con:
            cur = con.cursor()
            cur.execute("BEGIN TRANSACTION")
            try:
                yield cur
                cur.execute("COMMIT")
            except BaseException:
                cur.execute("ROLLBACK")
                raise
            finally:
                cur.close()

    def query(self, sql: str, params: list | tuple = ()) -> pd.DataFrame:
        with self._open() as con:
            cur = con.cursor()
            try:
                return cur.execute(sql, list(params)).df()
            finally:
                cur.close()
