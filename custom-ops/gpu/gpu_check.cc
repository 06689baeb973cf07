// treeformer_gpu_check: runs the CUDA tree attention kernels next to the CPU
// kernels on random inputs and checks that they agree (leaf ids identical,
// max|gpu - cpu| / max|cpu| <= 1e-4), checks both against a float64 reference
// written from DESIGN.md §3 on the smaller shapes, then times CPU and GPU at
// H=4, D=32, N=16k and 64k. The last line is a machine-readable summary:
//   gpu: all_ok=<0|1> tf_gpu_ms_16k=<x> tf_cpu_ms_16k=<x> tf_gpu_ms_64k=<x> tf_cpu_ms_64k=<x>
//        tc_gpu_ms_64k=<x> tc_cpu_ms_64k=<x>
// With TREEFORMER_TIMING_INPUTS=<dir>, the timed Q, K, V ([1,4,N,32] float32,
// little-endian) are written to <dir>/{q,k,v}_<N>.f32, so sdpa_timing.py times
// PyTorch's dense attention on the same inputs.
// Exit status: 0 all good, 1 a mismatch or a CUDA error. Without a CUDA device
// it prints "no GPU present" and exits 0.
#include <cuda_runtime.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <limits>
#include <random>
#include <string>
#include <utility>
#include <thread>
#include <vector>

#include "tree_attention.h"
#include "tree_attention_cuda.h"

namespace {

using treeformer::AttentionInputs;
using treeformer::AttentionOutputs;
using treeformer::Dims;

constexpr double kTolerance = 1e-4;  // max|a - b| / max|b|

// ------------------------------------------------------------ summary and errors

struct Summary {
  bool all_ok = true;
  double tf_gpu_ms_16k = std::nan(""), tf_cpu_ms_16k = std::nan("");
  double tf_gpu_ms_64k = std::nan(""), tf_cpu_ms_64k = std::nan("");
  double tc_gpu_ms_64k = std::nan(""), tc_cpu_ms_64k = std::nan("");
};
Summary g_summary;

void print_summary() {
  std::printf("gpu: all_ok=%d tf_gpu_ms_16k=%.3f tf_cpu_ms_16k=%.3f tf_gpu_ms_64k=%.3f tf_cpu_ms_64k=%.3f "
              "tc_gpu_ms_64k=%.3f tc_cpu_ms_64k=%.3f\n",
              g_summary.all_ok ? 1 : 0, g_summary.tf_gpu_ms_16k, g_summary.tf_cpu_ms_16k, g_summary.tf_gpu_ms_64k, g_summary.tf_cpu_ms_64k, g_summary.tc_gpu_ms_64k,
              g_summary.tc_cpu_ms_64k);
  std::fflush(stdout);
}

// A CUDA error leaves the context unusable for the rest of the run: report and stop.
[[noreturn]] void fatal(const std::string& what) {
  std::printf("gpu: FATAL: %s\n", what.c_str());
  g_summary.all_ok = false;
  print_summary();
  std::exit(1);
}

void cuda_check(cudaError_t err, const char* what) {
  if (err != cudaSuccess) fatal(std::string(what) + ": " + cudaGetErrorString(err));
}

void op_check(const std::string& err) {
  if (!err.empty()) fatal(err);
}

// ------------------------------------------------------------ CPU parallelism

// ParallelFor on plain std::threads: every hardware thread pulls task indices.
void threaded_for(size_t count, const std::function<void(size_t)>& task) {
  const size_t threads = std::min<size_t>(std::max(1u, std::thread::hardware_concurrency()), count);
  std::atomic<size_t> next{0};
  auto worker = [&] {
    for (size_t i = next++; i < count; i = next++) task(i);
  };
  std::vector<std::thread> pool;
  for (size_t t = 1; t < threads; ++t) pool.emplace_back(worker);
  worker();
  for (auto& t : pool) t.join();
}

// ------------------------------------------------------------ problems

enum class Padding { None, Trailing, Random, EmptyBatch };
enum class Values { Gaussian, SmallIntegers };

struct Case {
  const char* name;
  int64_t B, H, N, D;
  int depth;
  int64_t G;
  Padding padding;
  Values values;
  float scale_mul;  // scale = scale_mul / sqrt(D)
};

struct Problem {
  Dims dims;
  int64_t G = 0;
  float scale = 1.f;
  std::vector<float> Q, K, V, W, Wb, sink_k, sink_v;
  std::vector<int64_t> mask;
};

Problem make_problem(const Case& c, std::mt19937_64& rng) {
  Problem p;
  p.dims.B = c.B;
  p.dims.H = c.H;
  p.dims.N = c.N;
  p.dims.D = c.D;
  p.dims.depth = c.depth;
  p.dims.M = (int64_t{1} << c.depth) - 1;
  p.G = c.G;
  p.scale = c.scale_mul / std::sqrt(static_cast<float>(c.D));
  const int64_t rows = c.B * c.H * c.N, M = p.dims.M;

  std::normal_distribution<float> normal(0.f, 1.f);
  std::uniform_int_distribution<int> small(-2, 2), sign(-1, 1);
  auto fill = [&](std::vector<float>& v, int64_t n, float bias_scale, bool hyperplane) {
    v.resize(static_cast<size_t>(n));
    for (auto& x : v) {
      if (c.values == Values::SmallIntegers)  // exact dot products: many points lie on a hyperplane
        x = static_cast<float>(hyperplane ? sign(rng) : small(rng));
      else
        x = bias_scale * normal(rng);
    }
  };
  fill(p.Q, rows * c.D, 1.f, false);
  fill(p.K, rows * c.D, 1.f, false);
  fill(p.V, rows * c.D, 1.f, false);
  fill(p.W, c.H * M * c.D, 1.f, true);
  fill(p.Wb, c.H * M, 0.3f, true);
  fill(p.sink_k, c.H * c.D, 1.f, false);
  fill(p.sink_v, c.H * c.D, 1.f, false);

  p.mask.assign(static_cast<size_t>(c.B * c.N), 1);
  std::bernoulli_distribution drop(c.padding == Padding::Random ? 0.25 : 0.1);
  for (int64_t b = 0; b < c.B; ++b) {
    for (int64_t n = 0; n < c.N; ++n) {
      int64_t& m = p.mask[static_cast<size_t>(b * c.N + n)];
      switch (c.padding) {
        case Padding::None: break;
        case Padding::Trailing: m = n < c.N - (b + 1) * c.N / 5 ? 1 : 0; break;
        case Padding::Random: m = drop(rng) ? 0 : 1; break;
        case Padding::EmptyBatch: m = (b == c.B - 1 && c.B > 1) ? 0 : (drop(rng) ? 0 : 1); break;
      }
    }
  }
  return p;
}

struct Result {
  std::vector<float> out;
  std::vector<int64_t> q_leaf, k_leaf;
};

Result empty_result(const Dims& d) {
  Result r;
  r.out.assign(static_cast<size_t>(d.B * d.H * d.N * d.D), 0.f);
  r.q_leaf.assign(static_cast<size_t>(d.B * d.H * d.N), 0);
  r.k_leaf = r.q_leaf;
  return r;
}

AttentionInputs host_inputs(const Problem& p) {
  AttentionInputs in;
  in.Q = p.Q.data();
  in.K = p.K.data();
  in.V = p.V.data();
  in.W = p.W.data();
  in.Wb = p.Wb.data();
  in.sink_k = p.sink_k.data();
  in.sink_v = p.sink_v.data();
  in.mask = p.mask.data();
  in.num_global = p.G;
  in.scale = p.scale;
  return in;
}

enum class Op { Fine, Coarse };

// Runs one CPU kernel into `r` (already sized by empty_result).
void run_cpu_into(const Problem& p, Op op, Result& r) {
  AttentionOutputs out{r.out.data(), r.q_leaf.data(), r.k_leaf.data()};
  if (op == Op::Fine)
    treeformer::tree_fine_attention(p.dims, host_inputs(p), out, threaded_for);
  else
    treeformer::tree_coarse_attention(p.dims, host_inputs(p), out, threaded_for);
}

Result run_cpu(const Problem& p, Op op) {
  Result r = empty_result(p.dims);
  run_cpu_into(p, op, r);
  return r;
}

// ------------------------------------------------------------ device side

template <typename T>
class DeviceArray {
 public:
  explicit DeviceArray(size_t n) : n_(n) { cuda_check(cudaMalloc(&ptr_, std::max<size_t>(n, 1) * sizeof(T)), "cudaMalloc"); }
  explicit DeviceArray(const std::vector<T>& host) : DeviceArray(host.size()) {
    cuda_check(cudaMemcpy(ptr_, host.data(), n_ * sizeof(T), cudaMemcpyHostToDevice), "upload");
  }
  DeviceArray(const DeviceArray&) = delete;
  DeviceArray& operator=(const DeviceArray&) = delete;
  ~DeviceArray() { cudaFree(ptr_); }
  T* get() const { return static_cast<T*>(ptr_); }
  std::vector<T> download() const {
    std::vector<T> host(n_);
    cuda_check(cudaMemcpy(host.data(), ptr_, n_ * sizeof(T), cudaMemcpyDeviceToHost), "download");
    return host;
  }
  // Fills with a byte pattern so that an element the kernel forgets stands out.
  void poison(int byte) { cuda_check(cudaMemset(ptr_, byte, n_ * sizeof(T)), "cudaMemset"); }

 private:
  void* ptr_ = nullptr;
  size_t n_;
};

struct DeviceProblem {
  const Problem& p;
  DeviceArray<float> Q, K, V, W, Wb, sink_k, sink_v, out;
  DeviceArray<int64_t> mask, q_leaf, k_leaf;

  explicit DeviceProblem(const Problem& prob)
      : p(prob), Q(prob.Q), K(prob.K), V(prob.V), W(prob.W), Wb(prob.Wb), sink_k(prob.sink_k),
        sink_v(prob.sink_v), out(prob.Q.size()), mask(prob.mask), q_leaf(prob.mask.size() * prob.dims.H),
        k_leaf(prob.mask.size() * prob.dims.H) {}

  AttentionInputs inputs() const {
    AttentionInputs in;
    in.Q = Q.get();
    in.K = K.get();
    in.V = V.get();
    in.W = W.get();
    in.Wb = Wb.get();
    in.sink_k = sink_k.get();
    in.sink_v = sink_v.get();
    in.mask = mask.get();
    in.num_global = p.G;
    in.scale = p.scale;
    return in;
  }
  AttentionOutputs outputs() const { return AttentionOutputs{out.get(), q_leaf.get(), k_leaf.get()}; }

  // Queues one op on `stream` (no synchronisation).
  void launch(Op op, cudaStream_t stream) const {
    op_check(op == Op::Fine ? treeformer::cuda::tree_fine_attention(p.dims, inputs(), outputs(), stream)
                            : treeformer::cuda::tree_coarse_attention(p.dims, inputs(), outputs(), stream));
  }

  Result run(Op op, cudaStream_t stream) {
    out.poison(0xff);  // NaN
    q_leaf.poison(0x7f);
    k_leaf.poison(0x7f);
    launch(op, stream);
    cuda_check(cudaStreamSynchronize(stream), "attention kernels");
    return Result{out.download(), q_leaf.download(), k_leaf.download()};
  }
};

// ------------------------------------------------------------ float64 reference (DESIGN.md §3)

int64_t reference_route(const float* x, const float* W_h, const float* Wb_h, int64_t D, int depth) {
  int64_t node = 0;
  for (int level = 0; level < depth; ++level) {
    double z = Wb_h[node];
    for (int64_t d = 0; d < D; ++d) z += static_cast<double>(W_h[node * D + d]) * x[d];
    node = z >= 0.0 ? 2 * node + 1 : 2 * node + 2;
  }
  return node - ((int64_t{1} << depth) - 1);
}

Result reference(const Problem& p, Op op) {
  const Dims& d = p.dims;
  const int64_t N = d.N, D = d.D, M = d.M, nodes = 2 * M + 1;
  Result r = empty_result(d);
  std::vector<double> out(r.out.size(), 0.0);
  for (int64_t bh = 0; bh < d.B * d.H; ++bh) {
    const int64_t b = bh / d.H, h = bh % d.H;
    const float* W_h = p.W.data() + h * M * D;
    const float* Wb_h = p.Wb.data() + h * M;
    auto valid = [&](int64_t n) { return p.mask[static_cast<size_t>(b * N + n)] != 0; };
    auto row = [&](const std::vector<float>& t, int64_t n) { return t.data() + (bh * N + n) * D; };
    for (int64_t n = 0; n < N; ++n) {
      r.q_leaf[bh * N + n] = valid(n) ? reference_route(row(p.Q, n), W_h, Wb_h, D, d.depth) : -1;
      r.k_leaf[bh * N + n] = valid(n) ? reference_route(row(p.K, n), W_h, Wb_h, D, d.depth) : -1;
    }
    // TC node means: every valid key adds to each node on its root-to-leaf path.
    std::vector<double> ksum(static_cast<size_t>(nodes * D), 0.0), vsum(ksum.size(), 0.0);
    std::vector<int64_t> count(static_cast<size_t>(nodes), 0);
    if (op == Op::Coarse) {
      for (int64_t j = 0; j < N; ++j) {
        if (!valid(j)) continue;
        for (int64_t node = M + r.k_leaf[bh * N + j];; node = (node - 1) / 2) {
          ++count[node];
          for (int64_t e = 0; e < D; ++e) {
            ksum[node * D + e] += row(p.K, j)[e];
            vsum[node * D + e] += row(p.V, j)[e];
          }
          if (node == 0) break;
        }
      }
    }
    std::vector<double> scores;
    for (int64_t i = 0; i < N; ++i) {
      if (!valid(i)) continue;
      const float* q = row(p.Q, i);
      const int64_t leaf = r.q_leaf[bh * N + i];
      // Candidate keys/values as double vectors: sink, then the op's set.
      std::vector<std::pair<std::vector<double>, std::vector<double>>> cand;
      auto add = [&](const float* k, const float* v) {
        cand.emplace_back(std::vector<double>(k, k + D), std::vector<double>(v, v + D));
      };
      add(p.sink_k.data() + h * D, p.sink_v.data() + h * D);
      if (op == Op::Fine) {
        for (int64_t j = 0; j < N; ++j)  // a set: each key once
          if (valid(j) && (j < p.G || r.k_leaf[bh * N + j] == leaf)) add(row(p.K, j), row(p.V, j));
      } else {
        for (int64_t g = 0; g < p.G; ++g)
          if (valid(g)) add(row(p.K, g), row(p.V, g));
        for (int64_t node = M + leaf;; node = (node - 1) / 2) {
          if (count[node] > 0) {
            std::vector<double> k(D), v(D);
            for (int64_t e = 0; e < D; ++e) {
              k[e] = ksum[node * D + e] / count[node];
              v[e] = vsum[node * D + e] / count[node];
            }
            cand.emplace_back(std::move(k), std::move(v));
          }
          if (node == 0) break;
        }
      }
      double max_score = -std::numeric_limits<double>::infinity();
      scores.assign(cand.size(), 0.0);
      for (size_t c = 0; c < cand.size(); ++c) {
        double s = 0.0;
        for (int64_t e = 0; e < D; ++e) s += q[e] * cand[c].first[e];
        scores[c] = static_cast<double>(p.scale) * s;
        max_score = std::max(max_score, scores[c]);
      }
      double total = 0.0;
      double* o = out.data() + (bh * N + i) * D;
      for (size_t c = 0; c < cand.size(); ++c) {
        const double w = std::exp(scores[c] - max_score);
        total += w;
        for (int64_t e = 0; e < D; ++e) o[e] += w * cand[c].second[e];
      }
      for (int64_t e = 0; e < D; ++e) o[e] /= total;
    }
  }
  for (size_t e = 0; e < out.size(); ++e) r.out[e] = static_cast<float>(out[e]);
  return r;
}

// ------------------------------------------------------------ comparisons

int64_t leaf_mismatches(const std::vector<int64_t>& a, const std::vector<int64_t>& b) {
  int64_t bad = 0;
  for (size_t i = 0; i < a.size(); ++i) bad += a[i] != b[i];
  return bad;
}

// max|a - b| / max|b|; infinity when a holds NaN or b is all zero but a is not.
double relative_error(const std::vector<float>& a, const std::vector<float>& b) {
  double diff = 0.0, scale = 0.0;
  for (size_t i = 0; i < a.size(); ++i) {
    const double e = std::fabs(static_cast<double>(a[i]) - b[i]);
    if (!(e <= diff)) diff = e;  // also catches NaN
    scale = std::max(scale, std::fabs(static_cast<double>(b[i])));
  }
  if (std::isnan(diff)) return std::numeric_limits<double>::infinity();
  if (scale == 0.0) return diff == 0.0 ? 0.0 : std::numeric_limits<double>::infinity();
  return diff / scale;
}

// Compares `got` with `want`; prints one fragment; returns false on mismatch.
bool compare(const char* label, const Result& got, const Result& want) {
  const int64_t bad_q = leaf_mismatches(got.q_leaf, want.q_leaf), bad_k = leaf_mismatches(got.k_leaf, want.k_leaf);
  const double rel = relative_error(got.out, want.out);
  const bool ok = bad_q == 0 && bad_k == 0 && rel <= kTolerance;
  std::printf(" %s[leaf_diff=%lld rel=%.2e]%s", label, static_cast<long long>(bad_q + bad_k), rel, ok ? "" : "!");
  return ok;
}

// ------------------------------------------------------------ checks

bool check_case(const Case& c, std::mt19937_64& rng, cudaStream_t stream) {
  const Problem p = make_problem(c, rng);
  const Dims& d = p.dims;
  std::printf("%-14s B=%lld H=%lld N=%-5lld D=%-3lld depth=%d G=%-3lld:", c.name, static_cast<long long>(d.B),
              static_cast<long long>(d.H), static_cast<long long>(d.N), static_cast<long long>(d.D), d.depth,
              static_cast<long long>(p.G));
  DeviceProblem dev(p);
  bool ok = true;

  // TreeRoute on Q, every position (no mask).
  std::vector<int64_t> cpu_leaf(static_cast<size_t>(d.B * d.H * d.N));
  treeformer::tree_route(d, p.Q.data(), p.W.data(), p.Wb.data(), cpu_leaf.data(), threaded_for);
  dev.q_leaf.poison(0x7f);
  op_check(treeformer::cuda::tree_route(d, dev.Q.get(), dev.W.get(), dev.Wb.get(), dev.q_leaf.get(), stream));
  cuda_check(cudaStreamSynchronize(stream), "route kernel");
  const int64_t bad_route = leaf_mismatches(dev.q_leaf.download(), cpu_leaf);
  std::printf(" route[leaf_diff=%lld]%s", static_cast<long long>(bad_route), bad_route ? "!" : "");
  ok &= bad_route == 0;

  const bool with_reference = d.N <= 4096;
  for (Op op : {Op::Fine, Op::Coarse}) {
    const char* name = op == Op::Fine ? "tf" : "tc";
    const Result cpu = run_cpu(p, op);
    const Result gpu = dev.run(op, stream);
    ok &= compare((std::string(name) + ":gpu/cpu").c_str(), gpu, cpu);
    if (with_reference) {
      const Result ref = reference(p, op);
      ok &= compare((std::string(name) + ":cpu/ref").c_str(), cpu, ref);
      ok &= compare((std::string(name) + ":gpu/ref").c_str(), gpu, ref);
    }
  }
  std::printf(" %s\n", ok ? "OK" : "MISMATCH");
  std::fflush(stdout);
  return ok;
}

// Q, K, V of a timing problem as raw float32 files, for sdpa_timing.py.
void write_inputs(const char* dir, const Problem& p) {
  const std::pair<const char*, const std::vector<float>*> tensors[] = {{"q", &p.Q}, {"k", &p.K}, {"v", &p.V}};
  for (const auto& [name, data] : tensors) {
    const std::string path = std::string(dir) + "/" + name + "_" + std::to_string(p.dims.N) + ".f32";
    FILE* f = std::fopen(path.c_str(), "wb");
    if (!f || std::fwrite(data->data(), sizeof(float), data->size(), f) != data->size()) fatal("cannot write " + path);
    std::fclose(f);
  }
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

struct Timing {
  double cpu_ms = 0.0, gpu_ms = 0.0;
  Result cpu, gpu;  // outputs of the last runs, compared by the caller
};

// Median wall time of the CPU kernels and median cudaEvent time of the CUDA
// kernels (one whole op call each, scratch allocation included), after warm-up.
Timing time_op(const Problem& p, DeviceProblem& dev, Op op, cudaStream_t stream) {
  constexpr int kWarmup = 2, kRuns = 7;
  Timing t;
  t.cpu = empty_result(p.dims);  // outside the timed region
  std::vector<double> cpu_ms;
  for (int r = 0; r < kWarmup + kRuns; ++r) {
    const auto t0 = std::chrono::steady_clock::now();
    run_cpu_into(p, op, t.cpu);
    const auto t1 = std::chrono::steady_clock::now();
    if (r >= kWarmup) cpu_ms.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
  }
  cudaEvent_t start, stop;
  cuda_check(cudaEventCreate(&start), "cudaEventCreate");
  cuda_check(cudaEventCreate(&stop), "cudaEventCreate");
  std::vector<double> gpu_ms;
  for (int r = 0; r < kWarmup + kRuns; ++r) {
    cuda_check(cudaEventRecord(start, stream), "cudaEventRecord");
    dev.launch(op, stream);
    cuda_check(cudaEventRecord(stop, stream), "cudaEventRecord");
    cuda_check(cudaEventSynchronize(stop), "timed kernels");
    float ms = 0.f;
    cuda_check(cudaEventElapsedTime(&ms, start, stop), "cudaEventElapsedTime");
    if (r >= kWarmup) gpu_ms.push_back(ms);
  }
  cudaEventDestroy(start);
  cudaEventDestroy(stop);
  t.gpu = dev.run(op, stream);
  t.cpu_ms = median(cpu_ms);
  t.gpu_ms = median(gpu_ms);
  return t;
}

}  // namespace

int main() {
  int devices = 0;
  if (cudaGetDeviceCount(&devices) != cudaSuccess || devices == 0) {
    std::printf("no GPU present\n");
    return 0;
  }
  cudaDeviceProp prop{};
  cuda_check(cudaGetDeviceProperties(&prop, 0), "cudaGetDeviceProperties");
  std::printf("device: %s (sm_%d%d), CPU threads: %u, CUDA max head dim %lld\n", prop.name, prop.major, prop.minor,
              std::thread::hardware_concurrency(), static_cast<long long>(treeformer::cuda::max_head_dim()));
  cudaStream_t stream = nullptr;
  cuda_check(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking), "cudaStreamCreate");

  const Case cases[] = {
      // name            B  H  N      D    depth G    padding               values                scale
      {"n1", 1, 1, 1, 8, 1, 0, Padding::None, Values::Gaussian, 1.f},
      {"n1-global", 1, 2, 1, 8, 2, 1, Padding::None, Values::Gaussian, 1.f},
      {"n1-padded", 2, 1, 1, 16, 1, 1, Padding::EmptyBatch, Values::Gaussian, 1.f},
      {"tiny", 1, 2, 7, 8, 2, 3, Padding::Random, Values::Gaussian, 1.f},
      {"d24-trailing", 2, 3, 100, 24, 3, 5, Padding::Trailing, Values::Gaussian, 1.f},
      {"d33-allglobal", 2, 1, 333, 33, 5, 333, Padding::Random, Values::Gaussian, 1.f},
      {"ties", 1, 2, 2000, 16, 5, 3, Padding::Random, Values::SmallIntegers, 1.f},
      {"d32", 1, 4, 1000, 32, 4, 0, Padding::Random, Values::Gaussian, 1.f},
      {"deep-sparse", 1, 1, 50, 8, 8, 0, Padding::None, Values::Gaussian, 1.f},
      {"depth1", 1, 1, 3000, 8, 1, 2, Padding::Trailing, Values::Gaussian, 1.f},
      {"sharp", 1, 2, 3000, 16, 4, 2, Padding::Random, Values::Gaussian, 4.f},
      {"d100", 1, 2, 500, 100, 2, 7, Padding::Random, Values::Gaussian, 1.f},
      {"d256", 1, 1, 64, 256, 3, 4, Padding::None, Values::Gaussian, 1.f},
      {"d64", 2, 4, 4096, 64, 6, 16, Padding::Random, Values::Gaussian, 1.f},
      {"d48-16k", 1, 2, 16384, 48, 8, 32, Padding::Trailing, Values::Gaussian, 1.f},
      {"d32-16k-b2", 2, 4, 16384, 32, 8, 8, Padding::EmptyBatch, Values::Gaussian, 1.f},
  };
  std::mt19937_64 rng(20240611);
  int index = 0;
  for (const Case& c : cases) {
    // Every other case runs on the default stream (nullptr) to cover that path.
    g_summary.all_ok &= check_case(c, rng, index++ % 2 ? stream : nullptr);
  }

  std::printf("\ntiming (B=1, H=4, D=32, G=0, no padding; median of 7 after 2 warm-up runs)\n");
  std::printf("%7s %6s %4s %12s %12s %9s\n", "N", "depth", "op", "cpu_ms", "gpu_ms", "speedup");
  for (int64_t N : {int64_t{16384}, int64_t{65536}}) {
    int depth = 1;
    while ((N >> (depth + 1)) >= 64) ++depth;  // ~64 keys per leaf
    const Case c{"timing", 1, 4, N, 32, depth, 0, Padding::None, Values::Gaussian, 1.f};
    const Problem p = make_problem(c, rng);
    if (const char* dir = std::getenv("TREEFORMER_TIMING_INPUTS")) write_inputs(dir, p);
    DeviceProblem dev(p);
    for (Op op : {Op::Fine, Op::Coarse}) {
      const Timing t = time_op(p, dev, op, stream);
      std::printf("%7lld %6d %4s %12.3f %12.3f %8.1fx ", static_cast<long long>(N), depth,
                  op == Op::Fine ? "tf" : "tc", t.cpu_ms, t.gpu_ms, t.cpu_ms / t.gpu_ms);
      g_summary.all_ok &= compare("gpu/cpu", t.gpu, t.cpu);
      std::printf("\n");
      if (N == 16384 && op == Op::Fine) {
        g_summary.tf_cpu_ms_16k = t.cpu_ms;
        g_summary.tf_gpu_ms_16k = t.gpu_ms;
      }
      if (N == 65536) {
        (op == Op::Fine ? g_summary.tf_cpu_ms_64k : g_summary.tc_cpu_ms_64k) = t.cpu_ms;
        (op == Op::Fine ? g_summary.tf_gpu_ms_64k : g_summary.tc_gpu_ms_64k) = t.gpu_ms;
      }
    }
  }
  cuda_check(cudaStreamDestroy(stream), "cudaStreamDestroy");
  print_summary();
  return g_summary.all_ok ? 0 : 1;
}
