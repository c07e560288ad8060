#!/usr/bin/env bash
# Bounded memory (issue 16): heap bytes per finished request (100 and 1,000
# tokens per request, 100,000 requests each, through the record path) and per
# idle in-flight stream (1,000 streams against aiperf-mock-server that sends one
# token and then nothing for ten minutes). Figures come from glibc's allocator
# (mallinfo2), not RSS: a buffer that is allocated but only partly touched counts whole.
# Usage: bash bench/memory.sh [REQUESTS] [STREAMS]
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# Allocation sizes do not depend on the optimisation level: the everyday build will do.
export AIPERF_BENCH_BUILD_DIR=${AIPERF_BENCH_BUILD_DIR:-$root/build}
source "$root/bench/lib.sh"
cmake --build "$build" -j "${JOBS:-2}" --target memory_bench >/dev/null
requests=${1:-100000}
streams=${2:-1000}
"$build/bin/memory_bench" records "$requests" 100
"$build/bin/memory_bench" records "$requests" 1000
# The reference: every chunk gap kept as well (what the run kept before), on a tenth of the requests.
"$build/bin/memory_bench" records $((requests / 10)) 100 exact
"$build/bin/memory_bench" records $((requests / 10)) 1000 exact
start_mock --ttft 0 --itl 600000 --osl 4
"$build/bin/memory_bench" streams "$port" "$streams"
stop_mock

# The whole process: peak RSS of `aiperf profile` at two request counts (100-token streams);
# the difference per extra request is what a finished request leaves behind, exports included.
start_mock --ttft 0 --itl 0.05
# peak_kb N [FLAGS...]: peak RSS in KB of a run of N requests.
peak_kb() {
  local n=$1; shift
  /usr/bin/time -f "%M" -o "$work/rss" "$aiperf" profile -m bench -u "http://127.0.0.1:$port" --endpoint-type chat \
    --streaming --concurrency 32 --request-count "$n" --isl 16 --osl 100 --ui none --artifact-dir "$work/run$n" "$@" \
    >"$work/run$n.log" 2>&1
  cat "$work/rss"
}
# One event loop, then the default (a loop per core), whose workers hand their finished requests
# to the lead in batches during the phase (the lead merges them exactly; engine/part_report.h).
for workers in 1 default; do
  flags=(); [ "$workers" = default ] || flags=(--workers "$workers")
  small=$(peak_kb 2000 "${flags[@]}")
  large=$(peak_kb 20000 "${flags[@]}")
  chunks=$(json "$work/run20000/profile_export_aiperf.json" "d['inter_chunk_latency']['count']")
  echo "aiperf profile --workers $workers, 100-token streams: peak RSS ${small} KB at 2,000 requests, ${large} KB at" \
    "20,000 ($chunks chunk gaps): $(( (large - small) * 1024 / 18000 )) bytes per extra request"
done
# Two MPI ranks on this machine (when OpenMPI is installed): rank 1 hands its finished requests to
# rank 0 during the phase, as MPI posts; each rank's own peak RSS.
if command -v mpirun >/dev/null; then
  # peak_ranks_kb N: "rank0_kb rank1_kb" of a 2-rank run of N requests.
  peak_ranks_kb() {
    local n=$1
    mpirun --allow-run-as-root --oversubscribe -np 2 sh -c '/usr/bin/time -f "%M" -o "$0.$OMPI_COMM_WORLD_RANK" "$@"' \
      "$work/rss" "$aiperf" profile -m bench -u "http://127.0.0.1:$port" --endpoint-type chat --streaming \
      --concurrency 32 --request-count "$n" --isl 16 --osl 100 --ui none --artifact-dir "$work/mpi$n" \
      >"$work/mpi$n.log" 2>&1
    echo "$(cat "$work/rss.0") $(cat "$work/rss.1")"
  }
  read -r small0 small1 < <(peak_ranks_kb 2000)
  read -r large0 large1 < <(peak_ranks_kb 20000)
  echo "mpirun -np 2 aiperf profile, 100-token streams: rank 0 peak RSS ${small0} KB at 2,000 requests, ${large0} KB at" \
    "20,000: $(( (large0 - small0) * 1024 / 18000 )) bytes per extra request; rank 1 ${small1} -> ${large1} KB:" \
    "$(( (large1 - small1) * 1024 / 18000 )) bytes"
fi
stop_mock
