"""Writes measured results into the model card, so every number in it comes
from a file a command produced:

  python3 -m models.treeformer.card_metrics --card models/treeformer-qa.json \\
      --model-eval models/eval/model-test-150/results.json \\
      --bm25-eval models/eval/bm25-test-150/results.json

The eval results come from `npm run eval -- --split test --limit N [--model …]`
(written to models/eval/<ranker>-test/ unless --out says otherwise). The
ablation writes its own figures (`npm run ablation -- --card …`).
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

SUMMARY_KEYS = ('examples', 'hit1', 'hit5', 'mrr', 'exactMatch', 'f1', 'latencyMs')


def eval_summary(path: Path) -> dict:
    results = json.loads(path.read_text())
    return {key: results['overall'][key] for key in SUMMARY_KEYS}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--card', type=Path, required=True)
    parser.add_argument('--model-eval', type=Path, required=True)
    parser.add_argument('--bm25-eval', type=Path, required=True)
    args = parser.parse_args()
    card = json.loads(args.card.read_text())
    model, bm25 = eval_summary(args.model_eval), eval_summary(args.bm25_eval)
    if model['examples'] != bm25['examples']:
        raise SystemExit(f"the model was scored on {model['examples']} examples, BM25 on {bm25['examples']}")
    n = model['examples']
    card['metrics'] = {
        'split': f'test (packages absent from training), {n} examples taken evenly (--limit {n})',
        'command_model': f'npm run eval -- --split test --limit {n} --model models/treeformer-qa.onnx',
        'command_bm25': f'npm run eval -- --split test --limit {n}',
        'model': model,
        'bm25': bm25,
        'notes': 'hit = the answer overlaps the gold lines and is at most 60 lines long; both rankers read the '
                 'same 512-token windows (stride 384).',
    }
    args.card.write_text(json.dumps(card, indent=2) + '\n')
    print(f'wrote metrics into {args.card}')


if __name__ == '__main__':
    main()
