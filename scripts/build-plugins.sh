#!/usr/bin/env bash
# Builds every plugin package under plugins/ as a third party would: a separate
# CMake project against the aiperf installed in PREFIX (find_package(aiperf)),
# installed into that prefix's plugin directory.
# Usage: build-plugins.sh PREFIX BUILD_ROOT [PACKAGE...]
# PLUGIN_TESTS=OFF builds the plugins without their test suites (the demo's case).
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
prefix=$1
build_root=$2
shift 2
packages=("$@")
if [ ${#packages[@]} -eq 0 ]; then
  for dir in "$src"/plugins/*/; do
    [ -f "$dir/CMakeLists.txt" ] && packages+=("$(basename "$dir")")
  done
fi
mkdir -p "$build_root"
generator=()
command -v ninja >/dev/null && generator=(-G Ninja)
if command -v ccache >/dev/null; then
  generator+=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
  export CCACHE_BASEDIR="${CCACHE_BASEDIR:-$src}" CCACHE_NOHASHDIR=1
fi
for name in "${packages[@]}"; do
  echo "--- plugin package $name"
  cmake -S "$src/plugins/$name" -B "$build_root/$name" "${generator[@]}" \
    -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_CXX_FLAGS="-Wall -Wextra -Werror" -DBUILD_TESTING="${PLUGIN_TESTS:-ON}" >"$build_root/$name.configure.log" 2>&1 ||
    { cat "$build_root/$name.configure.log"; exit 1; }
  cmake --build "$build_root/$name" -j "${JOBS:-2}"
  cmake --install "$build_root/$name" >/dev/null
done
