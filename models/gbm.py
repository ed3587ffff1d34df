"""One global LightGBM over every series (through Nixtla's mlforecast), forecasting recursively.

``fit`` holds out the last ``horizon`` training weeks and trains one model per target candidate on the weeks
before them: log1p units with an L2 loss, units standardised per series with an L2 loss, and raw units with a
Tweedie loss (for intermittent series). The candidate with the lowest WAPE on the held-out weeks wins; that
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
from pathlib import Path

import numpy as np
import pandas as pd

from . import gbm_features as gf
from .base import Forecaster, cap_runaway, future_rows, ordered

TARGETS = ("log1p", "scaled", "tweedie")  # the candidates fit chooses between on its held-out weeks


def _regressor(config, target: str, trees: int | None = None):
    import lightgbm as lgb

    params = dict(n_estimators=int(trees or config.gbm_trees), num_leaves=int(config.gbm_leaves),
                  learning_rate=float(config.gbm_learning_rate), min_child_samples=20, subsample=0.8, subsample_freq=1,
                  colsample_bytree=0.8, n_jobs=max(1, int(config.threads)), random_state=int(config.seed),
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


def _wape(actual: np.ndarray, forecast: np.ndarray) -> float:
    total = np.abs(actual).sum()
    return float(np.abs(forecast - actual).sum() / total * 100) if total else float("nan")


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
        self._start = -1

    # ---- training --------------------------------------------------------------------------------------------
    def _mlf(self, target: str):
        from mlforecast import MLForecast

        return MLForecast(models={}, freq="W-MON", lags=list(gf.LAGS), lag_transforms=gf.lag_transforms(),
                          target_transforms=_transforms(target), num_threads=1)

    def _train(self, data: pd.DataFrame, target: str, report=None):
        """An mlforecast pipeline with one LightGBM trained on ``data`` (long format); training rows keep their
        missing lags (a young series' first year still teaches the model)."""
        mlf = self._mlf(target)
        X, y = mlf.preprocess(data, static_features=list(self.categories), dropna=False, return_X_y=True)
        reg = _regressor(self.config, target)
        callbacks = [report] if report else None
        reg.fit(X, y, categorical_feature=[c for c in self.categories if c in X.columns], callbacks=callbacks)
        mlf.models_ = {"lgb": reg}
        return mlf

    def fit(self, train: pd.DataFrame, progress=None) -> None:
        t0 = time.time()
        h = int(self.config.horizon)
        self.categories = {c: sorted(train[c].astype(str).unique()) for c in gf.statics(train)}
        self.inputs = gf.known(train)
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
        fits = len(targets) + 1
        trees = int(self.config.gbm_trees)

        def reporter(k: int):
            def report(env):
                it = env.iteration + 1
                if progress and (it % 50 == 0 or it == trees):
                    done = (k * trees + it) / (fits * trees)
                    el = time.time() - t0
                    progress({"epoch": k + 1, "epochs": fits, "step": k * trees + it, "steps": fits * trees,
                              "loss": None, "eta_s": round(el / done * (1 - done), 1) if done else None,
                              "note": f"LightGBM {'final fit' if k == fits - 1 else targets[k]}"})
            return report

        scores, models, preds = {}, {}, {}
        # _raw reads units before ``cut`` only (its leak test: tests/unit/models/test_gbm.py), so the training frame
        # serves as it is: no masked copy (3 GB at store grain)
        for k, target in enumerate(targets):
            mlf = self._train(early_data, target, reporter(k))
            self.final = mlf
            p = self._raw(mlf, train, cut)
            j = p.merge(train[["sku", "region", "time_idx", "units"]], on=["sku", "region", "time_idx"])
            scores[target] = _wape(j["units"].to_numpy(float), j["p50"].to_numpy(float))
            models[target], preds[target] = mlf, j
        best = min(scores, key=lambda t: (np.nan_to_num(scores[t], nan=np.inf), TARGETS.index(t)))
        self.early, self.early_end = models[best], cut - 1
        j = preds[best]
        err = np.log1p(j["units"].clip(lower=0)) - np.log1p(j["p50"].clip(lower=0))
        step = (j["time_idx"] - cut).to_numpy()
        self.spread = np.array([[np.nanquantile(err[step == s], 0.1), np.nanquantile(err[step == s], 0.9)]
                                if (step == s).any() else [-0.3, 0.3] for s in range(h)])
        self.final = self._train(data, best, reporter(fits - 1))
        self.training_log = {"target": best, "validation_wape": {t: round(s, 3) for t, s in scores.items()},
                             "trees": trees, "features": list(self.final.ts.features_order_),  # lags included
                             "fit_s": round(time.time() - t0, 1)}
        if progress:
            progress({"epoch": fits, "epochs": fits, "step": fits * trees, "steps": fits * trees, "eta_s": 0,
                      "note": f"target {best} chosen on the last {h} training weeks: " +
                              ", ".join(f"{t} {s:.1f}" for t, s in scores.items())})

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

        fc = mlf.predict(h=h, new_df=new_df, X_df=X_df, before_predict_callback=capture)
        self._last_features = captured
        self._last_ids = new_df["unique_id"].drop_duplicates().to_numpy()  # the order of each step's feature rows
        fc = fc.rename(columns={"lgb": "p50"})
        ids = fc["unique_id"].str.split("|", n=1, expand=True)
        fc["sku"], fc["region"] = ids[0], ids[1]
        fc["ds"] = pd.to_datetime(fc["ds"])
        out = out.assign(sku=out["sku"].astype(str), region=out["region"].astype(str), ds=pd.to_datetime(out["week"]))
        out = out.merge(fc[["sku", "region", "ds", "p50"]], on=["sku", "region", "ds"], how="left").drop(columns="ds")
        out["p50"] = out["p50"].fillna(0.0).clip(lower=0)
        return out

    def predict(self, frame: pd.DataFrame, start_idx: int) -> pd.DataFrame:
        mlf = self.early if (self.early is not None and start_idx <= self.early_end + 1) else self.final
        out = self._raw(mlf, frame, start_idx, keep_features=True)
        step = np.clip((out["time_idx"] - start_idx).to_numpy(), 0, len(self.spread) - 1)
        base = np.log1p(out["p50"].to_numpy(float))
        out["p10"] = np.expm1(base + self.spread[step, 0])
        out["p90"] = np.expm1(base + self.spread[step, 1])
        out, self.capped_series = cap_runaway(out, frame, start_idx)
        self._start = int(start_idx)
        return ordered(out)

    # ---- interpretation --------------------------------------------------------------------------------------
    def contributions(self) -> pd.DataFrame:
        """Per series and week of the last ``predict``: each feature's contribution (LightGBM's ``pred_contrib``)
        on the model's target scale (``training_log['target']``) in column ``x_<feature>``, and ``bias`` (the
        model's mean)."""
        mlf = self.early if (self.early is not None and self._start <= self.early_end + 1) else self.final
        booster = mlf.models_["lgb"].booster_
        names = booster.feature_name()
        parts = []
        for k, X in enumerate(self._last_features):
            c = booster.predict(X[names], pred_contrib=True).astype(np.float32)
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
        booster = self.final.models_["lgb"].booster_
        gain = pd.Series(booster.feature_importance("gain"), index=booster.feature_name())
        gain = gain / gain.sum() * 100 if gain.sum() else gain
        importance = pd.DataFrame({"feature": gain.index, "label": [gf.label(f) for f in gain.index],
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
