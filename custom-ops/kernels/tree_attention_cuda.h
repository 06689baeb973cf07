// CUDA versions of the tree attention kernels (DESIGN.md §3); they compute the
// same function as the CPU kernels in tree_attention.h. This header includes
// no CUDA header so that plain C++ code (the ORT op layer) can include it.
//
// Every pointer is a DEVICE pointer (the mask too: int64 [B,N] on the device).
// `stream` is a cudaStream_t; nullptr means the default stream. Work and
// temporary allocations (cudaMallocAsync / cudaFreeAsync) are queued on that
// stream and the functions return without waiting for it.
// Each function returns "" when everything was queued, else a readable error;
// none of them throws or aborts. The caller has validated the shapes already
// (D >= 1, N >= 1, M + 1 = 2^depth, 0 <= num_global <= N).
#pragma once
#include <cstdint>
#include <string>

#include "tree_attention.h"

namespace treeformer {
namespace cuda {

// TreeRoute: X [B,H,N,D], W [H,M,D], Wb [H,M] -> leaf [B,H,N] (every position routed).
std::string tree_route(const Dims& dims, const float* X, const float* W, const float* Wb, int64_t* leaf,
                       void* stream);

// TF-Attention; fills out.out, out.q_leaf and out.k_leaf (all three required).
std::string tree_fine_attention(const Dims& dims, const AttentionInputs& in, const AttentionOutputs& out,
                                void* stream);

// TC-Attention; fills out.out, out.q_leaf and out.k_leaf (all three required).
std::string tree_coarse_attention(const Dims& dims, const AttentionInputs& in, const AttentionOutputs& out,
                                  void* stream);

// Largest head dim D the attention kernels support (TreeRoute has no limit).
int64_t max_head_dim();

// Upper bounds, in bytes, of the device scratch that tree_fine_attention /
// tree_coarse_attention allocate for `dims` (TreeRoute allocates none).
double fine_attention_scratch_bytes(const Dims& dims);
double coarse_attention_scratch_bytes(const Dims& dims);

}  // namespace cuda
}  // namespace treeformer
