#!/usr/bin/env bash
# npm run check:gpu — builds and runs treeformer_gpu_check (CUDA kernels vs CPU
# kernels, plus timings) on a machine with an NVIDIA GPU; skips elsewhere.
# Builds only that target, in custom-ops/build-gpu, so Node headers are not needed.
# Exit status: that of treeformer_gpu_check (0 = all outputs match).
set -euo pipefail
ops=$(cd "$(dirname "$0")/.." && pwd)   # custom-ops/
build="$ops/build-gpu"
ort_include="$ops/third_party/ort/include"

if ! gpus=$(nvidia-smi -L 2>/dev/null) || ! grep -q '^GPU' <<<"$gpus"; then
  echo "check:gpu: no NVIDIA GPU present — skipped"
  exit 0
fi
echo "$gpus"

nvcc=/usr/local/cuda/bin/nvcc
if [ ! -x "$nvcc" ]; then
  nvcc=$(command -v nvcc || true)
fi
if [ -z "$nvcc" ]; then
  echo "check:gpu: a GPU is present but nvcc was found neither in /usr/local/cuda/bin nor on PATH" >&2
  exit 1
fi

# ORT headers: needed by the CMake configure step (not by the GPU check itself).
# Without network the fetch fails; headers already in the tree are then used.
if ! "$ops/scripts/fetch-ort-headers.sh"; then
  if [ -f "$ort_include/onnxruntime_c_api.h" ]; then
    echo "check:gpu: could not fetch ORT headers; using $ort_include"
  else
    echo "check:gpu: no ORT headers (run custom-ops/scripts/fetch-ort-headers.sh with network)" >&2
    exit 1
  fi
fi

cmake -S "$ops" -B "$build" -DCMAKE_BUILD_TYPE=Release -DTREEFORMER_CUDA=ON \
  -DCMAKE_CUDA_COMPILER="$nvcc" -DORT_INCLUDE_DIR="$ort_include"
cmake --build "$build" --target treeformer_gpu_check
exec "$build/treeformer_gpu_check"
