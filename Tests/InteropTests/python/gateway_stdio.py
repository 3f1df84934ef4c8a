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
            return types.ElicitResult(action="accept", content={"approve": True})
        if action.startswith("edit:"):
            return types.ElicitResult(action="accept", content={"approve": True, "arguments": action[len("edit:"):]})
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

        decisions.append('edit:{"city": "Lyon"}')
        r = await c.call_tool("reference__get_weather", {"city": "Berlin"})
        structured = r.structured_content or {}
        if r.is_error or structured.get("city") != "Lyon" or 'edited arguments {"city":"Lyon"}' not in text_of(r) \
                or "approval" not in str(r.meta or {}):
            fail("arguments edited in the client are the arguments sent", f"{r}")
        ok("arguments edited in the client are the arguments sent")

        decisions.append("decline")
        r = await c.call_tool("reference__get_weather", {"city": "Oslo"})
        if not r.is_error or "not approved" not in text_of(r):
            fail("a declined confirmation is a tool error and nothing runs", f"{r}")
        ok("a declined confirmation is a tool error and nothing runs")

        prompt_names = [p.name for p in (await c.list_prompts()).prompts]
        if prompt_names != ["reference__test_simple_prompt", "reference__test_prompt_with_arguments"]:
            fail("allow-listed upstream prompts, namespaced", f"got {prompt_names}")
        got = await c.get_prompt("reference__test_prompt_with_arguments", {"arg1": "a", "arg2": "b"})
        if "arg1='a'" not in str(got.messages[0].content):
            fail("allow-listed upstream prompts, namespaced", f"prompts/get gave {got}")
        ok("allow-listed upstream prompts, namespaced")
        try:
            await c.get_prompt("reference__test_prompt_with_image", {})
            fail("a prompt outside the allow-list is unknown", "it was rendered")
        except MCPError as e:
            if "Unknown prompt" not in e.message:
                fail("a prompt outside the allow-list is unknown", f"{e.code} {e.message}")
        ok("a prompt outside the allow-list is unknown")
        done = await c.complete(types.PromptReference(type="ref/prompt", name="reference__test_prompt_with_arguments"), {"name": "arg1", "value": "pa"})
        if done.completion.values[:3] != ["paris", "park", "party"]:
            fail("completion is forwarded for upstream prompts", f"{done}")
        ok("completion is forwarded for upstream prompts")

        uris = [str(r.uri) for r in (await c.list_resources()).resources]
        if uris != ["agentbridge://upstream/reference/test://static-text"]:
            fail("allow-listed upstream resources under namespaced URIs", f"got {uris}")
        read = await c.read_resource(uris[0])
        if str(read.contents[0].uri) != uris[0] or "static" not in getattr(read.contents[0], "text", "").lower():
            fail("allow-listed upstream resources under namespaced URIs", f"read gave {read}")
        ok("allow-listed upstream resources under namespaced URIs")
        templates = [t.uri_template for t in (await c.list_resource_templates()).resource_templates]
        if templates != ["agentbridge://upstream/reference/test://template/{id}/data"]:
            fail("resource templates namespaced", f"got {templates}")
        read = await c.read_resource("agentbridge://upstream/reference/test://template/42/data")
        if "Data for ID: 42" not in getattr(read.contents[0], "text", ""):
            fail("resource templates namespaced", f"read gave {read}")
        ok("resource templates namespaced")
        for hidden in ["agentbridge://upstream/reference/test://static-binary", "test://static-text", "agentbridge://upstream/other/test://static-text"]:
            try:
                await c.read_resource(hidden)
                fail(f"resource {hidden} is not found", "it was read")
            except MCPError as e:
                if e.code not in (-32002, -32602):
                    fail(f"resource {hidden} is not found", f"{e.code} {e.message}")
        ok("resources outside the allow-list, un-namespaced or of unbound servers are not found")

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
