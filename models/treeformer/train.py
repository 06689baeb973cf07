"""Training: named configurations, the two-level bootstrapped schedule,
resumable checkpoints, a JSON-lines log.

  python3 -m models.treeformer.train --config ship --out models/checkpoints/ship [--minutes M | --tokens T]
                                     [--threads N] [--resume] [--data DIR] [--background]

A configuration is a list of levels run one after the other on the same
weights. The bootstrapped schedule (DESIGN §3) is two levels: level 1 trains
with TC-Attention (dense gradients teach the trees and the rest of the model),
level 2 continues from those weights with TF (or TF+TC) attention. Level 2
keeps learning the trees by default (freeze_trees=False): its straight-through
gradients only come from the leaf a query lands in, so the trees go on
adapting to the model they route for; `ablation-tf-bootstrap-frozen` measures
the other choice. Every level whose trees learn and that does not inherit
trees (the first one) starts them with the data-driven balanced split.

A level's budget is training wall time (the ship model), training tokens (the
ablation: every variant sees the same data, whatever else the noisy 2-core
machine is doing) or steps (`tiny`, so CI runs the same work anywhere).

Files under --out: checkpoint.pt (atomic; --resume continues from it),
train.log (one JSON object a line: progress, loss, tokens/s, leaf balance;
level summaries; the final summary), summary.json (the final summary).
"""
from __future__ import annotations

import argparse
import copy
import json
import math
import os
import shutil
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Dict, List, Optional

import numpy as np
import torch

from .data import (GroupBatches, Layout, ShardSplit, fixed_groups, read_match_classes, read_vocabulary_info,
                   word_rarity, word_vectors, write_synthetic_data)
from .model import TREE_KINDS, Treeformer, TreeformerConfig, chunk_rank_loss, locate_loss, relevance_loss, span_loss

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_DATA = REPO_ROOT / 'models' / 'data'
CHECKPOINT = 'checkpoint.pt'


@dataclass
class Level:
    attention: str
    minutes: float = 0.0  # training wall-time budget; 0 = use tokens or steps
    tokens: int = 0  # training-token budget; 0 = use steps
    steps: int = 0
    freeze_trees: bool = False
    seq_len: int = 0  # tokens a sample (question side + window); 0 = the config's seq_len (a curriculum sets it)
    # Each step draws its sample length from these, uniformly (none: seq_len). None may be shorter than
    # seq_len, which picks the questions (their answers fit its window, so they fit every length).
    mixed_lengths: tuple = ()


@dataclass
class TrainConfig:
    name: str
    model: TreeformerConfig
    levels: List[Level]
    seq_len: int = 1024
    group_size: int = 3  # windows a question: the one holding the answer and group_size - 1 that do not
    step_tokens: int = 12288  # tokens a step; questions a step = step_tokens // (group_size * seq_len), at least 1
    relevance_weight: float = 1.0
    locate_weight: float = 0.0  # weight of model.locate_loss (where in its window the evidence puts the answer)
    chunk_weight: float = 0.0  # weight of model.chunk_rank_loss (the gold chunk over the file's lexical candidates)
    lexical_first_keep: float = 1.0  # questions whose gold chunk BM25 ranks first are drawn this much as often
    source_repeats: Dict[str, int] = field(default_factory=dict)  # {'npm-dts': 4}: that source's questions 4x a pass
    lr_scales: Dict[str, float] = field(default_factory=dict)  # {'soft_match_emb': 10}: that parameter at 10x lr
    lr: float = 1e-3
    weight_decay: float = 0.01
    warmup_steps: int = 50
    balance_weight: float = 0.1
    tree_recenter_rate: float = 0.5  # per step, each split's bias moves this far toward its median
    data: str = 'default'  # 'default' (models/data), 'synthetic' (written under --out) or a folder
    val_groups: int = 24  # groups of 3 windows; at 8k tokens TF+TC reads them in minutes on 2 cores
    extrapolation_lengths: tuple = (2048, 4096, 8192)  # the final model is also measured at these lengths
    log_every_s: float = 30.0
    checkpoint_every_s: float = 300.0
    snapshot_every_s: float = 0.0  # also keep checkpoint-<M>m.pt every this many seconds of a level (0 = never)
    ema_decays: tuple = ()  # exponential moving averages of the weights kept beside them, one per decay
    seed: int = 0
    threads: int = 2  # torch intra-op threads (tiny tensors run faster on one)
    device: str = 'cpu'  # 'cuda' on a lent GPU (npm run train:gpu)


# Sized to the 2-core budget: at 4k tokens a sample, TC trains at ~3.8k tokens/s
# with d=96 and 3 layers against ~1.8k with d=128 and 4 (measured 2026-12-02).
# At equal wall time 2 layers and d=64 learn faster but plateau below this size
# (the size sweep and ship-small, docs/runs.md, 2026-12-07).
SHIP_BASE_MODEL = TreeformerConfig(vocab_size=16384, n_layer=3, n_head=4, d_model=96, d_ff=384, tree_depth=5,
                                   question_len=32, attention='tc')
# The shipped reader: the base run's weights (--init its level-2.pt) plus the
# question-match embedding, trained on.
SHIP_MODEL = replace(SHIP_BASE_MODEL, question_match=True)


ABLATION_TOKENS = 2_000_000


def _ablation(levels: List[Level], attention: str = 'tc', tree_depth: int = SHIP_MODEL.tree_depth) -> TrainConfig:
    """Equal budget (ABLATION_TOKENS training tokens) at 4k tokens a sample, the
    ship model's size. Bootstrapped variants spend 40% of it on level 1 (TC).
    Linformer's projections are sized to the sample length."""
    return TrainConfig(name='', model=replace(SHIP_MODEL, attention=attention, linformer_max_len=4096,
                                              tree_depth=tree_depth),
                       levels=levels, seq_len=4096, extrapolation_lengths=(4096,))


SIZE_MINUTES = 45.0


def _sized(n_layer: int, d_model: int) -> TrainConfig:
    """The model-size sweep (issue 11: "smaller and better-trained beats larger
    and undertrained; measure it"): the shipped recipe (question match with
    rarity, locate loss, lexically-first questions at half the rate) at equal
    wall time, not equal tokens, so a larger model reads fewer tokens; 40% TC,
    then TF+TC, at 4k tokens a sample. 4 heads and d_ff = 4 d at every size."""
    model = replace(SHIP_MODEL, match_rarity=True, n_layer=n_layer, d_model=d_model, d_ff=4 * d_model)
    return TrainConfig(name='', model=model, seq_len=4096, extrapolation_lengths=(4096,), locate_weight=1.0,
                       lexical_first_keep=0.5, levels=[Level('tc', minutes=SIZE_MINUTES * 0.4),
                                                       Level('tf+tc', minutes=SIZE_MINUTES * 0.6)])


CONFIGS: Dict[str, TrainConfig] = {
    'tiny': TrainConfig(
        name='tiny',
        model=TreeformerConfig(vocab_size=256, n_layer=2, n_head=2, d_model=32, d_ff=64, tree_depth=2,
                               question_len=8, attention='tc', max_window=512, question_match=True, match_rarity=True),
        levels=[Level('tc', steps=12), Level('tf+tc', steps=12)],
        seq_len=64, group_size=2, step_tokens=512, lr=3e-3, warmup_steps=5, data='synthetic', val_groups=16, locate_weight=1.0,
        chunk_weight=1.0, lexical_first_keep=0.5,
        extrapolation_lengths=(128,), log_every_s=0.0, checkpoint_every_s=5.0, ema_decays=(0.9,), threads=1),
    # The base of the shipped reader (reader v2, 120 min): a curriculum from 1k
    # to 4k tokens a sample, level 1 TC (dense gradients teach the trees), then
    # TF+TC at 4k (DESIGN §3).
    'ship-base': TrainConfig(name='ship-base', model=SHIP_BASE_MODEL, seq_len=4096,
                             levels=[Level('tc', minutes=20, seq_len=1024), Level('tc', minutes=70),
                                     Level('tf+tc', minutes=30)]),
    # The shipped reader: from ship-base's weights (--init), with the question
    # match and question-swapped negatives; most questions a minute at 2k, then
    # back to TF+TC at the engine's 4k.
    'ship': TrainConfig(name='ship', model=SHIP_MODEL, seq_len=4096,
                        levels=[Level('tc', minutes=45, seq_len=2048), Level('tc', minutes=20),
                                Level('tf+tc', minutes=35)]),
    # The shipped reader since 2026-12-03: ship's weights (--init its level-2.pt,
    # or the one import_onnx recovers from the .onnx it shipped), trained on at
    # TF+TC and the engine's 4k, now that TF trains at TC's speed (leaf by leaf).
    'ship-tf': TrainConfig(name='ship-tf', model=SHIP_MODEL, seq_len=4096,
                           levels=[Level('tf+tc', minutes=75)]),
    # ship-tf plus what the engine ranks chunks by: the relevance evidence
    # trained to sit on the answer (locate_loss), and the question match
    # weighted by the word's rarity (as BM25 weighs it).
    'ship-locate': TrainConfig(name='ship-locate', model=replace(SHIP_MODEL, match_rarity=True), seq_len=4096,
                               levels=[Level('tf+tc', minutes=80)], locate_weight=1.0),
    # ship-locate plus the chunk ranking loss: the choice the model-alone
    # ranker makes among a file's lexical candidates, each chunk scored as the
    # engine scores it (model.chunk_scores). --init the shipped weights.
    'ship-rank': TrainConfig(name='ship-rank', model=replace(SHIP_MODEL, match_rarity=True), seq_len=4096,
                             levels=[Level('tf+tc', minutes=70)], locate_weight=1.0, chunk_weight=1.0),
    # ship-locate on the data with inline-comment questions (comment2code),
    # as lexical as real questions: BM25 ranks the gold chunk first for 52%
    # of the mined questions over intact documents and for 35% of the
    # hand-written dev questions (which are all over intact files); drawn at
    # half the rate, they are 35% of the intact draws (DESIGN §5a). --init
    # the shipped weights, at a fine-tuning rate: the shipped run ended at
    # 1e-4, and every run that went on from it at 1e-3 read lower on the dev
    # questions than its start.
    'ship-inline': TrainConfig(name='ship-inline', model=replace(SHIP_MODEL, match_rarity=True), seq_len=4096,
                               levels=[Level('tf+tc', minutes=75)], locate_weight=1.0, lexical_first_keep=0.5, lr=3e-4),
    # ship-inline with two moving averages of the weights beside them (decay
    # 0.995 spans ~200 steps, ~17 min; 0.999 ~1,000 steps, the whole run) and
    # a snapshot every 20 minutes: one run's checkpoints 20 minutes apart read
    # 0.04 MRR apart on the dev questions, as much as any change measured, so
    # the weights of one moment are a noisy pick (a step holds one question).
    # Export an average with `average --ema DECAY`.
    'ship-ema': TrainConfig(name='ship-ema', model=replace(SHIP_MODEL, match_rarity=True), seq_len=4096,
                            levels=[Level('tf+tc', minutes=90)], locate_weight=1.0, lexical_first_keep=0.5, lr=3e-4,
                            ema_decays=(0.995, 0.999), snapshot_every_s=1200.0),
    # ship-ema carried on: --init ship-ema's final raw weights (level-0.pt), which
    # were still gaining on the dev questions when its 90 minutes ran out; a
    # fresh, lower cosine (2e-4 to 2e-5) so the restart does not undo them.
    'ship-long': TrainConfig(name='ship-long', model=replace(SHIP_MODEL, match_rarity=True), seq_len=4096,
                             levels=[Level('tf+tc', minutes=130)], locate_weight=1.0, lexical_first_keep=0.5, lr=2e-4,
                             ema_decays=(0.995,), snapshot_every_s=1200.0),
    # ship-long carried on over questions no earlier run has read. Every run
    # before this one drew its questions independently from seed 0, so each
    # continuation replayed the first questions of the run it started from
    # (ship-long re-read ship-ema's 1,536, which had re-read ship-inline's
    # 917), and its training loss rose as the replay ran out. Now questions
    # follow one order a run passes on to the next; ship-long kept none, so
    # this run starts an order of its own (seed 1). --init the shipped
    # weights (ship-long's EMA 0.995, or import_onnx's copy of them).
    'ship-fresh': TrainConfig(name='ship-fresh', model=replace(SHIP_MODEL, match_rarity=True), seq_len=4096,
                              levels=[Level('tf+tc', minutes=110)], locate_weight=1.0, lexical_first_keep=0.5, lr=2e-4,
                              ema_decays=(0.995,), snapshot_every_s=1200.0, seed=1),
    # ship-fresh carried on: --init its final raw weights (level-0.pt), whose
    # model-alone dev score was still rising when its 110 minutes ran out;
    # the question order goes on from ship-fresh's cursor (inherited), and a
    # fresh cosine from 2e-4 as in ship-fresh.
    'ship-fresh-2': TrainConfig(name='ship-fresh-2', model=replace(SHIP_MODEL, match_rarity=True), seq_len=4096,
                                levels=[Level('tf+tc', minutes=100)], locate_weight=1.0, lexical_first_keep=0.5,
                                lr=2e-4, ema_decays=(0.995,), snapshot_every_s=1200.0, seed=1),
    # The shipped weights trained on with TypeScript declarations (npm-dts,
    # 7% of the questions) drawn 4x a pass (~22%): on the dev questions the
    # shipped model alone beat lexical on 1 TypeScript question and lost 13,
    # against Go 11/15, Python 9/11, Rust 8/6. A new order (seed 2).
    'ship-dts': TrainConfig(name='ship-dts', model=replace(SHIP_MODEL, match_rarity=True), seq_len=4096,
                            levels=[Level('tf+tc', minutes=100)], locate_weight=1.0, lexical_first_keep=0.5,
                            lr=2e-4, ema_decays=(0.995,), snapshot_every_s=1200.0, seed=2,
                            source_repeats={'npm-dts': 4}),
    # ship-fresh over a new order (seed 3), to be averaged with the weights it
    # starts from (`average`, a soup of two points of one basin): every
    # continuation so far moved single languages both ways (ship-dts: Rust up,
    # TypeScript down) while its overall dev score stayed within noise, and a
    # mean keeps what both points share.
    'ship-soup': TrainConfig(name='ship-soup', model=replace(SHIP_MODEL, match_rarity=True), seq_len=4096,
                             levels=[Level('tf+tc', minutes=95)], locate_weight=1.0, lexical_first_keep=0.5,
                             lr=2e-4, ema_decays=(0.995,), snapshot_every_s=1200.0, seed=3),
    # The size sweep's small model (ablation-size-small: 2 layers, d=64) carried
    # on: at 45 minutes from scratch it read dev MRR 0.422 alone against 0.401
    # for the shipped size and 0.378 for 4 layers d=128 at the same wall time
    # (docs/runs.md). --init its level-1.pt; its question order goes on.
    'ship-small': TrainConfig(name='ship-small', model=_sized(2, 64).model, seq_len=4096,
                              levels=[Level('tf+tc', minutes=70)], locate_weight=1.0, lexical_first_keep=0.5,
                              lr=5e-4, ema_decays=(0.995,), snapshot_every_s=1200.0),
    # The shipped weights plus a soft question match (DESIGN §5a): a third of a
    # real question's words never occur in the file it asks about, so exact
    # match cannot mark where it points; word vectors from the training
    # split's co-occurrence (data.word_vectors) mark near words instead.
    # --init the shipped weights (import_onnx's copy); a new order (seed 4).
    # soft_match_emb starts at zero beside weights trained for hours: at the
    # run's lr it reached norm 0.02 in 200 steps (match_emb's is 0.55), so it
    # trains at 10x.
    'ship-soft': TrainConfig(name='ship-soft', model=replace(SHIP_MODEL, match_rarity=True, soft_match=True,
                                                             soft_match_floor=0.6),
                             seq_len=4096, levels=[Level('tf+tc', minutes=75)], locate_weight=1.0,
                             lexical_first_keep=0.5, lr=2e-4, lr_scales={'soft_match_emb': 10.0},
                             ema_decays=(0.995,), snapshot_every_s=1200.0, seed=4),
    # The shipped weights trained on at 2k, 4k and 8k tokens a sample, one
    # length a step drawn uniformly: they trained at 4k only, and on the dev
    # questions the model alone reads 0.480 / 0.461 / 0.446 MRR at 2k / 4k /
    # 8k windows (DESIGN §4), against the "8k not below 2k".
    # --init the shipped weights (import_onnx's copy); a new order (seed 5).
    'ship-lengths': TrainConfig(name='ship-lengths', model=replace(SHIP_MODEL, match_rarity=True), seq_len=4096,
                                levels=[Level('tf+tc', minutes=80, seq_len=2048, mixed_lengths=(2048, 4096, 8192))],
                                locate_weight=1.0, lexical_first_keep=0.5, lr=2e-4, ema_decays=(0.995,),
                                snapshot_every_s=1200.0, seed=5),
    # ship-lengths' EMA without the window mark of a question word, which says
    # whether the whole window holds it: on the dev questions it is what makes
    # a window of 8k read worse than one of 2k (docs/runs.md, ship-cover). In
    # its place each document token gets the share of the question's words
    # within 128 and within 1,008 tokens of it (question_coverage; 1,008: the
    # half of a 2,016-token window, what a centred 2k read gives its chunk).
    # --init models/checkpoints/ship-lengths/ema-0.995.pt; the question order
    # carries on from ship-lengths' cursor (inherited).
    'ship-cover': TrainConfig(name='ship-cover', model=replace(SHIP_MODEL, match_rarity=True, window_match=False,
                                                               coverage_radii=(128, 1008)),
                              seq_len=4096,
                              levels=[Level('tf+tc', minutes=70, seq_len=2048, mixed_lengths=(2048, 4096, 8192))],
                              locate_weight=1.0, lexical_first_keep=0.5, lr=2e-4, lr_scales={'coverage_emb': 10.0},
                              ema_decays=(0.995,), snapshot_every_s=1200.0, seed=6),
    'ablation-dense': _ablation([Level('dense', tokens=ABLATION_TOKENS)], 'dense'),
    'ablation-tc': _ablation([Level('tc', tokens=ABLATION_TOKENS)]),
    'ablation-tf': _ablation([Level('tf', tokens=ABLATION_TOKENS)], 'tf'),
    'ablation-tf-bootstrap': _ablation([Level('tc', tokens=ABLATION_TOKENS * 2 // 5),
                                        Level('tf', tokens=ABLATION_TOKENS * 3 // 5)]),
    # 128 leaves: with 32 (depth 5) and the question's 32 global keys, TF at 4k
    # costs at least 1/25 of dense even with even leaves, so the seed's 30x
    # needs deeper trees (DESIGN §5a, Ablation).
    'ablation-tf-bootstrap-depth7': _ablation([Level('tc', tokens=ABLATION_TOKENS * 2 // 5),
                                               Level('tf', tokens=ABLATION_TOKENS * 3 // 5)], tree_depth=7),
    'ablation-tf-bootstrap-frozen': _ablation([Level('tc', tokens=ABLATION_TOKENS * 2 // 5),
                                               Level('tf', tokens=ABLATION_TOKENS * 3 // 5, freeze_trees=True)]),
    'ablation-tftc-bootstrap': _ablation([Level('tc', tokens=ABLATION_TOKENS * 2 // 5),
                                          Level('tf+tc', tokens=ABLATION_TOKENS * 3 // 5)]),
    'ablation-random-tree': _ablation([Level('random_tree', tokens=ABLATION_TOKENS)], 'random_tree'),
    'ablation-linformer': _ablation([Level('linformer', tokens=ABLATION_TOKENS)], 'linformer'),
    'ablation-size-small': _sized(2, 64),
    'ablation-size-ship': _sized(3, 96),  # the shipped model's size
    'ablation-size-large': _sized(4, 128),
}
for _name, _cfg in CONFIGS.items():
    _cfg.name = _name


def get_config(name: str, minutes: Optional[float] = None, data: Optional[str] = None,
               tokens: Optional[int] = None, threads: Optional[int] = None, device: Optional[str] = None) -> TrainConfig:
    """A copy of a named configuration; `minutes` or `tokens` rescales the
    budget of that kind over its levels, keeping their proportions."""
    if name not in CONFIGS:
        raise SystemExit(f'unknown config {name!r}; known: {", ".join(CONFIGS)}')
    cfg = copy.deepcopy(CONFIGS[name])
    for field, total_wanted in (('minutes', minutes), ('tokens', tokens)):
        if total_wanted is None:
            continue
        total = sum(getattr(level, field) for level in cfg.levels)
        if total == 0:
            raise SystemExit(f'config {name!r} has no {field} budget; --{field} does not apply')
        for level in cfg.levels:
            scaled = getattr(level, field) * total_wanted / total
            setattr(level, field, int(scaled) if field == 'tokens' else scaled)
    if data is not None:
        cfg.data = data
    if threads is not None:
        cfg.threads = threads
    if device is not None:
        cfg.device = device
    return cfg


# ---------------------------------------------------------------------------
# Pieces of the loop
# ---------------------------------------------------------------------------

class Log:
    """Appends one JSON object a line to train.log and echoes it."""

    def __init__(self, path: Path):
        self.path = path

    def write(self, **record) -> None:
        record = {'time': time.strftime('%Y-%m-%dT%H:%M:%S'), **record}
        line = json.dumps(record)
        with open(self.path, 'a') as f:
            f.write(line + '\n')
        print(line, flush=True)


def save_atomic(obj: dict, path: Path) -> None:
    tmp = path.with_name(path.name + '.tmp')
    torch.save(obj, tmp)
    os.replace(tmp, path)


def make_optimizer(model: Treeformer, cfg: TrainConfig) -> torch.optim.Optimizer:
    decay, plain, scaled = [], [], []
    for name, p in model.named_parameters():
        if not p.requires_grad:
            continue
        if name in cfg.lr_scales:
            scaled.append({'params': [p], 'weight_decay': 0.0, 'lr_scale': cfg.lr_scales[name]})
            continue
        (decay if p.dim() >= 2 and 'tree_' not in name and 'emb' not in name else plain).append(p)
    unknown = set(cfg.lr_scales) - {name for name, _ in model.named_parameters()}
    if unknown:
        raise ValueError(f'lr_scales names no parameter of the model: {", ".join(sorted(unknown))}')
    return torch.optim.AdamW([{'params': decay, 'weight_decay': cfg.weight_decay},
                              {'params': plain, 'weight_decay': 0.0}] + scaled, lr=cfg.lr)


def ema_key(decay: float) -> str:
    return f'{decay:g}'


def start_ema(model: Treeformer, decays) -> Dict[str, Dict[str, torch.Tensor]]:
    """One copy of the float weights and buffers per decay, starting at the current weights."""
    return {ema_key(d): {k: v.detach().clone() for k, v in model.state_dict().items() if v.is_floating_point()}
            for d in decays}


@torch.no_grad()
def update_ema(ema: Dict[str, Dict[str, torch.Tensor]], model: Treeformer) -> None:
    weights = model.state_dict()
    for key, avg in ema.items():
        decay = float(key)
        for name, value in avg.items():
            value.mul_(decay).add_(weights[name], alpha=1.0 - decay)


def learning_rate(cfg: TrainConfig, step: int, progress: float) -> float:
    """Linear warmup, then cosine from lr to lr/10 over the level's budget."""
    warm = min(1.0, (step + 1) / cfg.warmup_steps)
    return cfg.lr * warm * (0.1 + 0.45 * (1 + math.cos(math.pi * min(progress, 1.0))))


def leaf_balance(leaf_ids: torch.Tensor, n_leaves: int) -> float:
    """Largest leaf over the mean leaf size, averaged over layers, batch rows and heads."""
    valid = leaf_ids >= 0
    counts = torch.zeros(*leaf_ids.shape[:-1], n_leaves + 1, dtype=torch.long)
    counts.scatter_add_(-1, torch.where(valid, leaf_ids, n_leaves), torch.ones_like(leaf_ids))
    mean = valid.sum(-1).clamp(min=1) / n_leaves
    return float((counts[..., :n_leaves].max(-1).values / mean).mean())


@torch.no_grad()
def evaluate(model: Treeformer, split: ShardSplit, layout: Layout, groups: int, group_size: int,
             seed: int = 1234) -> dict:
    """On fixed groups: span loss and exact start+end on the answer's window,
    and how often the answer's window has the highest relevance in its group."""
    was_training = model.training
    model.eval()
    loss_sum, exact, start_ok, top1, n = 0.0, 0, 0, 0, 0
    device = next(model.parameters()).device
    for batch in fixed_groups(split, layout, groups, group_size, seed):
        batch = {k: v.to(device) for k, v in batch.items()}
        out = model(batch['input_ids'], batch['segment_ids'], batch['attention_mask'])
        answer_window = torch.arange(len(batch['start']), device=device) == 0
        loss_sum += float(span_loss(out, batch['start'], batch['end'], answer_window))
        s_hit = bool(out.start_logits[0].argmax() == batch['start'][0])
        e_hit = bool(out.end_logits[0].argmax() == batch['end'][0])
        exact += int(s_hit and e_hit)
        start_ok += int(s_hit)
        top1 += int(int(out.relevance_logit.argmax()) == 0)
        n += 1
    model.train(was_training)
    return {'seq_len': layout.seq_len, 'groups': n, 'group_size': group_size, 'loss': loss_sum / max(n, 1),
            'exact': exact / max(n, 1), 'start_acc': start_ok / max(n, 1), 'relevance_top1': top1 / max(n, 1)}


def resolve_data(cfg: TrainConfig, out: Path) -> Path:
    if cfg.data == 'default':
        return DEFAULT_DATA
    if cfg.data == 'synthetic':
        root = out / 'data'
        if not (root / 'train').exists():
            write_synthetic_data(root, vocab_size=cfg.model.vocab_size)
        return root
    return Path(cfg.data)


def repo_relative(p: Path) -> str:
    """p relative to the repository, or just its name (no machine paths in cards)."""
    try:
        return str(Path(p).resolve().relative_to(REPO_ROOT))
    except ValueError:
        return Path(p).name


def layout_for(cfg: TrainConfig, seq_len: int) -> Layout:
    m = cfg.model
    return Layout(seq_len=seq_len, question_len=m.question_len, pad_id=m.pad_id, cls_id=m.cls_id, sep_id=m.sep_id)


def level_seq_len(cfg: TrainConfig, level: Level) -> int:
    return level.seq_len or cfg.seq_len


def questions_per_step(cfg: TrainConfig, seq_len: int) -> int:
    return max(1, cfg.step_tokens // (cfg.group_size * seq_len))


class CheckpointMismatch(SystemExit):
    pass


def check_resumable(state: dict, cfg: TrainConfig, vocab: Optional[dict]) -> None:
    """--resume continues only the same run: same config, same levels, same vocabulary."""
    saved = state.get('train_config', {})
    problems = []
    if saved.get('name') != cfg.name:
        problems.append(f"it was trained with config {saved.get('name')!r}, not {cfg.name!r}")
    if saved.get('levels') is not None and [l.get('attention') for l in saved['levels']] != [l.attention for l in cfg.levels]:
        problems.append('its levels differ from this config\'s')
    if state.get('vocabulary') != vocab:
        problems.append(f"its vocabulary {state.get('vocabulary')} is not the data's {vocab}")
    if problems:
        raise CheckpointMismatch(f'cannot resume from this checkpoint: {"; ".join(problems)}. '
                                 'Use another --out folder, or delete the checkpoint to start over.')


# ---------------------------------------------------------------------------
# The loop
# ---------------------------------------------------------------------------

def load_initial_weights(model: Treeformer, path: Path, vocab: Optional[dict]) -> Optional[dict]:
    """Warm start from another run's checkpoint: same shapes and vocabulary;
    only the question-match parameters may be new (they start at zero).
    Returns where that run's question order stopped (`data_order`), if it kept one."""
    try:
        saved = torch.load(path, map_location='cpu')
    except Exception as err:  # a truncated or foreign file
        raise CheckpointMismatch(f'--init {path}: not a checkpoint ({err})')
    if not isinstance(saved, dict) or 'model' not in saved:
        raise CheckpointMismatch(f'--init {path}: not a training checkpoint')
    if saved.get('vocabulary') != vocab:
        raise CheckpointMismatch(f"--init {path}: its vocabulary {saved.get('vocabulary')} is not the data's {vocab}")
    own = model.state_dict()
    wrong = [k for k, v in saved['model'].items() if k not in own or own[k].shape != v.shape]
    if wrong:
        raise CheckpointMismatch(f'--init {path}: another model shape ({", ".join(wrong[:4])} differ)')
    missing, _ = model.load_state_dict(saved['model'], strict=False)
    if any(k not in ('match_emb', 'match_class', 'match_rarity_emb', 'match_rarity', 'soft_match_emb', 'word_vectors',
                     'coverage_emb')
           for k in missing):
        raise CheckpointMismatch(f'--init {path}: lacks {", ".join(missing)}')
    return saved.get('data_order')


def train(cfg: TrainConfig, out: Path, resume: bool = False, init: Optional[Path] = None) -> dict:
    """Runs (or continues) every level of `cfg`; returns the final summary.
    `init`: a checkpoint whose weights (trees included) start the run."""
    torch.set_num_threads(cfg.threads)
    # Tree-path products and their gradients underflow into denormals early
    # in training; without flushing them a step can run ~20x slower on the CPU.
    torch.set_flush_denormal(True)
    out.mkdir(parents=True, exist_ok=True)
    log = Log(out / 'train.log')
    data_root = resolve_data(cfg, out)
    vocab = read_vocabulary_info(data_root)
    if vocab is not None:
        cfg.model.vocab_size = vocab['size']
    train_split = ShardSplit(data_root / 'train', cfg.model.vocab_size)
    val_folder = next((data_root / name for name in ('dev', 'val') if (data_root / name).exists()), None)
    val_split = ShardSplit(val_folder, cfg.model.vocab_size) if val_folder else None
    torch.manual_seed(cfg.seed)
    own_order = {'seed': cfg.seed, 'cursor': 0, 'examples': len(train_split.examples),
                 'source_repeats': cfg.source_repeats}

    ckpt_path = out / CHECKPOINT
    state = torch.load(ckpt_path, map_location=cfg.device) if resume and ckpt_path.exists() else None
    if state is not None:
        check_resumable(state, cfg, vocab)
        cfg.model = TreeformerConfig(**state['model_config'])
    model = Treeformer(copy.deepcopy(cfg.model)).to(cfg.device)
    rng = np.random.default_rng(cfg.seed)
    if state is not None:
        model.load_state_dict(state['model'])
        ema = state.get('ema') or start_ema(model, cfg.ema_decays)
        rng.bit_generator.state = state['rng']['numpy']
        torch.set_rng_state(state['rng']['torch'].cpu())
        log.write(event='resume', level=state['level'], level_step=state['level_step'])
    else:
        state = {'level': 0, 'level_step': 0, 'level_elapsed': 0.0, 'tokens': 0, 'levels': [], 'optimizer': None,
                 'init': repo_relative(init) if init else None}
        inherited = load_initial_weights(model, init, vocab) if init is not None else None
        # Carry on the question order of the run the weights come from, so the
        # new run reads questions they have not seen (DESIGN §5a).
        same_data = (inherited is not None and inherited.get('examples') == len(train_split.examples)
                     and inherited.get('source_repeats', {}) == cfg.source_repeats)
        state['data_order'] = dict(inherited) if same_data else own_order
        if cfg.model.question_match:
            classes = read_match_classes(data_root, cfg.model.vocab_size)
            if classes is not None:
                model.set_match_classes(classes)
            if cfg.model.match_rarity:
                model.set_match_rarity(word_rarity(train_split, model.match_class.cpu()))
            if cfg.model.soft_match:
                model.set_word_vectors(word_vectors(train_split, model.match_class.cpu(), cfg.model.soft_match_dim))
        ema = start_ema(model, cfg.ema_decays)
        log.write(event='start', config=cfg.name, train_examples=len(train_split.examples), init=state['init'],
                  data=repo_relative(data_root), parameters=sum(p.numel() for p in model.parameters()),
                  data_order=state['data_order'], data_order_inherited=state['data_order'] == inherited)

    # a checkpoint from before the question order existed starts one
    state.setdefault('data_order', own_order)

    def checkpoint(optimizer) -> None:
        state['data_order']['cursor'] = batches.cursor
        save_atomic({**state, 'model': model.state_dict(), 'optimizer': optimizer.state_dict(), 'ema': ema,
                     'model_config': asdict(model.cfg), 'train_config': asdict(cfg), 'vocabulary': vocab,
                     'data': {'root': repo_relative(data_root), 'train_examples': len(train_split.examples),
                              'train_documents': train_split.n_documents},
                     'rng': {'numpy': rng.bit_generator.state, 'torch': torch.get_rng_state()}}, ckpt_path)

    model.train()
    while state['level'] < len(cfg.levels):
        level = cfg.levels[state['level']]
        layout = layout_for(cfg, level_seq_len(cfg, level))
        batches = GroupBatches(train_split, layout, cfg.group_size, state['data_order']['seed'],
                               cfg.lexical_first_keep, cursor=state['data_order']['cursor'],
                               source_repeats=cfg.source_repeats)
        batches.rng = rng  # one generator for the whole run, saved in every checkpoint
        model.set_attention(level.attention, level.freeze_trees)
        optimizer = make_optimizer(model, cfg)
        if state['level_step'] == 0:
            if state['level'] == 0 and model.cfg.trees_learned and not state.get('init'):
                init = {k: v.to(cfg.device) for k, v in batches.next(questions_per_step(cfg, layout.seq_len)).items()}
                model.init_trees_from_data(init['input_ids'], init['segment_ids'], init['attention_mask'])
            log.write(event='level', level=state['level'], attention=level.attention, seq_len=layout.seq_len,
                      freeze_trees=level.freeze_trees, minutes=level.minutes, steps=level.steps)
        elif state['optimizer'] is not None:
            optimizer.load_state_dict(state['optimizer'])
        run_level(model, optimizer, level, cfg, batches, state, log, checkpoint, ema, out)

        summary = {'level': state['level'], 'attention': level.attention, 'seq_len': layout.seq_len,
                   'freeze_trees': level.freeze_trees, 'steps': state['level_step'],
                   'minutes': state['level_elapsed'] / 60,
                   'tokens_per_s': state['level_tokens'] / max(state['level_elapsed'], 1e-9)}
        if val_split is not None:
            summary['val'] = evaluate(model, val_split, layout, cfg.val_groups, cfg.group_size)
        state['levels'].append(summary)
        log.write(event='level_done', **summary)
        state.update(level=state['level'] + 1, level_step=0, level_elapsed=0.0, level_snapshots=0, optimizer=None)
        checkpoint(optimizer)
        shutil.copyfile(ckpt_path, out / f'level-{state["level"] - 1}.pt')  # each level's weights, to compare

    final = {'config': cfg.name, 'levels': state['levels'], 'tokens': state['tokens'],
             'minutes': sum(s['minutes'] for s in state['levels'])}
    if val_split is not None and 'extrapolation' not in state.get('summary', {}):
        # no position table: the same weights read longer windows than they trained on
        final['extrapolation'] = [evaluate(model, val_split, layout_for(cfg, n), cfg.val_groups, cfg.group_size)
                                  for n in cfg.extrapolation_lengths]
    state['summary'] = final
    save_atomic({**torch.load(ckpt_path, map_location='cpu'), 'summary': final}, ckpt_path)
    with open(out / 'summary.json', 'w') as f:
        json.dump(final, f, indent=2)
    log.write(event='done', **final)
    return final


def run_level(model, optimizer, level: Level, cfg: TrainConfig, batches: GroupBatches, state: dict, log: Log,
              checkpoint, ema: dict, out_dir: Path) -> None:
    """Steps until the level's budget is spent; keeps `state` and the moving
    averages `ema` current; every `snapshot_every_s` of the level, a copy of
    the checkpoint named by the level's minutes."""
    state.setdefault('level_tokens', 0)
    if state['level_step'] == 0:
        state['level_tokens'] = 0
    budget_s = level.minutes * 60
    lengths = tuple(level.mixed_lengths) or (batches.layout.seq_len,)
    if min(lengths) < batches.layout.seq_len:
        raise ValueError(f'mixed_lengths {lengths}: none may be shorter than the level\'s seq_len '
                         f'{batches.layout.seq_len}, whose window picks the questions')
    # each length's layout, questions a step and answer's-window rows, made once
    per_length = {}
    for n in lengths:
        questions = questions_per_step(cfg, n)
        per_length[n] = (layout_for(cfg, n), questions,
                         (torch.arange(questions * cfg.group_size) % cfg.group_size == 0).to(cfg.device))

    def progress() -> float:
        if budget_s:
            return state['level_elapsed'] / budget_s
        if level.tokens:
            return state['level_tokens'] / level.tokens
        return state['level_step'] / level.steps
    n_leaves = 2 ** cfg.model.tree_depth
    window = {'loss': 0.0, 'relevance': 0.0, 'locate': 0.0, 'chunk': 0.0, 'balance': 0.0, 'steps': 0, 'tokens': 0,
              'seconds': 0.0}
    drawn = dict.fromkeys(lengths, 0)  # steps a sample length since the last log line
    last_log = last_ckpt = time.monotonic()
    while progress() < 1.0:
        t0 = time.monotonic()
        n = lengths[int(batches.rng.integers(len(lengths)))] if len(lengths) > 1 else lengths[0]
        drawn[n] += 1
        layout, questions, rows = per_length[n]
        batch = {k: v.to(cfg.device) for k, v in batches.next(questions, layout).items()}
        for group in optimizer.param_groups:
            group['lr'] = learning_rate(cfg, state['level_step'], progress()) * group.get('lr_scale', 1.0)
        out = model(batch['input_ids'], batch['segment_ids'], batch['attention_mask'])
        loss = span_loss(out, batch['start'], batch['end'], rows)
        relevance = relevance_loss(out, cfg.group_size)
        total = loss + cfg.relevance_weight * relevance + cfg.balance_weight * out.balance
        locate = locate_loss(out, batch['start'], batch['end'], rows) if cfg.locate_weight else None
        if locate is not None:
            total = total + cfg.locate_weight * locate
        chunk = chunk_rank_loss(out, batch['chunks'], cfg.group_size) if cfg.chunk_weight else None
        if chunk is not None:
            total = total + cfg.chunk_weight * chunk
        optimizer.zero_grad(set_to_none=True)
        total.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        model.recenter_trees(cfg.tree_recenter_rate)
        update_ema(ema, model)
        seconds = time.monotonic() - t0

        tokens = batch['input_ids'].numel()
        state['level_step'] += 1
        state['level_elapsed'] += seconds
        state['level_tokens'] += tokens
        state['tokens'] += tokens
        window['loss'] += float(loss)
        window['relevance'] += float(relevance)
        window['locate'] += float(locate) if locate is not None else 0.0
        window['chunk'] += float(chunk) if chunk is not None else 0.0
        window['balance'] += float(out.balance)
        window['steps'] += 1
        window['tokens'] += tokens
        window['seconds'] += seconds

        now = time.monotonic()
        if now - last_log >= cfg.log_every_s or progress() >= 1.0:
            record = {'event': 'train', 'level': state['level'], 'step': state['level_step'],
                      'progress': round(min(progress(), 1.0), 4), 'loss': window['loss'] / window['steps'],
                      'relevance_loss': window['relevance'] / window['steps'],
                      'locate_loss': window['locate'] / window['steps'],
                      'chunk_loss': window['chunk'] / window['steps'],
                      'balance': window['balance'] / window['steps'],
                      'tokens_per_s': window['tokens'] / window['seconds'], 'lr': optimizer.param_groups[0]['lr']}
            if len(lengths) > 1:
                record['steps_by_length'] = {str(k): v for k, v in drawn.items()}
                drawn = dict.fromkeys(lengths, 0)
            if out.leaf_ids is not None and level.attention in TREE_KINDS:
                record['max_leaf_over_mean'] = leaf_balance(out.leaf_ids, n_leaves)
            log.write(**record)
            window = dict.fromkeys(window, 0)
            last_log = now
        if now - last_ckpt >= cfg.checkpoint_every_s:
            checkpoint(optimizer)
            last_ckpt = now
        if cfg.snapshot_every_s and state['level_elapsed'] >= (state.get('level_snapshots', 0) + 1) * cfg.snapshot_every_s:
            state['level_snapshots'] = state.get('level_snapshots', 0) + 1
            checkpoint(optimizer)
            last_ckpt = now
            name = f'checkpoint-level{state["level"]}-{round(state["level_elapsed"] / 60)}m.pt'
            shutil.copyfile(out_dir / CHECKPOINT, out_dir / name)
            log.write(event='snapshot', level=state['level'], step=state['level_step'], file=name)


def main(argv: Optional[List[str]] = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--config', required=True, help=', '.join(CONFIGS))
    parser.add_argument('--out', type=Path, required=True)
    parser.add_argument('--minutes', type=float, help='total training time, split over the levels as configured')
    parser.add_argument('--tokens', type=int, help='total training tokens, split over the levels as configured')
    parser.add_argument('--threads', type=int, help='torch intra-op threads (default: the config\'s)')
    parser.add_argument('--device', choices=['cpu', 'cuda'], help='where to train (default: the config\'s, cpu)')
    parser.add_argument('--data', help="data root (default models/data), or 'synthetic'")
    parser.add_argument('--resume', action='store_true', help='continue from <out>/checkpoint.pt')
    parser.add_argument('--init', type=Path, help="start from this checkpoint's weights (e.g. ship-base's level-2.pt)")
    parser.add_argument('--background', action='store_true', help='detach; follow <out>/train.log')
    args = parser.parse_args(argv)
    if args.background:
        args.out.mkdir(parents=True, exist_ok=True)
        child_args = [a for a in (argv if argv is not None else sys.argv[1:]) if a != '--background']
        # PASSIVE: OpenMP threads sleep instead of spinning, so a second busy
        # process on these 2 cores does not slow training down ~10x.
        env = {**os.environ, 'OPENBLAS_NUM_THREADS': '1', 'OMP_WAIT_POLICY': 'PASSIVE'}
        with open(args.out / 'stdout.log', 'a') as stdout:
            child = subprocess.Popen([sys.executable, '-m', 'models.treeformer.train', *child_args], cwd=REPO_ROOT,
                                     env=env, stdout=stdout, stderr=subprocess.STDOUT, start_new_session=True)
        (args.out / 'train.pid').write_text(f'{child.pid}\n')
        print(f'training in the background: pid {child.pid}, log {args.out / "train.log"}')
        return
    train(get_config(args.config, args.minutes, args.data, args.tokens, args.threads, args.device), args.out, args.resume,
          args.init)


if __name__ == '__main__':
    main()
