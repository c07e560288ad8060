#!/usr/bin/env python3
"""Holds N concurrent streaming requests against a running aiperf-mock-server.

Usage: concurrent_streams.py PORT N [MAX_TOKENS]
Every client connects, then all send one streaming chat request at once; the
script checks that every stream delivers MAX_TOKENS content events and
[DONE], then prints the server's /mock/stats (peak_in_flight proves how many
were open at the same time). Start the server with a TTFT long enough for all
clients to be in flight together, e.g. --ttft 3000 --itl 20.
"""
import asyncio
import json
import sys
import time
import urllib.request


async def one(port, body, start, results):
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    await start.wait()
    writer.write(
        b"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b"Connection: close\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body))
    await writer.drain()
    data = await reader.read()  # until the server closes (Connection: close)
    writer.close()
    results.append(data)


async def main(port, n, max_tokens):
    body = json.dumps({"model": "m", "stream": True, "max_tokens": max_tokens,
                       "messages": [{"role": "user", "content": "hello"}]}).encode()
    start = asyncio.Event()
    results = []
    tasks = [asyncio.create_task(one(port, body, start, results)) for _ in range(n)]
    await asyncio.sleep(0.5 + n / 2000)  # let every client connect
    t0 = time.monotonic()
    start.set()
    outcomes = await asyncio.gather(*tasks, return_exceptions=True)
    elapsed = time.monotonic() - t0
    errors = [o for o in outcomes if isinstance(o, Exception)]
    good = sum(1 for r in results
               if r.startswith(b"HTTP/1.1 200") and r.count(b'"content"') == max_tokens
               and b"data: [DONE]" in r and r.endswith(b"0\r\n\r\n"))
    stats = json.load(urllib.request.urlopen(f"http://127.0.0.1:{port}/mock/stats"))
    print(f"streams={n} complete_and_correct={good} client_errors={len(errors)} "
          f"wall={elapsed:.2f}s server_stats={json.dumps(stats)}")
    if errors:
        print("first error:", repr(errors[0]))
    return 0 if good == n else 1


if __name__ == "__main__":
    port, n = int(sys.argv[1]), int(sys.argv[2])
    max_tokens = int(sys.argv[3]) if len(sys.argv) > 3 else 50
    sys.exit(asyncio.run(main(port, n, max_tokens)))
