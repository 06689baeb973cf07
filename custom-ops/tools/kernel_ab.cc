// Paired A/B of two versions of the CPU tree attention kernel: both sources
// are compiled into this one binary (each in its own namespace) and run
// alternately on the same inputs, on one persistent two-thread pool like ONNX
// Runtime's, so a slow minute of this noisy machine slows both alike.
// Built and run by kernel-ab.sh; A and B are the -DKERNEL_A / -DKERNEL_B files.
//
//   kernel_ab [N=16384] [threads=2] [D=32] [pairs=100] [fine|coarse] [num_global=0] [input offset bytes=0]
//
// Inputs are bench:ops's: H = 4, normal Q, K, V and hyperplanes, depth for
// ~64 keys a leaf. Prints both medians, how often B was faster, the largest
// output difference and whether the leaves agree.
#define treeformer kernel_a
#include KERNEL_A
#undef treeformer
#define treeformer kernel_b
#include KERNEL_B
#undef treeformer

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

namespace {

// One worker thread besides the caller, spinning between sections (as ORT's pool does by default).
class Pool {
 public:
  Pool() : worker_([this] { loop(); }) {}
  ~Pool() {
    stop_ = true;
    worker_.join();
  }
  void run(size_t count, const std::function<void(size_t)>& task) {
    task_ = &task;
    count_ = count;
    next_ = 0;
    done_ = false;
    generation_.fetch_add(1);
    work();
    while (!done_.load()) std::this_thread::yield();
  }

 private:
  void work() {
    for (size_t i = next_++; i < count_; i = next_++) (*task_)(i);
  }
  void loop() {
    int seen = 0;
    while (!stop_) {
      const int g = generation_.load();
      if (g == seen) continue;
      seen = g;
      work();
      done_ = true;
    }
  }
  const std::function<void(size_t)>* task_ = nullptr;
  size_t count_ = 0;
  std::atomic<size_t> next_{0};
  std::atomic<int> generation_{0};
  std::atomic<bool> done_{false}, stop_{false};
  std::thread worker_;
};

// Floats starting `offset` bytes past a 64-byte boundary.
struct Floats {
  Floats(size_t n, size_t offset) : raw(n + 16 + offset / sizeof(float)) {
    const uintptr_t at = reinterpret_cast<uintptr_t>(raw.data());
    data = raw.data() + ((64 - at % 64) % 64 + offset) / sizeof(float);
  }
  std::vector<float> raw;
  float* data;
};

double now_ms() {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

}  // namespace

int main(int argc, char** argv) {
  auto arg = [&](int i, long fallback) { return argc > i ? std::atol(argv[i]) : fallback; };
  const int64_t N = arg(1, 16384), H = 4, D = arg(3, 32);
  const int threads = static_cast<int>(arg(2, 2)), pairs = static_cast<int>(arg(4, 100));
  const bool coarse = argc > 5 && std::string(argv[5]) == "coarse";
  const int64_t G = arg(6, 0);
  const size_t offset = static_cast<size_t>(arg(7, 0));
  const int depth = std::max(1, static_cast<int>(std::lround(std::log2(static_cast<double>(N) / 64))));
  const int64_t M = (int64_t{1} << depth) - 1;

  std::mt19937 rng(1);
  std::normal_distribution<float> normal;
  auto random = [&](size_t n, float sd, size_t off) {
    Floats f(n, off);
    for (size_t i = 0; i < n; ++i) f.data[i] = normal(rng) * sd;
    return f;
  };
  const size_t qkv = static_cast<size_t>(H * N * D);
  Floats Q = random(qkv, 1, offset), K = random(qkv, 1, offset), V = random(qkv, 1, offset);
  Floats W = random(static_cast<size_t>(H * M * D), 1, 0), Wb = random(static_cast<size_t>(H * M), 0.1f, 0);
  Floats sink_k = random(static_cast<size_t>(H * D), 1, 0), sink_v = random(static_cast<size_t>(H * D), 1, 0);
  std::vector<int64_t> mask(static_cast<size_t>(N), 1);
  Floats out_a(qkv, 0), out_b(qkv, 0);
  std::vector<int64_t> q_a(static_cast<size_t>(H * N)), k_a(q_a.size()), q_b(q_a.size()), k_b(q_a.size());

  // No pool for one thread: its spinning worker would share the machine with the measurement.
  std::unique_ptr<Pool> pool(threads > 1 ? new Pool : nullptr);
  std::function<void(size_t, const std::function<void(size_t)>&)> parallel_for =
      [&](size_t count, const std::function<void(size_t)>& task) {
        if (pool) pool->run(count, task);
        else for (size_t i = 0; i < count; ++i) task(i);
      };

  // One timed run of a version (its own Dims, inputs and outputs types).
  auto run_version = [&](auto dims, auto in, auto o, auto fine, auto coarse_fn, Floats& out,
                         std::vector<int64_t>& q_leaf, std::vector<int64_t>& k_leaf) {
    dims.B = 1, dims.H = H, dims.N = N, dims.D = D, dims.M = M, dims.depth = depth;
    in.Q = Q.data, in.K = K.data, in.V = V.data, in.W = W.data, in.Wb = Wb.data;
    in.sink_k = sink_k.data, in.sink_v = sink_v.data, in.mask = mask.data(), in.num_global = G;
    in.scale = 1 / std::sqrt(static_cast<float>(D));
    o.out = out.data, o.q_leaf = q_leaf.data(), o.k_leaf = k_leaf.data();
    const double start = now_ms();
    (coarse ? coarse_fn : fine)(dims, in, o, parallel_for);
    return now_ms() - start;
  };
  auto run_a = [&] {
    return run_version(kernel_a::Dims{}, kernel_a::AttentionInputs{}, kernel_a::AttentionOutputs{},
                       kernel_a::tree_fine_attention, kernel_a::tree_coarse_attention, out_a, q_a, k_a);
  };
  auto run_b = [&] {
    return run_version(kernel_b::Dims{}, kernel_b::AttentionInputs{}, kernel_b::AttentionOutputs{},
                       kernel_b::tree_fine_attention, kernel_b::tree_coarse_attention, out_b, q_b, k_b);
  };

  std::vector<double> ms_a, ms_b;
  for (int r = 0; r < pairs + 3; ++r) {  // 3 warm-up pairs
    const double a = run_a();
    const double b = run_b();
    if (r >= 3) ms_a.push_back(a), ms_b.push_back(b);
  }
  int b_faster = 0;
  for (int i = 0; i < pairs; ++i) b_faster += ms_b[i] < ms_a[i];
  double max_diff = 0;
  for (size_t i = 0; i < qkv; ++i) max_diff = std::max(max_diff, static_cast<double>(std::fabs(out_a.data[i] - out_b.data[i])));
  auto median = [](std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
  };
  std::printf("%s N=%ld D=%ld G=%ld threads=%d: A %.2f ms, B %.2f ms (B/A %.3f), B faster in %d of %d pairs; max |A-B| %.2e, leaves %s\n",
              coarse ? "TC" : "TF", static_cast<long>(N), static_cast<long>(D), static_cast<long>(G), threads,
              median(ms_a), median(ms_b), median(ms_b) / median(ms_a), b_faster, pairs, max_diff,
              q_a == q_b && k_a == k_b ? "equal" : "DIFFER");
}
