#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (g++ has no libFuzzer) and runs each
# for a bounded time. Usage: fuzz/run.sh [SECONDS per target, default 60]
# Exits non-zero if a build fails or a target finds a crash/invariant violation.
# Build dir: $AIPERF_FUZZ_DIR (default /tmp/aiperf-fuzz). Crash inputs are
# written there as crash-*; the seed corpus in fuzz/corpus/ is not modified.
set -uo pipefail

SECONDS_PER_TARGET="${1:-60}"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(dirname "$HERE")"
OUT="${AIPERF_FUZZ_DIR:-/tmp/aiperf-fuzz}"
CXX="${CXX_FUZZ:-$(command -v clang++-14 || command -v clang++)}"
if [[ -z "$CXX" ]]; then
  echo "clang++ not found: apt-get install -y --no-install-recommends clang-14 libfuzzer-14-dev" >&2
  exit 2
fi
mkdir -p "$OUT"
FLAGS=(-std=c++20 -O1 -g -fno-omit-frame-pointer -fsanitize=fuzzer,address,undefined
       -fno-sanitize-recover=undefined -Wall -Wextra -I"$ROOT/src")

build() {  # name main-source parser-source
  echo "== building $1"
  "$CXX" "${FLAGS[@]}" "$HERE/$2" "$ROOT/src/transport/$3" -o "$OUT/$1"
}
build sse_parser_fuzz sse_parser_fuzz.cc sse_parser.cc || exit 1
build ndjson_fuzz ndjson_fuzz.cc ndjson_splitter.cc || exit 1
# The HTTP client's response framing (status line, fields, Content-Length, chunked).
echo "== building response_head_fuzz"
"$CXX" "${FLAGS[@]}" "$HERE/response_head_fuzz.cc" "$ROOT/src/transport/response_head.cc" "$ROOT/src/base/error.cc" \
  -o "$OUT/response_head_fuzz" || exit 1
echo "== building exposition_fuzz"
"$CXX" "${FLAGS[@]}" "$HERE/exposition_fuzz.cc" "$ROOT/src/collectors/exposition.cc" "$ROOT/src/base/error.cc" \
  -o "$OUT/exposition_fuzz" || exit 1
echo "== building server_timing_fuzz"
"$CXX" "${FLAGS[@]}" "$HERE/server_timing_fuzz.cc" "$ROOT/src/metrics/server_timing.cc" "$ROOT/src/base/error.cc" \
  -o "$OUT/server_timing_fuzz" || exit 1
# The tokenizer.json loader with the whole tokenizer pipeline (PCRE2, ICU, simdjson).
echo "== building tokenizer_json_fuzz"
"$CXX" "${FLAGS[@]}" "$HERE/tokenizer_json_fuzz.cc" "$ROOT"/src/tokenizer/tokenizer.cc \
  "$ROOT"/src/tokenizer/internal/*.cc "$ROOT/src/base/error.cc" \
  -lpcre2-8 -licuuc -licudata -lsimdjson -o "$OUT/tokenizer_json_fuzz" || exit 1
# The OpenAI chunk fast path against the general parser, and the one-pass JSON validator.
echo "== building openai_chunk_fuzz"
"$CXX" "${FLAGS[@]}" -I"$ROOT/include" "$HERE/openai_chunk_fuzz.cc" "$ROOT"/src/endpoints/{openai,openai_chunk,body_template}.cc \
  "$ROOT"/src/base/{json_reader,json_writer,utf8}.cc -lsimdjson -o "$OUT/openai_chunk_fuzz" || exit 1

status=0
run() {  # name corpus-subdir [extra libFuzzer flags...]
  local name="$1" sub="$2"
  shift 2
  local corpus="$OUT/corpus-$sub" log="$OUT/$name.log"
  mkdir -p "$corpus"
  echo "== running $name for ${SECONDS_PER_TARGET}s (log: $log)"
  # First corpus dir is written to; the checked-in seeds are read only.
  (cd "$OUT" && "./$name" "$corpus" "$HERE/corpus/$sub" \
      -max_total_time="$SECONDS_PER_TARGET" -timeout=10 -rss_limit_mb=2048 -max_len=8192 \
      -print_final_stats=1 "$@") >"$log" 2>&1
  local rc=$?
  grep -E "^(Done|stat::number_of_executed_units|stat::average_exec_per_sec|stat::peak_rss_mb)|ERROR|invariant|SUMMARY" "$log"
  if [[ $rc -ne 0 ]]; then
    tail -n 40 "$log" >&2
    echo "!! $name failed (exit $rc); reproducers: $OUT/crash-* $OUT/timeout-* $OUT/oom-*" >&2
    status=1
  fi
}

run sse_parser_fuzz sse -dict="$HERE/sse.dict"
run ndjson_fuzz ndjson
run response_head_fuzz response_head -dict="$HERE/http.dict"
run exposition_fuzz exposition -dict="$HERE/exposition.dict"
run server_timing_fuzz server_timing
run tokenizer_json_fuzz tokenizer_json -dict="$HERE/tokenizer_json.dict"
run openai_chunk_fuzz openai_chunk
exit $status
