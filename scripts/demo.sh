#!/usr/bin/env bash
# The README's main command: builds aiperf, installs it with its plugin SDK into
# build/demo-prefix, builds the example plugin package against that installed
# SDK (as a third party would), starts the bundled mock server, and runs a
# streaming benchmark against it.
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

# The mock server: 20 ms to the first token, then 2 ms per token.
"$prefix/bin/aiperf-mock-server" --port 0 --ttft 20 --itl 2 >build/demo-mock.out 2>build/demo-mock.err &
mock_pid=$!
trap 'kill "$mock_pid" 2>/dev/null || true; wait "$mock_pid" 2>/dev/null || true' EXIT
for _ in $(seq 100); do
  grep -q "listening on" build/demo-mock.out && break
  sleep 0.1
done
port=$(sed -n 's/^listening on 127.0.0.1:\([0-9]*\)$/\1/p' build/demo-mock.out)
[ -n "$port" ] || { echo "mock server did not start:"; cat build/demo-mock.err; exit 1; }

run --version
run plugins list
run plugins check hello --config "{\"path\": \"$PWD/build/demo-hello/phases.txt\"}"
run profile -m demo-model -u "http://127.0.0.1:$port" --endpoint-type chat --streaming \
  --concurrency 8 --request-count 200 --isl 100 --osl 50 --artifact-dir build/demo-artifacts
