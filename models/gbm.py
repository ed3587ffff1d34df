"""One global LightGBM over every series (through Nixtla's mlforecast), forecasting recursively.

``fit`` holds out the last ``horizon`` training weeks and trains one model per target candidate on the weeks
before them: log1p units with an L2 loss, units standardised per series with an L2 loss, and raw units with a
Tweedie loss (for intermittent series). log1p stays unless another candidate's WAPE on the held-out weeks is
more than 3 % lower (``choose_target``); the winner
model is kept for forecasts made from before those weeks (the validation forecast the recommendation and the
bands are chosen on stays out of sample, as the networks' early-stopping window is), and the winner is trained
again on every training week for the hold-out and future forecasts. Its P10/P90 come from the winner's
errors on the held-out weeks, per forecast step, on the log scale (the pipeline then calibrates them as it does
every model's).

Recursive, not direct: one model whose lag 1 at step k is its own forecast of step k-1, rather than 13 models
(one per step) at 13x the training time; see docs/models.md for the measurement.
"""
from __future__ import annotations

import pickle
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from . import gbm_features as gf
from .base import Forecaster, cap_runaway, future_rows, ordered, wape

TARGETS = ("log1p", "scaled", "tweedie")  # the candidates fit chooses between on its held-out weeks
SEARCH_SERIES = 5000  # the target candidates are compared on this many series drawn at random where there are more
SMALL_PANEL, SMALL_PANEL_SEEDS = 500, 3  # standard preset, up to this many series: 3 seeds averaged (a fit 5 -> 9 s
# on pasta); hold-out over 3 runs each: pasta WAPE 34.33 -> 34.16, Stallion MAE 253.9 -> 251.7 (bench/results/
# gbm-variants-pasta-seeds.json, gbm-variants-stallion.json); the thorough preset averages 3 anyway
SWITCH = 0.03  # another target replaces log1p when it is this much better (relative WAPE) on the held-out weeks


def _regressor(config, target: str, trees: int | None = None, seed: int | None = None):
    import lightgbm as lgb

    params = dict(n_estimators=int(trees or config.gbm_trees), num_leaves=int(config.gbm_leaves),
                  learning_rate=float(config.gbm_learning_rate), min_child_samples=20, subsample=0.8, subsample_freq=1,
                  colsample_bytree=0.8, n_jobs=max(1, int(config.threads)),
                  random_state=int(config.seed if seed is None else seed),
                  verbosity=-1)
    if target == "tweedie":
        params.update(objective="tweedie", tweedie_variance_power=1.2)
    return lgb.LGBMRegressor(**params)


def _transforms(target: str) -> list:
    from mlforecast.target_transforms import GlobalSklearnTransformer, LocalStandardScaler
    from sklearn.preprocessing import FunctionTransformer

    if target == "log1p":
        return [GlobalSklearnTransformer(FunctionTransformer(np.log1p, np.expm1, validate=False))]
    if target == "scaled":
        return [LocalStandardScaler()]
    return []


def choose_target(scores: dict[str, float]) -> str:
    """log1p unless another target's WAPE on the held-out weeks is lower by more than ``SWITCH`` of log1p's: one
    13-week window at one seed is noisy (on pasta, seed 52 chose Tweedie at 37.96 vs 38.42 and then scored 36.45 on
    the hold-out where log1p scored 34.36; `python -m bench.gbm_variants pasta`)."""
    finite = {t: v for t, v in scores.items() if np.isfinite(v)}
    if not finite:
        return next(iter(scores))
    best = min(finite, key=lambda t: (finite[t], TARGETS.index(t)))
    base = finite.get("log1p")
    return best if base is None or finite[best] < base * (1 - SWITCH) else "log1p"


def series_count(frame: pd.DataFrame) -> int:
    return int(frame[["sku", "region"]].drop_duplicates().shape[0])


def search_sample(early_data: pd.DataFrame, train: pd.DataFrame, candidates: int, seed: int):
    """(long-format rows, model-frame rows) the target candidates are fitted and scored on: every series, or
    ``SEARCH_SERIES`` of them drawn with the run's seed where there are more (at store grain three fits on
    every series' rows were most of the time; the chosen target's early model then learns every series)."""
    ids = early_data["unique_id"]
    labels = ids.cat.categories if hasattr(ids, "cat") else pd.Index(ids.unique())
    if candidates < 2 or len(labels) <= SEARCH_SERIES:
        return early_data, train
    rng = np.random.default_rng(int(seed))
    keep = set(rng.choice(np.asarray(labels, dtype=object), SEARCH_SERIES, replace=False))
    return early_data[ids.isin(keep).to_numpy()], train[gf.series_ids(train).isin(keep)]


def member_frames(members: pd.DataFrame | None, out: pd.DataFrame) -> list[pd.DataFrame]:
    """Each seed's own forecast (``members``: unique_id, ds and a column per seed) shaped as ``out``, its band
    scaled with it, so a run reports the spread between seeds as the networks' do; empty with one seed."""
    if members is None:
        return []
    m = members.copy()
    ids = m.pop("unique_id").str.split("|", n=1, expand=True)
    m["sku"], m["region"], m["ds"] = ids[0], ids[1], pd.to_datetime(m["ds"])
    keyed = out.assign(ds=pd.to_datetime(out["week"]), sku=out["sku"].astype(str), region=out["region"].astype(str))
    keyed = keyed.merge(m, on=["sku", "region", "ds"], how="left")
    frames = []
    for name in m.columns.drop(["sku", "region", "ds"]):
        r = (keyed[name].fillna(0.0).clip(lower=0) / keyed["p50"].where(keyed["p50"] > 0)).fillna(1.0).to_numpy()
        frames.append(ordered(out.assign(p50=out["p50"].to_numpy() * r, p10=out["p10"].to_numpy() * r,
                                         p90=out["p90"].to_numpy() * r)))
    return frames


class LightGBMForecaster(Forecaster):
    name = "lightgbm"

    def __init__(self, config):
        super().__init__(config)
        self.final = None        # the winner trained on every training week
        self.early = None        # the winner trained on the weeks before the last ``horizon``: forecasts from there
        self.early_end = -1      # last time_idx the early model trained on
        self.categories: dict[str, list] = {}
        self.inputs: list[str] = []  # the known inputs read from the model frame (models/gbm_features.py)
        self.spread: np.ndarray | None = None  # (horizon, 2): P10/P90 of log((actual+1)/(forecast+1)) per step
        self.training_log: dict = {}
        self.capped_series: list[str] = []
        self._last_features: list[pd.DataFrame] = []
        self._last_members: pd.DataFrame | None = None  # each seed's forecast of the last predict, several seeds
        self.member_frames: list[pd.DataFrame] = []
        self._start = -1
        self._final_end = -1

    # ---- training --------------------------------------------------------------------------------------------
    def _mlf(self, target: str):
        from mlforecast import MLForecast

        return MLForecast(models={}, freq=self.period.pandas, lags=gf.lags(self.period),
                          lag_transforms=gf.lag_transforms(self.period),
                          target_transforms=_transforms(target), num_threads=1)

    def _train(self, data: pd.DataFrame, target: str, report=None, seeds: int = 1, into=None):
        """An mlforecast pipeline with ``seeds`` LightGBMs trained on ``data`` (long format) from seeds ``seed``,
        ``seed + 1``, ... (their row and column subsamples differ); forecasts average them. ``into``: a pipeline
        already trained on the same data, whose members are kept and completed. Training rows keep their missing
        lags (a young series' first year still teaches the model)."""
        mlf = into or self._mlf(target)
        X, y = mlf.preprocess(data, static_features=list(self.categories), dropna=False, return_X_y=True)
        X = X.astype({c: np.float32 for c, t in X.dtypes.items() if t == np.float64})  # lags: LightGBM bins them
        cats = [c for c in self.categories if c in X.columns]
        members = dict(into.models_) if into is not None else {}
        for i in range(len(members), max(1, int(seeds))):
            reg = _regressor(self.config, target, seed=int(self.config.seed) + i)
            reg.fit(X, y, categorical_feature=cats, callbacks=[report()] if report else None)
            members["lgb" if i == 0 else f"lgb{i}"] = reg
        mlf.models_ = members
        return mlf

    def _scored(self, mlf, train: pd.DataFrame, cut: int) -> tuple[float, pd.DataFrame]:
        p = self._raw(mlf, train, cut)
        j = p.merge(train[["sku", "region", "time_idx", "units"]], on=["sku", "region", "time_idx"])
        return wape(j["units"].to_numpy(float), j["p50"].to_numpy(float)), j

    def fit(self, train: pd.DataFrame, progress=None) -> None:
        t0 = time.time()
        h = int(self.config.horizon)
        seeds = max(1, int(getattr(self.config, "seeds", 1) or 1))
        if getattr(self.config, "preset", "") == "standard" and seeds == 1 and series_count(train) <= SMALL_PANEL:
            seeds = SMALL_PANEL_SEEDS
        self.categories = {c: sorted({str(v) for v in pd.unique(train[c])}) for c in gf.statics(train)}
        self.inputs = gf.known(train, self.period)
        data = gf.long_format(train, self.categories, self.inputs)
        last = int(train["time_idx"].max())
        cut = last - h + 1  # the held-out weeks: cut .. last
        week_of = dict(zip(train["time_idx"], pd.to_datetime(train["week"])))
        early_data = data[data["ds"] < week_of[cut]] if cut in week_of else data
        targets = [t for t in TARGETS if t != "tweedie" or (train["units"] >= 0).all()]
        chosen = getattr(self.config, "gbm_target", "auto")
        if chosen != "auto":
            if chosen not in TARGETS:
                raise ValueError(f"gbm_target '{chosen}': choose auto or one of {', '.join(TARGETS)}")
            targets = [chosen]
        # one per target (on a sample of series when there are many), the winner's other seeds, the final seeds
        fits = len(targets) + (seeds - 1) + seeds + int(len(targets) > 1 and series_count(train) > SEARCH_SERIES)
        trees = int(self.config.gbm_trees)
        done_fits = [0]

        def reporter(note: str):
            def make():
                k = done_fits[0]
                done_fits[0] += 1

                def report(env):
                    it = env.iteration + 1
                    if progress and (it % 50 == 0 or it == trees):
                        done = (k * trees + it) / (fits * trees)
                        el = time.time() - t0
                        progress({"epoch": k + 1, "epochs": fits, "step": k * trees + it, "steps": fits * trees,
                                  "loss": None, "eta_s": round(el / done * (1 - done), 1) if done else None,
                                  "note": f"LightGBM {note}"})
                return report
            return make

        scores, models, preds = {}, {}, {}
        # _raw reads units before ``cut`` only (its leak test: tests/unit/models/test_gbm.py), so the training frame
        # serves as it is: no masked copy (3 GB at store grain)
        search_data, search_train = search_sample(early_data, train, len(targets), self.config.seed)
        for target in targets:
            mlf = self._train(search_data, target, reporter(target))
            scores[target], preds[target] = self._scored(mlf, search_train, cut)
            models[target] = mlf
        best = choose_target(scores)
        early = models[best]
        if search_data is not early_data:  # chosen on a sample of series: the early model learns them all
            del search_data, search_train, models, preds
            early = self._train(early_data, best, reporter(f"{best}, every series"))
            preds = {best: self._scored(early, train, cut)[1]}
        if seeds > 1:  # the validation forecast comes from the same ensemble the hold-out's does
            early = self._train(early_data, best, reporter(f"{best}, seeds"), seeds, into=early)
            _, preds[best] = self._scored(early, train, cut)
        del early_data
        self.early, self.early_end = early, cut - 1
        j = preds[best]
        err = np.log1p(j["units"].clip(lower=0)) - np.log1p(j["p50"].clip(lower=0))
        step = (j["time_idx"] - cut).to_numpy()
        self.spread = np.array([[np.nanquantile(err[step == s], 0.1), np.nanquantile(err[step == s], 0.9)]
                                if (step == s).any() else [-0.3, 0.3] for s in range(h)])
        self.final = self._train(data, best, reporter("final fit"), seeds)
        self._final_end = last
        self.training_log = {"target": best, "validation_wape": {t: round(s, 3) for t, s in scores.items()},
                             "trees": trees, "seeds": seeds, "features": list(self.final.ts.features_order_),
                             "fit_s": round(time.time() - t0, 1)}  # features: lags included
        if progress:
            progress({"epoch": fits, "epochs": fits, "step": fits * trees, "steps": fits * trees, "eta_s": 0,
                      "note": f"target {best} chosen on the last {h} training weeks: " +
                              ", ".join(f"{t} {s:.1f}" for t, s in scores.items())})

    def mechanic_inputs(self) -> list[str]:
        return [c for c in self.inputs if c.startswith("mech_")]

    def reads_price(self) -> bool:
        return "rel_price" in self.inputs

    def honest_from(self, origin: int) -> bool:
        return origin > (self.early_end if self.early is not None else self._final_end)

    def window_model(self, train: pd.DataFrame) -> "LightGBMForecaster":
        """The chosen target's model (its seeds) trained on ``train`` alone, no target search and no early model:
        it forecasts one earlier validation window, with this model's band."""
        m = LightGBMForecaster(self.config)
        m.categories, m.inputs, m.spread = self.categories, self.inputs, self.spread
        m.training_log = {k: self.training_log.get(k) for k in ("target", "seeds", "trees")}
        data = gf.long_format(train, m.categories, m.inputs)
        m.final = m._train(data, m.training_log["target"], seeds=int(m.training_log.get("seeds") or 1))
        m._final_end = int(train["time_idx"].max())
        return m

    def _model_for(self, start_idx: int):
        """The model trained on the weeks before ``start_idx``: the early one for forecasts from its held-out weeks
        (the validation window), else the final one."""
        return self.early if (self.early is not None and start_idx <= self.early_end + 1) else self.final

    # ---- forecasting -----------------------------------------------------------------------------------------
    def _raw(self, mlf, frame: pd.DataFrame, start_idx: int, keep_features: bool = False) -> pd.DataFrame:
        """P50 per series and week from ``start_idx``, recursively, reading units before ``start_idx`` only."""
        h = int(self.config.horizon)
        out = future_rows(frame, start_idx, h)
        if out.empty:
            return out.assign(p50=[])
        keys = out[["sku", "region"]].drop_duplicates()
        f = frame.merge(keys, on=["sku", "region"])
        f = f[f["time_idx"] < start_idx + h]
        long = gf.long_format(f, self.categories, self.inputs)  # one pass: inputs that look a week around stay whole
        first = pd.Timestamp(f.loc[f["time_idx"] == start_idx, "week"].min())
        new_df = long[long["ds"] < first]
        X_df = long[long["ds"] >= first].drop(columns=["y"] + list(self.categories))
        captured: list[pd.DataFrame] = []

        def capture(features: pd.DataFrame) -> pd.DataFrame:
            if keep_features:
                captured.append(features.copy())
            return features

        with warnings.catch_warnings():  # the week after the last one is unknown: promo_next is NaN there, by design
            warnings.filterwarnings("ignore", message="Found null values in", category=UserWarning)
            fc = mlf.predict(h=h, new_df=new_df, X_df=X_df, before_predict_callback=capture)
        self._last_features = captured
        self._last_ids = new_df["unique_id"].drop_duplicates().to_numpy()  # the order of each step's feature rows
        names = list(mlf.models_)  # one column per seed: "lgb", "lgb1", ...
        fc["p50"] = fc[names].mean(axis=1)  # the seeds' average (one column with one seed)
        self._last_members = fc[["unique_id", "ds"] + names] if len(names) > 1 else None
        ids = fc["unique_id"].str.split("|", n=1, expand=True)
        fc["sku"], fc["region"] = ids[0], ids[1]
        fc["ds"] = pd.to_datetime(fc["ds"])
        out = out.assign(sku=out["sku"].astype(str), region=out["region"].astype(str), ds=pd.to_datetime(out["week"]))
        out = out.merge(fc[["sku", "region", "ds", "p50"]], on=["sku", "region", "ds"], how="left").drop(columns="ds")
        out["p50"] = out["p50"].fillna(0.0).clip(lower=0)
        return out

    def predict(self, frame: pd.DataFrame, start_idx: int) -> pd.DataFrame:
        mlf = self._model_for(start_idx)
        out = self._raw(mlf, frame, start_idx, keep_features=True)
        step = np.clip((out["time_idx"] - start_idx).to_numpy(), 0, len(self.spread) - 1)
        base = np.log1p(out["p50"].to_numpy(float))
        out["p10"] = np.expm1(base + self.spread[step, 0])
        out["p90"] = np.expm1(base + self.spread[step, 1])
        out, self.capped_series = cap_runaway(out, frame, start_idx)
        self._start = int(start_idx)
        self.member_frames = member_frames(self._last_members, out)
        return ordered(out)

    # ---- interpretation --------------------------------------------------------------------------------------
    def contributions(self) -> pd.DataFrame:
        """Per series and week of the last ``predict``: each feature's contribution (LightGBM's ``pred_contrib``)
        on the model's target scale (``training_log['target']``) in column ``x_<feature>``, and ``bias`` (the
        model's mean)."""
        mlf = self._model_for(self._start)
        boosters = [r.booster_ for r in mlf.models_.values()]
        names = boosters[0].feature_name()
        h = len(self._last_features) // len(boosters)  # each seed ran its own recursion: features member by member
        parts = []
        for k in range(h):  # the seeds' contributions averaged: they add up to the mean of their target-scale outputs
            c = np.mean([b.predict(self._last_features[i * h + k][names], pred_contrib=True)
                         for i, b in enumerate(boosters)], axis=0).astype(np.float32)
            part = pd.DataFrame(c, columns=[f"x_{n}" for n in names] + ["bias"])
            ids = pd.Series(self._last_ids).str.split("|", n=1, expand=True)
            part.insert(0, "time_idx", self._start + k)
            part.insert(0, "region", ids[1].to_numpy())
            part.insert(0, "sku", ids[0].to_numpy())
            parts.append(part)
        return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()

    def interpretation(self) -> dict | None:
        if self.final is None:
            return None
        boosters = [r.booster_ for r in self.final.models_.values()]
        gain = pd.Series(np.mean([b.feature_importance("gain") for b in boosters], axis=0),
                         index=boosters[0].feature_name())
        gain = gain / gain.sum() * 100 if gain.sum() else gain
        importance = pd.DataFrame({"feature": gain.index, "label": [gf.label(f, self.period) for f in gain.index],
                                   "group": [gf.groups(f) for f in gain.index], "gain_pct": gain.to_numpy(float)})
        return {"kind": "gbm", "target": self.training_log.get("target"),
                "importance": importance.sort_values("gain_pct", ascending=False).reset_index(drop=True),
                "contributions": self.contributions() if self._last_features else pd.DataFrame()}

    # ---- files -----------------------------------------------------------------------------------------------
    def _save(self, folder: Path) -> Path:
        path = folder / "lightgbm.pkl"
        state = {k: getattr(self, k) for k in ("final", "early", "early_end", "categories", "inputs", "spread",
                                                 "training_log")}
        path.write_bytes(pickle.dumps(state))
        return path

    @classmethod
    def _load(cls, folder: Path, meta: dict):
        from dashboard.schema import TrainConfig

        m = cls(TrainConfig.from_dict(meta["config"]))
        for k, v in pickle.loads((folder / meta["weights"]).read_bytes()).items():  # hash-checked by Forecaster.load
            setattr(m, k, v)
        return m
