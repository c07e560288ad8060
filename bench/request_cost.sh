#!/usr/bin/env bash
# Per-request cost of the client (issue 16, "Per-request cost near the floor"), side by
# side in one run against the same nginx (static bodies, so the server does no work):
#   1. user-space instructions per non-streaming request: aiperf, wrk, h2load (callgrind);
#   2. CPU µs per non-streaming request: aiperf against wrk (GNU time);
#   3. instructions per streamed chunk: the slope between 10-chunk and 100-chunk SSE bodies (what
#      one more chunk costs), next to the whole 100-chunk request / 100;
#   4. open-loop send cost (--request-rate): CPU µs and instructions per request, next to a
#      minimal open-loop client (bench/open_loop_minimal.cc: one thread, a timerfd re-armed per
#      send, one send and one recv per request, nothing recorded) at the same rate.
# aiperf's figures are marginal: (cost of N2 requests - cost of N1) / (N2 - N1), so
# start-up, discovery, prompt synthesis and the end-of-run exports are not counted
# against a request; wrk and h2load are measured the same way.
# Usage: bash bench/request_cost.sh   (AIPERF_BENCH_BUILD_DIR=DIR to use an existing Release build;
#        AIPERF_BASELINE=path/to/an/older/aiperf adds its instruction counts and CPU, measured in the same run;
#        CPU_ROUNDS=N rounds of the CPU figures, each client once per round, default 3)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
for tool in valgrind wrk h2load; do
  command -v $tool >/dev/null || { echo "$tool is not installed (scripts/install-deps.sh)"; exit 1; }
done
nginx_bin=$(command -v nginx || echo /usr/sbin/nginx)
[ -x "$nginx_bin" ] || { echo "nginx is not installed (scripts/install-deps.sh)"; exit 1; }
port=$(python3 -c "import socket; s=socket.socket(); s.bind(('127.0.0.1',0)); print(s.getsockname()[1])")
url="http://127.0.0.1:$port"
chunks=100
short_chunks=10  # the slope's other end

# Static files in vLLM's shapes: one completion, and a stream of $chunks chat chunks + usage + [DONE].
python3 - "$work" "$chunks" "$short_chunks" <<'PY'
import json, sys
work, n, short = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
head = {"id": "cmpl-1", "object": "text_completion", "created": 1700000000, "model": "bench"}
usage = {"prompt_tokens": 16, "completion_tokens": 16, "total_tokens": 32}
body = dict(head, choices=[{"index": 0, "text": "w " * 16, "logprobs": None, "finish_reason": "length"}], usage=usage)
def stream(n):
    events = []
    for i in range(n):
        chunk = dict(head, object="chat.completion.chunk",
                     choices=[{"index": 0, "delta": {"content": "w "}, "logprobs": None, "finish_reason": None}])
        events.append("data: " + json.dumps(chunk, separators=(",", ":")) + "\n\n")
    events.append("data: " + json.dumps(dict(head, choices=[], usage=dict(usage, completion_tokens=n)),
                                        separators=(",", ":")) + "\n\n")
    events.append("data: [DONE]\n\n")
    return "".join(events)
import os
os.makedirs(f"{work}/www/v1/chat")
os.makedirs(f"{work}/www/short/v1/chat")
open(f"{work}/www/v1/completions", "w").write(json.dumps(body, separators=(",", ":")))
open(f"{work}/www/v1/chat/completions", "w").write(stream(n))
open(f"{work}/www/short/v1/chat/completions", "w").write(stream(short))
open(f"{work}/post.json", "w").write('{"model":"bench","prompt":"alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima mike november oscar papa","max_tokens":16}')
PY
cat >"$work/nginx.conf" <<CONF
daemon off; master_process off; worker_processes 1; pid $work/nginx.pid; error_log $work/error.log warn;
events { worker_connections 4096; }
http {
  access_log off; keepalive_requests 100000000; keepalive_timeout 600s;
  client_body_temp_path $work/cb; proxy_temp_path $work/px; fastcgi_temp_path $work/fc; uwsgi_temp_path $work/uw; scgi_temp_path $work/sc;
  server {
    listen 127.0.0.1:$port;
    root $work/www; error_page 405 =200 \$uri;  # static files answer POST too
    location = /v1/completions { default_type application/json; }
    location = /v1/chat/completions { default_type text/event-stream; }
    location = /short/v1/chat/completions { default_type text/event-stream; }
  }
}
CONF
"$nginx_bin" -p "$work" -c "$work/nginx.conf" -e "$work/error.log" &
nginx_pid=$!
trap 'kill $nginx_pid 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 100); do (echo >/dev/tcp/127.0.0.1/$port) 2>/dev/null && break; sleep 0.1; done

# instr CMD...: user-space instructions of CMD (all threads), from callgrind's summary.
instr() {
  valgrind --tool=callgrind --callgrind-out-file="$work/callgrind.out" "$@" >"$work/cmd.out" 2>"$work/cmd.err"
  sed -n 's/.*Collected : \([0-9]*\).*/\1/p' "$work/cmd.err" | tail -1
}
# cpu CMD...: user+sys CPU seconds of CMD.
cpu() { /usr/bin/time -f "%U %S" -o "$work/time" "$@" >"$work/cmd.out" 2>"$work/cmd.err"; awk '{print $1 + $2}' "$work/time"; }
wrk_requests() { sed -n 's/^ *\([0-9]*\) requests in.*/\1/p' "$work/cmd.out"; }
# aiperf_with instr|cpu N FLAGS...: measures one profile run of N requests.
aiperf_with() {
  local how=$1 n=$2; shift 2
  $how "$aiperf" profile -m bench -u "$url" --no-server-metrics --isl 16 --osl 16 --request-count "$n" \
    --ui none --artifact-dir "$work/run-$n" "$@"
}
cat >"$work/post.lua" <<LUA
wrk.method = "POST"
wrk.body = io.open("$work/post.json"):read("a")
wrk.headers["Content-Type"] = "application/json"
LUA
# One event loop, as wrk -t1 runs one thread (the default, a loop per core, adds the merge of the parts).
ns=(--endpoint-type completions --concurrency 32 --workers 1)
st=(--endpoint-type chat --streaming --concurrency 32 --workers 1)
ol=(--endpoint-type completions --request-rate 4000 --arrival-pattern constant --workers 1)

# Which simdjson kernel the general (fallback) parser of SSE payloads runs, with the project's flags.
cat >"$work/simd.cc" <<'CC'
#include <simdjson.h>
#include <cstdio>
int main() {
  std::printf("simdjson %d.%d.%d: On-Demand kernel (fixed at compile time) %s; DOM kernel (run-time dispatch) %s\n",
              int(simdjson::SIMDJSON_VERSION_MAJOR), int(simdjson::SIMDJSON_VERSION_MINOR),
              int(simdjson::SIMDJSON_VERSION_REVISION), simdjson::builtin_implementation()->name().c_str(),
              simdjson::get_active_implementation()->name().c_str());
}
CC
g++ -std=c++20 -O2 "$root/bench/open_loop_minimal.cc" -o "$work/open_loop_minimal"
# minimal_with N: CPU seconds of the minimal client sending N requests at the open-loop rate.
minimal_with() { cpu "$work/open_loop_minimal" 127.0.0.1 "$port" /v1/completions "$work/post.json" 4000 "$1"; }
simd_kernels=$(g++ -std=c++20 -O2 "$work/simd.cc" -lsimdjson -o "$work/simd" && "$work/simd" || echo "simdjson probe failed")

echo "measuring instructions (callgrind) ..." >&2
n1=${N1:-500}; n2=${N2:-2500}
a_ns1=$(aiperf_with instr $n1 "${ns[@]}"); a_ns2=$(aiperf_with instr $n2 "${ns[@]}")
cp "$work/callgrind.out" "$work/profile-ns.out"
a_st1=$(aiperf_with instr $n1 "${st[@]}"); a_st2=$(aiperf_with instr $n2 "${st[@]}")
cp "$work/callgrind.out" "$work/profile-st.out"
a_sh1=$(aiperf_with instr $n1 "${st[@]}" --endpoint /short/v1/chat/completions)
a_sh2=$(aiperf_with instr $n2 "${st[@]}" --endpoint /short/v1/chat/completions)
a_ol1=$(aiperf_with instr $n1 "${ol[@]}"); a_ol2=$(aiperf_with instr $n2 "${ol[@]}")
w1=$(instr wrk -t1 -c32 -d1s -s "$work/post.lua" "$url/v1/completions"); wr1=$(wrk_requests)
w2=$(instr wrk -t1 -c32 -d4s -s "$work/post.lua" "$url/v1/completions"); wr2=$(wrk_requests)
h2=(-c 32 -t 1 -d "$work/post.json" -H 'Content-Type: application/json' "$url/v1/completions")
h1=$(instr h2load --h1 -n $n1 "${h2[@]}"); h2n=$(instr h2load --h1 -n $n2 "${h2[@]}")
b_ns1=0 b_ns2=0 b_st1=0 b_st2=0
if [ -n "${AIPERF_BASELINE:-}" ]; then
  current=$aiperf aiperf=$AIPERF_BASELINE
  b_ns1=$(aiperf_with instr $n1 "${ns[@]}"); b_ns2=$(aiperf_with instr $n2 "${ns[@]}")
  b_st1=$(aiperf_with instr $n1 "${st[@]}"); b_st2=$(aiperf_with instr $n2 "${st[@]}")
  aiperf=$current
fi

echo "measuring CPU time ..." >&2
# CPU moves by tens of percent between runs on a shared machine (wrk's own figure too), so each
# round measures every client once, in turn, and the summary gives each round and the medians.
c1=${C1:-4000}; c2=${C2:-20000}; rounds=${CPU_ROUNDS:-3}
cpu_rounds=""  # per round: "aiperf_us wrk_us open_loop_us minimal_us lag_p99_ms baseline_us baseline_open_loop_us"
for round in $(seq "$rounds"); do
  a_c1=$(aiperf_with cpu $c1 "${ns[@]}"); a_c2=$(aiperf_with cpu $c2 "${ns[@]}")
  o_c1=$(aiperf_with cpu $c1 "${ol[@]}"); o_c2=$(aiperf_with cpu $c2 "${ol[@]}")
  lag=$(json "$work/run-$c2/profile_export_aiperf.json" "'%.3f' % d['schedule_lag']['p99']" 2>/dev/null || echo nan)
  f_c1=$(minimal_with $c1); f_c2=$(minimal_with $c2)
  wc1=$(cpu wrk -t1 -c32 -d1s -s "$work/post.lua" "$url/v1/completions"); wcr1=$(wrk_requests)
  wc2=$(cpu wrk -t1 -c32 -d5s -s "$work/post.lua" "$url/v1/completions"); wcr2=$(wrk_requests)
  b_c1=0 b_c2=0 b_o1=0 b_o2=0
  if [ -n "${AIPERF_BASELINE:-}" ]; then  # the older binary in the same round
    current=$aiperf aiperf=$AIPERF_BASELINE
    b_c1=$(aiperf_with cpu $c1 "${ns[@]}"); b_c2=$(aiperf_with cpu $c2 "${ns[@]}")
    b_o1=$(aiperf_with cpu $c1 "${ol[@]}"); b_o2=$(aiperf_with cpu $c2 "${ol[@]}")
    aiperf=$current
  fi
  cpu_rounds+="$(python3 -c "
per = lambda a, b, x, y: (b - a) / (y - x) * 1e6
print(per($a_c1, $a_c2, $c1, $c2), per($wc1, $wc2, $wcr1, $wcr2), per($o_c1, $o_c2, $c1, $c2), per($f_c1, $f_c2, $c1, $c2),
      '$lag', per($b_c1, $b_c2, $c1, $c2), per($b_o1, $b_o2, $c1, $c2))");"
done
python3 - <<PY
n1, n2, c1, c2, chunks, short = $n1, $n2, $c1, $c2, $chunks, $short_chunks
per = lambda a, b, x, y: (b - a) / (y - x)
a_ns = per($a_ns1, $a_ns2, n1, n2); a_st = per($a_st1, $a_st2, n1, n2); a_ol = per($a_ol1, $a_ol2, n1, n2)
a_sh = per($a_sh1, $a_sh2, n1, n2)
wrk = per($w1, $w2, $wr1, $wr2); h2 = per($h1, $h2n, n1, n2)
print("""$simd_kernels
  (aiperf parses the usual OpenAI chunk shape on its own validated fast path, and only the rest with On-Demand)""")
print("user-space instructions per request (callgrind, marginal over %d..%d requests)" % (n1, n2))
print(f"  aiperf non-streaming (completions, c=32): {a_ns:9.0f}")
print(f"  wrk -t1 -c32:                             {wrk:9.0f}")
print(f"  h2load --h1 -t1 -c32:                     {h2:9.0f}")
print(f"  aiperf / wrk: {a_ns / wrk:.2f}x   aiperf / h2load: {a_ns / h2:.2f}x   (target <= 3x wrk)")
print(f"  aiperf streaming, {chunks} chunks: {a_st:.0f} per request; {short} chunks: {a_sh:.0f} per request")
print(f"  per streamed chunk: {(a_st - a_sh) / (chunks - short):.0f} (slope, target <= 1,200); "
      f"whole {chunks}-chunk request / {chunks}: {a_st / chunks:.0f}; "
      f"beyond a non-streaming request: {(a_st - a_ns) / chunks:.0f}")
print(f"  aiperf open loop (--request-rate 4000): {a_ol:.0f} per request")
if $b_ns2 > 0:
    b_ns = per($b_ns1, $b_ns2, n1, n2); b_st = per($b_st1, $b_st2, n1, n2)
    print(f"  baseline aiperf (${AIPERF_BASELINE:-}): non-streaming {b_ns:.0f} per request ({b_ns / wrk:.2f}x wrk), "
          f"streaming {b_st / chunks:.0f} per chunk, {(b_st - b_ns) / chunks:.0f} beyond a non-streaming request")
import statistics
rounds = [list(map(float, r.split())) for r in "$cpu_rounds".split(";") if r.strip()]
print("CPU per request (user+sys, marginal over %d..%d requests; wrk over 1 s..5 s), %d rounds" % (c1, c2, len(rounds)))
for i, (a, w, o, f, lag, b, bo) in enumerate(rounds, 1):
    print(f"  round {i}: aiperf non-streaming {a:.1f} us, wrk {w:.1f} us ({a / w:.2f}x); open loop {o:.1f} us "
          f"(lag p99 {lag} ms), minimal open-loop client {f:.1f} us ({o / f:.2f}x)"
          + (f"; baseline non-streaming {b:.1f} us ({b / w:.2f}x), open loop {bo:.1f} us" if b > 0 else ""))
med = lambda k: statistics.median(r[k] for r in rounds)
a_cpu, w_cpu, o_cpu, f_cpu = med(0), med(1), med(2), med(3)
print(f"  median: aiperf non-streaming {a_cpu:.1f} us   wrk: {w_cpu:.1f} us   "
      f"median of the rounds' ratios: {statistics.median(r[0] / r[1] for r in rounds):.2f}x (target <= 1.3x)")
print(f"  median: aiperf open loop (--request-rate 4000) {o_cpu:.1f} us/request (target <= 15); "
      f"minimal open-loop client (bench/open_loop_minimal.cc, 4000 req/s) {f_cpu:.1f} us/request; "
      f"median of the ratios {statistics.median(r[2] / r[3] for r in rounds):.2f}x")
if med(5) > 0:
    print(f"  median: baseline aiperf non-streaming {med(5):.1f} us "
          f"(median of the ratios {statistics.median(r[5] / r[1] for r in rounds):.2f}x wrk), open loop {med(6):.1f} us")
PY
# PROFILE=1: where the instructions of the larger runs went (self cost, top functions).
if [ -n "${PROFILE:-}" ]; then
  for kind in ns st; do
    echo "--- top functions, $kind run of $n2 requests (callgrind_annotate, self) ---"
    callgrind_annotate --inclusive=no "$work/profile-$kind.out" 2>/dev/null | grep -v '^-*$' | sed -n '/PROGRAM TOTALS/,$p' | head -30 || true
  done
fi
