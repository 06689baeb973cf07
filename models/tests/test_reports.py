"""The ablation's FLOP count and paired test."""
import numpy as np
import pytest

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

