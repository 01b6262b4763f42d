#!/usr/bin/env bash
# Every check of the CUDA path in one go, for a machine with an NVIDIA GPU (a few minutes):
#   1. the tests marked cuda (CUDA against the CPU, the CUDA graph against the eager loop,
#      checkpoints across devices, sample and evaluate, divergence), with their measured
#      differences printed;
#   2. scripts/bench.py --device cuda: the post's code on the GPU, the package's loop (CUDA
#      graph), the eager loop, torch.compile, the products-only floor and a breakdown;
#   3. the post's full run (100,000 iterations, 100 grids) timed, and one iteration alone
#      (what every run pays once); with GPU_CHECK_MONITOR=1 also a run with the quality
#      monitor;
#   4. the post's full run as ensembles, --seeds 0-9 and --seeds 0-99, timed from process
#      start to exit, and the ten-seed study (studies/post-seeds-gpu.toml) timed;
#      bench.py's per-seed costs (K = 1, 10, 100) are in step 2.
# Usage: scripts/gpu_check.sh OUT_DIR [DATA_DIR]   (DATA_DIR holds MNIST/raw; default: data)
# Writes OUT_DIR/gpu_check.log, bench.json, and the full run's 099.png, losses.png,
# losses.csv and quality.csv.
set -uo pipefail
out=${1:?usage: scripts/gpu_check.sh OUT_DIR [DATA_DIR]}
data=${2:-data}
mkdir -p "$out"
out=$(cd "$out" && pwd)
cd "$(dirname "$0")/.."
export PYTHONPATH=$PWD PYTHONUNBUFFERED=1
python=$(command -v python3 || command -v python)
log=$out/gpu_check.log

timed_run() {  # timed_run NAME FLAGS...: one full run of scripts/train.py, its wall time
    local name=$1 start end
    shift
    start=$(date +%s%N)
    "$python" scripts/train.py --data-dir "$data" --device cuda --out-dir "$out/$name" --quiet \
        "$@" | tail -n 4
    end=$(date +%s%N)
    echo "full run $name: $(( (end - start) / 1000000 )) ms wall, process start to exit"
}

{
    echo "== machine"
    nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader
    "$python" -c "import torch; print('torch', torch.__version__, 'on', torch.cuda.get_device_name())"
    echo "== tests marked cuda"
    "$python" -m pytest -q -m cuda tests/test_cuda.py -s -p no:cacheprovider 2>&1 \
        | grep -v "^\s*$"
    echo "== full runs, the post's settings"
    timed_run plain --quality-every 0
    timed_run fixed-costs --quality-every 0 --iterations 1  # start, data, capture, 1 grid
    if [ "${GPU_CHECK_MONITOR:-0}" = 1 ]; then  # trains the classifier first: a minute more
        timed_run monitored --classifier-cache "$out/classifier"
    fi
    echo "== full runs, the post's settings, as ensembles"
    timed_run seeds-10 --quality-every 0 --seeds 0-9
    timed_run seeds-100 --quality-every 0 --seeds 0-99
    echo "== the ten-seed study (train as one ensemble, evaluate each member)"
    start=$(date +%s%N)
    "$python" scripts/study.py studies/post-seeds-gpu.toml --data-dir "$data" \
        | tail -n 3
    echo "study post-seeds-gpu: $(( ($(date +%s%N) - start) / 1000000 )) ms wall"
    cp out/study-post-seeds-gpu/results.csv "$out/study-results.csv" 2>/dev/null
    echo "== bench"
    "$python" scripts/bench.py --device cuda --iterations 1000 --repeats 3 --data-dir "$data" \
        --json "$out/bench.json"
} 2>&1 | tee "$log"

# What comes back: the log, the figures, and the monitored run's curves and last grid.
cp "$out/plain/099.png" "$out/099.png" 2>/dev/null
for f in losses.png losses.csv quality.csv; do
    cp "$out/monitored/$f" "$out/$f" 2>/dev/null || cp "$out/plain/$f" "$out/$f" 2>/dev/null
done
cp "$out/seeds-10/seed-9/099.png" "$out/seeds-10-seed-9-099.png" 2>/dev/null
rm -rf "$out/plain" "$out/fixed-costs" "$out/monitored" "$out/classifier" "$out/seeds-10" \
    "$out/seeds-100" out/study-post-seeds-gpu
