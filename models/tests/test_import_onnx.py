"""A checkpoint recovered from an exported model: the same weights, or a clear refusal."""
import pytest
import torch

from models.treeformer.export import export_onnx, random_model
from models.treeformer.import_onnx import OnnxImportError, check_round_trip, recover_state_dict
from models.treeformer.model import CHUNK_TOP_TOKENS


@pytest.fixture(scope='module')
def exported(tmp_path_factory):
    model = random_model('tiny', seed=3)
    with torch.no_grad():  # trained-looking gains, so a q/k gain left at its init would show
        for name, p in model.named_parameters():
            p.add_(0.01 * torch.randn_like(p))
    path = tmp_path_factory.mktemp('import') / 'tiny.onnx'
    export_onnx(model, path)
    return model, path


def test_every_weight_comes_back(exported):
    model, path = exported
    state = recover_state_dict(path, model.cfg)
    for name, value in model.state_dict().items():
        assert torch.equal(state[name], value), name
    check_round_trip(path, model.cfg, state)  # raises when any initializer differs


def test_a_model_of_another_config_is_refused(exported):
    model, path = exported
    other = random_model('tiny', seed=0).cfg
    other.d_ff = model.cfg.d_ff * 2
    with pytest.raises(OnnxImportError, match='another model'):
        recover_state_dict(path, other)


def test_weights_that_do_not_export_to_the_model_are_refused(exported):
    model, path = exported
    state = recover_state_dict(path, model.cfg)
    state['ln_f.bias'] = state['ln_f.bias'] + 1e-3
    with pytest.raises(OnnxImportError, match='do not export'):
        check_round_trip(path, model.cfg, state)


def test_an_imported_checkpoint_exports_again_with_its_card(exported, tmp_path, monkeypatch):
    import json
    import sys
    from models.treeformer import export, import_onnx
    from models.treeformer.export import model_card
    model, path = exported
    card = model_card(model, path, None, None)
    card['reader'] = {'read_tokens': 4064}
    card['training'] = {'config': 'ship', 'levels': [{'seq_len': 4096}]}
    card['data'] = {'train_examples': 7}
    shipped = tmp_path / 'shipped.onnx'
    shipped.write_bytes(path.read_bytes())
    shipped.with_suffix('.json').write_text(json.dumps(card))
    monkeypatch.setattr(sys, 'argv', ['import_onnx', '--model', str(shipped), '--out', str(tmp_path / 'ck.pt')])
    import_onnx.main()
    monkeypatch.setattr(sys, 'argv', ['export', '--checkpoint', str(tmp_path / 'ck.pt'), '--out', str(tmp_path / 'again.onnx')])
    export.main()
    again = json.loads((tmp_path / 'again.json').read_text())
    # the read length is the imported card's; the chunk score is the engine contract of this export
    assert again['reader'] == {'read_tokens': 4064, 'chunk_top_tokens': CHUNK_TOP_TOKENS}
    assert again['training']['config'] == 'ship' and again['training']['imported_from'] == 'shipped.onnx'
    assert again['data'] == {'train_examples': 7}
    assert 'relevance_evidence' in again['io']['outputs']
