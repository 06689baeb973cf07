#!/usr/bin/env bash
# `npm run export:model`: the shipped reader's three exports, each with its card.
#   models/treeformer-qa.onnx         TF+TC, the end of `ship` (checkpoint.pt)
#   models/treeformer-qa-coarse.onnx  TC, ship's level 1 (the `attention: coarse` setting)
#   models/bench/treeformer-qa-dense.onnx  the TF+TC weights with dense attention
#                                     (MultiHeadAttention): bench:model's twin
set -euo pipefail
cd "$(dirname "$0")/../.."
run=models/checkpoints/ship
export OPENBLAS_NUM_THREADS=1
export_model() { /usr/bin/python3 -m models.treeformer.export --vocab models/tokenizer/vocab-v2.json "$@"; }
export_model --checkpoint "$run/checkpoint.pt" --out models/treeformer-qa.onnx
export_model --checkpoint "$run/level-1.pt" --out models/treeformer-qa-coarse.onnx
export_model --checkpoint "$run/checkpoint.pt" --out models/bench/treeformer-qa-dense.onnx --attention dense
