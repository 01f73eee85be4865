#!/usr/bin/env bash
# vl2lite on a GPU in under 5 minutes: install, make a synthetic folder, measure (benchmarks/gpu_check.py), write JSON.
#   bash benchmarks/gpu_check.sh [--n 4000] [gpu_check.py arguments: --device cuda|cpu --steps 200 --bs 128 --out FILE ...]
# With --device cpu (and small --n/--steps/--bs) it checks the script itself on a machine without a GPU.
set -euo pipefail
cd "$(dirname "$0")/.."
N=4000
ARGS=()
while [ $# -gt 0 ]; do
  case "$1" in --n) N=$2; shift 2;; *) ARGS+=("$1"); shift;; esac
done
make -s install                                     # .venv with vl2lite and its dependencies (a no-op when present)
PY=.venv/bin/python
DATA=${VL2LITE_SCALE_DATA:-/tmp/vl2lite_gpu_data}/n$N
EVAL=$(( N / 8 > 16 ? N / 8 : 16 )); EVAL=$(( EVAL < 256 ? EVAL : 256 ))
$PY benchmarks/synthetic.py "$DATA" --n "$N" --valid "$EVAL" --test "$EVAL" --workers "$(nproc)"
$PY benchmarks/gpu_check.py --data "$DATA" "${ARGS[@]}"
