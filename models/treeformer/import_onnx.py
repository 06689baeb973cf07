"""A training checkpoint recovered from an exported model, so training can go on
from a shipped .onnx whose checkpoint is gone (checkpoints are not committed).

  python3 -m models.treeformer.import_onnx --model models/treeformer-qa.onnx --out <checkpoint.pt>

The card beside the .onnx gives the config and vocabulary. The exporter names
most initializers after their parameter (`model.<name>`); the rest (Linear
weights, transposed for MatMul; the q/k gains, reshaped for Mul) get names
like `onnx::MatMul_503` that depend only on the traced graph. So a model of
the same config, each parameter filled with its own random values, is
exported once, and each anonymous initializer is matched by value to the
parameter (as is, or transposed) it came from. The recovered weights are then
checked by exporting them again: every initializer must equal the shipped
one bit for bit, or nothing is written.
"""
from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path
from typing import Dict, Tuple

import numpy as np
import onnx
import torch
from onnx import numpy_helper

from .export import export_onnx
from .model import Treeformer, TreeformerConfig
from .train import save_atomic

PREFIX = 'model.'

# How an initializer's value is made from its parameter's: as is (reshaped), or a 2-D transpose.
AS_IS = 'as is'
TRANSPOSED = 'transposed'


class OnnxImportError(SystemExit):
    pass


def initializers(path: Path) -> Dict[str, np.ndarray]:
    return {t.name: numpy_helper.to_array(t) for t in onnx.load(str(path)).graph.initializer}


def initializer_sources(cfg: TreeformerConfig) -> Dict[str, Tuple[str, str, tuple]]:
    """initializer name -> (parameter name, AS_IS | TRANSPOSED, its shape) for models of `cfg`."""
    torch.manual_seed(0)
    model = Treeformer(cfg)
    params = dict(model.named_parameters())
    with torch.no_grad():  # distinct values everywhere, so a value names its parameter
        for p in params.values():
            p.copy_(torch.rand_like(p) + 1.0)
    with tempfile.TemporaryDirectory() as tmp:
        probe = Path(tmp) / 'probe.onnx'
        export_onnx(model, probe)
        exported = initializers(probe)
    named = set(model.state_dict())  # parameters and buffers
    values = {name: p.detach().numpy() for name, p in params.items()}
    sources: Dict[str, Tuple[str, str, tuple]] = {}
    for init_name, value in exported.items():
        if init_name.startswith(PREFIX) and init_name[len(PREFIX):] in named:
            sources[init_name] = (init_name[len(PREFIX):], AS_IS, value.shape)
            continue
        for name, p in values.items():
            if p.size != value.size:
                continue
            if np.array_equal(p.reshape(value.shape), value):
                sources[init_name] = (name, AS_IS, value.shape)
            elif p.ndim == 2 and value.ndim == 2 and np.array_equal(p.T, value):
                sources[init_name] = (name, TRANSPOSED, value.shape)
            else:
                continue
            break
    return sources


def recover_state_dict(model_path: Path, cfg: TreeformerConfig) -> Dict[str, torch.Tensor]:
    shipped = initializers(model_path)
    sources = initializer_sources(cfg)
    model = Treeformer(cfg)
    state = model.state_dict()
    unknown = sorted(set(shipped) - set(sources))
    if unknown:
        raise OnnxImportError(f'import: {model_path} has initializers no parameter of its card\'s config makes '
                           f'({", ".join(unknown[:4])}); was it exported from another model?')
    recovered = set()
    for init_name, (name, how, shape) in sources.items():
        if init_name not in shipped or shipped[init_name].shape != shape:
            raise OnnxImportError(f'import: {model_path} lacks {init_name} ({name}, shape {list(shape)}); '
                                  'was it exported from another model?')
        value = shipped[init_name]
        value = value.T if how == TRANSPOSED else value.reshape(state[name].shape)
        state[name] = torch.from_numpy(np.array(value, copy=True)).to(state[name].dtype)
        recovered.add(name)
    missing = sorted(set(dict(model.named_parameters())) - recovered)
    if missing:  # e.g. a Linformer's projections, sliced to the traced length
        raise OnnxImportError(f'import: {model_path} does not hold {", ".join(missing[:4])} as initializers')
    return state


def check_round_trip(model_path: Path, cfg: TreeformerConfig, state: Dict[str, torch.Tensor]) -> None:
    """Exports `state` again and compares every initializer with the shipped model's."""
    model = Treeformer(cfg)
    model.load_state_dict(state)
    with tempfile.TemporaryDirectory() as tmp:
        again = Path(tmp) / 'again.onnx'
        export_onnx(model, again)
        ours = initializers(again)
    shipped = initializers(model_path)
    differ = [n for n in shipped if n not in ours or not np.array_equal(ours[n], shipped[n])]
    if differ or set(ours) != set(shipped):
        raise OnnxImportError(f'import: the recovered weights do not export to {model_path} '
                           f'({len(differ)} initializers differ, e.g. {", ".join(differ[:3])}); nothing written')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--model', type=Path, required=True, help='the .onnx; its card (.json) sits beside it')
    parser.add_argument('--out', type=Path, required=True, help='the checkpoint to write (usable as train --init)')
    args = parser.parse_args()
    torch.set_num_threads(1)
    card_path = args.model.with_suffix('.json')
    try:
        card = json.loads(card_path.read_text())
        cfg = TreeformerConfig(**card['config'])
    except (OSError, ValueError, KeyError, TypeError) as err:
        raise OnnxImportError(f'import: cannot read the card {card_path} ({err})')
    state = recover_state_dict(args.model, cfg)
    check_round_trip(args.model, cfg, state)
    tok = card.get('tokenizer') or {}  # as the trainer records it (data.read_vocabulary_info)
    vocabulary = ({'version': tok.get('version'), 'size': int(tok['size']), 'file': Path(tok['vocab']).name}
                  if tok.get('vocab') else None)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    save_atomic({'model': state, 'model_config': card['config'], 'vocabulary': vocabulary,
                 'imported_from': str(args.model), 'training': card.get('training'), 'data': card.get('data'),
                 'reader': card.get('reader')}, args.out)
    print(f'wrote {args.out}: {len(state)} tensors from {args.model}, exported again bit for bit')


if __name__ == '__main__':
    main()
