"""What commands print that more than one command prints the same way: refused files, training progress, metrics."""
from __future__ import annotations

import json
import sys


def problems(exc, what: str) -> int:
    """Every problem of a refused file on stderr; exit status 2 (nothing was stored)."""
    print(f"{what} failed: {len(exc.problems)} problem(s); nothing was stored", file=sys.stderr)
    for p in exc.problems:
        print(f"  {p}", file=sys.stderr)
    return 2


def progress_line(p: dict) -> str:
    parts = [f"epoch {p.get('epoch')}/{p.get('epochs', '?')}", f"step {p.get('step')}"]
    if p.get("members"):
        kind = f"network {p['member']}/{p['members']} ({p['network']})" if p.get("network") else \
            f"seed {p['member']}/{p['members']}"
        parts.insert(0, kind)
    if p.get("loss") is not None:
        parts.append(f"loss {p['loss']:.4g}")
    if p.get("val_loss") is not None:
        parts.append(f"val_loss {p['val_loss']:.4g}")
    if p.get("eta_s") is not None:
        parts.append(f"ETA {p['eta_s']:.0f}s")
    return "  " + ", ".join(parts)


def records(frame) -> list[dict]:
    keep = [c for c in frame.columns if c not in ("actual", "forecast")]
    return json.loads(frame[keep].round(3).to_json(orient="records"))
