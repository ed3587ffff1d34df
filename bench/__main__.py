"""`python -m bench --scale reference|small --json OUT.json`: every figure with its target, as a table.

Reference scale = the reference case (220 stores, 4 regions, 340 SKUs, 156 weeks, ~11 M store rows,
1,360 series). Ratios compare Promocast with a bare reference measured in the same run.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sys
import time
from pathlib import Path

from .measure import run_task

OUT = Path(__file__).resolve().parent / "out"


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


def fig(name, value, unit, target=None, op="<=", note=""):
    met = None
    if target is not None and value is not None:
        met = bool(value <= target) if op == "<=" else bool(value >= target)
    return {"name": name, "value": None if value is None else round(float(value), 4), "unit": unit,
            "target": target, "op": op if target is not None else None, "met": met, "note": note}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench")
    ap.add_argument("--scale", choices=["small", "reference"], default="small")
    ap.add_argument("--json", default=None, help="write every figure here")
    ap.add_argument("--markdown", default=None, help="write the table here too")
    ap.add_argument("--batches", type=int, default=None, help="training batches per throughput measurement")
    ap.add_argument("--preset", default=None, help="preset for the accuracy leaderboard (default: fast at reference, tiny at small)")
    ap.add_argument("--keep", action="store_true", help="keep the generated data between runs")
    args = ap.parse_args(argv)
    small = args.scale == "small"
    base = OUT / args.scale
    data, ws = base / "data", base / "ws"
    shutil.rmtree(ws, ignore_errors=True)
    ws.mkdir(parents=True)
    threads = os.cpu_count() or 1
    batches = args.batches or (4 if small else 60)
    figures, raw = [], {}
    t_all = time.perf_counter()

    def log(msg):
        print(f"[{time.perf_counter() - t_all:6.0f}s] {msg}", file=sys.stderr, flush=True)

    if not (data / "sales.csv").exists() or not args.keep:
        raw["generate"] = run_task("generate", out_dir=str(data), scale=args.scale)
        log(f"generated {args.scale} data in {raw['generate']['seconds']:.1f}s")
    sales = str(data / "sales.csv")
    # best of two, interleaved, for both sides of the ratio (the first read of a 600 MB file also warms the page cache)
    bares, ourss = [], []
    for i in range(2):
        bares.append(run_task("import_bare_duckdb", path=sales))
        shutil.rmtree(ws, ignore_errors=True)  # a fresh database each time: a stored dataset would be a no-op
        ws.mkdir(parents=True)
        ourss.append(run_task("import_promocast", data_dir=str(data), ws=str(ws)))
    bare = raw["import_bare_duckdb"] = min(bares, key=lambda r: r["seconds"])
    ours = raw["import_promocast"] = min(ourss, key=lambda r: r["seconds"])
    ours["peak_mb"] = max(r["peak_mb"] for r in ourss)
    pand = raw["import_pandas"] = run_task("import_pandas", path=sales)
    prof = raw["import_breakdown"] = run_task("import_breakdown", path=sales)
    log(f"import: bare {bare['seconds']:.1f}s, pandas {pand['seconds']:.1f}s, promocast {ours['seconds']:.1f}s")
    figures += [
        fig("import: Promocast / bare DuckDB (time)", ours["seconds"] / bare["seconds"], "x", 1.3,
            note=f"{ours['seconds']:.1f}s vs {bare['seconds']:.1f}s; {ours['source_rows']:,} rows; its scan (each alone): "
                 f"roll-up {prof['read_typed_groupby']:.1f}s, with duplicate keys {prof['plus_duplicate_keys']:.1f}s, "
                 f"with rule checks {prof['plus_checks']:.1f}s, everything {prof['full_scan']:.1f}s"),
        fig("import: pandas / bare DuckDB (time)", pand["seconds"] / bare["seconds"], "x", note=f"{pand['seconds']:.1f}s"),
        fig("import: Promocast peak memory", ours["peak_mb"], "MB", 1536,
            note=f"bare DuckDB {bare['peak_mb']:.0f} MB, pandas {pand['peak_mb']:.0f} MB"),
    ]
    frame = str(ws / "frame.parquet")
    raw["frame"] = run_task("build_frame", ws=str(ws), out=frame)
    log(f"model frame: {raw['frame']['rows']:,} rows, {raw['frame']['series']} series in {raw['frame']['seconds']:.1f}s")
    figures.append(fig("model frame (features for training and what-if)", raw["frame"]["seconds"], "s",
                       note=f"{raw['frame']['rows']:,} rows, {raw['frame']['series']} series"))
    for model in ("tft", "lstm"):
        b = raw[f"train_bare_{model}"] = run_task("train_bare", frame_path=frame, model=model, batches=batches, threads=threads)
        p = raw[f"train_promocast_{model}"] = run_task("train_promocast", frame_path=frame, model=model, batches=batches, threads=threads)
        figures.append(fig(f"training {model.upper()}: Promocast / bare loop (samples/s)", p["samples_per_s"] / b["samples_per_s"],
                           "x", 0.9, ">=", f"{p['samples_per_s']:.0f} vs {b['samples_per_s']:.0f} samples/s, {threads} threads"))
        log(f"train {model}: promocast {p['samples_per_s']:.0f}/s, bare {b['samples_per_s']:.0f}/s")
    hw = raw["holt_winters"] = run_task("holt_winters", frame_path=frame)
    figures.append(fig(f"Holt-Winters fit + forecast, {hw['series']} series", hw["seconds"], "s", 30))
    log(f"holt-winters {hw['seconds']:.1f}s")
    preset = args.preset or "fast"
    acc = raw["accuracy"] = run_task("accuracy", ws=str(ws), frame_path=frame, preset=preset, tiny=small and not args.preset)
    m = acc["models"]
    for name, r in m.items():
        figures.append(fig(f"accuracy {name} ({'tiny' if small and not args.preset else preset}): WAPE", r["wape"], "%",
                           note=f"MAPE {r['mape']:.1f} %, MASE {r['mase']:.2f}, {r['seconds']:.0f}s"))
    figures.append(fig("accuracy: TFT / Holt-Winters MAPE", m["tft"]["mape"] / m["holt-winters"]["mape"], "x",
                       note="the reference case reported 8.3 / 14.2 = 0.58"))
    figures.append(fig("accuracy: TFT / Holt-Winters WAPE", m["tft"]["wape"] / m["holt-winters"]["wape"], "x", 1.0))
    log("accuracy: " + ", ".join(f"{k} WAPE {v['wape']:.1f}" for k, v in m.items()))
    wi = raw["whatif"] = run_task("whatif", ws=str(ws), run_id=m["tft"]["run_id"])
    figures += [fig("what-if: one SKU x region", wi["one_series_s"], "s", 1.0,
                    note=f"re-forecasts {wi['one_series_reforecast']} series (the category in that region)"),
                fig(f"what-if: all {wi['all_series']} series", wi["all_series_s"], "s", 10.0,
                    note=f"model load + base forecast once: {wi['setup_s']:.1f}s")]
    log(f"what-if one {wi['one_series_s']:.2f}s, all {wi['all_series_s']:.2f}s")
    pg = raw["pages"] = run_task("pages", ws=str(ws))
    for page, t in pg["pages"].items():
        figures.append(fig(f"page {page}: server render from cache", t["warm_s"], "s", 0.5, note=f"first visit {t['cold_s']:.2f}s (with AppTest's one-off component scan)"))
    log("pages: " + ", ".join(f"{p} {t['warm_s']:.2f}s" for p, t in pg["pages"].items()))
    result = {"scale": args.scale, "machine": machine(), "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
              "total_seconds": round(time.perf_counter() - t_all, 1), "figures": figures, "raw": raw}
    table = markdown(result)
    print(table)
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=1, default=str))
    if args.markdown:
        Path(args.markdown).write_text(table)
    return 0


def markdown(result: dict) -> str:
    lines = [f"Scale **{result['scale']}** on {result['machine']}, {result['date']}, {result['total_seconds']:.0f} s in all.", "",
             "| figure | value | target | met | note |", "|---|---|---|---|---|"]
    for f in result["figures"]:
        target = f"{f['op']} {f['target']}" if f["target"] is not None else ""
        met = {True: "yes", False: "**no**", None: ""}[f["met"]]
        lines.append(f"| {f['name']} | {f['value']:.3g} {f['unit']} | {target} | {met} | {f['note']} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
