"""Every attention kind against the float64 reference of DESIGN §3; tree
gradients; balanced initialisation; the one-leaf limit."""
import math

import numpy as np
import pytest
import torch

import reference as ref
from models.treeformer.model import (Attention, Treeformer, TreeformerConfig, balance_loss, balanced_split_init,
                                     coarse_attention, dense_attention, fine_attention, node_split_points, route,
                                     split_point, SPLIT_GAP)

TOL = dict(rtol=1e-5, atol=1e-5)


def random_case(seed, B=2, H=3, N=23, D=8, depth=3, padded=(0, 5)):
    g = torch.Generator().manual_seed(seed)
    q, k, v = (torch.randn(B, H, N, D, generator=g) for _ in range(3))
    M = 2 ** depth - 1
    W = torch.randn(H, M, D, generator=g)
    b = torch.randn(H, M, generator=g) * 0.3
    b[:, -1] = 50.0  # the last internal node sends everything left: its right leaf is empty
    sink_k, sink_v = torch.randn(H, D, generator=g), torch.randn(H, D, generator=g)
    valid = torch.ones(B, N, dtype=torch.bool)
    if N > 1:
        valid[0, 1] = False  # a padded position inside the global prefix
    for bi, n_pad in enumerate(padded):
        if n_pad:
            valid[bi, N - n_pad:] = False
    return q, k, v, W, b, sink_k, sink_v, valid


def np64(*ts):
    return [t.detach().double().numpy() for t in ts]


@pytest.mark.parametrize('seed,N,depth,G', [(0, 23, 3, 4), (1, 9, 2, 0), (2, 17, 4, 30), (3, 1, 1, 1), (4, 31, 3, 7)])
def test_fine_and_coarse_match_reference(seed, N, depth, G):
    q, k, v, W, b, sk, sv, valid = random_case(seed, N=N, depth=depth, padded=(0, min(5, N - 1)))
    scale = 1 / math.sqrt(q.shape[-1])
    qr, kr = route(q, W, b, valid), route(k, W, b, valid)
    M = W.shape[1]
    tf = fine_attention(q, k, v, qr, kr, M + 1, sk, sv, valid, G, scale)
    tc = coarse_attention(q, k, v, qr, kr, M, sk, sv, valid, G, scale)
    args = np64(q, k, v, W, b, sk, sv) + [valid.numpy(), G, scale]
    tf_ref, ql, kl = ref.fine(*args)
    tc_ref, _, _ = ref.coarse(*args)
    np.testing.assert_array_equal(qr.leaf.numpy(), ql)
    np.testing.assert_array_equal(kr.leaf.numpy(), kl)
    np.testing.assert_allclose(tf.numpy(), tf_ref, **TOL)
    np.testing.assert_allclose(tc.numpy(), tc_ref, **TOL)
    if N > 8:  # the forced-empty leaf really is empty, and padded outputs are 0
        assert not (kr.leaf == M).any()
        assert (tf[~valid[:, None, :].expand_as(qr.leaf)] == 0).all()


def test_global_key_in_own_leaf_counts_once():
    # one leaf for everything: every global key is in the query's leaf
    q, k, v, _, _, sk, sv, valid = random_case(5, N=12, depth=1)
    W = torch.zeros(q.shape[1], 1, q.shape[-1])
    b = torch.ones(q.shape[1], 1)
    qr, kr = route(q, W, b, valid), route(k, W, b, valid)
    out = fine_attention(q, k, v, qr, kr, 2, sk, sv, valid, 6, 0.5)
    expected = ref.dense(*np64(q, k, v, sk, sv), valid.numpy(), 0.5)
    np.testing.assert_allclose(out.numpy(), expected, **TOL)


def test_one_leaf_tf_equals_dense_with_sink():
    q, k, v, _, _, sk, sv, valid = random_case(6, N=19)
    H, D = q.shape[1], q.shape[-1]
    W, b = torch.zeros(H, 0, D), torch.zeros(H, 0)  # depth 0: a single leaf
    qr, kr = route(q, W, b, valid), route(k, W, b, valid)
    tf = fine_attention(q, k, v, qr, kr, 1, sk, sv, valid, 3, 1 / math.sqrt(D))
    dense = dense_attention(q, k, v, sk, sv, valid, 1 / math.sqrt(D))
    torch.testing.assert_close(tf, dense, rtol=1e-5, atol=1e-6)


def module_case(kind, seed=0, N=21, G=5):
    torch.manual_seed(seed)
    cfg = TreeformerConfig(vocab_size=16, n_layer=1, n_head=2, d_model=16, tree_depth=2, attention=kind,
                           question_len=G, linformer_k=6, linformer_max_len=32)
    attn = Attention(cfg)
    with torch.no_grad():
        attn.sink_v.normal_()
        attn.qkv.weight.normal_(0, 0.5)
    x = torch.randn(2, N, 16)
    mask = torch.ones(2, N, dtype=torch.long)
    mask[1, -4:] = 0
    mask[0, 2] = 0
    if kind in ('tc', 'tf', 'tf+tc'):
        q, k, _ = attn.heads(x)
        keep = mask[0] != 0
        balanced_split_init(attn.tree_w.data, attn.tree_b.data, q[0][:, keep], k[0][:, keep])
    return attn, x, mask


@pytest.mark.parametrize('kind', ['dense', 'tc', 'tf', 'tf+tc', 'random_tree', 'linformer'])
@pytest.mark.parametrize('training', [False, True])
def test_every_kind_in_the_module_matches_reference(kind, training):
    G = 5
    attn, x, mask = module_case(kind, G=G)
    attn.train(training)
    y, q_leaf, _ = attn(x, mask, G)
    q, k, v = attn.heads(x)
    valid = (mask != 0).numpy()
    scale = 1 / math.sqrt(attn.cfg.head_dim)
    qn, kn, vn, W, b, sk, sv = np64(q, k, v, attn.tree_w, attn.tree_b, attn.sink_k, attn.sink_v)
    if kind == 'dense':
        expected = ref.dense(qn, kn, vn, sk, sv, valid, scale)
    elif kind == 'linformer':
        expected = ref.linformer(qn, kn, vn, *np64(attn.lin_e, attn.lin_f), sk, sv, valid, scale)
    else:
        expected = 0
        if kind in ('tf', 'tf+tc', 'random_tree'):
            out, ql, _ = ref.fine(qn, kn, vn, W, b, sk, sv, valid, G, scale)
            expected = expected + out
        if kind in ('tc', 'tf+tc'):
            out, ql, _ = ref.coarse(qn, kn, vn, W, b, sk, sv, valid, G, scale)
            expected = expected + out
        np.testing.assert_array_equal(q_leaf.numpy(), ql)
    B, H, N, D = q.shape
    merged = torch.from_numpy(expected).float().transpose(1, 2).reshape(B, N, H * D)
    torch.testing.assert_close(y, attn.proj(merged), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize('kind', ['tc', 'tf', 'tf+tc'])
def test_straight_through_gradients_reach_the_trees(kind):
    attn, x, mask = module_case(kind)
    attn.train()
    y, _, _ = attn(x, mask, 5)
    (y * torch.randn_like(y)).sum().backward()  # the task loss alone, no balance term
    assert attn.tree_w.grad is not None and attn.tree_w.grad.abs().sum() > 0
    assert attn.tree_b.grad is not None and attn.tree_b.grad.abs().sum() > 0


def test_frozen_random_trees_get_no_gradient():
    attn, x, mask = module_case('random_tree')
    attn.train()
    attn.tree_w.requires_grad_(False)
    attn.tree_b.requires_grad_(False)
    y, _, balance = attn(x, mask, 5)
    y.sum().backward()
    assert attn.tree_w.grad is None and float(balance) == 0.0


def test_balanced_init_gives_equal_leaves():
    g = torch.Generator().manual_seed(0)
    H, n, D, depth = 2, 2000, 16, 4
    spread = torch.linspace(0.2, 3.0, D)
    q = torch.randn(H, n, D, generator=g) * spread + 1.5  # queries and keys far apart on average
    k = torch.randn(H, n, D, generator=g) * spread - 1.5
    M = 2 ** depth - 1
    W, b = torch.zeros(H, M, D), torch.zeros(H, M)
    balanced_split_init(W, b, q, k)
    valid = torch.ones(1, n, dtype=torch.bool)
    for x in (q, k):
        leaves = route(x[None], W, b, valid).leaf[0]  # [H,n]
        counts = torch.stack([torch.bincount(leaves[h], minlength=M + 1) for h in range(H)]).float()
        assert counts.min() > 0
        assert counts.max() / counts.mean() < 1.35, counts
    pooled = torch.cat([route(x[None], W, b, valid).leaf[0] for x in (q, k)], 1)
    for h in range(H):
        c = torch.bincount(pooled[h], minlength=M + 1).float()
        assert c.max() - c.min() <= depth  # median splits: off by at most one per level


def test_balance_loss_is_zero_only_for_even_splits():
    valid = torch.ones(1, 4, dtype=torch.bool)
    W = torch.tensor([[[1.0]]])
    even = route(torch.tensor([[[[-2.0], [-1.0], [1.0], [2.0]]]]), W, torch.zeros(1, 1), valid)
    skewed = route(torch.tensor([[[[1.0], [2.0], [3.0], [-1.0]]]]), W, torch.zeros(1, 1), valid)
    assert float(balance_loss(even, valid, 1.0, 1)) == pytest.approx(0.0, abs=1e-9)
    assert float(balance_loss(skewed, valid, 1.0, 1)) > 0.01


def test_split_points_halve_each_node_and_keep_off_the_vectors():
    q, k, _, W, b, _, _, valid = random_case(7, N=40, depth=3)
    rq, rk = route(q, W, b, valid), route(k, W, b, valid)
    points = node_split_points([rq, rk], valid, W.shape[1])
    for h in range(W.shape[0]):
        per_node = {}
        for r in (rq, rk):
            for bi in range(q.shape[0]):
                for n in range(q.shape[2]):
                    if valid[bi, n]:
                        for level in range(3):
                            per_node.setdefault(int(r.path[bi, h, n, level]), []).append(float(r.margin[bi, h, n, level]))
        for node in range(W.shape[1]):
            if node not in per_node:
                assert torch.isnan(points[h, node])
                continue
            z = np.array(per_node[node])
            t = float(points[h, node])
            assert np.abs(z - t).min() > SPLIT_GAP
            assert (z >= t).sum() == len(z) // 2  # continuous values: the gap at the median


def test_split_point_steps_around_a_run_of_equal_values():
    z = torch.tensor([-3.0, -1.0, 0.5, 0.5, 0.5, 0.5, 0.5, 2.0])  # the lower median sits in the run
    t = split_point(z)
    assert t == pytest.approx(-0.25)  # the clean gap nearest the median: just below the run
    assert float((z - t).abs().min()) > SPLIT_GAP


def test_recentering_rebalances_drifted_splits():
    torch.manual_seed(0)
    cfg = TreeformerConfig(vocab_size=64, n_layer=1, n_head=2, d_model=16, tree_depth=2, attention='tf', question_len=4)
    model = Treeformer(cfg).train()
    ids = torch.randint(4, 64, (4, 40))
    seg, mask = torch.ones_like(ids), torch.ones_like(ids)
    model.init_trees_from_data(ids, seg, mask)
    attn = model.blocks[0].attn

    def root_left_fraction():
        model(ids, seg, mask)
        qr, kr, _ = attn.last_routing
        return float(torch.cat([qr.margin[..., 0], kr.margin[..., 0]]).ge(0).double().mean())

    assert 0.4 < root_left_fraction() < 0.6
    with torch.no_grad():
        attn.tree_b += 3.0  # q and k drifted: everything now goes left
    assert root_left_fraction() > 0.95
    model.recenter_trees(1.0)
    assert attn.last_routing is None
    assert 0.45 < root_left_fraction() < 0.55


def test_one_huge_leaf_is_exact_and_costs_its_own_size():
    q, k, v, W, b, sk, sv, valid = random_case(9, N=40, depth=3)
    b[:, 0] = 100.0  # the root sends everything left: one leaf holds half the tree's traffic
    qr, kr = route(q, W, b, valid), route(k, W, b, valid)
    out = fine_attention(q, k, v, qr, kr, W.shape[1] + 1, sk, sv, valid, 2, 0.3)
    expected, _, _ = ref.fine(*np64(q, k, v, W, b, sk, sv), valid.numpy(), 2, 0.3)
    np.testing.assert_allclose(out.numpy(), expected, **TOL)


def test_tf_gradients_match_masked_dense_attention():
    # TF as dense attention masked to {own leaf} ∪ {globals}: the same function, so the same gradients.
    q, k, v, W, b, sk, sv, valid = random_case(4, N=31, depth=3, padded=(0, 5))
    for t in (q, k, v, sk, sv):
        t.requires_grad_(True)
    qr, kr = route(q, W, b, valid), route(k, W, b, valid)
    G, scale = 7, 0.3

    def masked(q, k, v, sk, sv):
        N = q.shape[2]
        allowed = (qr.leaf.unsqueeze(-1) == kr.leaf.unsqueeze(-2)) | (torch.arange(N) < G)
        allowed = allowed & valid[:, None, None, :]
        scores = ((q @ k.transpose(-1, -2)) * scale).masked_fill(~allowed, float('-inf'))
        sink = (q * sk[None, :, None, :]).sum(-1, keepdim=True) * scale
        w = torch.softmax(torch.cat([sink, scores], -1), -1)
        return (w[..., :1] * sv[None, :, None, :] + w[..., 1:] @ v) * valid[:, None, :, None]

    tf = fine_attention(q, k, v, qr, kr, W.shape[1] + 1, sk, sv, valid, G, scale)
    torch.testing.assert_close(tf, masked(q, k, v, sk, sv), rtol=1e-5, atol=1e-6)
    ours = torch.autograd.grad(tf.square().sum(), (q, k, v, sk, sv))
    theirs = torch.autograd.grad(masked(q, k, v, sk, sv).square().sum(), (q, k, v, sk, sv))
    for a, b_ in zip(ours, theirs):
        torch.testing.assert_close(a, b_, rtol=1e-4, atol=1e-5)
