"""mcp-server-git (PyPI) through a binding of `agentbridge stdio --agent git-reader`.

    python gateway_git.py --db PATH --repo DIR -- /path/to/agentbridge

The binding allows only `git_status` and `git_log` (read-only); `git_commit` and `git_add` exist
upstream and must be invisible and uncallable. Prints "ok <check>"; the first failure prints
"FAIL <check>: <why>", exit 1.
"""

from __future__ import annotations

import argparse
import asyncio
import sys

from mcp import Client
from mcp.client.stdio import StdioServerParameters
from mcp.shared.exceptions import MCPError


def fail(name: str, why: str) -> None:
    print(f"FAIL {name}: {why}", flush=True)
    sys.exit(1)


async def run(args: argparse.Namespace) -> None:
    params = StdioServerParameters(command=args.command[0], args=args.command[1:] + ["stdio", "--agent", "git-reader", "--db", args.db])
    async with Client(params, read_timeout_seconds=60) as c:
        names = sorted(t.name for t in (await c.list_tools()).tools)
        if names != ["git__git_log", "git__git_status"]:
            fail("only the allowed read-only git tools are listed", f"got {names}")
        print("ok   only the allowed read-only git tools are listed", flush=True)
        r = await c.call_tool("git__git_status", {"repo_path": args.repo})
        text = "\n".join(getattr(b, "text", "") for b in r.content)
        if r.is_error or "branch" not in text.lower():
            fail("git_status through the binding", f"{r}")
        r = await c.call_tool("git__git_log", {"repo_path": args.repo})
        text = "\n".join(getattr(b, "text", "") for b in r.content)
        if r.is_error or "initial import" not in text:
            fail("git_log through the binding", f"{r}")
        print("ok   git_status and git_log through the binding", flush=True)
        for guessed in ["git__git_commit", "git__git_add"]:
            try:
                await c.call_tool(guessed, {"repo_path": args.repo, "message": "x", "files": ["a.txt"]})
                fail("write tools are uncallable", f"{guessed} ran")
            except MCPError as e:
                if e.code != -32602:
                    fail("write tools are uncallable", f"{guessed}: {e.code} {e.message}")
        print("ok   write tools (git_commit, git_add) are unknown tools", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", required=True)
    parser.add_argument("--repo", required=True)
    parser.add_argument("command", nargs="+")
    args = parser.parse_args()
    asyncio.run(asyncio.wait_for(run(args), timeout=120))


if __name__ == "__main__":
    main()
