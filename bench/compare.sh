#!/usr/bin/env bash
# Runs the PrecondFlow bench and the PyTorch reference in turn with the same settings, N rounds each (default 3:
# PrecondFlow, PyTorch, PrecondFlow, ...), so that a load that comes and goes falls on both, then prints the ratios per
# workload (median over rounds of PrecondFlow / PyTorch throughput; above 1: PrecondFlow is faster) and the range of
# the ratios of neighbouring rounds. Installs nothing: it needs
# the .NET SDK and a Python with torch (give it with --python or $PYTHON; Debian: apt-get install python3-torch
# libopenblas0-pthread, then /usr/bin/python3). Run it from the repository root on an otherwise idle machine:
#
#   bash bench/compare.sh [--python PYTHON] [--threads N] [--device cpu|cuda] [--rounds N] [--only W1,W2] [--quick] [--out DIR]
#
# DIR (default bench-results/) receives precondflow-K.json, pytorch-K.json per round K and the comparison; the load average before and
# after each program is in the JSON files and in the tables.
set -euo pipefail

python=${PYTHON:-python3}
threads=2
device=cpu
out=bench-results
rounds=3
extra=()
while [[ $# -gt 0 ]]; do
    case "$1" in
        --python) python=$2; shift 2 ;;
        --threads) threads=$2; shift 2 ;;
        --device) device=$2; shift 2 ;;
        --out) out=$2; shift 2 ;;
        --rounds) rounds=$2; shift 2 ;;
        --quick) extra+=(--quick); shift ;;
        --only) IFS=, read -ra names <<< "$2"; extra+=(--only "${names[@]}"); shift 2 ;;
        *) echo "compare.sh: unknown argument '$1' (known: --python PYTHON, --threads N, --device cpu|cuda, --rounds N, --only W1,W2, --quick, --out DIR)" >&2; exit 2 ;;
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
if ! [[ "$rounds" =~ ^[1-9][0-9]*$ ]]; then
    echo "compare.sh: --rounds takes a positive whole number; got '$rounds'." >&2
    exit 2
fi
mkdir -p "$out"
dotnet build bench/PrecondFlow.Bench -c Release -v quiet -nologo >/dev/null
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
ours=() theirs=()
for round in $(seq 1 "$rounds"); do
    echo "round $round of $rounds"
    dotnet run --no-build --project bench/PrecondFlow.Bench -c Release -- --device "$device" --threads "$threads" "${extra[@]}" \
        --json "$out/precondflow-$round.json"
    "$python" bench/reference/bench_reference.py --device "$device" --threads "$threads" "${extra[@]}" \
        --json "$out/pytorch-$round.json"
    ours+=("$out/precondflow-$round.json") theirs+=("$out/pytorch-$round.json")
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
join() { local IFS=,; echo "$*"; }
"$python" bench/reference/compare.py "$(join "${ours[@]}")" "$(join "${theirs[@]}")" | tee "$out/comparison.txt"
