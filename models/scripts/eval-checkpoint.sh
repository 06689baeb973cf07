#!/usr/bin/env bash
# A training checkpoint on the hand-written questions, as a shipped model would
# be scored: exported to <folder>/model.onnx (+ card), the fusion fitted on
# the dev half into that card, then every ranker on the dev half; with
# --test, the test half too (look at it only for a model you have chosen on
# dev). Needs the corpora of `npm run data` and `npm run compile`.
#
#   bash models/scripts/eval-checkpoint.sh <checkpoint.pt> <folder> [--test]
#
# Results: <folder>/questions-dev/results.{md,json} (and questions-test/).
set -euo pipefail
cd "$(dirname "$0")/../.."
[ $# -ge 2 ] || { echo "usage: bash models/scripts/eval-checkpoint.sh <checkpoint.pt> <folder> [--test]" >&2; exit 2; }
checkpoint=$1 folder=$2
[ -f "$checkpoint" ] || { echo "eval-checkpoint: no such checkpoint: $checkpoint" >&2; exit 2; }
mkdir -p "$folder"
OPENBLAS_NUM_THREADS=1 /usr/bin/python3 -m models.treeformer.export --checkpoint "$checkpoint" --out "$folder/model.onnx"
cli=(node out/src/eval/questions/cli.js --scope file --ranker all --model "$folder/model.onnx")
"${cli[@]}" --split dev --fit --out "$folder/questions-dev"
if [ "${3:-}" = "--test" ]; then "${cli[@]}" --split test --out "$folder/questions-test"; fi
