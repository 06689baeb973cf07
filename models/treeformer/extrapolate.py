"""How far beyond its training length a checkpoint still answers: span loss
and exact start+end accuracy on the same dev samples at 1×, 2× and 4× the
training sequence length (the model has no position table; DESIGN §3).

  python3 -m models.treeformer.extrapolate --checkpoint models/checkpoints/ship/checkpoint.pt \\
      [--factors 1,2,4] [--samples 256] [--card models/treeformer-qa.json]

Prints one JSON object per length; with --card, writes them into the card's
training.extrapolation.
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

import torch

from .data import ShardSplit
from .export import load_checkpoint
from .train import DEFAULT_DATA, TrainConfig, evaluate, layout_for


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--checkpoint', type=Path, required=True)
    parser.add_argument('--factors', default='1,2,4')
    parser.add_argument('--samples', type=int, default=256)
    parser.add_argument('--data', type=Path, default=DEFAULT_DATA)
    parser.add_argument('--card', type=Path)
    args = parser.parse_args()
    torch.set_num_threads(2)
    torch.set_flush_denormal(True)
    model, ckpt = load_checkpoint(args.checkpoint)
    seq_len = ckpt['train_config']['seq_len']
    cfg = TrainConfig(name='', model=model.cfg, levels=[], seq_len=seq_len)
    dev = ShardSplit(args.data / 'dev')
    rows = []
    for factor in (int(f) for f in args.factors.split(',')):
        row = evaluate(model, dev, layout_for(cfg, seq_len * factor), args.samples)
        print(json.dumps(row), flush=True)
        rows.append(row)
    if args.card:
        card = json.loads(args.card.read_text())
        card.setdefault('training', {})['extrapolation'] = {
            'command': f'python3 -m models.treeformer.extrapolate --checkpoint <ship checkpoint> --factors {args.factors} '
                       f'--samples {args.samples}',
            'dev': rows}
        args.card.write_text(json.dumps(card, indent=2) + '\n')


if __name__ == '__main__':
    main()
