#!/usr/bin/env bash
# `npm run export:model`: the shipped reader's three exports, each with its card.
#   models/treeformer-qa.onnx         TF+TC: ship-lengths' moving average (EMA 0.995) at its end,
#                                     written by `average --ema 0.995` (models/README), read
#                                     in windows of READ_TOKENS document tokens (chosen on the
#                                     dev half of the hand-written questions, docs/runs.md)
#   models/treeformer-qa-coarse.onnx  TC, ship's level 1 (the `attention: coarse` setting)
#   models/bench/treeformer-qa-dense.onnx  the TF+TC weights with dense attention
#                                     (MultiHeadAttention): bench:model's twin
# Without those checkpoints (they are not committed), the weights are first
# recovered from the committed .onnx files (import_onnx, checked bit for bit),
# so the same weights are written again in the current export format; the
# card sections the export does not make (fusion, evaluations) are kept.
set -euo pipefail
cd "$(dirname "$0")/../.."
export OPENBLAS_NUM_THREADS=1
READ_TOKENS=2016
py() { /usr/bin/python3 -m "models.treeformer.$1" "${@:2}"; }
final=models/checkpoints/ship-lengths/ema-0.995.pt coarse=models/checkpoints/ship/level-1.pt
if [ ! -f "$final" ]; then
  final=models/checkpoints/ship-onnx/level-2.pt
  py import_onnx --model models/treeformer-qa.onnx --out "$final"
fi
if [ ! -f "$coarse" ]; then
  coarse=models/checkpoints/ship-onnx/level-1.pt
  py import_onnx --model models/treeformer-qa-coarse.onnx --out "$coarse"
fi
export_model() {  # <checkpoint> <out.onnx> [--attention dense]: the card's measured sections survive the export
  local card="${2%.onnx}.json" kept
  kept=$(mktemp)
  if [ -f "$card" ]; then cp "$card" "$kept"; else echo '{}' > "$kept"; fi
  py export --vocab models/tokenizer/vocab-v2.json --checkpoint "$1" --out "$2" "${@:3}"
  /usr/bin/python3 - "$kept" "$card" <<'PY'
import json, sys
kept, card = (json.load(open(p)) for p in sys.argv[1:3])
for section in ('fusion', 'questions_eval', 'mined_eval', 'ablation'):
    if section in kept:
        card[section] = kept[section]
with open(sys.argv[2], 'w') as f:
    json.dump(card, f, indent=2)
    f.write('\n')
PY
  rm -f "$kept"
}
export_model "$final" models/treeformer-qa.onnx --read-tokens "$READ_TOKENS"
export_model "$coarse" models/treeformer-qa-coarse.onnx
export_model "$final" models/bench/treeformer-qa-dense.onnx --attention dense --read-tokens "$READ_TOKENS"
