#!/usr/bin/env bash
# The README's test command: installs dependencies, builds, and runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/fetch-test-data.sh
bash scripts/fetch-npm-clients.sh  # official npm clients the mock is checked against (skipped if absent)
bash scripts/build.sh "$@"
ctest --test-dir "${BUILD_DIR:-build}" -j "${JOBS:-2}" --output-on-failure --timeout 300
