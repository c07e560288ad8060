#!/usr/bin/env bash
# The README's main command. Builds aiperf, installs it with its plugin SDK into
# build/demo-prefix, builds every plugin package under plugins/ against that
# installed SDK (as a third party would), starts the bundled mock server and a
# Prometheus Pushgateway, runs examples/benchmark.yaml (one plugin of each
# protocol), shows what the Pushgateway received, and stops what it started.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
# Only what the demo runs: the tool and the mock server (the test command builds the rest).
TARGETS="aiperf aiperf-mock-server" bash scripts/build.sh
prefix="$PWD/build/demo-prefix"
work="$PWD/build/demo"
mkdir -p "$work"
cmake --install build --prefix "$prefix" >/dev/null
echo "--- building the plugin packages against the installed SDK"
PLUGIN_TESTS=OFF bash scripts/build-plugins.sh "$prefix" "$work/plugins" >"$work/plugins.log" 2>&1 ||
  { cat "$work/plugins.log"; exit 1; }
aiperf="$prefix/bin/aiperf"

pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done; }
trap cleanup EXIT

# wait_for_line FILE PATTERN: bounded wait for a server to say it is ready.
wait_for_line() { for _ in $(seq 100); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.1; done; return 1; }

# The mock server: 20 ms to the first token, then 4 ms per token (OpenAI and Ollama routes).
"$prefix/bin/aiperf-mock-server" --port 0 --ttft 20 --itl 4 >"$work/mock.out" 2>"$work/mock.err" &
pids+=($!)
wait_for_line "$work/mock.out" "listening on" || { cat "$work/mock.err"; exit 1; }
export MOCK_URL="http://$(sed -n 's/^listening on //p' "$work/mock.out")"

# A Pushgateway for the prometheus hook, when the Debian package is installed.
export PUSHGATEWAY_URL="http://127.0.0.1:19091"
if command -v prometheus-pushgateway >/dev/null; then
  prometheus-pushgateway --web.listen-address=127.0.0.1:19091 --persistence.file="" >"$work/pushgateway.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 100); do
    python3 -c "import urllib.request; urllib.request.urlopen('$PUSHGATEWAY_URL/-/ready', timeout=1)" 2>/dev/null && break
    sleep 0.1
  done
fi

run() { echo; echo "\$ aiperf $*"; "$aiperf" "$@"; }
run --version
run plugins list
export AIPERF_ARTIFACTS="$work/artifacts"
run profile --config examples/benchmark.yaml

if command -v prometheus-pushgateway >/dev/null; then
  echo; echo "--- what the Pushgateway received (time to first token, profiling phase):"
  python3 - "$PUSHGATEWAY_URL" <<'PY'
import sys, urllib.request
text = urllib.request.urlopen(sys.argv[1] + "/metrics", timeout=5).read().decode()
lines = [l for l in text.splitlines() if l.startswith("aiperf_") and "time_to_first_token" in l and 'phase="profiling"' in l]
print("\n".join(lines[:8]) or "(nothing pushed)")
PY
fi
echo; echo "plugin libraries this run loaded (from the dynamic loader):"
python3 -c "import json,sys; [print('  ', p['package'], p['version']) for p in json.load(open(sys.argv[1]))['plugins_loaded']]" \
  "$AIPERF_ARTIFACTS/profile_export_aiperf.json"

# The report users look at: charts of the run, one self-contained HTML file.
run plot "$AIPERF_ARTIFACTS" -o "$AIPERF_ARTIFACTS/report.html"
echo; echo "HTML report: $AIPERF_ARTIFACTS/report.html"
