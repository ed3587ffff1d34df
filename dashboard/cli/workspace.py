"""`python -m dashboard workspace create|list|archive`: one workspace per client."""
from __future__ import annotations

import json


def add_parsers(sub) -> None:
    k = sub.add_parser("workspace", help="create, list or archive client workspaces (dashboard/store/workspaces.py)")
    k.add_argument("action", choices=["create", "list", "archive"])
    k.add_argument("name", nargs="?")
    k.add_argument("--all", action="store_true", help="list archived workspaces too")
    k.add_argument("--json", action="store_true")
    k.set_defaults(handler=run)


def run(args) -> int:
    from dashboard.store import workspaces

    if args.action == "list":
        items = workspaces.listing(args.all)
        print(json.dumps(items) if args.json else "\n".join(
            f"{w['name']}{' (archived)' if w['archived'] else ''}\t{w['path']}" for w in items))
        return 0
    if not args.name:
        raise ValueError(f"workspace {args.action} needs a NAME")
    done = {"create": lambda: str(workspaces.create(args.name)), "archive": lambda: workspaces.archive(args.name)}
    folder = done[args.action]()
    print(json.dumps({"name": args.name, "action": args.action, "path": folder}) if args.json
          else f"{args.action}d workspace {args.name}" + (f" at {folder}" if folder else ""))
    return 0
