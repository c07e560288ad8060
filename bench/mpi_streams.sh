#!/usr/bin/env bash
# Concurrent streams past one process's descriptor limit (issue 16, "Past one
# machine"): `mpirun -np RANKS aiperf profile` against RANKS mock servers, each
# rank holding STREAMS_PER_RANK slow streams open at once (every request is one
# connection; --url round robin goes by send order, so with as many servers as
# ranks each rank talks to one). Each rank binds SOURCES_PER_RANK loopback
# addresses of its own (--source-address, striped over the ranks): past ~14k
# connections from one address to one server, Linux's connect() slows to
# hundreds a second (src/transport/local_ports.h).
# The truth is the mock servers' own peak of requests in flight; it also prints
# the ranks' peak resident memory (sampled every 0.5 s) and the per-rank health
# rank 0 exported.
# Usage: bash bench/mpi_streams.sh   (RANKS=4 STREAMS_PER_RANK=19000 ITL_MS=3000 OSL=10 SOURCES_PER_RANK=2)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
ranks=${RANKS:-4}
per_rank=${STREAMS_PER_RANK:-19000}
itl=${ITL_MS:-3000}
osl=${OSL:-10}
sources=$((ranks * ${SOURCES_PER_RANK:-2}))
total=$((ranks * per_rank))
urls=()
pids=()
ports=()
for i in $(seq "$ranks"); do
  "$mock" --port 0 --ttft 0 --itl "$itl" >"$work/mock$i.out" 2>"$work/mock$i.err" &
  pids+=($!)
  for _ in $(seq 100); do grep -q "listening on" "$work/mock$i.out" && break; sleep 0.1; done
  p=$(sed -n 's/^listening on 127.0.0.1:\([0-9]*\)$/\1/p' "$work/mock$i.out")
  ports+=("$p")
  urls+=(--url "http://127.0.0.1:$p")
done
trap 'kill "${pids[@]}" 2>/dev/null; rm -rf "$work"' EXIT
( while sleep 0.5; do  # the ranks' memory, and the streams all servers hold at one moment
    kb=$(ps -C aiperf -o rss= | awk '{s += $1} END {print s + 0}')
    now=0
    for p in "${ports[@]}"; do
      n=$(curl -s --max-time 2 "http://127.0.0.1:$p/mock/stats" | python3 -c "import json,sys; print(json.load(sys.stdin)['in_flight'])" 2>/dev/null || echo 0)
      now=$((now + n))
    done
    echo "$kb $now"
  done ) >"$work/samples" &
sampler=$!
start=$(date +%s.%N)
mpirun --allow-run-as-root --oversubscribe -np "$ranks" "$aiperf" profile -m bench "${urls[@]}" --streaming \
  --concurrency "$total" --request-count "$total" --isl 5 --osl "$osl" --request-timeout-seconds 600 \
  --source-address "127.0.0.2-127.0.0.$((1 + sources))" --ui none --artifact-dir "$work/out" --max-error-rate 1 >"$work/aiperf.out" 2>"$work/aiperf.err" || true
end=$(date +%s.%N)
kill "$sampler" 2>/dev/null || true
peak_kb=$(awk '$1 > m {m = $1} END {print m + 0}' "$work/samples")
together=$(awk '$2 > m {m = $2} END {print m + 0}' "$work/samples")
peak=0
for p in "${ports[@]}"; do
  n=$(curl -s "http://127.0.0.1:$p/mock/stats" | python3 -c "import json,sys; print(json.load(sys.stdin)['peak_in_flight'])")
  echo "mock :$p peak in flight $n"
  peak=$((peak + n))
done
echo "streams asked $total; servers' own peaks sum to $peak; most in flight at one sampled moment, all servers: $together"
echo "ranks' resident memory at the sampled peak: $((peak_kb / 1024)) MiB for $ranks processes (fixed start-up memory included)"
echo "wall time $(python3 -c "print(round($end - $start, 1))") s; load average $(cut -d' ' -f1-3 /proc/loadavg)"
json "$work/out/profile_export_aiperf.json" "'requests %d, errors %d' % (d['request_count']['avg'], d['error_request_count']['avg'])" || tail -5 "$work/aiperf.err"
json "$work/out/profile_export_aiperf.json" "'\n'.join('rank %d: sent %d failed %d cpu %.1f s max read lateness %.1f ms' % (r['rank'], r['requests_sent'], r['failed'], r['client_cpu_seconds'], r['max_read_lateness_ms']) for r in d['ranks'])" || true
# The commonest errors, so a run that fell short says why.
json "$work/out/profile_export_aiperf.json" "'\n'.join('error x%d: %s' % (e['count'], str(e['error_details'].get('message', e['error_details']))[:200]) for e in sorted(d.get('error_summary', []), key=lambda e: -e['count'])[:3])" || true
