#!/usr/bin/env bash
# Packs everything a GPU check needs into one archive, for a GPU machine that has a CUDA PyTorch but no .NET:
# the precondflow command and the bench, each published self-contained for linux-x64, without libtorch's own
# native libraries (the machine's CUDA libtorch, torch/lib of its PyTorch, replaces them), plus the PyTorch
# reference, the comparison script and check.sh. Run here, in the repository root:
#
#   bash bench/gpu/publish.sh [--keep-libtorch] [ARCHIVE]     # default: artifacts/gpu-check.tar.xz
#
# then copy ARCHIVE to the GPU machine and run:  tar xJf gpu-check.tar.xz && bash gpu-check/check.sh
# --keep-libtorch keeps the CPU libtorch in the archive (about 10 times larger), for a dry run of check.sh --device cpu
# on a machine without a GPU.
set -euo pipefail

keep_libtorch=0
if [[ ${1:-} == --keep-libtorch ]]; then keep_libtorch=1; shift; fi
archive=${1:-artifacts/gpu-check.tar.xz}
root=$(pwd)
if [[ ! -f PrecondFlow.sln && ! -d src/PrecondFlow.Cli ]]; then
    echo "publish.sh: run it from the repository root (src/PrecondFlow.Cli not found in $(pwd))." >&2
    exit 2
fi
staging=$(mktemp -d)
trap 'rm -rf "$staging"' EXIT
out="$staging/gpu-check"
mkdir -p "$out"

echo "publishing the precondflow command and the bench (self-contained, linux-x64)…"
dotnet publish src/PrecondFlow.Cli -c Release -r linux-x64 --self-contained true -o "$out/precondflow" -v quiet -nologo
dotnet publish bench/PrecondFlow.Bench -c Release -r linux-x64 --self-contained true -o "$out/bench" -v quiet -nologo

# libtorch's own libraries come from the GPU machine's PyTorch; TorchSharp's bridge (libLibTorchSharp.so) stays.
for dir in "$out/precondflow" "$out/bench"; do
    [[ $keep_libtorch == 1 ]] && break
    find "$dir" -maxdepth 1 -type f \( -name 'libtorch*.so*' -o -name 'libc10*.so*' -o -name 'libgomp*' -o -name 'libshm*' \
        -o -name 'libbackend_with_compiler*.so*' -o -name 'libjitbackend_test*.so*' -o -name 'libtorchbind_test*.so*' \
        -o -name 'libnnapi_backend*.so*' -o -name 'libcaffe2*.so*' \) -delete
    test -f "$dir/libLibTorchSharp.so" || { echo "publish.sh: libLibTorchSharp.so is missing from $dir" >&2; exit 1; }
done

cp bench/reference/bench_reference.py bench/reference/compare.py bench/gpu/check.sh "$out/"
git -C "$root" rev-parse HEAD > "$out/COMMIT" 2>/dev/null || echo unknown > "$out/COMMIT"

mkdir -p "$(dirname "$archive")"
tar -C "$staging" -cJf "$archive.tmp" gpu-check
mv "$archive.tmp" "$archive"
echo "wrote $archive ($(du -h "$archive" | cut -f1)); on the GPU machine: tar xJf $(basename "$archive") && bash gpu-check/check.sh"
