"""The database's tables, created when a Store opens a file for writing (``IF NOT EXISTS``: an old file gains the
columns added since, and keeps every row)."""

SCHEMA = [
    """CREATE TABLE IF NOT EXISTS datasets (
        id VARCHAR PRIMARY KEY, name VARCHAR, content_hash VARCHAR UNIQUE, created_at TIMESTAMP,
        rows BIGINT, source_rows BIGINT, series INTEGER, weeks INTEGER, first_week DATE, last_week DATE,
        notes VARCHAR, mapping VARCHAR)""",
    "ALTER TABLE datasets ADD COLUMN IF NOT EXISTS parent_id VARCHAR",  # refresh: the version this one follows
    "ALTER TABLE datasets ADD COLUMN IF NOT EXISTS version INTEGER",
    "ALTER TABLE datasets ADD COLUMN IF NOT EXISTS changes VARCHAR",  # what changed from the parent (JSON)
    "ALTER TABLE datasets ADD COLUMN IF NOT EXISTS grain VARCHAR",  # 'store': one series per SKU x store (grain.py)
    "ALTER TABLE datasets ADD COLUMN IF NOT EXISTS freq VARCHAR",  # 'month': periods are months (periods.py); NULL = week
    # the sales file's columns read as events and as past-only inputs (JSON), re-read by a refresh of the dataset
    "ALTER TABLE datasets ADD COLUMN IF NOT EXISTS inputs VARCHAR",
    """CREATE TABLE IF NOT EXISTS sales (
        dataset_id VARCHAR, week DATE, region VARCHAR, sku VARCHAR, category VARCHAR,
        units DOUBLE, price DOUBLE, promo DOUBLE, discount_pct DOUBLE, source_rows INTEGER)""",
    "ALTER TABLE sales ADD COLUMN IF NOT EXISTS store VARCHAR",  # store grain: the series' store (else NULL)
    "ALTER TABLE sales ADD COLUMN IF NOT EXISTS regular_price DOUBLE",  # the file's regular price (prices.py); or NULL
    """CREATE TABLE IF NOT EXISTS promotions (
        dataset_id VARCHAR, sku VARCHAR, category VARCHAR, region VARCHAR,
        start_week DATE, end_week DATE, promo_type VARCHAR, discount_pct DOUBLE)""",
    # the supplier's funding of one promotion (% of its discount, money per unit sold); NULL: the category's
    "ALTER TABLE promotions ADD COLUMN IF NOT EXISTS funded_pct DOUBLE",
    "ALTER TABLE promotions ADD COLUMN IF NOT EXISTS scan_allowance DOUBLE",
    """CREATE TABLE IF NOT EXISTS weather (
        dataset_id VARCHAR, week DATE, region VARCHAR, temperature DOUBLE, precipitation DOUBLE)""",
    """CREATE TABLE IF NOT EXISTS holiday_calendars (
        dataset_id VARCHAR, region VARCHAR, country VARCHAR, subdiv VARCHAR)""",
    """CREATE TABLE IF NOT EXISTS custom_events (dataset_id VARCHAR, event_date DATE, name VARCHAR)""",
    """CREATE TABLE IF NOT EXISTS past_inputs (
        dataset_id VARCHAR, week DATE, region VARCHAR, sku VARCHAR, name VARCHAR, value DOUBLE)""",
    """CREATE TABLE IF NOT EXISTS jobs (
        id VARCHAR PRIMARY KEY, dataset_id VARCHAR, model VARCHAR, preset VARCHAR, status VARCHAR,
        pid INTEGER, created_at TIMESTAMP, started_at TIMESTAMP, finished_at TIMESTAMP,
        job_dir VARCHAR, run_id VARCHAR, error VARCHAR)""",
    """CREATE TABLE IF NOT EXISTS scenarios (
        dataset_id VARCHAR, name VARCHAR, author VARCHAR, created_at TIMESTAMP, edits VARCHAR,
        temperature_delta DOUBLE, PRIMARY KEY (dataset_id, name))""",
    """CREATE TABLE IF NOT EXISTS category_margins (
        category VARCHAR PRIMARY KEY, margin_pct DOUBLE, price DOUBLE, author VARCHAR, updated_at TIMESTAMP)""",
    "ALTER TABLE category_margins ADD COLUMN IF NOT EXISTS price DOUBLE",  # tables made before prices could be entered
    # the supplier's part of a promotion (dashboard/promotions/money.py): % of the discount it funds, money per unit sold
    "ALTER TABLE category_margins ADD COLUMN IF NOT EXISTS funded_pct DOUBLE",
    "ALTER TABLE category_margins ADD COLUMN IF NOT EXISTS scan_allowance DOUBLE",
    # the supplier's own margin, % of its price to the retailer (the retailer's cost): the supplier's side of a promotion
    "ALTER TABLE category_margins ADD COLUMN IF NOT EXISTS supplier_margin_pct DOUBLE",
    """CREATE TABLE IF NOT EXISTS plans (
        id VARCHAR PRIMARY KEY, dataset_id VARCHAR, cycle VARCHAR, run_id VARCHAR, scenario VARCHAR, author VARCHAR,
        published_at TIMESTAMP, meta VARCHAR, UNIQUE (dataset_id, cycle))""",
    """CREATE TABLE IF NOT EXISTS plan_rows (
        plan_id VARCHAR, sku VARCHAR, region VARCHAR, category VARCHAR, week DATE, p10 DOUBLE, p50 DOUBLE, p90 DOUBLE,
        model_p50 DOUBLE, scenario_delta DOUBLE, override_reason VARCHAR, weeks_of_history INTEGER,
        history_flag BOOLEAN, history_note VARCHAR)""",
    """CREATE TABLE IF NOT EXISTS overrides (
        id VARCHAR, dataset_id VARCHAR, run_id VARCHAR, sku VARCHAR, region VARCHAR, week DATE, before DOUBLE,
        value DOUBLE, scope VARCHAR, kind VARCHAR, amount DOUBLE, reason VARCHAR, note VARCHAR, author VARCHAR,
        created_at TIMESTAMP, active BOOLEAN)""",
    """CREATE TABLE IF NOT EXISTS runs (
        id VARCHAR PRIMARY KEY, dataset_id VARCHAR, content_hash VARCHAR, model VARCHAR, preset VARCHAR,
        created_at TIMESTAMP, seconds DOUBLE, device VARCHAR, run_dir VARCHAR, holdout_weeks INTEGER,
        mape DOUBLE, wape DOUBLE, smape DOUBLE, bias DOUBLE, mase DOUBLE, config VARCHAR)""",
    "ALTER TABLE runs ADD COLUMN IF NOT EXISTS mae DOUBLE",  # mean absolute error per series-period (evaluation.py)
]
