"""The platform over MCP, driven by the official Python SDK 2.3.0 `Client`.

    python platform_scenario.py --mode auto|legacy --db PATH -- /path/to/agentbridge     (stdio)
    python platform_scenario.py --mode auto|legacy --url http://127.0.0.1:PORT/mcp --key KEY

The database holds the example manifests (agent `assistant`: exposed, bound to the reference
server, get_weather needs confirmation). The scenario: list the tools, create an agent bound to
the upstream (and see tools/list_changed where the era delivers it), run it with progress, hit an
approval answered through elicitation, read the run resource, let a client without elicitation
pause on an approval and decide it with decide_approval, cancel a long run.
Prints "ok <check>"; the first failure prints "FAIL <check>: <why>" and exits 1.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from typing import Any

from mcp import Client, types
from mcp.client.stdio import StdioServerParameters
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client


def ok(name: str) -> None:
    print(f"ok   {name}", flush=True)


def fail(name: str, why: str) -> None:
    print(f"FAIL {name}: {why}", flush=True)
    sys.exit(1)


def text_of(r: types.CallToolResult) -> str:
    return "\n".join(getattr(b, "text", "") for b in r.content)


HELPER = {
    "name": "Helper",
    "instructions": "You help.",
    "model": "scripted/demo",
    "visibility": "exposed",
    "bindings": [{"server": "reference", "allowed_tools": ["echo", "get_weather", "slow_operation"],
                  "tools": {"get_weather": {"run_behavior": "request_confirmation"}}}],
}


async def run(args: argparse.Namespace) -> None:
    changes: list[str] = []
    asked: list[str] = []

    async def on_message(message: Any) -> None:
        root = getattr(message, "root", message)
        method = getattr(root, "method", None)
        if isinstance(method, str) and method.endswith("list_changed"):
            changes.append(method)

    async def approve(ctx: Any, params: Any) -> types.ElicitResult:
        asked.append(params.message)
        return types.ElicitResult(action="accept", content={"approve": True})

    def client(elicit: Any) -> Client:
        kwargs: dict[str, Any] = dict(mode=args.mode, read_timeout_seconds=90, message_handler=on_message)
        if elicit is not None:
            kwargs["elicitation_callback"] = elicit
        if args.url:
            http = create_mcp_http_client(headers={"Authorization": f"Bearer {args.key}"})
            return Client(streamable_http_client(args.url, http_client=http), **kwargs)
        params = StdioServerParameters(command=args.command[0], args=args.command[1:] + ["--db", args.db, "stdio"])
        return Client(params, **kwargs)

    async with client(approve) as c:
        names = [t.name for t in (await c.list_tools()).tools]
        for expected in ["run_agent", "get_run", "decide_approval", "cancel_run", "ask_assistant", "list_agents"]:
            if expected not in names:
                fail("platform tools listed", f"{expected} missing from {names}")
        ok("platform tools listed, with ask_<agent> for exposed agents")

        r = await c.call_tool("create_agent", {"id": f"helper-{args.mode}", "config": HELPER})
        if r.is_error:
            fail("create_agent", text_of(r))
        await asyncio.sleep(0.3)
        names = [t.name for t in (await c.list_tools()).tools]
        if f"ask_helper-{args.mode}" not in names:
            fail("a created exposed agent gets its ask_ tool", f"{names}")
        ok("create_agent: the new agent is listed with its ask_ tool")
        if args.mode == "legacy" and "notifications/tools/list_changed" not in changes:
            fail("tools/list_changed after create_agent", f"notifications seen: {changes}")
        if args.mode == "legacy":
            ok("tools/list_changed announced after create_agent")

        progress: list[float] = []

        async def on_progress(value: float, total: float | None, message: str | None) -> None:
            progress.append(value)

        r = await c.call_tool("run_agent", {"agent": f"helper-{args.mode}", "message": '/call reference__echo {"text": "through a run"}'},
                              progress_callback=on_progress)
        if r.is_error or "through a run" not in text_of(r):
            fail("run_agent calls the upstream and answers", f"{r}")
        if not progress:
            fail("run_agent reports progress", "no progress notification arrived")
        run_id = r.structured_content["run"]["id"]
        ok(f"run_agent calls the upstream through the binding and answers, with {len(progress)} progress notifications")

        r = await c.call_tool(f"ask_helper-{args.mode}", {"message": '/call reference__get_weather {"city": "Paris"}'})
        if r.is_error or not asked or "get_weather" not in asked[-1] or "Paris" not in asked[-1]:
            fail("an approval is asked through elicitation", f"result {r}, asked {asked}")
        if "Paris" not in text_of(r):
            fail("the approved call runs", f"{text_of(r)}")
        ok("a request_confirmation tool is approved through elicitation, then runs")

        read = await c.read_resource(f"agentbridge://runs/{run_id}")
        body = json.loads(read.contents[0].text)
        kinds = [e["type"] for e in body["events"]]
        if body["status"] != "completed" or "tool.result" not in kinds or kinds[-1] != "run.completed":
            fail("the run resource holds the run and its events", f"{body['status']} {kinds}")
        ok("the run resource holds the completed run and its events")

        r = await c.call_tool("run_agent", {"agent": f"helper-{args.mode}", "message": "/sleep 30000\n/call reference__echo {\"text\": \"late\"}", "wait": False})
        long_id = r.structured_content["run"]["id"]
        r = await c.call_tool("cancel_run", {"id": long_id, "reason": "test"})
        if r.is_error:
            fail("cancel_run", text_of(r))
        for _ in range(100):
            status = (await c.call_tool("get_run", {"id": long_id, "include_events": False})).structured_content["status"]
            if status == "cancelled":
                break
            await asyncio.sleep(0.1)
        if status != "cancelled":
            fail("cancel_run ends a running run", f"status {status}")
        ok("cancel_run stops a running run")

    async with client(None) as c:
        r = await c.call_tool("run_agent", {"agent": f"helper-{args.mode}", "message": '/call reference__get_weather {"city": "Oslo"}'})
        if r.is_error or r.structured_content.get("status") != "paused":
            fail("without elicitation the run pauses and names its approval", f"{r}")
        approval = r.structured_content["approvals"][0]["id"]
        paused_id = r.structured_content["run"]["id"]
        if approval not in text_of(r):
            fail("without elicitation the run pauses and names its approval", text_of(r))
        ok("a client without elicitation gets a paused run naming the approval")
        r = await c.call_tool("decide_approval", {"id": approval, "decision": "approve", "arguments": {"city": "Bergen"}})
        if r.is_error:
            fail("decide_approval", text_of(r))
        for _ in range(150):
            run = (await c.call_tool("get_run", {"id": paused_id})).structured_content
            if run["status"] in ("completed", "failed", "cancelled"):
                break
            await asyncio.sleep(0.1)
        if run["status"] != "completed" or "Bergen" not in json.dumps(run["events"]):
            fail("the decided run completes with the edited arguments", f"{run['status']}")
        ok("decide_approval with edited arguments resumes the run, which runs them")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mode", choices=["auto", "legacy"], default="auto")
    parser.add_argument("--db")
    parser.add_argument("--url")
    parser.add_argument("--key")
    parser.add_argument("command", nargs="*")
    args = parser.parse_args()
    asyncio.run(asyncio.wait_for(run(args), timeout=240))


if __name__ == "__main__":
    main()
