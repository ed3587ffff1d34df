#!/usr/bin/env bash
# The GPU check at the reference scale, in one go (about 12 minutes on one H100; STEPS="full-pass accuracy" for
# the headline figures alone, about 3 minutes):
#   python -m bench.gpu (the TFT step setting by setting; one pass over every training window), the accuracy part (standard TFT and LSTM trained to
#   early stopping on the GPU beside the baselines), the training part (samples/s against the bare loop, one full
#   pass over every training window) and the step profile. Each step has its own time limit; results go to
#   $OUT (default bench/out/gpu) as JSON, markdown and logs.
# Needs the reference workspace: `python -m bench --scale reference --only import,frame` (or a copy of
# bench/out/reference/ws in .gpu/ws). Wheels in .whl/ (a machine without the project's packages) are installed
# into /tmp/site first.
set -u
OUT=${OUT:-bench/out/gpu}
mkdir -p "$OUT"
export PYTHONUNBUFFERED=1 PYTHONWARNINGS=ignore
PY=${PYTHON:-python3}
if [ -d .whl ]; then
  $PY -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl || exit 1
  export PYTHONPATH=/tmp/site
fi
if [ ! -f bench/out/reference/ws/promocast.duckdb ] && [ -d .gpu/ws ]; then
  mkdir -p bench/out/reference && cp -r .gpu/ws bench/out/reference/ws
fi
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv 2>&1 | tee "$OUT/gpu.txt"
$PY -c "import torch, pytorch_forecasting, duckdb, statsforecast; print('torch', torch.__version__, 'cuda', torch.cuda.is_available())" || exit 1
rm -f bench/out/reference/ws/accuracy-progress.jsonl
step() {  # step NAME SECONDS ARGS...: one bench command under its own limit, its log in $OUT
  local name=$1 limit=$2; shift 2
  case " ${STEPS:-variants accuracy training profile accuracy-lstm} " in *" $name "*) ;; *) return ;; esac
  echo "== $name ($(date -u +%H:%M:%S), limit ${limit}s)"
  timeout "$limit" $PY "$@" 2>&1 | tee "$OUT/$name.log" | grep -v -i -E "warn|hyperparameters"
  cp bench/out/reference/ws/accuracy-progress.jsonl "$OUT/" 2>/dev/null
}
step variants "${LIMIT_VARIANTS:-120}" -m bench.gpu --json "$OUT/variants.json"
step full-pass "${LIMIT_FULL_PASS:-60}" -m bench.gpu --parts full-pass --json "$OUT/full-pass.json"
step accuracy "${LIMIT_ACCURACY:-200}" -m bench --scale reference --only accuracy \
  --models "${MODELS:-tft,seasonal-naive,holt-winters,mstl}" --json "$OUT/accuracy.json" --markdown "$OUT/accuracy.md"
step training "${LIMIT_TRAINING:-140}" -m bench --scale reference --only training --json "$OUT/training.json" \
  --markdown "$OUT/training.md"
step profile "${LIMIT_PROFILE:-75}" -m bench --scale reference --only profile --json "$OUT/profile.json" \
  --markdown "$OUT/profile.md"
step accuracy-lstm "${LIMIT_LSTM:-60}" -m bench --scale reference --only accuracy --models lstm,seasonal-naive \
  --json "$OUT/accuracy-lstm.json" --markdown "$OUT/accuracy-lstm.md"
echo "== done $(date -u +%H:%M:%S)"
