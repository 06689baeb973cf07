"""Weight averaging (models/treeformer/average.py): the mean of a run's
checkpoints, tree splits recentred afterwards, other models refused."""
import pytest
import torch

from models.treeformer.average import main as average
from models.treeformer.export import load_checkpoint
from models.treeformer.train import get_config, train


@pytest.fixture(scope='module')
def two_checkpoints(tmp_path_factory):
    root = tmp_path_factory.mktemp('average')
    paths = []
    for seed in (0, 1):
        cfg = get_config('tiny')
        cfg.seed = seed
        train(cfg, root / f'run{seed}')
        paths.append(root / f'run{seed}' / 'checkpoint.pt')
    return paths


def test_the_average_is_the_mean_and_its_splits_are_recentred(two_checkpoints, tmp_path):
    a, b = (torch.load(p, map_location='cpu')['model'] for p in two_checkpoints)
    average(['--checkpoints', *map(str, two_checkpoints), '--out', str(tmp_path / 'mean.pt'), '--recenter-steps', '0'])
    mean = torch.load(tmp_path / 'mean.pt', map_location='cpu')
    for name, value in mean['model'].items():
        want = (a[name] + b[name]) / 2 if value.is_floating_point() else a[name]
        assert torch.allclose(value, want), name
    assert mean['optimizer'] is None and len(mean['averaged_from']) == 2

    average(['--checkpoints', *map(str, two_checkpoints), '--out', str(tmp_path / 'recentred.pt'), '--recenter-steps', '2'])
    model, _ = load_checkpoint(tmp_path / 'recentred.pt')  # what export loads
    recentred = model.state_dict()
    moved = [n for n in recentred if not torch.equal(recentred[n], mean['model'][n])]
    assert moved and all(n.endswith('tree_b') for n in moved), moved


def test_checkpoints_of_another_model_are_refused(two_checkpoints, tmp_path):
    other = torch.load(two_checkpoints[1], map_location='cpu')
    other['model_config'] = {**other['model_config'], 'd_model': 64}
    torch.save(other, tmp_path / 'other.pt')
    with pytest.raises(SystemExit, match='another model config'):
        average(['--checkpoints', str(two_checkpoints[0]), str(tmp_path / 'other.pt'), '--out', str(tmp_path / 'x.pt')])


def test_the_moving_average_of_one_checkpoint_is_taken_out_whole(two_checkpoints, tmp_path):
    run = torch.load(two_checkpoints[0], map_location='cpu')
    average(['--checkpoints', str(two_checkpoints[0]), '--ema', '0.9', '--out', str(tmp_path / 'ema.pt'),
             '--recenter-steps', '0'])
    ema = torch.load(tmp_path / 'ema.pt', map_location='cpu')
    for name, value in ema['model'].items():
        want = run['ema']['0.9'][name] if value.is_floating_point() else run['model'][name]
        assert torch.equal(value, want), name
    assert ema['ema_decay'] == 0.9 and ema['ema'] is None
    assert any(not torch.equal(ema['model'][n], run['model'][n]) for n in run['ema']['0.9'])
    with pytest.raises(SystemExit, match='no moving average of decay 0.5'):
        average(['--checkpoints', str(two_checkpoints[0]), '--ema', '0.5', '--out', str(tmp_path / 'x.pt')])
