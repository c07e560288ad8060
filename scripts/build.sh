#!/usr/bin/env bash
# Configures and builds aiperf into BUILD_DIR (default: build). Extra args go to cmake.
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${BUILD_DIR:-build}
launcher=()
# ccache (installed by install-deps.sh) makes rebuilds of unchanged sources free.
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
cmake -S . -B "$build_dir" -G Ninja -DAIPERF_WERROR=ON "${launcher[@]}" "$@" >/dev/null
cmake --build "$build_dir" -j "${JOBS:-2}"
