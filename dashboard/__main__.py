import os
import sys

from dashboard.cli.main import main


def _exit_code(code) -> int:
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    print(code, file=sys.stderr)  # sys.exit("message"): printed, status 1
    return 1


if __name__ == "__main__":  # guarded: spawned worker processes (Holt-Winters pool) re-import the main module
    try:
        status = _exit_code(main())
    except SystemExit as exc:  # argparse's errors and --help
        status = _exit_code(exc.code)
    # Leave without the interpreter's teardown: once in CI the command finished its work and then died with
    # "terminate called without an active exception" (SIGABRT) while native thread pools (pyarrow's, DuckDB's)
    # were torn down. Everything the CLI writes is closed by then (the store holds no connection between
    # operations), so only the output streams need flushing.
    import logging

    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(status)
