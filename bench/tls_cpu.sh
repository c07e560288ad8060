#!/usr/bin/env bash
# Client CPU per request over TLS against plain HTTP (issue 10), in the same run and through the same
# server: nginx (Debian) with a TLS and a plain listener, both proxying to aiperf-mock-server --fast.
# Then the cost of a new connection: --connection-reuse-strategy never (connect + TLS 1.3 handshake,
# resumed by default, for every request) against pooled keep-alive.
# Usage: bash bench/tls_cpu.sh   (AIPERF_BENCH_BUILD_DIR=build to use an existing build)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
start_mock --fast
nginx_bin=$(command -v nginx || echo /usr/sbin/nginx)
[ -x "$nginx_bin" ] || { echo "nginx is not installed (scripts/install-deps.sh)"; exit 1; }

free_port() { python3 -c "import socket; s=socket.socket(); s.bind(('127.0.0.1',0)); print(s.getsockname()[1])"; }
tls_port=$(free_port)
plain_port=$(free_port)
n=${N:-5000}
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 -subj /CN=localhost \
  -addext subjectAltName=DNS:localhost -keyout "$work/key.pem" -out "$work/cert.pem" 2>/dev/null
location="location / { proxy_pass http://127.0.0.1:$port; proxy_http_version 1.1; proxy_set_header Connection \"\"; proxy_buffering off; }"
cat >"$work/nginx.conf" <<CONF
daemon off; master_process off; worker_processes 1; pid $work/nginx.pid; error_log $work/error.log warn;
events { worker_connections 4096; }
http {
  access_log off; keepalive_requests 1000000;
  client_body_temp_path $work/cb; proxy_temp_path $work/px; fastcgi_temp_path $work/fc; uwsgi_temp_path $work/uw; scgi_temp_path $work/sc;
  upstream mock { server 127.0.0.1:$port; keepalive 64; }
  server { listen 127.0.0.1:$tls_port ssl; ssl_protocols TLSv1.3; ssl_certificate $work/cert.pem; ssl_certificate_key $work/key.pem; $location }
  server { listen 127.0.0.1:$plain_port; $location }
}
CONF
"$nginx_bin" -p "$work" -c "$work/nginx.conf" -e "$work/error.log" &
nginx_pid=$!
trap 'kill $nginx_pid 2>/dev/null; stop_mock; rm -rf "$work"' EXIT
for _ in $(seq 100); do (echo >/dev/tcp/127.0.0.1/$tls_port) 2>/dev/null && break; sleep 0.1; done

cpu() { /usr/bin/time -f "%U %S" -o "$work/time" "$@" >"$work/cmd.out" 2>"$work/cmd.err"; awk '{print $1 + $2}' "$work/time"; }
# run NAME URL REUSE: CPU seconds of one aiperf run of $n non-streaming completions at concurrency 16.
run() {
  cpu "$aiperf" profile -m bench -u "$2" --ssl-ca-file "$work/cert.pem" --endpoint-type completions \
    --concurrency 16 --request-count "$n" --isl 16 --osl 16 --connection-reuse-strategy "$3" \
    --ui none --artifact-dir "$work/$1"
}
plain_pooled=$(run plain_pooled "http://127.0.0.1:$plain_port" pooled)
tls_pooled=$(run tls_pooled "https://localhost:$tls_port" pooled)
plain_never=$(run plain_never "http://127.0.0.1:$plain_port" never)
tls_never=$(run tls_never "https://localhost:$tls_port" never)
handshake=$(json "$work/tls_never/profile_export_aiperf.json" "'p50 %.3f ms, p90 %.3f ms, resumed %d of %d' % (d['tls_handshake_time']['p50'], d['tls_handshake_time']['p90'], d['transport']['tls_sessions_resumed'], d['transport']['new_connections'])")

python3 - "$n" "$plain_pooled" "$tls_pooled" "$plain_never" "$tls_never" "$handshake" <<'PY'
import sys
n = float(sys.argv[1]); pp, tp, pn, tn = (float(x) for x in sys.argv[2:6])
us = lambda s: s / n * 1e6
print(f"{int(n)} requests each, concurrency 16, through nginx to the mock (--fast)")
print(f"pooled keep-alive: plain {us(pp):.1f} us/request, TLS {us(tp):.1f} us/request, TLS/plain {tp / pp:.2f}")
print(f"never (new connection per request): plain {us(pn):.1f} us/request, TLS {us(tn):.1f} us/request, TLS/plain {tn / pn:.2f}")
print(f"client CPU of a new connection: plain connect {us(pn - pp):.1f} us, TLS connect+handshake {us(tn - tp):.1f} us")
print(f"TLS handshake wall time (tls_handshake_time): {sys.argv[6]}")
PY
