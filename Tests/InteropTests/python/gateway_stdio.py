"""The gateway over stdio: `agentbridge stdio --agent A` driven by the official SDK 2.3.0 client.

    python gateway_stdio.py --mode auto|legacy --db PATH -- /path/to/agentbridge

The database must hold the example manifests (agents `assistant` — reference server upstream,
get_weather needs confirmation — and `clock` — mcp-server-time upstream, found on PATH).
Prints "ok <check>" per check; the first failure prints "FAIL <check>: <why>" and exits 1.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import Any

from mcp import Client, types
from mcp.client.stdio import StdioServerParameters
from mcp.shared.exceptions import MCPError


def ok(name: str) -> None:
    print(f"ok   {name}", flush=True)


def fail(name: str, why: str) -> None:
    print(f"FAIL {name}: {why}", flush=True)
    sys.exit(1)


def text_of(result: types.CallToolResult) -> str:
    return "\n".join(getattr(block, "text", "") for block in result.content)


async def run(args: argparse.Namespace) -> None:
    decisions: list[str] = []
    prompts: list[str] = []

    async def elicit(ctx: Any, params: Any) -> types.ElicitResult:
        prompts.append(params.message)
        action = decisions.pop(0) if decisions else "decline"
        if action == "accept":
            return types.ElicitResult(action="accept", content={"allow": True})
        return types.ElicitResult(action=action)

    def client(agent: str) -> Client:
        params = StdioServerParameters(command=args.command[0], args=args.command[1:] + ["stdio", "--agent", agent, "--db", args.db])
        return Client(params, mode=args.mode, elicitation_callback=elicit, read_timeout_seconds=60)

    async with client("assistant") as c:
        tools = await c.list_tools()
        names = [t.name for t in tools.tools]
        if names != ["reference__echo", "reference__test_simple_text", "reference__get_weather"]:
            fail("allow-listed tools only, under collision-proof names", f"got {names}")
        ok("allow-listed tools only, under collision-proof names")
        weather = next(t for t in tools.tools if t.name == "reference__get_weather")
        if "city" not in str(weather.input_schema):
            fail("upstream schemas passed through", f"get_weather input schema {weather.input_schema}")
        ok("upstream schemas passed through")

        r = await c.call_tool("reference__echo", {"text": "through the gateway"})
        if r.is_error or "through the gateway" not in text_of(r):
            fail("call through the binding", f"{r}")
        ok("call through the binding")

        for guessed in ["reference__test_sampling", "reference__tool_001", "echo", "other__echo"]:
            try:
                r = await c.call_tool(guessed, {})
                fail(f"guessed name {guessed} refused", f"got a result {r}")
            except MCPError as e:
                if e.code != -32602 or "Unknown tool" not in e.message:
                    fail(f"guessed name {guessed} refused", f"got {e.code} {e.message}")
        ok("guessed and unbound names are unknown tools (-32602)")

        decisions.append("accept")
        r = await c.call_tool("reference__get_weather", {"city": "Paris"})
        if r.is_error or not prompts or "get_weather" not in prompts[-1] or '"city":"Paris"' not in prompts[-1]:
            fail("request_confirmation asks with the exact arguments and runs when allowed", f"result {r}, prompts {prompts}")
        ok("request_confirmation asks with the exact arguments and runs when allowed")

        decisions.append("decline")
        r = await c.call_tool("reference__get_weather", {"city": "Oslo"})
        if not r.is_error or "not approved" not in text_of(r):
            fail("a declined confirmation is a tool error and nothing runs", f"{r}")
        ok("a declined confirmation is a tool error and nothing runs")

    async with client("clock") as c:
        names = [t.name for t in (await c.list_tools()).tools]
        if sorted(names) != ["time__convert_time", "time__get_current_time"]:
            fail("mcp-server-time tools through the clock agent", f"got {names}")
        r = await c.call_tool("time__get_current_time", {"timezone": "UTC"})
        if r.is_error or "UTC" not in text_of(r):
            fail("mcp-server-time tools through the clock agent", f"{r}")
        ok("mcp-server-time tools through the clock agent")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mode", choices=["auto", "legacy"], default="auto")
    parser.add_argument("--db", required=True)
    parser.add_argument("command", nargs="+")
    args = parser.parse_args()
    asyncio.run(asyncio.wait_for(run(args), timeout=120))


if __name__ == "__main__":
    main()
