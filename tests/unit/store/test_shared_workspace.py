"""The app and the command line on one workspace: DuckDB lets one process open a file at a time, so a Store opens
it per operation and waits for the other process (dashboard/store/database.py). Nothing fails with a lock error and no
write is lost."""
import os
import subprocess
import sys
import textwrap
import time

import pandas as pd

from dashboard.planning.scenarios import EDIT_COLUMNS
from dashboard.store import Store
from conftest import ROOT, SAMPLE  # tests/conftest.py: "tests" itself may name a package installed by a library (mlforecast ships one)

WRITER = textwrap.dedent("""
    import sys, time
    import pandas as pd
    sys.path.insert(0, {root!r})
    from dashboard.store import Store
    from dashboard.planning.scenarios import EDIT_COLUMNS
    store = Store({db!r})
    for i in range({n}):
        store.save_scenario("ds", f"{tag}-{{i}}", pd.DataFrame(columns=EDIT_COLUMNS), author="{tag}")
        time.sleep(0.01)
    print("done")
""")


def test_ingest_from_the_command_line_while_the_app_holds_the_workspace(workspace):
    app = Store(linger=2.0)  # as the app opens it
    assert app.datasets().empty  # the file is open now (lingering)
    env = dict(os.environ)
    out = subprocess.run([sys.executable, "-m", "dashboard", "ingest", str(SAMPLE / "sales.csv"),
                          "--promotions", str(SAMPLE / "promotions.csv"), "--name", "from the CLI"],
                         cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert "lock" not in out.stderr.lower()
    assert list(app.datasets()["name"]) == ["from the CLI"]  # the app sees it at once
    app.close()


def test_three_processes_write_scenarios_at_once_and_none_is_lost(workspace):
    db = str(workspace / "promocast.duckdb")
    here = Store(db, linger=0.5)
    procs = [subprocess.Popen([sys.executable, "-c", WRITER.format(root=str(ROOT), db=db, n=15, tag=tag)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for tag in ("cli-a", "cli-b")]
    for i in range(15):
        here.save_scenario("ds", f"app-{i}", pd.DataFrame(columns=EDIT_COLUMNS), author="app")
        time.sleep(0.01)
    for p in procs:
        out, err = p.communicate(timeout=300)
        assert p.returncode == 0 and out.strip() == "done", err[-2000:]
    names = set(here.scenarios("ds")["name"])
    assert {f"{t}-{i}" for t in ("app", "cli-a", "cli-b") for i in range(15)} <= names
    here.close()


def test_an_operation_waits_for_a_long_holder_then_succeeds(workspace, tmp_path):
    db = str(workspace / "promocast.duckdb")
    Store(db).close()
    holder = subprocess.Popen([sys.executable, "-c", f"import duckdb, time; c = duckdb.connect({db!r}); "
                               "print('held', flush=True); time.sleep(1.5); c.close()"],
                              stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "held"
    t = time.monotonic()
    assert Store(db).datasets().empty  # waited for the holder instead of failing
    assert time.monotonic() - t > 0.5
    holder.wait(10)


def test_a_holder_that_never_lets_go_gets_a_clear_error(workspace):
    db = str(workspace / "promocast.duckdb")
    Store(db).close()
    holder = subprocess.Popen([sys.executable, "-c", f"import duckdb, time; c = duckdb.connect({db!r}); "
                               "print('held', flush=True); time.sleep(30)"], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        try:
            Store(db, wait_s=1.0)
            raise AssertionError("opened a file another process holds")
        except RuntimeError as e:
            assert "cannot open the database" in str(e) and "another process" in str(e)
    finally:
        holder.kill()
        holder.wait(10)
