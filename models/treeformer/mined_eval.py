"""The reader on the mined v2 test split (packages no training run saw), at
one or more sample lengths: in groups of one window holding the answer and
two that do not, how often the answer's window has the highest relevance,
exact start+end in it, and the question-shuffle drop (the share of groups
where the answer's window scores lower with another question of the same
file than with its own). Real questions (npm run eval:questions) decide;
this checks that the reader learned the mined task without its shortcuts
(models/treeformer/shortcuts.py).

  python3 -m models.treeformer.mined_eval --checkpoint <checkpoint.pt> [--split test] [--lengths 2048 4096 8192]
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import List

import numpy as np
import torch

from .data import GroupBatches, ShardSplit, build_input, collate
from .export import load_checkpoint
from .train import DEFAULT_DATA, Layout, evaluate


@torch.no_grad()
def shuffle_drop(model, split: ShardSplit, layout: Layout, count: int, seed: int = 7) -> dict:
    """Relevance of the answer's window with its question against another question about the same file."""
    batches = GroupBatches(split, layout, 2, seed)
    by_doc = {}
    for ex in batches.examples:
        by_doc.setdefault(ex.doc_start, []).append(ex)
    pairs = [(ex, others) for ex in batches.examples if len(others := [o for o in by_doc[ex.doc_start] if o is not ex]) > 0]
    rng = np.random.default_rng(seed)
    drops, n = 0, 0
    for i in rng.permutation(len(pairs))[:count]:
        ex, others = pairs[i]
        other = others[int(rng.integers(len(others)))]
        window = batches.group(ex)[0]
        own = window['input_ids'][layout.question_len:][window['attention_mask'][layout.question_len:] == 1]
        samples = [build_input(q, own, layout) for q in (ex.question, other.question)]
        batch = collate(samples)
        out = model(batch['input_ids'], batch['segment_ids'], batch['attention_mask'])
        drops += int(out.relevance_logit[0] > out.relevance_logit[1])
        n += 1
    return {'pairs': n, 'shuffle_drop': drops / max(n, 1)}


def main(argv: List[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--checkpoint', type=Path, required=True)
    parser.add_argument('--data', type=Path, default=DEFAULT_DATA)
    parser.add_argument('--split', default='test')
    parser.add_argument('--lengths', type=int, nargs='+', default=[4096])
    parser.add_argument('--groups', type=int, default=64)
    parser.add_argument('--threads', type=int, default=2, help='torch intra-op threads')
    parser.add_argument('--card', type=Path, help='also write the figures into this model card (mined_eval)')
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    model, ckpt = load_checkpoint(args.checkpoint)
    split = ShardSplit(args.data / args.split, model.cfg.vocab_size)
    report = {'split': args.split, 'checkpoint': args.checkpoint.name, 'results': []}
    for n in args.lengths:
        layout = Layout(seq_len=n, question_len=model.cfg.question_len)
        result = evaluate(model, split, layout, args.groups, 3)
        result.update(shuffle_drop(model, split, layout, args.groups))
        report['results'].append(result)
        print(json.dumps(result), flush=True)
    print(json.dumps(report))
    if args.card is not None:
        card = json.loads(args.card.read_text())
        lengths = ' '.join(str(n) for n in args.lengths)
        card['mined_eval'] = {**report, 'command': f'python3 -m models.treeformer.mined_eval --checkpoint '
                                                   f'<{args.checkpoint.name}> --split {args.split} --lengths {lengths} '
                                                   f'--groups {args.groups} --card {args.card.name}'}
        args.card.write_text(json.dumps(card, indent=2) + '\n')


if __name__ == '__main__':
    main()
