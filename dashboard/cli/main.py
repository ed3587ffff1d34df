"""The ``python -m dashboard`` parser: each command group adds its commands, each command names the function that
runs it (``set_defaults(handler=...)``)."""
from __future__ import annotations

import argparse
import sys

from dashboard.cli import data, export, refresh, scenario, training, workspace

GROUPS = (data, training, scenario, refresh, export, workspace)  # the order ``--help`` lists them in


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m dashboard", description="Promocast command line")
    sub = p.add_subparsers(dest="command", required=True)
    for group in GROUPS:
        group.add_parsers(sub)
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if getattr(args, "workspace", None) and args.command != "workspace":
            from dashboard.store import workspaces

            workspaces.activate(args.workspace)
        return args.handler(args)
    except (KeyError, RuntimeError, ValueError) as exc:
        print(f"error: {exc.args[0] if exc.args else exc}", file=sys.stderr)
        return 2
