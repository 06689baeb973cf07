"""ONNX export: the ai.treeformer nodes, I/O names and types, dynamic N, the card."""
import json

import onnx
import pytest
import torch
from onnx import helper

from models.treeformer.export import export_onnx, model_card, random_model
from models.treeformer.model import TreeformerConfig


@pytest.fixture(scope='module')
def exported(tmp_path_factory):
    folder = tmp_path_factory.mktemp('export')
    model = random_model('tiny', seed=0)
    path = folder / 'tiny.onnx'
    export_onnx(model, path)
    return model, path, onnx.load(str(path))


def dims(value_info):
    return [d.dim_param or d.dim_value for d in value_info.type.tensor_type.shape.dim]


def test_graph_uses_the_custom_ops(exported):
    model, _, proto = exported
    cfg = model.cfg
    assert cfg.attention == 'tf+tc'
    custom = [n for n in proto.graph.node if n.domain == 'ai.treeformer']
    assert sorted(n.op_type for n in custom) == ['TreeCoarseAttention'] * cfg.n_layer + ['TreeFineAttention'] * cfg.n_layer
    for node in custom:
        attrs = {a.name: helper.get_attribute_value(a) for a in node.attribute}
        assert attrs['num_global'] == cfg.question_len
        assert attrs['scale'] == pytest.approx(1 / cfg.head_dim ** 0.5)
        assert len(node.input) == 8 and len(node.output) == 3
    opsets = {o.domain: o.version for o in proto.opset_import}
    assert opsets['ai.treeformer'] == 1 and opsets[''] == 17
    onnx.checker.check_model(proto)


def test_inputs_and_outputs_follow_the_contract(exported):
    model, _, proto = exported
    cfg = model.cfg
    inputs = {i.name: i for i in proto.graph.input}
    assert list(inputs) == ['input_ids', 'segment_ids', 'attention_mask']
    for value in inputs.values():
        assert value.type.tensor_type.elem_type == onnx.TensorProto.INT64
        assert dims(value) == [1, 'N']
    outputs = {o.name: o for o in proto.graph.output}
    assert list(outputs) == ['start_logits', 'end_logits', 'leaf_ids', 'relevance_logit', 'relevance_evidence']
    assert outputs['relevance_logit'].type.tensor_type.elem_type == onnx.TensorProto.FLOAT
    assert dims(outputs['relevance_logit']) == [1]
    assert outputs['relevance_evidence'].type.tensor_type.elem_type == onnx.TensorProto.FLOAT
    assert dims(outputs['relevance_evidence']) == [1, 'N']
    assert outputs['start_logits'].type.tensor_type.elem_type == onnx.TensorProto.FLOAT
    assert dims(outputs['end_logits']) == [1, 'N']
    assert outputs['leaf_ids'].type.tensor_type.elem_type == onnx.TensorProto.INT64
    assert dims(outputs['leaf_ids']) == [cfg.n_layer, cfg.n_head, 'N']


@pytest.mark.parametrize('kind', ['dense', 'linformer'])
def test_baselines_export_without_tree_ops(kind, tmp_path):
    """Dense is ORT's fused MultiHeadAttention (flash, O(N) memory, for bench:model); Linformer ordinary ops."""
    from models.treeformer.model import Treeformer
    cfg = TreeformerConfig(vocab_size=32, n_layer=2, n_head=2, d_model=16, attention=kind, question_len=4,
                           linformer_max_len=256)
    path = tmp_path / f'{kind}.onnx'
    export_onnx(Treeformer(cfg), path)
    proto = onnx.load(str(path))
    custom = [(n.domain, n.op_type) for n in proto.graph.node if n.domain]
    assert custom == ([('com.microsoft', 'MultiHeadAttention')] * cfg.n_layer if kind == 'dense' else [])
    # No key padding mask, so ORT takes its flash path (O(N) memory); modelParity checks the folded mask.
    assert all(len(n.input) == 4 for n in proto.graph.node if n.op_type == 'MultiHeadAttention')
    assert dims(proto.graph.output[2]) == [2, 2, 'N']
    onnx.checker.check_model(proto)


def test_card_carries_what_the_engine_reads(exported, tmp_path):
    model, path, _ = exported
    vocab = tmp_path / 'vocab.json'
    vocab.write_text(json.dumps({'format': 'treeformer-vocab', 'version': 'v-test', 'size': 256}))
    card = model_card(model, tmp_path / 'm.onnx', vocab, ckpt=None)
    for key in ('max_window', 'question_len', 'n_layer', 'n_head', 'tree_depth', 'vocab_size'):
        assert isinstance(card['config'][key], int) and card['config'][key] > 0
    assert card['tokenizer'] == {'vocab': 'vocab.json', 'version': 'v-test', 'size': 256}
    assert card['metrics']['status'] == 'pending'
    assert 'relevance_logit' in card['io']['outputs']
    json.dumps(card)  # serialisable as is
    card = model_card(model, path, None, ckpt=None)
    import hashlib
    assert card['model_sha256'] == hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize('levels, read', [
    ([{'attention': 'tc', 'minutes': 1, 'seq_len': 1024}, {'attention': 'tf+tc', 'minutes': 1, 'seq_len': 0}], 4096),
    ([{'attention': 'tc', 'minutes': 1, 'seq_len': 2048}], 2048),
    ([{'attention': 'tf+tc', 'minutes': 1, 'seq_len': 2048, 'mixed_lengths': (2048, 4096, 8192)}], 4096),
    ([{'attention': 'tf+tc', 'minutes': 1, 'seq_len': 2048, 'mixed_lengths': (2048, 8192)}], 8192),
])
def test_the_card_reads_at_the_length_the_last_level_trained_at(exported, levels, read):
    model, path, _ = exported
    ckpt = {'train_config': {'name': 'x', 'seq_len': 4096, 'group_size': 3, 'step_tokens': 1, 'levels': levels}}
    card = model_card(model, path, None, ckpt=ckpt)
    assert card['reader']['read_tokens'] == read - model.cfg.question_len


def test_a_read_length_chosen_on_the_questions_replaces_the_training_length(exported):
    model, path, _ = exported
    levels = [{'attention': 'tf+tc', 'minutes': 1, 'seq_len': 2048, 'mixed_lengths': (2048, 4096, 8192)}]
    ckpt = {'train_config': {'name': 'x', 'seq_len': 4096, 'group_size': 3, 'step_tokens': 1, 'levels': levels}}
    longest = model.cfg.max_window - model.cfg.question_len
    assert model_card(model, path, None, ckpt=ckpt, read_tokens=longest // 2)['reader']['read_tokens'] == longest // 2
    too_long = longest + 1
    for bad in (0, too_long):
        with pytest.raises(SystemExit, match='--read-tokens'):
            model_card(model, path, None, ckpt=ckpt, read_tokens=bad)


def test_a_vocabulary_of_another_size_is_refused(exported, tmp_path):
    model, path, _ = exported
    vocab = tmp_path / 'vocab.json'
    vocab.write_text(json.dumps({'format': 'treeformer-vocab', 'version': 'v-other', 'size': model.cfg.vocab_size + 1}))
    with pytest.raises(SystemExit, match='ids but the model was trained with'):
        model_card(model, path, vocab, ckpt=None)


def test_a_file_that_is_not_a_checkpoint_is_refused(tmp_path):
    from models.treeformer.export import load_checkpoint
    bad = tmp_path / 'bad.pt'
    bad.write_bytes(b'not a checkpoint')
    with pytest.raises(SystemExit, match='not a checkpoint'):
        load_checkpoint(bad)


def test_random_model_can_take_the_vocabulary_size():
    model = random_model('tiny', seed=1, vocab_size=1000)
    assert model.tok_emb.num_embeddings == 1000
    out = model(torch.tensor([[1, 999, 2, 0, 0, 0, 0, 0, 500]]), torch.tensor([[0] * 8 + [1]]),
                torch.tensor([[1, 1, 1, 0, 0, 0, 0, 0, 1]]))
    assert out.start_logits.shape == (1, 9)
