"""The training loop: it learns, it resumes, it logs."""
from dataclasses import replace
import json
import math

import pytest
import torch

from models.treeformer import train as train_module
from models.treeformer.model import Treeformer
from models.treeformer.train import Level, get_config, train


def read_log(out):
    return [json.loads(line) for line in open(out / 'train.log')]


def test_training_reduces_the_loss_on_the_synthetic_task(tmp_path):
    cfg = get_config('tiny')
    cfg.levels = [Level('tc', steps=300)]  # the loss leaves its plateau after ~150-250 steps, seed-dependent
    cfg.log_every_s = 1e9
    cfg.val_groups = 64
    cfg.extrapolation_lengths = (64, 128)
    summary = train(cfg, tmp_path)
    val = summary['levels'][0]['val']
    answerable = cfg.seq_len - cfg.model.question_len + 1  # document tokens + [CLS]
    uniform = math.log(answerable)  # what an untrained model scores
    assert val['loss'] < uniform - 0.3, val
    assert val['start_acc'] > 5 / answerable, val
    assert val['relevance_top1'] > 1 / cfg.group_size, val  # the answer's window ranks first more than by chance
    assert [e['seq_len'] for e in summary['extrapolation']] == [64, 128]


def test_tiny_config_runs_both_levels_and_writes_its_files(tmp_path):
    summary = train(get_config('tiny'), tmp_path)
    assert [s['attention'] for s in summary['levels']] == ['tc', 'tf+tc']
    assert all(s['steps'] == 12 and s['tokens_per_s'] > 0 for s in summary['levels'])
    records = read_log(tmp_path)
    steps = [r for r in records if r['event'] == 'train']
    assert steps and all(r['tokens_per_s'] > 0 and math.isfinite(r['loss']) for r in steps)
    assert all(1.0 <= r['max_leaf_over_mean'] <= 4.0 for r in steps)  # 4 leaves: at most all in one
    assert (tmp_path / 'checkpoint.pt').exists() and (tmp_path / 'summary.json').exists()


def test_an_interrupted_run_resumes_where_its_checkpoint_left_off(tmp_path, monkeypatch):
    cfg = get_config('tiny')
    cfg.checkpoint_every_s = 0.0  # a checkpoint after every step
    real_write = train_module.Log.write

    def interrupting_write(self, **record):
        real_write(self, **record)
        if record.get('event') == 'train' and record['level'] == 1 and record['step'] == 5:
            raise KeyboardInterrupt  # after step 5 was logged, before its checkpoint

    monkeypatch.setattr(train_module.Log, 'write', interrupting_write)
    with pytest.raises(KeyboardInterrupt):
        train(cfg, tmp_path)
    monkeypatch.setattr(train_module.Log, 'write', real_write)

    summary = train(get_config('tiny'), tmp_path, resume=True)
    records = read_log(tmp_path)
    resume = next(r for r in records if r['event'] == 'resume')
    assert (resume['level'], resume['level_step']) == (1, 4)
    after = records[records.index(resume):]
    assert [r['step'] for r in after if r['event'] == 'train'] == list(range(5, 13))
    assert [s['steps'] for s in summary['levels']] == [12, 12]


def test_a_token_budget_stops_each_level_once_its_tokens_are_seen(tmp_path):
    cfg = get_config('tiny')
    per_step = cfg.step_tokens // (cfg.group_size * cfg.seq_len) * cfg.group_size * cfg.seq_len
    cfg.levels = [Level('tc', tokens=3 * per_step), Level('tf+tc', tokens=2 * per_step + 1)]
    summary = train(cfg, tmp_path)
    assert [s['steps'] for s in summary['levels']] == [3, 3]  # a partly spent step still runs
    assert summary['tokens'] == 6 * per_step


def test_budgets_rescale_over_levels_keeping_their_proportions():
    cfg = get_config('ablation-tf-bootstrap', tokens=1000, threads=1)
    assert [level.tokens for level in cfg.levels] == [400, 600] and cfg.threads == 1
    assert sum(level.minutes for level in get_config('ship', minutes=30).levels) == pytest.approx(30)
    with pytest.raises(SystemExit):
        get_config('ship', tokens=1000)  # the ship config counts minutes


def test_resume_refuses_a_checkpoint_of_another_config_or_vocabulary(tmp_path):
    train(get_config('tiny'), tmp_path)
    other = get_config('tiny')
    other.name = 'tiny-renamed'
    with pytest.raises(SystemExit, match="config 'tiny'"):
        train(other, tmp_path, resume=True)


def test_a_level_curriculum_changes_the_sample_length(tmp_path):
    cfg = get_config('tiny')
    cfg.levels = [Level('tc', steps=2, seq_len=32), Level('tf+tc', steps=2)]
    summary = train(cfg, tmp_path)
    assert [s['seq_len'] for s in summary['levels']] == [32, 64]
    assert (tmp_path / 'level-0.pt').exists() and (tmp_path / 'level-1.pt').exists()


def test_mixed_lengths_draw_each_steps_sample_length_and_refuse_a_shorter_one(tmp_path):
    cfg = get_config('tiny')
    cfg.log_every_s = 0.0  # a log line a step
    cfg.levels = [Level('tf+tc', steps=8, seq_len=32, mixed_lengths=(32, 64))]
    summary = train(cfg, tmp_path / 'mixed')
    steps = [r for r in read_log(tmp_path / 'mixed') if r['event'] == 'train']
    assert [sum(r['steps_by_length'].values()) for r in steps] == [1] * 8
    drawn = {n: sum(r['steps_by_length'][n] for r in steps) for n in ('32', '64')}
    assert drawn['32'] > 0 and drawn['64'] > 0, drawn
    # a step's tokens: questions_per_step at its own length, group_size windows of that length
    per_length = {n: train_module.questions_per_step(cfg, n) * cfg.group_size * n for n in (32, 64)}
    assert summary['tokens'] == drawn['32'] * per_length[32] + drawn['64'] * per_length[64]
    cfg.levels = [Level('tf+tc', steps=2, seq_len=64, mixed_lengths=(32, 64))]
    with pytest.raises(ValueError, match='shorter than'):
        train(cfg, tmp_path / 'shorter')


def test_the_moving_averages_follow_the_weights_and_survive_a_resume(tmp_path, monkeypatch):
    model = train_module.Treeformer(get_config('tiny').model)
    ema = train_module.start_ema(model, (0.9, 0.5))
    name, start = next((n, v.clone()) for n, v in model.state_dict().items() if v.is_floating_point())
    with torch.no_grad():
        model.state_dict()[name].add_(1.0)
    train_module.update_ema(ema, model)
    assert torch.allclose(ema['0.9'][name], start + 0.1) and torch.allclose(ema['0.5'][name], start + 0.5)
    assert not any(v.is_floating_point() is False for v in ema['0.9'].values())  # int buffers stay out

    cfg = get_config('tiny')
    cfg.checkpoint_every_s = 0.0
    uninterrupted = train(cfg, tmp_path / 'whole')
    real_write = train_module.Log.write

    def interrupting_write(self, **record):
        real_write(self, **record)
        if record.get('event') == 'train' and record['level'] == 1 and record['step'] == 5:
            raise KeyboardInterrupt

    monkeypatch.setattr(train_module.Log, 'write', interrupting_write)
    with pytest.raises(KeyboardInterrupt):
        train(get_config('tiny'), tmp_path / 'cut')
    monkeypatch.setattr(train_module.Log, 'write', real_write)
    train(get_config('tiny'), tmp_path / 'cut', resume=True)
    whole, cut = (torch.load(tmp_path / run / 'checkpoint.pt', map_location='cpu') for run in ('whole', 'cut'))
    assert list(whole['ema']) == ['0.9']
    for n, v in whole['ema']['0.9'].items():
        assert torch.allclose(cut['ema']['0.9'][n], v, atol=1e-6), n
    moved = [n for n, v in whole['ema']['0.9'].items() if not torch.allclose(v, whole['model'][n])]
    assert moved, 'the average lags the weights'
    assert uninterrupted['levels'][1]['steps'] == 12


def test_snapshots_are_kept_every_so_many_seconds_of_a_level(tmp_path, monkeypatch):
    cfg = get_config('tiny')
    cfg.levels = [Level('tc', steps=4)]
    cfg.snapshot_every_s = 60.0
    clock = iter(range(0, 100_000, 30))  # each look at the clock is 30 s later: a step takes 30 s

    class FakeTime:
        monotonic = staticmethod(lambda: float(next(clock)))
        strftime = staticmethod(train_module.time.strftime)

    monkeypatch.setattr(train_module, 'time', FakeTime)
    train(cfg, tmp_path)
    snapshots = [r for r in read_log(tmp_path) if r['event'] == 'snapshot']
    assert [(r['step'], r['file']) for r in snapshots] == [(2, 'checkpoint-level0-1m.pt'), (4, 'checkpoint-level0-2m.pt')]
    first = torch.load(tmp_path / 'checkpoint-level0-1m.pt', map_location='cpu')
    assert first['level_step'] == 2 and '0.9' in first['ema']


def test_a_run_started_from_a_checkpoint_reads_the_questions_after_its_own(tmp_path):
    cfg = get_config('tiny')
    cfg.levels = [Level('tc', steps=6)]
    train(cfg, tmp_path / 'first')
    first = torch.load(tmp_path / 'first' / 'checkpoint.pt', map_location='cpu')['data_order']
    assert first['cursor'] > 0
    train(cfg, tmp_path / 'next', init=tmp_path / 'first' / 'checkpoint.pt')
    start = next(r for r in read_log(tmp_path / 'next') if r['event'] == 'start')
    assert start['data_order_inherited'] and start['data_order']['cursor'] == first['cursor']
    following = torch.load(tmp_path / 'next' / 'checkpoint.pt', map_location='cpu')['data_order']
    assert following['seed'] == first['seed'] and following['cursor'] > first['cursor']


def test_a_checkpoint_from_before_the_question_order_resumes_with_an_order_of_its_own(tmp_path, monkeypatch):
    cfg = get_config('tiny')
    cfg.levels = [Level('tc', steps=3), Level('tc', steps=3)]
    train(cfg, tmp_path)
    path = tmp_path / 'level-0.pt'
    old = torch.load(path, map_location='cpu')
    del old['data_order']  # as checkpoints written before 2026-12-07
    torch.save(old, tmp_path / 'checkpoint.pt')
    (tmp_path / 'summary.json').unlink()
    train(cfg, tmp_path, resume=True)
    order = torch.load(tmp_path / 'checkpoint.pt', map_location='cpu')['data_order']
    assert order['seed'] == cfg.seed and order['cursor'] > 0
    # and a run --init from such a checkpoint starts an order of its own
    torch.save(old, tmp_path / 'legacy.pt')
    train(cfg, tmp_path / 'next', init=tmp_path / 'legacy.pt')
    start = next(r for r in read_log(tmp_path / 'next') if r['event'] == 'start')
    assert start['data_order_inherited'] is False
    assert start['data_order'] == {'seed': cfg.seed, 'cursor': 0, 'examples': start['train_examples'],
                                   'source_repeats': {}}
    # nor is an order carried on that drew its sources another number of times a pass
    weighted = torch.load(path, map_location='cpu')
    weighted['data_order'] = {**weighted['data_order'], 'source_repeats': {'npm-dts': 4}}
    torch.save(weighted, tmp_path / 'weighted.pt')
    train(cfg, tmp_path / 'unweighted', init=tmp_path / 'weighted.pt')
    start = next(r for r in read_log(tmp_path / 'unweighted') if r['event'] == 'start')
    assert start['data_order_inherited'] is False and start['data_order']['cursor'] == 0


def test_a_run_with_the_soft_match_starts_from_a_checkpoint_without_it(tmp_path):
    cfg = get_config('tiny')
    cfg.levels = [Level('tc', steps=3)]
    train(cfg, tmp_path / 'exact')
    soft = get_config('tiny')
    soft.levels = [Level('tc', steps=3)]
    soft.model = replace(soft.model, soft_match=True, soft_match_dim=4)
    train(soft, tmp_path / 'soft', init=tmp_path / 'exact' / 'checkpoint.pt')
    weights = torch.load(tmp_path / 'soft' / 'checkpoint.pt', map_location='cpu')['model']
    vectors = weights['word_vectors']  # [vocab, 4], from the synthetic training split
    norms = vectors.norm(dim=1)
    assert vectors.shape == (soft.model.vocab_size, 4)
    assert (norms > 0).sum() > 10 and torch.allclose(norms[norms > 0], torch.ones(int((norms > 0).sum())), atol=1e-5)
    assert weights['soft_match_emb'].abs().sum() > 0  # trained from its zero start


def test_lr_scales_give_a_parameter_its_own_rate_and_refuse_unknown_names():
    cfg = get_config('tiny')
    model = Treeformer(cfg.model)
    cfg.lr_scales = {'match_emb': 10.0}
    groups = train_module.make_optimizer(model, cfg).param_groups
    scaled = [g for g in groups if g.get('lr_scale') == 10.0]
    assert len(scaled) == 1 and scaled[0]['params'][0] is model.match_emb
    assert all(p is not model.match_emb for g in groups if g is not scaled[0] for p in g['params'])
    cfg.lr_scales = {'match_embedding': 10.0}
    with pytest.raises(ValueError, match='match_embedding'):
        train_module.make_optimizer(model, cfg)
