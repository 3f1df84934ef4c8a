"""Drive the server with the legacy official Python SDK (mcp 1.x, e.g. 1.30.0).

    .venv-legacy/bin/python client_v1.py [--timeout S] [--wire-log FILE] -- SERVER [ARGS...]
    .venv-legacy/bin/python client_v1.py [--timeout S] --url http://HOST:PORT/mcp   (Streamable HTTP)
    .venv-legacy/bin/python client_v1.py [--timeout S] --url http://HOST:PORT/sse   (2024-11-05 HTTP+SSE)

`ClientSession` over `stdio_client`, `streamablehttp_client` or `sse_client` (chosen by the URL's
last path segment): initialize (must negotiate 2025-11-25), tools across pages, echo and
fixtures, resources, prompts, completion, progress, elicitation, sampling, roots,
logging/setLevel, resources/subscribe + updated, list_changed, cancellation, ping. Over HTTP the
SDK's httpx client is tapped (http_tap.py) for HTTP-level checks (session ids, statuses, which
stream carried what, DELETE / stream close ending the session) and schema validation of every
server message.
"""

from __future__ import annotations

import base64
import json
import os
import sys
import time
import traceback
import warnings
from datetime import timedelta
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import anyio  # noqa: E402
import mcp.types as types  # noqa: E402
from mcp import ClientSession, StdioServerParameters  # noqa: E402
from mcp.client.sse import sse_client  # noqa: E402
from mcp.client.stdio import stdio_client  # noqa: E402
from mcp.client.streamable_http import streamablehttp_client  # noqa: E402
import httpx  # noqa: E402

from http_tap import Tap  # noqa: E402
from mcp.shared.exceptions import McpError  # noqa: E402
from pydantic import AnyUrl, ValidationError  # noqa: E402

from common import (  # noqa: E402
    ARG1_VALUES,
    FIXTURE_TOOLS,
    ID_VALUES,
    LEGACY_LATEST,
    PNG_MAGIC,
    PROMPTS,
    SERVER_NAME,
    SIMPLE_TEXT,
    STATIC_RESOURCES,
    STATIC_TEXT,
    TEMPLATE,
    CheckFailed,
    Reporter,
    expect,
    expect_eq,
    parse_args,
    read_wire,
    short,
    tapped_command,
)

warnings.simplefilter("ignore")

ELICIT_CONTENT = {"username": "octocat", "email": "octo@example.com"}
ROOTS = ["file:///tmp/interop-root-a", "file:///tmp/interop-root-b"]
MODEL_TEXT = "hello from the model"


class Abort(Exception):
    pass


def dump(model: Any) -> Any:
    if hasattr(model, "model_dump"):
        return model.model_dump(by_alias=True, mode="json", exclude_none=True)
    return model


def first_leaf(exc: BaseException) -> BaseException:
    while isinstance(exc, BaseExceptionGroup) and exc.exceptions:
        exc = exc.exceptions[0]
    return exc


def only_text(result: types.CallToolResult, what: str) -> str:
    expect(not result.isError, f"{what}: isError is true: {short(dump(result))}")
    expect(len(result.content) == 1, f"{what}: expected exactly one content block, got {short(dump(result.content))}")
    block = result.content[0]
    expect(isinstance(block, types.TextContent), f"{what}: expected a text block, got {short(dump(block))}")
    return block.text


async def expect_error(awaitable: Any, code: int, what: str) -> McpError:
    try:
        result = await awaitable
    except McpError as e:
        if e.error.code != code:
            raise CheckFailed(f"{what}: expected JSON-RPC error {code}, got {e.error.code} {e.error.message!r} "
                              f"data={short(e.error.data)}")
        return e
    raise CheckFailed(f"{what}: expected JSON-RPC error {code}, got a result {short(dump(result))}")


class V1:
    def __init__(self) -> None:
        self.args = parse_args("client_v1.py [--timeout S] [--wire-log FILE] (-- SERVER [ARGS...] | --url URL)", "both")
        self.rep = Reporter("client_v1.py")
        self.transport = "stdio"
        self.tap: Tap | None = None
        if self.args.http:
            assert self.args.url is not None
            self.transport = "sse" if self.args.url.rstrip("/").endswith("/sse") else "streamable-http"
            self.tap = Tap(self.args.wire_log)
        self.session_id: str | None = None
        self.s: ClientSession | None = None
        self.elicit_action = "accept"
        self.elicit_calls: list[Any] = []
        self.sampling_calls: list[Any] = []
        self.roots_calls = 0
        self.logs: list[Any] = []
        self.notes: list[Any] = []
        self.init: types.InitializeResult | None = None

    # -- callbacks ------------------------------------------------------------------------------

    async def on_elicit(self, ctx: Any, params: Any) -> Any:
        self.elicit_calls.append(params)
        if self.elicit_action == "accept":
            return types.ElicitResult(action="accept", content=dict(ELICIT_CONTENT))
        return types.ElicitResult(action=self.elicit_action)

    async def on_sample(self, ctx: Any, params: Any) -> Any:
        self.sampling_calls.append(params)
        return types.CreateMessageResult(role="assistant", content=types.TextContent(type="text", text=MODEL_TEXT),
                                         model="interop-model", stopReason="endTurn")

    async def on_roots(self, ctx: Any) -> Any:
        self.roots_calls += 1
        return types.ListRootsResult(roots=[types.Root(uri=AnyUrl(u)) for u in ROOTS])

    async def on_log(self, params: Any) -> None:
        self.logs.append(params)

    async def on_message(self, message: Any) -> None:
        if isinstance(message, types.ServerNotification):
            self.notes.append(message.root)

    # -- plumbing ---------------------------------------------------------------------------------

    def wire(self) -> list[Any]:
        return read_wire(self.args.wire_log, "main")

    def fail(self, name: str, message: str) -> None:
        tail = self.wire()[-8:]
        if tail:
            message += "\n     last wire frames (C>S client to server, S>C server to client):"
            for fr in tail:
                message += f"\n       {fr.direction} {short(fr.raw, 400)}"
        print(f"FAIL {name}: {message}", flush=True)
        raise Abort()

    async def check(self, name: str, body: Any, timeout: float = 30.0) -> None:
        try:
            try:
                with anyio.fail_after(timeout):
                    detail = await body()
            except BaseExceptionGroup as group:
                raise first_leaf(group) from None
        except CheckFailed as e:
            self.fail(name, str(e))
        except McpError as e:
            self.fail(name, f"unexpected JSON-RPC error {e.error.code} {e.error.message!r} data={short(e.error.data)}")
        except ValidationError as e:
            self.fail(name, f"the 1.x SDK rejected the server's message: {e}")
        except TimeoutError:
            self.fail(name, f"timed out after {timeout}s")
        except Abort:
            raise
        except Exception as e:  # noqa: BLE001
            self.fail(name, f"{type(e).__name__}: {e}\n{traceback.format_exc()}")
        self.rep.ok(name, detail or "")

    async def wait_note(self, kind: type, since: int, timeout: float, pred: Any = None) -> Any:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for n in self.notes[since:]:
                if isinstance(n, kind) and (pred is None or pred(n)):
                    return n
            await anyio.sleep(0.02)
        raise CheckFailed(f"no {kind.__name__} within {timeout}s (got {[type(n).__name__ for n in self.notes[since:]]})")

    # -- run --------------------------------------------------------------------------------------

    def main(self) -> None:
        try:
            anyio.run(self._run)
        except BaseException as e:  # noqa: BLE001
            leaf = first_leaf(e)
            if isinstance(leaf, Abort):
                raise SystemExit(1) from None
            if isinstance(e, SystemExit):
                raise
            print(f"FAIL harness: {type(leaf).__name__}: {leaf}", flush=True)
            traceback.print_exception(leaf, file=sys.stdout)
            raise SystemExit(1) from None
        finally:
            if not self.args.keep_wire_log:
                try:
                    os.unlink(self.args.wire_log)
                except OSError:
                    pass
        self.rep.done()

    def connect(self) -> Any:
        if self.transport == "stdio":
            cmd, cargs = tapped_command(self.args, "main")
            return stdio_client(StdioServerParameters(command=cmd, args=cargs))
        assert self.tap is not None and self.args.url is not None
        if self.transport == "sse":
            return sse_client(self.args.url, httpx_client_factory=self.tap.factory(httpx, "main"))
        return streamablehttp_client(self.args.url, httpx_client_factory=self.tap.factory(httpx, "main"))

    async def _run(self) -> None:
        with anyio.fail_after(self.args.timeout):
            async with self.connect() as streams:
                read, write = streams[0], streams[1]
                async with ClientSession(
                    read, write, read_timeout_seconds=timedelta(seconds=20),
                    sampling_callback=self.on_sample, elicitation_callback=self.on_elicit,
                    list_roots_callback=self.on_roots, logging_callback=self.on_log, message_handler=self.on_message,
                ) as session:
                    self.s = session
                    await self.checks()
                mark = len(self.tap.exchanges) if self.tap else 0
            if self.transport == "stdio":
                await self.check("server exits with status 0 on stdin EOF", self.check_exit)
            elif self.transport == "sse":
                await self.check("closing the SSE stream ends the 2024-11-05 session (POST then 404)", self.check_sse_closed)
            else:
                await self.check("closing the client DELETEs the session; its id is then unknown (404)",
                                 lambda: self.check_delete(mark))
            if self.tap is not None:
                await self.check("every JSON-RPC message the server sent validates against schema-2025-11-25.json",
                                 self.check_schema)

    async def checks(self) -> None:
        c = self.check
        await c("initialize negotiates 2025-11-25", self.check_initialize)
        await c("tools/list across pages", self.check_tools)
        await c("echo and numbered tools", self.check_echo)
        await c("content fixtures (text, image, audio, resource, multiple, link, error)", self.check_content)
        await c("get_weather structuredContent", self.check_weather)
        await c("progress notifications", self.check_progress)
        await c("logging/setLevel then test_tool_with_logging", self.check_logging)
        await c("elicitation/create accept, decline, cancel", self.check_elicitation)
        await c("sampling/createMessage and roots/list", self.check_sampling_roots)
        await c("resources list/read/template/unknown", self.check_resources)
        await c("prompts list/get", self.check_prompts)
        await c("completion/complete", self.check_completion)
        await c("resources/subscribe then notifications/resources/updated", self.check_subscribe)
        await c("tools/prompts list_changed notifications", self.check_list_changed)
        await c("notifications/cancelled stops slow_operation", self.check_cancel)
        await c("ping", self.check_ping)
        await c("unknown tool is a -32602 error", self.check_unknown_tool)
        await c("legacy results carry no 2026-only fields", self.check_wire)
        if self.transport == "sse":
            await c("2024-11-05 transport: endpoint event first, every POST 202, every reply on the stream", self.check_sse_framing)
        elif self.transport == "streamable-http":
            await c("Streamable HTTP framing: session id, version header, 202s, JSON or SSE replies", self.check_http_framing)

    async def check_initialize(self) -> str:
        self.init = await self.s.initialize()
        expect_eq(self.init.protocolVersion, LEGACY_LATEST, "InitializeResult.protocolVersion")
        frames = [f for f in self.wire() if f.direction == "S>C" and f.is_response and f.msg.get("id") == 0]
        expect(frames, "no response to initialize (id 0) on the wire")
        result = frames[0].msg.get("result") or {}
        expect_eq(result.get("protocolVersion"), LEGACY_LATEST, "negotiated protocolVersion")
        expect_eq((result.get("serverInfo") or {}).get("name"), SERVER_NAME, "serverInfo.name")
        caps = result.get("capabilities") or {}
        expect((caps.get("tools") or {}).get("listChanged") is True, f"tools.listChanged: {caps}")
        expect((caps.get("resources") or {}).get("subscribe") is True, f"resources.subscribe: {caps}")
        expect("logging" in caps and "completions" in caps and "prompts" in caps, f"capabilities: {caps}")
        return f"{result.get('protocolVersion')} {result.get('serverInfo')}"

    async def check_tools(self) -> str:
        names: list[str] = []
        cursor = None
        pages = 0
        while True:
            r = await self.s.list_tools(params=types.PaginatedRequestParams(cursor=cursor))
            page = [t.name for t in r.tools]
            expect(len(page) == len(set(page)), f"page {pages + 1} repeats names")
            names += page
            pages += 1
            cursor = r.nextCursor
            if cursor is None or pages > 50:
                break
        expect(cursor is None, "pagination did not end")
        expect(len(names) == len(set(names)), "names repeat across pages")
        numbered = ["echo"] + [f"tool_{i:03d}" for i in range(1, 100)]
        expect_eq(names[:100], numbered, "the first 100 tools (echo, tool_001…tool_099 in registration order)")
        missing = [n for n in FIXTURE_TOOLS if n not in names[100:]]
        expect(not missing, f"fixture tools missing from the listing: {missing}")
        await expect_error(self.s.list_tools(params=types.PaginatedRequestParams(cursor="garbage-cursor")), -32602,
                           "invalid cursor")
        return f"{len(names)} tools in {pages} pages"

    async def check_echo(self) -> None:
        for name in ("echo", "tool_050"):
            r = await self.s.call_tool(name, {"text": f"héllo {name}"})
            expect_eq(only_text(r, name), f"héllo {name}", f"{name} text")
        expect_eq(only_text(await self.s.call_tool("test_simple_text", {}), "simple"), SIMPLE_TEXT, "simple text")

    async def check_content(self) -> None:
        r = await self.s.call_tool("test_image_content", {})
        b = r.content[0]
        expect(isinstance(b, types.ImageContent) and b.mimeType == "image/png", f"image: {short(dump(r))}")
        expect(base64.b64decode(b.data).startswith(PNG_MAGIC), "image is not a PNG")
        r = await self.s.call_tool("test_audio_content", {})
        b = r.content[0]
        expect(isinstance(b, types.AudioContent) and b.mimeType == "audio/wav", f"audio: {short(dump(r))}")
        r = await self.s.call_tool("test_embedded_resource", {})
        b = r.content[0]
        expect(isinstance(b, types.EmbeddedResource) and str(b.resource.uri) == "test://embedded-resource",
               f"embedded: {short(dump(r))}")
        r = await self.s.call_tool("test_multiple_content_types", {})
        expect_eq([b.type for b in r.content], ["text", "image", "resource"], "multiple content types")
        r = await self.s.call_tool("test_resource_link", {})
        expect(any(isinstance(b, types.ResourceLink) and str(b.uri) == "test://static-text" for b in r.content),
               f"resource_link: {short(dump(r))}")
        r = await self.s.call_tool("test_error_handling", {})
        expect(r.isError is True, f"test_error_handling: {short(dump(r))}")

    async def check_weather(self) -> str:
        r = await self.s.call_tool("get_weather", {"city": "Oslo"})
        sc = r.structuredContent
        expect(isinstance(sc, dict) and sc.get("city") == "Oslo", f"structuredContent: {sc!r}")
        expect(isinstance(sc.get("temperature"), (int, float)) and isinstance(sc.get("conditions"), str), f"{sc!r}")
        texts = [json.loads(b.text) for b in r.content if isinstance(b, types.TextContent)]
        expect(sc in texts, f"no text block equal to structuredContent: {short(dump(r))}")
        return short(sc, 100)

    async def check_progress(self) -> str:
        seen: list[tuple[float, Any]] = []

        async def on_progress(progress: float, total: float | None, message: str | None) -> None:
            seen.append((progress, total))

        await self.s.call_tool("test_tool_with_progress", {}, progress_callback=on_progress)
        await anyio.sleep(0.2)
        expect_eq(seen, [(0, 100), (50, 100), (100, 100)], "progress (progress, total)")
        seen.clear()
        r = await self.s.call_tool("slow_operation", {"steps": 4, "step_ms": 10}, progress_callback=on_progress)
        await anyio.sleep(0.2)
        expect_eq(only_text(r, "slow_operation"), "completed 4 steps", "slow_operation text")
        expect_eq(seen, [(1, 4), (2, 4), (3, 4), (4, 4)], "slow_operation progress")
        return "ok"

    async def run_logging(self) -> list[Any]:
        before = len(self.logs)
        await self.s.call_tool("test_tool_with_logging", {})
        await anyio.sleep(0.3)
        return self.logs[before:]

    async def check_logging(self) -> str:
        default = await self.run_logging()  # the 2025-11-25 spec leaves the level before setLevel open
        await self.s.set_logging_level("warning")
        got = await self.run_logging()
        expect(not got, f"info messages at level warning: {[dump(x) for x in got]}")
        await self.s.set_logging_level("debug")
        got = await self.run_logging()
        expect_eq(len(got), 3, "log messages at level debug")
        expect(all(m.level == "info" and m.logger == "reference" for m in got), f"{[dump(x) for x in got]}")
        return f"3 messages at debug, 0 at warning, {len(default)} before setLevel"

    async def check_elicitation(self) -> None:
        want = {"accept": 'accepted: {"email":"octo@example.com","username":"octocat"}',
                "decline": "declined", "cancel": "cancelled"}
        for action, text in want.items():
            self.elicit_action = action
            before = len(self.elicit_calls)
            r = await self.s.call_tool("test_elicitation", {"message": f"who are you ({action})?"})
            expect_eq(only_text(r, "test_elicitation"), text, f"{action} result")
            expect_eq(len(self.elicit_calls) - before, 1, "elicitation callback invocations")
            p = self.elicit_calls[-1]
            expect_eq(p.message, f"who are you ({action})?", "elicitation message")
            schema = dump(p.requestedSchema)
            expect_eq(schema.get("required"), ["username"], "requestedSchema.required")
            expect(set(schema.get("properties", {})) == {"username", "email"}, f"requestedSchema: {schema}")
        self.elicit_action = "accept"

    async def check_sampling_roots(self) -> None:
        r = await self.s.call_tool("test_sampling", {"prompt": "v1 says hi"})
        expect_eq(only_text(r, "test_sampling"), f"model said: {MODEL_TEXT}", "sampling result")
        expect("v1 says hi" in json.dumps(dump(self.sampling_calls[-1])), "prompt not in the sampling request")
        r = await self.s.call_tool("test_list_roots", {})
        text = only_text(r, "test_list_roots")
        expect(all(u in text for u in ROOTS), f"roots missing from {text!r}")

    async def check_resources(self) -> None:
        r = await self.s.list_resources()
        uris = [str(x.uri) for x in r.resources]
        expect(all(u in uris for u in STATIC_RESOURCES), f"resources: {uris}")
        t = await self.s.list_resource_templates()
        expect(any(x.uriTemplate == TEMPLATE for x in t.resourceTemplates), "template missing")
        c = (await self.s.read_resource(AnyUrl("test://static-text"))).contents[0]
        expect(isinstance(c, types.TextResourceContents) and c.text == STATIC_TEXT, f"static-text: {short(dump(c))}")
        c = (await self.s.read_resource(AnyUrl("test://static-binary"))).contents[0]
        expect(isinstance(c, types.BlobResourceContents) and base64.b64decode(c.blob).startswith(PNG_MAGIC),
               "static-binary is not a PNG blob")
        c = (await self.s.read_resource(AnyUrl("test://template/7/data"))).contents[0]
        expect(isinstance(c, types.TextResourceContents) and c.mimeType == "application/json" and "7" in c.text,
               f"template: {short(dump(c))}")
        e = await expect_error(self.s.read_resource(AnyUrl("test://does-not-exist")), -32002, "unknown resource")
        expect(isinstance(e.error.data, dict) and e.error.data.get("uri") == "test://does-not-exist",
               f"error data: {e.error.data!r}")

    async def check_prompts(self) -> None:
        r = await self.s.list_prompts()
        expect_eq([p.name for p in r.prompts][: len(PROMPTS)], PROMPTS, "prompt names")
        g = await self.s.get_prompt("test_prompt_with_arguments", {"arg1": "one-v1", "arg2": "two-v1"})
        blob = json.dumps(dump(g))
        expect("one-v1" in blob and "two-v1" in blob, f"arguments not in prompt: {short(blob)}")
        g = await self.s.get_prompt("test_prompt_with_embedded_resource", {"resourceUri": "test://static-text"})
        expect(any(isinstance(m.content, types.EmbeddedResource) for m in g.messages), f"{short(dump(g))}")
        g = await self.s.get_prompt("test_prompt_with_image")
        expect(any(isinstance(m.content, types.ImageContent) for m in g.messages), f"{short(dump(g))}")
        await self.s.get_prompt("test_simple_prompt")
        await expect_error(self.s.get_prompt("test_prompt_with_arguments", {"arg1": "x"}), -32602, "missing arg2")

    async def check_completion(self) -> None:
        r = await self.s.complete(types.PromptReference(type="ref/prompt", name="test_prompt_with_arguments"),
                                  {"name": "arg1", "value": "par"})
        expect_eq(r.completion.values, [v for v in ARG1_VALUES if v.startswith("par")], "arg1 completion")
        r = await self.s.complete(types.ResourceTemplateReference(type="ref/resource", uri=TEMPLATE),
                                  {"name": "id", "value": ""})
        expect_eq(r.completion.values, ID_VALUES, "id completion")

    async def check_subscribe(self) -> None:
        uri = "test://watched-resource"
        await self.s.subscribe_resource(AnyUrl(uri))
        since = len(self.notes)
        await self.s.call_tool("test_trigger_resource_update", {})
        await self.wait_note(types.ResourceUpdatedNotification, since, 5.0, lambda n: str(n.params.uri) == uri)

    async def check_list_changed(self) -> None:
        since = len(self.notes)
        await self.s.call_tool("test_trigger_tool_change", {})
        await self.wait_note(types.ToolListChangedNotification, since, 5.0)
        since = len(self.notes)
        await self.s.call_tool("test_trigger_prompt_change", {})
        await self.wait_note(types.PromptListChangedNotification, since, 5.0)

    async def check_cancel(self) -> str:
        values: list[float] = []
        started = anyio.Event()

        async def on_progress(progress: float, total: float | None, message: str | None) -> None:
            values.append(progress)
            if progress >= 2:
                started.set()

        mark = len(self.wire())
        async with anyio.create_task_group() as tg:
            async def run() -> None:
                try:
                    await self.s.call_tool("slow_operation", {"steps": 50, "step_ms": 100}, progress_callback=on_progress)
                except McpError:
                    pass

            tg.start_soon(run)
            with anyio.fail_after(10):
                await started.wait()
            call = next(f for f in self.wire()[mark:] if f.direction == "C>S" and f.is_request
                        and f.msg["method"] == "tools/call")
            rid = call.msg["id"]
            # mcp 1.x never sends notifications/cancelled by itself: send it as a client would.
            await self.s.send_notification(types.ClientNotification(types.CancelledNotification(
                params=types.CancelledNotificationParams(requestId=rid, reason="interop test"))))
            cancelled_at = time.monotonic()
            r = await self.s.call_tool("echo", {"text": "still here"})
            expect_eq(only_text(r, "echo"), "still here", "echo after cancel")
            latency = time.monotonic() - cancelled_at
            await anyio.sleep(1.0)
            count = len(values)
            tg.cancel_scope.cancel()
        frames = self.wire()[mark:]
        idx = next(i for i, f in enumerate(frames) if f.direction == "C>S" and f.is_notification
                   and f.msg["method"] == "notifications/cancelled")
        after = [f for f in frames[idx:] if f.direction == "S>C" and f.is_notification
                 and f.msg["method"] == "notifications/progress"]
        expect(len(after) <= 1, f"{len(after)} progress notifications after the cancel")
        replies = [f.raw for f in frames[idx:] if f.direction == "S>C" and f.is_response and f.msg.get("id") == rid]
        expect(not replies, f"the server replied to the cancelled request: {short(replies)}")
        expect(latency < 2.0, f"echo after cancel took {latency:.2f}s")
        return f"cancelled after {count} progress steps"

    async def check_ping(self) -> None:
        await self.s.send_ping()

    async def check_unknown_tool(self) -> None:
        await expect_error(self.s.call_tool("no_such_tool", {}), -32602, "unknown tool")

    async def check_wire(self) -> str:
        frames = self.wire()
        bad = [f.raw for f in frames if f.direction == "S>C" and f.msg is None]
        expect(not bad, f"non-JSON stdout lines: {short(bad)}")
        leaked = [f.raw for f in frames if f.direction == "S>C" and f.is_response and isinstance(f.msg.get("result"), dict)
                  and {"resultType", "ttlMs", "cacheScope"} & set(f.msg["result"])]
        expect(not leaked, f"legacy results carry 2026-only fields: {short(leaked)}")
        return f"{len(frames)} frames"

    # -- HTTP ---------------------------------------------------------------------------------------

    def requests_by_id(self) -> dict[str, str]:
        assert self.tap is not None
        out: dict[str, str] = {}
        for x in self.tap.exchanges:
            m = x.request_msg
            for one in m if isinstance(m, list) else [m]:
                if isinstance(one, dict) and "method" in one and "id" in one:
                    out[json.dumps(one["id"])] = one["method"]
        return out

    async def check_http_framing(self) -> str:
        assert self.tap is not None
        xs = [x for x in self.tap.exchanges_of("main") if x.status is not None]
        init = next((x for x in xs if x.rpc_method == "initialize"), None)
        expect(init is not None and init.status == 200, "initialize POST missing or not 200")
        sid = init.response_headers.get("mcp-session-id")
        expect(bool(sid), f"initialize response lacks Mcp-Session-Id: {init.response_headers}")
        self.session_id = sid
        gets = [x for x in xs if x.method == "GET"]
        expect(gets and gets[0].status == 200 and gets[0].is_sse, f"standalone GET stream: {[g.describe() for g in gets]}")
        problems = []
        for x in xs:
            if x is init:
                continue
            if x.headers.get("mcp-session-id") != sid:
                problems.append(f"{x.describe()}: Mcp-Session-Id {x.headers.get('mcp-session-id')!r}")
            m = x.request_msg
            if x.method == "POST":
                if x.headers.get("mcp-protocol-version") != LEGACY_LATEST:
                    problems.append(f"{x.describe()}: MCP-Protocol-Version {x.headers.get('mcp-protocol-version')!r}")
                is_req = isinstance(m, dict) and "method" in m and "id" in m
                if not is_req and x.status != 202:
                    problems.append(f"{x.describe()}: notification/response POST not 202")
                if is_req and x.status != 200:
                    problems.append(f"{x.describe()}: request POST status {x.status}")
        expect(not problems, "; ".join(problems[:10]))
        return f"{len(xs)} exchanges, session {sid[:8]}…"

    async def check_sse_framing(self) -> str:
        assert self.tap is not None
        xs = [x for x in self.tap.exchanges_of("main") if x.status is not None]
        get = xs[0]
        expect_eq((get.method, get.status, get.is_sse), ("GET", 200, True), f"first exchange {get.describe()}")
        expect(get.events and get.events[0].event == "endpoint", f"first event: {get.events[:1]}")
        endpoint = get.events[0].data
        expect(endpoint.startswith("/messages?session_id="), f"endpoint event data: {endpoint!r}")
        self.session_id = endpoint.split("session_id=", 1)[1]
        posts = [x for x in xs if x.method == "POST"]
        bad = [x.describe() for x in posts if x.status != 202 or x.target != endpoint]
        expect(not bad, f"POSTs not answered 202 at the endpoint: {bad[:5]}")
        in_bodies = [x.describe() for x in posts if x.raw and x.raw.strip() not in (b"Accepted", b"")]
        expect(not in_bodies, f"POST bodies carry more than 'Accepted': {in_bodies[:3]}")
        answered = {json.dumps(m.get("id")) for m in get.server_messages() if isinstance(m, dict) and "method" not in m}
        asked = [json.dumps(x.rpc_id) for x in posts if isinstance(x.request_msg, dict) and "method" in x.request_msg
                 and "id" in x.request_msg]
        missing = [i for i in asked if i not in answered]
        expect(len(missing) <= 1, f"requests never answered on the stream: {missing}")  # the cancelled one
        return f"{len(posts)} POSTs, {len(get.events)} events on the stream"

    async def check_delete(self, mark: int) -> str:
        assert self.tap is not None
        deletes = [x for x in self.tap.exchanges[mark:] if x.method == "DELETE"]
        expect(deletes, "the client did not DELETE its session on close")
        expect(deletes[-1].status in (200, 204), f"DELETE status {deletes[-1].status}")
        async with self.tap.client(httpx, "after-delete") as http:
            r = await http.post(self.args.url, json={"jsonrpc": "2.0", "id": 99, "method": "tools/list"}, headers={
                "accept": "application/json, text/event-stream", "mcp-session-id": self.session_id or "",
                "mcp-protocol-version": LEGACY_LATEST})
        expect_eq(r.status_code, 404, "status of a POST with the deleted session id")
        return f"DELETE {deletes[-1].status}, then {r.status_code}"

    async def check_sse_closed(self) -> str:
        assert self.tap is not None and self.args.url is not None
        base = self.args.url.rsplit("/sse", 1)[0]
        status = None
        async with self.tap.client(httpx, "after-close") as http:
            for _ in range(40):  # the server notices the closed stream asynchronously
                r = await http.post(f"{base}/messages?session_id={self.session_id}", json={"jsonrpc": "2.0", "id": 1, "method": "ping"})
                status = r.status_code
                if status == 404:
                    break
                await anyio.sleep(0.05)
        expect_eq(status, 404, "POST to the closed session's endpoint")
        return "404"

    async def check_schema(self) -> str:
        from http_schema import MessageValidator

        assert self.tap is not None
        methods = self.requests_by_id()
        v = MessageValidator(LEGACY_LATEST)
        for x in self.tap.exchanges:
            for i, m in enumerate(x.server_messages()):
                answering = None
                if isinstance(m, dict) and "method" not in m:
                    answering = methods.get(json.dumps(m.get("id")))
                v.message(m, answering, f"{x.label} {x.describe()} message {i + 1}")
        unique = list(dict.fromkeys(v.failures))
        expect(not unique, f"{len(unique)} invalid message(s):\n     - " + "\n     - ".join(unique[:8]))
        expect(v.count > 30, f"only {v.count} messages validated")
        return f"{v.count} messages"

    async def check_exit(self) -> None:
        for _ in range(50):
            exits = [f for f in self.wire() if f.direction == "EXIT"]
            if exits:
                break
            await anyio.sleep(0.1)
        else:
            raise CheckFailed("wiretap recorded no server exit")
        expect(int(exits[-1].raw) == 0, f"server exit status {exits[-1].raw} (negative = killed by signal)")


if __name__ == "__main__":
    V1().main()
