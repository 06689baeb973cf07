"""The ablation at equal training budget (issue 11, item 5). Every ablation-*
config trains on the same number of tokens at 4,096 tokens a sample (default:
the configs' own budget), two variants at a time on one core each. Each
trained variant is exported to ONNX and scored where it counts:

- the hand-written questions (`npm run eval:questions`, per file): the fusion
  is fitted on the dev half (`--fit`, into the variant's own card), then the
  test half is read once and scored for lexical, the model alone and hybrid;
- the mined v2 test split (`models.treeformer.mined_eval` at 4,096 tokens):
  relevance top-1 among 3 windows, exact spans, question-shuffle drop.

Attention FLOPs per layer at 4k and 16k tokens are counted from the leaves the
trained trees actually produce on a real dev document (DESIGN §3).

  npm run ablation -- [--tokens T | --minutes M] [--jobs 2] [--groups 64] [--variants dense,tf] [--card models/treeformer-qa.json]

Writes models/checkpoints/ablation/<variant>/{checkpoint.pt,model.onnx,model.json,
questions-dev/,questions-test/,mined.json} and models/checkpoints/ablation/
{ablation.json,ablation.md}. A step whose output exists is not run again, so a
stopped run picks up where it was.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Dict, List, Optional

import numpy as np
import torch

from .data import ShardSplit
from .export import load_checkpoint
from .model import TREE_KINDS, Treeformer
from .train import ABLATION_TOKENS, CHECKPOINT, DEFAULT_DATA, REPO_ROOT, SIZE_MINUTES

QUESTIONS_CLI = REPO_ROOT / 'out' / 'src' / 'eval' / 'questions' / 'cli.js'
MINED_LENGTH = 4096
RERANK_DEPTH = 10  # candidates the model alone re-ranks (RANK_DEPTH in src/eval/questions/scoring.ts)
# The variants DESIGN §7 asks for. ablation-tf-bootstrap-frozen (level 2 keeps
# the level-1 trees), ablation-tftc-bootstrap (the ship model's schedule) and
# ablation-tf-bootstrap-depth7 (128 leaves: the 30x FLOP saving at 4k)
# are configured too: add them with --variants.
VARIANTS = ['dense', 'tc', 'tf', 'tf-bootstrap', 'random-tree', 'linformer']
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


def measure_flops(name: str, folder: Path, dev: ShardSplit) -> Dict:
    """The variant's attention kind, training throughput, dev score and FLOPs."""
    summary = json.loads((folder / 'summary.json').read_text())
    model, _ = load_checkpoint(folder / CHECKPOINT)
    kind = model.cfg.attention
    m = model.cfg
    row = {'variant': name, 'final_attention': kind, 'minutes': summary['minutes'], 'train_tokens': summary['tokens'],
           'tokens_per_s': summary['tokens'] / (summary['minutes'] * 60), 'dev': summary['levels'][-1].get('val')}
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


def run(cmd: List[str], log: Path, env: Dict[str, str]) -> None:
    with open(log, 'a') as out:
        subprocess.run(cmd, cwd=REPO_ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, check=True)


def score_on_questions(onnx_path: Path, folder: Path, env: Dict[str, str]) -> Dict[str, Dict]:
    """Per-file scores of lexical, the model alone and hybrid on the test half of
    the hand-written questions, with the fusion fitted on the dev half first."""
    results = folder / 'questions-test' / 'results.json'
    if not results.exists():
        cli = ['node', str(QUESTIONS_CLI), '--scope', 'file', '--model', str(onnx_path)]
        run([*cli, '--split', 'dev', '--fit', '--out', str(folder / 'questions-dev')], folder / 'eval.log', env)
        run([*cli, '--split', 'test', '--out', str(folder / 'questions-test')], folder / 'eval.log', env)
    rows = json.loads(results.read_text())['rows']
    keep = ('questions', 'hit1', 'hit5', 'mrr')
    return {ranker: {**{k: rows[ranker]['overall'][k] for k in keep}, 'distinct_top1': rows[ranker]['distinctTop1'],
                     'shuffle_drop': rows[ranker]['shuffleDrop']} for ranker in ('bm25', 'model', 'hybrid')}


def score_on_mined(folder: Path, groups: int, threads: int, env: Dict[str, str]) -> Dict:
    """The reader on the mined v2 test split at MINED_LENGTH tokens a window."""
    mined = folder / 'mined.json'
    if not mined.exists():
        cmd = [sys.executable, '-m', 'models.treeformer.mined_eval', '--checkpoint', str(folder / CHECKPOINT),
               '--lengths', str(MINED_LENGTH), '--groups', str(groups), '--threads', str(threads)]
        out = subprocess.run(cmd, cwd=REPO_ROOT, env=env, capture_output=True, text=True, check=True)
        mined.write_text(out.stdout.strip().splitlines()[-1] + '\n')
    return json.loads(mined.read_text())['results'][0]


def top_ranks(folder: Path, ranker: str) -> Dict[str, Optional[int]]:
    """Per test question: the gold answer's rank (1-based; None below the first 10), from the question eval."""
    per = json.loads((folder / 'questions-test' / 'results.json').read_text())['perQuestion']
    return {o['id']: o['rank'] for o in next(r['outcomes'] for r in per if r['ranker'] == ranker)}


def top5_hits(folder: Path, ranker: str) -> Dict[str, bool]:
    return {q: k is not None and k <= 5 for q, k in top_ranks(folder, ranker).items()}


def sign_test(a: Dict[str, bool], b: Dict[str, bool]) -> tuple:
    """Paired comparison on the same questions: (only a hits, only b hits, exact two-sided sign-test p)."""
    only_a = sum(1 for q in a if a[q] and not b[q])
    only_b = sum(1 for q in a if b[q] and not a[q])
    n, k = only_a + only_b, min(only_a, only_b)
    p = min(1.0, 2 * sum(math.comb(n, i) for i in range(k + 1)) / 2 ** n) if n else 1.0
    return only_a, only_b, p


def train_export_score(name: str, folder: Path, budget: List[str], threads: int, groups: int,
                       env: Dict[str, str]) -> Dict:
    """One variant, start to finish; skips the steps whose outputs exist."""
    folder.mkdir(parents=True, exist_ok=True)
    if not (folder / 'summary.json').exists():
        print(f'ablation: training {name} ({threads} thread(s))', file=sys.stderr, flush=True)
        resume = ['--resume'] if (folder / CHECKPOINT).exists() else []
        run([sys.executable, '-m', 'models.treeformer.train', '--config', f'ablation-{name}', '--out', str(folder),
             '--threads', str(threads), *budget, *resume], folder / 'stdout.log', env)
    onnx_path = folder / 'model.onnx'
    if not onnx_path.exists():
        run([sys.executable, '-m', 'models.treeformer.export', '--checkpoint', str(folder / CHECKPOINT),
             '--out', str(onnx_path)], folder / 'stdout.log', env)
    print(f'ablation: scoring {name}', file=sys.stderr, flush=True)
    return {'questions': score_on_questions(onnx_path, folder, env),
            'mined': score_on_mined(folder, groups, threads, env)}


def markdown(rows: List[Dict], budget: str, groups: int, out: Path) -> str:
    dense = {n: next((r[f'flops_{n}'] for r in rows if r['variant'] == 'dense'), None) for n in FLOP_LENGTHS}
    f3 = lambda x: f'{x:.3f}'  # noqa: E731
    bm25 = rows[0]['questions']['bm25']
    lines = [f'Equal budget: {budget} per variant at 4,096 tokens a sample '
             '(bootstrapped variants: 40% TC, then 60% TF or TF+TC; the size-* variants: 40% TC, then TF+TC), '
             'one thread each. Real questions: the test half of models/questions per file (60 questions), the '
             'fusion fitted on the dev half for each variant. Mined: the v2 test split, '
             f'{groups} groups of 3 windows of {MINED_LENGTH} tokens. Attention FLOPs per layer (all heads) '
             'counted from the trained trees\' leaves on a real document.', '',
             '| variant | model hit@1 | model hit@5 | model MRR | hybrid hit@5 | hybrid MRR | mined top-1 | '
             'mined exact | mined shuffle drop | train tok/s | attn GFLOP/layer 4k | × fewer than dense | '
             'attn GFLOP/layer 16k | × fewer than dense |', '|' + '---|' * 14]
    lines.append(f"| lexical (BM25) | {f3(bm25['hit1'])} | {f3(bm25['hit5'])} | {f3(bm25['mrr'])} | "
                 f"{f3(bm25['hit5'])} | {f3(bm25['mrr'])} | - | - | - | - | - | - | - | - |")
    # The model alone re-ranks the lexical top RERANK_DEPTH: a random order of them is its chance level.
    lexical = top_ranks(out / rows[0]['variant'], 'bm25')
    in_pool = sum(1 for k in lexical.values() if k is not None and k <= RERANK_DEPTH) / len(lexical)
    chance_mrr = in_pool * sum(1 / k for k in range(1, RERANK_DEPTH + 1)) / RERANK_DEPTH
    lines.append(f'| random order of the lexical top {RERANK_DEPTH} (expected) | {f3(in_pool / RERANK_DEPTH)} | '
                 f'{f3(in_pool * 5 / RERANK_DEPTH)} | {f3(chance_mrr)} | - | - | 0.333 | - | - | - | - | - | - | - |')
    for r in rows:
        q, mined = r['questions'], r['mined']
        cells = [r['variant'], f3(q['model']['hit1']), f3(q['model']['hit5']), f3(q['model']['mrr']),
                 f3(q['hybrid']['hit5']), f3(q['hybrid']['mrr']), f3(mined['relevance_top1']), f3(mined['exact']),
                 f3(mined['shuffle_drop']), f"{r['tokens_per_s']:.0f}"]
        for n in FLOP_LENGTHS:
            cells += [f"{r[f'flops_{n}'] / 1e9:.2f}", f"{dense[n] / r[f'flops_{n}']:.1f}" if dense[n] else '-']
        lines.append('| ' + ' | '.join(cells) + ' |')
    # Which differences 60 questions resolve: paired on the same questions, top-5 hits.
    lines += ['', 'Paired on the 60 test questions (top-5 hits; p: exact two-sided sign test on the questions where '
              'the two differ):', '',
              '| variant | model alone vs dense: only this / only dense / p | model alone vs lexical: only model / '
              'only lexical / p | hybrid vs lexical: only hybrid / only lexical / p |', '|---|---|---|---|']
    names = [r['variant'] for r in rows]
    for name in names:
        model, lexical = top5_hits(out / name, 'model'), top5_hits(out / name, 'bm25')
        cells = [name]
        for a, b in ((model, top5_hits(out / 'dense', 'model') if 'dense' in names else None), (model, lexical),
                     (top5_hits(out / name, 'hybrid'), lexical)):
            cells.append('-' if b is None else '{} / {} / {:.2f}'.format(*sign_test(a, b)))
        lines.append('| ' + ' | '.join(cells) + ' |')
    return '\n'.join(lines) + '\n'


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    budgets = parser.add_mutually_exclusive_group()
    budgets.add_argument('--tokens', type=int, help=f'training tokens per variant (default {ABLATION_TOKENS:,})')
    budgets.add_argument('--minutes', type=float, help='training minutes per variant instead (the size-* variants '
                         f'are budgeted in minutes, default {SIZE_MINUTES:g})')
    parser.add_argument('--jobs', type=int, default=2, help='variants trained at once (each gets cores/jobs threads)')
    parser.add_argument('--groups', type=int, default=64, help='mined test groups scored per variant')
    parser.add_argument('--out', type=Path, default=REPO_ROOT / 'models' / 'checkpoints' / 'ablation')
    parser.add_argument('--variants', default=','.join(VARIANTS))
    parser.add_argument('--card', type=Path, help='also write the results into this model card (ablation)')
    args = parser.parse_args()
    if not QUESTIONS_CLI.exists():
        raise SystemExit(f'no question eval at {QUESTIONS_CLI.relative_to(REPO_ROOT)}: run npm run compile')
    threads = max(1, (os.cpu_count() or 2) // args.jobs)
    torch.set_num_threads(threads)
    torch.set_flush_denormal(True)
    env = {**os.environ, 'OPENBLAS_NUM_THREADS': '1', 'OMP_WAIT_POLICY': 'PASSIVE'}
    variants = args.variants.split(',')
    budget = ['--tokens', str(args.tokens)] if args.tokens else ['--minutes', str(args.minutes)] if args.minutes else []
    with ThreadPoolExecutor(max_workers=args.jobs) as pool:
        scores = dict(zip(variants, pool.map(
            lambda name: train_export_score(name, args.out / name, budget, threads, args.groups, env), variants)))
    dev = ShardSplit(DEFAULT_DATA / 'dev')
    rows = [{**measure_flops(name, args.out / name, dev), **scores[name]} for name in variants]
    budget_words = f'{args.minutes:g} training minutes' if args.minutes else \
        f'{(args.tokens or ABLATION_TOKENS) / 1e6:g}M training tokens'
    report = {'budget': budget_words, 'seq_len': 4096, 'mined_groups': args.groups, 'variants': rows}
    (args.out / 'ablation.json').write_text(json.dumps(report, indent=2))
    if args.card is not None:
        # The command that reproduces these rows, so the card names what it holds.
        command = f'npm run ablation -- {" ".join(budget)} --groups {args.groups}'
        if variants != VARIANTS:
            command += f' --variants {args.variants}'
        card = json.loads(args.card.read_text())
        card['ablation'] = {'command': command, **report}
        args.card.write_text(json.dumps(card, indent=2) + '\n')
    table = markdown(rows, budget_words, args.groups, args.out)
    (args.out / 'ablation.md').write_text(table)
    print(table)


if __name__ == '__main__':
    main()
