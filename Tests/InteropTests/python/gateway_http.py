"""The gateway over HTTP: `/mcp/agents/{id}` of a running `agentbridge serve`, driven by the
official SDK 2.3.0 client (auto and legacy), with API keys.

    python gateway_http.py --base http://127.0.0.1:PORT --key KEY --key-id ID --restricted-key KEY2 --weak-key KEY3 --approver-key APPROVER

KEY (whose id is ID) may use every agent (mcp:tools); KEY2 is restricted to the agent `clock`;
KEY3 lacks mcp:tools; APPROVER may read and decide approvals on the platform endpoint. The
database holds the example manifests. Prints "ok <check>" per check; the first failure prints
"FAIL <check>: <why>" and exits 1.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import urllib.error
import urllib.request
from typing import Any

from mcp import Client, types
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client
from mcp.shared.exceptions import MCPError


def ok(name: str) -> None:
    print(f"ok   {name}", flush=True)


def fail(name: str, why: str) -> None:
    print(f"FAIL {name}: {why}", flush=True)
    sys.exit(1)


def raw_post(url: str, key: str | None) -> tuple[int, dict[str, str], str]:
    body = b'{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientInfo":{"name":"t","version":"1"},"io.modelcontextprotocol/clientCapabilities":{}}}}'
    headers = {"Content-Type": "application/json", "Accept": "application/json, text/event-stream",
               "MCP-Protocol-Version": "2026-07-28", "Mcp-Method": "tools/list"}
    if key:
        headers["Authorization"] = f"Bearer {key}"
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, {k.lower(): v for k, v in response.headers.items()}, response.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, {k.lower(): v for k, v in e.headers.items()}, e.read().decode()


async def run(args: argparse.Namespace) -> None:
    def client(agent: str, key: str, mode: str) -> Client:
        http = create_mcp_http_client(headers={"Authorization": f"Bearer {key}"})
        return Client(streamable_http_client(f"{args.base}/mcp/agents/{agent}", http_client=http), mode=mode, read_timeout_seconds=60)

    async def decide_when_pending(city: str, decision: dict[str, Any]) -> dict[str, Any]:
        """Finds the pending approval of get_weather(city) through the platform endpoint and decides it."""
        http = create_mcp_http_client(headers={"Authorization": f"Bearer {args.approver_key}"})
        async with Client(streamable_http_client(f"{args.base}/mcp", http_client=http), read_timeout_seconds=60) as platform:
            for _ in range(300):
                listed = await platform.call_tool("list_approvals", {"status": "pending"})
                pending = [a for a in (listed.structured_content or {}).get("approvals", [])
                           if a["tool_name"] == "get_weather" and a["arguments"] == {"city": city}]
                if pending:
                    r = await platform.call_tool("decide_approval", {"id": pending[0]["id"], **decision})
                    if r.is_error:
                        fail("deciding a gateway approval on the platform endpoint", f"{r}")
                    return r.structured_content or {}
                await asyncio.sleep(0.1)
        fail("a waiting confirmation shows up as a pending approval", f"no pending approval for {city}")
        raise AssertionError

    for mode in ["auto", "legacy"]:
        async with client("assistant", args.key, mode) as c:
            names = [t.name for t in (await c.list_tools()).tools]
            if names != ["reference__echo", "reference__test_simple_text", "reference__get_weather"]:
                fail(f"{mode}: the agent's governed tools over HTTP", f"got {names}")
            r = await c.call_tool("reference__echo", {"text": f"http {mode}"})
            if r.is_error or f"http {mode}" not in r.content[0].text:
                fail(f"{mode}: the agent's governed tools over HTTP", f"{r}")
            try:
                await c.call_tool("reference__test_sampling", {})
                fail(f"{mode}: guessed tool refused", "it ran")
            except MCPError as e:
                if e.code != -32602:
                    fail(f"{mode}: guessed tool refused", f"{e.code} {e.message}")
            # This client declares no elicitation: the call waits for its approval, which a
            # person with approvals:write decides on the platform endpoint — with edited
            # arguments (the edit is what runs) or a rejection (nothing runs).
            for city, decision in [("Rome", {"decision": "approve", "arguments": {"city": "Milan"}}),
                                   ("Oslo", {"decision": "reject", "reason": f"not in {mode}"})]:
                call = asyncio.create_task(c.call_tool("reference__get_weather", {"city": city}))
                decided = await decide_when_pending(city, decision)
                r = await asyncio.wait_for(call, timeout=60)
                if decision["decision"] == "approve":
                    if r.is_error or (r.structured_content or {}).get("city") != "Milan" or "edited arguments" not in r.content[0].text:
                        fail(f"{mode}: a confirmation decided on another surface, with edited arguments", f"{r}")
                    if decided.get("requested_by") != args.key_id or decided.get("run_id") is not None:
                        fail(f"{mode}: the gateway approval names its requester and no run", f"{decided}")
                elif not r.is_error or "not approved" not in r.content[0].text or f"not in {mode}" not in r.content[0].text:
                    fail(f"{mode}: a rejection on another surface is a tool error", f"{r}")
        ok(f"{mode}: a client that cannot elicit waits for an approval decided on another surface (edited arguments sent, rejection refused)")
        ok(f"{mode}: the agent's governed tools over HTTP, guessed names refused, confirmation enforced")

    async with client("clock", args.restricted_key, "auto") as c:
        r = await c.call_tool("time__get_current_time", {"timezone": "UTC"})
        if r.is_error or "UTC" not in r.content[0].text:
            fail("a restricted key reaches its agent", f"{r}")
    ok("a restricted key reaches its agent")

    status, _, body = raw_post(f"{args.base}/mcp/agents/assistant", args.restricted_key)
    missing, _, _ = raw_post(f"{args.base}/mcp/agents/no-such-agent", args.key)
    if status != 404 or missing != 404:
        fail("an agent outside the key's restriction is indistinguishable from a missing one", f"{status} {body!r}, missing {missing}")
    ok("an agent outside the key's restriction is indistinguishable from a missing one (404)")

    status, headers, _ = raw_post(f"{args.base}/mcp/agents/assistant", None)
    if status != 401 or "invalid_token" not in headers.get("www-authenticate", ""):
        fail("no key: 401 invalid_token", f"{status} {headers}")
    status, headers, _ = raw_post(f"{args.base}/mcp/agents/assistant", args.weak_key)
    if status != 403 or 'scope="mcp:tools"' not in headers.get("www-authenticate", ""):
        fail("a key without mcp:tools: 403 insufficient_scope", f"{status} {headers}")
    ok("401 without a key, 403 insufficient_scope without mcp:tools")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", required=True)
    parser.add_argument("--key", required=True)
    parser.add_argument("--key-id", required=True)
    parser.add_argument("--restricted-key", required=True)
    parser.add_argument("--weak-key", required=True)
    parser.add_argument("--approver-key", required=True)
    asyncio.run(asyncio.wait_for(run(parser.parse_args()), timeout=150))


if __name__ == "__main__":
    main()
