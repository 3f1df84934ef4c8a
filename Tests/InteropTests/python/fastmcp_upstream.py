"""A real FastMCP server as an upstream for the gateway: fastmcp 4.1.6 from PyPI (in the modern
venv) over Streamable HTTP, or the FastMCP of the official SDK 1.x (in the legacy venv, handshake
era only) over Streamable HTTP or the 2024-11-05 HTTP+SSE transport.

    python fastmcp_upstream.py --port PORT --headers-log PATH --reset-mark PATH [--transport http|sse] [--stateless]

Tools: `echo(text)`, and `admin_reset()`, which no binding allows (calling it creates the file at
--reset-mark, so a test can prove it never ran). Every HTTP request's headers are appended to
--headers-log as one JSON object per line (names lower-cased), so a test can assert exactly which
headers the gateway sent.
"""

from __future__ import annotations

import argparse
import json
import os

os.environ.setdefault("FASTMCP_SHOW_CLI_BANNER", "false")
os.environ.setdefault("FASTMCP_LOG_LEVEL", "WARNING")

import uvicorn  # noqa: E402

try:
    from fastmcp import FastMCP  # noqa: E402
except ImportError:  # the legacy venv: the official SDK 1.x's own FastMCP
    from mcp.server.fastmcp import FastMCP  # noqa: E402


def build(reset_mark: str) -> FastMCP:
    mcp = FastMCP("fastmcp-upstream")

    @mcp.tool()
    def echo(text: str) -> str:
        """Echo the given text back."""
        return text

    @mcp.tool()
    def admin_reset() -> str:
        """Resets everything. No binding may reach this."""
        with open(reset_mark, "w") as f:
            f.write("reset\n")
        return "reset"

    return mcp


class HeaderLog:
    """ASGI wrapper: records each HTTP request's method, path and headers, then passes it on."""

    def __init__(self, app, path: str) -> None:
        self.app, self.path = app, path

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http":
            headers: dict[str, list[str]] = {}
            for name, value in scope["headers"]:
                headers.setdefault(name.decode("latin-1").lower(), []).append(value.decode("latin-1"))
            with open(self.path, "a") as f:
                f.write(json.dumps({"method": scope["method"], "path": scope["path"], "headers": headers}) + "\n")
        await self.app(scope, receive, send)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--headers-log", required=True)
    parser.add_argument("--reset-mark", required=True)
    parser.add_argument("--transport", choices=["http", "sse"], default="http")
    parser.add_argument("--stateless", action="store_true")
    args = parser.parse_args()
    server = build(args.reset_mark)
    if hasattr(server, "http_app"):  # fastmcp
        app = server.http_app(path="/mcp", stateless_http=args.stateless)
    elif args.transport == "sse":  # SDK 1.x: GET /sse, POST /messages/
        app = server.sse_app()
    else:
        server.settings.stateless_http = args.stateless
        app = server.streamable_http_app()
    uvicorn.run(HeaderLog(app, args.headers_log), host="127.0.0.1", port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
