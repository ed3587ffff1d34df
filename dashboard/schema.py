"""Canonical columns, limits and typed records shared across the core."""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

# Canonical column names of an uploaded sales file (after mapping).
WEEK, STORE, REGION, SKU, CATEGORY = "week", "store", "region", "sku", "category"
UNITS, PRICE, PROMO, DISCOUNT = "units", "price", "promo", "discount_pct"
REGULAR_PRICE = "regular_price"  # the shelf price outside promotions: with the price paid, the discount when none is given

SALES_REQUIRED = (WEEK, SKU, UNITS)
SALES_OPTIONAL = (STORE, REGION, CATEGORY, PRICE, REGULAR_PRICE, PROMO, DISCOUNT)
SALES_COLUMNS = SALES_REQUIRED + SALES_OPTIONAL

PROMO_REQUIRED = ("start_week", "end_week")
FUNDED, ALLOWANCE = "funded_pct", "scan_allowance"  # the supplier's part of a promotion (promotions/money.py)
FEATURE, DISPLAY = "feature", "display"  # 0/1 columns of a calendar: held with the promotion's type (mechanics.py)
PROMO_OPTIONAL = (SKU, CATEGORY, REGION, "promo_type", DISCOUNT, FEATURE, DISPLAY, FUNDED, ALLOWANCE)
WEATHER_REQUIRED = (WEEK, REGION, "temperature")
WEATHER_OPTIONAL = ("precipitation",)

# Source headers that mean a canonical column without an explicit mapping.
ALIASES = {
    "date": WEEK, "week_start": WEEK, "month": WEEK, "period": WEEK, "territory": REGION, "qty": UNITS, "quantity": UNITS, "sales": UNITS,
    "item": SKU, "item_id": SKU, "product": SKU, "store_id": STORE, "discount": DISCOUNT,
    "start": "start_week", "end": "end_week", "type": "promo_type", "temp": "temperature",
    "actual_price": PRICE, "price_actual": PRICE, "shelf_price": PRICE, "regular": REGULAR_PRICE,
    "price_regular": REGULAR_PRICE, "base_price": REGULAR_PRICE, "list_price": REGULAR_PRICE,
    "leaflet": FEATURE, "featured": FEATURE, "in_leaflet": FEATURE, "end_cap": DISPLAY, "on_display": DISPLAY,
    "supplier_funded_pct": FUNDED, "funding_pct": FUNDED, "allowance": ALLOWANCE,
}

DEFAULT_REGION = "all"
DEFAULT_CATEGORY = "uncategorised"
ALL = "all"  # wildcard in a promotion calendar

# History sufficiency (2-3 annual cycles: 104 weeks or 24 months) is dashboard/data/history.py's, by frequency.


def default_db_path() -> Path:
    """The DuckDB file: $PROMOCAST_DB, else workspace/promocast.duckdb beside the code."""
    env = os.environ.get("PROMOCAST_DB")
    if env:
        return Path(env)
    return workspace_dir() / "promocast.duckdb"


def workspace_dir() -> Path:
    """Git-ignored folder for the database, uploads, runs and jobs."""
    env = os.environ.get("PROMOCAST_WORKSPACE")
    root = Path(env) if env else Path(__file__).resolve().parent.parent / "workspace"
    root.mkdir(parents=True, exist_ok=True)
    return root


@dataclass(frozen=True)
class Problem:
    """One validation finding: which file, column and rule, with the first offending rows."""
    file: str
    column: str
    rule: str
    count: int
    rows: tuple[int, ...] = ()
    example: str = ""

    def __str__(self) -> str:
        rows = f" rows {', '.join(map(str, self.rows))}" if self.rows else ""
        more = f" (+{self.count - len(self.rows)} more)" if self.count > len(self.rows) and self.rows else ""
        ex = f" e.g. {self.example!r}" if self.example else ""
        return f"{self.file}: column '{self.column}': {self.rule} [{self.count}]{rows}{more}{ex}"


class ValidationError(ValueError):
    """Raised with every problem found in one pass; nothing was imported."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


@dataclass
class DatasetInfo:
    id: str
    name: str
    rows: int
    series: int
    first_week: str
    last_week: str
    content_hash: str
    created_at: str = ""
    source_rows: int = 0
    weeks: int = 0
    extras: dict = field(default_factory=dict)


MODELS = ("tft", "lstm", "lightgbm", "holt-winters", "mstl", "seasonal-naive")
PRESETS = ("fast", "standard", "thorough")


@dataclass
class TrainConfig:
    """Everything that decides a run; saved with it (config.json) so the run describes itself."""
    model: str = "tft"
    preset: str = "standard"
    freq: str = "week"           # the dataset's periods, "week" or "month" (dashboard/periods.py): every length below
                                 # named in weeks counts periods (6 months is holdout_weeks=6 for a monthly dataset)
    holdout_weeks: int = 13      # the last weeks kept out of training and scored
    horizon: int = 13            # a quarter: what planners plan
    encoder_weeks: int = 52      # one year back, so the same week last year is visible to attention
    min_encoder_weeks: int = 8   # new SKUs with a short history still get a forecast
    validation_windows: int = 3  # rolling-origin windows of ``horizon`` weeks before the hold-out that the
                                 # recommendation and the bands are chosen on (dashboard/forecasting/windows.py)
    network_windows: bool = False  # TFT/LSTM: a network retrained per earlier window too (time x windows); else
                                   # a network forecasts only its last window
    hidden_size: int = 32
    attention_heads: int = 4
    hidden_continuous_size: int = 16
    lstm_layers: int = 2
    dropout: float = 0.1
    dropout_choices: tuple = ()  # TFT on up to 500 series in one process: a network per dropout here, the one
                                 # with the lowest validation WAPE kept (models/regularisation.py); () = dropout
    refit_networks: str = "month"  # TFT/LSTM on up to 500 series in one process: after early stopping, a network per
                                   # seed trained on every training period for the epochs chosen forecasts the
                                   # hold-out and the future, the early one the validation weeks (models/refit.py);
                                   # "month": monthly datasets only, "any", "off"
    learning_rate: float = 0.003
    batch_size: int = 128
    max_epochs: int = 30
    patience: int = 4            # epochs without a better validation loss before stopping
    limit_train_batches: int | None = None  # None = whole epochs
    gradient_clip: float = 0.1
    lr_schedule: str = "plateau"  # "cosine": warm-up then cosine decay over the epochs budgeted, so a fixed time
                                  # budget ends converged; "plateau": pytorch-forecasting's ReduceLROnPlateau
    loss_scale: str = "normalised"  # "normalised": the loss on each series' own log scale (models/scaled_loss.py);
                                    # "units": pytorch-forecasting's, dominated by the biggest series
    lstm_decoding: str = "direct"   # the LSTM's decoder: "direct" (models/lstm_net.py) or "autoregressive"
    seed: int = 42
    seeds: int = 1               # networks and the LightGBM trained from seeds seed, seed + 1, ... and averaged
                                 # (models/seeds.py; models/gbm.py)
    gpu_batch_scale: int = 4     # on a GPU: batch x this, batches per epoch / this, learning rate x its square root
                                 # (models/torch_process.device_config); 1 = train as on a CPU
    threads: int = 1             # 1 beside the app: 2 threads slow 3.7x when the app is busy
    devices: int = 1             # networks: training processes on this machine (one per GPU, or per CPU core), torchrun
    num_nodes: int = 1           # machines training together (models/distributed.py); the others join with torchrun
    master: str | None = None    # HOST:PORT of the first machine when num_nodes > 1
    ray: str | None = None       # statistical models: fit on Ray ("local", "auto" or "ray://HOST:PORT"), else a local pool
    quantiles: tuple[float, ...] = (0.1, 0.5, 0.9)
    gbm_trees: int = 600           # lightgbm: boosting rounds of each fit (models/gbm.py)
    gbm_leaves: int = 63
    gbm_learning_rate: float = 0.03
    gbm_target: str = "auto"     # lightgbm's target: "auto" = chosen on the last training weeks among log1p, scaled
                                 # (per series) and tweedie; or one of them

    def to_dict(self) -> dict:
        from dataclasses import asdict
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> "TrainConfig":
        known = {**LEGACY, **{k: v for k, v in d.items() if k in cls.__dataclass_fields__}}
        for name in ("quantiles", "dropout_choices"):  # JSON lists
            if name in known:
                known[name] = tuple(known[name])
        return cls(**known)


# What a saved run that predates a field was trained with (its config.json lacks the field).
LEGACY = {"loss_scale": "units", "lstm_decoding": "autoregressive", "refit_networks": "off"}

# Presets. Batches are cut by index on the tensor path (models/windows.py), so large batches are cheap: 512 windows
# run ~1.6x more samples/s than 128 on 2 CPU cores (bench: `python -m bench --only training`), and the learning rate
# is doubled to match (Adam, square-root scaling for 4x the batch). An epoch is a fixed number of batches, so early
# stopping looks at the validation window every ~30 k windows whatever the dataset's size.
# fast = a few minutes at the reference scale on 2 cores; standard = the default, <= 20 min at the reference scale on
# 2 cores: 20 epochs of 60 batches with the learning rate decayed to 5 % by the last (bench/results: 11-17 min,
# docs/benchmarks.md); early stopping
# (patience 4) still ends a run that stops improving; thorough = bigger network, whole epochs, plateau schedule,
# three seeds averaged (the spread between them is reported: models/seeds.py).
PRESET_VALUES = {
    "fast": dict(hidden_size=16, attention_heads=2, hidden_continuous_size=8, max_epochs=10, patience=3,
                 limit_train_batches=40, learning_rate=0.02, batch_size=512, lr_schedule="cosine",
                 gbm_trees=200, gbm_learning_rate=0.08),
    "standard": dict(hidden_size=32, attention_heads=4, hidden_continuous_size=16, max_epochs=20, patience=4,
                     limit_train_batches=60, learning_rate=0.01, batch_size=512, lr_schedule="cosine",
                     gbm_trees=600, gbm_learning_rate=0.03, dropout_choices=(0.1, 0.3)),
    "thorough": dict(hidden_size=64, attention_heads=4, hidden_continuous_size=32, max_epochs=80, patience=8,
                     limit_train_batches=None, learning_rate=0.005, batch_size=512, seeds=3,
                     gbm_trees=1500, gbm_learning_rate=0.015, dropout_choices=(0.1, 0.3)),
}


def preset_config(model: str, preset: str = "standard", freq: str = "week", **overrides) -> TrainConfig:
    """A preset's config for ``model`` at the dataset's frequency: horizon, hold-out and encoder default to the
    frequency's (13 / 13 / 52 weeks; 6 / 6 / 24 months), so a preset means the same at both."""
    from dashboard import periods

    period = periods.of(freq)
    if model not in MODELS:
        raise ValueError(f"unknown model '{model}' (choose from {', '.join(MODELS)})")
    if preset not in PRESETS:
        raise ValueError(f"unknown preset '{preset}' (choose from {', '.join(PRESETS)})")
    lengths = dict(holdout_weeks=period.horizon, horizon=period.horizon, encoder_weeks=period.encoder,
                   min_encoder_weeks=period.min_encoder)
    values = {**lengths, **PRESET_VALUES[preset], **{k: v for k, v in overrides.items() if v is not None}}
    return TrainConfig(model=model, preset=preset, freq=period.name, **values)
