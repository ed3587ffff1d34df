"""`python -m dashboard scenario --run RUN --promo ...`: a what-if forecast of a promotion plan change."""
from __future__ import annotations

import json
import sys
import time

from dashboard import periods
from dashboard.cli import options


def add_parsers(sub) -> None:
    w = sub.add_parser("scenario", help="what-if: forecast a promotion plan change with a trained TFT, LightGBM or LSTM run")
    w.add_argument("--run", required=True, help="run id (python -m dashboard evaluate lists them)")
    w.add_argument("--promo", action="append", default=[],
                   help='"sku=S001,region=North,start=YYYY-MM-DD,weeks=2,discount=25[,type=tpr]" (category= instead of sku= '
                        'for a whole category; months=N instead of weeks= for a monthly dataset; price=1.99 instead of '
                        'discount= for a shelf price; type=price change,price=2.49 for a new regular price)')
    w.add_argument("--temperature-delta", type=float, default=0.0, help="degrees C added to the future weather")
    options.database(w)
    w.set_defaults(handler=run)


def run(args) -> int:
    from dashboard.planning.scenarios import Scenario, deltas, edits_frame, parse_promo, what_if_engine
    from dashboard.store import Store

    store = Store(args.db)
    engine = what_if_engine(store, args.run)
    edits = edits_frame([parse_promo(p, engine.model.config.freq) for p in args.promo])
    t = time.perf_counter()
    res = engine.run(Scenario("cli", edits, args.temperature_delta))
    per = deltas(res["base"], res["forecast"], engine.series, ["sku", "region"])
    per = per.merge(res["changed"][["sku", "region"]], on=["sku", "region"])
    out = {"run_id": args.run, "base_total": round(float(res["base"]["p50"].sum()), 2),
           "scenario_total": round(float(res["forecast"]["p50"].sum()), 2),
           "series": [{"sku": r.sku, "region": r.region, "base_p50": round(r.p50_base, 2), "scenario_p50": round(r.p50_scen, 2),
                       "delta": round(r.delta, 2)} for r in per.itertuples()],
           "warnings": res["warnings"], "seconds": round(time.perf_counter() - t, 2)}
    if args.json:
        print(json.dumps(out))
    else:
        print(f"base {out['base_total']:,.0f} units, scenario {out['scenario_total']:,.0f} units "
              f"({out['scenario_total'] - out['base_total']:+,.0f}) over the next "
              f"{periods.of(engine.model.config.freq).count(engine.horizon)}")
        print(per[["sku", "region", "p50_base", "p50_scen", "delta", "delta_pct"]].round(1).to_string(index=False))
        for w in out["warnings"]:
            print(f"warning: {w}", file=sys.stderr)
    return 0
