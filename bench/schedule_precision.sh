#!/usr/bin/env bash
# Schedule precision of the request_rate strategy (issue 4, "Speed"): at 1,000
# and 5,000 req/s against the mock server in fast mode, p50/p99 of
# |actual send - scheduled send| (the schedule_lag metric; sends are never early)
# and the delivered rate.
# Usage: bash bench/schedule_precision.sh [SECONDS_PER_RATE]   (default 5)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
seconds=${1:-5}
start_mock --fast
printf '%-10s %-10s %-12s %-12s %-12s %-12s %s\n' "target/s" "requests" "delivered/s" "lag p50 us" "lag p99 us" "lag max us" "errors"
for rate in 1000 5000; do
  n=$((rate * seconds))
  out="$work/rate$rate"
  "$aiperf" profile -m bench -u "http://127.0.0.1:$port" --endpoint-type completions --request-rate "$rate" \
    --arrival-pattern constant --request-count "$n" --isl 8 --osl 1 --ui none --artifact-dir "$out" \
    --max-error-rate 1 >/dev/null
  delivered=$(python3 - "$out/profile_export.jsonl" <<'PY'
import json, sys
t = sorted(json.loads(l)["metadata"]["request_start_ns"] for l in open(sys.argv[1]))
print(f"{(len(t) - 1) / ((t[-1] - t[0]) / 1e9):.1f}")
PY
)
  f="$out/profile_export_aiperf.json"
  printf '%-10s %-10s %-12s %-12s %-12s %-12s %s\n' "$rate" "$n" "$delivered" \
    "$(json "$f" "round(d['schedule_lag']['p50']*1000, 1)")" "$(json "$f" "round(d['schedule_lag']['p99']*1000, 1)")" \
    "$(json "$f" "round(d['schedule_lag']['max']*1000, 1)")" "$(json "$f" "d['error_request_count']['avg']")"
done
