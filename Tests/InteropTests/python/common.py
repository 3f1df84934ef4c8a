"""Shared helpers for the interop scripts (standard library only).

Every script prints one line per check ("ok   <name>") and stops at the first failure with
"FAIL <name>: <precise message>" and exit status 1. Usage errors exit with status 2.
"""

from __future__ import annotations

import atexit
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from typing import Any, NoReturn

HERE = os.path.dirname(os.path.abspath(__file__))
WIRETAP = os.path.join(HERE, "wiretap.py")

MODERN = "2026-07-28"
LEGACY_LATEST = "2025-11-25"
SERVER_NAME = "agentbridge-reference"

# Fixture tools after echo and tool_001…tool_0NN, in registration (= listing) order.
FIXTURE_TOOLS = [
    "test_simple_text",
    "test_image_content",
    "test_audio_content",
    "test_embedded_resource",
    "test_multiple_content_types",
    "test_resource_link",
    "test_tool_with_logging",
    "test_tool_with_progress",
    "test_error_handling",
    "get_weather",
    "slow_operation",
    "test_elicitation",
    "test_sampling",
    "test_list_roots",
    "test_trigger_tool_change",
    "test_trigger_prompt_change",
    "test_trigger_resource_update",
    "test_input_required_result_request_state",
]
STATIC_RESOURCES = [
    "test://static-text",
    "test://static-binary",
    "test://watched-resource",
    "test://stateless-static-text",
]
TEMPLATE = "test://template/{id}/data"
PROMPTS = [
    "test_simple_prompt",
    "test_prompt_with_arguments",
    "test_prompt_with_embedded_resource",
    "test_prompt_with_image",
]
STATIC_TEXT = "This is the content of the static text resource."
SIMPLE_TEXT = "This is a simple text response for testing."
ARG1_VALUES = ["paris", "park", "party", "pasta", "peach"]
ID_VALUES = ["1", "2", "3", "42"]
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


class CheckFailed(Exception):
    pass


class Reporter:
    """Prints one line per check; the first failure ends the script."""

    def __init__(self, script: str) -> None:
        self.script = script
        self.count = 0
        self.current: str | None = None
        self.started = time.monotonic()

    def ok(self, name: str, detail: str = "") -> None:
        self.count += 1
        suffix = f"  ({detail})" if detail else ""
        print(f"ok   {name}{suffix}", flush=True)

    def fail(self, name: str, message: str) -> NoReturn:
        print(f"FAIL {name}: {message}", flush=True)
        raise SystemExit(1)

    def done(self) -> None:
        elapsed = time.monotonic() - self.started
        print(f"{self.script}: all {self.count} checks passed in {elapsed:.1f}s", flush=True)


def expect(cond: bool, message: str) -> None:
    if not cond:
        raise CheckFailed(message)


def expect_eq(got: Any, want: Any, what: str) -> None:
    if got != want:
        raise CheckFailed(f"{what}: expected {want!r}, got {got!r}")


def short(value: Any, limit: int = 600) -> str:
    text = value if isinstance(value, str) else json.dumps(value, default=str, sort_keys=True)
    return text if len(text) <= limit else text[:limit] + f"…(+{len(text) - limit} chars)"


@dataclass
class Args:
    server: list[str]
    timeout: float = 120.0
    wire_log: str | None = None
    keep_wire_log: bool = False
    extra: dict[str, str] = field(default_factory=dict)
    # HTTP: the MCP endpoint (http://127.0.0.1:PORT/mcp) of a running `agentbridge serve`, its pid
    # (optional; enables checks that look at the server process) and its --token (optional).
    url: str | None = None
    pid: int | None = None
    token: str | None = None

    @property
    def http(self) -> bool:
        return self.url is not None


def parse_args(usage: str, transports: str = "stdio") -> Args:
    """`script.py [--timeout S] [--wire-log FILE] -- /path/to/server [server args...]` (stdio), or
    `script.py [--timeout S] --url http://HOST:PORT/mcp [--pid PID] [--token T]` (HTTP: a running
    server), or `script.py [...] --serve -- /path/to/agentbridge serve --listen 127.0.0.1:0 ...`
    (HTTP: the script starts that server, reads its URL from stderr and stops it at exit).
    `transports`: what the script supports — "stdio", "http" or "both"."""
    argv = sys.argv[1:]
    if "--" in argv:
        split = argv.index("--")
        opts, server = argv[:split], argv[split + 1 :]
    else:
        opts, server = argv, []
    args = Args(server=server)
    serve = False
    i = 0
    while i < len(opts):
        opt = opts[i]
        if opt == "--timeout" and i + 1 < len(opts):
            args.timeout = float(opts[i + 1])
            i += 2
        elif opt == "--wire-log" and i + 1 < len(opts):
            args.wire_log = opts[i + 1]
            args.keep_wire_log = True
            i += 2
        elif opt == "--url" and i + 1 < len(opts):
            args.url = opts[i + 1]
            i += 2
        elif opt == "--pid" and i + 1 < len(opts):
            args.pid = int(opts[i + 1])
            i += 2
        elif opt == "--token" and i + 1 < len(opts):
            args.token = opts[i + 1]
            i += 2
        elif opt == "--serve":
            serve = True
            i += 1
        else:
            print(f"usage: {usage}\nerror: unknown option {opt!r}", file=sys.stderr)
            raise SystemExit(2)
    if transports == "stdio" and (serve or args.url is not None):
        print(f"usage: {usage}\nerror: this script drives stdio servers only", file=sys.stderr)
        raise SystemExit(2)
    if serve:
        if not server:
            print(f"usage: {usage}\nerror: --serve needs the server command after --", file=sys.stderr)
            raise SystemExit(2)
        args.url, args.pid = start_http_server(server)
    if args.url is None and (transports == "http" or not server):
        print(f"usage: {usage}\nerror: " + ("--url URL or --serve -- COMMAND is required" if transports != "stdio"
                                             else "missing server command after --"), file=sys.stderr)
        raise SystemExit(2)
    if args.wire_log is None:
        fd, args.wire_log = tempfile.mkstemp(prefix="interop-wire-", suffix=".log")
        os.close(fd)
    return args


SERVING_LINE = re.compile(r"serving MCP on (http://\S+)")


def start_http_server(command: list[str], timeout: float = 15.0) -> tuple[str, int]:
    """Starts an HTTP MCP server, waits for its "serving MCP on http://…" stderr line and returns
    (url, pid). The server is stopped (SIGTERM, then SIGKILL) when this script exits; its stderr
    goes on to ours."""
    proc = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=sys.stderr, stderr=subprocess.PIPE)

    def stop() -> None:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()

    atexit.register(stop)
    found: list[str] = []
    ready = threading.Event()

    def pump() -> None:
        assert proc.stderr is not None
        for raw in proc.stderr:
            line = raw.decode("utf-8", "replace")
            if not found:
                m = SERVING_LINE.search(line)
                if m:
                    found.append(m.group(1))
                    ready.set()
            sys.stderr.write(line)
        ready.set()

    threading.Thread(target=pump, daemon=True).start()
    if not ready.wait(timeout) or not found:
        stop()
        print(f"error: {' '.join(command)} did not print 'serving MCP on http://…' within {timeout}s "
              f"(exit status {proc.poll()})", file=sys.stderr)
        raise SystemExit(2)
    return found[0], proc.pid


def tapped_command(args: Args, label: str) -> tuple[str, list[str]]:
    """Command + args that run the server behind wiretap.py, appending frames to args.wire_log."""
    assert args.wire_log is not None
    return sys.executable, [WIRETAP, args.wire_log, label, "--", *args.server]


@dataclass
class Frame:
    label: str
    direction: str  # "C>S" or "S>C"
    raw: str
    msg: Any  # parsed JSON, or None when the line is not JSON

    @property
    def is_request(self) -> bool:
        return isinstance(self.msg, dict) and "method" in self.msg and "id" in self.msg

    @property
    def is_notification(self) -> bool:
        return isinstance(self.msg, dict) and "method" in self.msg and "id" not in self.msg

    @property
    def is_response(self) -> bool:
        return isinstance(self.msg, dict) and "method" not in self.msg and ("result" in self.msg or "error" in self.msg)


def read_wire(path: str, label: str | None = None) -> list[Frame]:
    frames: list[Frame] = []
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            for line in f:
                line = line.rstrip("\n")
                if not line:
                    continue
                try:
                    lab, direction, raw = line.split(" ", 2)
                except ValueError:
                    continue
                if label is not None and lab != label:
                    continue
                try:
                    msg = json.loads(raw)
                except ValueError:
                    msg = None
                frames.append(Frame(lab, direction, raw, msg))
    except FileNotFoundError:
        pass
    return frames


def request_methods_by_id(frames: list[Frame]) -> dict[Any, str]:
    """Client request id -> method (ids keep their JSON type; a later reuse overwrites)."""
    out: dict[Any, str] = {}
    for fr in frames:
        if fr.direction == "C>S" and fr.is_request:
            out[json.dumps(fr.msg["id"])] = fr.msg["method"]
    return out


def content_for_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """A valid accepted elicitation answer for a flat requestedSchema: each field's default, else
    its first enum / oneOf const (a one-item list for multi-select arrays), else a typed sample."""
    out: dict[str, Any] = {}
    for name, prop in (schema.get("properties") or {}).items():
        if "default" in prop:
            out[name] = prop["default"]
            continue
        kind = prop.get("type")
        if kind == "array":
            items = prop.get("items") or {}
            choices = items.get("enum") or [c.get("const") for c in items.get("anyOf") or items.get("oneOf") or []]
            out[name] = choices[:1]
        elif prop.get("enum"):
            out[name] = prop["enum"][0]
        elif prop.get("oneOf") or prop.get("anyOf"):
            out[name] = (prop.get("oneOf") or prop.get("anyOf"))[0].get("const")
        elif kind == "boolean":
            out[name] = True
        elif kind in ("integer", "number"):
            out[name] = 7
        elif prop.get("format") == "email" or name == "email":
            out[name] = "user@example.com"
        else:
            out[name] = f"{name}-value"
    return out
