// CPU tree attention. Work is split into independent tasks (per head and
// chunk of positions, or per leaf) handed to the caller's ParallelFor, so ORT's
// intra-op thread pool spreads them over the cores. Nothing N×N is ever built:
// keys are bucketed by leaf with a counting sort and each leaf attends alone.
#include "tree_attention.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

namespace treeformer {
namespace {

constexpr int64_t kRouteChunk = 1024;  // positions routed per task

// Hot loops get an AVX2/FMA clone next to the baseline x86-64 one; the loader
// picks the clone the CPU supports, so the library still runs everywhere.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define TREEFORMER_SIMD_CLONES __attribute__((target_clones("arch=haswell", "default")))
#else
#define TREEFORMER_SIMD_CLONES
#endif

float dot(const float* a, const float* b, int64_t D) {
  float s = 0.f;
  for (int64_t d = 0; d < D; ++d) s += a[d] * b[d];
  return s;
}

// The candidates every query of one leaf attends to (sink, globals outside the
// leaf, the leaf's keys), gathered once per leaf. Keys are stored transposed,
// [D, count], so that one query's scores vectorise across candidates with no
// reduction; values are row-major [count, D].
struct LeafCandidates {
  int64_t D = 0, count = 0, capacity = 0;
  std::vector<float> keys_t, values, scores;

  void reset(int64_t dim, int64_t max_count) {
    D = dim;
    count = 0;
    capacity = max_count;
    keys_t.resize(static_cast<size_t>(D * capacity));
    values.resize(static_cast<size_t>(D * capacity));
    scores.resize(static_cast<size_t>(capacity));
  }
  void add(const float* k, const float* v) {
    for (int64_t d = 0; d < D; ++d) keys_t[d * capacity + count] = k[d];
    std::copy(v, v + D, values.begin() + count * D);
    ++count;
  }
};

// out = softmax(scale · K q) V over the gathered candidates (count >= 1).
TREEFORMER_SIMD_CLONES
void attend_candidates(const float* q, LeafCandidates& c, float scale, float* out) {
  const int64_t D = c.D, C = c.count;
  float* scores = c.scores.data();
  std::fill(scores, scores + C, 0.f);
  for (int64_t d = 0; d < D; ++d) {
    const float qd = q[d];
    const float* kt = c.keys_t.data() + d * c.capacity;
    for (int64_t j = 0; j < C; ++j) scores[j] += qd * kt[j];
  }
  float max_score = -std::numeric_limits<float>::infinity();
  for (int64_t j = 0; j < C; ++j) max_score = std::max(max_score, scores[j] *= scale);
  float sum = 0.f;
  for (int64_t j = 0; j < C; ++j) sum += scores[j] = std::exp(scores[j] - max_score);
  std::fill(out, out + D, 0.f);
  for (int64_t j = 0; j < C; ++j) {
    const float p = scores[j];
    const float* v = c.values.data() + j * D;
    for (int64_t d = 0; d < D; ++d) out[d] += p * v[d];
  }
  const float inv = 1.f / sum;  // sum >= 1: the best candidate contributes exp(0)
  for (int64_t d = 0; d < D; ++d) out[d] *= inv;
}

// Streaming softmax over candidate keys: keeps the running max, the running
// sum of exp and the weighted value sum, so candidates can come from several
// places (sink, globals, leaf) without being gathered first.
struct SoftmaxAccumulator {
  int64_t D;
  float max_score = -std::numeric_limits<float>::infinity();
  float sum = 0.f;
  float* acc;  // [D]

  SoftmaxAccumulator(float* acc_buf, int64_t dim) : D(dim), acc(acc_buf) { std::fill(acc, acc + D, 0.f); }

  void add(float score, const float* v) {
    if (score > max_score) {
      const float rescale = std::exp(max_score - score);  // exp(-inf) = 0 on the first key
      sum *= rescale;
      for (int64_t d = 0; d < D; ++d) acc[d] *= rescale;
      max_score = score;
    }
    const float p = std::exp(score - max_score);
    sum += p;
    for (int64_t d = 0; d < D; ++d) acc[d] += p * v[d];
  }

  void write(float* out) const {
    const float inv = 1.f / sum;  // sum >= 1: the max-scoring key contributes exp(0)
    for (int64_t d = 0; d < D; ++d) out[d] = acc[d] * inv;
  }
};

bool is_valid(const int64_t* mask, int64_t b, int64_t N, int64_t n) { return mask[b * N + n] != 0; }

// Routes the valid queries and keys of every (b, h) into q_leaf / k_leaf
// (-1 where padded), in parallel over (b, h, chunk of positions).
void route_queries_and_keys(const Dims& dims, const AttentionInputs& in, const AttentionOutputs& out,
                            const ParallelFor& parallel_for) {
  const int64_t chunks = (dims.N + kRouteChunk - 1) / kRouteChunk;
  parallel_for(static_cast<size_t>(dims.B * dims.H * chunks), [&](size_t task) {
    const int64_t bh = static_cast<int64_t>(task) / chunks, chunk = static_cast<int64_t>(task) % chunks;
    const int64_t b = bh / dims.H, h = bh % dims.H;
    const float* W_h = in.W + h * dims.M * dims.D;
    const float* Wb_h = in.Wb + h * dims.M;
    const int64_t end = std::min(dims.N, (chunk + 1) * kRouteChunk);
    for (int64_t n = chunk * kRouteChunk; n < end; ++n) {
      const int64_t row = bh * dims.N + n;
      if (!is_valid(in.mask, b, dims.N, n)) {
        out.q_leaf[row] = out.k_leaf[row] = -1;
        continue;
      }
      out.q_leaf[row] = route_vector(in.Q + row * dims.D, W_h, Wb_h, dims.D, dims.depth);
      out.k_leaf[row] = route_vector(in.K + row * dims.D, W_h, Wb_h, dims.D, dims.depth);
    }
  });
}

// Positions of one (b, h) grouped by leaf: positions of leaf l are
// order[start[l] .. start[l+1]). Padded positions (leaf -1) are left out.
struct LeafBuckets {
  std::vector<int32_t> start;  // [L + 1]
  std::vector<int32_t> order;  // [valid positions]

  void build(const int64_t* leaf, int64_t N, int64_t L) {
    start.assign(static_cast<size_t>(L + 1), 0);
    for (int64_t n = 0; n < N; ++n)
      if (leaf[n] >= 0) ++start[static_cast<size_t>(leaf[n] + 1)];
    for (int64_t l = 0; l < L; ++l) start[l + 1] += start[l];
    order.resize(static_cast<size_t>(start[L]));
    std::vector<int32_t> cursor(start.begin(), start.end() - 1);
    for (int64_t n = 0; n < N; ++n)
      if (leaf[n] >= 0) order[static_cast<size_t>(cursor[leaf[n]]++)] = static_cast<int32_t>(n);
  }
};

void zero_padded_rows(const Dims& dims, const AttentionOutputs& out) {
  for (int64_t row = 0; row < dims.B * dims.H * dims.N; ++row)
    if (out.q_leaf[row] < 0) std::fill(out.out + row * dims.D, out.out + (row + 1) * dims.D, 0.f);
}

}  // namespace

void run_serially(size_t count, const std::function<void(size_t)>& task) {
  for (size_t i = 0; i < count; ++i) task(i);
}

TREEFORMER_SIMD_CLONES
int64_t route_vector(const float* x, const float* W_h, const float* Wb_h, int64_t D, int depth) {
  int64_t node = 0;
  for (int level = 0; level < depth; ++level) {
    const float* w = W_h + node * D;
    // Four partial sums so the loop vectorises; in double, their order moves
    // the result by ~1e-16 relative, far below any float32 input's precision.
    double z4[4] = {0.0, 0.0, 0.0, 0.0};
    int64_t d = 0;
    for (; d + 4 <= D; d += 4)
      for (int k = 0; k < 4; ++k) z4[k] += static_cast<double>(w[d + k]) * static_cast<double>(x[d + k]);
    double z = static_cast<double>(Wb_h[node]) + ((z4[0] + z4[1]) + (z4[2] + z4[3]));
    for (; d < D; ++d) z += static_cast<double>(w[d]) * static_cast<double>(x[d]);
    node = z >= 0.0 ? 2 * node + 1 : 2 * node + 2;
  }
  const int64_t M = (int64_t{1} << depth) - 1;
  return node - M;
}

void tree_route(const Dims& dims, const float* X, const float* W, const float* Wb, int64_t* leaf,
                const ParallelFor& parallel_for) {
  const int64_t chunks = (dims.N + kRouteChunk - 1) / kRouteChunk;
  parallel_for(static_cast<size_t>(dims.B * dims.H * chunks), [&](size_t task) {
    const int64_t bh = static_cast<int64_t>(task) / chunks, chunk = static_cast<int64_t>(task) % chunks;
    const int64_t h = bh % dims.H;
    const int64_t end = std::min(dims.N, (chunk + 1) * kRouteChunk);
    for (int64_t n = chunk * kRouteChunk; n < end; ++n) {
      const int64_t row = bh * dims.N + n;
      leaf[row] = route_vector(X + row * dims.D, W + h * dims.M * dims.D, Wb + h * dims.M, dims.D, dims.depth);
    }
  });
}

void tree_fine_attention(const Dims& dims, const AttentionInputs& in, const AttentionOutputs& out,
                         const ParallelFor& parallel_for) {
  const int64_t B = dims.B, H = dims.H, N = dims.N, D = dims.D, L = dims.leaves();
  const int64_t G = std::min(in.num_global, N);
  route_queries_and_keys(dims, in, out, parallel_for);

  std::vector<LeafBuckets> queries(static_cast<size_t>(B * H)), keys(static_cast<size_t>(B * H));
  parallel_for(static_cast<size_t>(B * H), [&](size_t bh) {
    queries[bh].build(out.q_leaf + bh * N, N, L);
    keys[bh].build(out.k_leaf + bh * N, N, L);
  });

  // One task per (b, h, group of leaves); leaves are small, so group them to
  // keep per-task overhead (the scratch buffers) low.
  const int64_t leaves_per_task = std::max<int64_t>(1, L / 64);
  const int64_t groups = (L + leaves_per_task - 1) / leaves_per_task;
  parallel_for(static_cast<size_t>(B * H * groups), [&](size_t task) {
    const int64_t bh = static_cast<int64_t>(task) / groups, group = static_cast<int64_t>(task) % groups;
    const int64_t b = bh / H, h = bh % H;
    const float* Qbh = in.Q + bh * N * D;
    const float* Kbh = in.K + bh * N * D;
    const float* Vbh = in.V + bh * N * D;
    const int64_t* k_leaf = out.k_leaf + bh * N;
    const float* sink_k = in.sink_k + h * D;
    const float* sink_v = in.sink_v + h * D;
    const LeafBuckets& qb = queries[bh];
    const LeafBuckets& kb = keys[bh];
    LeafCandidates candidates;
    const int64_t leaf_end = std::min(L, (group + 1) * leaves_per_task);
    for (int64_t l = group * leaves_per_task; l < leaf_end; ++l) {
      if (qb.start[l] == qb.start[l + 1]) continue;  // no query lands here
      candidates.reset(D, 1 + G + kb.start[l + 1] - kb.start[l]);
      candidates.add(sink_k, sink_v);
      for (int64_t g = 0; g < G; ++g)  // globals in this leaf come with the leaf
        if (is_valid(in.mask, b, N, g) && k_leaf[g] != l) candidates.add(Kbh + g * D, Vbh + g * D);
      for (int32_t kj = kb.start[l]; kj < kb.start[l + 1]; ++kj)
        candidates.add(Kbh + kb.order[kj] * D, Vbh + kb.order[kj] * D);
      for (int32_t qi = qb.start[l]; qi < qb.start[l + 1]; ++qi) {
        const int64_t i = qb.order[qi];
        attend_candidates(Qbh + i * D, candidates, in.scale, out.out + (bh * N + i) * D);
      }
    }
  });
  zero_padded_rows(dims, out);
}

void tree_coarse_attention(const Dims& dims, const AttentionInputs& in, const AttentionOutputs& out,
                           const ParallelFor& parallel_for) {
  const int64_t B = dims.B, H = dims.H, N = dims.N, D = dims.D, M = dims.M;
  const int64_t G = std::min(in.num_global, N);
  const int64_t nodes = 2 * M + 1;  // internal nodes 0..M-1, leaf l is node M + l
  route_queries_and_keys(dims, in, out, parallel_for);

  // Node summaries per (b, h): sums at the leaves, then added up the tree
  // (children are visited before parents when going down the node numbers).
  std::vector<float> key_mean(static_cast<size_t>(B * H * nodes * D));
  std::vector<float> value_mean(key_mean.size());
  std::vector<int64_t> count(static_cast<size_t>(B * H * nodes));
  parallel_for(static_cast<size_t>(B * H), [&](size_t bh) {
    float* ks = key_mean.data() + bh * nodes * D;
    float* vs = value_mean.data() + bh * nodes * D;
    int64_t* c = count.data() + bh * nodes;
    std::vector<double> ksum(static_cast<size_t>(nodes * D), 0.0), vsum(ksum.size(), 0.0);
    for (int64_t j = 0; j < N; ++j) {
      const int64_t l = out.k_leaf[bh * N + j];
      if (l < 0) continue;
      const int64_t node = M + l;
      const float* k = in.K + (bh * N + j) * D;
      const float* v = in.V + (bh * N + j) * D;
      for (int64_t d = 0; d < D; ++d) {
        ksum[node * D + d] += k[d];
        vsum[node * D + d] += v[d];
      }
      ++c[node];
    }
    for (int64_t node = nodes - 1; node > 0; --node) {
      const int64_t parent = (node - 1) / 2;
      c[parent] += c[node];
      for (int64_t d = 0; d < D; ++d) {
        ksum[parent * D + d] += ksum[node * D + d];
        vsum[parent * D + d] += vsum[node * D + d];
      }
    }
    for (int64_t node = 0; node < nodes; ++node) {
      if (c[node] == 0) continue;
      for (int64_t d = 0; d < D; ++d) {
        ks[node * D + d] = static_cast<float>(ksum[node * D + d] / static_cast<double>(c[node]));
        vs[node * D + d] = static_cast<float>(vsum[node * D + d] / static_cast<double>(c[node]));
      }
    }
  });

  const int64_t chunks = (N + kRouteChunk - 1) / kRouteChunk;
  parallel_for(static_cast<size_t>(B * H * chunks), [&](size_t task) {
    const int64_t bh = static_cast<int64_t>(task) / chunks, chunk = static_cast<int64_t>(task) % chunks;
    const int64_t b = bh / H, h = bh % H;
    const float* Kbh = in.K + bh * N * D;
    const float* Vbh = in.V + bh * N * D;
    const float* ks = key_mean.data() + bh * nodes * D;
    const float* vs = value_mean.data() + bh * nodes * D;
    const int64_t* c = count.data() + bh * nodes;
    std::vector<float> acc(static_cast<size_t>(D));
    const int64_t end = std::min(N, (chunk + 1) * kRouteChunk);
    for (int64_t i = chunk * kRouteChunk; i < end; ++i) {
      const int64_t l = out.q_leaf[bh * N + i];
      if (l < 0) continue;
      const float* q = in.Q + (bh * N + i) * D;
      SoftmaxAccumulator softmax(acc.data(), D);
      softmax.add(in.scale * dot(q, in.sink_k + h * D, D), in.sink_v + h * D);
      for (int64_t g = 0; g < G; ++g)
        if (is_valid(in.mask, b, N, g)) softmax.add(in.scale * dot(q, Kbh + g * D, D), Vbh + g * D);
      for (int64_t node = M + l;; node = (node - 1) / 2) {
        if (c[node] > 0) softmax.add(in.scale * dot(q, ks + node * D, D), vs + node * D);
        if (node == 0) break;
      }
      softmax.write(out.out + (bh * N + i) * D);
    }
  });
  zero_padded_rows(dims, out);
}

}  // namespace treeformer
