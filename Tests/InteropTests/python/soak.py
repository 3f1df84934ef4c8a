"""A bounded soak of `agentbridge serve` on loopback: a mix of clients for SECONDS, with the
upstream killed now and then, and the server's memory, descriptors and children sampled.

    python soak.py --agentbridge /path/to/agentbridge --db PATH --key KEY --seconds 600 [--report FILE]

The database must hold the example manifests (agent `assistant`, exposed, bound to the reference
server started as a child of the server). Clients, all the official Python SDK 2.3.0:
  * 2026 HTTP clients calling `reference__echo` through `/mcp/agents/assistant` in a loop,
  * handshake-era (legacy) HTTP sessions doing the same,
  * 2026 HTTP clients running the agent (`run_agent` with a `/call`) through `/mcp`,
  * a stdio gateway (`agentbridge stdio --agent assistant`) restarted every minute.
Every 20 s the reference server child of `serve` is killed (SIGKILL); calls in flight may then get
a tool error (`isError`), which is counted but is not a protocol error. Anything else — a
JSON-RPC error, a transport failure, a malformed answer — is a protocol error.

At the end the clients stop, the sampled RSS curve is printed (and written to --report as
Markdown), and the script checks: zero protocol errors; RSS at the end within 25 % (+8 MiB) of
the RSS after warm-up; the server's open descriptors back within 16 of the warm-up count.
Prints "ok <check>"; a failed check prints "FAIL <check>: <why>" and exits 1.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import signal
import subprocess
import sys
import time
from typing import Any

from mcp import Client
from mcp.client.stdio import StdioServerParameters
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client

import subreaper


def ok(name: str) -> None:
    print(f"ok   {name}", flush=True)


def fail(name: str, why: str) -> None:
    print(f"FAIL {name}: {why}", flush=True)
    sys.exit(1)


def rss_kib(pid: int) -> int:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def fd_count(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


def children(pid: int) -> list[int]:
    found: list[int] = []
    for task in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{task}/children") as f:
                found += [int(p) for p in f.read().split()]
        except OSError:
            pass
    return found


def cmdline(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


class Counters:
    def __init__(self) -> None:
        self.calls = 0
        self.tool_errors = 0
        self.protocol_errors: list[str] = []
        self.runs = 0
        # Tool errors by client kind and text (numbers folded), with when each kind was first seen:
        # the summary says what failed, not only how often.
        self.error_kinds: dict[tuple[str, str], list[float]] = {}

    def tool_error(self, kind: str, text: str) -> None:
        self.tool_errors += 1
        folded = re.sub(r"[0-9]+(\.[0-9]+)?", "N", text)[:160]
        seen = self.error_kinds.setdefault((kind, folded), [0, time.time(), time.time()])
        seen[0] += 1
        seen[2] = time.time()


def text_of(r: Any) -> str:
    return "".join(getattr(b, "text", "") for b in r.content)


async def http_echo_loop(url: str, key: str, mode: str, stop: float, counters: Counters) -> None:
    while time.time() < stop:
        try:
            async with create_mcp_http_client(headers={"Authorization": f"Bearer {key}"}) as http, \
                    Client(streamable_http_client(url, http_client=http), mode=mode, read_timeout_seconds=60) as c:
                for _ in range(200):
                    if time.time() >= stop:
                        return
                    r = await c.call_tool("reference__echo", {"text": "soak"})
                    counters.calls += 1
                    if r.is_error:
                        counters.tool_error(f"{mode} echo", text_of(r))
                    elif "soak" not in "".join(getattr(b, "text", "") for b in r.content):
                        counters.protocol_errors.append(f"{mode} echo answered {r}")
        except Exception as e:  # noqa: BLE001
            counters.protocol_errors.append(f"{mode} http client: {type(e).__name__}: {e}")
            await asyncio.sleep(0.5)


async def run_loop(url: str, key: str, stop: float, counters: Counters) -> None:
    while time.time() < stop:
        try:
            async with create_mcp_http_client(headers={"Authorization": f"Bearer {key}"}) as http, \
                    Client(streamable_http_client(url, http_client=http), mode="auto", read_timeout_seconds=90) as c:
                for _ in range(50):
                    if time.time() >= stop:
                        return
                    r = await c.call_tool("run_agent", {"agent": "assistant", "message": '/call reference__echo {"text": "run"}',
                                                        "variables": {"team": "soak"}})
                    counters.runs += 1
                    status = (r.structured_content or {}).get("status")
                    if status == "completed" and not r.is_error:
                        continue
                    # A run whose tool call hit the upstream restart fails as a run: not a protocol error.
                    counters.tool_error("run_agent", f"{status}: {text_of(r)}")
        except Exception as e:  # noqa: BLE001
            counters.protocol_errors.append(f"run_agent client: {type(e).__name__}: {e}")
            await asyncio.sleep(0.5)


async def stdio_loop(agentbridge: str, db: str, stop: float, counters: Counters) -> None:
    while time.time() < stop:
        try:
            params = StdioServerParameters(command=agentbridge, args=["--db", db, "stdio", "--agent", "assistant"])
            async with Client(params, mode="auto", read_timeout_seconds=60) as c:
                until = min(stop, time.time() + 60)
                while time.time() < until:
                    r = await c.call_tool("reference__echo", {"text": "stdio"})
                    counters.calls += 1
                    if r.is_error:
                        counters.tool_error("stdio echo", text_of(r))
        except Exception as e:  # noqa: BLE001
            counters.protocol_errors.append(f"stdio gateway: {type(e).__name__}: {e}")
            await asyncio.sleep(0.5)


async def killer(server_pid: int, stop: float, kills: list[float]) -> None:
    await asyncio.sleep(10)
    while time.time() < stop - 5:
        for child in children(server_pid):
            if "reference-server" in cmdline(child):
                os.kill(child, signal.SIGKILL)
                kills.append(time.time())
        await asyncio.sleep(20)


async def sampler(server_pid: int, stop: float, samples: list[tuple[float, int, int, int]], start: float) -> None:
    while time.time() < stop:
        samples.append((time.time() - start, rss_kib(server_pid), fd_count(server_pid), len(children(server_pid))))
        await asyncio.sleep(5)


async def main_async(args: argparse.Namespace) -> int:
    # Whatever the server's tree orphans is re-parented to this script (see subreaper.py), so the
    # orphan check below is about this server alone.
    subreaper.prctl(subreaper.PR_SET_CHILD_SUBREAPER, 1)
    server = subprocess.Popen(
        [args.agentbridge, "--db", args.db, "serve", "--listen", "127.0.0.1:0", "--no-access-log", "--manifests", "none"],
        stderr=subprocess.PIPE, stdout=subprocess.DEVNULL)
    base = None
    deadline = time.time() + 30
    assert server.stderr is not None
    while time.time() < deadline and base is None:
        line = server.stderr.readline().decode()
        if "serving MCP on " in line:
            base = line.split("serving MCP on ")[1].strip().removesuffix("/mcp")
    if base is None:
        server.kill()
        fail("server starts", "no address printed")
    # Keep draining stderr so the server never blocks on a full pipe.
    asyncio.get_running_loop().run_in_executor(None, lambda: [None for _ in iter(server.stderr.readline, b"")])

    start = time.time()
    stop = start + args.seconds
    counters = Counters()
    samples: list[tuple[float, int, int, int]] = []
    kills: list[float] = []
    gateway = f"{base}/mcp/agents/assistant"
    tasks = [
        http_echo_loop(gateway, args.key, "auto", stop, counters),
        http_echo_loop(gateway, args.key, "auto", stop, counters),
        http_echo_loop(gateway, args.key, "legacy", stop, counters),
        run_loop(f"{base}/mcp", args.key, stop, counters),
        stdio_loop(args.agentbridge, args.db, stop, counters),
        killer(server.pid, stop, kills),
        sampler(server.pid, stop, samples, start),
    ]
    await asyncio.gather(*tasks)
    # Let the last connections and sessions close (up to 15 s): a leak stays, live state goes.
    fds = fd_count(server.pid)
    settle = time.time() + 15
    while time.time() < settle:
        await asyncio.sleep(0.5)
        fds = min(fds, fd_count(server.pid))
        if fds <= samples[0][2] + 16:
            break
    final = (time.time() - start, rss_kib(server.pid), fds, len(children(server.pid)))
    open_fds: dict[str, int] = {}
    for fd in os.listdir(f"/proc/{server.pid}/fd"):
        try:
            target = os.readlink(f"/proc/{server.pid}/fd/{fd}")
        except OSError:
            continue
        kind = target.split(":")[0] if ":" in target else target
        open_fds[kind] = open_fds.get(kind, 0) + 1
    samples.append(final)
    server.send_signal(signal.SIGTERM)
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.kill()
        fail("server stops on SIGTERM", "still running after 30 s")

    # The server was reaped above: any child of ours now is an orphan of its tree, alive or not.
    leftovers = [f"{p} {subreaper.cmdline(p)}" for p in subreaper.children()]
    for p in subreaper.children():
        try:
            os.kill(p, signal.SIGKILL)
            os.waitpid(p, 0)
        except OSError:
            pass
    warm = next((s for s in samples if s[0] >= min(30, args.seconds / 3)), samples[0])
    lines = ["| t (s) | RSS (MiB) | open fds | children |", "|---:|---:|---:|---:|"]
    lines += [f"| {t:.0f} | {rss / 1024:.1f} | {fds} | {kids} |" for t, rss, fds, kids in samples]
    summary = (f"{counters.calls} tool calls, {counters.runs} runs, {counters.tool_errors} tool errors during "
               f"{len(kills)} upstream kills, {len(counters.protocol_errors)} protocol errors over {args.seconds} s")
    kinds = sorted(counters.error_kinds.items(), key=lambda item: -item[1][0])
    errors = [f"  {count} × {kind} at {first - start:.0f}–{last - start:.0f} s: {text}" for (kind, text), (count, first, last) in kinds[:12]]
    if errors:
        summary += "\ntool errors by kind (kills at " + ", ".join(f"{k - start:.0f}" for k in kills) + " s):\n" + "\n".join(errors)
    print("\n".join(lines), flush=True)
    print(summary, flush=True)
    if args.report:
        with open(args.report, "w") as f:
            f.write(summary + "\n\n" + "\n".join(lines) + "\n")

    if counters.protocol_errors:
        fail("zero protocol errors", "; ".join(counters.protocol_errors[:5]))
    ok(f"zero protocol errors ({summary.splitlines()[0]})")
    if counters.calls < 10 or counters.runs < 1:
        fail("the clients made progress", summary.splitlines()[0])
    if final[1] > warm[1] * 1.25 + 8 * 1024:
        fail("RSS stays flat", f"{warm[1] / 1024:.1f} MiB after warm-up, {final[1] / 1024:.1f} MiB at the end")
    ok(f"RSS stays flat ({warm[1] / 1024:.1f} → {final[1] / 1024:.1f} MiB)")
    if final[2] > warm[2] + 16:
        fail("no leaked descriptors", f"{warm[2]} after warm-up, {final[2]} at the end: {open_fds}")
    ok(f"no leaked descriptors ({warm[2]} → {final[2]}: {open_fds})")
    if leftovers:
        fail("no orphaned upstream processes after shutdown", f"{leftovers}")
    ok("no orphaned upstream processes after shutdown")
    return 0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--agentbridge", required=True)
    parser.add_argument("--db", required=True)
    parser.add_argument("--key", required=True)
    parser.add_argument("--seconds", type=int, default=600)
    parser.add_argument("--report")
    args = parser.parse_args()
    sys.exit(asyncio.run(main_async(args)))


if __name__ == "__main__":
    main()
