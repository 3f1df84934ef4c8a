"""A legacy-only upstream (FastMCP from `mcp<2`) through `agentbridge stdio --agent legacy-user`.

    python gateway_legacy_upstream.py --db PATH -- /path/to/agentbridge

The binding allows `add` and `ask_name`. The gateway negotiates the upstream's era itself (its
`server/discover` probe is refused, so it falls back to `initialize`); the caller, in the 2026 era,
never notices. `ask_name` elicits from the upstream mid-call: the gateway declines for now, and the
tool reports that. Prints "ok <check>"; the first failure prints "FAIL <check>: <why>", exit 1.
"""

from __future__ import annotations

import argparse
import asyncio
import sys

from mcp import Client
from mcp.client.stdio import StdioServerParameters


def fail(name: str, why: str) -> None:
    print(f"FAIL {name}: {why}", flush=True)
    sys.exit(1)


async def run(args: argparse.Namespace) -> None:
    params = StdioServerParameters(command=args.command[0], args=args.command[1:] + ["stdio", "--agent", "legacy-user", "--db", args.db])
    async with Client(params, read_timeout_seconds=60) as c:
        names = sorted(t.name for t in (await c.list_tools()).tools)
        if names != ["old__add", "old__ask_name"]:
            fail("a legacy-only upstream's allowed tools", f"got {names}")
        r = await c.call_tool("old__add", {"a": 2, "b": 40})
        text = "\n".join(getattr(b, "text", "") for b in r.content)
        if r.is_error or "42" not in text:
            fail("a legacy-only upstream's allowed tools", f"{r}")
        print("ok   a legacy-only upstream (handshake era) serves a 2026 caller through the binding", flush=True)
        r = await c.call_tool("old__ask_name", {})
        text = "\n".join(getattr(b, "text", "") for b in r.content)
        if r.is_error or "no name (decline)" not in text:
            fail("an upstream elicitation mid-call is answered (declined) and the call completes", f"{r}")
        print(f"ok   an upstream elicitation mid-call is answered (declined) and the call completes ({text[:60]!r})", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", required=True)
    parser.add_argument("command", nargs="+")
    args = parser.parse_args()
    asyncio.run(asyncio.wait_for(run(args), timeout=120))


if __name__ == "__main__":
    main()
