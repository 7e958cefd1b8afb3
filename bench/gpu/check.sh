#!/usr/bin/env bash
# The GPU check, on a machine with an NVIDIA GPU and a CUDA PyTorch (no .NET needed): unpack the archive that
# bench/gpu/publish.sh wrote, then
#
#   bash gpu-check/check.sh [--python PYTHON] [--device cuda|cpu] [--threads N] [--quick]
#
# It points PrecondFlow at the libtorch of that PyTorch (PRECONDFLOW_LIBTORCH = torch/lib), then runs, in order:
# `precondflow info` on the device; a smoke test (train a 2D model on the device, sample from it, check the samples
# are finite); the bench on the device; the PyTorch reference on the device with the same settings; and the ratios.
# Everything goes to gpu-check-results/ (logs and JSON) and a table is printed at the end. Installs nothing.
# --device cpu runs the same sequence on the CPU (a dry run of the script where there is no GPU).
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
python=${PYTHON:-python3}
device=cuda
threads=$(nproc)
quick=()
while [[ $# -gt 0 ]]; do
    case "$1" in
        --python) python=$2; shift 2 ;;
        --device) device=$2; shift 2 ;;
        --threads) threads=$2; shift 2 ;;
        --quick) quick=(--quick); shift ;;
        *) echo "check.sh: unknown argument '$1' (known: --python PYTHON, --device cuda|cpu, --threads N, --quick)" >&2; exit 2 ;;
    esac
done

torch_lib=$("$python" -c 'import torch, os; print(os.path.join(os.path.dirname(torch.__file__), "lib"))' 2>/dev/null) || {
    echo "check.sh: '$python' cannot import torch. Give a Python with a CUDA PyTorch: --python /path/to/python3" >&2
    exit 2
}
if [[ $device == cuda ]]; then
    "$python" -c 'import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)' || {
        echo "check.sh: this PyTorch sees no CUDA device (torch.cuda.is_available() is False); use --device cpu for a dry run." >&2
        exit 2
    }
fi
if [[ -f "$here/precondflow/libtorch_cpu.so" ]]; then
    # An archive from publish.sh --keep-libtorch carries its own CPU libtorch: the dry run uses it.
    [[ $device == cpu ]] || { echo "check.sh: this archive carries the CPU libtorch (publish.sh --keep-libtorch); run it with --device cpu." >&2; exit 2; }
    torch_lib="(bundled CPU libtorch)"
else
    export PRECONDFLOW_LIBTORCH=$torch_lib
    export LD_LIBRARY_PATH=$torch_lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
fi
results=$(pwd)/gpu-check-results
rm -rf "$results"; mkdir -p "$results"
precondflow="$here/precondflow/PrecondFlow.Cli"
bench="$here/bench/PrecondFlow.Bench"
declare -a summary
step() {   # step NAME COMMAND...: runs it, logs it, records ok/FAILED and its seconds
    local name=$1; shift
    local start=$SECONDS
    echo "== $name"
    if "$@" > "$results/$name.log" 2>&1; then summary+=("$name|ok|$((SECONDS - start))"); else summary+=("$name|FAILED (see $name.log)|$((SECONDS - start))"); fi
    tail -n 15 "$results/$name.log"
}

step info "$precondflow" info --device "$device"
step smoke-train "$precondflow" train --data moons --steps 2000 --device "$device" --seed 1 --out "$results/smoke-model"
step smoke-sample "$precondflow" sample --model "$results/smoke-model" --count 10000 --device "$device" --out "$results/smoke-samples.csv"
step smoke-finite "$python" -c "
import csv, math, sys
rows = [r for r in csv.reader(open(sys.argv[1])) if r and not r[0].startswith(('x', '#'))]
values = [float(v) for r in rows for v in r[:2]]
assert len(rows) == 10000 and all(math.isfinite(v) for v in values), 'samples are not 10 000 finite points'
print(len(rows), 'finite samples; mean', sum(values[0::2]) / len(rows), sum(values[1::2]) / len(rows))" "$results/smoke-samples.csv"
# Both programs with the same intra-op threads (CPU-side work: data, host loops, the κ diagnostic).
step bench "$bench" --device "$device" --threads "$threads" "${quick[@]}" --json "$results/precondflow.json"
step reference "$python" "$here/bench_reference.py" --device "$device" --threads "$threads" "${quick[@]}" --json "$results/pytorch.json"
step compare "$python" "$here/compare.py" "$results/precondflow.json" "$results/pytorch.json"

echo
echo "GPU check of commit $(cat "$here/COMMIT" 2>/dev/null || echo unknown) on $device, libtorch from $torch_lib"
"$python" -c 'import torch; print("PyTorch", torch.__version__, "| CUDA", torch.version.cuda, "|", torch.cuda.get_device_name(0) if torch.cuda.is_available() else "no GPU")'
printf '%-14s %-28s %s\n' step outcome seconds
for row in "${summary[@]}"; do IFS='|' read -r name outcome seconds <<< "$row"; printf '%-14s %-28s %s\n' "$name" "$outcome" "$seconds"; done
echo
cat "$results/compare.log" 2>/dev/null
[[ ${#summary[@]} -gt 0 ]] && ! printf '%s\n' "${summary[@]}" | grep -q FAILED
