"""Float64 numpy reference of DESIGN §3, written from the text with plain
loops (independent of models/treeformer/model.py). Arrays: q, k, v [B,H,N,D],
W [H,M,D], b [H,M], sink_k, sink_v [H,D], valid [B,N] bool."""
import numpy as np


def route_path(x, W, b):
    """Node ids root..leaf; left (2n+1) when w·x + b >= 0."""
    M = W.shape[0]
    depth = int(round(np.log2(M + 1)))
    node, path = 0, [0]
    for _ in range(depth):
        z = float(b[node]) + float(np.dot(W[node].astype(np.float64), x.astype(np.float64)))
        node = 2 * node + 1 if z >= 0 else 2 * node + 2
        path.append(node)
    return path


def leaf_of(x, W, b):
    return route_path(x, W, b)[-1] - W.shape[0]


def attend(q, keys, values, scale):
    logits = np.array([scale * float(np.dot(q, key)) for key in keys])
    w = np.exp(logits - logits.max())
    return (w[:, None] * np.array(values)).sum(0) / w.sum()


def _leaves(x, W, b, valid):
    B, H, N, _ = x.shape
    out = np.full((B, H, N), -1)
    for bi in range(B):
        for h in range(H):
            for n in range(N):
                if valid[bi, n]:
                    out[bi, h, n] = leaf_of(x[bi, h, n], W[h], b[h])
    return out


def fine(q, k, v, W, b, sink_k, sink_v, valid, G, scale):
    B, H, N, D = q.shape
    ql, kl = _leaves(q, W, b, valid), _leaves(k, W, b, valid)
    out = np.zeros((B, H, N, D))
    for bi in range(B):
        for h in range(H):
            for i in range(N):
                if not valid[bi, i]:
                    continue
                chosen = {j for j in range(N) if valid[bi, j] and kl[bi, h, j] == ql[bi, h, i]}
                chosen |= {g for g in range(min(G, N)) if valid[bi, g]}
                keys = [sink_k[h]] + [k[bi, h, j] for j in sorted(chosen)]
                values = [sink_v[h]] + [v[bi, h, j] for j in sorted(chosen)]
                out[bi, h, i] = attend(q[bi, h, i], keys, values, scale)
    return out, ql, kl


def coarse(q, k, v, W, b, sink_k, sink_v, valid, G, scale):
    B, H, N, D = q.shape
    ql, kl = _leaves(q, W, b, valid), _leaves(k, W, b, valid)
    out = np.zeros((B, H, N, D))
    for bi in range(B):
        for h in range(H):
            members = {}  # node -> the valid keys whose path passes through it
            for j in range(N):
                if valid[bi, j]:
                    for node in route_path(k[bi, h, j], W[h], b[h]):
                        members.setdefault(node, []).append(j)
            for i in range(N):
                if not valid[bi, i]:
                    continue
                keys, values = [sink_k[h]], [sink_v[h]]
                for node in route_path(q[bi, h, i], W[h], b[h]):
                    if node in members:
                        keys.append(np.mean([k[bi, h, j] for j in members[node]], 0))
                        values.append(np.mean([v[bi, h, j] for j in members[node]], 0))
                for g in range(min(G, N)):
                    if valid[bi, g]:
                        keys.append(k[bi, h, g])
                        values.append(v[bi, h, g])
                out[bi, h, i] = attend(q[bi, h, i], keys, values, scale)
    return out, ql, kl


def dense(q, k, v, sink_k, sink_v, valid, scale):
    B, H, N, D = q.shape
    out = np.zeros((B, H, N, D))
    for bi in range(B):
        for h in range(H):
            keys = [sink_k[h]] + [k[bi, h, j] for j in range(N) if valid[bi, j]]
            values = [sink_v[h]] + [v[bi, h, j] for j in range(N) if valid[bi, j]]
            for i in range(N):
                if valid[bi, i]:
                    out[bi, h, i] = attend(q[bi, h, i], keys, values, scale)
    return out


def linformer(q, k, v, E, F, sink_k, sink_v, valid, scale):
    B, H, N, D = q.shape
    out = np.zeros((B, H, N, D))
    for bi in range(B):
        m = valid[bi].astype(np.float64)[:, None]
        for h in range(H):
            kp = E[:, :N] @ (k[bi, h] * m)
            vp = F[:, :N] @ (v[bi, h] * m)
            keys = [sink_k[h]] + list(kp)
            values = [sink_v[h]] + list(vp)
            for i in range(N):
                if valid[bi, i]:
                    out[bi, h, i] = attend(q[bi, h, i], keys, values, scale)
    return out
