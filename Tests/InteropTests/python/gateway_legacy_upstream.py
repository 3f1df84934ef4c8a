"""Era translation through `agentbridge stdio --agent era-mix`, driven by the official SDK 2.3.0.

    python gateway_legacy_upstream.py --db PATH -- /path/to/agentbridge
    python gateway_legacy_upstream.py --url http://127.0.0.1:PORT/mcp/agents/era-mix

(stdio: `agentbridge stdio --agent era-mix`; HTTP: a running `agentbridge serve`).

The agent binds two real upstreams: `old` (FastMCP from `mcp<2`, handshake era only: its
`ask_name` sends elicitation/create mid-call) and `new` (the 2.3.0 MCPServer, 2026 era: `whoami`
asks with an input_required result). The caller runs once in each era (`auto` ends 2026,
`legacy` stays on the handshake), so every pairing is crossed: an upstream's question reaches the
person behind the caller (our elicitation callback) and the answer reaches the upstream, in
whatever form each side speaks. A caller that declared no elicitation capability gets the
upstream's default (declined), and the call still completes. Prints "ok <check>"; the first
failure prints "FAIL <check>: <why>" and exits 1.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import Any

from mcp import Client, types
from mcp.client.stdio import StdioServerParameters


def fail(name: str, why: str) -> None:
    print(f"FAIL {name}: {why}", flush=True)
    sys.exit(1)


def ok(name: str) -> None:
    print(f"ok   {name}", flush=True)


def text_of(r: types.CallToolResult) -> str:
    return "\n".join(getattr(b, "text", "") for b in r.content)


async def run(args: argparse.Namespace) -> None:
    asked: list[str] = []

    async def elicit(ctx: Any, params: Any) -> types.ElicitResult:
        asked.append(params.message)
        return types.ElicitResult(action="accept", content={"name": "ada"})

    def client(mode: str, callback: Any) -> Client:
        if args.url:
            return Client(args.url, mode=mode, elicitation_callback=callback, read_timeout_seconds=60)
        params = StdioServerParameters(command=args.command[0], args=args.command[1:] + ["stdio", "--agent", "era-mix", "--db", args.db])
        return Client(params, mode=mode, elicitation_callback=callback, read_timeout_seconds=60)

    for mode in ["auto", "legacy"]:
        async with client(mode, elicit) as c:
            names = sorted(t.name for t in (await c.list_tools()).tools)
            if names != ["new__whoami", "old__add", "old__ask_name"]:
                fail(f"[{mode}] allowed tools of both upstreams", f"got {names}")
            r = await c.call_tool("old__add", {"a": 2, "b": 40})
            if r.is_error or "42" not in text_of(r):
                fail(f"[{mode}] a legacy-only upstream serves the caller", f"{r}")
            ok(f"[{mode}] a legacy-only upstream (handshake era) serves the caller through the binding")

            before = len(asked)
            r = await c.call_tool("old__ask_name", {})
            if r.is_error or text_of(r) != "hello ada" or len(asked) != before + 1 or "What is your name?" not in asked[-1]:
                fail(f"[{mode}] a handshake upstream's mid-call elicitation reaches the caller", f"{r}, asked {asked}")
            ok(f"[{mode}] a handshake-era upstream's mid-call elicitation is answered by the caller ({text_of(r)!r})")

            before = len(asked)
            r = await c.call_tool("new__whoami", {})
            if r.is_error or text_of(r) != "hello ada" or len(asked) != before + 1 or "GitHub username" not in asked[-1]:
                fail(f"[{mode}] a 2026 upstream's input_required reaches the caller", f"{r}, asked {asked}")
            ok(f"[{mode}] a 2026 upstream's input_required is answered by the caller ({text_of(r)!r})")

        async with client(mode, None) as c:
            r = await c.call_tool("old__ask_name", {})
            if r.is_error or "no name (decline)" not in text_of(r):
                fail(f"[{mode}] without the capability the upstream's question is declined", f"{r}")
            ok(f"[{mode}] a caller without elicitation: the upstream's question is declined and the call completes")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db")
    parser.add_argument("--url")
    parser.add_argument("command", nargs="*")
    args = parser.parse_args()
    asyncio.run(asyncio.wait_for(run(args), timeout=150))


if __name__ == "__main__":
    main()
