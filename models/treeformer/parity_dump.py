"""Fixtures for the PyTorch-vs-ONNX-Runtime parity test.

  python3 -m models.treeformer.parity_dump --out <dir> [--seed S]

Exports untrained `tiny` models, one per attention kind (tf, tc, tf+tc with
the ai.treeformer ops, tf+tc also with the soft question match and question
coverage; dense and
linformer with ordinary ops) to
<dir>/<kind>/model.onnx, runs PyTorch on fixed inputs, and writes
<dir>/manifest.json:

  {"tolerance": 1e-4, "cases": [{"name", "model" (relative to <dir>),
    "inputs":  {input_ids|segment_ids|attention_mask: {"shape", "data"}},
    "expected": {start_logits|end_logits|leaf_ids|relevance_logit|relevance_evidence: {"shape", "data"}},
    "min_route_margin": smallest |w·x + b| of any routing decision (null: no tree),
    "attention_effect": largest logit change when attention is zeroed}]}

The Node test runs each model through the project's backend and compares:
logits within the tolerance, leaf ids identical. min_route_margin says how
close the nearest decision came to the other branch (a float32 difference
larger than it could legitimately flip a leaf).
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

import torch

from .export import ExportWrapper, example_inputs, export_onnx
from .model import TREE_KINDS, Treeformer, route
from .train import get_config

KINDS = ('tf', 'tc', 'tf+tc', 'dense', 'linformer')
DOC_LENGTHS = {'tf+tc': [40, 300]}  # the second length checks the dynamic N; other kinds: [40]
TOLERANCE = 1e-4


def _tensor(t: torch.Tensor) -> dict:
    return {'shape': list(t.shape), 'data': t.reshape(-1).tolist()}


@torch.no_grad()
def amplify(model, seed: int) -> None:
    """Redraws every weight at unit scale (std 1/sqrt(fan-in)) and re-splits the
    trees, so attention moves the logits by far more than the tolerance (at
    the small training init it would hide inside it)."""
    g = torch.Generator().manual_seed(seed)
    for name, p in model.named_parameters():
        if 'tree_' in name or 'gain' in name or name.endswith('ln_f.weight') or '.ln_' in name:
            continue
        fan_in = p.shape[-1] if p.dim() >= 2 else 1
        p.copy_(torch.randn(p.shape, generator=g) / fan_in ** 0.5)
    if model.cfg.attention in TREE_KINDS:
        model.init_trees_from_data(*example_inputs(model.cfg, doc_len=256, seed=seed + 1))


@torch.no_grad()
def fill_match_buffers(model, seed: int) -> None:
    """Word classes shared by several ids (so exact and soft matches occur in
    the random inputs), random rarities and unit word vectors."""
    g = torch.Generator().manual_seed(seed + 2)
    V = model.cfg.vocab_size
    classes = torch.randint(0, V // 4, (V,), generator=g)
    classes[:4] = -1  # the specials never match
    model.set_match_classes(classes)
    if model.cfg.match_rarity:
        model.set_match_rarity(torch.rand(V, generator=g))
    if model.cfg.soft_match:
        vectors = torch.randn(V, model.cfg.soft_match_dim, generator=g)
        model.set_word_vectors(vectors / vectors.norm(dim=1, keepdim=True))


@torch.no_grad()
def attention_effect(model, inputs) -> float:
    """Largest logit change when every attention output is zeroed: what a
    wrong attention op would have to hide under the tolerance."""
    start, end = ExportWrapper(model)(*inputs)[:2]
    saved = [(b.attn.proj.weight.clone(), b.attn.proj.bias.clone()) for b in model.blocks]
    for b in model.blocks:
        b.attn.proj.weight.zero_()
        b.attn.proj.bias.zero_()
    start0, end0 = ExportWrapper(model)(*inputs)[:2]
    for b, (w, bias) in zip(model.blocks, saved):
        b.attn.proj.weight.copy_(w)
        b.attn.proj.bias.copy_(bias)
    return float(torch.max((start - start0).abs().max(), (end - end0).abs().max()))


@torch.no_grad()
def min_route_margin(model, inputs) -> float:
    """Smallest |margin| over every query/key decision of valid positions, all layers."""
    valid = inputs[2] != 0
    smallest = float('inf')
    for attn, q, k in model.queries_and_keys(*inputs):
        for x in (q, k):
            r = route(x, attn.tree_w, attn.tree_b, valid)
            margins = r.margin.abs()[valid[:, None, :].expand(r.leaf.shape)]
            if margins.numel():
                smallest = min(smallest, float(margins.min()))
    return smallest


def dump(out: Path, seed: int) -> dict:
    torch.set_num_threads(2)
    cases = []
    for kind in KINDS:
        cfg = get_config('tiny').model
        cfg.attention = kind
        # The shipped kind carries the soft question match too (its buffers as the ONNX graph's constants),
        # and question coverage at a radius shorter and one longer than the short document.
        cfg.soft_match, cfg.soft_match_dim = kind == 'tf+tc', 8
        cfg.coverage_radii = (3, 64) if kind == 'tf+tc' else ()
        torch.manual_seed(seed)
        model = Treeformer(cfg)
        amplify(model, seed)
        fill_match_buffers(model, seed)
        model.eval()
        model_path = out / kind / 'model.onnx'
        export_onnx(model, model_path)
        for doc_len in DOC_LENGTHS.get(kind, [40]):
            inputs = example_inputs(model.cfg, doc_len, seed=seed + doc_len)
            with torch.no_grad():
                start, end, leaves, relevance, evidence = ExportWrapper(model)(*inputs)
            cases.append({
                'name': f'{kind} N={inputs[0].shape[1]}',
                'model': model_path.relative_to(out).as_posix(),
                'inputs': {name: _tensor(t) for name, t in zip(('input_ids', 'segment_ids', 'attention_mask'), inputs)},
                'expected': {'start_logits': _tensor(start), 'end_logits': _tensor(end), 'leaf_ids': _tensor(leaves),
                             'relevance_logit': _tensor(relevance), 'relevance_evidence': _tensor(evidence)},
                'min_route_margin': min_route_margin(model, inputs) if kind in TREE_KINDS else None,
                'attention_effect': attention_effect(model, inputs),
            })
    manifest = {'tolerance': TOLERANCE, 'cases': cases}
    with open(out / 'manifest.json', 'w') as f:
        json.dump(manifest, f)
    return manifest


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--out', type=Path, required=True)
    parser.add_argument('--seed', type=int, default=0)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    manifest = dump(args.out, args.seed)
    print(f'wrote {len(manifest["cases"])} cases to {args.out / "manifest.json"}')


if __name__ == '__main__':
    main()
