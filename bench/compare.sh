#!/usr/bin/env bash
# Runs the PrecondFlow bench and the PyTorch reference in turn with the same settings, N rounds each (default 3), so
# that a load that comes and goes falls on both, then prints the ratios per workload (median over rounds of PrecondFlow
# / PyTorch throughput; above 1: PrecondFlow is faster), the median and range of the ratios of the round pairs.
#
# --interleave workload (the default) runs one workload at a time, its rounds back to back in the order AB, BA, AB, ...
# (A = PrecondFlow, B = PyTorch), so that each pair ran within a minute or two of each other and a slow spell of the
# machine that drifts in and out (on a shared virtual machine such spells slowed both programs 2-3 fold for minutes at a
# time) falls on both sides of a pair alike. --interleave program runs each program over all workloads per round
# (A, B, A, B, ...), as earlier versions did. Installs nothing: it needs
# the .NET SDK and a Python with torch (give it with --python or $PYTHON; Debian: apt-get install python3-torch
# libopenblas0-pthread, then /usr/bin/python3). Run it from the repository root on an otherwise idle machine:
#
#   bash bench/compare.sh [--python PYTHON] [--threads N] [--device cpu|cuda] [--rounds N] [--only W1,W2] [--quick]
#                         [--interleave workload|program] [--pytorch-native-heap system|keep] [--out DIR]
#
# PrecondFlow runs as its command line does, keeping freed native memory for reuse (PRECONDFLOW_NATIVE_HEAP=system in
# the environment: glibc's own settings); PyTorch runs with glibc's own settings unless --pytorch-native-heap keep gives
# it the same thresholds.
#
# DIR (default bench-results/) receives precondflow-K.json, pytorch-K.json per round K (precondflow-W-K.json,
# pytorch-W-K.json per workload W with --interleave workload) and the comparison; the load average before and
# after each program is in the JSON files and in the tables.
set -euo pipefail

python=${PYTHON:-python3}
threads=2
device=cpu
out=bench-results
rounds=3
interleave=workload
pytorch_heap=system
names=()
extra=()
while [[ $# -gt 0 ]]; do
    case "$1" in
        --python) python=$2; shift 2 ;;
        --threads) threads=$2; shift 2 ;;
        --device) device=$2; shift 2 ;;
        --out) out=$2; shift 2 ;;
        --rounds) rounds=$2; shift 2 ;;
        --quick) extra+=(--quick); shift ;;
        --only) IFS=, read -ra names <<< "$2"; shift 2 ;;
        --interleave) interleave=$2; shift 2 ;;
        --pytorch-native-heap) pytorch_heap=$2; shift 2 ;;
        *) echo "compare.sh: unknown argument '$1' (known: --python PYTHON, --threads N, --device cpu|cuda, --rounds N, --only W1,W2, --quick, --interleave workload|program, --pytorch-native-heap system|keep, --out DIR)" >&2; exit 2 ;;
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
if [[ "$interleave" != workload && "$interleave" != program ]]; then
    echo "compare.sh: --interleave takes workload or program; got '$interleave'." >&2
    exit 2
fi
mkdir -p "$out"
dotnet build bench/PrecondFlow.Bench -c Release -v quiet -nologo >/dev/null
ours_run() { # WORKLOAD... then the JSON file
    local json=${*: -1}
    dotnet run --no-build --project bench/PrecondFlow.Bench -c Release -- --device "$device" --threads "$threads" "${extra[@]}" \
        --only "${@:1:$#-1}" --json "$json"
}
theirs_run() {
    local json=${*: -1}
    "$python" bench/reference/bench_reference.py --device "$device" --threads "$threads" --native-heap "$pytorch_heap" "${extra[@]}" \
        --only "${@:1:$#-1}" --json "$json"
}
if [[ ${#names[@]} -eq 0 ]]; then # the reference's default set (the workloads it runs without --only)
    read -ra names <<< "$(cd bench/reference && "$python" -c \
        'import bench_reference as b; print(" ".join(w for w in b.WORKLOADS if w not in b.ON_REQUEST))')"
fi
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
ours=() theirs=()
if [[ "$interleave" == program ]]; then
    for round in $(seq 1 "$rounds"); do
        echo "round $round of $rounds"
        ours_run "${names[@]}" "$out/precondflow-$round.json"
        theirs_run "${names[@]}" "$out/pytorch-$round.json"
        ours+=("$out/precondflow-$round.json") theirs+=("$out/pytorch-$round.json")
    done
else
    for name in "${names[@]}"; do
        for round in $(seq 1 "$rounds"); do
            echo "$name: round $round of $rounds ($(cut -d' ' -f1 /proc/loadavg) load)"
            if (( round % 2 == 1 )); then
                ours_run "$name" "$out/precondflow-$name-$round.json"
                theirs_run "$name" "$out/pytorch-$name-$round.json"
            else
                theirs_run "$name" "$out/pytorch-$name-$round.json"
                ours_run "$name" "$out/precondflow-$name-$round.json"
            fi
            ours+=("$out/precondflow-$name-$round.json") theirs+=("$out/pytorch-$name-$round.json")
        done
    done
fi
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
join() { local IFS=,; echo "$*"; }
"$python" bench/reference/compare.py "$(join "${ours[@]}")" "$(join "${theirs[@]}")" | tee "$out/comparison.txt"
