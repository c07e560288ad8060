#!/usr/bin/env bash
# Regenerates the options reference in docs/configuration.md from the option
# table (`aiperf config reference`). A test fails when they differ.
# Usage: scripts/update-options-doc.sh [path/to/aiperf]   (default: build/bin/aiperf)
set -euo pipefail
cd "$(dirname "$0")/.."
aiperf=${1:-build/bin/aiperf}
"$aiperf" config reference > docs/.options-reference.tmp
python3 - <<'PY'
import re
doc = open("docs/configuration.md").read()
ref = open("docs/.options-reference.tmp").read()
begin, end = "<!-- options:begin -->\n", "<!-- options:end -->"
a, b = doc.index(begin) + len(begin), doc.index(end)
open("docs/configuration.md", "w").write(doc[:a] + ref + doc[b:])
PY
rm docs/.options-reference.tmp
