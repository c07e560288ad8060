#!/usr/bin/env bash
# Installs aiperf from BUILD_DIR into a scratch prefix, builds examples/hello_plugin
# against that installed SDK as a separate CMake project (as a third party would),
# installs the plugin, and runs it through the installed aiperf.
# Usage: out_of_tree_test.sh BUILD_DIR SOURCE_DIR
set -euo pipefail
build=$1
src=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
prefix="$work/prefix"

step() { echo "--- $*"; }
step "install aiperf into $prefix"
cmake --install "$build" --prefix "$prefix" >"$work/install.log"
test -f "$prefix/lib/cmake/aiperf/aiperfConfig.cmake"
test -f "$prefix/include/aiperf/sdk/plugin.h"

step "configure and build the plugin out of tree"
generator=()
command -v ninja >/dev/null && generator=(-G Ninja)
cmake -S "$src/examples/hello_plugin" -B "$work/build" "${generator[@]}" \
  -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_CXX_FLAGS="-Wall -Wextra -Werror" >"$work/configure.log"
cmake --build "$work/build" >"$work/build.log"
cmake --install "$work/build" >"$work/plugin-install.log"
manifest="$prefix/lib/aiperf/plugins/aiperf_hello.aiperf-plugin.json"
test -f "$manifest" || { echo "manifest not installed at $manifest"; exit 1; }
cat "$manifest"

aiperf=(env -u AIPERF_PLUGIN_PATH XDG_DATA_HOME=/nonexistent "$prefix/bin/aiperf")
step "the installed aiperf discovers it without loading it"
"${aiperf[@]}" plugins list --json >"$work/list.json"
python3 - "$work/list.json" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
hello = [p for p in doc["plugins"] if p["name"] == "hello"]
assert hello, doc
assert hello[0]["package"] == "aiperf-hello-plugin" and hello[0]["version"] == "0.3.0", hello
assert hello[0]["loaded"] is False, hello
assert not doc["errors"], doc["errors"]
PY

step "the installed aiperf loads, creates and runs it"
"${aiperf[@]}" plugins check hello --config "{\"path\": \"$work/out.txt\"}"
grep -q "hello from check: 0 ok" "$work/out.txt"
step "a bad config is reported with the plugin's own message"
if "${aiperf[@]}" plugins check hello --config '{"pth": 1}' >"$work/bad.txt"; then
  echo "expected failure"; exit 1
fi
grep -q "missing required key 'path'" "$work/bad.txt"
echo "out-of-tree plugin OK"
