#!/usr/bin/env bash
# Configures and builds aiperf into BUILD_DIR (default: build). Extra args go to cmake.
# TARGETS="a b" builds only those targets (the demo needs two; the tests need all).
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${BUILD_DIR:-build}
launcher=()
# ccache (installed by install-deps.sh) makes rebuilds of unchanged sources free.
# Paths relative to the checkout, so clones and worktrees share cache entries.
if command -v ccache >/dev/null; then
  launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
  export CCACHE_BASEDIR="${CCACHE_BASEDIR:-$PWD}" CCACHE_NOHASHDIR=1
fi
cmake -S . -B "$build_dir" -G Ninja -DAIPERF_WERROR=ON "${launcher[@]}" "$@" >/dev/null
targets=()
for t in ${TARGETS:-}; do targets+=(--target "$t"); done
cmake --build "$build_dir" -j "${JOBS:-2}" "${targets[@]}"
