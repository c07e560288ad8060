#!/usr/bin/env bash
# Whole-process `plugins list` of two aiperf binaries side by side with Python's
# entry_points, in one hyperfine run per manifest count, warm private discovery
# cache: the before/after figures of docs/performance.md ("Plugin discovery at
# 10,000 manifests"). CPU = user + sys (the cores are shared: wall times include
# waiting for one), and each aiperf's ratio to Python measured in the same run.
#
# Usage: bash bench/discovery_compare.sh BEFORE AFTER [COUNT...]   (default counts: 1000 10000)
# Environment: RUNS (default 30), PYTHON (default python3), DISCOVERY_BENCH
#   (a discovery_bench binary to generate manifests; default: AFTER's bin/discovery_bench).
set -euo pipefail
before=$(realpath "$1") after=$(realpath "$2")
shift 2
counts=("${@:-1000}")
(($# == 0)) && counts=(1000 10000)
runs=${RUNS:-30}
gen=${DISCOVERY_BENCH:-$(dirname "$after")/discovery_bench}
python=$("${PYTHON:-python3}" -c 'import sys; print(sys.executable)')
work=$(mktemp -d "${TMPDIR:-/tmp}/aiperf-discovery-compare.XXXXXX")
trap 'rm -rf "$work"' EXIT
chmod 0755 "$work"
mkdir -m 0755 "$work/empty"
export XDG_DATA_HOME=$work/empty XDG_CACHE_HOME=$work/cache  # no user plugins; a private cache
unset AIPERF_PLUGIN_PATH AIPERF_ALLOW_INSECURE_PLUGINS AIPERF_NO_DISCOVERY_CACHE

echo "date $(date -u '+%F %H:%M') UTC; $(nproc) cores; load $(cut -d' ' -f1-3 /proc/loadavg); $("$python" -V 2>&1)"
for n in "${counts[@]}"; do
  plugins=$work/plugins-$n site=$work/site-$n
  mkdir -m 0755 "$plugins" "$site"
  "$gen" --generate="$plugins" --manifests="$n" >/dev/null
  "$python" - "$site" "$n" <<'EOF'
import os, sys
site, count = sys.argv[1], int(sys.argv[2])
for i in range(1, count + 1):
    d = os.path.join(site, f"aiperf_bench_{i:04d}-1.0.0.dist-info")
    os.mkdir(d)
    open(os.path.join(d, "METADATA"), "w").write(
        f"Metadata-Version: 2.1\nName: aiperf-bench-{i:04d}\nVersion: 1.0.0\n")
    open(os.path.join(d, "entry_points.txt"), "w").write(
        f"[aiperf.plugins]\nphase_hook:bench_{i:04d} = bench_{i:04d}:Hook\n")
EOF
  # Both binaries must print the same bytes; then the cache is warm (files older than 2 s).
  "$before" --plugin-path "$plugins" plugins list >"$work/before.out" 2>&1
  "$after" --plugin-path "$plugins" plugins list >"$work/after.out" 2>&1
  cmp -s "$work/before.out" "$work/after.out" || { echo "error: outputs differ at $n" >&2; exit 1; }
  sleep 2.1
  "$before" --plugin-path "$plugins" plugins list >/dev/null 2>&1
  "$after" --plugin-path "$plugins" plugins list >/dev/null 2>&1
  py="$python -I -S -c \"import sys; sys.path.insert(0, '$site'); import importlib.metadata as m; m.entry_points(group='aiperf.plugins')\""
  hyperfine -N --warmup 3 --runs "$runs" --style none --export-json "$work/$n.json" \
    -n before "$before --plugin-path $plugins plugins list" \
    -n after "$after --plugin-path $plugins plugins list" \
    -n python "$py" -n "before --version" "$before --version" -n "after --version" "$after --version" >/dev/null
  "$python" - "$work/$n.json" "$n" <<'EOF'
import json, statistics, sys
res = {r["command"]: r for r in json.load(open(sys.argv[1]))["results"]}
cpu = {k: (r["user"] + r["system"]) * 1e3 for k, r in res.items()}
print(f"\n{int(sys.argv[2]):,} manifests ({len(res['after']['times'])} runs each; ms, means; wall = median)")
print(f"{'command':<18}{'CPU':>8}{'user':>8}{'sys':>8}{'wall':>8}{'Python/CPU':>12}")
for k, r in res.items():
    ratio = f"{cpu['python'] / cpu[k]:.1f}x" if "version" not in k and k != "python" else "-"
    print(f"{k:<18}{cpu[k]:8.1f}{r['user'] * 1e3:8.1f}{r['system'] * 1e3:8.1f}"
          f"{statistics.median(r['times']) * 1e3:8.1f}{ratio:>12}")
EOF
done
