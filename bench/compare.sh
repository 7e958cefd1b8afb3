#!/usr/bin/env bash
# Runs the PrecondFlow bench and the PyTorch reference one after the other with the same settings, then prints the
# ratios per workload (PrecondFlow / PyTorch throughput; above 1: PrecondFlow is faster). Installs nothing: it needs
# the .NET SDK and a Python with torch (give it with --python or $PYTHON; Debian: apt-get install python3-torch
# libopenblas0-pthread, then /usr/bin/python3). Run it from the repository root on an otherwise idle machine:
#
#   bash bench/compare.sh [--python PYTHON] [--threads N] [--device cpu|cuda] [--quick] [--out DIR]
#
# DIR (default bench-results/) receives precondflow.json, pytorch.json and the comparison; the load average before and
# after each program is in the JSON files and in the tables.
set -euo pipefail

python=${PYTHON:-python3}
threads=2
device=cpu
out=bench-results
extra=()
while [[ $# -gt 0 ]]; do
    case "$1" in
        --python) python=$2; shift 2 ;;
        --threads) threads=$2; shift 2 ;;
        --device) device=$2; shift 2 ;;
        --out) out=$2; shift 2 ;;
        --quick) extra+=(--quick); shift ;;
        *) echo "compare.sh: unknown argument '$1' (known: --python PYTHON, --threads N, --device cpu|cuda, --quick, --out DIR)" >&2; exit 2 ;;
    esac
done
if [[ ! -d bench/PrecondFlow.Bench ]]; then
    echo "compare.sh: run it from the repository root (bench/PrecondFlow.Bench not found in $(pwd))." >&2
    exit 2
fi
if ! "$python" -c 'import torch' 2>/dev/null; then
    echo "compare.sh: '$python' cannot import torch. Install a PyTorch (Debian: apt-get install python3-torch libopenblas0-pthread," \
        "then --python /usr/bin/python3) or name one with --python." >&2
    exit 2
fi
mkdir -p "$out"
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
dotnet run --project bench/PrecondFlow.Bench -c Release -- --device "$device" --threads "$threads" "${extra[@]}" --json "$out/precondflow.json"
"$python" bench/reference/bench_reference.py --device "$device" --threads "$threads" "${extra[@]}" --json "$out/pytorch.json"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
"$python" bench/reference/compare.py "$out/precondflow.json" "$out/pytorch.json" | tee "$out/comparison.txt"
