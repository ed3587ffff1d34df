"""`python -m bench --scale reference|small --json OUT.json`: every figure with its target, as a table.

Reference scale = the reference case (220 stores, 4 regions, 340 SKUs, 156 weeks, ~11 M store rows,
1,360 series). Ratios compare Promocast with a bare reference measured in the same run.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

from .parts import PARTS, Bench


def machine() -> str:
    import torch

    cpu = platform.processor() or platform.machine()
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    gpu = torch.cuda.get_device_name(0) if torch.cuda.is_available() else "no GPU"
    return f"{os.cpu_count()} cores ({cpu}), {mem:.0f} GiB, {gpu}, Python {platform.python_version()}"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench")
    ap.add_argument("--scale", choices=["small", "reference", "store"], default="small",
                    help="store: the reference case at store grain, 1,360 to 74,800 series (bench/store_scale.py)")
    ap.add_argument("--json", default=None, help="write every figure here")
    ap.add_argument("--markdown", default=None, help="write the table here too")
    ap.add_argument("--batches", type=int, default=None, help="training batches per throughput measurement")
    ap.add_argument("--preset", default=None, help="preset for the accuracy leaderboard (default: standard at reference, tiny at small)")
    ap.add_argument("--models", default=None, help="accuracy part: these models only (comma-separated, e.g. "
                    "tft,seasonal-naive,holt-winters,mstl; add tft-fast for the fast preset's check)")
    ap.add_argument("--gpu-batch", action="store_true", help="accuracy part: train the networks with the batch, "
                    "batches per epoch and learning rate a GPU uses (models/torch_process.device_config), on this device")
    ap.add_argument("--keep", action="store_true", help="keep the generated data between runs")
    ap.add_argument("--only", default=None, help=f"comma-separated parts to run ({','.join(PARTS)}); "
                    "parts after import reuse the workspace a previous run left")
    args, rest = ap.parse_known_args(argv)
    if args.scale == "store":  # its own sizes and options: python -m bench.store_scale --help
        from .store_scale import main as store_main

        return store_main(rest + (["--json", args.json] if args.json else []))
    if rest:
        ap.error(f"unrecognized arguments: {' '.join(rest)}")
    only = set(PARTS) if not args.only else {p.strip() for p in args.only.split(",")}
    unknown = only - set(PARTS)
    if unknown:
        ap.error(f"unknown part(s) {', '.join(sorted(unknown))} (choose from {', '.join(PARTS)})")
    b = Bench(args, only)

    def write() -> str:
        result = {"scale": args.scale, "machine": machine(), "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
                  "total_seconds": round(time.perf_counter() - b.t0, 1), "parts": sorted(only, key=PARTS.index),
                  "figures": b.figures, "notes": b.notes, "raw": b.raw}
        table = markdown(result)
        if args.json:
            Path(args.json).write_text(json.dumps(result, indent=1, default=str))
        if args.markdown:
            Path(args.markdown).write_text(table)
        return table

    b.on_log = write
    for part in PARTS:
        if part in only:
            getattr(b, "part_" + part.replace("-", "_"))()
    print(write())
    return 0


def markdown(result: dict) -> str:
    lines = [f"Scale **{result['scale']}** on {result['machine']}, {result['date']}, {result['total_seconds']:.0f} s in all"
             f" (parts: {', '.join(result.get('parts', []))}).", "",
             "| figure | value | target | met | note |", "|---|---|---|---|---|"]
    for f in result["figures"]:
        target = "" if f["target"] is None else (f"{f['target'][0]}-{f['target'][1]}" if f["op"] == "in"
                                                 else f"{f['op']} {f['target']}")
        met = {True: "yes", False: "**no**", None: ""}[f["met"]]
        lines.append(f"| {f['name']} | {f['value']:.3g} {f['unit']} | {target} | {met} | {f['note']} |")
    lines += [""] + [f"- {n}" for n in result.get("notes", [])]
    return "\n".join(lines).rstrip() + "\n"


if __name__ == "__main__":
    sys.exit(main())
