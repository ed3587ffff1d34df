"""The bench's parts, each run alone with `--only PART[,PART]`; every measurement runs in its own process."""
from __future__ import annotations

import os
import shutil
import sys
import time
from pathlib import Path

from .measure import run_task

OUT = Path(__file__).resolve().parent / "out"
PARTS = ("import", "frame", "training", "profile", "holt-winters", "accuracy", "whatif", "promotions", "pages")
BASELINES = ("seasonal-naive", "holt-winters", "mstl")


def fig(name, value, unit, target=None, op="<=", note=""):
    met = None
    if target is not None and value is not None:
        if op == "in":  # a range [low, high]
            met = bool(target[0] <= value <= target[1])
        else:
            met = bool(value <= target) if op == "<=" else bool(value >= target)
    return {"name": name, "value": None if value is None else round(float(value), 4), "unit": unit,
            "target": target, "op": op if target is not None else None, "met": met, "note": note}


class Bench:
    """Adds figures (with their targets), notes and raw measurements, part by part."""

    def __init__(self, args, only: set[str]):
        self.args, self.only = args, only
        self.small = args.scale == "small"
        base = OUT / args.scale
        self.data, self.ws = base / "data", base / "ws"
        self.frame = str(self.ws / "frame.parquet")
        self.threads = os.cpu_count() or 1
        self.batches = args.batches or (4 if self.small else 60)
        self.figures, self.notes, self.raw = [], [], {}
        self.on_log = None
        self.t0 = time.perf_counter()
        if "import" not in only and not (self.ws / "promocast.duckdb").exists():
            sys.exit(f"bench: no workspace at {self.ws}: run the import part first (python -m bench --scale {args.scale})")
        if "frame" not in only and only & {"training", "profile", "holt-winters", "accuracy"} and not Path(self.frame).exists():
            only.add("frame")

    def log(self, msg):
        print(f"[{time.perf_counter() - self.t0:6.0f}s] {msg}", file=sys.stderr, flush=True)
        if self.on_log:
            self.on_log()  # the JSON so far: a part stopped by a time limit keeps what it measured

    def part_import(self):
        ws, data = self.ws, self.data
        shutil.rmtree(ws, ignore_errors=True)
        ws.mkdir(parents=True)
        if not (data / "sales.csv").exists() or not self.args.keep:
            self.raw["generate"] = run_task("generate", out_dir=str(data), scale=self.args.scale)
            self.log(f"generated {self.args.scale} data in {self.raw['generate']['seconds']:.1f}s")
        sales = str(data / "sales.csv")
        # best of three, interleaved, for both sides of the ratio (the first read of a 600 MB file also warms the page cache)
        bares, ourss = [], []
        for _ in range(3):
            bares.append(run_task("import_bare_duckdb", path=sales))
            shutil.rmtree(ws, ignore_errors=True)  # a fresh database each time: a stored dataset would be a no-op
            ws.mkdir(parents=True)
            ourss.append(run_task("import_promocast", data_dir=str(data), ws=str(ws)))
        bare = self.raw["import_bare_duckdb"] = min(bares, key=lambda r: r["seconds"])
        ours = self.raw["import_promocast"] = min(ourss, key=lambda r: r["seconds"])
        ours["peak_mb"] = max(r["peak_mb"] for r in ourss)
        pand = self.raw["import_pandas"] = run_task("import_pandas", path=sales)
        prof = self.raw["import_breakdown"] = run_task("import_breakdown", path=sales)
        self.log(f"import: bare {bare['seconds']:.1f}s, pandas {pand['seconds']:.1f}s, promocast {ours['seconds']:.1f}s")
        self.figures += [
            fig("import: Promocast / bare DuckDB (time)", ours["seconds"] / bare["seconds"], "x", 1.5,
                note=f"{ours['seconds']:.1f}s vs {bare['seconds']:.1f}s; {ours['source_rows']:,} rows; its scan (each alone): "
                     f"roll-up {prof['read_typed_groupby']:.1f}s, with duplicate keys {prof['plus_duplicate_keys']:.1f}s, "
                     f"with rule checks {prof['plus_checks']:.1f}s, everything row by row {prof['full_scan']:.1f}s, "
                     f"everything grouped by the keys as written (the import's scan of a clean file) {prof['keyed_scan']:.1f}s"),
            fig("import: pandas / bare DuckDB (time)", pand["seconds"] / bare["seconds"], "x", note=f"{pand['seconds']:.1f}s"),
            fig("import: Promocast peak memory", ours["peak_mb"], "MB", 1536,
                note=f"bare DuckDB {bare['peak_mb']:.0f} MB, pandas {pand['peak_mb']:.0f} MB"),
        ]

    def part_frame(self):
        r = self.raw["frame"] = run_task("build_frame", ws=str(self.ws), out=self.frame)
        self.log(f"model frame: {r['rows']:,} rows, {r['series']} series in {r['seconds']:.1f}s")
        self.figures.append(fig("model frame (features for training and what-if)", r["seconds"], "s",
                                note=f"{r['rows']:,} rows, {r['series']} series"))

    def part_training(self):
        for model in ("tft", "lstm"):
            b = self.raw[f"train_bare_{model}"] = run_task("train_bare", frame_path=self.frame, model=model,
                                                           batches=self.batches, threads=self.threads)
            p = self.raw[f"train_promocast_{model}"] = run_task("train_promocast", frame_path=self.frame, model=model,
                                                                batches=self.batches, threads=self.threads)
            self.figures.append(fig(
                f"training {model.upper()}: Promocast / bare loop (samples/s)", p["samples_per_s"] / b["samples_per_s"],
                "x", 2.0 if model == "tft" else 1.0, ">=",
                f"{p['samples_per_s']:.0f} samples/s (tensor path, batch {p['batch_size']}) vs {b['samples_per_s']:.0f} "
                f"(TimeSeriesDataSet DataLoader, batch {b['batch_size']}), {self.threads} threads, {p['device']}"))
            self.log(f"train {model}: promocast {p['samples_per_s']:.0f}/s, bare {b['samples_per_s']:.0f}/s")
        if _cuda():
            for bs in (2048,):  # the standard preset's batch on a GPU (models/torch_process.device_config)
                fp = self.raw[f"full_pass_{bs}"] = run_task("full_pass", frame_path=self.frame, threads=self.threads,
                                                            batch_size=bs)
                self.figures.append(fig(f"GPU: one pass over every training window (TFT standard, batch {bs})",
                                        fp["seconds"], "s", 15.0,
                                        note=f"{fp['windows']:,} windows, {fp['windows'] / fp['seconds']:,.0f} samples/s, "
                                             f"{fp['gpu']}"))
        else:
            self.notes.append("GPU figures (one pass over every training window <= 15 s; standard training <= 2 min): "
                              "not measured, no GPU on this machine.")

    def part_profile(self):
        self.raw["profile"] = {}
        for model in ("tft", "lstm"):
            for bs in ((64,) if self.small else (128, 512)):
                r = run_task("profile_step", frame_path=self.frame, model=model, threads=self.threads, batch_size=bs,
                             steps=2 if self.small else 8)
                self.raw["profile"][f"{model}_{bs}"] = r
                self.figures.append(fig(f"profile {model.upper()} step, batch {bs} ({r['device']})", r["step_ms"], "ms",
                                        note=_profile_note(r)))
                self.log(f"profile {model} {bs}: {r['step_ms']:.0f} ms/step")

    def part_holt_winters(self):
        hw = self.raw["holt_winters"] = run_task("holt_winters", frame_path=self.frame)
        self.figures.append(fig(f"Holt-Winters fit + forecast, {hw['series']} series", hw["seconds"], "s", 30))
        self.log(f"holt-winters {hw['seconds']:.1f}s")
        ms = self.raw["mstl"] = run_task("holt_winters", frame_path=self.frame, model="mstl")
        self.figures.append(fig(f"MSTL fit + forecast, {ms['series']} series", ms["seconds"], "s",
                                note="statsforecast MSTL(52) with an AutoETS trend, spawned pool"))
        self.log(f"mstl {ms['seconds']:.1f}s")

    def part_accuracy(self):
        tiny = self.small and not self.args.preset
        preset = self.args.preset or ("fast" if self.small else "standard")
        label = "tiny" if tiny else preset
        models = self.args.models.split(",") if self.args.models else None
        acc = self.raw["accuracy"] = run_task("accuracy", ws=str(self.ws), frame_path=self.frame, preset=preset, tiny=tiny,
                                              models=models, gpu_batch=self.args.gpu_batch)
        m = acc["models"]
        for name, r in m.items():
            if name in ("tft-fast", "recommended"):
                continue
            extra = f", {r['epochs']} epochs (best {r['best_epoch']}), {r['device']}" if r.get("epochs") else ""
            self.figures.append(fig(f"accuracy {name} ({label}): WAPE", r["wape"], "%",
                                    note=f"MAPE {r['mape']:.1f} %, MASE {r['mase']:.2f}, {r['seconds']:.0f}s{extra}"))
        for name, r in m.items():
            if r.get("coverage") is not None:
                self.figures.append(fig(f"band coverage {name} ({label}): hold-out in P10-P90", r["coverage"], "%",
                                        None if tiny else [75, 85], "in",
                                        note=f"{r['coverage_raw']:.1f} % before calibration on the validation weeks"))
        have = [k for k in BASELINES if k in m]
        if not have:
            self.log("accuracy: no baseline trained, no ratios")
            return
        best = min(have, key=lambda k: m[k]["wape"])
        if "recommended" in m:
            r = m["recommended"]
            self.figures.append(fig(f"{label} recommended at {self.args.scale} scale: WAPE / best baseline",
                                    r["wape"] / m[best]["wape"], "x", None if tiny else 1.0,
                                    note=f"{r['wape']:.1f} vs {best} {m[best]['wape']:.1f}; made of {r['made_of']}"))
        if "tft-fast" in m:
            self.figures.append(fig(f"fast TFT at {self.args.scale} scale: WAPE / seasonal naive",
                                    m["tft-fast"]["wape"] / m["seasonal-naive"]["wape"], "x", 1.0,
                                    note=f"{m['tft-fast']['wape']:.1f} vs {m['seasonal-naive']['wape']:.1f}, "
                                         f"{m['tft-fast']['seconds']:.0f}s"))
        scale = self.args.scale
        if "tft" in m:
            gpu = m["tft"].get("device") == "cuda"
            self.figures += [
                fig(f"{label} TFT at {scale} scale: seconds" + (" (GPU)" if gpu else ""), m["tft"]["seconds"], "s",
                    None if tiny else (120 if gpu else 1200),
                    note="training to early stopping + hold-out and future forecasts, "
                         + (_gpu_name() if gpu else f"{self.threads} threads")),
                fig(f"{label} TFT at {scale} scale: WAPE / best baseline", m["tft"]["wape"] / m[best]["wape"], "x",
                    None if tiny else 0.85, note=f"{m['tft']['wape']:.1f} vs {best} {m[best]['wape']:.1f}"),
            ]
        if "lstm" in m:
            self.figures.append(fig(f"{label} LSTM at {scale} scale: WAPE / best baseline", m["lstm"]["wape"] / m[best]["wape"],
                                    "x", None if tiny else 1.0, note=f"{m['lstm']['wape']:.1f} vs {best} {m[best]['wape']:.1f}"))
        if "lightgbm" in m:
            r = m["lightgbm"]
            self.figures += [
                fig(f"{label} lightgbm at {scale} scale: seconds", r["seconds"], "s", None if tiny else 60,
                    note=f"fit of 3 target candidates and the final model, one fit per earlier validation window "
                         f"+ hold-out and future forecasts, {self.threads} threads"),
                fig(f"{label} lightgbm at {scale} scale: WAPE / best baseline", r["wape"] / m[best]["wape"], "x",
                    None if tiny else 1.0, note=f"{r['wape']:.1f} vs {best} {m[best]['wape']:.1f}")]
        singles = {k: v for k, v in m.items() if k not in ("recommended", "tft-fast")}
        if "recommended" in m and len(singles) > 1:
            top = min(singles, key=lambda k: singles[k]["wape"])
            self.figures.append(fig(f"{label} recommended - best single model at {scale} scale: WAPE points",
                                    m["recommended"]["wape"] - singles[top]["wape"], "points", None if tiny else 0.5,
                                    note=f"recommended {m['recommended']['wape']:.2f} vs {top} {singles[top]['wape']:.2f}"))
        if "tft" in m and "holt-winters" in m:
            self.figures += [
                fig("accuracy: TFT / Holt-Winters MAPE", m["tft"]["mape"] / m["holt-winters"]["mape"], "x",
                    note=f"{m['tft']['mape']:.1f} vs {m['holt-winters']['mape']:.1f}; the reference case reported 8.3 / 14.2 = 0.58"),
                fig("accuracy: TFT / Holt-Winters WAPE", m["tft"]["wape"] / m["holt-winters"]["wape"], "x", 1.0),
            ]
        self.log("accuracy: " + ", ".join(f"{k} WAPE {v['wape']:.1f}" for k, v in m.items()))

    def tft_run(self) -> str:
        """The accuracy part's TFT run, or (``--only``) the newest TFT run a previous bench left in the workspace."""
        run_id = ((self.raw.get("accuracy") or {}).get("models") or {}).get("tft", {}).get("run_id")
        if run_id:
            return run_id
        import duckdb

        with duckdb.connect(str(self.ws / "promocast.duckdb"), read_only=True) as con:
            row = con.execute("SELECT id FROM runs WHERE model = ? ORDER BY created_at DESC LIMIT 1", ["tft"]).fetchone()
        if not row:
            sys.exit("bench: no TFT run in the workspace: run the accuracy part first")
        return row[0]

    def part_whatif(self):
        run_id = self.tft_run()
        wi = self.raw["whatif"] = run_task("whatif", ws=str(self.ws), run_id=run_id)
        self.figures += [fig("what-if: first visit (model, frame, base forecast)", wi["setup_s"], "s", 2.0,
                             note=f"the forecasting libraries' import, done once per server as it starts: {wi.get('imports_s', 0):.1f}s"),
                         fig("what-if: one SKU x region", wi["one_series_s"], "s", 1.0,
                             note=f"re-forecasts {wi['one_series_reforecast']} series (the category in that region)"),
                         fig(f"what-if: all {wi['all_series']} series", wi["all_series_s"], "s", 10.0)]
        self.log(f"what-if one {wi['one_series_s']:.2f}s, all {wi['all_series_s']:.2f}s")

    def part_promotions(self):
        pr = self.raw["promotions"] = run_task("promotions", ws=str(self.ws), run_id=self.tft_run())
        self.figures += [fig(f"promotions: the whole {pr['weeks']}-week plan decomposed ({pr['promotions']} promotions, "
                             f"{pr['series']} series)", pr["plan_s"], "s", 5.0,
                             note=f"model + frame load once {pr['load_s']:.1f}s; one counterfactual pass "
                                  f"{pr['counterfactual_s']:.2f}s (predict: {pr['predict_s']:.2f}s); past promotions ({pr['past_promotions']}) "
                                  f"{pr['past_s']:.1f}s; uplift curve {pr['response_s']:.1f}s")]
        self.log(f"promotions: plan {pr['plan_s']:.2f}s, past {pr['past_s']:.2f}s, response {pr['response_s']:.2f}s")

    def part_pages(self):
        pg = self.raw["pages"] = run_task("pages", ws=str(self.ws))
        for page, t in pg["pages"].items():
            self.figures.append(fig(f"page {page}: server render from cache", t["warm_s"], "s", 0.5,
                                    note=f"first visit {t['cold_s']:.2f}s (with AppTest's one-off component scan)"))
        self.log("pages: " + ", ".join(f"{p} {t['warm_s']:.2f}s" for p, t in pg["pages"].items()))


def _gpu_name() -> str:
    import torch

    return torch.cuda.get_device_name(0) if torch.cuda.is_available() else "no GPU"


def _cuda() -> bool:
    import torch

    return torch.cuda.is_available()


def _profile_note(r: dict) -> str:
    step = r["step_ms"]
    parts = ", ".join(f"{k} {v:.0f} ms ({100 * v / step:.0f} %)" for k, v in r["parts_ms"].items())
    fwd = ", ".join(f"{k} {v:.0f}" for k, v in sorted(r["forward_blocks_ms"].items(), key=lambda kv: -kv[1]))
    return (f"{r['samples_per_s']:.0f} samples/s; {parts}; forward by block (ms): {fwd}; "
            f"TimeSeriesDataSet's DataLoader would take {r['dataloader_ms']:.0f} ms for this batch")
