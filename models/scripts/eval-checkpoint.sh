#!/usr/bin/env bash
# A training checkpoint on the hand-written questions, as a shipped model would
# be scored: exported to <folder>/model.onnx (+ card), the fusion fitted on
# the dev half into that card, then every ranker on the dev half; with
# --test, the test half too (look at it only for a model you have chosen on
# dev). --read-tokens N: the card reads windows of N document tokens (the
# export's --read-tokens) instead of the training length. Needs the corpora
# of `npm run data` and `npm run compile`.
#
#   bash models/scripts/eval-checkpoint.sh <checkpoint.pt> <folder> [--read-tokens N] [--test]
#
# Results: <folder>/questions-dev/results.{md,json} (and questions-test/).
set -euo pipefail
cd "$(dirname "$0")/../.."
usage() { echo "usage: bash models/scripts/eval-checkpoint.sh <checkpoint.pt> <folder> [--read-tokens N] [--test]" >&2; exit 2; }
[ $# -ge 2 ] || usage
checkpoint=$1 folder=$2
shift 2
read_tokens=() test=0
while [ $# -gt 0 ]; do
  case $1 in
    --read-tokens) [ $# -ge 2 ] || usage; read_tokens=(--read-tokens "$2"); shift 2 ;;
    --test) test=1; shift ;;
    *) usage ;;
  esac
done
[ -f "$checkpoint" ] || { echo "eval-checkpoint: no such checkpoint: $checkpoint" >&2; exit 2; }
mkdir -p "$folder"
OPENBLAS_NUM_THREADS=1 /usr/bin/python3 -m models.treeformer.export --checkpoint "$checkpoint" --out "$folder/model.onnx" "${read_tokens[@]}"
cli=(node out/src/eval/questions/cli.js --scope file --ranker all --model "$folder/model.onnx")
"${cli[@]}" --split dev --fit --out "$folder/questions-dev"
if [ "$test" = 1 ]; then "${cli[@]}" --split test --out "$folder/questions-test"; fi
