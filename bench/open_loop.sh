#!/usr/bin/env bash
# Open-loop ceiling (issue 16, "All the cores"): --request-rate R with --workers 1
# and 2 against the mock server in fast mode on the same cores, at normal
# priority and at real-time priority (`chrt -f 50` for aiperf and the mock).
# Prints, per row, the delivered rate (from the JSONL send stamps), schedule-lag
# p50/p99, aiperf's CPU per request (user+sys of the whole process, start-up and
# exports included) and errors; REPEAT runs per row (default 3).
# Usage: bash bench/open_loop.sh [RATE...]   (default 20000 30000; 3 s of sends each)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
rates=("${@:-20000 30000}")
read -r -a rates <<<"${rates[*]}"
repeat=${REPEAT:-3}
seconds=${SECONDS_PER_RUN:-3}
fifo=(chrt -f 50)
chrt -f 50 true 2>/dev/null || { echo "note: chrt -f not permitted here: real-time rows skipped" >&2; fifo=(); }

run_row() {  # priority workers rate
  local priority=$1 workers=$2 rate=$3 prefix=()
  [ "$priority" = fifo ] && prefix=("${fifo[@]}")
  for i in $(seq "$repeat"); do
    local out="$work/r$rate-w$workers-$priority-$i"
    /usr/bin/time -o "$work/cpu" -f "%U %S" "${prefix[@]}" "$aiperf" profile -m bench -u "http://127.0.0.1:$port" --endpoint-type completions \
      --request-rate "$rate" --arrival-pattern constant --request-count $((rate * seconds)) --isl 8 --osl 1 \
      --workers "$workers" --ui none --artifact-dir "$out" --max-error-rate 1 >/dev/null 2>&1
    python3 - "$out" "$priority" "$workers" "$rate" "$(cat "$work/cpu")" <<'PY'
import json, sys
out, priority, workers, rate, cpu = sys.argv[1:]
cpu_us = sum(map(float, cpu.split())) * 1e6
d = json.load(open(out + "/profile_export_aiperf.json"))
t = sorted(json.loads(l)["metadata"]["request_start_ns"] for l in open(out + "/profile_export.jsonl"))
lag = d["schedule_lag"]
print(f"{priority:<8} {workers:<8} {rate:<8} {len(t):<9} {(len(t) - 1) / ((t[-1] - t[0]) / 1e9):<12.1f} "
      f"{lag['p50'] * 1000:<11.1f} {lag['p99'] * 1000:<11.1f} {cpu_us / len(t):<10.1f} {d['error_request_count']['avg']}")
PY
  done
}

printf '%-8s %-8s %-8s %-9s %-12s %-11s %-11s %-10s %s\n' priority workers rate requests delivered/s "lag p50 us" "lag p99 us" "CPU us/req" errors
for priority in normal fifo; do
  [ "$priority" = fifo ] && [ ${#fifo[@]} -eq 0 ] && continue
  stop_mock
  if [ "$priority" = fifo ]; then MOCK_PREFIX="${fifo[*]}" start_mock --fast; else start_mock --fast; fi
  for rate in "${rates[@]}"; do
    for workers in 1 2; do run_row "$priority" "$workers" "$rate"; done
  done
done
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
