"""The platform over MCP driven by the `mcp<2` client (`ClientSession`, official Python SDK 1.x):
the handshake era as most desktop clients speak it today.

    python platform_v1.py --db PATH -- /path/to/agentbridge              (stdio)
    python platform_v1.py --url http://127.0.0.1:PORT/mcp --key KEY      (Streamable HTTP)

Create an exposed agent bound to the reference upstream (tools/list_changed arrives), run it
with progress, approve a confirmation through elicitation/create, read the run resource, and
render the agent's instructions as a prompt. Prints "ok <check>"; the first failure prints
"FAIL <check>: <why>" and exits 1.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import timedelta
from typing import Any

import anyio
import mcp.types as types
from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client
from mcp.client.streamable_http import streamablehttp_client


def ok(name: str) -> None:
    print(f"ok   {name}", flush=True)


def fail(name: str, why: str) -> None:
    print(f"FAIL {name}: {why}", flush=True)
    sys.exit(1)


def text_of(r: types.CallToolResult) -> str:
    return "\n".join(getattr(b, "text", "") for b in r.content)


AGENT = {
    "name": "Helper v1", "instructions": "Help {{who}}.", "model": "scripted/demo", "visibility": "exposed",
    "bindings": [{"server": "reference", "allowed_tools": ["echo", "get_weather"],
                  "tools": {"get_weather": {"run_behavior": "request_confirmation"}}}],
}


async def scenario(session: ClientSession, changes: list[str], asked: list[str]) -> None:
    init = await session.initialize()
    ok(f"initialize ({init.protocolVersion})")
    names = [t.name for t in (await session.list_tools()).tools]
    if "run_agent" not in names or "ask_assistant" not in names:
        fail("platform tools listed", f"{names}")
    r = await session.call_tool("create_agent", {"id": "helper-v1", "config": AGENT})
    if r.isError:
        fail("create_agent", text_of(r))
    with anyio.fail_after(10):
        while "notifications/tools/list_changed" not in changes:
            await anyio.sleep(0.05)
    if "ask_helper-v1" not in [t.name for t in (await session.list_tools()).tools]:
        fail("the new agent's ask_ tool", "missing")
    ok("create_agent announces tools/list_changed and adds ask_helper-v1")

    progress: list[float] = []

    async def on_progress(value: float, total: float | None, message: str | None) -> None:
        progress.append(value)

    r = await session.call_tool("run_agent", {"agent": "helper-v1", "message": '/call reference__echo {"text": "v1 run"}',
                                              "variables": {"who": "me"}}, progress_callback=on_progress)
    if r.isError or "v1 run" not in text_of(r) or not progress:
        fail("run_agent with progress", f"{r} progress={progress}")
    run_id = r.structuredContent["run"]["id"]
    ok(f"run_agent answers with the upstream's result ({len(progress)} progress notifications)")

    r = await session.call_tool("ask_helper-v1", {"message": '/call reference__get_weather {"city": "Lyon"}', "variables": {"who": "me"}})
    if r.isError or "Lyon" not in text_of(r) or not asked or "get_weather" not in asked[-1]:
        fail("approval through elicitation/create", f"{r} asked={asked}")
    ok("a confirmation is approved through elicitation/create and the call runs")

    read = await session.read_resource(f"agentbridge://runs/{run_id}")
    body = json.loads(read.contents[0].text)
    if body["status"] != "completed" or body["events"][-1]["type"] != "run.completed":
        fail("the run resource", json.dumps(body)[:300])
    ok("the run resource holds the completed run")

    r = await session.call_tool("run_agent", {"agent": "helper-v1", "message": '/sleep 800\n/call reference__echo {"text": "later"}',
                                              "variables": {"who": "me"}, "wait": False})
    later = r.structuredContent["run"]["id"]
    uri = f"agentbridge://runs/{later}"
    await session.subscribe_resource(uri)
    with anyio.fail_after(20):
        while not any(c == f"notifications/resources/updated:{uri}" for c in changes):
            await anyio.sleep(0.05)
    ok("resources/subscribe to a run brings resources/updated while it works")

    prompt = await session.get_prompt("helper-v1", {"who": "the team"})
    if "Help the team." not in prompt.messages[0].content.text:
        fail("agent instructions as a prompt", f"{prompt}")
    ok("the agent's instructions render as a prompt with its variables")

    # Leave quietly: the mcp<2 stdio client fails at exit (BrokenResourceError in its stdout
    # reader) when a message arrives after the session closed, so stop the subscription and let
    # the subscribed run finish before leaving; the ping answer comes after anything it sent.
    await session.unsubscribe_resource(uri)
    with anyio.fail_after(20):
        while json.loads((await session.read_resource(uri)).contents[0].text)["status"] not in ("completed", "failed", "cancelled"):
            await anyio.sleep(0.05)
    await session.send_ping()


async def run(args: argparse.Namespace) -> None:
    changes: list[str] = []
    asked: list[str] = []

    async def on_message(message: Any) -> None:
        root = getattr(message, "root", message)
        method = getattr(root, "method", None)
        if isinstance(method, str):
            changes.append(method)
            if method == "notifications/resources/updated":
                changes.append(f"{method}:{root.params.uri}")

    async def elicit(context: Any, params: types.ElicitRequestParams) -> types.ElicitResult:
        asked.append(params.message)
        return types.ElicitResult(action="accept", content={"approve": True})

    if args.url:
        transport = streamablehttp_client(args.url, headers={"Authorization": f"Bearer {args.key}"})
        async with transport as (read, write, _):
            async with ClientSession(read, write, read_timeout_seconds=timedelta(seconds=60), message_handler=on_message,
                                     elicitation_callback=elicit) as session:
                await scenario(session, changes, asked)
    else:
        params = StdioServerParameters(command=args.command[0], args=args.command[1:] + ["--db", args.db, "stdio"])
        async with stdio_client(params) as (read, write):
            async with ClientSession(read, write, read_timeout_seconds=timedelta(seconds=60), message_handler=on_message,
                                     elicitation_callback=elicit) as session:
                await scenario(session, changes, asked)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db")
    parser.add_argument("--url")
    parser.add_argument("--key")
    parser.add_argument("command", nargs="*")
    args = parser.parse_args()
    anyio.run(run, args)


if __name__ == "__main__":
    main()
