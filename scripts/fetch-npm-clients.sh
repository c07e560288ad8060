#!/usr/bin/env bash
# Installs the official npm clients that the tests run against the mock server
# (openai for /v1/responses, @anthropic-ai/sdk for /v1/messages) into
#   ${AIPERF_TEST_DATA:-$HOME/.cache/aiperf/test-data}/clients
# Idempotent: does nothing when the pinned versions are already there. Never
# committed; tests that need the clients skip with a message when they are absent.
set -euo pipefail
dir="${AIPERF_TEST_DATA:-$HOME/.cache/aiperf/test-data}/clients"
openai_version=7.59.0
anthropic_version=1.15.0

installed() {  # NAME VERSION
  local pkg="$dir/node_modules/$1/package.json"
  [[ -f "$pkg" ]] && grep -q "\"version\": *\"$2\"" "$pkg"
}

if installed openai "$openai_version" && installed @anthropic-ai/sdk "$anthropic_version"; then
  exit 0
fi
if ! command -v npm >/dev/null; then
  echo "fetch-npm-clients: npm not found; the npm client tests will be skipped" >&2
  exit 0
fi
mkdir -p "$dir"
cd "$dir"
[[ -f package.json ]] || echo '{"name": "aiperf-test-clients", "private": true}' > package.json
npm install --no-audit --no-fund --loglevel=error \
  "openai@$openai_version" "@anthropic-ai/sdk@$anthropic_version" >/dev/null
echo "fetch-npm-clients: installed openai $openai_version and @anthropic-ai/sdk $anthropic_version into $dir"
