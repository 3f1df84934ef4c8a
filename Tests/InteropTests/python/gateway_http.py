"""The gateway over HTTP: `/mcp/agents/{id}` of a running `agentbridge serve`, driven by the
official SDK 2.3.0 client (auto and legacy), with API keys.

    python gateway_http.py --base http://127.0.0.1:PORT --key KEY --restricted-key KEY2 --weak-key KEY3

KEY may use every agent (mcp:tools); KEY2 is restricted to the agent `clock`; KEY3 lacks
mcp:tools. The database holds the example manifests. Prints "ok <check>" per check; the first
failure prints "FAIL <check>: <why>" and exits 1.
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
            # This client declares no elicitation: a 2026 request gets -32021 naming the missing
            # capability (the spec's answer), a legacy session a tool error; the tool never runs.
            try:
                r = await c.call_tool("reference__get_weather", {"city": "Rome"})
                if not r.is_error or "elicitation" not in r.content[0].text:
                    fail(f"{mode}: confirmation needed but the client cannot ask", f"{r}")
            except MCPError as e:
                if e.code != -32021 or "elicitation" not in e.message:
                    fail(f"{mode}: confirmation needed but the client cannot ask", f"{e.code} {e.message}")
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
    parser.add_argument("--restricted-key", required=True)
    parser.add_argument("--weak-key", required=True)
    asyncio.run(asyncio.wait_for(run(parser.parse_args()), timeout=150))


if __name__ == "__main__":
    main()
