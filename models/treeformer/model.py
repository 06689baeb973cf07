"""The Treeformer: a Transformer whose attention is retrieval through learned
decision trees, with an extractive span head for question answering.

One readable file, nanoGPT style. The attention is DESIGN §3 exactly, computed
the same way as the ai.treeformer C++/CUDA ops:

* Tree (per layer, per head): M = 2^h - 1 hyperplanes in breadth-first order;
  a vector goes LEFT (node 2n+1) when w_n·x + b_n >= 0, evaluated in float64.
  Leaf l is node M + l. Queries and keys share the tree.
* Padded positions (mask 0) are never keys, have leaf -1 and output 0.
* A learned sink key/value per head is always in every softmax.
* num_global = G: the first G valid positions are keys for every query (a
  global key in the query's own TF leaf counts once).
* TF: softmax over the keys in the query's leaf + sink + globals.
* TC: softmax over the mean key/value of every non-empty node on the query's
  root-to-leaf path + sink + globals.

Layout of one example ([1, N] at inference, [B, N] in training):
  [CLS] question [SEP] PAD... | document tokens ...
  '---- question_len = G ----'
The question side always spans exactly G = question_len positions (short
questions are padded with mask 0, long ones truncated), so G is a constant of
the model, as the ONNX ops need (num_global is an attribute there).

Positions: no absolute position table. Each block starts with a depthwise
convolution (kernel conv_kernel) over the masked sequence, which gives every
token its local order; attention itself is content-only. Nothing depends on N,
so the model runs on windows longer than it was trained on.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Iterator, List, Optional, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F

ATTENTION_KINDS = ('dense', 'tc', 'tf', 'tf+tc', 'random_tree', 'linformer')
TREE_KINDS = ('tc', 'tf', 'tf+tc', 'random_tree')
NEG_LOGIT = -1.0e4  # span logit of positions that cannot start or end an answer
# The engine scores a chunk by the mean of its CHUNK_TOP_TOKENS highest relevance
# evidence values (chunk_scores); the card carries it (reader.chunk_top_tokens).
# Chosen on the dev half of the hand-written questions (DESIGN §4).
CHUNK_TOP_TOKENS = 32


@dataclass
class TreeformerConfig:
    vocab_size: int = 8192
    n_layer: int = 4
    n_head: int = 4
    d_model: int = 128
    d_ff: int = 512
    conv_kernel: int = 7
    tree_depth: int = 5  # 2^5 = 32 leaves per head
    attention: str = 'tf+tc'  # one of ATTENTION_KINDS
    question_len: int = 32  # G: [CLS] question [SEP] + padding; every query sees these keys
    linformer_k: int = 32  # projected length (matches TF's attention FLOPs at 1k tokens)
    linformer_max_len: int = 2048  # Linformer's projections have a fixed length
    max_window: int = 16384  # the longest window the engine may feed (tree and dense kinds)
    st_temperature: float = 1.0  # tau of the straight-through surrogate sigma(|z| / tau)
    freeze_trees: bool = False  # trees kept as they are (no straight-through, no balance term)
    question_match: bool = False  # add match_emb where a token's word also occurs on the other side (see embed)
    match_rarity: bool = False  # with question_match: also add match_rarity_emb scaled by the matched word's rarity
    soft_match: bool = False  # with question_match: also add soft_match_emb where a word's vector is near another side's word
    soft_match_dim: int = 64  # length of the word vectors (data.word_vectors)
    soft_match_floor: float = 0.5  # cosine below which two different words count as unrelated
    window_match: bool = True  # with question_match: also mark a question token whose word the window holds
    # With question_match: for each radius R, a document token gets coverage_emb[R] times the share of the
    # question's words (by rarity, with match_rarity) that occur within R tokens of it (see question_coverage).
    coverage_radii: Tuple[int, ...] = ()
    pad_id: int = 0
    cls_id: int = 1
    sep_id: int = 2

    def __post_init__(self) -> None:
        if self.attention not in ATTENTION_KINDS:
            raise ValueError(f'attention must be one of {ATTENTION_KINDS}, got {self.attention!r}')
        if self.d_model % self.n_head:
            raise ValueError('d_model must be a multiple of n_head')
        if self.question_len < 2:
            raise ValueError('question_len must hold at least [CLS] and [SEP]')
        if self.match_rarity and not self.question_match:
            raise ValueError('match_rarity weighs the question match; it needs question_match')
        if self.soft_match and not self.question_match:
            raise ValueError('soft_match reads the word classes of the question match; it needs question_match')
        if not 0.0 <= self.soft_match_floor < 1.0:
            raise ValueError('soft_match_floor is a cosine in [0, 1)')
        self.coverage_radii = tuple(int(r) for r in self.coverage_radii)  # a card or checkpoint holds a list
        if self.coverage_radii and not self.question_match:
            raise ValueError('coverage_radii reads the word classes of the question match; it needs question_match')
        if any(r < 1 for r in self.coverage_radii):
            raise ValueError(f'coverage_radii must be positive token counts, not {self.coverage_radii}')

    @property
    def head_dim(self) -> int:
        return self.d_model // self.n_head

    @property
    def n_internal(self) -> int:
        return 2 ** self.tree_depth - 1

    @property
    def trees_learned(self) -> bool:
        return self.attention in ('tc', 'tf', 'tf+tc') and not self.freeze_trees


# ---------------------------------------------------------------------------
# Routing through a tree
# ---------------------------------------------------------------------------

@dataclass
class Routing:
    leaf: torch.Tensor  # [B,H,N] int64, -1 at padded positions
    path: torch.Tensor  # [B,H,N,h+1] int64 node ids, root (0) .. leaf (M + leaf)
    margin: torch.Tensor  # [B,H,N,h] float64 w·x + b at each path node (carries gradient)


def tree_depth_of(n_internal: int) -> int:
    depth = int(round(math.log2(n_internal + 1)))
    if 2 ** depth - 1 != n_internal:
        raise ValueError(f'a tree has 2^h - 1 internal nodes, got {n_internal}')
    return depth


def route(x: torch.Tensor, W: torch.Tensor, b: torch.Tensor, valid: torch.Tensor) -> Routing:
    """Routes x [B,H,N,D] through W [H,M,D], b [H,M]; valid [B,N] bool.

    Margins are float64, as in the C++ kernel (float32 products are exact in
    float64), so the decisions are the ops' decisions.
    """
    B, H, N, _ = x.shape
    M = W.shape[1]
    depth = tree_depth_of(M)
    node = torch.zeros(B, H, N, dtype=torch.long, device=x.device)
    nodes, margins = [node], []
    if depth > 0:
        z_all = torch.einsum('bhnd,hmd->bhnm', x.double(), W.double()) + b.double()[None, :, None, :]
        for _ in range(depth):
            z = z_all.gather(-1, node.unsqueeze(-1)).squeeze(-1)  # [B,H,N]
            node = torch.where(z.detach() >= 0, 2 * node + 1, 2 * node + 2)
            nodes.append(node)
            margins.append(z)
    margin = torch.stack(margins, -1) if margins else x.new_zeros(B, H, N, 0, dtype=torch.float64)
    leaf = torch.where(valid[:, None, :], node - M, torch.full_like(node, -1))
    return Routing(leaf=leaf, path=torch.stack(nodes, -1), margin=margin)


def straight_through_weights(r: Routing, tau: float) -> torch.Tensor:
    """[B,H,N,h+1] float32, all exactly 1 in the forward pass.

    Entry l is pi_l / stopgrad(pi_l), pi_l = prod_{levels < l} sigma(|z| / tau):
    the surrogate probability of reaching the l-th node of the taken path. Its
    gradient reinforces routings that lower the loss (Dense Gradient Trees
    style: hard forward, smooth backward).
    """
    log_pi = F.logsigmoid(r.margin.abs() / tau).cumsum(-1)
    log_pi = torch.cat([torch.zeros_like(log_pi[..., :1]), log_pi], -1)
    return torch.exp(log_pi - log_pi.detach()).float()


def balance_loss(r: Routing, valid: torch.Tensor, tau: float, n_internal: int) -> torch.Tensor:
    """Mean over (head, reached internal node) of (soft fraction sent left - 1/2)^2."""
    B, H, N, depth = r.margin.shape
    if depth == 0:
        return r.margin.new_zeros(()).float()
    soft_left = torch.sigmoid(r.margin / tau).float() * valid[:, None, :, None]  # [B,H,N,h]
    nodes = r.path[..., :depth]  # the internal node each decision was taken at
    heads = torch.arange(H, device=nodes.device)[None, :, None, None]
    flat = (heads * n_internal + nodes).reshape(-1)
    sums = soft_left.new_zeros(H * n_internal).index_add_(0, flat, soft_left.reshape(-1))
    counts = soft_left.new_zeros(H * n_internal).index_add_(
        0, flat, valid[:, None, :, None].expand_as(soft_left).float().reshape(-1))
    reached = counts > 0
    return ((sums[reached] / counts[reached] - 0.5) ** 2).mean()


SPLIT_GAP = 1e-4  # no vector is put closer than this to a split it was used to place


def split_point(z_sorted: torch.Tensor) -> float:
    """A threshold that halves the sorted values z_sorted: the middle of the
    gap (wider than 2·SPLIT_GAP) between neighbours nearest to the lower
    median. Splitting inside a gap keeps runs of (near-)identical vectors, e.g.
    a repeated token, off the boundary, where float32 noise between PyTorch
    and ONNX Runtime could send them either way."""
    lower_median = (len(z_sorted) - 1) // 2
    wide = torch.nonzero(z_sorted[1:] - z_sorted[:-1] > 2 * SPLIT_GAP).flatten()
    if len(wide) == 0:  # all values within a hair of each other: nothing to split
        return float(z_sorted[lower_median])
    i = wide[torch.argmin((wide - lower_median).abs())]
    return float((z_sorted[i] + z_sorted[i + 1]) / 2)


def node_split_points(routings: List[Routing], valid: torch.Tensor, n_internal: int) -> torch.Tensor:
    """[H,M] float64: per head and internal node, split_point() of the margins
    of the valid vectors (of all `routings`) that reached the node; NaN where
    none did."""
    H = routings[0].margin.shape[1]
    depth = routings[0].margin.shape[-1]
    points = torch.full((H, n_internal), float('nan'), dtype=torch.float64, device=routings[0].margin.device)
    if depth == 0:
        return points
    keep = valid[:, None, :, None].expand_as(routings[0].margin)
    for h in range(H):
        z = torch.cat([r.margin.detach()[:, h][keep[:, h]] for r in routings])
        node = torch.cat([r.path[:, h, :, :depth][keep[:, h]] for r in routings])
        by_value = torch.argsort(z)
        z_grouped = z[by_value[torch.sort(node[by_value], stable=True).indices]]  # by node, then by margin
        counts = torch.bincount(node, minlength=n_internal).tolist()
        start = 0
        for n, count in enumerate(counts):
            if count:
                points[h, n] = split_point(z_grouped[start:start + count])
            start += count
    return points


# ---------------------------------------------------------------------------
# Attention kinds (all exact; masked/bucketed dense computations)
# ---------------------------------------------------------------------------

def _joint_softmax(parts: List[torch.Tensor]) -> List[torch.Tensor]:
    """One softmax over the concatenated score blocks (last dims); returns the blocks' weights."""
    sizes = [p.shape[-1] for p in parts]
    return list(torch.softmax(torch.cat(parts, -1), -1).split(sizes, -1))


def _sink_scores(q: torch.Tensor, sink_k: torch.Tensor, scale: float) -> torch.Tensor:
    """q [B,H,...,D], sink_k [H,D] -> [B,H,...,1]."""
    shape = (1, sink_k.shape[0]) + (1,) * (q.dim() - 3) + (sink_k.shape[1],)
    return (q * sink_k.view(shape)).sum(-1, keepdim=True) * scale


def _sink_values(p: torch.Tensor, sink_v: torch.Tensor) -> torch.Tensor:
    """p [B,H,...,1] weights of the sink -> [B,H,...,D]."""
    shape = (1, sink_v.shape[0]) + (1,) * (p.dim() - 3) + (sink_v.shape[1],)
    return p * sink_v.view(shape)


def _global_keys(k: torch.Tensor, v: torch.Tensor, valid: torch.Tensor, num_global: int):
    """The first min(G, N) positions as keys: K, V [B,H,G,D] and validity [B,G]."""
    G = min(num_global, k.shape[2])
    return k[:, :, :G], v[:, :, :G], valid[:, :G]


def fine_attention(q, k, v, qr: Routing, kr: Routing, n_leaves: int, sink_k, sink_v, valid,
                   num_global: int, scale: float, q_st=None, k_st=None) -> torch.Tensor:
    """TF-Attention. q,k,v [B,H,N,D]; valid [B,N]; q_st/k_st: leaf-level
    straight-through weights [B,H,N] (None: no tree gradient). Returns [B,H,N,D]."""
    if k_st is not None:
        v = v * k_st.unsqueeze(-1)
    out = _fine_by_leaf(q, k, v, qr.leaf, kr.leaf, n_leaves, sink_k, sink_v, valid, num_global, scale)
    return out * q_st.unsqueeze(-1) if q_st is not None else out


def _fine_by_leaf(q, k, v, q_leaf, k_leaf, n_leaves, sink_k, sink_v, valid, num_global, scale):
    """Each leaf's queries against its own keys, one leaf at a time: the work is
    the sum over leaves of queries × keys, whatever the leaf sizes (learned
    trees put up to half a window in one leaf, where padding every leaf to the
    largest, or masking N×N, costs more than dense)."""
    B, H, N, D = q.shape
    L, BH = int(n_leaves), B * H
    Kg, Vg, g_valid = _global_keys(k, v, valid, num_global)
    G = Kg.shape[2]
    # (b, h, leaf) as one id, so one sort groups every head's queries and keys.
    offset = (torch.arange(BH, device=q.device) * L).view(B, H, 1)
    q_id = torch.where(q_leaf >= 0, q_leaf + offset, torch.full_like(q_leaf, BH * L)).reshape(-1)
    k_id = torch.where(k_leaf >= 0, k_leaf + offset, torch.full_like(k_leaf, BH * L)).reshape(-1)
    q_order, k_order = torch.sort(q_id, stable=True).indices, torch.sort(k_id, stable=True).indices
    q_count = torch.bincount(q_id, minlength=BH * L + 1).tolist()
    k_count = torch.bincount(k_id, minlength=BH * L + 1).tolist()
    Qs = q.reshape(BH * N, D)[q_order]
    Ks, Vs = k.reshape(BH * N, D)[k_order], v.reshape(BH * N, D)[k_order]
    Kg, Vg = Kg.reshape(BH, G, D), Vg.reshape(BH, G, D)
    if G > 0:  # [BH, L, G]: a valid global key not already among the leaf's own keys
        own = k_leaf[:, :, :G].reshape(BH, 1, G) == torch.arange(L, device=q.device).view(1, L, 1)
        g_ok = g_valid.repeat_interleave(H, 0).view(BH, 1, G) & ~own
    pieces = []
    q_at = k_at = 0
    for leaf_id in range(BH * L):
        nq, nk = q_count[leaf_id], k_count[leaf_id]
        if nq:
            bh, l = divmod(leaf_id, L)
            h = bh % H
            Q = Qs[q_at:q_at + nq]  # [nq, D]
            parts = [(Q @ sink_k[h]).unsqueeze(-1) * scale, (Q @ Ks[k_at:k_at + nk].T) * scale]
            if G > 0:
                parts.append(((Q @ Kg[bh].T) * scale).masked_fill(~g_ok[bh, l], float('-inf')))
            weights = _joint_softmax(parts)
            out = weights[0] * sink_v[h] + weights[1] @ Vs[k_at:k_at + nk]
            if G > 0:
                out = out + weights[2] @ Vg[bh]
            pieces.append(out)
        q_at += nq
        k_at += nk
    placed = q.new_zeros(BH * N, D)  # padded queries (the last id) stay 0
    if pieces:
        rows = torch.cat(pieces)
        placed = placed.index_copy(0, q_order[:rows.shape[0]], rows)
    return placed.view(B, H, N, D)


def coarse_attention(q, k, v, qr: Routing, kr: Routing, n_internal: int, sink_k, sink_v, valid,
                     num_global: int, scale: float, q_st=None, k_st=None) -> torch.Tensor:
    """TC-Attention. q_st [B,H,N] (leaf level), k_st [B,H,N,h+1] (per path
    level: a key's weight in each node summary). Returns [B,H,N,D]."""
    B, H, N, D = q.shape
    n_nodes = 2 * n_internal + 1
    steps = kr.path.shape[-1]
    key_weight = valid[:, None, :, None].float().expand(B, H, N, steps)
    if k_st is not None:
        key_weight = key_weight * k_st
    flat_nodes = kr.path.reshape(B, H, N * steps)
    node_index = flat_nodes.unsqueeze(-1).expand(-1, -1, -1, D)
    count = q.new_zeros(B, H, n_nodes).scatter_add_(-1, flat_nodes, valid[:, None, :, None].float()
                                                    .expand(B, H, N, steps).reshape(B, H, -1))

    def node_means(x):  # [B,H,N,D] -> [B,H,nodes,D]
        contrib = (x.unsqueeze(3) * key_weight.unsqueeze(-1)).reshape(B, H, N * steps, D)
        sums = x.new_zeros(B, H, n_nodes, D).scatter_add(2, node_index, contrib)
        return sums / count.clamp(min=1).unsqueeze(-1)

    Kbar, Vbar = node_means(k), node_means(v)
    q_nodes = qr.path.reshape(B, H, -1, 1).expand(-1, -1, -1, D)
    Kq = Kbar.gather(2, q_nodes).view(B, H, N, steps, D)  # summaries on each query's path
    Vq = Vbar.gather(2, q_nodes).view(B, H, N, steps, D)
    path_scores = (q.unsqueeze(3) * Kq).sum(-1) * scale  # [B,H,N,h+1]
    reached = count.gather(-1, qr.path.reshape(B, H, -1)).view(B, H, N, steps) > 0
    parts = [_sink_scores(q, sink_k, scale), path_scores.masked_fill(~reached, float('-inf'))]

    Kg, Vg, g_valid = _global_keys(k, v, valid, num_global)
    if Kg.shape[2] > 0:
        global_scores = (q @ Kg.transpose(-1, -2)) * scale  # [B,H,N,G]
        parts.append(global_scores.masked_fill(~g_valid[:, None, None, :], float('-inf')))
    weights = _joint_softmax(parts)
    out = _sink_values(weights[0], sink_v) + (weights[1].unsqueeze(-1) * Vq).sum(3)
    if Kg.shape[2] > 0:
        out = out + weights[2] @ Vg
    if q_st is not None:
        out = out * q_st.unsqueeze(-1)
    return out * valid[:, None, :, None]


def dense_attention(q, k, v, sink_k, sink_v, valid, scale: float) -> torch.Tensor:
    """Exact softmax attention over all valid keys + the sink. [B,H,N,D]."""
    scores = (q @ k.transpose(-1, -2)) * scale  # [B,H,N,N]
    scores = scores.masked_fill(~valid[:, None, None, :], float('-inf'))
    w_sink, w_keys = _joint_softmax([_sink_scores(q, sink_k, scale), scores])
    return (_sink_values(w_sink, sink_v) + w_keys @ v) * valid[:, None, :, None]


def linformer_attention(q, k, v, E, Fv, sink_k, sink_v, valid, scale: float) -> torch.Tensor:
    """Linformer: keys/values projected along the sequence to k rows by E, Fv
    [k, max_len] (padded positions contribute nothing), plus the sink."""
    N = q.shape[2]
    if N > E.shape[1]:
        raise ValueError(f'Linformer was built for at most {E.shape[1]} tokens, got {N}')
    m = valid[:, None, :, None].to(q.dtype)
    Kp = torch.einsum('kn,bhnd->bhkd', E[:, :N], k * m)
    Vp = torch.einsum('kn,bhnd->bhkd', Fv[:, :N], v * m)
    w_sink, w_keys = _joint_softmax([_sink_scores(q, sink_k, scale), (q @ Kp.transpose(-1, -2)) * scale])
    return (_sink_values(w_sink, sink_v) + w_keys @ Vp) * m


# ---------------------------------------------------------------------------
# Data-driven balanced initialisation
# ---------------------------------------------------------------------------

def balanced_split_init(W: torch.Tensor, b: torch.Tensor, q: torch.Tensor, k: torch.Tensor) -> None:
    """Sets W [H,M,D], b [H,M] in place from sample vectors q, k [H,n,D].

    Node by node (breadth first), on the queries and keys reaching it: the
    direction is the principal direction of their spread once the difference
    between the query mean and the key mean is projected out (so a node does
    not send all queries one way and all keys the other), and the threshold is
    about the median of the pooled projections (split_point). Leaves start
    balanced.
    """
    H, M, D = W.shape
    with torch.no_grad():
        for h in range(H):
            xq, xk = q[h].double(), k[h].double()
            members = {0: (torch.arange(len(xq), device=xq.device), torch.arange(len(xk), device=xk.device))}
            for n in range(M):
                iq, ik = members.pop(n)
                w, bias = _split_direction(xq[iq], xk[ik])
                W[h, n] = w.to(W.dtype)
                b[h, n] = float(bias)
                z_q = xq[iq] @ W[h, n].double() + b[h, n].double()
                z_k = xk[ik] @ W[h, n].double() + b[h, n].double()
                members[2 * n + 1] = (iq[z_q >= 0], ik[z_k >= 0])
                members[2 * n + 2] = (iq[z_q < 0], ik[z_k < 0])


def _split_direction(xq: torch.Tensor, xk: torch.Tensor) -> Tuple[torch.Tensor, float]:
    """Unit direction and bias splitting the pooled vectors about their median."""
    D = xq.shape[-1]
    if len(xq) + len(xk) < 2:  # nothing to learn from: a random hyperplane through the origin
        w = torch.randn(D, dtype=torch.float64)
        return w / w.norm(), 0.0
    pooled = torch.cat([xq - xq.mean(0) if len(xq) else xq, xk - xk.mean(0) if len(xk) else xk])
    cov = pooled.T @ pooled
    if len(xq) and len(xk):
        gap = xq.mean(0) - xk.mean(0)
        if gap.norm() > 1e-9:
            u = gap / gap.norm()
            proj = torch.eye(D, dtype=cov.dtype) - torch.outer(u, u)
            cov = proj @ cov @ proj
    w = torch.linalg.eigh(cov).eigenvectors[:, -1]
    return w, -split_point(torch.sort(torch.cat([xq, xk]) @ w).values)


# ---------------------------------------------------------------------------
# The ai.treeformer ops, for ONNX export
# ---------------------------------------------------------------------------

class _TreeOp(torch.autograd.Function):
    """Forward: the PyTorch computation (used while tracing); symbolic: one
    ai.treeformer node with outputs (out, q_leaf, k_leaf)."""
    op_name = ''

    @staticmethod
    def attend(q, k, v, qr, kr, W, sink_k, sink_v, valid, num_global, scale):
        raise NotImplementedError

    @classmethod
    def forward(cls, ctx, q, k, v, W, Wb, sink_k, sink_v, mask, num_global, scale):
        valid = mask != 0
        qr, kr = route(q, W, Wb, valid), route(k, W, Wb, valid)
        out = cls.attend(q, k, v, qr, kr, W, sink_k, sink_v, valid, num_global, scale)
        return out, qr.leaf, kr.leaf

    @classmethod
    def symbolic(cls, g, q, k, v, W, Wb, sink_k, sink_v, mask, num_global, scale):
        out, q_leaf, k_leaf = g.op(f'ai.treeformer::{cls.op_name}', q, k, v, W, Wb, sink_k, sink_v, mask,
                                   num_global_i=int(num_global), scale_f=float(scale), outputs=3)
        leaf_type = q.type().with_dtype(torch.int64).with_sizes(q.type().varyingSizes()[:3])
        out.setType(q.type())
        q_leaf.setType(leaf_type)
        k_leaf.setType(leaf_type)
        return out, q_leaf, k_leaf


class TreeFineAttentionOp(_TreeOp):
    op_name = 'TreeFineAttention'

    @staticmethod
    def attend(q, k, v, qr, kr, W, sink_k, sink_v, valid, num_global, scale):
        return fine_attention(q, k, v, qr, kr, W.shape[1] + 1, sink_k, sink_v, valid, num_global, scale)


class TreeCoarseAttentionOp(_TreeOp):
    op_name = 'TreeCoarseAttention'

    @staticmethod
    def attend(q, k, v, qr, kr, W, sink_k, sink_v, valid, num_global, scale):
        return coarse_attention(q, k, v, qr, kr, W.shape[1], sink_k, sink_v, valid, num_global, scale)


class DenseAttentionOp(torch.autograd.Function):
    """Dense attention for ONNX export: forward is dense_attention(); symbolic is
    ONNX Runtime's fused com.microsoft MultiHeadAttention, with the sink as an
    extra first key and padded keys masked (export.py then folds the mask into
    the keys, so ORT runs its O(N)-memory flash kernel, as bench:model needs). q,k,v [B,H,N,D], mask int64 [B,N]."""

    @staticmethod
    def forward(ctx, q, k, v, sink_k, sink_v, mask, scale):
        return dense_attention(q, k, v, sink_k, sink_v, mask != 0, scale)

    @staticmethod
    def symbolic(g, q, k, v, sink_k, sink_v, mask, scale):
        H, D = sink_k.type().sizes()
        ints = lambda *xs: g.op('Constant', value_t=torch.tensor(xs, dtype=torch.long))

        def tokens_major(x):  # [B,H,N,D] -> [B,N,H*D]
            return g.op('Reshape', g.op('Transpose', x, perm_i=[0, 2, 1, 3]), ints(0, 0, -1))

        batch = g.op('Slice', g.op('Shape', q), ints(0), ints(1))  # [B]

        def with_sink(x, sink):  # [B,N,H*D] with the sink row first: [B,N+1,H*D]
            row = g.op('Expand', g.op('Reshape', sink, ints(1, 1, H * D)), g.op('Concat', batch, ints(1, H * D), axis_i=0))
            return g.op('Concat', row, x, axis_i=1)

        keep = g.op('Cast', mask, to_i=6)  # int32 [B,N], 1 = a key
        keep = g.op('Concat', g.op('Expand', g.op('Constant', value_t=torch.ones(1, 1, dtype=torch.int32)),
                                   g.op('Concat', batch, ints(1), axis_i=0)), keep, axis_i=1)
        bias = g.op('Constant', value_t=torch.zeros(3 * H * D))
        out = g.op('com.microsoft::MultiHeadAttention', tokens_major(q), with_sink(tokens_major(k), sink_k),
                   with_sink(tokens_major(v), sink_v), bias, keep, num_heads_i=H, scale_f=float(scale))
        out = g.op('Transpose', g.op('Reshape', out, ints(0, 0, H, -1)), perm_i=[0, 2, 1, 3])  # [B,H,N,D]
        valid = g.op('Unsqueeze', g.op('Unsqueeze', g.op('Cast', mask, to_i=1), ints(1)), ints(3))
        out = g.op('Mul', out, valid)
        out.setType(q.type())
        return out


# ---------------------------------------------------------------------------
# The network
# ---------------------------------------------------------------------------

def _normalize(x: torch.Tensor, eps: float = 1e-5) -> torch.Tensor:
    """LayerNorm over the last dim without affine (written out: torch 1.13
    exports an affine-free F.layer_norm as an invalid ONNX node)."""
    centered = x - x.mean(-1, keepdim=True)
    return centered * torch.rsqrt((centered * centered).mean(-1, keepdim=True) + eps)


class Attention(nn.Module):
    def __init__(self, cfg: TreeformerConfig):
        super().__init__()
        self.cfg = cfg
        H, D = cfg.n_head, cfg.head_dim
        self.qkv = nn.Linear(cfg.d_model, 3 * cfg.d_model)
        self.proj = nn.Linear(cfg.d_model, cfg.d_model)
        # Per-head LayerNorm gains on q and k: keeps their scales comparable,
        # so one tree can route both.
        self.q_gain = nn.Parameter(torch.ones(H, D))
        self.k_gain = nn.Parameter(torch.ones(H, D))
        self.sink_k = nn.Parameter(torch.randn(H, D) * 0.02)
        self.sink_v = nn.Parameter(torch.zeros(H, D))
        w = torch.randn(H, cfg.n_internal, D)
        self.tree_w = nn.Parameter(w / w.norm(dim=-1, keepdim=True))  # random hyperplanes through 0
        self.tree_b = nn.Parameter(torch.zeros(H, cfg.n_internal))
        if cfg.attention == 'linformer':
            self.lin_e = nn.Parameter(torch.randn(cfg.linformer_k, cfg.linformer_max_len) / math.sqrt(cfg.linformer_k))
            self.lin_f = nn.Parameter(torch.randn(cfg.linformer_k, cfg.linformer_max_len) / math.sqrt(cfg.linformer_k))
        self.last_routing: Optional[tuple] = None  # (q routing, k routing, valid) of the last training step

    def heads(self, x: torch.Tensor):
        """x [B,N,C] -> q, k, v [B,H,N,D] (q, k layer-normed per head)."""
        B, N, _ = x.shape
        H, D = self.cfg.n_head, self.cfg.head_dim
        q, k, v = self.qkv(x).view(B, N, 3, H, D).permute(2, 0, 3, 1, 4)
        return _normalize(q) * self.q_gain[None, :, None, :], _normalize(k) * self.k_gain[None, :, None, :], v

    def forward(self, x, mask, num_global: int):
        """x [B,N,C], mask int64 [B,N]. Returns y [B,N,C], query leaves [B,H,N]
        (None for dense/Linformer) and the balance term (0 unless trees learn)."""
        cfg = self.cfg
        B, N, C = x.shape
        q, k, v = self.heads(x)
        valid = mask != 0
        scale = 1.0 / math.sqrt(cfg.head_dim)
        balance = x.new_zeros(())
        q_leaf = None
        if torch.onnx.is_in_onnx_export() and cfg.attention in TREE_KINDS:
            out, q_leaf = self._export_ops(q, k, v, mask, num_global, scale)
        elif torch.onnx.is_in_onnx_export() and cfg.attention == 'dense':
            out = DenseAttentionOp.apply(q, k, v, self.sink_k, self.sink_v, mask, scale)
        elif cfg.attention == 'dense':
            out = dense_attention(q, k, v, self.sink_k, self.sink_v, valid, scale)
        elif cfg.attention == 'linformer':
            out = linformer_attention(q, k, v, self.lin_e, self.lin_f, self.sink_k, self.sink_v, valid, scale)
        else:
            qr = route(q, self.tree_w, self.tree_b, valid)
            kr = route(k, self.tree_w, self.tree_b, valid)
            q_leaf = qr.leaf
            q_st = k_st = None
            if cfg.trees_learned and self.training:
                tau = cfg.st_temperature
                q_st, k_st = straight_through_weights(qr, tau), straight_through_weights(kr, tau)
                balance = 0.5 * (balance_loss(qr, valid, tau, cfg.n_internal)
                                 + balance_loss(kr, valid, tau, cfg.n_internal))
                self.last_routing = (qr, kr, valid)
            out = 0
            if cfg.attention in ('tf', 'tf+tc', 'random_tree'):
                out = out + fine_attention(q, k, v, qr, kr, cfg.n_internal + 1, self.sink_k, self.sink_v, valid,
                                           num_global, scale,
                                           q_st=None if q_st is None else q_st[..., -1],
                                           k_st=None if k_st is None else k_st[..., -1])
            if cfg.attention in ('tc', 'tf+tc'):
                out = out + coarse_attention(q, k, v, qr, kr, cfg.n_internal, self.sink_k, self.sink_v, valid,
                                             num_global, scale,
                                             q_st=None if q_st is None else q_st[..., -1], k_st=k_st)
        y = out.transpose(1, 2).reshape(B, N, C)
        return self.proj(y), q_leaf, balance

    def _export_ops(self, q, k, v, mask, num_global, scale):
        kind = self.cfg.attention
        args = (q, k, v, self.tree_w, self.tree_b, self.sink_k, self.sink_v, mask, num_global, scale)
        out, q_leaf = 0, None
        if kind in ('tf', 'tf+tc', 'random_tree'):
            fine, q_leaf, _ = TreeFineAttentionOp.apply(*args)
            out = out + fine
        if kind in ('tc', 'tf+tc'):
            coarse, coarse_leaf, _ = TreeCoarseAttentionOp.apply(*args)
            out = out + coarse
            q_leaf = coarse_leaf if q_leaf is None else q_leaf
        return out, q_leaf


class Block(nn.Module):
    def __init__(self, cfg: TreeformerConfig):
        super().__init__()
        C = cfg.d_model
        self.ln_conv = nn.LayerNorm(C)
        self.conv = nn.Conv1d(C, C, cfg.conv_kernel, padding=cfg.conv_kernel // 2, groups=C)
        self.ln_attn = nn.LayerNorm(C)
        self.attn = Attention(cfg)
        self.ln_mlp = nn.LayerNorm(C)
        self.mlp = nn.Sequential(nn.Linear(C, cfg.d_ff), nn.GELU(), nn.Linear(cfg.d_ff, C))

    def mix(self, x, mask):
        """The convolution: each token's local order and neighbours."""
        keep = mask.unsqueeze(-1).to(x.dtype)  # padded positions feed zeros to the convolution
        return x + self.conv((self.ln_conv(x) * keep).transpose(1, 2)).transpose(1, 2)

    def forward(self, x, mask, num_global: int):
        x = self.mix(x, mask)
        y, q_leaf, balance = self.attn(self.ln_attn(x), mask, num_global)
        x = x + y
        return x + self.mlp(self.ln_mlp(x)), q_leaf, balance


@dataclass
class SpanOutput:
    start_logits: torch.Tensor  # [B,N], NEG_LOGIT where no answer can start
    end_logits: torch.Tensor  # [B,N]
    leaf_ids: Optional[torch.Tensor]  # [layers,B,H,N] query leaves (tree kinds only)
    balance: torch.Tensor  # scalar: mean leaf-balance term over layers
    relevance_logit: Optional[torch.Tensor] = None  # [B]: how well the window answers the question
    relevance_evidence: Optional[torch.Tensor] = None  # [B,N]: per-token evidence (NEG_LOGIT off the document); relevance_logit is its log-sum-exp


class Treeformer(nn.Module):
    def __init__(self, cfg: TreeformerConfig):
        super().__init__()
        self.cfg = cfg
        self.tok_emb = nn.Embedding(cfg.vocab_size, cfg.d_model)
        self.seg_emb = nn.Embedding(2, cfg.d_model)
        if cfg.question_match:
            # Zero at first, so a model trained without it starts out unchanged.
            self.match_emb = nn.Parameter(torch.zeros(cfg.d_model))
            self.register_buffer('match_class', identity_match_classes(cfg.vocab_size))
        if cfg.match_rarity:
            # BM25 weighs a shared word by its rarity; the network gets that
            # weight as an input rather than learning it per id.
            self.match_rarity_emb = nn.Parameter(torch.zeros(cfg.d_model))
            self.register_buffer('match_rarity', torch.zeros(cfg.vocab_size))  # [vocab] in [0,1]; set_match_rarity
        if cfg.soft_match:
            # Exact match misses the third of a real question's words that the
            # file never uses; a nearby word vector can stand in for them.
            self.soft_match_emb = nn.Parameter(torch.zeros(cfg.d_model))
            self.register_buffer('word_vectors', torch.zeros(cfg.vocab_size, cfg.soft_match_dim))  # set_word_vectors
        if cfg.coverage_radii:
            # The window mark of a question word says whether the whole window holds it, so it means
            # less the longer the window (DESIGN §4); coverage says it for each token's neighbourhood.
            self.coverage_emb = nn.Parameter(torch.zeros(len(cfg.coverage_radii), cfg.d_model))
        self.blocks = nn.ModuleList([Block(cfg) for _ in range(cfg.n_layer)])
        self.ln_f = nn.LayerNorm(cfg.d_model)
        self.span_head = nn.Linear(cfg.d_model, 2)
        # Per-token evidence that the window answers the question, pooled by a
        # log-sum-exp over document tokens: trained listwise over the windows
        # of one question, so it compares across windows and files.
        self.relevance_head = nn.Linear(cfg.d_model, 1)
        self.apply(self._init_weights)
        if cfg.question_match:
            nn.init.zeros_(self.match_emb)
        if cfg.match_rarity:
            nn.init.zeros_(self.match_rarity_emb)
        if cfg.soft_match:
            nn.init.zeros_(self.soft_match_emb)
        if cfg.coverage_radii:
            nn.init.zeros_(self.coverage_emb)
        self.set_attention(cfg.attention, cfg.freeze_trees)

    @staticmethod
    def _init_weights(m: nn.Module) -> None:
        if isinstance(m, nn.Linear):
            nn.init.normal_(m.weight, std=0.02)
            nn.init.zeros_(m.bias)
        elif isinstance(m, nn.Embedding):
            nn.init.normal_(m.weight, std=0.02)

    def set_attention(self, kind: str, freeze_trees: bool = False) -> None:
        """Switches the attention kind (the bootstrapped schedule's level change)."""
        if (kind == 'linformer') != (self.cfg.attention == 'linformer'):
            raise ValueError('Linformer has its own parameters; it cannot be switched to or from')
        self.cfg.attention = kind
        self.cfg.freeze_trees = freeze_trees
        for block in self.blocks:
            for p in (block.attn.tree_w, block.attn.tree_b):
                p.requires_grad_(self.cfg.trees_learned)

    @torch.no_grad()
    def recenter_trees(self, rate: float) -> None:
        """Moves every split's bias toward the split point (about the median
        margin) of the queries and keys that reached it in the last training
        step: q and k drift as the model trains, and a split left behind would
        pile them into one leaf."""
        for block in self.blocks:
            attn = block.attn
            if attn.last_routing is None:
                continue
            qr, kr, valid = attn.last_routing
            points = node_split_points([qr, kr], valid, self.cfg.n_internal)
            reached = ~torch.isnan(points)
            attn.tree_b[reached] -= rate * points[reached].float()
            attn.last_routing = None

    def set_match_classes(self, classes: torch.Tensor) -> None:
        """classes [vocab_size] int: each id's word class, -1 = never matches (the data root's match-classes.i32)."""
        if classes.shape != self.match_class.shape:
            raise ValueError(f'match classes for {len(classes)} ids; the model has {len(self.match_class)}')
        self.match_class.copy_(classes.to(self.match_class))

    def set_match_rarity(self, rarity: torch.Tensor) -> None:
        """rarity [vocab_size] float in [0,1]: each id's word rarity (data.word_rarity of the training split)."""
        if rarity.shape != self.match_rarity.shape:
            raise ValueError(f'word rarity for {len(rarity)} ids; the model has {len(self.match_rarity)}')
        self.match_rarity.copy_(rarity.to(self.match_rarity))

    def set_word_vectors(self, vectors: torch.Tensor) -> None:
        """vectors [vocab_size, soft_match_dim] float, unit rows or 0 (data.word_vectors of the training split)."""
        if vectors.shape != self.word_vectors.shape:
            raise ValueError(f'word vectors of shape {tuple(vectors.shape)}; the model has {tuple(self.word_vectors.shape)}')
        self.word_vectors.copy_(vectors.to(self.word_vectors))

    def _question_words(self, input_ids, segment_ids, attention_mask):
        """same [B,N,G]: token n's word class is that of question token g (an asked one);
        asked [B,G]: question tokens that can match; document [B,N]: valid document tokens."""
        G = self.cfg.question_len
        word = self.match_class[input_ids]  # [B,N]
        valid = attention_mask != 0
        asked = (word[:, :G] >= 0) & valid[:, :G]
        same = (word.unsqueeze(-1) == word[:, :G].unsqueeze(1)) & asked.unsqueeze(1)
        return same, asked, valid & (segment_ids == 1)

    def question_match(self, input_ids, segment_ids, attention_mask) -> torch.Tensor:
        """[B,N] float, 1 where a token's word class also occurs on the other side:
        a document token whose word the question uses, a question token whose
        word the window holds. Exact lexical evidence the question-following
        signal can start from (DrQA's exact-match feature); which words matter
        the network learns from the tokens themselves."""
        G = self.cfg.question_len
        same, asked, document = self._question_words(input_ids, segment_ids, attention_mask)
        in_question = same.float().amax(-1) * document.float()  # [B,N]
        in_window = (same & document.unsqueeze(-1)).float().amax(1)  # [B,G]
        if not self.cfg.window_match:
            in_window = torch.zeros_like(in_window)
        return torch.cat([in_window, in_question[:, G:]], 1)

    def question_coverage(self, input_ids, segment_ids, attention_mask) -> torch.Tensor:
        """[B,N,len(coverage_radii)] float in [0,1]: for each radius R, the share of
        the question's words (weighted by rarity with match_rarity) that occur
        within R tokens of a document token (on the document), 0 off it. A
        window of any length gives a token the same value, where the window
        mark of question_match depends on everything the window holds."""
        G = self.cfg.question_len
        same, asked, document = self._question_words(input_ids, segment_ids, attention_mask)
        same = same & document.unsqueeze(-1)  # [B,N,G]
        weight = asked.float()
        if self.cfg.match_rarity:
            weight = weight * self.match_rarity[input_ids[:, :G]]
        total = weight.sum(-1, keepdim=True).clamp_min(1e-6)  # [B,1]
        before = F.pad(torch.cumsum(same.float(), 1), (0, 0, 1, 0))  # [B,N+1,G]: matches before position i
        shares = []
        for R in self.cfg.coverage_radii:
            # Padded so that both slices have N rows whatever N is: row i counts the matches in [i-R, i+R].
            padded = torch.cat([before.new_zeros(before.shape[0], R, G), before,
                                before[:, -1:].expand(-1, R, -1)], 1)  # [B,N+1+2R,G]
            near = (padded[:, 2 * R + 1:] - padded[:, :-(2 * R + 1)]) > 0.5  # [B,N,G]
            shares.append((near.float() * weight.unsqueeze(1)).sum(-1) / total)  # [B,N]
        return torch.stack(shares, -1) * document.unsqueeze(-1).float()

    def soft_question_match(self, input_ids, segment_ids, attention_mask) -> torch.Tensor:
        """[B,N] float in [0,1]: how near a token's word vector comes to a
        different word on the other side (a document token to the question's
        words, a question token to the window's), rescaled from
        soft_match_floor..1 to 0..1; 0 for a word's own class, which
        question_match already marks."""
        G = self.cfg.question_len
        floor = self.cfg.soft_match_floor
        word = self.match_class[input_ids]  # [B,N]
        vec = self.word_vectors[input_ids]  # [B,N,D]
        valid = attention_mask != 0
        asked = (word[:, :G] >= 0) & valid[:, :G]  # [B,G]
        document = valid & (segment_ids == 1)  # [B,N]
        cosine = vec @ vec[:, :G].transpose(1, 2)  # [B,N,G]
        other = (word.unsqueeze(-1) != word[:, :G].unsqueeze(1)) & asked.unsqueeze(1) & document.unsqueeze(-1)
        near = ((cosine - floor) / (1.0 - floor)).clamp(0.0, 1.0) * other.float()  # [B,N,G]
        in_question = near.amax(-1)  # [B,N], 0 off the document
        in_window = near.amax(1)  # [B,G]
        if not self.cfg.window_match:
            in_window = torch.zeros_like(in_window)
        return torch.cat([in_window, in_question[:, G:]], 1)

    def embed(self, input_ids, segment_ids, attention_mask) -> torch.Tensor:
        """[B,N,C]: token + segment (+ question match, + its rarity, + soft match, + coverage) embeddings."""
        x = self.tok_emb(input_ids) + self.seg_emb(segment_ids)
        if self.cfg.question_match:
            match = self.question_match(input_ids, segment_ids, attention_mask).unsqueeze(-1)  # [B,N,1]
            x = x + match * self.match_emb
            if self.cfg.match_rarity:
                x = x + (match * self.match_rarity[input_ids].unsqueeze(-1)) * self.match_rarity_emb
            if self.cfg.soft_match:
                x = x + self.soft_question_match(input_ids, segment_ids, attention_mask).unsqueeze(-1) * self.soft_match_emb
            if self.cfg.coverage_radii:
                x = x + self.question_coverage(input_ids, segment_ids, attention_mask) @ self.coverage_emb
        return x

    def forward(self, input_ids, segment_ids, attention_mask) -> SpanOutput:
        """input_ids, segment_ids, attention_mask: int64 [B,N]."""
        G = self.cfg.question_len
        x = self.embed(input_ids, segment_ids, attention_mask)
        leaves, balances = [], []
        for block in self.blocks:
            x, q_leaf, balance = block(x, attention_mask, G)
            leaves.append(q_leaf)
            balances.append(balance)
        h = self.ln_f(x)
        logits = self.span_head(h)  # [B,N,2]
        document = (attention_mask != 0) & (segment_ids == 1)
        evidence = self.relevance_head(h).squeeze(-1).masked_fill(~document, NEG_LOGIT)  # [B,N]; a scalar fill keeps N dynamic in ONNX
        relevance = torch.logsumexp(evidence, dim=-1)
        # Answers start and end on document tokens; [CLS] (position 0) stands for "no answer".
        answerable = (attention_mask != 0) & ((segment_ids == 1) | (input_ids == self.cfg.cls_id))
        logits = torch.where(answerable.unsqueeze(-1), logits, torch.full_like(logits, NEG_LOGIT))
        leaf_ids = torch.stack(leaves) if leaves[0] is not None else None
        return SpanOutput(start_logits=logits[..., 0], end_logits=logits[..., 1], leaf_ids=leaf_ids,
                          balance=torch.stack(balances).mean(), relevance_logit=relevance,
                          relevance_evidence=evidence)

    @torch.no_grad()
    def queries_and_keys(self, input_ids, segment_ids, attention_mask) -> Iterator[Tuple[Attention, torch.Tensor, torch.Tensor]]:
        """Layer by layer: (attention module, q, k [B,H,N,D]). Each block runs
        only after its yield, so trees changed by the caller in between shape
        the inputs of the next layer."""
        x = self.embed(input_ids, segment_ids, attention_mask)
        for block in self.blocks:
            q, k, _ = block.attn.heads(block.ln_attn(block.mix(x, attention_mask)))
            yield block.attn, q, k
            x, _, _ = block(x, attention_mask, self.cfg.question_len)

    @torch.no_grad()
    def init_trees_from_data(self, input_ids, segment_ids, attention_mask) -> None:
        """Data-driven balanced initialisation, layer by layer (each layer's
        activations depend on the trees below it)."""
        was_training = self.training
        self.eval()
        keep = attention_mask != 0
        for attn, q, k in self.queries_and_keys(input_ids, segment_ids, attention_mask):
            H = q.shape[1]
            qs = torch.stack([q[:, h][keep] for h in range(H)])  # [H,n,D]
            ks = torch.stack([k[:, h][keep] for h in range(H)])
            balanced_split_init(attn.tree_w.data, attn.tree_b.data, qs, ks)
        self.train(was_training)


def identity_match_classes(vocab_size: int, first_ordinary_id: int = 4) -> torch.Tensor:
    """Each ordinary id its own class, specials never match: the table until set_match_classes."""
    classes = torch.arange(vocab_size, dtype=torch.long)
    classes[:first_ordinary_id] = -1
    return classes


def span_loss(out: SpanOutput, start: torch.Tensor, end: torch.Tensor,
              rows: Optional[torch.Tensor] = None) -> torch.Tensor:
    """Cross-entropy of the gold start/end positions [B] (0 = no answer), over `rows` (a bool [B]) or all."""
    s, e = out.start_logits, out.end_logits
    if rows is not None:
        s, e, start, end = s[rows], e[rows], start[rows], end[rows]
    return 0.5 * (F.cross_entropy(s, start) + F.cross_entropy(e, end))


def locate_loss(out: SpanOutput, start: torch.Tensor, end: torch.Tensor, rows: torch.Tensor) -> torch.Tensor:
    """-log of the relevance evidence's share on the gold span [start, end] of
    its window (rows: bool [B], the answer's windows): relevance_logit plus
    this log-share is the log-sum-exp of the evidence over the span, the
    score the engine gives a chunk, so the evidence learns where in a window
    the answer is, not only whether the window holds it."""
    ev = out.relevance_evidence[rows]  # [R,N]
    s, e = start[rows], end[rows]
    answered = s > 0  # position 0 stands for "no answer"
    if not bool(answered.any()):
        return ev.sum() * 0.0
    ev, s, e = ev[answered], s[answered], e[answered]
    pos = torch.arange(ev.shape[1], device=ev.device)
    on_span = (pos >= s[:, None]) & (pos <= e[:, None])
    inside = torch.logsumexp(ev.masked_fill(~on_span, NEG_LOGIT), dim=-1)
    return (torch.logsumexp(ev, dim=-1) - inside).mean()


def chunk_scores(evidence: torch.Tensor, chunks: torch.Tensor, top_tokens: int = CHUNK_TOP_TOKENS) -> torch.Tensor:
    """The engine's score of a chunk (src/engine/reader.ts, chunkRelevance):
    the mean of its `top_tokens` highest relevance evidence values (all of
    them in a shorter chunk). evidence [B,N]; chunks [B,K,2] (first, last
    input positions; -1 = none) -> [B,K], NEG_LOGIT where there is no chunk."""
    pos = torch.arange(evidence.shape[1], device=evidence.device)
    on_chunk = (pos >= chunks[..., 0:1]) & (pos <= chunks[..., 1:2])  # [B,K,N]
    masked = evidence[:, None, :].masked_fill(~on_chunk, NEG_LOGIT)
    top = masked.topk(min(top_tokens, evidence.shape[1]), dim=-1).values  # [B,K,k]
    kept = top > NEG_LOGIT / 2
    scores = (top * kept).sum(-1) / kept.sum(-1).clamp(min=1)
    return scores.masked_fill(chunks[..., 0] < 0, NEG_LOGIT)


def chunk_rank_loss(out: SpanOutput, chunks: torch.Tensor, group_size: int, top_tokens: int = CHUNK_TOP_TOKENS) -> torch.Tensor:
    """Listwise cross-entropy over the candidate chunks of each group of
    `group_size` rows, each scored as the engine scores a chunk
    (chunk_scores). chunks [B,K,2]; in each group, row 0's chunk 0 is the
    gold chunk, every other chunk a negative: the best lexical matches of
    the same file that are not gold, random chunks, and the gold chunk
    under another question. This is the model-alone ranker's choice among
    the lexical candidates, which locate_loss (every token of one window)
    and relevance_loss (whole windows) only approach."""
    scores = chunk_scores(out.relevance_evidence, chunks, top_tokens).reshape(-1, group_size * chunks.shape[1])
    return F.cross_entropy(scores, torch.zeros(len(scores), dtype=torch.long, device=scores.device))


def relevance_loss(out: SpanOutput, group_size: int) -> torch.Tensor:
    """Listwise cross-entropy: in each group of `group_size` consecutive rows, row 0 holds the answer."""
    logits = out.relevance_logit.view(-1, group_size)  # [groups, K]
    return F.cross_entropy(logits, torch.zeros(len(logits), dtype=torch.long, device=logits.device))
