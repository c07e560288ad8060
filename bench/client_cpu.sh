#!/usr/bin/env bash
# Client CPU cost (issue 3, "Speed"): user+sys seconds of the aiperf process per
# request and per streamed chunk against the mock server in fast mode, and the
# same for wrk on the mock's non-streaming endpoint as the raw-HTTP reference.
# Then 1,000 concurrent streaming requests, which must finish without errors.
# Usage: bash bench/client_cpu.sh
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
start_mock --fast
url="http://127.0.0.1:$port"

# cpu CMD...: runs CMD and prints its user+sys CPU seconds (GNU time).
cpu() { /usr/bin/time -f "%U %S" -o "$work/time" "$@" >"$work/cmd.out" 2>"$work/cmd.err"; awk '{print $1 + $2}' "$work/time"; }

n=20000
c=$(cpu "$aiperf" profile -m bench -u "$url" --endpoint-type completions --concurrency 32 \
  --request-count $n --isl 16 --osl 16 --ui none --artifact-dir "$work/ns")
aiperf_ns=$c
n_stream=5000
osl=100
aiperf_st=$(cpu "$aiperf" profile -m bench -u "$url" --endpoint-type chat --streaming --concurrency 32 \
  --request-count $n_stream --isl 16 --osl $osl --ui none --artifact-dir "$work/st")

cat >"$work/post.lua" <<'LUA'
wrk.method = "POST"
wrk.body = '{"model":"bench","prompt":"alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima mike november oscar papa","max_tokens":16}'
wrk.headers["Content-Type"] = "application/json"
LUA
wrk_cpu=$(cpu wrk -t1 -c32 -d5s -s "$work/post.lua" "$url/v1/completions")
wrk_requests=$(sed -n 's/^ *\([0-9]*\) requests in.*/\1/p' "$work/cmd.out")

python3 - "$aiperf_ns" "$n" "$aiperf_st" "$n_stream" "$osl" "$wrk_cpu" "$wrk_requests" <<'PY'
import sys
ns, n, st, n_st, osl, wrk, wrk_n = (float(x) for x in sys.argv[1:])
a = ns / n * 1e6
w = wrk / wrk_n * 1e6
print(f"aiperf non-streaming: {ns:.2f} s CPU for {int(n)} requests = {a:.1f} us/request")
print(f"wrk (1 thread, 32 conns): {wrk:.2f} s CPU for {int(wrk_n)} requests = {w:.1f} us/request")
print(f"ratio aiperf/wrk per request: {a / w:.2f} (target <= 3)")
print(f"aiperf streaming: {st:.2f} s CPU for {int(n_st)} requests x {int(osl)} chunks = "
      f"{st / n_st * 1e6:.1f} us/request, {st / (n_st * osl) * 1e6:.2f} us/chunk")
PY

stop_mock
start_mock --ttft 200 --itl 10
"$aiperf" profile -m bench -u "http://127.0.0.1:$port" --streaming --concurrency 1000 --request-count 3000 \
  --isl 16 --osl 50 --ui none --artifact-dir "$work/c1000" >/dev/null || true
peak=$(python3 -c "import json,urllib.request; print(json.load(urllib.request.urlopen('http://127.0.0.1:$port/mock/stats'))['peak_in_flight'])")
echo "1,000 concurrent streams: $(json "$work/c1000/profile_export_aiperf.json" "int(d['request_count']['avg'])") ok," \
  "$(json "$work/c1000/profile_export_aiperf.json" "int(d['error_request_count']['avg'])") failed, server peak in flight $peak"
