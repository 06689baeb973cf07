#!/usr/bin/env bash
# npm run check:gpu — builds and runs treeformer_gpu_check (CUDA kernels vs CPU
# kernels, plus timings at 16k and 64k) on a machine with an NVIDIA GPU, then
# times PyTorch's scaled_dot_product_attention on the same Q, K, V
# (custom-ops/gpu/sdpa_timing.py); skips elsewhere. Sized to a few minutes.
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
inputs=$(mktemp -d)
trap 'rm -rf "$inputs"' EXIT
set +e
TREEFORMER_TIMING_INPUTS="$inputs" "$build/treeformer_gpu_check" | tee "$inputs/check.log"
status=${PIPESTATUS[0]}
set -e
# The same Q, K, V through PyTorch's scaled_dot_product_attention (where PyTorch has CUDA).
if [ "$status" -eq 0 ] && python3 -c 'import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)' 2>/dev/null; then
  python3 "$ops/gpu/sdpa_timing.py" "$inputs" | tee "$inputs/sdpa.log"
  python3 - "$inputs/check.log" "$inputs/sdpa.log" <<'PY'
import sys
def fields(path, prefix):
    line = [l for l in open(path) if l.startswith(prefix)][-1]
    return {k: float(v) for k, v in (f.split('=') for f in line.split()[1:])}
gpu, sdpa = fields(sys.argv[1], 'gpu:'), fields(sys.argv[2], 'sdpa:')
print('gpu_vs_sdpa: ' + ' '.join(f'tf_speedup_vs_sdpa_{n}={sdpa[f"ms_{n}"] / gpu[f"tf_gpu_ms_{n}"]:.1f}' for n in ('16k', '64k'))
      + f' tf_gpu_vs_cpu_64k={gpu["tf_cpu_ms_64k"] / gpu["tf_gpu_ms_64k"]:.1f}')
PY
else
  echo "check:gpu: PyTorch with CUDA not found; the SDPA comparison is skipped"
fi
exit "$status"
