"""Makes the repository root importable (models.treeformer); one torch thread:
the tests' tensors are tiny, and on a busy 2-core machine a second thread
only waits for the first."""
import os
import sys
from pathlib import Path

os.environ.setdefault('OPENBLAS_NUM_THREADS', '1')
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import torch  # noqa: E402

torch.set_num_threads(1)
