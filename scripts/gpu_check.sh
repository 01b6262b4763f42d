#!/usr/bin/env bash
# Every check of the CUDA path in one go, for a machine with an NVIDIA GPU (a few minutes):
#   1. the tests marked cuda (CUDA against the CPU, the CUDA graph against the eager loop,
#      checkpoints across devices, sample and evaluate, divergence), with their measured
#      differences printed;
#   2. scripts/bench.py --device cuda: the post's code on the GPU, the package's loop (CUDA
#      graph), the eager loop, torch.compile, the products-only floor and a breakdown;
#   3. the post's full run (100,000 iterations, 100 grids) timed, and one iteration alone
#      (what every run pays once); with GPU_CHECK_MONITOR=1 also a run with the quality
#      monitor.
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
    echo "== bench"
    "$python" scripts/bench.py --device cuda --iterations 1000 --repeats 3 --data-dir "$data" \
        --json "$out/bench.json"
} 2>&1 | tee "$log"

# What comes back: the log, the figures, and the monitored run's curves and last grid.
cp "$out/plain/099.png" "$out/099.png" 2>/dev/null
for f in losses.png losses.csv quality.csv; do
    cp "$out/monitored/$f" "$out/$f" 2>/dev/null || cp "$out/plain/$f" "$out/$f" 2>/dev/null
done
rm -rf "$out/plain" "$out/fixed-costs" "$out/monitored" "$out/classifier"
