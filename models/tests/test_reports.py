"""The ablation's FLOP count and paired test, and the card's metrics writer."""
import json
import sys

import numpy as np
import pytest

from models.treeformer import card_metrics
from models.treeformer.ablation import attention_flops, sign_test


def test_flops_follow_the_leaf_occupancy():
    n, d, depth, g = 64, 8, 2, 4
    balanced = np.tile(np.repeat(np.arange(4), 16), (2, 1))  # 2 heads, 4 leaves of 16
    skewed = np.tile(np.concatenate([np.zeros(61, int), [1, 2, 3]]), (2, 1))
    dense = attention_flops('dense', balanced, n, d, depth, g, 0)
    assert dense == 2 * 4.0 * n * n * d
    routing = 2 * (2 * n) * depth * d
    assert attention_flops('tf', balanced, n, d, depth, g, 0) == 2 * (4.0 * 4 * 16 * (16 + 1 + g) * d + routing)
    assert attention_flops('tf', skewed, n, d, depth, g, 0) > 2.5 * attention_flops('tf', balanced, n, d, depth, g, 0)
    padded = balanced.copy()
    padded[:, -16:] = -1  # padding is in no leaf
    assert attention_flops('tf', padded, n, d, depth, g, 0) < attention_flops('tf', balanced, n, d, depth, g, 0)
    assert attention_flops('linformer', balanced, n, d, depth, g, 16) == 2 * 8.0 * n * 16 * d


def test_sign_test_counts_only_the_questions_where_the_two_differ():
    a = {f'q{i}': i < 12 for i in range(60)}  # hits q0..q11
    b = {f'q{i}': 2 <= i < 13 for i in range(60)}  # hits q2..q12
    only_a, only_b, p = sign_test(a, b)
    assert (only_a, only_b) == (2, 1)
    assert p == pytest.approx(1.0)  # 3 discordant questions cannot resolve anything
    only_a, only_b, p = sign_test({f'q{i}': i < 10 for i in range(60)}, {f'q{i}': False for i in range(60)})
    assert (only_a, only_b) == (10, 0)
    assert p == pytest.approx(2 / 2 ** 10)  # both tails of 10 out of 10
    assert sign_test(a, a) == (0, 0, 1.0)


def _results(path, hit5, examples=10):
    overall = {'examples': examples, 'hit1': 0.1, 'hit5': hit5, 'mrr': 0.2, 'exactMatch': 0.0, 'f1': 0.3,
               'latencyMs': {'mean': 1.0, 'p50': 1.0, 'p95': 2.0}}
    path.write_text(json.dumps({'overall': overall}))
    return path


def test_card_metrics_come_from_the_eval_files(tmp_path, monkeypatch):
    card = tmp_path / 'card.json'
    card.write_text(json.dumps({'format': 'treeformer-qa-card/1', 'metrics': {'status': 'pending'}}))
    model, bm25 = _results(tmp_path / 'm.json', 0.5), _results(tmp_path / 'b.json', 0.3)
    monkeypatch.setattr(sys, 'argv', ['x', '--card', str(card), '--model-eval', str(model), '--bm25-eval', str(bm25)])
    card_metrics.main()
    written = json.loads(card.read_text())
    assert written['metrics']['model']['hit5'] == 0.5 and written['metrics']['bm25']['hit5'] == 0.3
    assert '--limit 10' in written['metrics']['command_model'] and written['format'] == 'treeformer-qa-card/1'
    _results(bm25, 0.3, examples=11)
    with pytest.raises(SystemExit):
        card_metrics.main()  # scored on different examples: refused
