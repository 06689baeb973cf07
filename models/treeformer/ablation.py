"""The ablation at equal training budget (issue 4): trains every ablation-*
config for the same wall time, then measures each on the dev split and counts
attention FLOPs per layer at 4k and 16k tokens from the leaves the trained
trees actually produce on real documents (DESIGN §3 convention).

  python3 -m models.treeformer.ablation --minutes 1.5 --out models/checkpoints/ablation

Writes <out>/ablation.json and <out>/ablation.md. Variants already trained
(their summary.json exists) are not trained again.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Dict, List

import numpy as np
import torch

from .data import ShardSplit
from .model import TREE_KINDS, Treeformer
from .train import CHECKPOINT, DEFAULT_DATA, REPO_ROOT, get_config

VARIANTS = ['dense', 'tc', 'tf', 'tf-bootstrap', 'tf-bootstrap-frozen', 'tftc-bootstrap', 'random-tree', 'linformer']
FLOP_LENGTHS = (4096, 16384)


def attention_flops(kind: str, leaves: np.ndarray, n: int, d: int, depth: int, g: int, linformer_k: int) -> float:
    """FLOPs of one layer (all heads), DESIGN §3. leaves [H,N]: the leaf of every
    position. Keys are counted with the same occupancy as queries (the model
    reports query leaves; both are routed by the same tree)."""
    heads = leaves.shape[0]
    routing = 2 * (n + n) * depth * d
    if kind == 'dense':
        return heads * 4.0 * n * n * d
    if kind == 'linformer':
        return heads * (4.0 * n * linformer_k * d * 2)
    total = 0.0
    for h in range(heads):
        counts = np.bincount(leaves[h][leaves[h] >= 0], minlength=2 ** depth).astype(np.float64)
        tf = float((4.0 * counts * (counts + 1 + g) * d).sum()) + routing
        tc = 4.0 * n * (depth + 2 + g) * d + routing + 2.0 * n * (depth + 1) * d
        total += {'tf': tf, 'random_tree': tf, 'tc': tc, 'tf+tc': tf + tc}[kind]
    return total


def leaves_on_long_input(model: Treeformer, split: ShardSplit, n: int) -> np.ndarray:
    """Query leaves [layers,H,N] of the model on n real document tokens."""
    cfg = model.cfg
    longest = max(split.examples, key=lambda ex: ex.doc_count)  # the longest document, repeated if short
    tokens = split.document(longest)
    body = np.resize(tokens, n - cfg.question_len)
    ids = np.concatenate([[cfg.cls_id, cfg.sep_id], np.full(cfg.question_len - 2, cfg.pad_id), body])
    mask = np.concatenate([[1, 1], np.zeros(cfg.question_len - 2), np.ones(len(body))])
    seg = np.concatenate([np.zeros(cfg.question_len), np.ones(len(body))])
    as_batch = lambda a: torch.tensor(a, dtype=torch.long)[None]  # noqa: E731
    with torch.no_grad():
        out = model(as_batch(ids), as_batch(seg), as_batch(mask))
    return out.leaf_ids[:, 0].numpy()


def measure(name: str, folder: Path, dev: ShardSplit) -> Dict:
    summary = json.loads((folder / 'summary.json').read_text())
    state = torch.load(folder / CHECKPOINT, map_location='cpu')
    cfg = get_config(f'ablation-{name}')
    model = Treeformer(cfg.model)
    model.load_state_dict(state['model'])
    last = summary['levels'][-1]
    kind = last['attention']
    model.set_attention(kind)
    model.eval()
    m = cfg.model
    row = {'variant': name, 'final_attention': kind, 'minutes': summary['minutes'], 'train_tokens': summary['tokens'],
           'tokens_per_s': summary['tokens'] / (summary['minutes'] * 60), 'dev': last.get('val')}
    d = m.d_model // m.n_head
    for n in FLOP_LENGTHS:
        if kind in TREE_KINDS:
            leaves = leaves_on_long_input(model, dev, n)
            flops = [attention_flops(kind, layer, n, d, m.tree_depth, m.question_len, m.linformer_k) for layer in leaves]
            row[f'flops_{n}'] = float(np.mean(flops))
            row[f'max_leaf_over_mean_{n}'] = float(np.mean([np.bincount(l[l >= 0]).max() / (n / 2 ** m.tree_depth)
                                                           for layer in leaves for l in layer]))
        else:
            row[f'flops_{n}'] = attention_flops(kind, np.zeros((m.n_head, n), np.int64), n, d, m.tree_depth,
                                                m.question_len, m.linformer_k)
    return row


def markdown(rows: List[Dict], minutes: float) -> str:
    dense = {n: next((r[f'flops_{n}'] for r in rows if r['variant'] == 'dense'), None) for n in FLOP_LENGTHS}
    lines = [f'Equal budget: {minutes:g} min of training per variant at 1,024 tokens (the `ship` model size), '
             'scored on 512 dev samples by the trainer (exact = start and end both right). '
             'FLOPs per layer, all heads, counted from the trained trees\' leaves on a real document.', '',
             '| variant | dev exact | dev start acc | dev loss | train tok/s | attn GFLOP/layer 4k | ×fewer than dense | '
             'attn GFLOP/layer 16k | ×fewer than dense |', '|---|---|---|---|---|---|---|---|---|']
    for r in rows:
        dev = r['dev'] or {}
        cells = [r['variant'], f"{dev.get('exact', float('nan')):.3f}", f"{dev.get('start_acc', float('nan')):.3f}",
                 f"{dev.get('loss', float('nan')):.2f}", f"{r['tokens_per_s']:.0f}"]
        for n in FLOP_LENGTHS:
            cells += [f"{r[f'flops_{n}'] / 1e9:.2f}", f"{dense[n] / r[f'flops_{n}']:.1f}" if dense[n] else '-']
        lines.append('| ' + ' | '.join(cells) + ' |')
    return '\n'.join(lines) + '\n'


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--minutes', type=float, default=1.5, help='training wall time per variant')
    parser.add_argument('--out', type=Path, default=REPO_ROOT / 'models' / 'checkpoints' / 'ablation')
    parser.add_argument('--variants', default=','.join(VARIANTS))
    args = parser.parse_args()
    torch.set_num_threads(1)
    torch.set_flush_denormal(True)
    env = {**os.environ, 'OPENBLAS_NUM_THREADS': '1', 'OMP_WAIT_POLICY': 'PASSIVE'}
    variants = args.variants.split(',')
    for name in variants:
        folder = args.out / name
        if not (folder / 'summary.json').exists():
            print(f'ablation: training {name} for {args.minutes} min', file=sys.stderr, flush=True)
            subprocess.run([sys.executable, '-m', 'models.treeformer.train', '--config', f'ablation-{name}',
                            '--out', str(folder), '--minutes', str(args.minutes)], cwd=REPO_ROOT, env=env, check=True)
    dev = ShardSplit(DEFAULT_DATA / 'dev')
    rows = [measure(name, args.out / name, dev) for name in variants]
    (args.out / 'ablation.json').write_text(json.dumps(rows, indent=2))
    table = markdown(rows, args.minutes)
    (args.out / 'ablation.md').write_text(table)
    print(table)


if __name__ == '__main__':
    main()
