"""Load test of `agentbridge serve` with wrk (standard library only; needs the `wrk` binary).

    python3 load_test.py --url http://127.0.0.1:PORT/mcp --pid PID [--token T]
                         [--connections 1,16,64] [--duration 5] [--threads N] [--sample 5]
    python3 load_test.py [options] --serve -- agentbridge serve --listen 127.0.0.1:0 --no-access-log

For each connection count, wrk runs stateless 2026-07-28 `tools/call echo` POSTs against /mcp
(wrk_tools_call.lua) for --duration seconds. Every run must have zero socket errors (connect,
read, write, timeout), zero non-2xx statuses and zero bad bodies (the lua checks every body), and
the server must still answer afterwards. The server's RSS (from /proc/PID/status, so --pid or
--serve is needed for it) is reported before and after each run and, with --sample S, every S
seconds during a run (for the flat-memory check of a long run). The script stops by itself: each
wrk run is killed after duration + 30 s. Exit status 0 = all runs clean; 1 = a failure; 77 = wrk
is not installed.
"""

from __future__ import annotations

import http.client
import json
import os
import shutil
import subprocess
import sys
import threading
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from common import parse_args  # noqa: E402

LUA = os.path.join(HERE, "wrk_tools_call.lua")


def rss_kib(pid: int | None) -> int | None:
    if pid is None:
        return None
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def mib(kib: int | None) -> str:
    return "n/a" if kib is None else f"{kib / 1024:.1f} MiB"


def take_opts(argv: list[str], names: dict[str, str]) -> tuple[dict[str, str], list[str]]:
    """Pulls `--name value` options this script adds on top of common.parse_args."""
    out: dict[str, str] = {}
    rest: list[str] = []
    i = 0
    while i < len(argv):
        if argv[i] == "--":
            rest += argv[i:]
            break
        if argv[i] in names and i + 1 < len(argv):
            out[names[argv[i]]] = argv[i + 1]
            i += 2
            continue
        rest.append(argv[i])
        i += 1
    return out, rest


def smoke(url: str, token: str | None) -> str:
    """One tools/call echo and /readyz after the load: the server must still be healthy."""
    u = urllib.parse.urlsplit(url)
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {
        "name": "echo", "arguments": {"text": "after load"},
        "_meta": {"io.modelcontextprotocol/protocolVersion": "2026-07-28", "io.modelcontextprotocol/clientCapabilities": {}}}})
    headers = {"Content-Type": "application/json", "Accept": "application/json, text/event-stream",
               "MCP-Protocol-Version": "2026-07-28", "Mcp-Method": "tools/call", "Mcp-Name": "echo"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=10)
    try:
        conn.request("POST", u.path, body=body, headers=headers)
        r = conn.getresponse()
        data = r.read()
        if r.status != 200 or b"after load" not in data:
            return f"echo after the load: {r.status} {data[:200]!r}"
        conn.request("GET", "/readyz")
        r = conn.getresponse()
        r.read()
        if r.status != 200:
            return f"/readyz after the load: {r.status}"
    finally:
        conn.close()
    return ""


def main() -> int:
    extra, argv = take_opts(sys.argv[1:], {"--connections": "connections", "--duration": "duration",
                                           "--threads": "threads", "--sample": "sample"})
    sys.argv = [sys.argv[0]] + argv
    args = parse_args("load_test.py [--connections 1,16,64] [--duration S] [--threads N] [--sample S] "
                      "(--url URL [--pid PID] | --serve -- CMD...) [--token T]", transports="http")
    wrk = shutil.which("wrk")
    if wrk is None:
        print("SKIP load_test.py: wrk is not installed (Debian/Ubuntu: apt-get install wrk)", flush=True)
        return 77
    assert args.url is not None
    connections = [int(c) for c in extra.get("connections", "1,16,64").split(",")]
    duration = int(extra.get("duration", "5"))
    sample = float(extra.get("sample", "0"))
    cpus = os.cpu_count() or 2
    failures: list[str] = []
    start_rss = rss_kib(args.pid)
    print(f"load_test.py: {args.url} pid {args.pid or '?'}; RSS before: {mib(start_rss)}; "
          f"{duration}s per run at {connections} connections", flush=True)
    env = dict(os.environ)
    env["MCP_PATH"] = urllib.parse.urlsplit(args.url).path or "/mcp"
    if args.token:
        env["MCP_TOKEN"] = args.token
    for c in connections:
        threads = int(extra.get("threads", "0")) or max(1, min(c, cpus // 2 or 1, 8))
        before = rss_kib(args.pid)
        samples: list[tuple[float, int | None]] = []
        stop = threading.Event()

        def sampler() -> None:
            t0 = time.monotonic()
            while not stop.wait(sample):
                samples.append((time.monotonic() - t0, rss_kib(args.pid)))
                print(f"     t={samples[-1][0]:5.1f}s RSS {mib(samples[-1][1])}", flush=True)

        sampler_thread = threading.Thread(target=sampler, daemon=True) if sample > 0 else None
        if sampler_thread:
            sampler_thread.start()
        cmd = [wrk, "-t", str(threads), "-c", str(c), "-d", f"{duration}s", "--timeout", "5s", "-s", LUA, args.url]
        try:
            proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=duration + 30)
        except subprocess.TimeoutExpired:
            failures.append(f"{c} connections: wrk did not finish within {duration + 30}s")
            stop.set()
            continue
        finally:
            stop.set()
        after = rss_kib(args.pid)
        line = next((ln for ln in proc.stdout.splitlines() if ln.startswith("WRKJSON ")), None)
        if proc.returncode != 0 or line is None:
            failures.append(f"{c} connections: wrk exited {proc.returncode}:\n{proc.stdout}\n{proc.stderr}")
            print(f"FAIL {c} connections: wrk exited {proc.returncode}", flush=True)
            continue
        s = json.loads(line[len("WRKJSON "):])
        secs = s["duration_us"] / 1e6
        rps = s["requests"] / secs if secs else 0.0
        errors = {k: s[k] for k in ("err_connect", "err_read", "err_write", "err_timeout", "err_status", "bad_bodies") if s[k]}
        verdict = "ok  " if not errors and s["requests"] > 0 else "FAIL"
        print(f"{verdict} {c:3d} connections x {threads} threads: {s['requests']} requests in {secs:.1f}s = {rps:,.0f} req/s; "
              f"latency p50 {s['p50_us'] / 1000:.2f} ms, p99 {s['p99_us'] / 1000:.2f} ms, max {s['max_us'] / 1000:.1f} ms; "
              f"RSS {mib(before)} -> {mib(after)}", flush=True)
        if errors or s["requests"] == 0:
            failures.append(f"{c} connections: errors {errors}" + (f"; first bad body: {s['first_bad']}" if s["first_bad"] else ""))
        problem = smoke(args.url, args.token)
        if problem:
            failures.append(f"after {c} connections: {problem}")
    end_rss = rss_kib(args.pid)
    print(f"load_test.py: RSS before {mib(start_rss)}, after {mib(end_rss)}", flush=True)
    if failures:
        for f in failures:
            print(f"FAIL {f}", flush=True)
        return 1
    print(f"load_test.py: all {len(connections)} runs clean (no socket errors, no non-2xx, every body checked)", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
