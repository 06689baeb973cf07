"""PyTorch's scaled_dot_product_attention on CUDA, timed on the inputs
treeformer_gpu_check timed the tree kernels on (check-gpu.sh passes the
folder it wrote them to). Exact dense attention: the strongest dense baseline
on a GPU (flash / memory-efficient kernels where PyTorch has them).

  python3 custom-ops/gpu/sdpa_timing.py <dir with q_N.f32, k_N.f32, v_N.f32>

Prints one line per N and, last:
  sdpa: ms_16k=<x> ms_64k=<x>  (float32; NaN where a size did not fit)
"""
import math
import sys
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

H, D = 4, 32
WARMUP, RUNS = 2, 7


def time_sdpa(q, k, v) -> float:
    start, stop = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    times = []
    for r in range(WARMUP + RUNS):
        start.record()
        F.scaled_dot_product_attention(q, k, v)
        stop.record()
        torch.cuda.synchronize()
        if r >= WARMUP:
            times.append(start.elapsed_time(stop))
    return float(np.median(times))


def main() -> None:
    folder = Path(sys.argv[1])
    result = {}
    for n in (16384, 65536):
        try:
            q, k, v = (torch.from_numpy(np.fromfile(folder / f'{name}_{n}.f32', dtype='<f4').reshape(1, H, n, D)).cuda()
                       for name in 'qkv')
            result[n] = time_sdpa(q, k, v)
        except (RuntimeError, FileNotFoundError) as err:  # out of memory, or the check did not write this size
            print(f'sdpa N={n}: {err}'.splitlines()[0])
            result[n] = math.nan
        print(f'sdpa N={n}: {result[n]:.3f} ms (float32, B=1 H={H} D={D}, median of {RUNS})')
    print(f'sdpa: ms_16k={result[16384]:.3f} ms_64k={result[65536]:.3f}')


if __name__ == '__main__':
    main()
