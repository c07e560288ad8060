# Shared by the engine benchmarks: a Release build and a mock server to aim at.
# Source it; it defines $root, $build, $aiperf, $mock, start_mock and stop_mock.
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${AIPERF_BENCH_BUILD_DIR:-$root/build-release}
if [ ! -x "$build/bin/aiperf" ] || [ ! -x "$build/bin/aiperf-mock-server" ]; then
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DAIPERF_BUILD_TESTS=OFF >/dev/null
fi
cmake --build "$build" -j "${JOBS:-2}" --target aiperf aiperf-mock-server >/dev/null
aiperf=$build/bin/aiperf
mock=$build/bin/aiperf-mock-server
work=$(mktemp -d)
mock_pid=""

# start_mock ARGS...: starts the mock server on a free port; sets $port. MOCK_PREFIX (e.g. "chrt -f 50") runs it under a command.
start_mock() {
  # shellcheck disable=SC2086  # the prefix is words
  ${MOCK_PREFIX:-} "$mock" --port 0 "$@" >"$work/mock.out" 2>"$work/mock.err" &
  mock_pid=$!
  for _ in $(seq 100); do grep -q "listening on" "$work/mock.out" && break; sleep 0.1; done
  port=$(sed -n 's/^listening on 127.0.0.1:\([0-9]*\)$/\1/p' "$work/mock.out")
  [ -n "$port" ] || { cat "$work/mock.err"; exit 1; }
}
stop_mock() { [ -n "$mock_pid" ] && kill "$mock_pid" 2>/dev/null && wait "$mock_pid" 2>/dev/null || true; mock_pid=""; }
trap 'stop_mock; rm -rf "$work"' EXIT

# json FILE EXPR: evaluates a Python expression on the parsed JSON file `d`.
json() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print($2)" "$1"; }
