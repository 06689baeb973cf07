"""Shortcut checks on mined data (DESIGN §7 of the shared page): could a rule
that never reads the question pick the gold chunk among a question's
candidates? Each baseline picks one candidate per example; chance is the mean
of 1 / candidates. Data that marks its answers lets one of them score far
above chance.

  gap detector       the candidate nearest to a cut (where a comment was taken out)
  position prior     the candidate whose relative position in the file is most
                     often gold in the training split (10 bins)
  first declaration  the candidate that comes first in the file

Only positions are needed, so a sample of the test split's positions is
committed (models/questions/mined-test-positions.json) and the test suite
checks it; `--write-sample` rewrites it from models/data.

  python3 -m models.treeformer.shortcuts [--data models/data] [--split test] [--write-sample]
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Dict, List

import numpy as np

from .data import CANDIDATE_GOLD, ShardSplit

REPO_ROOT = Path(__file__).resolve().parents[2]
SAMPLE = REPO_ROOT / 'models' / 'questions' / 'mined-test-positions.json'
BINS = 10


def positions_of(split: ShardSplit, limit: int, seed: int = 0) -> List[dict]:
    """Per example: document length, cuts and candidates (kind 0 = gold first), in document tokens."""
    rng = np.random.default_rng(seed)
    usable = [ex for ex in split.examples if len(ex.candidates) >= 2 and ex.candidates[0][2] == CANDIDATE_GOLD]
    picks = rng.permutation(len(usable))[:limit]
    return [{'length': usable[i].doc_count, 'cuts': [list(c) for c in usable[i].cuts],
             'candidates': [[a, b] for a, b, _ in usable[i].candidates]} for i in sorted(picks)]


def _bin(position: int, length: int) -> int:
    return min(BINS - 1, int(BINS * position / max(length, 1)))


def fit_position_prior(train: List[dict]) -> np.ndarray:
    """log(P(bin | gold) / P(bin | candidate)), add-one smoothed."""
    gold = np.ones(BINS)
    every = np.ones(BINS)
    for ex in train:
        gold[_bin(ex['candidates'][0][0], ex['length'])] += 1
        for a, _ in ex['candidates']:
            every[_bin(a, ex['length'])] += 1
    return np.log(gold / gold.sum()) - np.log(every / every.sum())


def _pick(scores: np.ndarray, rng: np.random.Generator) -> int:
    best = np.flatnonzero(scores == scores.max())
    return int(rng.choice(best))  # ties broken at random, so a rule that sees nothing scores chance


def baselines(examples: List[dict], prior: np.ndarray, seed: int = 0) -> Dict[str, float]:
    rng = np.random.default_rng(seed)
    hits = {'gap_detector': 0, 'position_prior': 0, 'first_declaration': 0}
    chance = 0.0
    for ex in examples:
        starts = np.array([a for a, _ in ex['candidates']], dtype=float)
        ends = np.array([b for _, b in ex['candidates']], dtype=float)
        chance += 1 / len(starts)
        if ex['cuts']:
            edges = np.array([c for cut in ex['cuts'] for c in cut], dtype=float)
            gap = -np.min(np.minimum(np.abs(starts[:, None] - edges[None]), np.abs(ends[:, None] - edges[None])), axis=1)
        else:
            gap = np.zeros(len(starts))
        scores = {'gap_detector': gap,
                  'position_prior': np.array([prior[_bin(int(a), ex['length'])] for a in starts]),
                  'first_declaration': -starts}
        for name, s in scores.items():
            hits[name] += int(_pick(s, rng) == 0)
    n = max(len(examples), 1)
    return {'examples': len(examples), 'chance': chance / n, **{k: v / n for k, v in hits.items()}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--data', type=Path, default=REPO_ROOT / 'models' / 'data')
    parser.add_argument('--split', default='test')
    parser.add_argument('--limit', type=int, default=2000)
    parser.add_argument('--write-sample', action='store_true', help=f'rewrite {SAMPLE.relative_to(REPO_ROOT)}')
    args = parser.parse_args()
    train = positions_of(ShardSplit(args.data / 'train'), args.limit)
    examples = positions_of(ShardSplit(args.data / args.split), args.limit)
    prior = fit_position_prior(train)
    print(json.dumps(baselines(examples, prior), indent=2))
    if args.write_sample:
        SAMPLE.write_text(json.dumps({'about': 'positions of a sample of the mined test split and the position prior '
                                               'fitted on train (models/treeformer/shortcuts.py)',
                                      'prior': prior.round(4).tolist(), 'examples': examples[:600]}) + '\n')
        print(f'wrote {SAMPLE.relative_to(REPO_ROOT)}')


if __name__ == '__main__':
    main()
