#!/usr/bin/env bash
# Paired A/B of the CPU tree attention kernel (kernel_ab.cc): A is the kernel
# at a git revision, B the working tree's (or another revision's).
#   custom-ops/tools/kernel-ab.sh REV_A [REV_B] [-- kernel_ab arguments]
# e.g. custom-ops/tools/kernel-ab.sh HEAD -- 16384 2 32 100
set -euo pipefail
root="$(git rev-parse --show-toplevel)"
rev_a="${1:?usage: kernel-ab.sh REV_A [REV_B] [-- N threads D pairs fine|coarse num_global offset]}"
shift
rev_b=""
if [[ $# -gt 0 && "$1" != "--" ]]; then rev_b="$1"; shift; fi
[[ $# -gt 0 && "$1" == "--" ]] && shift
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
kernels=custom-ops/kernels
for side in a b; do
  mkdir -p "$work/$side"
  rev="$rev_a"; [[ $side == b ]] && rev="$rev_b"
  for f in tree_attention_cpu.cc tree_attention.h; do
    if [[ -n "$rev" ]]; then git -C "$root" show "$rev:$kernels/$f" > "$work/$side/$f"
    else cp "$root/$kernels/$f" "$work/$side/$f"; fi
  done
  # #pragma once compares files by content: the two headers must differ.
  echo "// version $side" >> "$work/$side/tree_attention.h"
done
g++ -O3 -std=c++17 -pthread -Wno-psabi -DKERNEL_A="\"$work/a/tree_attention_cpu.cc\"" \
  -DKERNEL_B="\"$work/b/tree_attention_cpu.cc\"" "$root/custom-ops/tools/kernel_ab.cc" -o "$work/kernel_ab"
"$work/kernel_ab" "$@"
