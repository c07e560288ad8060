#!/usr/bin/env bash
# The README's main command: builds aiperf, installs it with its plugin SDK into
# build/demo-prefix, builds the example plugin package against that installed SDK
# (as a third party would), and shows what aiperf discovers and loads.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh
prefix="$PWD/build/demo-prefix"
cmake --install build --prefix "$prefix" >/dev/null
cmake -S examples/hello_plugin -B build/demo-hello -G Ninja -DCMAKE_PREFIX_PATH="$prefix" >/dev/null
cmake --build build/demo-hello >/dev/null
cmake --install build/demo-hello >/dev/null

aiperf="$prefix/bin/aiperf"
run() { echo; echo "\$ aiperf $*"; "$aiperf" "$@"; }
run --version
run plugins paths
run plugins list
run plugins show phase_hook:hello
run plugins check hello --config "{\"path\": \"$PWD/build/demo-hello/phases.txt\"}"
echo; echo "the plugin wrote:"; cat build/demo-hello/phases.txt
