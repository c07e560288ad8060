#!/usr/bin/env bash
# Prometheus text parse speed of aiperf's parser against the official Python
# client's parser (Debian python3-prometheus-client,
# prometheus_client.parser.text_string_to_metric_families), in one run, on the
# same input: the /metrics of a node exporter started here on 127.0.0.1, and of
# the mock server after 1,000 requests (vLLM names, histograms).
# Usage: bash bench/exposition.sh   Environment: AIPERF_BENCH_BUILD_DIR (default <repo>/build), SECONDS_PER (2).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${AIPERF_BENCH_BUILD_DIR:-$root/build}
seconds=${SECONDS_PER:-2}
cmake --build "$build" -j "${JOBS:-2}" --target exposition_bench aiperf aiperf-mock-server >/dev/null
work=$(mktemp -d)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"' EXIT

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
prometheus-node-exporter --web.listen-address=127.0.0.1:$port >/dev/null 2>&1 &
pids+=($!)
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/metrics" -o "$work/node.txt" && break; sleep 0.1; done

"$build/bin/aiperf-mock-server" --port 0 --fast >"$work/mock.out" 2>&1 &
pids+=($!)
for _ in $(seq 100); do grep -q "listening on" "$work/mock.out" && break; sleep 0.1; done
mport=$(sed -n 's/^listening on 127.0.0.1:\([0-9]*\)$/\1/p' "$work/mock.out")
"$build/bin/aiperf" profile -m mock -u "http://127.0.0.1:$mport" --request-count 1000 --concurrency 8 \
  --ui none --no-server-metrics --artifact-dir "$work/run" >/dev/null 2>&1
curl -sf "http://127.0.0.1:$mport/metrics" -o "$work/mock.txt"

peer() {  # FILE: the Python client's parse speed
  /usr/bin/python3 - "$1" "$seconds" <<'PY'
import sys, time
from prometheus_client.parser import text_string_to_metric_families
text = open(sys.argv[1]).read()
seconds = float(sys.argv[2])
runs = samples = 0
start = time.perf_counter()
while time.perf_counter() - start < seconds:
    samples = sum(len(f.samples) for f in text_string_to_metric_families(text))
    runs += 1
elapsed = time.perf_counter() - start
print("%.1f MB/s %.0f samples/s (%d bytes, %d samples, %d parses)" % (len(text.encode()) * runs / elapsed / 1e6, samples * runs / elapsed, len(text.encode()), samples, runs))
PY
}

echo "| input | aiperf | prometheus_client (Python) |"
echo "| --- | --- | --- |"
for input in node mock; do
  echo "| $input /metrics | $("$build/bin/exposition_bench" "$work/$input.txt" "$seconds") | $(peer "$work/$input.txt") |"
done
