"""The gateway reaching an HTTP upstream through a binding with a credential header.

    python gateway_http_upstream.py --db PATH -- /path/to/agentbridge

The database holds agent `remote` (binding to an http upstream that requires a bearer token,
given by `override_headers` from the vault credential `upstream`) and agent `anonymous` (same
upstream, no headers). Prints "ok <check>"; the first failure prints "FAIL <check>: <why>", exit 1.
"""

from __future__ import annotations

import argparse
import asyncio
import sys

from mcp import Client
from mcp.client.stdio import StdioServerParameters
from mcp.shared.exceptions import MCPError


def ok(name: str) -> None:
    print(f"ok   {name}", flush=True)


def fail(name: str, why: str) -> None:
    print(f"FAIL {name}: {why}", flush=True)
    sys.exit(1)


async def run(args: argparse.Namespace) -> None:
    def client(agent: str) -> Client:
        params = StdioServerParameters(command=args.command[0], args=args.command[1:] + ["stdio", "--agent", agent, "--db", args.db])
        return Client(params, read_timeout_seconds=60)

    async with client("remote") as c:
        names = [t.name for t in (await c.list_tools()).tools]
        if names != ["remote__echo"]:
            fail("an http upstream's allowed tools through the binding", f"got {names}")
        r = await c.call_tool("remote__echo", {"text": "over http"})
        if r.is_error or "over http" not in r.content[0].text:
            fail("an http upstream's allowed tools through the binding", f"{r}")
        try:
            await c.call_tool("remote__get_weather", {"city": "Oslo"})
            fail("tools outside the allow-list are unknown", "it ran")
        except MCPError as e:
            if e.code != -32602:
                fail("tools outside the allow-list are unknown", f"{e.code} {e.message}")
    ok("an http upstream's allowed tools through the binding, with the credential header")

    async with client("anonymous") as c:
        listed = await c.list_tools()
        names = [t.name for t in listed.tools]
        if names:
            fail("without the credential header the upstream refuses (401) and lists nothing", f"got {names}")
        unavailable = (listed.meta or {}).get("io.agentbridge/unavailableUpstreams") or []
        if not unavailable or unavailable[0].get("server") != "remote" or "401" not in unavailable[0].get("reason", ""):
            fail("the partial list says which upstream is missing and why", f"_meta {listed.meta}")
    ok("without the credential header the upstream refuses (401), lists nothing, and _meta says why")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", required=True)
    parser.add_argument("command", nargs="+")
    args = parser.parse_args()
    asyncio.run(asyncio.wait_for(run(args), timeout=120))


if __name__ == "__main__":
    main()
