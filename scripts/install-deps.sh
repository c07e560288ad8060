#!/usr/bin/env bash
# Installs the Debian 12 packages aiperf needs to build, test and demo.
# Does nothing when they are all present. Uses sudo when not root.
set -euo pipefail

packages=(
  g++ cmake ninja-build pkg-config python3
  libgtest-dev libgmock-dev libbenchmark-dev
  nlohmann-json3-dev libsimdjson-dev libyaml-cpp-dev libcli11-dev
  libspdlog-dev libfmt-dev libexpected-dev
  libboost-dev libboost-system-dev libcurl4-openssl-dev
  prometheus-cpp-dev prometheus-pushgateway prometheus prometheus-node-exporter python3-prometheus-client
  clang-14 libfuzzer-14-dev
  wrk hyperfine ccache
  nghttp2-client valgrind
  libssl-dev openssl nginx-light zlib1g-dev
  libpcre2-dev libicu-dev
  fortunes-zh
  librsvg2-dev chromium
  libopenmpi-dev openmpi-bin
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
echo "installing: ${missing[*]}"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
$sudo apt-get update -q
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
