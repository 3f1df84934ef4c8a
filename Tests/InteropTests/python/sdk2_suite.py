"""The interop suite driven by the official Python SDK 2.3.0 `mcp.Client`, over stdio or HTTP.

Shared by client_auto.py (mode="auto": must end on the modern 2026-07-28 era) and
client_legacy.py (mode="legacy": the 2025-11-25 initialize handshake). Over stdio the server runs
behind wiretap.py; over HTTP (`--url http://HOST:PORT/mcp`, i.e. `Client(url)`, the SDK's
Streamable HTTP transport) the HTTP client the SDK builds is tapped in-process (http_tap.py). Either
way wire-level facts (who sent which frame, in which order, with which fields; over HTTP also
which request, status, headers and stream) can be asserted next to what the SDK surfaces.
"""

from __future__ import annotations

import base64
import json
import sys
import time
import traceback
import warnings
from collections.abc import Awaitable, Callable
from typing import Any

import anyio
import httpx2
import mcp_types as types
from mcp import Client, StdioServerParameters
from mcp.client.subscriptions import PromptsListChanged, ResourceUpdated, ToolsListChanged
from mcp.shared.exceptions import MCPError
from pydantic import ValidationError

from http_tap import Exchange, Tap
from common import (
    ARG1_VALUES,
    FIXTURE_TOOLS,
    ID_VALUES,
    LEGACY_LATEST,
    MODERN,
    PNG_MAGIC,
    PROMPTS,
    SERVER_NAME,
    SIMPLE_TEXT,
    STATIC_RESOURCES,
    STATIC_TEXT,
    TEMPLATE,
    Args,
    content_for_schema,
    CheckFailed,
    Frame,
    Reporter,
    expect,
    expect_eq,
    parse_args,
    read_wire,
    short,
    tapped_command,
)

warnings.simplefilter("ignore")  # the SDK flags legacy-only calls (ping, setLevel, subscribe) as deprecated

LOG_LEVEL_KEY = "io.modelcontextprotocol/logLevel"
SUBSCRIPTION_ID_KEY = "io.modelcontextprotocol/subscriptionId"
CHECK_TIMEOUT = 30.0
ELICIT_CONTENT = {"username": "octocat", "email": "octo@example.com"}
ROOTS = ["file:///tmp/interop-root-a", "file:///tmp/interop-root-b"]
MODEL_TEXT = "hello from the model"


class Abort(Exception):
    """Raised after a FAIL line was printed, to unwind the client cleanly."""


class Hooks:
    """Client callbacks; records what the server made the client do."""

    def __init__(self) -> None:
        self.elicit_action = "accept"
        self.last_content: dict[str, Any] = {}
        self.elicit_calls: list[Any] = []
        self.sampling_calls: list[Any] = []
        self.roots_calls = 0
        self.logs: list[types.LoggingMessageNotificationParams] = []
        self.notifications: list[tuple[float, Any]] = []
        self.exceptions: list[Exception] = []
        self._changed = anyio.Event()

    async def elicit(self, ctx: Any, params: Any) -> types.ElicitResult | types.ErrorData:
        self.elicit_calls.append(params)
        if self.elicit_action == "accept":
            schema = dump(getattr(params, "requested_schema", None) or {})
            if "username" in schema.get("properties", {}):
                return types.ElicitResult(action="accept", content=dict(ELICIT_CONTENT))
            self.last_content = content_for_schema(schema)
            return types.ElicitResult(action="accept", content=self.last_content)
        return types.ElicitResult(action=self.elicit_action)

    async def sample(self, ctx: Any, params: types.CreateMessageRequestParams) -> Any:
        self.sampling_calls.append(params)
        return types.CreateMessageResult(
            role="assistant",
            content=types.TextContent(type="text", text=MODEL_TEXT),
            model="interop-model",
            stop_reason="endTurn",
        )

    async def roots(self, ctx: Any) -> types.ListRootsResult:
        self.roots_calls += 1
        return types.ListRootsResult(roots=[types.Root(uri=ROOTS[0], name="a"), types.Root(uri=ROOTS[1])])

    async def log(self, params: types.LoggingMessageNotificationParams) -> None:
        self.logs.append(params)

    async def message(self, message: Any) -> None:
        if isinstance(message, Exception):
            self.exceptions.append(message)
        else:
            self.notifications.append((time.monotonic(), message))
        self._changed.set()
        self._changed = anyio.Event()

    async def wait_for(self, pred: Callable[[Any], bool], timeout: float, what: str, since: int = 0) -> Any:
        with anyio.move_on_after(timeout):
            while True:
                for _, n in self.notifications[since:]:
                    if pred(n):
                        return n
                await self._changed.wait()
        got = [getattr(n, "method", type(n).__name__) for _, n in self.notifications[since:]]
        raise CheckFailed(f"no {what} within {timeout}s (notifications received meanwhile: {got})")


def dump(model: Any) -> Any:
    if hasattr(model, "model_dump"):
        return model.model_dump(by_alias=True, mode="json", exclude_none=True)
    return model


def only_text(result: types.CallToolResult, what: str) -> str:
    expect(not result.is_error, f"{what}: isError is true: {short(dump(result))}")
    expect(len(result.content) == 1, f"{what}: expected exactly one content block, got {short(dump(result.content))}")
    block = result.content[0]
    expect(isinstance(block, types.TextContent), f"{what}: expected a text block, got {short(dump(block))}")
    return block.text


async def expect_error(awaitable: Awaitable[Any], code: int, what: str) -> MCPError:
    try:
        result = await awaitable
    except MCPError as e:
        if e.code != code:
            raise CheckFailed(f"{what}: expected JSON-RPC error {code}, got {e.code} {e.message!r} data={short(e.data)}")
        return e
    raise CheckFailed(f"{what}: expected JSON-RPC error {code}, got a result {short(dump(result))}")


class Suite:
    def __init__(self, mode: str, script: str) -> None:
        self.mode = mode
        self.modern = mode != "legacy"
        self.args: Args = parse_args(f"{script} [--timeout S] [--wire-log FILE] (-- SERVER [ARGS...] | --url URL [--pid PID])", "both")
        self.rep = Reporter(script)
        self.hooks = Hooks()
        self.client: Client | None = None
        self.wire_mark = 0
        self.http = self.args.http
        self.tap: Tap | None = None
        self.tap_label = "main"
        self.session_id: str | None = None
        if self.http:
            self.tap = Tap(self.args.wire_log)
            _tap_sdk_http_client(self)

    # -- plumbing ---------------------------------------------------------------------------

    def wire(self, label: str = "main") -> list[Frame]:
        assert self.args.wire_log is not None
        return read_wire(self.args.wire_log, label)

    def fail(self, name: str, message: str) -> None:
        frames = self.wire()
        tail = frames[-8:]
        if tail:
            message += "\n     last wire frames (C>S client to server, S>C server to client):"
            for fr in tail:
                message += f"\n       {fr.direction} {short(fr.raw, 400)}"
        print(f"FAIL {name}: {message}", flush=True)
        raise Abort()

    async def check(self, name: str, body: Callable[[], Awaitable[str | None]], timeout: float = CHECK_TIMEOUT) -> None:
        try:
            try:
                with anyio.fail_after(timeout):
                    detail = await body()
            except BaseExceptionGroup as group:
                raise _first_leaf(group) from None
        except CheckFailed as e:
            self.fail(name, str(e))
        except MCPError as e:
            self.fail(name, f"unexpected JSON-RPC error {e.code} {e.message!r} data={short(e.data)}")
        except ValidationError as e:
            self.fail(name, f"the SDK rejected the server's result as invalid for the negotiated version: {e}")
        except TimeoutError:
            self.fail(name, f"timed out after {timeout}s")
        except Abort:
            raise
        except Exception as e:  # noqa: BLE001 - report anything else precisely
            self.fail(name, f"{type(e).__name__}: {e}\n{traceback.format_exc()}")
        self.rep.ok(name, detail or "")

    def new_client(self, label: str, **overrides: Any) -> Client:
        kwargs: dict[str, Any] = dict(
            mode=self.mode,
            elicitation_callback=self.hooks.elicit,
            sampling_callback=self.hooks.sample,
            list_roots_callback=self.hooks.roots,
            logging_callback=self.hooks.log,
            message_handler=self.hooks.message,
            read_timeout_seconds=20,
            cache=None,
        )
        kwargs.update(overrides)
        if self.http:
            # Client(url) builds its HTTP client when it connects; the tap labels that one.
            self.tap_label = label
            return Client(self.args.url, **kwargs)
        cmd, cargs = tapped_command(self.args, label)
        return Client(StdioServerParameters(command=cmd, args=cargs), **kwargs)

    def exchanges(self, label: str = "main") -> list[Exchange]:
        assert self.tap is not None
        return self.tap.exchanges_of(label)

    def exchange_of(self, rid: Any, label: str = "main") -> Exchange:
        """The POST that carried the request with JSON-RPC id `rid` (type-exact)."""
        for ex in self.exchanges(label):
            if ex.method == "POST" and isinstance(ex.request_msg, dict) and "method" in ex.request_msg \
                    and json.dumps(ex.rpc_id) == json.dumps(rid):
                return ex
        raise CheckFailed(f"no POST carrying request id {rid!r} was recorded")

    @property
    def c(self) -> Client:
        assert self.client is not None
        return self.client

    # -- entry --------------------------------------------------------------------------------

    def main(self) -> None:
        try:
            anyio.run(self._run)
        except BaseException as e:  # noqa: BLE001
            if _contains(e, Abort):
                raise SystemExit(1) from None
            if isinstance(e, SystemExit):
                raise
            print(f"FAIL harness: {type(e).__name__}: {e}", flush=True)
            traceback.print_exc(file=sys.stdout)
            raise SystemExit(1) from None
        finally:
            if not self.args.keep_wire_log and self.args.wire_log:
                try:
                    import os

                    os.unlink(self.args.wire_log)
                except OSError:
                    pass
        self.rep.done()

    async def _run(self) -> None:
        with anyio.fail_after(self.args.timeout):
            self.client = self.new_client("main")
            try:
                await self.client.__aenter__()
            except Exception as e:  # noqa: BLE001
                leaf = _first_leaf(e)
                self.fail("connect", f"{self.mode} handshake failed: {type(leaf).__name__}: {leaf}")
            try:
                await self.run_checks()
            finally:
                mark = len(self.exchanges()) if self.http else 0
                await self.client.__aexit__(None, None, None)
            if self.http:
                if self.modern:
                    await self.check("no session: no Mcp-Session-Id, GET or DELETE on the 2026 era", self.check_http_sessionless)
                else:
                    await self.check("closing the client DELETEs the session; its id is then unknown (404)",
                                     lambda: self.check_http_delete(mark))
            else:
                await self.check("server exits with status 0 on stdin EOF", self.check_exit_status)
            await self.no_capability_checks()
            if self.http:
                await self.check("every JSON-RPC message the server sent validates against the official schema",
                                 self.check_http_schema)

    # -- the checks ---------------------------------------------------------------------------

    async def run_checks(self) -> None:
        await self.check("era negotiated", self.check_era)
        await self.check("server capabilities", self.check_capabilities)
        await self.check("tools/list paginates to the end with unique names in registration order", self.check_tool_listing)
        await self.check("tools/list is deterministic across listings", self.check_tool_listing_again)
        await self.check("tools/list with an invalid cursor is -32602", self.check_invalid_cursor)
        await self.check("tool input/output schemas", self.check_tool_schemas)
        await self.check("echo returns its text (non-ASCII)", self.check_echo)
        await self.check("tool_001 and tool_099 behave like echo", self.check_numbered_tools)
        await self.check("test_simple_text", self.check_simple_text)
        await self.check("test_image_content", self.check_image)
        await self.check("test_audio_content", self.check_audio)
        await self.check("test_embedded_resource", self.check_embedded)
        await self.check("test_multiple_content_types", self.check_multiple)
        await self.check("test_resource_link", self.check_resource_link)
        await self.check("test_error_handling returns isError", self.check_error_handling)
        await self.check("get_weather structuredContent matches outputSchema", self.check_weather)
        await self.check("test_tool_with_progress reports 0, 50, 100 of 100", self.check_progress)
        await self.check("slow_operation reports progress per step", self.check_slow_progress)
        await self.check("logging follows the requested level", self.check_logging)
        await self.check("cancelling slow_operation stops it; the server stays responsive", self.check_cancellation)
        await self.check("test_elicitation accept", lambda: self.check_elicitation("accept"))
        await self.check("test_elicitation decline", lambda: self.check_elicitation("decline"))
        await self.check("test_elicitation cancel", lambda: self.check_elicitation("cancel"))
        await self.check("test_sampling", self.check_sampling)
        await self.check("test_list_roots", self.check_roots)
        await self.check("test_multiple_inputs (elicitation and roots in one round)", self.check_multiple_inputs)
        for name in [n for n in getattr(self, "tool_names", []) if n.startswith("test_elicitation_")]:
            await self.check(f"{name} round-trips the accepted content", lambda name=name: self.check_elicitation_variant(name))
        await self.check("test_input_required_result_request_state", self.check_request_state)
        await self.check("resources/list and resources/templates/list", self.check_resource_listing)
        await self.check("resources/read of every resource and the template", self.check_resource_reads)
        await self.check("unknown resource is an error carrying the uri", self.check_unknown_resource)
        await self.check("prompts/list", self.check_prompt_listing)
        await self.check("prompts/get of every prompt", self.check_prompts)
        await self.check("prompts/get errors (missing argument, unknown prompt)", self.check_prompt_errors)
        await self.check("completion/complete for prompt and template arguments", self.check_completion)
        await self.check("unknown tool is a -32602 error", self.check_unknown_tool)
        if self.modern:
            await self.check("subscriptions/listen delivers list changes and resource updates", self.check_listen_modern)
        else:
            await self.check("ping", self.check_ping)
            await self.check("resources/subscribe then notifications/resources/updated", self.check_subscribe_legacy)
            await self.check("tools and prompts list_changed notifications", self.check_list_changed_legacy)
        await self.check("wire frames respect the era", self.check_wire_era)
        if self.http:
            await self.check("HTTP framing: routing headers, content types, statuses", self.check_http_framing)

    async def check_era(self) -> str:
        s = self.c.session
        if self.modern:
            expect_eq(self.c.protocol_version, MODERN, "negotiated protocol version")
            expect(s.discover_result is not None, "no DiscoverResult was adopted")
            expect(s.initialize_result is None, "the client fell back to initialize")
            d = s.discover_result
            expect(MODERN in d.supported_versions, f"supportedVersions lacks {MODERN}: {d.supported_versions}")
            frames = [f for f in self.wire() if f.direction == "C>S" and f.is_request]
            methods = [f.msg["method"] for f in frames]
            expect("initialize" not in methods, f"client sent initialize: {methods}")
            expect_eq(methods[:1], ["server/discover"], "first request")
        else:
            expect_eq(self.c.protocol_version, LEGACY_LATEST, "negotiated protocol version")
            expect(s.initialize_result is not None, "no InitializeResult")
        info = self.c.server_info
        expect(info is not None, "server did not identify itself (serverInfo)")
        expect_eq(info.name, SERVER_NAME, "serverInfo.name")
        detail = f"{self.c.protocol_version}, serverInfo {info.name} {info.version}"
        if self.http:
            detail += "; " + await self.check_http_era()
        return detail

    async def check_http_era(self) -> str:
        xs = self.exchanges()
        expect(xs, "the HTTP tap recorded nothing: Client(url) did not use the tapped HTTP client")
        first = xs[0]
        if self.modern:
            expect_eq((first.method, first.rpc_method), ("POST", "server/discover"), "first HTTP exchange")
            expect_eq(first.headers.get("mcp-protocol-version"), MODERN, "discover MCP-Protocol-Version header")
            expect_eq(first.status, 200, "discover status")
            expect("mcp-session-id" not in first.response_headers, f"discover answered with a session id: {first.response_headers}")
            return f"discover {first.status} {first.content_type}"
        init = next((x for x in xs if x.rpc_method == "initialize"), None)
        expect(init is not None, "no initialize POST recorded")
        expect_eq(init.status, 200, "initialize status")
        sid = init.response_headers.get("mcp-session-id")
        expect(sid is not None, f"initialize response lacks Mcp-Session-Id: {init.response_headers}")
        expect(sid and all(0x21 <= ord(ch) <= 0x7E for ch in sid), f"Mcp-Session-Id is not visible ASCII: {sid!r}")
        expect(len(sid) >= 16, f"Mcp-Session-Id looks guessable (length {len(sid)}): {sid!r}")
        self.session_id = sid
        get = None
        for _ in range(40):  # the SDK opens the GET stream right after notifications/initialized
            get = next((x for x in self.exchanges() if x.method == "GET"), None)
            if get is not None and get.status is not None:
                break
            await anyio.sleep(0.05)
        expect(get is not None and get.status is not None, "the client opened no standalone GET stream")
        expect_eq((get.status, get.is_sse), (200, True), f"GET stream status/content type ({get.content_type})")
        expect_eq(get.headers.get("mcp-session-id"), sid, "GET stream Mcp-Session-Id")
        return f"session {sid[:8]}…, GET stream {get.status}"

    async def check_capabilities(self) -> str:
        caps = self.c.server_capabilities
        expect(caps.tools is not None and caps.tools.list_changed is True, f"tools.listChanged: {dump(caps.tools)}")
        expect(caps.prompts is not None and caps.prompts.list_changed is True, f"prompts.listChanged: {dump(caps.prompts)}")
        expect(
            caps.resources is not None and caps.resources.subscribe is True and caps.resources.list_changed is True,
            f"resources.subscribe/listChanged: {dump(caps.resources)}",
        )
        expect(caps.logging is not None, "logging capability missing")
        expect(caps.completions is not None, "completions capability missing")
        return short(dump(caps), 200)

    async def list_all_tools(self) -> tuple[list[types.Tool], list[int]]:
        tools: list[types.Tool] = []
        sizes: list[int] = []
        cursor: str | None = None
        for _ in range(100):
            page = await self.c.list_tools(cursor=cursor)
            names = [t.name for t in page.tools]
            dupes = sorted({n for n in names if names.count(n) > 1})
            expect(not dupes, f"page {len(sizes) + 1} repeats names {dupes}")
            tools.extend(page.tools)
            sizes.append(len(page.tools))
            cursor = page.next_cursor
            if cursor is None:
                return tools, sizes
        raise CheckFailed("tools/list did not end after 100 pages")

    async def check_tool_listing(self) -> str:
        tools, sizes = await self.list_all_tools()
        names = [t.name for t in tools]
        dupes = sorted({n for n in names if names.count(n) > 1})
        expect(not dupes, f"names repeat across pages: {dupes}")
        expect(all(s <= 100 for s in sizes), f"a page exceeds the default page size 100: {sizes}")
        expect(sizes[0] == 100, f"first page should hold the default page size 100, got {sizes}")
        numbered = ["echo"] + [f"tool_{i:03d}" for i in range(1, 100)]
        expect_eq(names[:100], numbered, "the first 100 tools (echo, tool_001…tool_099 in registration order)")
        fixtures = names[100:]
        missing = [n for n in FIXTURE_TOOLS if n not in fixtures]
        expect(not missing, f"fixture tools missing from the listing: {missing}")
        expect(len(names) >= 100 + len(FIXTURE_TOOLS), f"expected at least {100 + len(FIXTURE_TOOLS)} tools, got {len(names)}")
        extra = [n for n in fixtures if n not in FIXTURE_TOOLS]
        self.tool_names = names
        self.tools = {t.name: t for t in tools}
        return f"{len(names)} tools in pages {sizes}" + (f"; extra fixtures {extra}" if extra else "")

    async def check_tool_listing_again(self) -> str:
        tools, _ = await self.list_all_tools()
        names = [t.name for t in tools]
        expect(names == self.tool_names, "second listing differs from the first")
        first = [dump(t) for t in tools]
        again = [dump(self.tools[t.name]) for t in tools]
        expect(first == again, "tool definitions differ between listings")
        return None

    async def check_invalid_cursor(self) -> None:
        await expect_error(self.c.list_tools(cursor="this-is-not-a-cursor"), -32602, "tools/list cursor=garbage")

    async def check_tool_schemas(self) -> None:
        for t in self.tools.values():
            expect(t.input_schema.get("type") == "object", f"{t.name}: inputSchema.type is not object: {t.input_schema}")
        props = self.tools["echo"].input_schema.get("properties", {})
        expect("text" in props, f"echo inputSchema lacks 'text': {self.tools['echo'].input_schema}")
        out = self.tools["get_weather"].output_schema
        expect(out is not None, "get_weather has no outputSchema")
        oprops = out.get("properties", {})
        for key, typ in (("city", "string"), ("temperature", "number"), ("conditions", "string")):
            expect(oprops.get(key, {}).get("type") == typ, f"get_weather outputSchema.{key} is not {typ}: {out}")
        slow = self.tools["slow_operation"].input_schema.get("properties", {})
        expect("steps" in slow and "step_ms" in slow, f"slow_operation inputSchema: {self.tools['slow_operation'].input_schema}")

    async def check_echo(self) -> None:
        text = "héllo wörld ✓ \"quoted\"\nnew line"
        expect_eq(only_text(await self.c.call_tool("echo", {"text": text}), "echo"), text, "echo text")

    async def check_numbered_tools(self) -> None:
        for name in ("tool_001", "tool_099"):
            expect_eq(only_text(await self.c.call_tool(name, {"text": name}), name), name, f"{name} text")

    async def check_simple_text(self) -> None:
        expect_eq(only_text(await self.c.call_tool("test_simple_text", {}), "test_simple_text"), SIMPLE_TEXT, "text")

    async def check_image(self) -> None:
        r = await self.c.call_tool("test_image_content", {})
        expect(not r.is_error and len(r.content) == 1, f"expected one block: {short(dump(r))}")
        b = r.content[0]
        expect(isinstance(b, types.ImageContent), f"expected an image block: {short(dump(b))}")
        expect_eq(b.mime_type, "image/png", "image mimeType")
        expect(base64.b64decode(b.data, validate=True).startswith(PNG_MAGIC), "image data is not a base64 PNG")

    async def check_audio(self) -> None:
        r = await self.c.call_tool("test_audio_content", {})
        expect(not r.is_error and len(r.content) == 1, f"expected one block: {short(dump(r))}")
        b = r.content[0]
        expect(isinstance(b, types.AudioContent), f"expected an audio block: {short(dump(b))}")
        expect_eq(b.mime_type, "audio/wav", "audio mimeType")
        raw = base64.b64decode(b.data, validate=True)
        expect(raw[:4] == b"RIFF" and raw[8:12] == b"WAVE", f"audio data is not a base64 WAV: {raw[:12]!r}")

    async def check_embedded(self) -> None:
        r = await self.c.call_tool("test_embedded_resource", {})
        expect(not r.is_error and len(r.content) == 1, f"expected one block: {short(dump(r))}")
        b = r.content[0]
        expect(isinstance(b, types.EmbeddedResource), f"expected a resource block: {short(dump(b))}")
        expect_eq(str(b.resource.uri), "test://embedded-resource", "embedded uri")
        expect_eq(b.resource.mime_type, "text/plain", "embedded mimeType")
        expect(isinstance(b.resource, types.TextResourceContents) and b.resource.text, "embedded resource has no text")

    async def check_multiple(self) -> None:
        r = await self.c.call_tool("test_multiple_content_types", {})
        kinds = [b.type for b in r.content]
        expect_eq(kinds, ["text", "image", "resource"], "content block types")

    async def check_resource_link(self) -> None:
        r = await self.c.call_tool("test_resource_link", {})
        links = [b for b in r.content if isinstance(b, types.ResourceLink)]
        expect(len(links) == 1, f"expected one resource_link block: {short(dump(r))}")
        expect_eq(str(links[0].uri), "test://static-text", "resource_link uri")

    async def check_error_handling(self) -> None:
        r = await self.c.call_tool("test_error_handling", {})
        expect(r.is_error is True, f"isError is not true: {short(dump(r))}")
        expect(any(isinstance(b, types.TextContent) and b.text for b in r.content), "no text block explaining the error")

    async def check_weather(self) -> str:
        r = await self.c.call_tool("get_weather", {"city": "Paris"})
        expect(not r.is_error, f"isError: {short(dump(r))}")
        sc = r.structured_content
        expect(isinstance(sc, dict), f"structuredContent is not an object: {sc!r}")
        expect_eq(sc.get("city"), "Paris", "structuredContent.city")
        expect(isinstance(sc.get("temperature"), (int, float)) and not isinstance(sc.get("temperature"), bool),
               f"temperature is not a number: {sc!r}")
        expect(isinstance(sc.get("conditions"), str), f"conditions is not a string: {sc!r}")
        texts = [b.text for b in r.content if isinstance(b, types.TextContent)]
        expect(texts, "no text block with the serialized structuredContent")
        expect(any(_json_or_none(t) == sc for t in texts), f"no text block equals structuredContent as JSON: {texts}")
        return short(sc, 120)

    async def progress_of(self, name: str, args: dict[str, Any]) -> tuple[types.CallToolResult, list[tuple[float, Any]], list[Any]]:
        seen: list[tuple[float, Any]] = []

        async def on_progress(progress: float, total: float | None, message: str | None) -> None:
            seen.append((progress, total))

        mark = len(self.wire())
        r = await self.c.call_tool(name, args, progress_callback=on_progress)
        await anyio.sleep(0.2)  # progress callbacks are spawned tasks
        frames = self.wire()[mark:]
        req = next((f for f in frames if f.direction == "C>S" and f.is_request and f.msg["method"] == "tools/call"), None)
        expect(req is not None, "tools/call not seen on the wire")
        token = req.msg["params"]["_meta"]["progressToken"]
        wire_progress: list[Any] = []
        for f in frames:
            if f.direction != "S>C":
                continue
            if f.is_response and f.msg.get("id") == req.msg["id"]:
                break
            if f.is_notification and f.msg["method"] == "notifications/progress" and f.msg["params"].get("progressToken") == token:
                wire_progress.append(f.msg["params"])
        return r, seen, wire_progress

    async def check_progress(self) -> str:
        r, seen, wire = await self.progress_of("test_tool_with_progress", {})
        expect(not r.is_error, f"isError: {short(dump(r))}")
        got = [(p["progress"], p.get("total")) for p in wire]
        expect_eq(got, [(0, 100), (50, 100), (100, 100)], "progress notifications before the response (wire order)")
        expect_eq(sorted(seen), [(0.0, 100.0), (50.0, 100.0), (100.0, 100.0)], "progress callback values")
        return f"{got}"

    async def check_slow_progress(self) -> str:
        r, seen, wire = await self.progress_of("slow_operation", {"steps": 3, "step_ms": 20})
        expect_eq(only_text(r, "slow_operation"), "completed 3 steps", "slow_operation text")
        got = [(p["progress"], p.get("total")) for p in wire]
        expect_eq(got, [(1, 3), (2, 3), (3, 3)], "progress notifications before the response (wire order)")
        expect_eq(len(seen), 3, "progress callback count")
        return f"{got}"

    async def check_logging(self) -> str:
        async def run(meta: dict[str, Any] | None) -> list[Any]:
            before = len(self.hooks.logs)
            r = await self.c.call_tool("test_tool_with_logging", {}, meta=meta)
            expect(not r.is_error and any(isinstance(b, types.TextContent) for b in r.content), f"result: {short(dump(r))}")
            await anyio.sleep(0.3)
            return self.hooks.logs[before:]

        if self.modern:
            none = await run(None)
            expect(not none, f"notifications/message sent without a logLevel in _meta: {[dump(x) for x in none]}")
            high = await run({LOG_LEVEL_KEY: "error"})
            expect(not high, f"info messages delivered at logLevel error: {[dump(x) for x in high]}")
            got = await run({LOG_LEVEL_KEY: "info"})
        else:
            # Before logging/setLevel the 2025-11-25 spec leaves the server's default level open.
            default = await run(None)
            await self.c.set_logging_level("error")
            high = await run(None)
            expect(not high, f"info messages delivered at level error: {[dump(x) for x in high]}")
            await self.c.set_logging_level("info")
            got = await run(None)
        expect_eq(len(got), 3, f"log messages at level info (got {[dump(x) for x in got]})")
        for m in got:
            expect_eq(m.level, "info", "log level")
            expect_eq(m.logger, "reference", "logger")
        if not self.modern:
            return f"{len(got)} messages at info, 0 at error, {len(default)} before setLevel"
        return f"{len(got)} messages"

    async def check_cancellation(self) -> str:
        progressed = anyio.Event()
        values: list[float] = []

        async def on_progress(progress: float, total: float | None, message: str | None) -> None:
            values.append(progress)
            if progress >= 2:
                progressed.set()

        mark = len(self.wire())
        with anyio.CancelScope() as scope:
            async with anyio.create_task_group() as tg:
                async def run() -> None:
                    await self.c.call_tool("slow_operation", {"steps": 50, "step_ms": 100}, progress_callback=on_progress)
                    raise CheckFailed("slow_operation completed although it was cancelled")

                tg.start_soon(run)
                with anyio.fail_after(10):
                    await progressed.wait()
                scope.cancel()
        cancelled_at = time.monotonic()
        r = await self.c.call_tool("echo", {"text": "after cancel"})
        latency = time.monotonic() - cancelled_at
        expect_eq(only_text(r, "echo"), "after cancel", "echo after cancel")
        expect(latency < 2.0, f"echo after cancel took {latency:.2f}s")
        await anyio.sleep(1.0)  # 10 more steps would have run by now
        frames = self.wire()[mark:]
        call = next(f for f in frames if f.direction == "C>S" and f.is_request and f.msg["method"] == "tools/call")
        rid = call.msg["id"]
        if self.http and self.modern:
            return self.cancellation_by_closing_the_stream(frames, call, values, latency)
        idx = next((i for i, f in enumerate(frames) if f.direction == "C>S" and f.is_notification
                    and f.msg["method"] == "notifications/cancelled" and f.msg["params"].get("requestId") == rid), None)
        expect(idx is not None, "the client did not send notifications/cancelled")
        token = call.msg["params"]["_meta"].get("progressToken")
        after = [f.msg["params"]["progress"] for f in frames[idx:] if f.direction == "S>C" and f.is_notification
                 and f.msg["method"] == "notifications/progress" and f.msg["params"].get("progressToken") == token]
        expect(len(after) <= 1, f"progress kept coming after notifications/cancelled: {after}")
        replies = [f.raw for f in frames[idx:] if f.direction == "S>C" and f.is_response and f.msg.get("id") == rid]
        expect(not replies, f"the server replied to the cancelled request: {short(replies)}")
        if self.http:  # legacy: the notification is POSTed (202); closing a stream would not cancel
            posts = [x for x in self.exchanges() if x.rpc_method == "notifications/cancelled"]
            expect(posts, "notifications/cancelled was not POSTed")
            expect_eq(posts[-1].status, 202, "status of the notifications/cancelled POST")
        return f"cancelled at progress {max(values)}, echo answered in {latency * 1000:.0f} ms"

    def cancellation_by_closing_the_stream(self, frames: list[Frame], call: Frame, values: list[float], latency: float) -> str:
        """2026 over HTTP: the client cancels by closing the request's SSE response; the server must
        treat the disconnect as cancellation (never answer it, stop reporting progress)."""
        rid = call.msg["id"]
        ex = self.exchange_of(rid)
        expect(ex.is_sse, f"slow_operation with progress was not answered as SSE ({ex.describe()})")
        expect(ex.closed_early, f"the SDK did not close the response stream to cancel ({ex.describe()}, eof={ex.eof})")
        posted = [x for x in self.exchanges() if x.rpc_method == "notifications/cancelled"]
        expect(not posted, f"notifications/cancelled was POSTed on the 2026 era: {[x.describe() for x in posted]}")
        replies = [f.raw for f in self.wire() if f.direction == "S>C" and f.is_response and json.dumps(f.msg.get("id")) == json.dumps(rid)]
        expect(not replies, f"a response to the cancelled request arrived: {short(replies)}")
        late = [e for e in ex.events if ex.closed_at is not None and e.at > ex.closed_at]
        expect(not late, f"events kept arriving after the stream was closed: {len(late)}")
        return (f"stream closed at progress {max(values)} after {len(ex.events)} events; "
                f"echo answered in {latency * 1000:.0f} ms")

    async def check_elicitation(self, action: str) -> str:
        self.hooks.elicit_action = action
        before = len(self.hooks.elicit_calls)
        mark = len(self.wire())
        r = await self.c.call_tool("test_elicitation", {"message": f"please sign in ({action})"})
        self.hooks.elicit_action = "accept"
        text = only_text(r, "test_elicitation")
        calls = self.hooks.elicit_calls[before:]
        expect_eq(len(calls), 1, "elicitation callback invocations")
        p = calls[0]
        expect_eq(getattr(p, "mode", "form"), "form", "elicitation mode")
        expect_eq(p.message, f"please sign in ({action})", "elicitation message")
        schema = dump(p.requested_schema)
        props = schema.get("properties", {})
        expect(props.get("username", {}).get("type") == "string", f"requestedSchema.username: {schema}")
        expect(props.get("email", {}).get("type") == "string", f"requestedSchema.email: {schema}")
        expect_eq(schema.get("required"), ["username"], "requestedSchema.required")
        want = {
            "accept": 'accepted: {"email":"octo@example.com","username":"octocat"}',
            "decline": "declined",
            "cancel": "cancelled",
        }[action]
        expect_eq(text, want, "test_elicitation result")
        await self.expect_input_path(self.wire()[mark:], "elicitation/create")
        return None

    async def expect_input_path(self, frames: list[Frame], method: str) -> None:
        """Modern: the input request rides in an input_required result; legacy: a server→client request."""
        server_requests = [f for f in frames if f.direction == "S>C" and f.is_request]
        if self.modern:
            expect(not server_requests, f"server sent JSON-RPC requests on the modern era: {short([f.raw for f in server_requests])}")
            interim = [f for f in frames if f.direction == "S>C" and f.is_response and isinstance(f.msg.get("result"), dict)
                       and f.msg["result"].get("resultType") == "input_required"]
            expect(interim, "no input_required result on the wire")
            reqs = interim[0].msg["result"].get("inputRequests") or {}
            expect(any(v.get("method") == method for v in reqs.values()), f"inputRequests lacks {method}: {short(reqs)}")
            retries = [f for f in frames if f.direction == "C>S" and f.is_request and "inputResponses" in (f.msg.get("params") or {})]
            expect(retries, "client retry with inputResponses not seen")
            expect(retries[0].msg["id"] != interim[0].msg["id"], "retry reused the request id")
        else:
            expect([f for f in server_requests if f.msg["method"] == method],
                   f"no server→client {method} request on the wire (server requests: {[f.msg['method'] for f in server_requests]})")
            if self.http:
                await self.expect_http_server_request(method)
            interim = [f for f in frames if f.direction == "S>C" and f.is_response and isinstance(f.msg.get("result"), dict)
                       and "resultType" in f.msg["result"]]
            expect(not interim, f"legacy result carries resultType: {short(interim[0].raw)}" if interim else "")

    async def expect_http_server_request(self, method: str) -> None:
        """Legacy HTTP: a server→client request rides on the SSE response of the tools/call that
        needed it, and the client's answer is POSTed back and accepted with 202."""
        carrier = None
        request_id = None
        for ex in reversed(self.exchanges()):
            for e in ex.events:
                m = e.msg
                if isinstance(m, dict) and m.get("method") == method and "id" in m:
                    carrier, request_id = ex, m["id"]
            if carrier is not None:
                break
        expect(carrier is not None, f"{method} did not arrive on any SSE stream")
        expect_eq((carrier.method, carrier.rpc_method), ("POST", "tools/call"), f"stream that carried {method}")
        answers = [x for x in self.exchanges() if x.method == "POST" and isinstance(x.request_msg, dict)
                   and "method" not in x.request_msg and json.dumps(x.rpc_id) == json.dumps(request_id)]
        expect(answers, f"the client's answer to {method} (id {request_id!r}) was not POSTed")
        for _ in range(100):  # the tool's result may reach the client before the 202 of the answer POST
            if answers[-1].status is not None:
                break
            await anyio.sleep(0.02)
        expect_eq(answers[-1].status, 202, f"status of the POSTed answer to {method}")
        expect_eq(answers[-1].headers.get("mcp-session-id"), self.session_id, "session id on the POSTed answer")

    def expect_on_get_stream(self, method: str) -> None:
        """Legacy HTTP: notifications unrelated to a request travel on the standalone GET stream."""
        gets = [x for x in self.exchanges() if x.method == "GET"]
        expect(gets, "no GET stream")
        expect(any(isinstance(e.msg, dict) and e.msg.get("method") == method for x in gets for e in x.events),
               f"{method} did not arrive on the GET stream")

    async def check_sampling(self) -> str:
        before = len(self.hooks.sampling_calls)
        mark = len(self.wire())
        r = await self.c.call_tool("test_sampling", {"prompt": "Say hi to the interop test"})
        expect_eq(only_text(r, "test_sampling"), f"model said: {MODEL_TEXT}", "test_sampling result")
        calls = self.hooks.sampling_calls[before:]
        expect_eq(len(calls), 1, "sampling callback invocations")
        expect("Say hi to the interop test" in json.dumps(dump(calls[0])), f"prompt not in sampling request: {short(dump(calls[0]))}")
        await self.expect_input_path(self.wire()[mark:], "sampling/createMessage")
        return None

    async def check_roots(self) -> None:
        before = self.hooks.roots_calls
        mark = len(self.wire())
        r = await self.c.call_tool("test_list_roots", {})
        text = only_text(r, "test_list_roots")
        expect(self.hooks.roots_calls == before + 1, "roots callback not invoked exactly once")
        for uri in ROOTS:
            expect(uri in text, f"root {uri} missing from {text!r}")
        await self.expect_input_path(self.wire()[mark:], "roots/list")

    async def check_elicitation_variant(self, name: str) -> str:
        before = len(self.hooks.elicit_calls)
        mark = len(self.wire())
        r = await self.c.call_tool(name, {})
        text = only_text(r, name)
        expect_eq(len(self.hooks.elicit_calls) - before, 1, "elicitation callback invocations")
        sent = json.dumps(self.hooks.last_content, sort_keys=True, separators=(",", ":"))
        expect_eq(text, f"accept: {sent}", f"{name} result")
        await self.expect_input_path(self.wire()[mark:], "elicitation/create")
        return None

    async def check_multiple_inputs(self) -> str | None:
        if "test_multiple_inputs" not in self.tools:
            return "not offered by this server"
        before_e, before_r = len(self.hooks.elicit_calls), self.hooks.roots_calls
        mark = len(self.wire())
        r = await self.c.call_tool("test_multiple_inputs", {})
        expect_eq(only_text(r, "test_multiple_inputs"), "confirm: accept, roots: 2", "test_multiple_inputs result")
        expect_eq((len(self.hooks.elicit_calls) - before_e, self.hooks.roots_calls - before_r), (1, 1),
                  "(elicitation, roots) callback invocations")
        frames = self.wire()[mark:]
        await self.expect_input_path(frames, "elicitation/create")
        await self.expect_input_path(frames, "roots/list")
        return None

    async def check_request_state(self) -> str:
        name = "test_input_required_result_request_state"
        r = await self.c.call_tool(name, {})
        if not self.modern:
            text = only_text(r, name)
            frames = [f for f in self.wire() if f.direction == "S>C" and f.is_response
                      and isinstance(f.msg.get("result"), dict) and f.msg["result"].get("resultType") == "input_required"]
            expect(not frames, f"input_required sent on the legacy era: {short(frames[0].raw)}" if frames else "")
            return f"legacy result: {text!r}"
        expect_eq(only_text(r, name), "state verified", "driven result")
        s = self.c.session
        first = await s.call_tool(name, {}, allow_input_required=True)
        expect(isinstance(first, types.InputRequiredResult), f"first round is not input_required: {short(dump(first))}")
        expect(not first.input_requests, f"expected only requestState, got inputRequests {short(dump(first.input_requests))}")
        expect(bool(first.request_state), "input_required result without requestState")
        done = await s.call_tool(name, {}, request_state=first.request_state, allow_input_required=True)
        expect(isinstance(done, types.CallToolResult), f"retry with state did not complete: {short(dump(done))}")
        expect_eq(only_text(done, name), "state verified", "retry result")
        try:
            bad = await s.call_tool(name, {}, request_state="tampered-" + first.request_state, allow_input_required=True)
        except MCPError as e:
            expect_eq(e.code, -32602, "tampered requestState error code")
            return "tampered state rejected with -32602"
        if isinstance(bad, types.CallToolResult):
            texts = [b.text for b in bad.content if isinstance(b, types.TextContent)]
            expect("state verified" not in texts, "a tampered requestState was accepted as verified")
        return f"tampered state answered with {type(bad).__name__}"

    async def check_resource_listing(self) -> str:
        resources: list[types.Resource] = []
        cursor = None
        for _ in range(50):
            page = await self.c.list_resources(cursor=cursor)
            resources.extend(page.resources)
            cursor = page.next_cursor
            if cursor is None:
                break
        uris = [str(r.uri) for r in resources]
        for uri in STATIC_RESOURCES:
            expect(uri in uris, f"{uri} missing from resources/list: {uris}")
        by = {str(r.uri): r for r in resources}
        expect_eq(by["test://static-text"].mime_type, "text/plain", "static-text mimeType")
        expect_eq(by["test://static-binary"].mime_type, "image/png", "static-binary mimeType")
        templates = (await self.c.list_resource_templates()).resource_templates
        expect(any(t.uri_template == TEMPLATE for t in templates), f"template missing: {[t.uri_template for t in templates]}")
        return f"{len(uris)} resources, {len(templates)} templates"

    async def read_one(self, uri: str) -> Any:
        r = await self.c.read_resource(uri)
        expect_eq(len(r.contents), 1, f"{uri}: number of contents")
        c = r.contents[0]
        expect_eq(str(c.uri), uri, f"{uri}: contents[0].uri")
        return c

    async def check_resource_reads(self) -> None:
        c = await self.read_one("test://static-text")
        expect(isinstance(c, types.TextResourceContents), "static-text is not text")
        expect_eq(c.text, STATIC_TEXT, "static-text content")
        expect_eq(c.mime_type, "text/plain", "static-text mimeType")
        c = await self.read_one("test://static-binary")
        expect(isinstance(c, types.BlobResourceContents), "static-binary is not a blob")
        expect_eq(c.mime_type, "image/png", "static-binary mimeType")
        expect(base64.b64decode(c.blob, validate=True).startswith(PNG_MAGIC), "static-binary is not a PNG")
        c = await self.read_one("test://watched-resource")
        expect(isinstance(c, types.TextResourceContents), "watched-resource is not text")
        c = await self.read_one("test://stateless-static-text")
        expect(isinstance(c, types.TextResourceContents) and c.text, "stateless-static-text is empty")
        c = await self.read_one("test://template/42/data")
        expect(isinstance(c, types.TextResourceContents), "template read is not text")
        expect_eq(c.mime_type, "application/json", "template mimeType")
        expect(_json_or_none(c.text) is not None, f"template text is not JSON: {c.text!r}")
        expect("42" in c.text, f"template text does not contain the id 42: {c.text!r}")

    async def check_unknown_resource(self) -> str:
        code = -32602 if self.modern else -32002
        e = await expect_error(self.c.read_resource("test://does-not-exist"), code, "resources/read test://does-not-exist")
        expect(isinstance(e.data, dict) and e.data.get("uri") == "test://does-not-exist", f"error data lacks the uri: {e.data!r}")
        return f"{e.code} {e.message!r}"

    async def check_prompt_listing(self) -> None:
        prompts = (await self.c.list_prompts()).prompts
        names = [p.name for p in prompts]
        expect_eq(names[: len(PROMPTS)], PROMPTS, "prompt names in registration order")
        args = {a.name: a.required for a in next(p for p in prompts if p.name == "test_prompt_with_arguments").arguments or []}
        expect_eq(args, {"arg1": True, "arg2": True}, "test_prompt_with_arguments arguments (name: required)")
        args = {a.name: a.required for a in next(p for p in prompts if p.name == "test_prompt_with_embedded_resource").arguments or []}
        expect_eq(args.get("resourceUri"), True, "test_prompt_with_embedded_resource resourceUri required")

    async def check_prompts(self) -> None:
        r = await self.c.get_prompt("test_simple_prompt")
        expect(r.messages and all(m.role in ("user", "assistant") for m in r.messages), f"messages: {short(dump(r))}")
        r = await self.c.get_prompt("test_prompt_with_arguments", {"arg1": "alpha-value", "arg2": "beta-value"})
        blob = json.dumps(dump(r))
        expect("alpha-value" in blob and "beta-value" in blob, f"arguments not in the prompt: {short(dump(r))}")
        r = await self.c.get_prompt("test_prompt_with_embedded_resource", {"resourceUri": "test://static-text"})
        res = [m.content for m in r.messages if isinstance(m.content, types.EmbeddedResource)]
        expect(res, f"no embedded resource message: {short(dump(r))}")
        expect_eq(str(res[0].resource.uri), "test://static-text", "embedded resource uri")
        r = await self.c.get_prompt("test_prompt_with_image")
        imgs = [m.content for m in r.messages if isinstance(m.content, types.ImageContent)]
        expect(imgs, f"no image message: {short(dump(r))}")
        expect_eq(imgs[0].mime_type, "image/png", "prompt image mimeType")

    async def check_prompt_errors(self) -> None:
        await expect_error(self.c.get_prompt("test_prompt_with_arguments", {"arg1": "only one"}), -32602, "missing arg2")
        await expect_error(self.c.get_prompt("no_such_prompt"), -32602, "unknown prompt")

    async def check_completion(self) -> None:
        pref = types.PromptReference(type="ref/prompt", name="test_prompt_with_arguments")
        tref = types.ResourceTemplateReference(type="ref/resource", uri=TEMPLATE)
        cases = [
            (pref, "arg1", "pa", [v for v in ARG1_VALUES if v.startswith("pa")]),
            (pref, "arg1", "pe", ["peach"]),
            (pref, "arg1", "", ARG1_VALUES),
            (pref, "arg1", "zz", []),
            (tref, "id", "4", ["42"]),
            (tref, "id", "", ID_VALUES),
        ]
        for ref, arg, value, want in cases:
            r = await self.c.complete(ref, {"name": arg, "value": value})
            expect_eq(r.completion.values, want, f"completion {ref.type} {arg}={value!r}")

    async def check_unknown_tool(self) -> str:
        e = await expect_error(self.c.call_tool("no_such_tool", {}), -32602, "tools/call no_such_tool")
        return f"{e.code} {e.message!r}"

    async def next_event(self, sub: Any, kind: type, timeout: float = 5.0) -> Any:
        with anyio.fail_after(timeout):
            async for event in sub:
                if isinstance(event, kind):
                    return event
        raise CheckFailed(f"listen stream ended before a {kind.__name__} event")

    async def check_listen_modern(self) -> str:
        watched = "test://watched-resource"
        async with self.c.listen(
            tools_list_changed=True, prompts_list_changed=True, resources_list_changed=True, resource_subscriptions=[watched]
        ) as sub:
            h = sub.honored
            expect(h.tools_list_changed and h.prompts_list_changed and h.resources_list_changed,
                   f"acknowledged filter drops a supported kind: {dump(h)}")
            expect_eq(h.resource_subscriptions, [watched], "acknowledged resourceSubscriptions")
            before_tools = set((t.name for t in (await self.list_all_tools())[0]))
            mark = len(self.wire())
            await self.c.call_tool("test_trigger_tool_change", {})
            try:
                await self.next_event(sub, ToolsListChanged)
            except TimeoutError:
                raise CheckFailed("no tools list_changed on the listen stream within 5s") from None
            after_tools = [t.name for t in (await self.list_all_tools())[0]]
            new = [n for n in after_tools if n not in before_tools]
            expect(len(new) == 1 and new[0].startswith("dynamic_tool_"), f"new tools after the trigger: {new}")
            tagged = [f for f in self.wire()[mark:] if f.direction == "S>C" and f.is_notification
                      and f.msg["method"] == "notifications/tools/list_changed"]
            expect(tagged, "tools list_changed not seen on the wire")
            expect_eq((tagged[0].msg.get("params") or {}).get("_meta", {}).get(SUBSCRIPTION_ID_KEY), sub.subscription_id,
                      "list_changed _meta subscriptionId")

            before_prompts = {p.name for p in (await self.c.list_prompts()).prompts}
            await self.c.call_tool("test_trigger_prompt_change", {})
            try:
                await self.next_event(sub, PromptsListChanged)
            except TimeoutError:
                raise CheckFailed("no prompts list_changed on the listen stream within 5s") from None
            new_prompts = {p.name for p in (await self.c.list_prompts()).prompts} - before_prompts
            expect(len(new_prompts) == 1, f"new prompts after the trigger: {new_prompts}")

            old = (await self.c.read_resource(watched)).contents[0]
            await self.c.call_tool("test_trigger_resource_update", {})
            try:
                ev = await self.next_event(sub, ResourceUpdated)
            except TimeoutError:
                raise CheckFailed("no resources/updated on the listen stream within 5s") from None
            expect_eq(ev.uri, watched, "updated uri")
            new_content = (await self.c.read_resource(watched)).contents[0]
            expect(dump(new_content) != dump(old), "watched resource content did not change after the trigger")
            sid = sub.subscription_id
        if self.http:
            listen = [x for x in self.exchanges() if x.rpc_method == "subscriptions/listen"]
            expect(listen, "subscriptions/listen was not POSTed")
            lx = listen[-1]
            expect(lx.is_sse, f"listen was not answered as SSE ({lx.describe()})")
            first = lx.events[0].msg if lx.events else None
            expect(isinstance(first, dict) and first.get("method") == "notifications/subscriptions/acknowledged",
                   f"first event of the listen stream: {short(first)}")
            await anyio.sleep(0.2)
            expect(lx.closed_early, f"leaving listen() did not close the stream ({lx.describe()}, eof={lx.eof})")
        mark = len(self.wire())
        await anyio.sleep(0.3)
        await self.c.call_tool("test_trigger_tool_change", {})
        await anyio.sleep(0.5)
        late = [f.raw for f in self.wire()[mark:] if f.direction == "S>C"
                and json.dumps(((f.msg or {}).get("params") or {}).get("_meta", {}).get(SUBSCRIPTION_ID_KEY)) == json.dumps(sid)]
        expect(not late, f"frames for the cancelled listen {sid!r} kept coming: {short(late)}")
        return f"subscription {sid!r}: new tool {new[0]}, prompt {sorted(new_prompts)[0]}"

    async def check_ping(self) -> None:
        await self.c.send_ping()

    async def check_subscribe_legacy(self) -> None:
        watched = "test://watched-resource"
        await self.c.subscribe_resource(watched)
        old = (await self.c.read_resource(watched)).contents[0]
        since = len(self.hooks.notifications)
        await self.c.call_tool("test_trigger_resource_update", {})
        await self.hooks.wait_for(
            lambda n: isinstance(n, types.ResourceUpdatedNotification) and str(n.params.uri) == watched,
            5.0, f"notifications/resources/updated for {watched}", since)
        if self.http:
            self.expect_on_get_stream("notifications/resources/updated")
        new = (await self.c.read_resource(watched)).contents[0]
        expect(dump(new) != dump(old), "watched resource content did not change")
        await self.c.unsubscribe_resource(watched)
        since = len(self.hooks.notifications)
        await self.c.call_tool("test_trigger_resource_update", {})
        await anyio.sleep(0.5)
        late = [n for _, n in self.hooks.notifications[since:] if isinstance(n, types.ResourceUpdatedNotification)]
        expect(not late, "resources/updated delivered after resources/unsubscribe")

    async def check_list_changed_legacy(self) -> str:
        before = {t.name for t in (await self.list_all_tools())[0]}
        since = len(self.hooks.notifications)
        await self.c.call_tool("test_trigger_tool_change", {})
        await self.hooks.wait_for(lambda n: isinstance(n, types.ToolListChangedNotification), 5.0,
                                  "notifications/tools/list_changed", since)
        new = [t.name for t in (await self.list_all_tools())[0] if t.name not in before]
        expect(len(new) == 1 and new[0].startswith("dynamic_tool_"), f"new tools after the trigger: {new}")
        if self.http:
            self.expect_on_get_stream("notifications/tools/list_changed")
        before_p = {p.name for p in (await self.c.list_prompts()).prompts}
        since = len(self.hooks.notifications)
        await self.c.call_tool("test_trigger_prompt_change", {})
        await self.hooks.wait_for(lambda n: isinstance(n, types.PromptListChangedNotification), 5.0,
                                  "notifications/prompts/list_changed", since)
        new_p = {p.name for p in (await self.c.list_prompts()).prompts} - before_p
        expect(len(new_p) == 1, f"new prompts after the trigger: {new_p}")
        if self.http:
            self.expect_on_get_stream("notifications/prompts/list_changed")
        return f"new tool {new[0]}, new prompt {sorted(new_p)[0]}"

    async def check_wire_era(self) -> str:
        frames = self.wire()
        bad = [f.raw for f in frames if f.direction == "S>C" and f.msg is None]
        expect(not bad, f"server wrote non-JSON lines to stdout: {short(bad)}")
        notjsonrpc = [f.raw for f in frames if f.direction == "S>C" and (not isinstance(f.msg, dict) or f.msg.get("jsonrpc") != "2.0")]
        expect(not notjsonrpc, f"server wrote non-JSON-RPC frames: {short(notjsonrpc)}")
        results = [f for f in frames if f.direction == "S>C" and f.is_response and "result" in f.msg]
        if self.modern:
            reqs = [f.raw for f in frames if f.direction == "S>C" and f.is_request]
            expect(not reqs, f"server sent requests on the modern era: {short(reqs)}")
            missing = [f.raw for f in results if not isinstance(f.msg["result"], dict) or "resultType" not in f.msg["result"]]
            expect(not missing, f"modern results without resultType: {short(missing)}")
        else:
            leaked = [f.raw for f in results if isinstance(f.msg["result"], dict)
                      and {"resultType", "ttlMs", "cacheScope"} & set(f.msg["result"])]
            expect(not leaked, f"legacy results carry 2026-only fields: {short(leaked)}")
        return f"{len(frames)} frames"

    async def check_http_framing(self) -> str:
        """Every exchange of the main client, against DIGEST §9 (2026) / §13 (legacy)."""
        xs = [x for x in self.exchanges() if x.status is not None]
        problems: list[str] = []
        sse = json_n = 0
        cancelled = {json.dumps(((x.request_msg or {}).get("params") or {}).get("requestId")) for x in xs
                     if x.rpc_method == "notifications/cancelled"}
        for x in xs:
            msg = x.request_msg
            is_req = isinstance(msg, dict) and "method" in msg and "id" in msg
            where = x.describe() + (f" ({x.rpc_method} id {x.rpc_id!r})" if is_req else "")
            if self.modern:
                if x.method != "POST":
                    problems.append(f"{where}: not a POST on the 2026 era")
                    continue
                if "mcp-session-id" in x.response_headers:
                    problems.append(f"{where}: response carries Mcp-Session-Id")
                if is_req:
                    meta = ((msg.get("params") or {}).get("_meta") or {})
                    if x.headers.get("mcp-protocol-version") != meta.get("io.modelcontextprotocol/protocolVersion"):
                        problems.append(f"{where}: MCP-Protocol-Version {x.headers.get('mcp-protocol-version')!r} vs _meta")
                    if x.headers.get("mcp-method") != msg["method"]:
                        problems.append(f"{where}: Mcp-Method {x.headers.get('mcp-method')!r}")
                    key = {"tools/call": "name", "prompts/get": "name", "resources/read": "uri"}.get(msg["method"])
                    if key and x.headers.get("mcp-name") != (msg.get("params") or {}).get(key):
                        problems.append(f"{where}: Mcp-Name {x.headers.get('mcp-name')!r}")
            else:
                if x.rpc_method != "initialize" and x.headers.get("mcp-session-id") != self.session_id:
                    problems.append(f"{where}: Mcp-Session-Id {x.headers.get('mcp-session-id')!r} is not the issued one")
                if x.method == "POST" and x.rpc_method != "initialize" and x.headers.get("mcp-protocol-version") != LEGACY_LATEST:
                    problems.append(f"{where}: MCP-Protocol-Version {x.headers.get('mcp-protocol-version')!r}")
            if x.method == "POST" and not is_req:
                if x.status != 202:
                    problems.append(f"{where}: a notification/response POST got {x.status}, not 202")
                continue
            if x.method == "POST" and is_req:
                if x.is_sse:
                    sse += 1
                    if x.response_headers.get("x-accel-buffering") != "no":
                        problems.append(f"{where}: SSE without X-Accel-Buffering: no")
                    msgs = x.server_messages()
                    responses = [m for m in msgs if isinstance(m, dict) and "method" not in m]
                    if x.eof and x.rpc_method != "subscriptions/listen" and json.dumps(x.rpc_id) not in cancelled:
                        if len(responses) != 1 or json.dumps(responses[0].get("id")) != json.dumps(x.rpc_id):
                            problems.append(f"{where}: SSE stream ended with responses {short(responses, 200)}")
                        elif msgs[-1] is not responses[0]:
                            problems.append(f"{where}: frames after the response on its stream")
                    if self.modern and any(isinstance(m, dict) and "method" in m and "id" in m for m in msgs):
                        problems.append(f"{where}: server request on a 2026 stream")
                    if not self.modern:
                        bad_ids = [e.id for e in x.events if not e.id or "-" not in e.id]
                        if bad_ids:
                            problems.append(f"{where}: legacy SSE events without <stream>-<n> ids: {bad_ids[:3]}")
                elif x.content_type.startswith("application/json"):
                    json_n += 1
                    msgs = x.server_messages()
                    if len(msgs) != 1 or not isinstance(msgs[0], dict):
                        problems.append(f"{where}: JSON body is not one message")
                        continue
                    m = msgs[0]
                    if json.dumps(m.get("id")) != json.dumps(x.rpc_id):
                        problems.append(f"{where}: response id {m.get('id')!r}")
                    err = m.get("error")
                    want = 200
                    if err is not None and self.modern:
                        want = {-32700: 400, -32600: 400, -32602: 400, -32020: 400, -32021: 400, -32022: 400,
                                -32601: 404}.get(err.get("code"), 200)
                    if x.status != want:
                        problems.append(f"{where}: status {x.status} for {short(err or 'a result', 120)} (want {want})")
                else:
                    problems.append(f"{where}: unexpected content type")
        expect(not problems, f"{len(problems)} framing problem(s):\n       " + "\n       ".join(problems[:12]))
        return f"{len(xs)} exchanges: {json_n} JSON, {sse} SSE"

    async def check_http_schema(self) -> str:
        from http_schema import MessageValidator

        assert self.tap is not None
        v = MessageValidator(MODERN if self.modern else LEGACY_LATEST)
        for x in self.tap.exchanges:
            answering = x.rpc_method if isinstance(x.request_msg, dict) and "id" in x.request_msg else None
            for i, m in enumerate(x.server_messages()):
                v.message(m, answering, f"{x.label} {x.describe()} message {i + 1}")
        unique = list(dict.fromkeys(v.failures))
        expect(not unique, f"{len(unique)} invalid message(s):\n     - " + "\n     - ".join(unique[:8]))
        expect(v.count > 50, f"only {v.count} messages validated")
        return f"{v.count} messages against schema-{v.version}.json"

    async def check_http_sessionless(self) -> str:
        xs = self.exchanges()
        bad = [x.describe() for x in xs if x.method != "POST"]
        expect(not bad, f"the 2026 client sent non-POST requests: {bad}")
        sids = [x.describe() for x in xs if "mcp-session-id" in x.response_headers or "mcp-session-id" in x.headers]
        expect(not sids, f"session ids on the 2026 era: {sids}")
        return f"{len(xs)} POSTs"

    async def check_http_delete(self, mark: int) -> str:
        deletes = [x for x in self.exchanges()[mark:] if x.method == "DELETE"]
        expect(deletes, "the client did not DELETE its session on close")
        d = deletes[-1]
        expect_eq(d.headers.get("mcp-session-id"), self.session_id, "DELETE Mcp-Session-Id")
        expect(d.status in (200, 204), f"DELETE status {d.status}")
        assert self.tap is not None
        async with self.tap.client(httpx2, "after-delete") as http:
            r = await http.post(self.args.url, json={"jsonrpc": "2.0", "id": 99, "method": "tools/list"}, headers={
                "accept": "application/json, text/event-stream", "mcp-session-id": self.session_id,
                "mcp-protocol-version": LEGACY_LATEST})
        expect_eq(r.status_code, 404, "status of a POST with the deleted session id")
        return f"DELETE {d.status}, then {r.status_code}"

    async def check_exit_status(self) -> str:
        for _ in range(50):
            exits = [f for f in self.wire() if f.direction == "EXIT"]
            if exits:
                break
            await anyio.sleep(0.1)
        else:
            raise CheckFailed("wiretap recorded no server exit")
        code = int(exits[-1].raw)
        expect(code == 0, f"server exit status {code} (negative = killed by signal: the SDK sends SIGTERM when the server "
                          "has not exited 2 s after stdin closes)")
        return None

    async def no_capability_checks(self) -> None:
        async def body() -> str:
            client = self.new_client("nocap", elicitation_callback=None, sampling_callback=None, list_roots_callback=None)
            async with client:
                if self.modern:
                    e = await expect_error(client.call_tool("test_elicitation", {"message": "hi"}), -32021,
                                           "test_elicitation without the elicitation capability")
                    req = (e.data or {}).get("requiredCapabilities") if isinstance(e.data, dict) else None
                    expect(isinstance(req, dict) and "elicitation" in req, f"data.requiredCapabilities: {e.data!r}")
                    return f"-32021 {short(e.data, 120)}"
                r = await client.call_tool("test_elicitation", {"message": "hi"})
                expect(r.is_error is True, f"expected an isError result, got {short(dump(r))}")
                reqs = [f.raw for f in self.wire("nocap") if f.direction == "S>C" and f.is_request]
                expect(not reqs, f"server sent a request the client has no capability for: {short(reqs)}")
                return "isError result"

        await self.check("test_elicitation without the elicitation capability", body)


def _tap_sdk_http_client(suite: Suite) -> None:
    """`Client(url)` builds its HTTP client with `create_mcp_http_client` (in
    mcp.client.streamable_http); hand it a tapped one instead, labelled for the client being
    connected. Everything else is the SDK's own Streamable HTTP transport."""
    import mcp.client.streamable_http as sdk_http

    def factory(headers: Any = None, timeout: Any = None, auth: Any = None) -> Any:
        assert suite.tap is not None
        kw: dict[str, Any] = {}
        if headers is not None:
            kw["headers"] = headers
        if timeout is not None:
            kw["timeout"] = timeout
        if auth is not None:
            kw["auth"] = auth
        return suite.tap.client(httpx2, suite.tap_label, **kw)

    expect(hasattr(sdk_http, "create_mcp_http_client"), "mcp.client.streamable_http.create_mcp_http_client is gone")
    sdk_http.create_mcp_http_client = factory


def _json_or_none(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return None


def _first_leaf(exc: BaseException) -> BaseException:
    while isinstance(exc, BaseExceptionGroup) and exc.exceptions:
        exc = exc.exceptions[0]
    return exc


def _contains(exc: BaseException, kind: type) -> bool:
    if isinstance(exc, kind):
        return True
    if isinstance(exc, BaseExceptionGroup):
        return any(_contains(e, kind) for e in exc.exceptions)
    return False
