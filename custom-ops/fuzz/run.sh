#!/usr/bin/env bash
# npm run fuzz:native — builds custom-ops/fuzz/ops_fuzz.cc with libFuzzer, ASan
# and UBSan (Debian's clang; CI installs clang and libclang-rt-14-dev) into
# custom-ops/build-fuzz/, runs a fixed number of inputs from the committed seed
# corpus (custom-ops/fuzz/corpus/, never written to) with a fixed seed, and
# prints one line:
#   fuzz: inputs=<n> crashes=<n> hangs=<n> (native, ...)
# Exits non-zero on any crash, timeout, sanitizer report or leak; reproducers
# are left in custom-ops/build-fuzz/artifacts/. Skips (exit 0) only when no
# clang++ is installed.
#   env: FUZZ_RUNS (default 12000), FUZZ_SEED (default 1), CXX (clang++)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
ops=$(cd "$here/.." && pwd)
build="$ops/build-fuzz"
runs=${FUZZ_RUNS:-12000}
seed=${FUZZ_SEED:-1}

cxx=${CXX:-}
if [ -z "$cxx" ]; then
  for c in clang++ clang++-14; do
    if command -v "$c" >/dev/null 2>&1; then cxx=$c; break; fi
  done
fi
if [ -z "$cxx" ] || ! "$cxx" --version 2>/dev/null | grep -q clang; then
  echo "fuzz: skipped (native: clang++ not found; install clang and libclang-rt-14-dev)"
  exit 0
fi

if [ ! -f "$ops/third_party/ort/include/onnxruntime_c_api.h" ]; then
  bash "$ops/scripts/fetch-ort-headers.sh" >&2
fi

mkdir -p "$build"
bin="$build/ops_fuzz"
sources=("$here/ops_fuzz.cc" "$ops/ort/ops.cc" "$ops/kernels/tree_attention_cpu.cc" "$ops/kernels/tree_attention.h")
stale=0
[ -x "$bin" ] || stale=1
for s in "${sources[@]}" "$0"; do [ "$s" -nt "$bin" ] && stale=1; done
if [ "$stale" = 1 ]; then
  echo "fuzz:native: building $bin with $cxx" >&2
  flags=(-std=c++17 -g -O1 -fno-omit-frame-pointer -fsanitize=fuzzer,address,undefined
         -fno-sanitize-recover=all -Wno-psabi -I"$ops/kernels" -I"$ops/third_party/ort/include")
  "$cxx" "${flags[@]}" -o "$bin.tmp" "$here/ops_fuzz.cc" "$ops/kernels/tree_attention_cpu.cc" -pthread
  mv "$bin.tmp" "$bin"
fi

# A fresh working corpus each run, so the same seeds and runs give the same inputs.
work="$build/corpus-work"
artifacts="$build/artifacts"
rm -rf "$work"
mkdir -p "$work" "$artifacts"
cp "$here"/corpus/* "$work"/
rm -f "$artifacts"/crash-* "$artifacts"/leak-* "$artifacts"/timeout-* "$artifacts"/oom-* "$artifacts"/slow-unit-*
log="$build/fuzz.log"

start=$(date +%s)
set +e
ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:allocator_may_return_null=0} \
UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
  "$bin" -runs="$runs" -seed="$seed" -max_len=512 -timeout=10 -rss_limit_mb=2048 \
  -print_final_stats=1 -artifact_prefix="$artifacts/" "$work" >"$log" 2>&1
rc=$?
set -e
secs=$(( $(date +%s) - start ))

inputs=$(sed -n 's/^stat::number_of_executed_units: *\([0-9]*\).*/\1/p' "$log" | tail -1)
inputs=${inputs:-0}
crashes=$(find "$artifacts" -maxdepth 1 \( -name 'crash-*' -o -name 'leak-*' -o -name 'oom-*' \) | wc -l)
hangs=$(find "$artifacts" -maxdepth 1 -name 'timeout-*' | wc -l)
# A failure that left no artifact (e.g. the binary would not start) still counts.
if [ "$rc" -ne 0 ] && [ "$crashes" -eq 0 ] && [ "$hangs" -eq 0 ]; then crashes=1; fi
if [ "$rc" -ne 0 ] || [ "$crashes" -ne 0 ] || [ "$hangs" -ne 0 ]; then
  grep -E 'ERROR|FUZZ FINDING|runtime error|SUMMARY|Test unit written' "$log" | head -20 >&2 || true
  echo "fuzz:native: full log in $log" >&2
fi
echo "fuzz: inputs=$inputs crashes=$crashes hangs=$hangs (native, libFuzzer+ASan+UBSan, runs=$runs seed=$seed, ${secs}s)"
[ "$rc" -eq 0 ] && [ "$crashes" -eq 0 ] && [ "$hangs" -eq 0 ]
