#!/usr/bin/env bash
# Plugin discovery speed, as issue 2 ("Speed") asks, reproduced in one run:
#   1. builds discovery_bench and aiperf (Release) if needed;
#   2. generates N (default 1,000) plugin manifests in a temporary directory;
#   3. runs discovery_bench over them: discover vs. open+read of the same files;
#   4. times Python's importlib.metadata.entry_points(group="aiperf.plugins")
#      over N fake installed distributions, in-process;
#   5. times whole processes with hyperfine: `aiperf plugins list` with the N
#      manifests, `aiperf --version`, `cat` of the N files, and the Python
#      equivalent;
#   6. prints a summary against the targets (>= 10x faster than Python's
#      entry_points, <= 2x of the raw read).
#
# Usage: bash bench/discovery.sh
# Environment (all optional):
#   AIPERF_BENCH_BUILD_DIR     build directory (default: <repo>/build-bench)
#   AIPERF_BENCH_CMAKE_ARGS    extra arguments for the first configure
#   AIPERF_BENCH_MANIFESTS     number of manifests / distributions (default 1000)
#   AIPERF_BENCH_REPETITIONS   repetitions of each in-process measurement (default 15)
#   AIPERF_BENCH_RESULTS       where the JSON results are kept
#                              (default: <build dir>/bench-results/discovery)
#   PYTHON                     the Python to compare with (default: python3)
#   JOBS                       build parallelism (default: 2)
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${AIPERF_BENCH_BUILD_DIR:-$root/build-bench}
count=${AIPERF_BENCH_MANIFESTS:-1000}
reps=${AIPERF_BENCH_REPETITIONS:-15}
results=${AIPERF_BENCH_RESULTS:-$build/bench-results/discovery}
jobs=${JOBS:-2}

say() { printf '\n== %s\n' "$*"; }

# ---- 1. build ---------------------------------------------------------------
say "build ($build)"
if [[ ! -f $build/CMakeCache.txt ]]; then
  generator=()
  command -v ninja >/dev/null && generator=(-G Ninja)
  # shellcheck disable=SC2086  # extra arguments are meant to be split
  cmake -S "$root" -B "$build" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release \
    -DAIPERF_BUILD_BENCH=ON ${AIPERF_BENCH_CMAKE_ARGS:-}
elif ! grep -q '^AIPERF_BUILD_BENCH:BOOL=ON' "$build/CMakeCache.txt"; then
  cmake -S "$root" -B "$build" -DAIPERF_BUILD_BENCH=ON
fi
build_type=$(sed -n 's/^CMAKE_BUILD_TYPE:[A-Z]*=//p' "$build/CMakeCache.txt")
if [[ $build_type != Release ]]; then
  echo "warning: $build is a '$build_type' build; figures are meant for Release" >&2
fi
cmake --build "$build" -j"$jobs" --target discovery_bench aiperf
bench_bin=$build/bin/discovery_bench
aiperf_bin=$build/bin/aiperf
if [[ ! -x $bench_bin ]]; then
  echo "error: $bench_bin was not built (is libbenchmark-dev installed?)" >&2
  exit 1
fi

# ---- 2. manifests -------------------------------------------------------------
work=$(mktemp -d "${TMPDIR:-/tmp}/aiperf-discovery.XXXXXX")
trap 'rm -rf "$work"' EXIT
plugins=$work/plugins
site=$work/site
empty=$work/empty
mkdir -p "$plugins" "$site" "$empty"
# Discovery refuses world-writable directories; do not depend on the umask.
chmod 0755 "$work" "$plugins" "$empty"
mkdir -p "$results"
say "generate $count manifests"
"$bench_bin" --generate="$plugins" --manifests="$count"

# `plugins list` must see exactly these plugins: no user or environment plugins.
export XDG_DATA_HOME=$empty
# A private discovery cache: the shared ~/.cache one is rewritten by every other
# aiperf run on the machine (other directories), which would make "warm" a lottery.
export XDG_CACHE_HOME=$work/cache
unset AIPERF_PLUGIN_PATH AIPERF_ALLOW_INSECURE_PLUGINS

listed=$("$aiperf_bin" --plugin-path "$plugins" plugins list --json |
  python3 -c 'import json,sys; d=json.load(sys.stdin); print(sum(p["source"]=="plugin" for p in d["plugins"]), len(d["errors"]))')
read -r listed_plugins listed_errors <<<"$listed"
echo "aiperf plugins list: $listed_plugins plugins, $listed_errors errors"
if ((listed_plugins < count || listed_errors != 0)); then
  echo "error: aiperf did not list the $count generated plugins cleanly" >&2
  exit 1
fi

# ---- 3. in-process discovery vs raw read --------------------------------------------
say "discovery_bench ($reps repetitions, interleaved; medians)"
"$bench_bin" --manifest_dir="$plugins" \
  --benchmark_repetitions="$reps" --benchmark_enable_random_interleaving=true \
  --benchmark_display_aggregates_only=true --benchmark_color=false \
  --benchmark_out="$results/discovery_bench.json" --benchmark_out_format=json

# ---- 4. Python importlib.metadata.entry_points ---------------------------------------------
python=$("${PYTHON:-python3}" -c 'import sys; print(sys.executable)')  # past any pyenv shim
say "Python entry_points over $count distributions ($("$python" -V 2>&1))"
"$python" - "$site" "$count" <<'EOF'
import os, sys
site, count = sys.argv[1], int(sys.argv[2])
for i in range(1, count + 1):
    d = os.path.join(site, f"aiperf_bench_{i:04d}-1.0.0.dist-info")
    os.mkdir(d)
    with open(os.path.join(d, "METADATA"), "w") as f:
        f.write(f"Metadata-Version: 2.1\nName: aiperf-bench-{i:04d}\nVersion: 1.0.0\n"
                f"Summary: benchmark plugin {i}\n")
    with open(os.path.join(d, "entry_points.txt"), "w") as f:
        f.write(f"[aiperf.plugins]\nphase_hook:bench_{i:04d} = bench_{i:04d}:Hook\n")
    with open(os.path.join(d, "RECORD"), "w") as f:
        f.write("")
EOF
# -I -S: no user or system site-packages, so exactly the generated distributions
# are installed (plus the standard library directories, which Python also scans).
entry_points_py='
import importlib, json, statistics, sys, time
site, count, reps, out = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
sys.path.insert(0, site)
import importlib.metadata as md

def once(clear):
    if clear:
        importlib.invalidate_caches()  # drops importlib.metadata path caches
    wall, cpu = time.perf_counter(), time.process_time()
    eps = md.entry_points(group="aiperf.plugins")
    wall, cpu = (time.perf_counter() - wall) * 1e3, (time.process_time() - cpu) * 1e3
    assert len(eps) == count, f"found {len(eps)} entry points, expected {count}"
    return wall, cpu

first = once(True)
cold = [once(True) for _ in range(reps)]
warm = [once(False) for _ in range(reps)]
med = lambda runs, i: statistics.median(r[i] for r in runs)
res = {"python": sys.version.split()[0], "distributions": count,
       "first_ms": first[0], "first_cpu_ms": first[1],
       "cold_median_ms": med(cold, 0), "cold_median_cpu_ms": med(cold, 1),
       "cold_min_ms": min(r[0] for r in cold),
       "warm_median_ms": med(warm, 0), "warm_median_cpu_ms": med(warm, 1),
       "cold_ms": [r[0] for r in cold], "warm_ms": [r[0] for r in warm]}
json.dump(res, open(out, "w"), indent=2)
print(f"first call {first[0]:.2f} ms; caches cleared: median {med(cold, 0):.2f} ms "
      f"(CPU {med(cold, 1):.2f}); repeated: median {med(warm, 0):.2f} ms")
'
"$python" -I -S -c "$entry_points_py" "$site" "$count" "$reps" "$results/python_entry_points.json"

# ---- 5. whole processes ---------------------------------------------------------------------
if command -v hyperfine >/dev/null; then
  say "whole processes (hyperfine --warmup 3 -N)"
  # One argument per file while it fits; beyond a few thousand files the command
  # line would exceed the kernel's limit for one argument, so a shell expands them.
  cat_cmd="cat $plugins/*.aiperf-plugin.json"
  if ((count <= 2000)); then
    manifest_files=("$plugins"/*.aiperf-plugin.json)
    cat_cmd="cat ${manifest_files[*]}"
  fi
  py_cmd="$python -I -S -c \"import sys; sys.path.insert(0, '$site'); import importlib.metadata as m; m.entry_points(group='aiperf.plugins')\""
  hyperfine --warmup 3 -N --style basic --export-json "$results/processes.json" \
    -n "aiperf plugins list ($count plugins)" "$aiperf_bin --plugin-path $plugins plugins list" \
    -n "aiperf plugins list --json ($count plugins)" "$aiperf_bin --plugin-path $plugins plugins list --json" \
    -n "aiperf plugins list (no plugin dir)" "$aiperf_bin --plugin-path $empty plugins list" \
    -n "aiperf --version" "$aiperf_bin --version" \
    -n "cat $count manifests" "$(if ((count <= 2000)); then echo "$cat_cmd"; else echo "sh -c '$cat_cmd'"; fi)" \
    -n "python entry_points ($count dists)" "$py_cmd" \
    -n "python -I -S -c pass" "$python -I -S -c pass"
else
  echo "hyperfine not found (Debian: apt-get install hyperfine); skipping whole-process timings" >&2
fi

# ---- 6. summary -------------------------------------------------------------------------------
say "summary ($(date -u +%F), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg))"
if awk -v n="$(nproc)" '{exit !($1 > n / 2)}' /proc/loadavg; then
  echo "note: the machine is busy; wall times include waiting for a core, CPU times do not"
fi
python3 - "$results" "$count" <<'EOF'
import json, os, sys
results, count = sys.argv[1], int(sys.argv[2])

def load(name):
    path = os.path.join(results, name)
    return json.load(open(path)) if os.path.exists(path) else None

scale = {"ns": 1e-6, "us": 1e-3, "ms": 1.0, "s": 1e3}
wall, cpu = {}, {}
for b in load("discovery_bench.json")["benchmarks"]:
    if b.get("aggregate_name") == "median":
        name = b["run_name"].split("/")[0]
        wall[name] = b["real_time"] * scale[b["time_unit"]]
        cpu[name] = b["cpu_time"] * scale[b["time_unit"]]
py = load("python_entry_points.json")
procs = (load("processes.json") or {"results": []})["results"]

rows = [("measure", "wall ms", "CPU ms", "note")]
def row(what, w, c, note=""):
    rows.append((what, w if isinstance(w, str) else f"{w:.2f}",
                 c if isinstance(c, str) else f"{c:.2f}", note))
def bench_row(what, name, note):
    if name in wall:
        row(what, wall[name], cpu[name], note)

bench_row("discovery, in-process (discover)", "BM_Discover", "median of repetitions")
bench_row("raw read (list + open/read/close)", "BM_RawRead", "same run")
ratio, ratio_cpu = wall["BM_Discover"] / wall["BM_RawRead"], cpu["BM_Discover"] / cpu["BM_RawRead"]
row("discover / raw read", f"{ratio:.2f}x", f"{ratio_cpu:.2f}x",
    "target <= 2x: " + ("met" if max(ratio, ratio_cpu) <= 2 else "NOT met"))
bench_row("  read_manifest only", "BM_ReadManifest", "read + parse + validate")
bench_row("  parse_manifest only", "BM_ParseManifest", "texts already in memory")
bench_row("  trust checks only", "BM_TrustChecks", "2 stat() per manifest")
bench_row("  register_lazy only", "BM_RegisterLazy", "manifests already parsed")
bench_row("  list + stat only", "BM_StatOnly", "floor of a path/size/mtime cache")
bench_row("  simdjson DOM parse", "BM_SimdjsonParse", "same texts, fields extracted")
row(f"Python {py['python']} entry_points", py["cold_median_ms"], py["cold_median_cpu_ms"],
    f"caches cleared; first call {py['first_ms']:.2f}, repeated {py['warm_median_ms']:.2f}")
speedup = py["cold_median_ms"] / wall["BM_Discover"]
speedup_cpu = py["cold_median_cpu_ms"] / cpu["BM_Discover"]
row("speed-up vs Python", f"{speedup:.1f}x", f"{speedup_cpu:.1f}x",
    "target >= 10x: " + ("met" if min(speedup, speedup_cpu) >= 10 else "NOT met"))
row("speed-up vs the issue's 44 ms", f"{44.0 / wall['BM_Discover']:.1f}x", "-", "")
for r in procs:
    user_sys = (r["user"] + r["system"]) * 1e3
    row(f"process: {r['command']}", r["median"] * 1e3, user_sys,
        f"hyperfine median of {len(r['times'])}; CPU = mean user+sys")
widths = [max(len(r[i]) for r in rows) for i in range(3)]
for what, w, c, note in rows:
    print(f"{what:<{widths[0]}}  {w:>{widths[1]}}  {c:>{widths[2]}}  {note}")
print(f"\nJSON results: {results}")
EOF
