#!/usr/bin/env bash
# `npm run train:gpu`: the ship reader trained on a lent GPU (the `device`
# tool: one H200 with PyTorch, ~15 minutes of device time in all).
#
#   here:       bash models/scripts/train-gpu.sh
#               packs what the run needs into models/gpu-shards (the train
#               split's shards and 300 dev examples, under 60 MiB; no offsets,
#               no JSON lines) and prints the device call to make;
#   on the GPU: bash models/scripts/train-gpu.sh --on-device
#               trains `ship` from scratch (its curriculum, no --init) for
#               GPU_MINUTES (default 7) on CUDA and leaves
#               checkpoint.pt, train.log and summary.json in $OUT (< 16 MiB).
# Bring the checkpoint back to models/checkpoints/gpu/ and export it with
#   python3 -m models.treeformer.export --checkpoint models/checkpoints/gpu/checkpoint.pt --out models/treeformer-qa.onnx
set -euo pipefail
cd "$(dirname "$0")/../.."
SHARDS=models/gpu-shards

if [ "${1:-}" != "--on-device" ]; then
  [ -f models/data/stats.json ] || { echo "train:gpu: no shards in models/data; run npm run data first" >&2; exit 1; }
  rm -rf "$SHARDS" && mkdir -p "$SHARDS/train"
  for f in tokens.i32 questions.i32 examples.i32 cuts.i32 candidates.i32 lexical-ranks.i32; do cp "models/data/train/$f" "$SHARDS/train/"; done
  cp models/data/stats.json models/data/match-classes.i32 "$SHARDS/"
  OPENBLAS_NUM_THREADS=1 /usr/bin/python3 -c "
from models.treeformer.data import ShardSplit, write_subset
write_subset(ShardSplit('models/data/dev'), '$SHARDS/dev', 300)"
  size=$(du -sm "$SHARDS" | cut -f1)
  [ "$size" -le 60 ] || { echo "train:gpu: $SHARDS is $size MiB, over the 60 MiB the device call carries" >&2; exit 1; }
  echo "train:gpu: $SHARDS ready ($size MiB). On a lent GPU run, with the device tool:"
  echo "  run(command='bash models/scripts/train-gpu.sh --on-device', carry=['$SHARDS'], timeout_s=600)"
  exit 0
fi

: "${OUT:?--on-device runs under the device tool, which sets OUT}"
python3 -c "import torch; assert torch.cuda.is_available(), 'no CUDA device'; print('gpu:', torch.cuda.get_device_name(0))"
run=$(mktemp -d)
python3 -m models.treeformer.train --config ship --device cuda --threads 8 --minutes "${GPU_MINUTES:-7}" \
  --data "$SHARDS" --out "$run"
# Only what export needs comes back: the weights without the optimizer state, the log and the summary.
mkdir -p "$OUT/gpu"
python3 -c "
import torch, sys
state = torch.load('$run/checkpoint.pt', map_location='cpu')
state.pop('optimizer', None)
torch.save(state, '$OUT/gpu/checkpoint.pt')"
cp "$run/train.log" "$run/summary.json" "$OUT/gpu/"
ls -la "$OUT/gpu"
