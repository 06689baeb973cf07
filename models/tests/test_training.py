"""The training loop: it learns, it resumes, it logs."""
import json
import math

import pytest

from models.treeformer import train as train_module
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
