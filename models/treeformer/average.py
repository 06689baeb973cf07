"""The mean of several checkpoints of one run (weight averaging). A step
holds one question at 4k tokens, so the weights of one moment carry that
question's noise: on the hand-written dev questions, checkpoints of one run
20 minutes apart read 0.43 and 0.39 MRR. The mean of the later checkpoints
of a fine-tuning run, or of a run and the weights it started from
(`ship-soup`), is taken in one basin from one start, and keeps what they
share.

The other average is the one training keeps as it goes (`ema_decays` of the
config, e.g. `ship-ema`): `--ema DECAY` takes that moving average out of one
checkpoint.

Tree splits are discrete, so after averaging each split's bias is moved to
the median margin of what reaches it, on a few training batches, as training
does after every step (Treeformer.recenter_trees).

  python3 -m models.treeformer.average --checkpoints A.pt B.pt ... --out AVG.pt [--recenter-steps 8]
  python3 -m models.treeformer.average --checkpoints RUN.pt --ema 0.995 --out AVG.pt
"""
from __future__ import annotations

import argparse
from pathlib import Path
from typing import List

import torch

from .data import GroupBatches, ShardSplit
from .model import Treeformer, TreeformerConfig
from .train import CONFIGS, ema_key, layout_for, questions_per_step, resolve_data


def average_states(states: List[dict]) -> dict:
    """Float tensors averaged, others (int buffers) from the first; all must share shapes."""
    first = states[0]
    out = {}
    for name, value in first.items():
        shapes = {tuple(s[name].shape) for s in states}
        if len(shapes) != 1:
            raise SystemExit(f'average: {name} has shapes {sorted(shapes)}; the checkpoints are of different models')
        out[name] = torch.stack([s[name] for s in states]).mean(0) if value.is_floating_point() else value.clone()
    return out


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--checkpoints', type=Path, nargs='+', required=True)
    parser.add_argument('--out', type=Path, required=True)
    parser.add_argument('--ema', type=float, help="one checkpoint's moving average of this decay, instead of a mean")
    parser.add_argument('--recenter-steps', type=int, default=8)
    args = parser.parse_args(argv)
    if args.ema is None and len(args.checkpoints) < 2:
        raise SystemExit('average: give at least two checkpoints (or one with --ema)')
    if args.ema is not None and len(args.checkpoints) != 1:
        raise SystemExit('average: --ema takes one checkpoint')
    ckpts = [torch.load(p, map_location='cpu') for p in args.checkpoints]
    for p, c in zip(args.checkpoints[1:], ckpts[1:]):
        if c['model_config'] != ckpts[0]['model_config'] or c.get('vocabulary') != ckpts[0].get('vocabulary'):
            raise SystemExit(f'average: {p} has another model config or vocabulary than {args.checkpoints[0]}')
    torch.set_num_threads(2)
    model = Treeformer(TreeformerConfig(**ckpts[0]['model_config']))
    if args.ema is not None:
        kept = ckpts[0].get('ema') or {}
        if ema_key(args.ema) not in kept:
            raise SystemExit(f'average: {args.checkpoints[0]} keeps no moving average of decay {args.ema:g} '
                             f'(it keeps: {", ".join(kept) or "none"})')
        # the average holds the float tensors; int buffers (word classes) come from the weights
        model.load_state_dict({**ckpts[0]['model'], **kept[ema_key(args.ema)]})
    else:
        model.load_state_dict(average_states([c['model'] for c in ckpts]))
    cfg = CONFIGS[ckpts[0]['train_config']['name']]
    if args.recenter_steps > 0:
        split = ShardSplit(resolve_data(cfg, args.out.parent) / 'train', model.cfg.vocab_size)
        layout = layout_for(cfg, cfg.seq_len)
        batches = GroupBatches(split, layout, cfg.group_size, seed=1)
        model.set_attention(cfg.levels[-1].attention)
        model.train()
        with torch.no_grad():
            for _ in range(args.recenter_steps):
                batch = batches.next(questions_per_step(cfg, layout.seq_len))
                model(batch['input_ids'], batch['segment_ids'], batch['attention_mask'])
                model.recenter_trees(cfg.tree_recenter_rate)
    last = ckpts[-1]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    what = f'the moving average of decay {args.ema:g}' if args.ema is not None else f'the mean of {len(ckpts)} checkpoints'
    torch.save({**{k: v for k, v in last.items() if k not in ('optimizer', 'ema')}, 'optimizer': None, 'ema': None,
                'model': model.state_dict(), 'averaged_from': [str(p) for p in args.checkpoints],
                'ema_decay': args.ema}, args.out)
    print(f'wrote {args.out}: {what}, splits recentred on {args.recenter_steps} batches')


if __name__ == '__main__':
    main()
