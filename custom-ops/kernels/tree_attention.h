// Tree attention kernels (DESIGN.md §3), free of ONNX Runtime plumbing so they
// can be called and tested alone. All tensors are dense row-major.
//
// Shapes: B batch, H heads, N sequence, D head dim, M = 2^depth - 1 internal
// nodes per tree (breadth-first; node n has children 2n+1 and 2n+2), L = M + 1
// leaves numbered left to right. A vector goes left when w_n·x + b_n >= 0.
// Routing dot products are accumulated in double so that the decision at a
// hyperplane does not depend on the summation order of a float32 kernel.
#pragma once
#include <cstddef>
#include <cstdint>
#include <functional>

namespace treeformer {

// Deepest tree the ops accept (M = 2^16 - 1 = 65535 internal nodes). Scratch
// memory grows with B·H·2^depth whatever N is, so deeper trees are refused.
constexpr int kMaxTreeDepth = 16;

struct Dims {
  int64_t B = 0, H = 0, N = 0, D = 0;
  int64_t M = 0;  // internal nodes per tree
  int depth = 0;  // log2(M + 1)
  int64_t leaves() const { return M + 1; }
};

// Inputs shared by TreeFineAttention and TreeCoarseAttention.
struct AttentionInputs {
  const float* Q = nullptr;       // [B,H,N,D]
  const float* K = nullptr;       // [B,H,N,D]
  const float* V = nullptr;       // [B,H,N,D]
  const float* W = nullptr;       // [H,M,D]
  const float* Wb = nullptr;      // [H,M]
  const float* sink_k = nullptr;  // [H,D]
  const float* sink_v = nullptr;  // [H,D]
  const int64_t* mask = nullptr;  // [B,N], nonzero = real token
  int64_t num_global = 0;         // first G positions are keys for every query; 0 <= G <= N
  float scale = 1.0f;             // softmax temperature, usually 1/sqrt(D)
};

struct AttentionOutputs {
  float* out = nullptr;       // [B,H,N,D]; 0 at padded positions
  int64_t* q_leaf = nullptr;  // [B,H,N];  -1 at padded positions
  int64_t* k_leaf = nullptr;  // [B,H,N];  -1 at padded positions
};

// Runs task(i) for every i in [0, count), possibly on several threads at once.
// A task may throw; an implementation that hands tasks to a foreign thread
// pool (ONNX Runtime's) must catch inside each task and rethrow the first
// exception on the calling thread once all tasks have ended. The kernels
// allocate their scratch before the parallel sections, so their tasks do not
// allocate.
using ParallelFor = std::function<void(size_t count, const std::function<void(size_t)>& task)>;

// Runs the tasks one after another on the calling thread.
void run_serially(size_t count, const std::function<void(size_t)>& task);

// TreeRoute: X [B,H,N,D] -> leaf [B,H,N] (every position is routed).
void tree_route(const Dims& dims, const float* X, const float* W, const float* Wb, int64_t* leaf,
                const ParallelFor& parallel_for);

// TF-Attention: each query attends, with one softmax, over the keys in its
// leaf, the sink, and the valid global keys (a global key in the leaf counts once).
void tree_fine_attention(const Dims& dims, const AttentionInputs& in, const AttentionOutputs& out,
                         const ParallelFor& parallel_for);

// TC-Attention: each query attends, with one softmax, over the mean key/value
// of every non-empty node on its root-to-leaf path (depth + 1 nodes), the
// sink, and the valid global keys.
void tree_coarse_attention(const Dims& dims, const AttentionInputs& in, const AttentionOutputs& out,
                           const ParallelFor& parallel_for);

// Upper bounds, in bytes, of the scratch memory (beyond inputs and outputs)
// that tree_fine_attention / tree_coarse_attention allocate for `dims` with
// `num_global` global keys; TreeRoute needs none. Computed from the dims
// alone, before anything is allocated, so that a caller can refuse a call
// up front. A double, so that absurd dims cannot overflow it.
double fine_attention_scratch_bytes(const Dims& dims, int64_t num_global);
double coarse_attention_scratch_bytes(const Dims& dims, int64_t num_global);

}  // namespace treeformer
