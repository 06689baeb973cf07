// CPU tree attention. Both attention kinds share one shape of computation:
// every query of a leaf attends to the same candidate set (TF: the leaf's keys;
// TC: the summaries on the leaf's path; both: sink and globals), so queries are
// bucketed by leaf, each leaf's candidates are gathered once, and all its
// queries attend to them. Nothing N×N is ever built. Work is split into
// independent tasks handed to the caller's ParallelFor, so ORT's intra-op
// thread pool spreads it over the cores.
//
// Scratch memory is allocated on the calling thread before each parallel
// section: flat arrays for the per-(b, h) leaf buckets, and one buffer per
// worker (not per task) where a task needs room of its own. A task therefore
// never allocates, and a failed allocation is an ordinary exception on the
// calling thread. *_scratch_bytes() bound what these allocations add up to.
#include "tree_attention.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <thread>
#include <vector>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace treeformer {
namespace {

constexpr int64_t kRouteChunk = 1024;  // positions routed per task
// Vectors routed together, level by level (an even number: a row's query and key go together).
constexpr int kRouteBlock = 256;
constexpr int64_t kTasksPerHead = 64;  // leaf groups per (b, h)
// Per-worker scratch of one parallel section stays under this, by running
// fewer workers, unless a single worker needs more.
constexpr double kWorkerScratchBudget = 256.0 * 1024 * 1024;

size_t hardware_threads() {
  const unsigned n = std::thread::hardware_concurrency();
  return n ? n : 1;
}

// Workers for `tasks` tasks when each worker holds `bytes_per_worker` of
// scratch: at most one per hardware thread and per task, and no more than fit
// in kWorkerScratchBudget together; at least one.
size_t worker_count(int64_t tasks, double bytes_per_worker) {
  double n = std::min(static_cast<double>(hardware_threads()), static_cast<double>(std::max<int64_t>(tasks, 1)));
  if (bytes_per_worker > 0) n = std::min(n, std::floor(kWorkerScratchBudget / bytes_per_worker));
  return std::max<size_t>(1, static_cast<size_t>(n));
}

// Bounds worker_count(tasks, b) * b for every b <= bytes_per_worker.
double worker_scratch_bound(int64_t tasks, double bytes_per_worker) {
  const double most = std::min(static_cast<double>(hardware_threads()), static_cast<double>(std::max<int64_t>(tasks, 1)));
  return std::min(most * bytes_per_worker, std::max(kWorkerScratchBudget, bytes_per_worker));
}

// Runs body(worker, task) for every task in [0, tasks) on `workers` workers,
// each claiming the next unclaimed task, so the load balances while every
// worker keeps its own scratch (indexed by `worker`).
void run_on_workers(const ParallelFor& parallel_for, size_t workers, size_t tasks,
                    const std::function<void(size_t worker, size_t task)>& body) {
  if (tasks == 0) return;
  std::atomic<size_t> next{0};
  parallel_for(std::min(workers, tasks), [&](size_t worker) {
    for (size_t task = next.fetch_add(1, std::memory_order_relaxed); task < tasks;
         task = next.fetch_add(1, std::memory_order_relaxed))
      body(worker, task);
  });
}

// Hot loops get an AVX2/FMA clone next to the baseline x86-64 one; the loader
// picks the clone the CPU supports, so the library still runs everywhere.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define TREEFORMER_SIMD_CLONES __attribute__((target_clones("arch=x86-64-v3", "default")))
#else
#define TREEFORMER_SIMD_CLONES
#endif

// Eight floats as one value: GCC emits AVX for it in the AVX2 clone and two
// SSE halves in the baseline one. Loads and stores go through memcpy, so no
// alignment is assumed.
typedef float Vec8 __attribute__((vector_size(32)));
typedef int32_t Int8 __attribute__((vector_size(32)));
inline Vec8 load8(const float* p) {
  Vec8 v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
inline void store8(float* p, Vec8 v) { std::memcpy(p, &v, sizeof v); }
// Sum of the 8 lanes as a tree (halves, then pairs): 3 dependent adds, not 7.
typedef float Vec4 __attribute__((vector_size(16)));
inline float hsum8(Vec8 v) {
  Vec4 lo, hi;
  std::memcpy(&lo, &v, sizeof lo);
  std::memcpy(&hi, reinterpret_cast<const char*>(&v) + sizeof lo, sizeof hi);
  const Vec4 s = lo + hi;
  return (s[0] + s[2]) + (s[1] + s[3]);
}
// Scalar + vector broadcasts (one vbroadcastss); a {x, x, ...} initializer compiled to a chain of inserts.
inline Vec8 splat8(float x) { return Vec8{} + x; }

// The two things the AVX2 kernel does in one instruction where GCC's
// portable vector code takes several:
// - splat(p): *p in all eight lanes. GCC builds a vector initializer, or
//   `Vec8{} + x`, from a scalar add and a register shuffle (profiled: those
//   two per broadcast held the attention loops to ~1/4 of FMA peak), so the
//   AVX2 kernel broadcasts straight from memory;
// - max(a, b): lane-wise `a > b ? a : b`, which GCC compiles to a compare and
//   a blend; vmaxps is that exact function (b where either is NaN).
// Only the AVX2 kernel has stream(p, v), a store that bypasses the caches
// (see attend_by_leaf).
struct PortableOps {
  static Vec8 splat(const float* p) { return Vec8{} + *p; }
  static Vec8 max(Vec8 a, Vec8 b) { return a > b ? a : b; }
};
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
struct Avx2Ops {
  __attribute__((target("arch=x86-64-v3"))) static Vec8 splat(const float* p) {
    return reinterpret_cast<Vec8>(_mm256_broadcast_ss(p));
  }
  __attribute__((target("arch=x86-64-v3"))) static Vec8 max(Vec8 a, Vec8 b) {
    return reinterpret_cast<Vec8>(_mm256_max_ps(reinterpret_cast<__m256>(a), reinterpret_cast<__m256>(b)));
  }
  // p must be 32-byte aligned.
  __attribute__((target("arch=x86-64-v3"))) static void stream(float* p, Vec8 v) {
    _mm256_stream_ps(p, reinterpret_cast<__m256>(v));
  }
};
#endif

// 2^x for x <= 0 on eight lanes: 2^k · p(r) with k = round(x), r = x - k
// exact and |r| <= 1/2, p a degree-5 polynomial fitted to 2^r for least
// maximum relative error (9e-8; ~2e-7 evaluated in float32). The scores are
// kept in base 2 (the scale carries log2 e), so no multiply by log2 e and no
// two-part k·ln2 are needed. Below -125 it returns 2^-125 (~2e-38, still a
// normal float), which cannot matter next to the softmax's largest term, 2^0.
template <class Ops>
__attribute__((always_inline)) inline Vec8 exp2_nonpositive(Vec8 x) {
  x = Ops::max(x, splat8(-125.0f));
  // x + 1.5·2^23 rounds x to an integer (the float's unit there is 1); with
  // 127 more, the low mantissa bits of the sum hold k + 127 in [2, 127], so
  // the sum's bits shifted up by 23 are 2^k's (the rest shifts out).
  const Vec8 magic = splat8(12582912.0f + 127.0f);
  const Vec8 biased = x + magic;
  const Vec8 r = x - (biased - magic);
  const Vec8 p =
      1.0f + r * (0.69314698f + r * (0.24022242f + r * (0.05550734f + r * (0.00967151f + r * 0.00132647f))));
  Int8 bits;
  std::memcpy(&bits, &biased, sizeof bits);
  bits <<= 23;
  Vec8 two_k;
  std::memcpy(&two_k, &bits, sizeof two_k);
  return p * two_k;
}

constexpr int64_t kBlock = 32;  // candidates (and values' D) are zero-padded to whole blocks of this
int64_t round_up(int64_t x, int64_t to) { return (x + to - 1) / to * to; }

// Queries of one leaf attended together: each key or value vector loaded
// feeds kQueryTile FMAs instead of one, so the loops are bound by the FMA
// units rather than by loads (profiled: attend took ~70% of TF at 16k, with
// the old one-query loop doing a load per FMA). 6 queries × 16 candidates
// keep 12 accumulators in registers: more than the FMA latency × throughput
// (5 × 2 on Zen 2) needs to stay busy, with room for the 2 loaded vectors
// and one broadcast.
constexpr int kQueryTile = 6;
constexpr int64_t kTile = 16;  // candidates per score tile, dims per output tile

// The candidates every query of one leaf attends to, gathered once per leaf.
// Keys are stored transposed, [D, capacity], so the scores vectorise across
// candidates; values are row-major [capacity, padded D]. The buffers are
// allocated once per worker, for the most candidates any leaf has, and keep
// that layout, so candidates shared by every leaf (sink, globals) are
// gathered once per task: truncate() drops the rest. Slots past `count` hold
// zeros or earlier candidates, always finite, so the tiles need no tails: the
// kernel masks them out of the softmax and never reads their values.
struct LeafCandidates {
  int64_t D = 0, padded_D = 0, count = 0, capacity = 0;
  std::vector<float> keys_t, values, scores;  // scores: [kQueryTile, capacity]
  std::vector<float> discard_buffer;          // holds discard(): [padded D], 64-byte aligned

  // Bytes that allocate(dim, max_count) takes.
  static double bytes(int64_t dim, int64_t max_count) {
    const double cap = static_cast<double>(round_up(max_count, kBlock));
    return 4.0 * (cap * static_cast<double>(dim + round_up(dim, kBlock) + kQueryTile) +
                  static_cast<double>(round_up(dim, kBlock) + 16));
  }
  // On the calling thread, before the parallel section.
  void allocate(int64_t dim, int64_t max_count) {
    D = dim;
    padded_D = round_up(dim, kBlock);
    capacity = round_up(max_count, kBlock);
    keys_t.assign(static_cast<size_t>(D * capacity), 0.f);
    values.assign(static_cast<size_t>(padded_D * capacity), 0.f);
    scores.assign(static_cast<size_t>(kQueryTile * capacity), 0.f);
    discard_buffer.assign(static_cast<size_t>(padded_D + 16), 0.f);
  }
  // Where a short tile's missing queries write (aligned like an output row, for streaming stores).
  float* discard() {
    const uintptr_t at = reinterpret_cast<uintptr_t>(discard_buffer.data());
    return discard_buffer.data() + ((64 - at % 64) % 64) / sizeof(float);
  }
  // Keeps the first `n` candidates; never allocates.
  void truncate(int64_t n) { count = n; }
  // add(K + order[i] * D, V + order[i] * D) for i in [0, n), eight keys at
  // a time transposed in registers (one scalar store per element, in columns
  // of keys_t a cache line apart, took ~14% of TF at 16k).
  void add_rows(const float* K, const float* V, const int32_t* order, int32_t n);
  void add(const float* k, const float* v) {
    if (count == capacity)
      throw std::logic_error("tree attention: a leaf has more candidates than its scratch was sized for");
    for (int64_t d = 0; d < D; ++d) keys_t[d * capacity + count] = k[d];
    float* row = values.data() + count * padded_D;
    for (int64_t d = 0; d < D; ++d) row[d] = v[d];  // a call to memmove per 128-byte row cost ~5% of TF
    ++count;
  }
};

// The 8×8 transpose of rows r[0..8), in place (unpack pairs, then pairs of pairs, then 128-bit halves).
inline void transpose8(Vec8 r[8]) {
  Vec8 t[8], u[8];
  for (int i = 0; i < 8; i += 2) {
    t[i] = __builtin_shufflevector(r[i], r[i + 1], 0, 8, 1, 9, 4, 12, 5, 13);
    t[i + 1] = __builtin_shufflevector(r[i], r[i + 1], 2, 10, 3, 11, 6, 14, 7, 15);
  }
  for (int i = 0; i < 8; i += 4) {
    u[i] = __builtin_shufflevector(t[i], t[i + 2], 0, 1, 8, 9, 4, 5, 12, 13);
    u[i + 1] = __builtin_shufflevector(t[i], t[i + 2], 2, 3, 10, 11, 6, 7, 14, 15);
    u[i + 2] = __builtin_shufflevector(t[i + 1], t[i + 3], 0, 1, 8, 9, 4, 5, 12, 13);
    u[i + 3] = __builtin_shufflevector(t[i + 1], t[i + 3], 2, 3, 10, 11, 6, 7, 14, 15);
  }
  for (int i = 0; i < 4; ++i) {
    r[i] = __builtin_shufflevector(u[i], u[i + 4], 0, 1, 2, 3, 8, 9, 10, 11);
    r[i + 4] = __builtin_shufflevector(u[i], u[i + 4], 4, 5, 6, 7, 12, 13, 14, 15);
  }
}

// Starts the cache misses of row[0, n): every 64 bytes, and its last float, so a
// row that does not start on a cache line (inputs are read in place, wherever
// the caller's memory starts) has its last line fetched too.
template <int kWrite = 0>
inline void prefetch_row(const float* row, int64_t n) {
  for (int64_t d = 0; d < n; d += 16) __builtin_prefetch(row + d, kWrite);
  __builtin_prefetch(row + n - 1, kWrite);
}

TREEFORMER_SIMD_CLONES
void LeafCandidates::add_rows(const float* K, const float* V, const int32_t* order, int32_t n) {
  if (count + n > capacity)
    throw std::logic_error("tree attention: a leaf has more candidates than its scratch was sized for");
  int32_t i = 0;
  // Locals: the stores below could alias the members.
  const int64_t dims = D, cap = capacity, pd = padded_D, first = count;
  float* const kt = keys_t.data();
  float* const vals = values.data();
  if (dims % 8 == 0)
    for (; i + 8 <= n; i += 8) {
      // Rows 8 to 16 ahead, far apart in memory: their cache misses overlap the blocks before them.
      for (int k = 8; k < 16 && i + k < n; ++k) {
        prefetch_row(K + order[i + k] * dims, dims);
        prefetch_row(V + order[i + k] * dims, dims);
      }
      for (int64_t d0 = 0; d0 < dims; d0 += 8) {
        Vec8 r[8];
        for (int k = 0; k < 8; ++k) r[k] = load8(K + order[i + k] * dims + d0);
        transpose8(r);
        for (int k = 0; k < 8; ++k) store8(kt + (d0 + k) * cap + first + i, r[k]);
      }
      for (int k = 0; k < 8; ++k) {
        const float* v = V + order[i + k] * dims;
        float* row = vals + (first + i + k) * pd;
        for (int64_t d = 0; d < dims; d += 8) store8(row + d, load8(v + d));
      }
    }
  count += i;
  for (; i < n; ++i) add(K + order[i] * D, V + order[i] * D);
}

// Lane-wise a where mask is set, else b (mask lanes are all ones or zeros).
inline Vec8 select8(Int8 mask, Vec8 a, Vec8 b) {
  Int8 ia, ib;
  std::memcpy(&ia, &a, sizeof ia);
  std::memcpy(&ib, &b, sizeof ib);
  const Int8 r = (ia & mask) | (ib & ~mask);
  Vec8 out;
  std::memcpy(&out, &r, sizeof out);
  return out;
}

// out[i][d0, d0 + 8·W) = inv[i] · sum_j weight[i][j] V[j][d0, ...) for the
// kQueryTile queries, with their softmax weights in c.scores.
template <class Ops, bool kStream, int W>
__attribute__((always_inline)) inline void weigh_values(LeafCandidates& c, int64_t d0, const float* inv,
                                                        float* const* out) {
  const int64_t C = c.count, cap = c.capacity, pD = c.padded_D;
  const float* scores = c.scores.data();
  const float* values = c.values.data() + d0;
  Vec8 acc[kQueryTile][W] = {};
  for (int64_t j = 0; j < C; ++j) {
    Vec8 v[W];
#pragma GCC unroll 2
    for (int w = 0; w < W; ++w) v[w] = load8(values + j * pD + 8 * w);
#pragma GCC unroll 16
    for (int i = 0; i < kQueryTile; ++i) {
      const Vec8 p = Ops::splat(scores + i * cap + j);
#pragma GCC unroll 2
      for (int w = 0; w < W; ++w) acc[i][w] += p * v[w];
    }
  }
  const int64_t n = std::min<int64_t>(8 * W, c.D - d0);
#pragma GCC unroll 16
  for (int i = 0; i < kQueryTile; ++i) {
    if (n == 8 * W) {  // straight to the output (a 64-byte std::copy became a slow rep movs)
#pragma GCC unroll 2
      for (int w = 0; w < W; ++w) {
        if constexpr (kStream) Ops::stream(out[i] + d0 + 8 * w, acc[i][w] * inv[i]);
        else store8(out[i] + d0 + 8 * w, acc[i][w] * inv[i]);
      }
      continue;
    }
    float tile[8 * W];
#pragma GCC unroll 2
    for (int w = 0; w < W; ++w) store8(tile + 8 * w, acc[i][w] * inv[i]);
    for (int64_t k = 0; k < n; ++k) out[i][d0 + k] = tile[k];
  }
}

// Scores q·k of the kQueryTile queries against candidates [j0, j0 + 8·W),
// stored to c.scores unscaled (the exp pass applies the scale); padding lanes
// (j >= C, only in the last tile: `last`) get -inf. Each query's running
// maximum is kept in max8 as the tile is stored.
template <class Ops, int W, bool last>
__attribute__((always_inline)) inline void score_tile(const float* const* q, const float* keys_t, int64_t cap,
                                                      int64_t D, int64_t j0, int64_t C, float* scores, Vec8* max8) {
  Vec8 acc[kQueryTile][W] = {};
  for (int64_t d = 0; d < D; ++d) {
    Vec8 k[W];
#pragma GCC unroll 2
    for (int w = 0; w < W; ++w) k[w] = load8(keys_t + d * cap + j0 + 8 * w);
#pragma GCC unroll 16
    for (int i = 0; i < kQueryTile; ++i) {
      const Vec8 qd = Ops::splat(q[i] + d);
#pragma GCC unroll 2
      for (int w = 0; w < W; ++w) acc[i][w] += qd * k[w];
    }
  }
  const Int8 lane = {0, 1, 2, 3, 4, 5, 6, 7};
#pragma GCC unroll 2
  for (int w = 0; w < W; ++w) {
    const Int8 valid = lane + static_cast<int32_t>(j0 + 8 * w) < static_cast<int32_t>(C);
#pragma GCC unroll 16
    for (int i = 0; i < kQueryTile; ++i) {
      const Vec8 s = last ? select8(valid, acc[i][w], splat8(-INFINITY)) : acc[i][w];
      store8(scores + i * cap + j0 + 8 * w, s);
      max8[i] = Ops::max(s, max8[i]);
    }
  }
}

// out[i][D] = softmax(scale · K q[i]) V over the gathered candidates
// (count >= 1), for the kQueryTile queries q[i] (a short tile repeats a query
// and points its out at c.discard(): fixed trip counts keep the accumulators in
// registers). kStream: out rows are written with stream() (whole 64-byte
// lines: D % 16 == 0, rows and c.discard() 64-byte aligned).
template <class Ops, bool kStream>
__attribute__((always_inline)) inline void attend_tile(const float* const* q, LeafCandidates& c, float scale,
                                                       float* const* out) {
  const int64_t D = c.D, C = c.count, cap = c.capacity;
  const float* keys_t = c.keys_t.data();
  float* scores = c.scores.data();
  Vec8 max8[kQueryTile];
  for (int i = 0; i < kQueryTile; ++i) max8[i] = splat8(-INFINITY);
  int64_t j0 = 0;
  for (; j0 + kTile < C; j0 += kTile) score_tile<Ops, 2, false>(q, keys_t, cap, D, j0, C, scores, max8);
  if (j0 + 8 < C) score_tile<Ops, 2, true>(q, keys_t, cap, D, j0, C, scores, max8);  // 9 to 16 left
  else score_tile<Ops, 1, true>(q, keys_t, cap, D, j0, C, scores, max8);            // 8 or fewer left
  // Softmax in base 2: softmax(scale·s) = 2^(c·s − c·max) / sum with c = scale·log2 e > 0,
  // so the maximum of the unscaled scores serves, and c·s − c·max is one FMA.
  // Padding candidates (j >= C, -inf) get weight 0.
  const float scale_log2e = static_cast<float>(static_cast<double>(scale) * 1.4426950408889634);
  const Vec8 c8 = splat8(scale_log2e);
  float inv[kQueryTile];
  for (int i = 0; i < kQueryTile; ++i) {
    float* s = scores + i * cap;
    float max_score = max8[i][0];
    for (int k = 1; k < 8; ++k) max_score = std::max(max_score, max8[i][k]);
    const Vec8 minus_c_max = splat8(-scale_log2e * max_score);
    Vec8 sum8 = splat8(0.f);
#pragma GCC unroll 2
    for (int64_t j = 0; j < C; j += 8) {
      const Vec8 e = exp2_nonpositive<Ops>(load8(s + j) * c8 + minus_c_max);
      store8(s + j, e);
      sum8 += e;
    }
    inv[i] = 1.f / hsum8(sum8);  // sum >= 1: the best candidate contributes 2^0 (or nearly: one rounding)
  }
  int64_t d0 = 0;
  for (; d0 + 8 < D; d0 += kTile) weigh_values<Ops, kStream, 2>(c, d0, inv, out);
  if (d0 < D) weigh_values<Ops, kStream, 1>(c, d0, inv, out);  // 8 dims or fewer left (D = 24: a third less work)
}

void attend_tile_portable(const float* const* q, LeafCandidates& c, float scale, float* const* out) {
  attend_tile<PortableOps, false>(q, c, scale, out);
}
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
__attribute__((target("arch=x86-64-v3"))) void attend_tile_avx2(const float* const* q, LeafCandidates& c,
                                                                 float scale, float* const* out) {
  attend_tile<Avx2Ops, false>(q, c, scale, out);
}
__attribute__((target("arch=x86-64-v3"))) void attend_tile_avx2_stream(const float* const* q, LeafCandidates& c,
                                                                        float scale, float* const* out) {
  attend_tile<Avx2Ops, true>(q, c, scale, out);
}
#endif

// The attention kernels this CPU runs, chosen once: `stream` writes the
// outputs with streaming stores, null where the CPU has none.
using AttendTile = void (*)(const float* const*, LeafCandidates&, float, float* const*);
struct AttendTiles {
  AttendTile store = nullptr, stream = nullptr;
};
AttendTiles attend_tiles_for_this_cpu() {
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return {attend_tile_avx2, attend_tile_avx2_stream};
#endif
  return {attend_tile_portable, nullptr};
}

bool is_valid(const int64_t* mask, int64_t b, int64_t N, int64_t n) { return mask[b * N + n] != 0; }

// w·x + b in double, in a fixed order: the reference decision (float32
// products are exact in double; the four partial sums move the result by
// ~1e-16 relative, far below any float32 input's precision).
inline double margin_double(const float* w, const float* x, double b, int64_t D) {
  double z4[4] = {0.0, 0.0, 0.0, 0.0};
  const int64_t whole = D / 4 * 4;
  for (int64_t d = 0; d < whole; d += 4)
    for (int k = 0; k < 4; ++k) z4[k] += static_cast<double>(w[d + k]) * static_cast<double>(x[d + k]);
  double z = b + ((z4[0] + z4[1]) + (z4[2] + z4[3]));
  for (int64_t d = whole; d < D; ++d) z += static_cast<double>(w[d]) * static_cast<double>(x[d]);
  return z;
}

// w·x in float32, 8 lanes wide.
inline float dot_float(const float* w, const float* x, int64_t D) {
  const int64_t whole = D / 8 * 8;
  Vec8 a8 = splat8(0.f), b8 = splat8(0.f);  // two chains: half the FMA latency a vector
  int64_t d = 0;
  for (; d + 16 <= whole; d += 16) {
    a8 += load8(w + d) * load8(x + d);
    b8 += load8(w + d + 8) * load8(x + d + 8);
  }
  if (d < whole) a8 += load8(w + d) * load8(x + d);
  float dot = hsum8(a8 + b8);
  for (d = whole; d < D; ++d) dot += w[d] * x[d];
  return dot;
}

// |v| with the float32 sum of squares rounded once more than the bound allows for (1 + 1e-5).
inline double inflated_norm(const float* v, int64_t D) {
  return std::sqrt(static_cast<double>(dot_float(v, v, D))) * (1.0 + 1e-5);
}

// |w| of every node, as route_block's margins use it (inflated well past float32's rounding).
std::vector<float> node_norms(const Dims& dims, const float* W) {
  std::vector<float> norm(static_cast<size_t>(dims.H * dims.M));
  for (int64_t n = 0; n < dims.H * dims.M; ++n)
    norm[static_cast<size_t>(n)] = static_cast<float>(inflated_norm(W + n * dims.D, dims.D));
  return norm;
}

// Whether every lane of a mask is set.
inline bool all_lanes(Int8 mask) {
  uint64_t part[4];
  std::memcpy(part, &mask, sizeof part);
  return (part[0] & part[1] & part[2] & part[3]) == ~uint64_t{0};
}

// Lane k of the result is the sum of a[k]'s eight lanes: pairs, then pairs of
// pairs within 128-bit halves, then the halves (10 shuffles and 7 adds for 8
// sums, where one sum at a time takes ~6 instructions).
inline Vec8 lane_sums8(const Vec8 a[8]) {
  // Sums of neighbouring lanes of x (low 4 lanes of the result) and of y (high 4), per 128-bit half.
  auto pair_sums = [](Vec8 x, Vec8 y) {
    return __builtin_shufflevector(x, y, 0, 2, 8, 10, 4, 6, 12, 14) +
           __builtin_shufflevector(x, y, 1, 3, 9, 11, 5, 7, 13, 15);
  };
  Vec8 h[4];
  for (int k = 0; k < 4; ++k) h[k] = pair_sums(a[2 * k], a[2 * k + 1]);
  // Lanes 0-3: sums of a[0..4)'s low halves, lanes 4-7: their high halves; likewise for a[4..8).
  const Vec8 lo = pair_sums(h[0], h[1]), hi = pair_sums(h[2], h[3]);
  return __builtin_shufflevector(lo, hi, 0, 1, 2, 3, 8, 9, 10, 11) +
         __builtin_shufflevector(lo, hi, 4, 5, 6, 7, 12, 13, 14, 15);
}

// Each decision is first taken in float32, for 8 vectors at once. A float32
// dot product of D terms is within D·2^-24·sum|w_d x_d| (1 + O(D·2^-24)) of
// the exact one, in any summation order, and sum|w_d x_d| <= |w|·|x|; adding
// the bias in float32 costs one rounding more. So when |w·x + b| in float32
// clears 2·(D+3)·2^-24·(|w|·|x| + |b|) (|w| per node and |x| per vector, each
// computed once and inflated by 1e-5), its sign is the exact sign; the double
// computation is only redone for lanes that close to a split. A block of
// vectors goes down the tree one level at a time: within a level the vectors
// are independent, so the core overlaps their loads and reductions, and the
// next node is computed, not branched to (profiled: 4 vectors in lockstep
// behind a branch on each decision took ~40% of TF at 16k; one at a time with
// the margin in double ~20%, half of it in the per-vector sums and margins).
// kD > 0 fixes the head dim at compile time, so the dot products unroll
// (D = 32: ~20% less routing time, one block in L1); kD = 0 reads it from D.
template <int64_t kD>
__attribute__((always_inline)) inline void route_block_for(const float* const* x, int count, const float* W_h,
                                                           const float* Wb_h, const float* w_norm_h,
                                                           int64_t runtime_D, int depth, int64_t* leaf) {
  const int64_t D = kD > 0 ? kD : runtime_D;
  const float bound_per_size = 2.0f * static_cast<float>(D + 3) * 5.9604644775390625e-8f;  // 2·(D+3)·2^-24
  const int64_t whole = D / 8 * 8;
  const int groups = (count + 7) / 8;
  const float* xs[kRouteBlock];  // padded to whole groups by repeating the last vector
  Vec8 x_norm[kRouteBlock / 8];
  int32_t node[kRouteBlock];  // the node, until the last level
  for (int i = 0; i < groups * 8; ++i) {
    // The rows are read here for the first time: start the misses of those 32 on.
    if (i + 32 < count) prefetch_row(x[i + 32], D);
    xs[i] = x[std::min(i, count - 1)];
    x_norm[i / 8][i % 8] = static_cast<float>(inflated_norm(xs[i], D));
    node[i] = 0;
  }
  for (int level = 0; level < depth; ++level) {
    for (int g = 0; g < groups; ++g) {
      const float* const* xg = xs + 8 * g;
      int32_t* ng = node + 8 * g;
      const float* w[8];
      Vec8 acc[8] = {}, b, w_norm, tail = {};
#pragma GCC unroll 8
      for (int k = 0; k < 8; ++k) {
        w[k] = W_h + ng[k] * D;
        b[k] = Wb_h[ng[k]];
        w_norm[k] = w_norm_h[ng[k]];
      }
      // Eight independent chains of FMAs, one lane's dot product at a time:
      // with the lanes innermost, their 16 pointers spilled from registers.
#pragma GCC unroll 8
      for (int k = 0; k < 8; ++k) {
        const float* wk = w[k];
        const float* xk = xg[k];
        for (int64_t d = 0; d < whole; d += 8) acc[k] += load8(wk + d) * load8(xk + d);
      }
      for (int64_t d = whole; d < D; ++d)
        for (int k = 0; k < 8; ++k) tail[k] += w[k][d] * xg[k][d];
      const Vec8 z = lane_sums8(acc) + tail + b;
      const Vec8 abs_b = select8(b < 0.f, -b, b), abs_z = select8(z < 0.f, -z, z);
      // A NaN or infinite z, or margin, fails the test and takes the exact path.
      const Int8 clear = abs_z > bound_per_size * (w_norm * x_norm[g] + abs_b) + 1e-30f;
      Int8 left = z >= 0.f;
      if (!all_lanes(clear))
        for (int k = 0; k < 8; ++k)
          if (!clear[k]) left[k] = margin_double(W_h + ng[k] * D, xg[k], static_cast<double>(b[k]), D) >= 0.0 ? -1 : 0;
      Int8 n;
      std::memcpy(&n, ng, sizeof n);
      n = 2 * n + 2 + left;  // left child 2n + 1 where z >= 0 (lanes of a mask are -1), else 2n + 2
      std::memcpy(ng, &n, sizeof n);
    }
  }
  const int32_t M = (int32_t{1} << depth) - 1;
  for (int i = 0; i < count; ++i) leaf[i] = node[i] - M;
}

// One instantiation per common head dim (24: the shipped model; 32; 64), each with its SIMD clones.
#define TREEFORMER_ROUTE_BLOCK(name, kD)                                                                         \
  TREEFORMER_SIMD_CLONES void name(const float* const* x, int count, const float* W_h, const float* Wb_h,        \
                                   const float* w_norm_h, int64_t D, int depth, int64_t* leaf) {                 \
    route_block_for<kD>(x, count, W_h, Wb_h, w_norm_h, D, depth, leaf);                                          \
  }
TREEFORMER_ROUTE_BLOCK(route_block_d24, 24)
TREEFORMER_ROUTE_BLOCK(route_block_d32, 32)
TREEFORMER_ROUTE_BLOCK(route_block_d64, 64)
TREEFORMER_ROUTE_BLOCK(route_block_any_d, 0)
#undef TREEFORMER_ROUTE_BLOCK

void route_block(const float* const* x, int count, const float* W_h, const float* Wb_h, const float* w_norm_h,
                 int64_t D, int depth, int64_t* leaf) {
  switch (D) {
    case 24: return route_block_d24(x, count, W_h, Wb_h, w_norm_h, D, depth, leaf);
    case 32: return route_block_d32(x, count, W_h, Wb_h, w_norm_h, D, depth, leaf);
    case 64: return route_block_d64(x, count, W_h, Wb_h, w_norm_h, D, depth, leaf);
    default: return route_block_any_d(x, count, W_h, Wb_h, w_norm_h, D, depth, leaf);
  }
}

// Routes the valid queries and keys of every (b, h) into q_leaf / k_leaf
// (-1 where padded), in parallel over (b, h, chunk of positions).
void route_queries_and_keys(const Dims& dims, const AttentionInputs& in, const AttentionOutputs& out,
                            const ParallelFor& parallel_for) {
  const std::vector<float> w_norm = node_norms(dims, in.W);
  const int64_t chunks = (dims.N + kRouteChunk - 1) / kRouteChunk;
  const size_t tasks = static_cast<size_t>(dims.B * dims.H * chunks);
  // Claimed one at a time, not split in fixed halves: a worker that starts late takes fewer.
  run_on_workers(parallel_for, worker_count(static_cast<int64_t>(tasks), 0), tasks, [&](size_t, size_t task) {
    const int64_t bh = static_cast<int64_t>(task) / chunks, chunk = static_cast<int64_t>(task) % chunks;
    const int64_t b = bh / dims.H, h = bh % dims.H;
    const float* W_h = in.W + h * dims.M * dims.D;
    const float* Wb_h = in.Wb + h * dims.M;
    const float* norm_h = w_norm.data() + h * dims.M;
    const int64_t end = std::min(dims.N, (chunk + 1) * kRouteChunk);
    // Valid rows' queries and keys, kRouteBlock at a time (pairs: q then k of one row).
    const float* x[kRouteBlock];
    int64_t leaves[kRouteBlock], rows[kRouteBlock];
    int pending = 0;
    auto flush = [&]() {
      route_block(x, pending, W_h, Wb_h, norm_h, dims.D, dims.depth, leaves);
      for (int i = 0; i < pending; i += 2) {
        out.q_leaf[rows[i]] = leaves[i];
        out.k_leaf[rows[i]] = leaves[i + 1];
      }
      pending = 0;
    };
    for (int64_t n = chunk * kRouteChunk; n < end; ++n) {
      const int64_t row = bh * dims.N + n;
      if (!is_valid(in.mask, b, dims.N, n)) {
        out.q_leaf[row] = out.k_leaf[row] = -1;
        continue;
      }
      x[pending] = in.Q + row * dims.D;
      x[pending + 1] = in.K + row * dims.D;
      rows[pending] = rows[pending + 1] = row;
      pending += 2;
      if (pending == kRouteBlock) flush();
    }
    if (pending > 0) flush();
  });
}

// Positions of every (b, h) grouped by leaf, in two flat arrays allocated
// once on the calling thread: in head bh, the positions of leaf l (ascending)
// are order(bh)[start(bh)[l] .. start(bh)[l+1]). Padded positions (leaf -1)
// are left out. build() may run for different heads in parallel.
class LeafBuckets {
 public:
  static double bytes(int64_t BH, int64_t N, int64_t L) {
    return 4.0 * static_cast<double>(BH) * static_cast<double>(L + 1 + N);
  }
  // Left uninitialised: build() writes every entry that is read.
  LeafBuckets(int64_t BH, int64_t N, int64_t L)
      : N_(N), L_(L), start_(new int32_t[static_cast<size_t>(BH * (L + 1))]), order_(new int32_t[static_cast<size_t>(BH * N)]) {}

  // Counting sort of head bh's leaves; no allocation.
  void build(int64_t bh, const int64_t* leaf) {
    int32_t* s = start_.get() + bh * (L_ + 1);
    int32_t* o = order_.get() + bh * N_;
    std::fill(s, s + L_ + 1, 0);
    for (int64_t n = 0; n < N_; ++n)
      if (leaf[n] >= 0) ++s[leaf[n] + 1];
    for (int64_t l = 0; l < L_; ++l) s[l + 1] += s[l];
    // s[l] serves as leaf l's cursor; afterwards it holds the start of leaf l + 1.
    for (int64_t n = 0; n < N_; ++n)
      if (leaf[n] >= 0) o[s[leaf[n]]++] = static_cast<int32_t>(n);
    std::memmove(s + 1, s, static_cast<size_t>(L_) * sizeof(int32_t));
    s[0] = 0;
  }
  const int32_t* start(int64_t bh) const { return start_.get() + bh * (L_ + 1); }
  const int32_t* order(int64_t bh) const { return order_.get() + bh * N_; }
  int64_t size(int64_t bh, int64_t l) const { return start(bh)[l + 1] - start(bh)[l]; }

 private:
  int64_t N_, L_;
  std::unique_ptr<int32_t[]> start_;  // [BH, L + 1]
  std::unique_ptr<int32_t[]> order_;  // [BH, N]; the first start(bh)[L] of each row are used
};

// Leaf groups per (b, h) in attend_by_leaf: the tasks are (b, h, group).
int64_t leaves_per_task(int64_t L) { return std::max<int64_t>(1, L / kTasksPerHead); }
int64_t leaf_groups(int64_t L) { return (L + leaves_per_task(L) - 1) / leaves_per_task(L); }

// Candidates shared by every leaf of head bh (sink, globals), gathered first,
// then those of leaf `l` alone, appended after them.
using GatherShared = std::function<void(int64_t bh, LeafCandidates& c)>;
using GatherLeaf = std::function<void(int64_t bh, int64_t l, LeafCandidates& c)>;

// Scratch of attend_by_leaf, its query buckets included, when no leaf has more than `most_candidates`.
double attend_scratch_bytes(const Dims& dims, int64_t most_candidates) {
  const int64_t BH = dims.B * dims.H, L = dims.leaves();
  return LeafBuckets::bytes(BH, dims.N, L) +
         worker_scratch_bound(BH * leaf_groups(L), LeafCandidates::bytes(dims.D, most_candidates));
}

// The shared second half of both attention kinds, given the queries bucketed
// by leaf: per (b, h, group of leaves) gather the shared candidates once and
// each leaf's own once, and attend. No leaf may have more than `most_candidates`.
void attend_by_leaf(const Dims& dims, const AttentionInputs& in, const AttentionOutputs& out,
                    const ParallelFor& parallel_for, const LeafBuckets& queries, int64_t most_candidates,
                    const GatherShared& gather_shared, const GatherLeaf& gather_leaf) {
  static const AttendTiles tiles = attend_tiles_for_this_cpu();
  const int64_t N = dims.N, D = dims.D, L = dims.leaves(), BH = dims.B * dims.H;
  // Output rows of whole cache lines are written with streaming stores: each
  // row is written once, in full, so fetching its lines first (a read for
  // ownership) only doubled the traffic to out (TF at 16k ~7% faster, A/B).
  const bool stream_out = tiles.stream && D % 16 == 0 && reinterpret_cast<uintptr_t>(out.out) % 64 == 0;
  const AttendTile attend = stream_out ? tiles.stream : tiles.store;

  const int64_t per_task = leaves_per_task(L), groups = leaf_groups(L), tasks = BH * groups;
  std::vector<LeafCandidates> candidates(worker_count(tasks, LeafCandidates::bytes(D, most_candidates)));
  for (LeafCandidates& c : candidates) c.allocate(D, most_candidates);
  run_on_workers(parallel_for, candidates.size(), static_cast<size_t>(tasks), [&](size_t worker, size_t task) {
    const int64_t bh = static_cast<int64_t>(task) / groups, group = static_cast<int64_t>(task) % groups;
    const int32_t* q_start = queries.start(bh);
    const int32_t* q_order = queries.order(bh);
    LeafCandidates& c = candidates[worker];
    c.truncate(0);
    gather_shared(bh, c);
    const int64_t shared = c.count;
    const int64_t leaf_end = std::min(L, (group + 1) * per_task);
    for (int64_t l = group * per_task; l < leaf_end; ++l) {
      if (q_start[l + 1] == q_start[l]) continue;
      c.truncate(shared);
      gather_leaf(bh, l, c);
      for (int32_t qi = q_start[l]; qi < q_start[l + 1]; qi += kQueryTile) {
        const int nq = static_cast<int>(std::min<int64_t>(kQueryTile, q_start[l + 1] - qi));
        const float* q[kQueryTile];
        float* o[kQueryTile];
        for (int i = 0; i < kQueryTile; ++i) {
          const int64_t row = bh * N + q_order[qi + std::min(i, nq - 1)];
          q[i] = in.Q + row * D;
          o[i] = i < nq ? out.out + row * D : c.discard();
        }
        // The next tile's query and output rows are scattered over Q and out:
        // start their cache misses now (one-thread TF at 16k ~8% faster, A/B),
        // also for the first tile of the task's next leaf (~2% more).
        for (int32_t next = qi + kQueryTile; next < std::min<int32_t>(qi + 2 * kQueryTile, q_start[leaf_end]); ++next) {
          const int64_t row = bh * N + q_order[next];
          prefetch_row(in.Q + row * D, D);
          if (!stream_out) prefetch_row<1>(out.out + row * D, D);
        }
        attend(q, c, in.scale, o);
      }
    }
#if defined(__x86_64__)
    if (stream_out) _mm_sfence();  // streaming stores are weakly ordered: visible before the task counts as done
#endif
  });
  for (int64_t row = 0; row < BH * N; ++row)
    if (out.q_leaf[row] < 0) std::fill(out.out + row * D, out.out + (row + 1) * D, 0.f);
}

}  // namespace

void run_serially(size_t count, const std::function<void(size_t)>& task) {
  for (size_t i = 0; i < count; ++i) task(i);
}

void tree_route(const Dims& dims, const float* X, const float* W, const float* Wb, int64_t* leaf,
                const ParallelFor& parallel_for) {
  const std::vector<float> w_norm = node_norms(dims, W);
  const int64_t chunks = (dims.N + kRouteChunk - 1) / kRouteChunk;
  const size_t tasks = static_cast<size_t>(dims.B * dims.H * chunks);
  // Claimed one at a time, not split in fixed halves: a worker that starts late takes fewer.
  run_on_workers(parallel_for, worker_count(static_cast<int64_t>(tasks), 0), tasks, [&](size_t, size_t task) {
    const int64_t bh = static_cast<int64_t>(task) / chunks, chunk = static_cast<int64_t>(task) % chunks;
    const int64_t h = bh % dims.H;
    const int64_t end = std::min(dims.N, (chunk + 1) * kRouteChunk);
    for (int64_t n = chunk * kRouteChunk; n < end; n += kRouteBlock) {
      const int count = static_cast<int>(std::min<int64_t>(kRouteBlock, end - n));
      const float* x[kRouteBlock];
      for (int i = 0; i < count; ++i) x[i] = X + (bh * dims.N + n + i) * dims.D;
      route_block(x, count, W + h * dims.M * dims.D, Wb + h * dims.M, w_norm.data() + h * dims.M, dims.D,
                  dims.depth, leaf + bh * dims.N + n);
    }
  });
}

void tree_fine_attention(const Dims& dims, const AttentionInputs& in, const AttentionOutputs& out,
                         const ParallelFor& parallel_for) {
  const int64_t H = dims.H, N = dims.N, D = dims.D, L = dims.leaves();
  const int64_t G = std::min(in.num_global, N);
  const int64_t BH = dims.B * H;
  route_queries_and_keys(dims, in, out, parallel_for);
  // Queries and keys bucketed in one parallel section (2·BH tasks, not two sections of BH).
  LeafBuckets queries(BH, N, L), keys(BH, N, L);
  run_on_workers(parallel_for, worker_count(2 * BH, 0), static_cast<size_t>(2 * BH), [&](size_t, size_t task) {
    const int64_t bh = static_cast<int64_t>(task) / 2;
    if (task % 2 == 0) queries.build(bh, out.q_leaf + bh * N);
    else keys.build(bh, out.k_leaf + bh * N);
  });
  int64_t most_keys = 0;
  for (int64_t bh = 0; bh < BH; ++bh)
    for (int64_t l = 0; l < L; ++l) most_keys = std::max(most_keys, keys.size(bh, l));

  // Valid globals are shared by every leaf; a leaf's own keys then skip
  // them (a key's position list is ascending, so they come first).
  attend_by_leaf(
      dims, in, out, parallel_for, queries, 1 + G + most_keys,
      [&](int64_t bh, LeafCandidates& c) {
        const int64_t b = bh / H, h = bh % H;
        c.add(in.sink_k + h * D, in.sink_v + h * D);
        for (int64_t g = 0; g < G; ++g)
          if (is_valid(in.mask, b, N, g)) c.add(in.K + (bh * N + g) * D, in.V + (bh * N + g) * D);
      },
      [&](int64_t bh, int64_t l, LeafCandidates& c) {
        const float* K = in.K + bh * N * D;
        const float* V = in.V + bh * N * D;
        const int32_t* k_order = keys.order(bh);
        int32_t kj = keys.start(bh)[l];
        const int32_t end = keys.start(bh)[l + 1];
        while (kj < end && k_order[kj] < G) ++kj;  // valid (it has a leaf), so already shared
        c.add_rows(K, V, k_order + kj, end - kj);
      });
}

void tree_coarse_attention(const Dims& dims, const AttentionInputs& in, const AttentionOutputs& out,
                           const ParallelFor& parallel_for) {
  const int64_t B = dims.B, H = dims.H, N = dims.N, D = dims.D, M = dims.M;
  const int64_t G = std::min(in.num_global, N);
  const int64_t nodes = 2 * M + 1;  // internal nodes 0..M-1, leaf l is node M + l
  route_queries_and_keys(dims, in, out, parallel_for);

  // Node summaries per (b, h): sums at the leaves, then added up the tree
  // (children are visited before parents when going down the node numbers).
  // The sums are in double, in one buffer per worker.
  std::vector<float> key_mean(static_cast<size_t>(B * H * nodes * D));
  std::vector<float> value_mean(key_mean.size());
  std::vector<int64_t> count(static_cast<size_t>(B * H * nodes));
  LeafBuckets queries(B * H, N, dims.leaves());
  {
    const size_t sums_per_worker = static_cast<size_t>(2 * nodes * D);
    std::vector<std::unique_ptr<double[]>> sums(worker_count(B * H, 8.0 * static_cast<double>(sums_per_worker)));
    for (auto& s : sums) s.reset(new double[sums_per_worker]);
    run_on_workers(parallel_for, sums.size(), static_cast<size_t>(B * H), [&](size_t worker, size_t bh) {
      queries.build(static_cast<int64_t>(bh), out.q_leaf + bh * N);
      int64_t* c = count.data() + bh * nodes;
      double* ksum = sums[worker].get();
      double* vsum = ksum + nodes * D;
      std::fill_n(ksum, sums_per_worker, 0.0);
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
      float* km = key_mean.data() + bh * nodes * D;
      float* vm = value_mean.data() + bh * nodes * D;
      for (int64_t node = 0; node < nodes; ++node) {
        if (c[node] == 0) continue;
        for (int64_t d = 0; d < D; ++d) {
          km[node * D + d] = static_cast<float>(ksum[node * D + d] / static_cast<double>(c[node]));
          vm[node * D + d] = static_cast<float>(vsum[node * D + d] / static_cast<double>(c[node]));
        }
      }
    });
  }  // the sums are freed before the attention

  attend_by_leaf(
      dims, in, out, parallel_for, queries, 1 + G + dims.depth + 1,
      [&](int64_t bh, LeafCandidates& c) {
        const int64_t b = bh / H, h = bh % H;
        c.add(in.sink_k + h * D, in.sink_v + h * D);
        for (int64_t g = 0; g < G; ++g)
          if (is_valid(in.mask, b, N, g)) c.add(in.K + (bh * N + g) * D, in.V + (bh * N + g) * D);
      },
      [&](int64_t bh, int64_t l, LeafCandidates& c) {
        const float* km = key_mean.data() + bh * nodes * D;
        const float* vm = value_mean.data() + bh * nodes * D;
        const int64_t* cnt = count.data() + bh * nodes;
        for (int64_t node = M + l;; node = (node - 1) / 2) {
          if (cnt[node] > 0) c.add(km + node * D, vm + node * D);
          if (node == 0) break;
        }
      });
}

double fine_attention_scratch_bytes(const Dims& dims, int64_t num_global) {
  const int64_t G = std::max<int64_t>(0, std::min(num_global, dims.N));
  // Key buckets, then attend_by_leaf with up to every key in one leaf.
  return LeafBuckets::bytes(dims.B * dims.H, dims.N, dims.leaves()) + attend_scratch_bytes(dims, 1 + G + dims.N);
}

double coarse_attention_scratch_bytes(const Dims& dims, int64_t num_global) {
  const int64_t G = std::max<int64_t>(0, std::min(num_global, dims.N));
  const double BH = static_cast<double>(dims.B * dims.H), nodes = static_cast<double>(2 * dims.M + 1),
               D = static_cast<double>(dims.D);
  const double summaries = BH * nodes * (2 * D * sizeof(float) + sizeof(int64_t));  // means and counts
  const double sums = worker_scratch_bound(dims.B * dims.H, nodes * 2 * D * sizeof(double));
  return summaries + sums + attend_scratch_bytes(dims, 1 + G + dims.depth + 1);
}

}  // namespace treeformer
