// CUDA tree attention (DESIGN.md §3): the same function as tree_attention_cpu.cc.
//
// Pipeline of one attention call, all queued on the caller's stream:
//   1. route:   one thread per query / key vector -> q_leaf, k_leaf [B,H,N]
//               (-1 at padded positions). The hyperplane test accumulates in
//               double in the same order as the CPU's margin_double, so both
//               pick the same leaf even for points on a hyperplane.
//   2. bucket:  per (b,h) leaf histogram of the valid keys (atomics), an
//               exclusive scan -> off [B*H, L+1], and a scatter of the key
//               positions -> sorted [B*H, N]: keys of leaf l are
//               sorted[off[l] .. off[l+1]).
//   3a. TF:     one warp per query; the lanes split D (lane holds d = lane +
//               32 t) and reduce dot products with shuffles; an online softmax
//               runs over sink, globals and the keys of the query's leaf.
//   3b. TC:     per-leaf sums (one warp per leaf, double), summed up the tree
//               level by level, divided by the node counts -> node means; then
//               one warp per query attends over sink, globals and the
//               non-empty nodes on its root-to-leaf path.
// Scores may differ from the CPU in the last bits (different float summation
// order); leaves are identical.
#include "tree_attention_cuda.h"

#include <cuda_runtime.h>

#include <climits>
#include <exception>
#include <string>
#include <type_traits>
#include <vector>

namespace treeformer {
namespace cuda {
namespace {

constexpr int kWarp = 32;
constexpr int kBlock = 256;                  // threads per block, every kernel
constexpr int kWarpsPerBlock = kBlock / kWarp;
constexpr int kMaxChunks = 8;                // D <= kWarp * kMaxChunks
constexpr unsigned kFullMask = 0xffffffffu;
constexpr int64_t kMaxBlocks = int64_t{1} << 20;  // grid-stride loops cover the rest

// Blocks for a grid-stride loop over `items` work items, `per_block` per block.
unsigned grid_for(int64_t items, int64_t per_block) {
  int64_t blocks = (items + per_block - 1) / per_block;
  if (blocks < 1) blocks = 1;
  if (blocks > kMaxBlocks) blocks = kMaxBlocks;
  return static_cast<unsigned>(blocks);
}

__device__ __forceinline__ int64_t thread_index() {
  return static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
}
__device__ __forceinline__ int64_t thread_count() { return static_cast<int64_t>(gridDim.x) * blockDim.x; }

// ---------------------------------------------------------------- routing

// One thread per vector. X [B,H,N,D], W [H,M,D], Wb [H,M] -> leaf [B,H,N].
// mask [B,N] may be null (route every position); masked positions get -1.
__global__ void __launch_bounds__(kBlock)
    route_kernel(const float* __restrict__ X, const float* __restrict__ W, const float* __restrict__ Wb,
                 const int64_t* __restrict__ mask, int64_t* __restrict__ leaf, int64_t B, int64_t H, int64_t N,
                 int64_t D, int64_t M, int depth) {
  const int64_t rows = B * H * N;
  for (int64_t row = thread_index(); row < rows; row += thread_count()) {
    const int64_t n = row % N, bh = row / N, b = bh / H, h = bh % H;
    if (mask != nullptr && mask[b * N + n] == 0) {
      leaf[row] = -1;
      continue;
    }
    const float* x = X + row * D;
    const float* W_h = W + h * M * D;
    const float* Wb_h = Wb + h * M;
    int64_t node = 0;
    for (int level = 0; level < depth; ++level) {
      const float* w = W_h + node * D;
      // Same order as margin_double on the CPU: four partial sums, then the
      // bias, then the tail. The product of two floats is exact in double, so
      // the fused multiply-add rounds exactly like a separate multiply and add.
      double z4[4] = {0.0, 0.0, 0.0, 0.0};
      int64_t d = 0;
      for (; d + 4 <= D; d += 4)
        for (int k = 0; k < 4; ++k) z4[k] = fma(static_cast<double>(w[d + k]), static_cast<double>(x[d + k]), z4[k]);
      double z = static_cast<double>(Wb_h[node]) + ((z4[0] + z4[1]) + (z4[2] + z4[3]));
      for (; d < D; ++d) z = fma(static_cast<double>(w[d]), static_cast<double>(x[d]), z);
      node = z >= 0.0 ? 2 * node + 1 : 2 * node + 2;
    }
    leaf[row] = node - M;
  }
}

// ---------------------------------------------------------------- bucketing

// Counts the valid keys per leaf: off[bh, l] += 1 (off zeroed before).
// leaf [B*H, N]; off [B*H, L+1].
__global__ void __launch_bounds__(kBlock)
    leaf_histogram_kernel(const int64_t* __restrict__ leaf, int64_t rows, int64_t N, int64_t L, int* off) {
  for (int64_t row = thread_index(); row < rows; row += thread_count()) {
    const int64_t l = leaf[row];
    if (l >= 0) atomicAdd(off + (row / N) * (L + 1) + l, 1);
  }
}

// Exclusive prefix sum of each row of data [rows, len], in place; one block per
// row. Used on the histogram: off[bh, l] becomes the start of leaf l and
// off[bh, L] the number of valid keys.
__global__ void __launch_bounds__(kBlock) exclusive_scan_rows_kernel(int* data, int64_t rows, int64_t len) {
  __shared__ int warp_total[kWarpsPerBlock];
  const int lane = threadIdx.x % kWarp, warp = threadIdx.x / kWarp;
  for (int64_t r = blockIdx.x; r < rows; r += gridDim.x) {  // block-uniform loops: __syncthreads is safe
    int* row = data + r * len;
    int carry = 0;  // sum of the row before the current chunk
    for (int64_t base = 0; base < len; base += kBlock) {
      const int64_t idx = base + threadIdx.x;
      const int value = idx < len ? row[idx] : 0;
      int incl = value;  // inclusive scan within the warp
      for (int o = 1; o < kWarp; o <<= 1) {
        const int y = __shfl_up_sync(kFullMask, incl, o);
        if (lane >= o) incl += y;
      }
      if (lane == kWarp - 1) warp_total[warp] = incl;
      __syncthreads();
      if (warp == 0) {  // inclusive scan of the warp totals
        int t = lane < kWarpsPerBlock ? warp_total[lane] : 0;
        for (int o = 1; o < kWarp; o <<= 1) {
          const int y = __shfl_up_sync(kFullMask, t, o);
          if (lane >= o) t += y;
        }
        if (lane < kWarpsPerBlock) warp_total[lane] = t;
      }
      __syncthreads();
      if (idx < len) row[idx] = carry + (warp > 0 ? warp_total[warp - 1] : 0) + incl - value;
      carry += warp_total[kWarpsPerBlock - 1];
      __syncthreads();  // warp_total is rewritten by the next chunk
    }
  }
}

// Writes each valid key position into its leaf's range of sorted [B*H, N]. The
// order inside a leaf depends on atomics; only float rounding depends on it.
__global__ void __launch_bounds__(kBlock)
    leaf_scatter_kernel(const int64_t* __restrict__ leaf, int64_t rows, int64_t N, int64_t L,
                        const int* __restrict__ off, int* fill, int* __restrict__ sorted) {
  for (int64_t row = thread_index(); row < rows; row += thread_count()) {
    const int64_t l = leaf[row];
    if (l < 0) continue;
    const int64_t bh = row / N;
    const int pos = off[bh * (L + 1) + l] + atomicAdd(fill + bh * L + l, 1);
    sorted[bh * N + pos] = static_cast<int>(row % N);
  }
}

// ---------------------------------------------------------------- node summaries (TC)

// One warp per (b,h,leaf): sums (double) and count of the keys/values in the
// leaf, stored at node M + l. ksum, vsum [B*H, nodes, D]; count [B*H, nodes].
__global__ void __launch_bounds__(kBlock)
    leaf_sums_kernel(const float* __restrict__ K, const float* __restrict__ V, const int* __restrict__ off,
                     const int* __restrict__ sorted, double* __restrict__ ksum, double* __restrict__ vsum,
                     int* __restrict__ count, int64_t BH, int64_t N, int64_t D, int64_t M) {
  const int lane = threadIdx.x % kWarp;
  const int64_t L = M + 1, nodes = 2 * M + 1, tasks = BH * L;
  for (int64_t task = thread_index() / kWarp; task < tasks; task += thread_count() / kWarp) {
    const int64_t bh = task / L, l = task % L;
    const int begin = off[bh * (L + 1) + l], end = off[bh * (L + 1) + l + 1];
    const int64_t node = bh * nodes + M + l;
    if (lane == 0) count[node] = end - begin;
    const int* keys = sorted + bh * N;
    for (int64_t d = lane; d < D; d += kWarp) {
      double sk = 0.0, sv = 0.0;
      for (int p = begin; p < end; ++p) {
        const int64_t at = (bh * N + keys[p]) * D + d;
        sk += K[at];
        sv += V[at];
      }
      ksum[node * D + d] = sk;
      vsum[node * D + d] = sv;
    }
  }
}

// Nodes of one level (first .. first+width-1) from their children:
// sum(n) = sum(2n+1) + sum(2n+2). One thread per (b,h,node,d).
__global__ void __launch_bounds__(kBlock)
    level_sums_kernel(double* ksum, double* vsum, int* count, int64_t BH, int64_t nodes, int64_t D,
                      int64_t first, int64_t width) {
  const int64_t items = BH * width * D;
  for (int64_t item = thread_index(); item < items; item += thread_count()) {
    const int64_t d = item % D, t = item / D, n = first + t % width, base = (t / width) * nodes;
    const int64_t self = base + n, left = base + 2 * n + 1, right = base + 2 * n + 2;
    ksum[self * D + d] = ksum[left * D + d] + ksum[right * D + d];
    vsum[self * D + d] = vsum[left * D + d] + vsum[right * D + d];
    if (d == 0) count[self] = count[left] + count[right];
  }
}

// Node means as float, like the CPU: float(sum / count); 0 where the node is
// empty (never read). One thread per (b,h,node,d).
__global__ void __launch_bounds__(kBlock)
    node_means_kernel(const double* __restrict__ ksum, const double* __restrict__ vsum,
                      const int* __restrict__ count, float* __restrict__ kmean, float* __restrict__ vmean,
                      int64_t items, int64_t D) {
  for (int64_t item = thread_index(); item < items; item += thread_count()) {
    const int c = count[item / D];
    kmean[item] = c > 0 ? static_cast<float>(ksum[item] / c) : 0.f;
    vmean[item] = c > 0 ? static_cast<float>(vsum[item] / c) : 0.f;
  }
}

// ---------------------------------------------------------------- attention

// Everything the attention kernels read; passed by value.
struct AttentionArgs {
  const float *Q, *K, *V;          // [B,H,N,D]
  const float *sink_k, *sink_v;    // [H,D]
  const int64_t *q_leaf, *k_leaf;  // [B,H,N], -1 = padded
  const int* off;                  // [B*H, L+1] leaf starts in `sorted` (TF)
  const int* sorted;               // [B*H, N] key positions grouped by leaf (TF)
  const float *kmean, *vmean;      // [B*H, nodes, D] node means (TC)
  const int* count;                // [B*H, nodes] keys per node (TC)
  float* out;                      // [B,H,N,D]
  int64_t B, H, N, D, M, G;
  float scale;
};

// One D-vector split over the lanes of a warp: lane holds d = lane + 32 t;
// entries past D are 0 so they add nothing to dot products.
template <int CH>
__device__ __forceinline__ void load_row(float (&r)[CH], const float* __restrict__ p, int64_t D, int lane) {
#pragma unroll
  for (int t = 0; t < CH; ++t) {
    const int64_t d = lane + kWarp * t;
    r[t] = d < D ? p[d] : 0.f;
  }
}

// Full dot product of two split vectors. The xor butterfly leaves the same
// value in every lane (float addition is commutative), so the softmax
// branches below are warp-uniform.
template <int CH>
__device__ __forceinline__ float warp_dot(const float (&a)[CH], const float (&b)[CH]) {
  float s = 0.f;
#pragma unroll
  for (int t = 0; t < CH; ++t) s += a[t] * b[t];
#pragma unroll
  for (int o = kWarp / 2; o > 0; o >>= 1) s += __shfl_xor_sync(kFullMask, s, o);
  return s;
}

// Streaming softmax (running max, sum of exp, weighted value sum), the same
// recurrence as the CPU's SoftmaxAccumulator; it starts with the sink, so the
// max is always finite.
template <int CH>
struct OnlineSoftmax {
  float max_score, sum, acc[CH];

  __device__ __forceinline__ void start(float score, const float (&v)[CH]) {
    max_score = score;
    sum = 1.f;
#pragma unroll
    for (int t = 0; t < CH; ++t) acc[t] = v[t];
  }
  __device__ __forceinline__ void add(float score, const float (&v)[CH]) {
    if (score > max_score) {
      const float rescale = expf(max_score - score);
      sum *= rescale;
#pragma unroll
      for (int t = 0; t < CH; ++t) acc[t] *= rescale;
      max_score = score;
    }
    const float p = expf(score - max_score);
    sum += p;
#pragma unroll
    for (int t = 0; t < CH; ++t) acc[t] += p * v[t];
  }
  __device__ __forceinline__ void write(float* __restrict__ out, int64_t D, int lane) const {
    const float inv = 1.f / sum;  // sum >= 1: the max-scoring entry contributes exp(0)
#pragma unroll
    for (int t = 0; t < CH; ++t) {
      const int64_t d = lane + kWarp * t;
      if (d < D) out[d] = acc[t] * inv;
    }
  }
};

// Start of every query: the padded check, the query vector, the sink and the
// valid global keys (skipping those in leaf `skip_leaf`; -1 skips none).
// Returns false for a padded query, whose output it zeroes.
template <int CH>
__device__ __forceinline__ bool begin_query(const AttentionArgs& a, int64_t row, int64_t leaf, int64_t skip_leaf,
                                            int lane, float (&q)[CH], OnlineSoftmax<CH>& softmax) {
  if (leaf < 0) {
    for (int64_t d = lane; d < a.D; d += kWarp) a.out[row * a.D + d] = 0.f;
    return false;
  }
  const int64_t h = (row / a.N) % a.H, kv = row - row % a.N;  // kv: row of key 0 of this (b,h)
  float k[CH], v[CH];
  load_row(q, a.Q + row * a.D, a.D, lane);
  load_row(k, a.sink_k + h * a.D, a.D, lane);
  load_row(v, a.sink_v + h * a.D, a.D, lane);
  softmax.start(a.scale * warp_dot(q, k), v);
  for (int64_t g = 0; g < a.G; ++g) {
    const int64_t g_leaf = a.k_leaf[kv + g];
    if (g_leaf < 0 || g_leaf == skip_leaf) continue;  // padded, or counted with the leaf
    load_row(k, a.K + (kv + g) * a.D, a.D, lane);
    load_row(v, a.V + (kv + g) * a.D, a.D, lane);
    softmax.add(a.scale * warp_dot(q, k), v);
  }
  return true;
}

// TF: one warp per query row of [B*H*N]: sink, globals, keys of its leaf.
template <int CH>
__global__ void __launch_bounds__(kBlock) fine_attention_kernel(const AttentionArgs a) {
  const int lane = threadIdx.x % kWarp;
  const int64_t rows = a.B * a.H * a.N, L = a.M + 1;
  for (int64_t row = thread_index() / kWarp; row < rows; row += thread_count() / kWarp) {
    const int64_t leaf = a.q_leaf[row];
    float q[CH];
    OnlineSoftmax<CH> softmax;
    if (!begin_query(a, row, leaf, leaf, lane, q, softmax)) continue;
    const int64_t bh = row / a.N, kv = bh * a.N;
    const int* keys = a.sorted + kv;
    const int end = a.off[bh * (L + 1) + leaf + 1];
    float k[CH], v[CH];
    for (int p = a.off[bh * (L + 1) + leaf]; p < end; ++p) {
      const int64_t j = kv + keys[p];
      load_row(k, a.K + j * a.D, a.D, lane);
      load_row(v, a.V + j * a.D, a.D, lane);
      softmax.add(a.scale * warp_dot(q, k), v);
    }
    softmax.write(a.out + row * a.D, a.D, lane);
  }
}

// TC: one warp per query row: sink, globals, non-empty nodes from leaf to root.
template <int CH>
__global__ void __launch_bounds__(kBlock) coarse_attention_kernel(const AttentionArgs a) {
  const int lane = threadIdx.x % kWarp;
  const int64_t rows = a.B * a.H * a.N, nodes = 2 * a.M + 1;
  for (int64_t row = thread_index() / kWarp; row < rows; row += thread_count() / kWarp) {
    const int64_t leaf = a.q_leaf[row];
    float q[CH];
    OnlineSoftmax<CH> softmax;
    if (!begin_query(a, row, leaf, int64_t{-1}, lane, q, softmax)) continue;
    const int64_t first = (row / a.N) * nodes;  // node 0 of this (b,h)
    float k[CH], v[CH];
    for (int64_t node = a.M + leaf;; node = (node - 1) / 2) {
      if (a.count[first + node] > 0) {
        load_row(k, a.kmean + (first + node) * a.D, a.D, lane);
        load_row(v, a.vmean + (first + node) * a.D, a.D, lane);
        softmax.add(a.scale * warp_dot(q, k), v);
      }
      if (node == 0) break;
    }
    softmax.write(a.out + row * a.D, a.D, lane);
  }
}

// Calls launch(std::integral_constant<int, CH>) with the fewest chunks per lane
// that cover D (D <= kWarp * kMaxChunks, checked before).
template <typename Launch>
void with_chunks(int64_t D, Launch&& launch) {
  if (D <= kWarp) launch(std::integral_constant<int, 1>());
  else if (D <= 2 * kWarp) launch(std::integral_constant<int, 2>());
  else if (D <= 4 * kWarp) launch(std::integral_constant<int, 4>());
  else launch(std::integral_constant<int, kMaxChunks>());
}

// ---------------------------------------------------------------- host side

// Device temporaries, allocated and freed in stream order: the frees are queued
// after the kernels that use them, on every return path.
class Scratch {
 public:
  explicit Scratch(cudaStream_t stream) : stream_(stream) {}
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;
  ~Scratch() {
    for (void* p : blocks_) cudaFreeAsync(p, stream_);
  }
  template <typename T>
  cudaError_t alloc(T** p, int64_t count) {
    blocks_.reserve(blocks_.size() + 1);  // so that push_back below cannot throw and leak
    void* raw = nullptr;
    const cudaError_t err = cudaMallocAsync(&raw, static_cast<size_t>(count > 0 ? count : 1) * sizeof(T), stream_);
    if (err == cudaSuccess) blocks_.push_back(raw);
    *p = static_cast<T*>(raw);
    return err;
  }

 private:
  cudaStream_t stream_;
  std::vector<void*> blocks_;
};

std::string cuda_error(const char* op, const char* step, cudaError_t err) {
  return std::string(op) + " (CUDA): " + step + " failed: " + cudaGetErrorString(err);
}

#define TF_TRY(op, step, call)                                    \
  do {                                                            \
    const cudaError_t tf_err_ = (call);                           \
    if (tf_err_ != cudaSuccess) return cuda_error(op, step, tf_err_); \
  } while (0)

// Checks the dims the kernels rely on; "" if fine.
std::string check_dims(const char* op, const Dims& d, bool attention) {
  if (d.depth < 0 || d.depth > 40 || d.M != (int64_t{1} << d.depth) - 1)
    return std::string(op) + " (CUDA): M = " + std::to_string(d.M) + " is not 2^depth - 1 for depth " +
           std::to_string(d.depth);
  if (d.D < 1 || d.N < 1 || d.B < 0 || d.H < 0) return std::string(op) + " (CUDA): invalid dims";
  if (d.N > INT_MAX) return std::string(op) + " (CUDA): N = " + std::to_string(d.N) + " is too large";
  if (attention && d.D > max_head_dim())
    return std::string(op) + " (CUDA): head dim D = " + std::to_string(d.D) + " exceeds the supported maximum " +
           std::to_string(max_head_dim());
  return "";
}

// Routes Q and K (masked) into out.q_leaf / out.k_leaf and buckets the keys by
// leaf into off [B*H, L+1] and sorted [B*H, N] (both allocated in `scratch`).
std::string route_and_bucket(const char* op, const Dims& d, const AttentionInputs& in, const AttentionOutputs& out,
                             cudaStream_t stream, Scratch& scratch, int** off, int** sorted) {
  const int64_t BH = d.B * d.H, L = d.leaves(), rows = BH * d.N;
  const unsigned grid = grid_for(rows, kBlock);
  route_kernel<<<grid, kBlock, 0, stream>>>(in.Q, in.W, in.Wb, in.mask, out.q_leaf, d.B, d.H, d.N, d.D, d.M,
                                            d.depth);
  TF_TRY(op, "route queries", cudaGetLastError());
  route_kernel<<<grid, kBlock, 0, stream>>>(in.K, in.W, in.Wb, in.mask, out.k_leaf, d.B, d.H, d.N, d.D, d.M,
                                            d.depth);
  TF_TRY(op, "route keys", cudaGetLastError());

  int* fill = nullptr;
  TF_TRY(op, "allocate leaf offsets", scratch.alloc(off, BH * (L + 1)));
  TF_TRY(op, "allocate leaf cursors", scratch.alloc(&fill, BH * L));
  TF_TRY(op, "allocate key order", scratch.alloc(sorted, rows));
  TF_TRY(op, "clear leaf offsets", cudaMemsetAsync(*off, 0, sizeof(int) * BH * (L + 1), stream));
  TF_TRY(op, "clear leaf cursors", cudaMemsetAsync(fill, 0, sizeof(int) * BH * L, stream));
  leaf_histogram_kernel<<<grid, kBlock, 0, stream>>>(out.k_leaf, rows, d.N, L, *off);
  TF_TRY(op, "leaf histogram", cudaGetLastError());
  exclusive_scan_rows_kernel<<<grid_for(BH, 1), kBlock, 0, stream>>>(*off, BH, L + 1);
  TF_TRY(op, "leaf offsets scan", cudaGetLastError());
  leaf_scatter_kernel<<<grid, kBlock, 0, stream>>>(out.k_leaf, rows, d.N, L, *off, fill, *sorted);
  TF_TRY(op, "leaf scatter", cudaGetLastError());
  return "";
}

AttentionArgs make_args(const Dims& d, const AttentionInputs& in, const AttentionOutputs& out) {
  AttentionArgs a{};
  a.Q = in.Q;
  a.K = in.K;
  a.V = in.V;
  a.sink_k = in.sink_k;
  a.sink_v = in.sink_v;
  a.q_leaf = out.q_leaf;
  a.k_leaf = out.k_leaf;
  a.out = out.out;
  a.B = d.B;
  a.H = d.H;
  a.N = d.N;
  a.D = d.D;
  a.M = d.M;
  a.G = in.num_global < 0 ? 0 : (in.num_global > d.N ? d.N : in.num_global);
  a.scale = in.scale;
  return a;
}

std::string check_pointers(const char* op, const AttentionInputs& in, const AttentionOutputs& out) {
  if (!in.Q || !in.K || !in.V || !in.W || !in.Wb || !in.sink_k || !in.sink_v || !out.out || !out.q_leaf ||
      !out.k_leaf)
    return std::string(op) + " (CUDA): a required input or output pointer is null";
  return "";
}

std::string fine_impl(const Dims& d, const AttentionInputs& in, const AttentionOutputs& out, cudaStream_t stream) {
  const char* op = "TreeFineAttention";
  std::string err = check_dims(op, d, true);
  if (err.empty()) err = check_pointers(op, in, out);
  if (!err.empty() || d.B * d.H == 0) return err;

  Scratch scratch(stream);
  int *off = nullptr, *sorted = nullptr;
  err = route_and_bucket(op, d, in, out, stream, scratch, &off, &sorted);
  if (!err.empty()) return err;

  AttentionArgs a = make_args(d, in, out);
  a.off = off;
  a.sorted = sorted;
  const unsigned grid = grid_for(d.B * d.H * d.N, kWarpsPerBlock);
  with_chunks(d.D, [&](auto chunks) {
    fine_attention_kernel<decltype(chunks)::value><<<grid, kBlock, 0, stream>>>(a);
  });
  TF_TRY(op, "attention kernel", cudaGetLastError());
  return "";
}

std::string coarse_impl(const Dims& d, const AttentionInputs& in, const AttentionOutputs& out, cudaStream_t stream) {
  const char* op = "TreeCoarseAttention";
  std::string err = check_dims(op, d, true);
  if (err.empty()) err = check_pointers(op, in, out);
  if (!err.empty() || d.B * d.H == 0) return err;

  Scratch scratch(stream);
  int *off = nullptr, *sorted = nullptr;
  err = route_and_bucket(op, d, in, out, stream, scratch, &off, &sorted);
  if (!err.empty()) return err;

  // Node summaries [B*H, nodes, D]: leaf sums, then level by level up to the root.
  const int64_t BH = d.B * d.H, nodes = 2 * d.M + 1, L = d.leaves();
  double *ksum = nullptr, *vsum = nullptr;
  float *kmean = nullptr, *vmean = nullptr;
  int* count = nullptr;
  TF_TRY(op, "allocate node sums", scratch.alloc(&ksum, BH * nodes * d.D));
  TF_TRY(op, "allocate node sums", scratch.alloc(&vsum, BH * nodes * d.D));
  TF_TRY(op, "allocate node means", scratch.alloc(&kmean, BH * nodes * d.D));
  TF_TRY(op, "allocate node means", scratch.alloc(&vmean, BH * nodes * d.D));
  TF_TRY(op, "allocate node counts", scratch.alloc(&count, BH * nodes));
  leaf_sums_kernel<<<grid_for(BH * L, kWarpsPerBlock), kBlock, 0, stream>>>(in.K, in.V, off, sorted, ksum, vsum,
                                                                            count, BH, d.N, d.D, d.M);
  TF_TRY(op, "leaf sums", cudaGetLastError());
  for (int level = d.depth - 1; level >= 0; --level) {
    const int64_t width = int64_t{1} << level, first = width - 1;
    level_sums_kernel<<<grid_for(BH * width * d.D, kBlock), kBlock, 0, stream>>>(ksum, vsum, count, BH, nodes, d.D,
                                                                                 first, width);
    TF_TRY(op, "node sums", cudaGetLastError());
  }
  node_means_kernel<<<grid_for(BH * nodes * d.D, kBlock), kBlock, 0, stream>>>(ksum, vsum, count, kmean, vmean,
                                                                               BH * nodes * d.D, d.D);
  TF_TRY(op, "node means", cudaGetLastError());

  AttentionArgs a = make_args(d, in, out);
  a.kmean = kmean;
  a.vmean = vmean;
  a.count = count;
  const unsigned grid = grid_for(BH * d.N, kWarpsPerBlock);
  with_chunks(d.D, [&](auto chunks) {
    coarse_attention_kernel<decltype(chunks)::value><<<grid, kBlock, 0, stream>>>(a);
  });
  TF_TRY(op, "attention kernel", cudaGetLastError());
  return "";
}

std::string route_impl(const Dims& d, const float* X, const float* W, const float* Wb, int64_t* leaf,
                       cudaStream_t stream) {
  const char* op = "TreeRoute";
  std::string err = check_dims(op, d, false);
  if (!err.empty()) return err;
  if (!X || !W || !Wb || !leaf) return std::string(op) + " (CUDA): a required input or output pointer is null";
  if (d.B * d.H == 0) return "";
  route_kernel<<<grid_for(d.B * d.H * d.N, kBlock), kBlock, 0, stream>>>(X, W, Wb, nullptr, leaf, d.B, d.H, d.N,
                                                                          d.D, d.M, d.depth);
  TF_TRY(op, "route kernel", cudaGetLastError());
  return "";
}

// Keeps exceptions (e.g. std::bad_alloc from std::string) inside the library.
template <typename F>
std::string guarded(const char* op, F&& body) {
  try {
    return body();
  } catch (const std::exception& e) {
    return std::string(op) + " (CUDA): " + e.what();
  } catch (...) {
    return std::string(op) + " (CUDA): unknown error";
  }
}

}  // namespace

std::string tree_route(const Dims& dims, const float* X, const float* W, const float* Wb, int64_t* leaf,
                       void* stream) {
  return guarded("TreeRoute",
                 [&] { return route_impl(dims, X, W, Wb, leaf, static_cast<cudaStream_t>(stream)); });
}

std::string tree_fine_attention(const Dims& dims, const AttentionInputs& in, const AttentionOutputs& out,
                                void* stream) {
  return guarded("TreeFineAttention",
                 [&] { return fine_impl(dims, in, out, static_cast<cudaStream_t>(stream)); });
}

std::string tree_coarse_attention(const Dims& dims, const AttentionInputs& in, const AttentionOutputs& out,
                                  void* stream) {
  return guarded("TreeCoarseAttention",
                 [&] { return coarse_impl(dims, in, out, static_cast<cudaStream_t>(stream)); });
}

int64_t max_head_dim() { return kWarp * kMaxChunks; }

// What route_and_bucket() and coarse_impl() allocate in their Scratch.
double fine_attention_scratch_bytes(const Dims& d) {
  const double BH = static_cast<double>(d.B * d.H), L = static_cast<double>(d.leaves());
  return sizeof(int) * BH * ((L + 1) + L + static_cast<double>(d.N));  // off, fill, sorted
}

double coarse_attention_scratch_bytes(const Dims& d) {
  const double BH = static_cast<double>(d.B * d.H), nodes = static_cast<double>(2 * d.M + 1),
               D = static_cast<double>(d.D);
  return fine_attention_scratch_bytes(d) + BH * nodes * D * (2 * sizeof(double) + 2 * sizeof(float)) +
         BH * nodes * sizeof(int);  // ksum, vsum, kmean, vmean, count
}

}  // namespace cuda
}  // namespace treeformer
