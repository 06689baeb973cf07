"""ONNX export with the ai.treeformer ops, and the model card.

  python3 -m models.treeformer.export --checkpoint <checkpoint.pt> --out models/treeformer-qa.onnx [--vocab FILE]
  python3 -m models.treeformer.export --random-init --config tiny --out <file.onnx> [--vocab FILE] [--seed S]

The ONNX model (DESIGN §6): inputs input_ids, segment_ids, attention_mask
int64 [1,N]; outputs start_logits, end_logits float [1,N] (-10000 where no
answer can start/end: the question side except [CLS], and padding),
leaf_ids int64 [layers,heads,N] (every token's query leaf) and
relevance_logit float [1] (how well the window answers the question,
comparable across windows and files) and relevance_evidence float [1,N]
(the per-token score relevance_logit is the log-sum-exp of; -10000 off the
document). N is dynamic.
Tree attention becomes TreeFineAttention / TreeCoarseAttention nodes
(domain ai.treeformer, version 1) with num_global = question_len; dense
attention becomes ONNX Runtime's com.microsoft MultiHeadAttention (the sink
as an extra key), Linformer ordinary ONNX ops.

The card (<out>.json, beside the .onnx) holds the config, the tokenizer's
vocabulary (path relative to the card, version), the input layout, the
training summary and a metrics section the evaluation step fills in.
`--vocab` names the vocabulary file (default: the one the checkpoint's data
was written with, models/tokenizer/<file>); with --random-init its size
becomes the model's vocab_size, so an untrained model accepts every id of
that vocabulary.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import pickle
import warnings
from dataclasses import asdict
from pathlib import Path
from typing import Optional

import numpy as np
import onnx
import torch
from onnx import helper, numpy_helper

from .data import Layout, question_side
from .model import CHUNK_TOP_TOKENS, NEG_LOGIT, TREE_KINDS, Treeformer, TreeformerConfig
from .train import REPO_ROOT, get_config

INPUT_NAMES = ['input_ids', 'segment_ids', 'attention_mask']
OUTPUT_NAMES = ['start_logits', 'end_logits', 'leaf_ids', 'relevance_logit', 'relevance_evidence']
OPSET = 17
CUSTOM_DOMAIN = 'ai.treeformer'
MICROSOFT_DOMAIN = 'com.microsoft'  # ONNX Runtime's contrib ops: MultiHeadAttention for dense attention


class ExportWrapper(torch.nn.Module):
    """The model with the ONNX outputs: batch 1, leaf_ids [layers,heads,N]
    (dense and Linformer have one "leaf": 0, or -1 at padded positions)."""

    def __init__(self, model: Treeformer):
        super().__init__()
        self.model = model

    def forward(self, input_ids, segment_ids, attention_mask):
        out = self.model(input_ids, segment_ids, attention_mask)
        if out.leaf_ids is not None:
            return out.start_logits, out.end_logits, out.leaf_ids[:, 0], out.relevance_logit, out.relevance_evidence
        cfg = self.model.cfg
        one_leaf = (attention_mask[0] - 1).expand(cfg.n_layer, cfg.n_head, -1)
        return out.start_logits, out.end_logits, one_leaf, out.relevance_logit, out.relevance_evidence


def example_inputs(cfg: TreeformerConfig, doc_len: int, seed: int = 0):
    """A [1, question_len + doc_len] input: a question shorter than its side
    (so the side has masked PADs) and random document ids."""
    g = torch.Generator().manual_seed(seed)
    layout = Layout(seq_len=cfg.question_len + doc_len, question_len=cfg.question_len,
                    pad_id=cfg.pad_id, cls_id=cfg.cls_id, sep_id=cfg.sep_id)
    q_len = max(1, (cfg.question_len - 2) // 2)
    first = 4  # ids below are specials
    question = torch.randint(first, cfg.vocab_size, (q_len,), generator=g).numpy()
    q_ids, q_mask = question_side(question, layout)
    doc = torch.randint(first, cfg.vocab_size, (doc_len,), generator=g)
    input_ids = torch.cat([torch.from_numpy(q_ids), doc])[None]
    segment_ids = torch.cat([torch.zeros(cfg.question_len, dtype=torch.long), torch.ones(doc_len, dtype=torch.long)])[None]
    attention_mask = torch.cat([torch.from_numpy(q_mask), torch.ones(doc_len, dtype=torch.long)])[None]
    return input_ids, segment_ids, attention_mask


def export_onnx(model: Treeformer, path: Path) -> None:
    """Writes `model` to `path` with a dynamic N (tree kinds as ai.treeformer
    nodes, dense as com.microsoft MultiHeadAttention, Linformer as ordinary ONNX ops)."""
    cfg = model.cfg
    model.eval()
    inputs = example_inputs(cfg, doc_len=64)
    dynamic = {name: {1: 'N'} for name in INPUT_NAMES + ['start_logits', 'end_logits', 'relevance_evidence']}
    dynamic['leaf_ids'] = {2: 'N'}
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + '.tmp')
    with warnings.catch_warnings():  # tracer chatter about the ops' PyTorch bodies, which are not traced
        warnings.simplefilter('ignore')
        torch.onnx.export(ExportWrapper(model), inputs, str(tmp), input_names=INPUT_NAMES, output_names=OUTPUT_NAMES,
                          opset_version=OPSET, dynamic_axes=dynamic,
                          custom_opsets={CUSTOM_DOMAIN: 1} if cfg.attention in TREE_KINDS else
                          {MICROSOFT_DOMAIN: 1} if cfg.attention == 'dense' else None,
                          do_constant_folding=True)
    proto = onnx.load(str(tmp))
    fold_key_padding_masks(proto)
    # The tracer leaves the fixed output dims as free symbols; state them.
    fixed = {'start_logits': [1], 'end_logits': [1], 'leaf_ids': [cfg.n_layer, cfg.n_head], 'relevance_logit': [1],
             'relevance_evidence': [1]}
    for output in proto.graph.output:
        for dim, value in zip(output.type.tensor_type.shape.dim, fixed[output.name]):
            dim.dim_value = value
    onnx.save(proto, str(tmp))
    os.replace(tmp, path)


MASK_SCORE = 1.0e4  # what a padded key's score is lowered by: exp(-MASK_SCORE) is 0 in float32


def fold_key_padding_masks(proto: onnx.ModelProto) -> int:
    """Rewrites every MultiHeadAttention node that has a key padding mask into
    one without: returns how many.

    ORT runs MultiHeadAttention as flash attention (O(N) memory, so the dense
    twin reads 64k tokens, as bench:model needs) only when it has no mask; with
    one it builds the N×N scores (64 GiB at 64k). The mask moves into one extra
    q/k column: q' = [q, 1] per head, k' = [k, c] with c = 0 at a valid key and
    -MASK_SCORE/scale at a padded one. A valid key's score is unchanged, a
    padded key's weight is 0; v keeps its head size (MHA allows qk and v head
    sizes to differ)."""
    graph = proto.graph
    constants = {n.output[0]: numpy_helper.to_array(n.attribute[0].t) for n in graph.node
                 if n.op_type == 'Constant' and n.attribute and n.attribute[0].name == 'value'}
    constants.update({t.name: numpy_helper.to_array(t) for t in graph.initializer})
    nodes, folded = [], 0
    for node in graph.node:
        if not (node.domain == MICROSOFT_DOMAIN and node.op_type == 'MultiHeadAttention'
                and len(node.input) >= 5 and node.input[4]):
            nodes.append(node)
            continue
        if len(node.input) > 5 or node.input[3] not in constants:
            raise ValueError(f'{node.name}: only q, k, v, a constant bias and a key padding mask can be folded')
        attrs = {a.name: helper.get_attribute_value(a) for a in node.attribute}
        heads, scale = int(attrs['num_heads']), float(attrs['scale'])
        bias = constants[node.input[3]]
        if np.any(bias != 0) or bias.size % (3 * heads):
            raise ValueError(f'{node.name}: only a zero bias of 3·heads·head_size can be folded')
        head_size = bias.size // (3 * heads)
        name = lambda part: f'{node.name or node.output[0]}/fold_mask/{part}'
        made = []

        def op(kind, inputs, part, **kw):
            made.append(helper.make_node(kind, inputs, [name(part)], name=name(part), **kw))
            return name(part)

        def const(part, value):
            made.append(helper.make_node('Constant', [], [name(part)], name=name(part),
                                         value=numpy_helper.from_array(np.asarray(value), name(part))))
            return name(part)

        per_head = const('per_head', np.array([0, 0, heads, head_size], dtype=np.int64))
        flat = const('flat', np.array([0, 0, -1], dtype=np.int64))
        first3 = (const('zero', np.array([0], dtype=np.int64)), const('three', np.array([3], dtype=np.int64)))
        one_wide = const('one_wide', np.array([1], dtype=np.int64))

        def with_column(x, column, part):  # [B,S,H*D], column broadcastable to [B,S,H,1] -> [B,S,H*(D+1)]
            x4 = op('Reshape', [x, per_head], f'{part}_heads')
            shape = op('Concat', [op('Slice', [op('Shape', [x4], f'{part}_shape'), *first3], f'{part}_bsh'),
                                  one_wide], f'{part}_col_shape', axis=0)
            wide = op('Concat', [x4, op('Expand', [column, shape], f'{part}_col')], f'{part}_wide', axis=3)
            return op('Reshape', [wide, flat], f'{part}_flat')

        padded = op('Cast', [op('Equal', [node.input[4], const('valid', np.array(0, dtype=np.int32))], 'is_pad')],
                    'pad_f', to=onnx.TensorProto.FLOAT)  # [B,S] 1 at a padded key
        key_column = op('Mul', [op('Unsqueeze', [padded, const('axes', np.array([2, 3], dtype=np.int64))], 'pad_4d'),
                                const('lower', np.array(-MASK_SCORE / scale, dtype=np.float32))], 'key_col')
        q = with_column(node.input[0], const('ones', np.ones((1, 1, 1, 1), dtype=np.float32)), 'q')
        k = with_column(node.input[1], key_column, 'k')
        zero_bias = const('bias', np.zeros(2 * heads * (head_size + 1) + heads * head_size, dtype=np.float32))
        nodes.extend(made)
        nodes.append(helper.make_node('MultiHeadAttention', [q, k, node.input[2], zero_bias], list(node.output),
                                      name=node.name, domain=MICROSOFT_DOMAIN, **attrs))
        folded += 1
    used = {i for n in nodes for i in n.input} | {o.name for o in graph.output}
    del graph.node[:]
    graph.node.extend(n for n in nodes if n.op_type != 'Constant' or n.output[0] in used)  # the old biases
    return folded


def random_model(config_name: str, seed: int, vocab_size: Optional[int] = None) -> Treeformer:
    """An untrained model of a named config, trees split on its own activations of random input."""
    train_cfg = get_config(config_name)
    cfg = train_cfg.model
    cfg.attention = train_cfg.levels[-1].attention  # the kind its training would end with
    if vocab_size is not None:
        cfg.vocab_size = vocab_size
    torch.manual_seed(seed)
    model = Treeformer(cfg)
    if cfg.attention in TREE_KINDS and cfg.attention != 'random_tree':
        model.init_trees_from_data(*example_inputs(cfg, doc_len=256, seed=seed + 1))
    return model


def load_checkpoint(path: Path):
    try:
        ckpt = torch.load(path, map_location='cpu')
        model = Treeformer(TreeformerConfig(**ckpt['model_config']))
        model.load_state_dict(ckpt['model'])
    except (RuntimeError, KeyError, TypeError, EOFError, OSError, pickle.UnpicklingError) as err:
        raise SystemExit(f'export: {path} is not a checkpoint of this model ({type(err).__name__}: '
                         f'{str(err).splitlines()[0] if str(err) else "unreadable"})')
    return model.eval(), ckpt


def _relative(p, start: Path) -> str:
    return os.path.relpath(Path(p).resolve(), start.resolve())


def model_card(model: Treeformer, onnx_path: Path, vocab_path: Optional[Path], ckpt: Optional[dict],
               read_tokens: Optional[int] = None) -> dict:
    """`read_tokens`: the document tokens a window the engine reads, when chosen on the hand-written
    questions rather than taken from the training length (docs/runs.md)."""
    cfg = model.cfg
    if read_tokens is not None and not 1 <= read_tokens <= cfg.max_window - cfg.question_len:
        raise SystemExit(f'export: --read-tokens {read_tokens} is outside [1, {cfg.max_window - cfg.question_len}] '
                         f'(max_window {cfg.max_window} less the question side {cfg.question_len})')
    card_dir = onnx_path.parent
    card = {
        'format': 'treeformer-qa-card/1',
        'model': onnx_path.name,
        'model_sha256': hashlib.sha256(onnx_path.read_bytes()).hexdigest() if onnx_path.exists() else None,
        'config': asdict(cfg),
        'io': {
            'inputs': {name: 'int64 [1,N]' for name in INPUT_NAMES},
            'outputs': {'start_logits': 'float [1,N]', 'end_logits': 'float [1,N]',
                        'leaf_ids': f'int64 [{cfg.n_layer},{cfg.n_head},N]', 'relevance_logit': 'float [1]',
                        'relevance_evidence': 'float [1,N]'},
            'layout': f'[CLS] question [SEP] PAD... over exactly question_len={cfg.question_len} positions '
                      '(segment 0; PAD has attention_mask 0; longer questions are truncated), then document '
                      'tokens (segment 1, mask 1)',
            'no_answer': 'position 0 ([CLS]): its start+end logits score "the answer is not in this window"',
            'relevance': 'relevance_logit: log-sum-exp over document tokens of a per-token score, trained with a '
                         'softmax over windows of the same question (one holds the answer); add '
                         'start/end log-softmax over the window to score a span across windows; '
                         'relevance_evidence: that per-token score (masked_logit off the document); a chunk '
                         'scores as the mean of its reader.chunk_top_tokens highest values',
            'masked_logit': NEG_LOGIT,
        },
        'metrics': {'status': 'pending', 'note': 'the real-question figures go to questions_eval '
                                                 '(npm run eval:questions -- --card), the mined test split to '
                                                 'mined_eval (python3 -m models.treeformer.mined_eval --card)'},
    }
    if cfg.attention in TREE_KINDS:
        card['io']['ops'] = {'domain': CUSTOM_DOMAIN, 'version': 1,
                             'attributes': {'num_global': cfg.question_len, 'scale': 1 / cfg.head_dim ** 0.5}}
    if vocab_path is not None and vocab_path.exists():
        with open(vocab_path) as f:
            vocab = json.load(f)
        if int(vocab['size']) != cfg.vocab_size:
            raise SystemExit(f'export: the vocabulary {vocab_path.name} has {vocab["size"]} ids but the model was '
                             f'trained with {cfg.vocab_size}; pass the vocabulary its data was written with')
        card['tokenizer'] = {'vocab': _relative(vocab_path, card_dir), 'version': vocab['version'],
                             'size': int(vocab['size'])}
    # The engine reads windows of the length the model was trained at (its last level's); a level of
    # mixed lengths trained at several, and reads at its config's seq_len when that is one of them.
    seq_len = cfg.question_len + 64
    if ckpt is not None and 'train_config' in ckpt:
        train_cfg = ckpt['train_config']
        last = train_cfg['levels'][-1]
        mixed = tuple(last.get('mixed_lengths') or ())
        if mixed:
            seq_len = train_cfg['seq_len'] if train_cfg['seq_len'] in mixed else max(mixed)
        else:
            seq_len = last.get('seq_len') or train_cfg['seq_len']
    # … and score a chunk by the mean of its CHUNK_TOP_TOKENS highest relevance evidence values.
    card['reader'] = {'read_tokens': seq_len - cfg.question_len, 'chunk_top_tokens': CHUNK_TOP_TOKENS}
    if ckpt is None:
        card['training'] = {'status': 'untrained (random initialisation, trees split on random input)'}
    elif 'imported_from' in ckpt:  # import_onnx: the weights, and what the model they came from said of itself
        if not ckpt.get('reader') or not ckpt.get('training'):
            raise SystemExit(f'export: this checkpoint was imported from {ckpt["imported_from"]} without its card\'s '
                             'reader and training sections; import it again')
        card['reader'] = {**ckpt['reader'], 'chunk_top_tokens': CHUNK_TOP_TOKENS}
        card['training'] = {**ckpt['training'], 'imported_from': Path(ckpt['imported_from']).name}
        card['data'] = ckpt.get('data')
    else:
        summary = ckpt.get('summary', {})
        train_cfg = ckpt['train_config']
        minutes = sum(level['minutes'] for level in train_cfg['levels'])
        tokens = sum(level.get('tokens', 0) for level in train_cfg['levels'])
        card['training'] = {
            'config': train_cfg['name'], 'seq_len': train_cfg['seq_len'], 'group_size': train_cfg['group_size'],
            'step_tokens': train_cfg['step_tokens'],
            'levels': summary.get('levels', ckpt.get('levels')), 'tokens': ckpt.get('tokens'),
            'extrapolation': summary.get('extrapolation'),
            'command': f'python3 -m models.treeformer.train --config {train_cfg["name"]}'
                       + (f' --minutes {minutes:g}' if minutes else '') + (f' --tokens {tokens}' if tokens else '')
                       + (f' --init {ckpt["init"]}' if ckpt.get('init') else ''),
            'init': ckpt.get('init'),  # the checkpoint whose weights started this run (its own card says how it trained)
            'finished': ckpt.get('level', 0) >= len(train_cfg['levels']),
        }
        if ckpt.get('averaged_from'):  # average.py: the shipped weights are a mean or a moving average of the run's
            card['training']['weights'] = {
                'averaged_from': ckpt['averaged_from'], 'ema_decay': ckpt.get('ema_decay'),
                'note': "levels and extrapolation are the run's own weights; the averaged ones are scored by eval:questions"}
        card['data'] = ckpt.get('data')
    if read_tokens is not None:
        card['reader']['read_tokens'] = read_tokens
    return card


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument('--checkpoint', type=Path)
    source.add_argument('--random-init', action='store_true')
    parser.add_argument('--config', default='tiny', help='with --random-init: the named config')
    parser.add_argument('--out', type=Path, required=True, help='the .onnx path; the card goes beside it')
    parser.add_argument('--vocab', type=Path, help="vocabulary file (default: the checkpoint's)")
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--attention', choices=['dense'],
                        help="export the same weights with this attention instead (bench:model's dense twin)")
    parser.add_argument('--read-tokens', type=int,
                        help='document tokens a window the engine reads (default: the training length less the '
                             'question side)')
    args = parser.parse_args()
    torch.set_num_threads(2)
    vocab_path = args.vocab
    if args.random_init:
        vocab_size = None
        if args.vocab is not None:
            with open(args.vocab) as f:
                vocab_size = int(json.load(f)['size'])
        model, ckpt = random_model(args.config, args.seed, vocab_size), None
    else:
        model, ckpt = load_checkpoint(args.checkpoint)
        recorded = (ckpt.get('vocabulary') or {}).get('file')
        if vocab_path is None and recorded:
            vocab_path = REPO_ROOT / 'models' / 'tokenizer' / recorded
    if args.attention:
        model.set_attention(args.attention)
    export_onnx(model, args.out)
    card = model_card(model, args.out, vocab_path, ckpt, args.read_tokens)
    card_path = args.out.with_suffix('.json')
    with open(card_path, 'w') as f:
        json.dump(card, f, indent=2)
        f.write('\n')
    print(f'wrote {args.out} and {card_path}')


if __name__ == '__main__':
    main()
