#!/usr/bin/env bash
# `npm run train`: the shipped reader in five runs, in the background.
#   1. ship-base (120 min): the reader v2 curriculum, TC 1k -> TC 4k -> TF+TC 4k;
#   2. ship (100 min): from ship-base's level-2.pt (--init), with the question
#      match and question-swapped negatives;
#   3. ship-ema (90 min): from ship's weights, TF+TC at 4k on the data with
#      inline-comment questions, locate_loss, the rarity-weighted match;
#   4. ship-long (130 min): from ship-ema's final weights, the same at a lower rate;
#   5. ship-lengths (80 min): from ship-long's moving average, samples of 2k, 4k or 8k tokens.
# Each run resumes from its own checkpoint after a stop; a finished run is skipped.
# Logs: models/checkpoints/<run>/train.log; this script's own output:
# models/checkpoints/train-ship.log.
set -euo pipefail
cd "$(dirname "$0")/../.."
if [ "${1:-}" != "--foreground" ]; then
  mkdir -p models/checkpoints
  nohup bash "$0" --foreground >> models/checkpoints/train-ship.log 2>&1 &
  echo "training in the background: pid $!, logs models/checkpoints/{ship-base,ship,ship-ema,ship-long,ship-lengths}/train.log"
  exit 0
fi
export OPENBLAS_NUM_THREADS=1 OMP_WAIT_POLICY=PASSIVE
run() {  # config, out folder, extra args: resumes an interrupted run, skips a finished one
  local config=$1 out=$2; shift 2
  [ -f "$out/summary.json" ] && { echo "$config: done already ($out/summary.json)"; return; }
  local resume=()
  [ -f "$out/checkpoint.pt" ] && resume=(--resume)
  /usr/bin/python3 -m models.treeformer.train --config "$config" --out "$out" "${resume[@]}" "$@"
}
run ship-base models/checkpoints/ship-base
run ship models/checkpoints/ship --init models/checkpoints/ship-base/level-2.pt
run ship-ema models/checkpoints/ship-ema --init models/checkpoints/ship/checkpoint.pt
run ship-long models/checkpoints/ship-long --init models/checkpoints/ship-ema/level-0.pt
average() {  # run folder: the moving average (0.995) of its final checkpoint
  [ -f "$1/ema-0.995.pt" ] ||
    /usr/bin/python3 -m models.treeformer.average --checkpoints "$1/checkpoint.pt" --ema 0.995 --out "$1/ema-0.995.pt"
}
average models/checkpoints/ship-long
run ship-lengths models/checkpoints/ship-lengths --init models/checkpoints/ship-long/ema-0.995.pt
# what export-ship.sh exports: ship-lengths' moving average at its end
average models/checkpoints/ship-lengths
