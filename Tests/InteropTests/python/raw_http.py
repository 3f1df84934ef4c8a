"""Raw HTTP checks against `agentbridge serve` (standard library `http.client` and sockets only,
plus `jsonschema` for schema validation of every JSON-RPC message the server returns).

    python3 raw_http.py [--timeout S] --url http://127.0.0.1:PORT/mcp [--pid PID] [--token T]
    python3 raw_http.py [--timeout S] [--token T] --serve -- agentbridge serve --listen 127.0.0.1:0 ...

Every row of the DIGEST §9 status table (2026-07-28) is sent as exact bytes and the status,
JSON-RPC error code and echoed id are asserted; then the legacy Streamable HTTP session rules
(DIGEST §13: session ids, 400/404/409/202, Last-Event-ID replay, DELETE, 2025-03-26 batches), the
2024-11-05 HTTP+SSE transport, /healthz and /readyz, and — with --token (the server must run with
that --token) — authentication (401 + WWW-Authenticate; Bearer and X-API-Key). With --token every
other request carries `Authorization: Bearer T`, so the whole suite also runs authenticated.
With --pid, cancellation by closing a 2026 stream is also checked on the server side (its socket
for the request is closed promptly). `--no-schema` skips schema validation (no jsonschema).
"""

from __future__ import annotations

import base64
import http.client
import json
import os
import socket
import sys
import threading
import time
import traceback
import urllib.parse
from dataclasses import dataclass, field
from typing import Any, Callable

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from common import MODERN, SERVER_NAME, CheckFailed, Reporter, expect, expect_eq, short  # noqa: E402
from raw_stdio import CAPS, INFO, PV, SERVER_INFO, SUB, LOG_LEVEL, modern, same_id  # noqa: E402

LEGACY = "2025-11-25"
REMOVED = ["initialize", "ping", "logging/setLevel", "resources/subscribe", "resources/unsubscribe"]
ACCEPT_BOTH = "application/json, text/event-stream"
MAX_BODY = 4 << 20
NON_ASCII_URI = "test://template/café-☕/data"


# -- HTTP plumbing ------------------------------------------------------------------------------------


@dataclass
class Event:
    event: str
    data: str
    id: str | None

    @property
    def msg(self) -> Any:
        try:
            return json.loads(self.data)
        except ValueError:
            return None


@dataclass
class Resp:
    status: int
    headers: list[tuple[str, str]]
    body: bytes
    events: list[Event] = field(default_factory=list)

    def header(self, name: str) -> str | None:
        vals = [v for k, v in self.headers if k.lower() == name.lower()]
        return ", ".join(vals) if vals else None

    @property
    def content_type(self) -> str:
        return (self.header("content-type") or "").lower()

    @property
    def is_sse(self) -> bool:
        return self.content_type.startswith("text/event-stream")

    def messages(self) -> list[Any]:
        if self.is_sse:
            return [e.msg for e in self.events if e.event == "message"]
        if self.content_type.startswith("application/json") and self.body:
            try:
                doc = json.loads(self.body)
            except ValueError:
                return []
            return doc if isinstance(doc, list) else [doc]
        return []

    @property
    def msg(self) -> Any:
        msgs = self.messages()
        return msgs[-1] if msgs else None

    def describe(self) -> str:
        return f"{self.status} {self.content_type or '-'} {short(self.body.decode('utf-8', 'replace'), 300)}"


class SSEReader:
    """Reads SSE events one at a time from an open http.client response."""

    def __init__(self, resp: http.client.HTTPResponse) -> None:
        self.resp = resp
        self.comments = 0

    def next(self) -> Event | None:
        data: list[str] = []
        event = ""
        eid: str | None = None
        while True:
            raw = self.resp.readline()
            if not raw:
                return None
            line = raw.decode("utf-8").rstrip("\r\n")
            if line == "":
                if data or event:
                    return Event(event or "message", "\n".join(data), eid)
                continue
            if line.startswith(":"):
                self.comments += 1
                continue
            name, _, value = line.partition(":")
            value = value[1:] if value.startswith(" ") else value
            if name == "data":
                data.append(value)
            elif name == "event":
                event = value
            elif name == "id":
                eid = value


class Stream:
    """An open request whose response is read incrementally (SSE)."""

    def __init__(self, conn: http.client.HTTPConnection, resp: http.client.HTTPResponse) -> None:
        self.conn = conn
        self.resp = resp
        self.status = resp.status
        self.headers = resp.getheaders()
        self.reader = SSEReader(resp)
        self.events: list[Event] = []

    def header(self, name: str) -> str | None:
        vals = [v for k, v in self.headers if k.lower() == name.lower()]
        return ", ".join(vals) if vals else None

    def next(self, timeout: float = 10.0) -> Event | None:
        if self.conn.sock is not None:
            self.conn.sock.settimeout(timeout)
        try:
            ev = self.reader.next()
        except socket.timeout:
            raise CheckFailed(f"no SSE event within {timeout}s (events so far: {[short(e.data, 120) for e in self.events]})") from None
        if ev is not None:
            self.events.append(ev)
        return ev

    def read_all(self, timeout: float = 15.0) -> list[Event]:
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise CheckFailed(f"SSE stream did not end within {timeout}s")
            if self.next(left) is None:
                return self.events

    def drop(self) -> None:
        """Abruptly disconnect (what a client does to cancel a 2026 request)."""
        sock = self.conn.sock
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        try:
            self.resp.close()
        finally:
            self.conn.close()


class Server:
    def __init__(self, url: str, token: str | None) -> None:
        u = urllib.parse.urlsplit(url)
        self.host = u.hostname or "127.0.0.1"
        self.port = u.port or 80
        self.path = u.path or "/mcp"
        self.token = token

    @property
    def authority(self) -> str:
        return f"{self.host}:{self.port}"

    def _send(self, method: str, path: str, headers: list[tuple[str, str]], body: bytes | None, timeout: float,
              auth: bool) -> tuple[http.client.HTTPConnection, http.client.HTTPResponse]:
        conn = http.client.HTTPConnection(self.host, self.port, timeout=timeout)
        names = {k.lower() for k, _ in headers}
        conn.putrequest(method, path, skip_host="host" in names, skip_accept_encoding=True)
        if auth and self.token is not None and "authorization" not in names and "x-api-key" not in names:
            conn.putheader("Authorization", f"Bearer {self.token}")
        for k, v in headers:
            conn.putheader(k, v)
        if body is not None:
            conn.putheader("Content-Length", str(len(body)))
        try:
            conn.endheaders(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server may answer (413) and close before reading a large body
        return conn, conn.getresponse()

    def request(self, method: str, path: str | None = None, headers: list[tuple[str, str]] | None = None,
                body: bytes | None = None, timeout: float = 15.0, auth: bool = True) -> Resp:
        conn, resp = self._send(method, path or self.path, headers or [], body, timeout, auth)
        try:
            hdrs = resp.getheaders()
            events: list[Event] = []
            ctype = (resp.getheader("content-type") or "").lower()
            if ctype.startswith("text/event-stream"):
                reader = SSEReader(resp)
                deadline = time.monotonic() + timeout
                while time.monotonic() < deadline:
                    ev = reader.next()
                    if ev is None:
                        break
                    events.append(ev)
                data = b""
            else:
                data = resp.read()
            return Resp(resp.status, hdrs, data, events)
        finally:
            resp.close()
            conn.close()

    def open(self, method: str, path: str | None = None, headers: list[tuple[str, str]] | None = None,
             body: bytes | None = None, timeout: float = 15.0) -> Stream:
        conn, resp = self._send(method, path or self.path, headers or [], body, timeout, True)
        return Stream(conn, resp)


def dumps(msg: Any) -> bytes:
    return json.dumps(msg, separators=(",", ":"), ensure_ascii=False).encode()


def encode_header_value(value: str) -> str:
    """DIGEST §9 value encoding (what a 2026 client sends in Mcp-Name / Mcp-Param-*)."""
    plain = value and value == value.strip() and all(0x20 <= ord(c) <= 0x7E for c in value) \
        and not value.lower().startswith("=?base64?")
    if plain or value == "":
        return value
    return "=?base64?" + base64.b64encode(value.encode()).decode() + "?="


NAME_PARAM = {"tools/call": "name", "prompts/get": "name", "resources/read": "uri"}


def routing_headers(msg: dict[str, Any]) -> list[tuple[str, str]]:
    """The headers a correct 2026 client sends for `msg`."""
    params = msg.get("params") or {}
    version = (params.get("_meta") or {}).get(PV, MODERN)
    h = [("Content-Type", "application/json"), ("Accept", ACCEPT_BOTH), ("MCP-Protocol-Version", version)]
    if "method" in msg and "id" in msg:
        h.append(("Mcp-Method", msg["method"]))
        key = NAME_PARAM.get(msg["method"])
        if key and isinstance(params.get(key), str):
            h.append(("Mcp-Name", encode_header_value(params[key])))
    return h


def with_headers(base: list[tuple[str, str]], set_: dict[str, str | bytes | None] | None = None,
                 add: list[tuple[str, str]] | None = None) -> list[tuple[str, Any]]:
    """`base` with headers replaced (value None = removed) and extra (possibly duplicate) ones added."""
    out = list(base)
    for name, value in (set_ or {}).items():
        out = [(k, v) for k, v in out if k.lower() != name.lower()]
        if value is not None:
            out.append((name, value))
    return out + list(add or [])


# -- the suite ---------------------------------------------------------------------------------------------


class Suite:
    def __init__(self) -> None:
        from common import parse_args

        argv = [a for a in sys.argv[1:] if a != "--no-schema"]
        self.schema_enabled = len(argv) == len(sys.argv) - 1
        sys.argv = [sys.argv[0]] + argv
        self.args = parse_args("raw_http.py [--timeout S] [--no-schema] (--url URL [--pid PID] | --serve -- CMD...) [--token T]",
                               transports="http")
        assert self.args.url is not None
        self.srv = Server(self.args.url, self.args.token)
        self.rep = Reporter("raw_http.py")
        self.validators: dict[str, Any] = {}
        self.validated = 0
        self.next_id = 1000
        self.session_error_ids: list[tuple[str, Any, Any]] = []
        self.failed_late = 0
        if self.schema_enabled:
            try:
                from http_schema import MessageValidator  # noqa: F401
            except ImportError as e:
                print(f"FAIL setup: schema validation needs jsonschema ({e}); pass --no-schema to skip it", flush=True)
                raise SystemExit(1) from None

    # -- plumbing -----------------------------------------------------------------------------------------

    def fresh_id(self) -> int:
        self.next_id += 1
        return self.next_id

    def validate(self, version: str, msgs: list[Any], answering: str | None, what: str) -> None:
        """Schema-validates server messages; a failure fails the current check."""
        if not self.schema_enabled:
            return
        from http_schema import MessageValidator

        v = self.validators.get(version)
        if v is None:
            v = self.validators[version] = MessageValidator(version)
        before = len(v.failures)
        for i, m in enumerate(msgs):
            v.message(m, answering, f"{what} message {i + 1}")
        self.validated += len(msgs)
        new = v.failures[before:]
        if new:
            raise CheckFailed(f"{len(new)} schema violation(s):\n     - " + "\n     - ".join(new[:5]))

    def check(self, name: str, body: Callable[[], str | None]) -> None:
        try:
            detail = body()
        except CheckFailed as e:
            self.rep.fail(name, str(e))
        except (OSError, http.client.HTTPException) as e:
            self.rep.fail(name, f"{type(e).__name__}: {e}")
        except Exception as e:  # noqa: BLE001
            self.rep.fail(name, f"{type(e).__name__}: {e}\n{traceback.format_exc()}")
        self.rep.ok(name, detail or "")

    def check_all(self, name: str, body: Callable[[], str | None]) -> None:
        """Like check, but a failure is printed and counted and the script goes on (exit 1 at the end)."""
        try:
            self.check(name, body)
        except SystemExit:
            self.failed_late += 1

    def mpost(self, msg: Any, *, set_: dict[str, str | None] | None = None, add: list[tuple[str, str]] | None = None,
              raw: bytes | None = None, headers: list[tuple[str, str]] | None = None, timeout: float = 15.0) -> Resp:
        """POST a 2026 message with correct routing headers, then apply header overrides."""
        base = headers if headers is not None else routing_headers(msg if isinstance(msg, dict) else {})
        r = self.srv.request("POST", headers=with_headers(base, set_, add), body=raw if raw is not None else dumps(msg),
                             timeout=timeout)
        if isinstance(msg, dict):
            self.validate(MODERN, r.messages(), msg.get("method") if "id" in msg else None, f"2026 {msg.get('method')}")
        else:
            self.validate(MODERN, r.messages(), None, "2026 raw body")
        return r

    def expect_error(self, r: Resp, status: int, code: int, rid: Any, what: str, *, null_id: bool = False,
                     session_error: bool = False) -> dict[str, Any]:
        """Status, JSON-RPC error code and id. `null_id`: the id could not be read, so it must be
        null. `session_error`: a legacy transport-level rejection (missing/unknown session, bad
        version header); its id is recorded here and asserted by a separate check at the end, so
        that one finding does not hide the others."""
        expect(r.status == status, f"{what}: expected HTTP {status}, got {r.describe()}")
        expect(r.content_type.startswith("application/json"), f"{what}: error body is not JSON: {r.describe()}")
        m = r.msg
        expect(isinstance(m, dict) and isinstance(m.get("error"), dict), f"{what}: not a JSON-RPC error: {r.describe()}")
        expect_eq(m.get("jsonrpc"), "2.0", f"{what}: jsonrpc")
        expect(m["error"].get("code") == code, f"{what}: expected JSON-RPC code {code}, got {short(m['error'])}")
        if null_id:
            expect("id" in m and m["id"] is None, f"{what}: expected \"id\": null, got {short(m)}")
        elif session_error:
            self.session_error_ids.append((what, rid, m.get("id", "<absent>")))
        else:
            expect("id" in m and same_id(m["id"], rid), f"{what}: expected the request id {json.dumps(rid)} echoed, got {short(m)}")
        return m["error"]

    def expect_result(self, r: Resp, rid: Any, what: str) -> dict[str, Any]:
        expect(r.status == 200, f"{what}: expected HTTP 200, got {r.describe()}")
        m = r.msg
        expect(isinstance(m, dict) and "result" in m, f"{what}: no result: {r.describe()}")
        expect(same_id(m.get("id"), rid), f"{what}: id {json.dumps(m.get('id'))} is not {json.dumps(rid)}")
        return m["result"]

    # -- entry ---------------------------------------------------------------------------------------------

    def main(self) -> None:
        deadline = time.monotonic() + self.args.timeout
        watchdog = threading.Timer(self.args.timeout, lambda: (print(f"FAIL harness: overall timeout of {self.args.timeout}s exceeded",
                                                                     flush=True), os._exit(1)))
        watchdog.daemon = True
        watchdog.start()
        sections = [self.health, self.modern_status_table, self.modern_streams, self.legacy_sessions,
                    self.legacy_2025_03_26, self.legacy_sse_transport, self.late_findings]
        if self.args.token is not None:
            sections.insert(0, self.authentication)
        for section in sections:
            section()
            expect(time.monotonic() < deadline, "overall timeout")
        watchdog.cancel()
        if self.schema_enabled:
            print(f"     ({self.validated} JSON-RPC messages validated against the official schemas)", flush=True)
        if self.failed_late:
            print(f"raw_http.py: {self.failed_late} check(s) failed", flush=True)
            raise SystemExit(1)
        self.rep.done()

    # == /healthz, /readyz ==================================================================================

    def health(self) -> None:
        def probe(path: str, want: str) -> Callable[[], str]:
            def body() -> str:
                r = self.srv.request("GET", path, auth=False)
                expect(r.status == 200, f"GET {path}: {r.describe()}")
                expect(r.body.decode().strip() == want, f"GET {path} body: {r.body!r}")
                return f"200 {r.body.decode().strip()}"
            return body

        self.check("GET /healthz is 200 (no credentials needed)", probe("/healthz", "ok"))
        self.check("GET /readyz is 200 while serving", probe("/readyz", "ready"))

    # == authentication =====================================================================================

    def authentication(self) -> None:
        token = self.args.token
        assert token is not None
        msg = modern(1, "server/discover")
        h = routing_headers(msg)

        def unauthorized(headers: list[tuple[str, str]], what: str) -> str:
            r = self.srv.request("POST", headers=headers, body=dumps(msg), auth=False)
            expect(r.status == 401, f"{what}: expected 401, got {r.describe()}")
            www = r.header("www-authenticate") or ""
            expect(www.startswith("Bearer"), f"{what}: WWW-Authenticate {www!r}")
            expect('error="invalid_token"' in www, f"{what}: WWW-Authenticate lacks error=\"invalid_token\": {www!r}")
            expect(token not in r.body.decode("utf-8", "replace"), f"{what}: the body echoes the token")
            self.validate(MODERN, r.messages(), None, what)
            return www

        self.check("no credentials: 401 with WWW-Authenticate: Bearer error=\"invalid_token\"",
                   lambda: unauthorized(h, "no Authorization"))
        self.check("a wrong bearer token is 401",
                   lambda: (unauthorized(h + [("Authorization", f"Bearer {token}x")], "wrong token"),
                            unauthorized(h + [("Authorization", "Bearer ")], "empty token"),
                            unauthorized(h + [("Authorization", f"Basic {base64.b64encode(token.encode()).decode()}")], "Basic scheme"),
                            unauthorized(h + [("X-API-Key", token + "x")], "wrong X-API-Key"))[0])

        def authorized(headers: list[tuple[str, str]], what: str) -> str:
            r = self.srv.request("POST", headers=headers, body=dumps(msg), auth=False)
            self.expect_result(r, 1, what)
            self.validate(MODERN, r.messages(), "server/discover", what)
            return "200"

        self.check("the right token via Authorization: Bearer is 200",
                   lambda: authorized(h + [("Authorization", f"Bearer {token}")], "Bearer"))
        self.check("the auth scheme is case-insensitive (RFC 7235): authorization: bearer is 200",
                   lambda: authorized(h + [("authorization", f"bearer {token}")], "bearer"))
        self.check("the right token via X-API-Key is 200", lambda: authorized(h + [("X-API-Key", token)], "X-API-Key"))

        def other_routes() -> str:
            r = self.srv.request("GET", "/sse", headers=[("Accept", "text/event-stream")], auth=False, timeout=5)
            expect(r.status == 401, f"GET /sse without credentials: {r.describe()}")
            r = self.srv.request("GET", headers=[("Accept", "text/event-stream"), ("Mcp-Session-Id", "x")], auth=False)
            expect(r.status == 401, f"GET /mcp without credentials: {r.describe()}")
            r = self.srv.request("POST", "/messages?session_id=x", headers=[("Content-Type", "application/json")],
                                 body=b"{}", auth=False)
            expect(r.status == 401, f"POST /messages without credentials: {r.describe()}")
            return "GET /sse, GET /mcp, POST /messages: 401"

        self.check("every MCP route needs the token (/sse, GET /mcp, /messages)", other_routes)

        def session_needs_token() -> str:
            sid, _ = self.legacy_initialize()
            r = self.srv.request("POST", headers=[("Content-Type", "application/json"), ("Accept", ACCEPT_BOTH),
                                                  ("Mcp-Session-Id", sid), ("MCP-Protocol-Version", LEGACY)],
                                 body=dumps({"jsonrpc": "2.0", "id": 2, "method": "tools/list"}), auth=False)
            expect(r.status == 401, f"a session's request without the token: {r.describe()}")
            self.legacy_delete(sid)
            return "401"

        self.check("a legacy session id is no substitute for the token", session_needs_token)

    # == 2026-07-28: the status table =======================================================================

    def modern_status_table(self) -> None:
        ok = self.check

        def discover() -> str:
            msg = modern("d-1", "server/discover")
            r = self.mpost(msg)
            res = self.expect_result(r, "d-1", "server/discover")
            expect(r.content_type.startswith("application/json"), f"discover answered as {r.content_type}")
            expect(r.header("mcp-session-id") is None, "discover answered with Mcp-Session-Id")
            expect_eq(res.get("resultType"), "complete", "resultType")
            expect(MODERN in res.get("supportedVersions", []), f"supportedVersions {res.get('supportedVersions')}")
            expect(isinstance(res.get("ttlMs"), int) and res["ttlMs"] >= 0 and res.get("cacheScope") in ("public", "private"),
                   f"cache hints: ttlMs={res.get('ttlMs')!r} cacheScope={res.get('cacheScope')!r}")
            expect_eq(((res.get("_meta") or {}).get(SERVER_INFO) or {}).get("name"), SERVER_NAME, "serverInfo")
            return "200 JSON, string id echoed"

        ok("server/discover: 200 JSON with resultType, cache hints and serverInfo", discover)

        def call_ok() -> str:
            msg = modern(7, "tools/call", {"name": "echo", "arguments": {"text": "héllo"}})
            r = self.mpost(msg)
            res = self.expect_result(r, 7, "tools/call echo")
            expect_eq(res.get("content"), [{"type": "text", "text": "héllo"}], "echo content")
            expect(res.get("isError") in (None, False), f"isError {res.get('isError')}")
            msg = modern(8, "tools/call", {"name": "test_error_handling", "arguments": {}})
            r = self.mpost(msg)
            res = self.expect_result(r, 8, "tools/call test_error_handling")
            expect(res.get("isError") is True, f"test_error_handling isError: {short(res)}")
            return "200 success, 200 isError:true"

        ok("tools/call success and isError results are both 200", call_ok)

        def client_info_optional() -> str:
            msg = modern(9, "tools/list")
            del msg["params"]["_meta"][INFO]
            self.expect_result(self.mpost(msg), 9, "tools/list without clientInfo")
            return "200"

        ok("clientInfo is optional in _meta", client_info_optional)

        # -32020: routing headers
        def mismatch(msg: dict[str, Any], what: str, **kw: Any) -> str:
            r = self.mpost(msg, **kw)
            e = self.expect_error(r, 400, -32020, msg["id"], what)
            return e.get("message", "")

        call = lambda rid: modern(rid, "tools/call", {"name": "echo", "arguments": {"text": "x"}})  # noqa: E731
        ok("Mcp-Method differing from the body is 400 -32020",
           lambda: mismatch(call(11), "Mcp-Method tools/list", set_={"Mcp-Method": "tools/list"}))
        ok("a missing Mcp-Method is 400 -32020",
           lambda: mismatch(call(12), "no Mcp-Method", set_={"Mcp-Method": None}))
        ok("a missing MCP-Protocol-Version (body has _meta) is 400 -32020",
           lambda: mismatch(call(13), "no MCP-Protocol-Version", set_={"MCP-Protocol-Version": None}))
        ok("MCP-Protocol-Version differing from _meta protocolVersion is 400 -32020",
           lambda: mismatch(modern(14, "tools/list", version=LEGACY), "header 2026, _meta 2025-11-25",
                            set_={"MCP-Protocol-Version": MODERN}))
        ok("a missing Mcp-Name on tools/call is 400 -32020",
           lambda: mismatch(call(15), "no Mcp-Name", set_={"Mcp-Name": None}))
        ok("Mcp-Name differing from params.name is 400 -32020",
           lambda: mismatch(call(16), "Mcp-Name tool_001", set_={"Mcp-Name": "tool_001"}))
        ok("Mcp-Name differing from prompts/get params.name is 400 -32020",
           lambda: mismatch(modern(17, "prompts/get", {"name": "test_simple_prompt"}), "prompts/get Mcp-Name",
                            set_={"Mcp-Name": "test_prompt_with_image"}))
        ok("Mcp-Name differing from resources/read params.uri is 400 -32020",
           lambda: mismatch(modern(18, "resources/read", {"uri": "test://static-text"}), "resources/read Mcp-Name",
                            set_={"Mcp-Name": "test://static-binary"}))
        ok("a duplicated Mcp-Method header is 400 -32020",
           lambda: mismatch(call(19), "two Mcp-Method headers", add=[("Mcp-Method", "tools/call")]))
        ok("header names are case-insensitive (lower-case routing headers are accepted)",
           lambda: (self.expect_result(self.mpost(call(20), headers=[(k.lower(), v) for k, v in routing_headers(call(20))]),
                                       20, "lower-case header names"), "200")[1])

        def encoded_names() -> str:
            rid = self.fresh_id()
            msg = modern(rid, "resources/read", {"uri": NON_ASCII_URI})
            h = routing_headers(msg)
            name = dict((k, v) for k, v in h)["Mcp-Name"]
            expect(name.startswith("=?base64?") and name.endswith("?="), f"test bug: {name!r} not encoded")
            res = self.expect_result(self.mpost(msg), rid, f"resources/read {NON_ASCII_URI} with Mcp-Name {name}")
            contents = res.get("contents") or [{}]
            expect_eq(contents[0].get("uri"), NON_ASCII_URI, "contents[0].uri")
            expect("café-☕" in (contents[0].get("text") or ""), f"template id not decoded: {short(contents[0])}")
            # an encoded value that decodes to another URI
            rid = self.fresh_id()
            wrong = "=?base64?" + base64.b64encode("test://template/cafe/data".encode()).decode() + "?="
            self.expect_error(self.mpost(modern(rid, "resources/read", {"uri": NON_ASCII_URI}), set_={"Mcp-Name": wrong}),
                              400, -32020, rid, "Mcp-Name decoding to another URI")
            # malformed encoded word
            rid = self.fresh_id()
            self.expect_error(self.mpost(modern(rid, "resources/read", {"uri": NON_ASCII_URI}), set_={"Mcp-Name": "=?base64?@@@?="}),
                              400, -32020, rid, "malformed =?base64?…?= value")
            # the raw (un-decoded) encoded word is not the URI either: a verbatim value is compared as is
            rid = self.fresh_id()
            enc_msg = modern(rid, "tools/call", {"name": "echo", "arguments": {"text": "enc"}})
            r = self.mpost(enc_msg, set_={"Mcp-Name": "=?base64?" + base64.b64encode(b"echo").decode() + "?="})
            self.expect_result(r, rid, "tools/call with an encoded ASCII Mcp-Name")
            return f"{name} decoded; wrong and malformed values -32020"

        ok("=?base64?…?= Mcp-Name values are decoded before comparing (non-ASCII resource URI)", encoded_names)

        def unknown_param_header() -> str:
            rid = self.fresh_id()
            msg = modern(rid, "tools/call", {"name": "echo", "arguments": {"text": "x"}})
            self.expect_result(self.mpost(msg, add=[("Mcp-Param-Region", "us-west1")]), rid, "echo with Mcp-Param-Region")
            return "200"

        ok("an Mcp-Param-* header no x-mcp-header property declares is ignored", unknown_param_header)

        def unsupported_version() -> str:
            msg = modern(21, "tools/list", version="2099-01-01")
            r = self.mpost(msg)
            e = self.expect_error(r, 400, -32022, 21, "protocol version 2099-01-01")
            data = e.get("data") or {}
            expect(MODERN in (data.get("supported") or []), f"data.supported: {short(data)}")
            expect_eq(data.get("requested"), "2099-01-01", "data.requested")
            return short(data, 120)

        ok("an unsupported protocol version is 400 -32022 with data.supported and data.requested", unsupported_version)

        def missing_meta() -> str:
            msg = {"jsonrpc": "2.0", "id": 22, "method": "tools/list", "params": {}}
            r = self.mpost(msg, headers=with_headers(routing_headers(msg), {"MCP-Protocol-Version": MODERN}))
            self.expect_error(r, 400, -32602, 22, "no _meta")
            msg = modern(23, "tools/list")
            del msg["params"]["_meta"][CAPS]
            self.expect_error(self.mpost(msg), 400, -32602, 23, "no clientCapabilities")
            msg = modern(24, "tools/list")
            del msg["params"]["_meta"][PV]
            r = self.mpost(msg, headers=with_headers(routing_headers(msg), {"MCP-Protocol-Version": MODERN}))
            self.expect_error(r, 400, -32602, 24, "no protocolVersion in _meta")
            msg = {"jsonrpc": "2.0", "id": 25, "method": "tools/list"}
            r = self.mpost(msg, headers=with_headers(routing_headers(msg), {"MCP-Protocol-Version": MODERN}))
            self.expect_error(r, 400, -32602, 25, "no params at all")
            return "-32602 for no _meta, no clientCapabilities, no protocolVersion, no params"

        ok("missing required _meta keys are 400 -32602", missing_meta)

        def missing_capability() -> str:
            msg = modern(26, "tools/call", {"name": "test_elicitation", "arguments": {"message": "hi"}})
            e = self.expect_error(self.mpost(msg), 400, -32021, 26, "test_elicitation without elicitation")
            req = (e.get("data") or {}).get("requiredCapabilities")
            expect(isinstance(req, dict) and isinstance(req.get("elicitation"), dict), f"data: {short(e.get('data'))}")
            return short(e.get("data"), 120)

        ok("a missing client capability is 400 -32021 with data.requiredCapabilities", missing_capability)

        def unknown_methods() -> str:
            got = []
            for i, method in enumerate(["no/such/method"] + REMOVED):
                rid = 30 + i
                msg = modern(rid, method, {"protocolVersion": LEGACY, "capabilities": {}, "clientInfo": {"name": "x", "version": "1"}}
                             if method == "initialize" else ({"level": "info"} if method == "logging/setLevel" else
                                                             ({"uri": "test://static-text"} if "subscribe" in method else None)))
                e = self.expect_error(self.mpost(msg), 404, -32601, rid, method)
                got.append(method)
            return f"404 -32601 for {got}"

        ok("unknown and removed methods (initialize, ping, logging/setLevel, resources/(un)subscribe) are 404 -32601",
           unknown_methods)

        def not_found() -> str:
            msg = modern(40, "resources/read", {"uri": "test://does-not-exist"})
            e = self.expect_error(self.mpost(msg), 400, -32602, 40, "unknown resource")
            expect_eq((e.get("data") or {}).get("uri"), "test://does-not-exist", "error data.uri")
            return e.get("message", "")

        ok("resource not found is 400 -32602 with data.uri", not_found)

        def invalid_params() -> str:
            self.expect_error(self.mpost(modern(41, "tools/list", {"cursor": "garbage"})), 400, -32602, 41, "invalid cursor")
            self.expect_error(self.mpost(modern(42, "tools/call", {"name": "no_such_tool", "arguments": {}})), 400, -32602, 42,
                              "unknown tool")
            self.expect_error(self.mpost(modern(43, "prompts/get", {"name": "test_prompt_with_arguments", "arguments": {"arg1": "x"}})),
                              400, -32602, 43, "missing prompt argument")
            self.expect_error(self.mpost(modern(44, "tools/list", {"_meta": {LOG_LEVEL: "loud"}})), 400, -32602, 44,
                              "invalid logLevel")
            return "cursor, unknown tool, missing prompt argument, bad logLevel"

        ok("other invalid params are 400 -32602", invalid_params)

        def parse_error() -> str:
            r = self.mpost(None, raw=b'{"jsonrpc":"2.0","id":50,"method":', headers=[
                ("Content-Type", "application/json"), ("Accept", ACCEPT_BOTH), ("MCP-Protocol-Version", MODERN),
                ("Mcp-Method", "tools/list")])
            self.expect_error(r, 400, -32700, None, "truncated JSON", null_id=True)
            return "400 -32700 id null"

        ok("a body that is not JSON is 400 -32700 with id null", parse_error)

        def batch() -> str:
            msgs = [modern(51, "tools/list"), modern(52, "tools/list")]
            r = self.mpost(None, raw=dumps(msgs), headers=routing_headers(msgs[0]))
            self.expect_error(r, 400, -32600, None, "batch", null_id=True)
            return "400 -32600 id null"

        ok("a JSON-RPC batch on 2026 is 400 -32600 with id null", batch)

        def posted_response() -> str:
            r = self.mpost(None, raw=dumps({"jsonrpc": "2.0", "id": 53, "result": {}}), headers=[
                ("Content-Type", "application/json"), ("Accept", ACCEPT_BOTH), ("MCP-Protocol-Version", MODERN)])
            self.expect_error(r, 400, -32600, 53, "posted response")
            r = self.mpost(None, raw=dumps({"jsonrpc": "2.0", "id": 54, "method": 5, "params": {}}),
                           headers=routing_headers({}))
            self.expect_error(r, 400, -32600, 54, "method is not a string")
            return "-32600"

        ok("a posted response or a malformed request on 2026 is 400 -32600", posted_response)

        def notification() -> str:
            msg = {"jsonrpc": "2.0", "method": "notifications/cancelled", "params": {"requestId": 999, "_meta": {PV: MODERN, CAPS: {}}}}
            r = self.mpost(msg)
            expect(r.status == 202 and r.body == b"", f"notification: expected 202 with no body, got {r.describe()}")
            return "202"

        ok("a notification POST is 202 with an empty body", notification)

        def origin() -> str:
            msg = modern(60, "tools/list")
            for bad in ["http://evil.example", f"http://evil.example:{self.srv.port}", "null", f"http://127.0.0.1:{self.srv.port + 1}"]:
                r = self.mpost(msg, set_={"Origin": bad})
                expect(r.status == 403, f"Origin {bad}: expected 403, got {r.describe()}")
            for good in [f"http://127.0.0.1:{self.srv.port}", f"http://localhost:{self.srv.port}"]:
                self.expect_result(self.mpost(msg, set_={"Origin": good}), 60, f"Origin {good}")
            self.expect_result(self.mpost(msg), 60, "no Origin")
            return "403 for foreign origins; loopback origins on the bound port and no Origin: 200"

        ok("a foreign Origin is 403; loopback origins and no Origin pass", origin)

        def host() -> str:
            msg = modern(61, "tools/list")
            for bad in ["evil.example", f"evil.example:{self.srv.port}", f"127.0.0.1:{self.srv.port + 1}", f"attacker.localhost.evil:{self.srv.port}"]:
                r = self.mpost(msg, set_={"Host": bad})
                expect(r.status == 421, f"Host {bad}: expected 421, got {r.describe()}")
            for good in [f"127.0.0.1:{self.srv.port}", f"localhost:{self.srv.port}"]:
                self.expect_result(self.mpost(msg, set_={"Host": good}), 61, f"Host {good}")
            return "421 for foreign hosts and other ports"

        ok("a Host outside the loopback allow-list is 421 (DNS rebinding)", host)

        def accept() -> str:
            msg = modern(62, "tools/list")
            for value in ["application/json", "text/event-stream", "text/html", None]:
                r = self.mpost(msg, set_={"Accept": value})
                expect(r.status == 406, f"Accept {value!r}: expected 406, got {r.describe()}")
            self.expect_result(self.mpost(msg, set_={"Accept": "text/event-stream, application/json;q=0.9"}), 62, "both types")
            return "406 unless both JSON and SSE are accepted"

        ok("an Accept header without both JSON and SSE is 406", accept)

        def content_type() -> str:
            msg = modern(63, "tools/list")
            for value in ["text/plain", "application/x-www-form-urlencoded", None]:
                r = self.mpost(msg, set_={"Content-Type": value})
                expect(r.status == 415, f"Content-Type {value!r}: expected 415, got {r.describe()}")
            self.expect_result(self.mpost(msg, set_={"Content-Type": "application/json; charset=utf-8"}), 63, "with charset")
            return "415"

        ok("a non-JSON Content-Type is 415", content_type)

        def get_delete() -> str:
            for method in ["GET", "DELETE"]:
                r = self.srv.request(method, headers=[("Accept", "text/event-stream")])
                expect(r.status == 405, f"{method} without a session: expected 405, got {r.describe()}")
                expect_eq(r.header("allow"), "POST", f"{method} Allow header")
            return "405 Allow: POST"

        ok("GET and DELETE without a session are 405 with Allow: POST", get_delete)

        def too_large() -> str:
            msg = modern(64, "tools/call", {"name": "echo", "arguments": {"text": "x"}})
            body = dumps(msg)
            big = body[:-1] + b" " * (MAX_BODY + 1 - len(body)) + b"}"
            expect(len(big) == MAX_BODY + 1, "test bug")
            r = self.srv.request("POST", headers=routing_headers(msg), body=big, timeout=30)
            expect(r.status == 413, f"a {len(big)}-byte body: expected 413, got {r.describe()}")
            fits = body[:-1] + b" " * (MAX_BODY - len(body)) + b"}"
            r = self.srv.request("POST", headers=routing_headers(msg), body=fits, timeout=30)
            self.expect_result(r, 64, f"a {len(fits)}-byte body (exactly the limit)")
            return f"{MAX_BODY + 1} bytes: 413; {MAX_BODY} bytes: 200"

        ok("a body over 4 MiB is 413 (exactly 4 MiB is served)", too_large)

        def ignores_session_headers() -> str:
            msg = modern(65, "tools/list")
            r = self.mpost(msg, add=[("Mcp-Session-Id", "not-a-session"), ("Last-Event-ID", "x-1")])
            self.expect_result(r, 65, "2026 POST with Mcp-Session-Id and Last-Event-ID")
            return "200"

        ok("a 2026 POST ignores Mcp-Session-Id and Last-Event-ID", ignores_session_headers)

    # == 2026-07-28: streams ================================================================================

    def modern_streams(self) -> None:
        def progress_stream() -> str:
            msg = modern(70, "tools/call", {"name": "slow_operation", "arguments": {"steps": 3, "step_ms": 30},
                                            "_meta": {"progressToken": "p-70"}})
            r = self.mpost(msg)
            expect(r.status == 200 and r.is_sse, f"expected 200 text/event-stream, got {r.describe()}")
            expect_eq(r.header("x-accel-buffering"), "no", "X-Accel-Buffering")
            msgs = r.messages()
            expect(all(e.event == "message" for e in r.events), f"event types {[e.event for e in r.events]}")
            prog = [(m["params"]["progressToken"], m["params"]["progress"]) for m in msgs[:-1]]
            expect_eq(prog, [("p-70", 1), ("p-70", 2), ("p-70", 3)], "progress notifications before the response")
            last = msgs[-1]
            expect(same_id(last.get("id"), 70) and "result" in last, f"last event is not the response: {short(last)}")
            return f"{len(msgs)} events, response last"

        self.check("a request that reports progress is answered as SSE: progress events, then the response", progress_stream)

        def logging_stream() -> str:
            msg = modern(71, "tools/call", {"name": "test_tool_with_logging", "arguments": {}, "_meta": {LOG_LEVEL: "info"}})
            r = self.mpost(msg)
            expect(r.is_sse, f"expected SSE, got {r.describe()}")
            logs = [m for m in r.messages() if m.get("method") == "notifications/message"]
            expect_eq(len(logs), 3, "log notifications")
            msg = modern(72, "tools/call", {"name": "test_tool_with_logging", "arguments": {}})
            r = self.mpost(msg)
            expect(r.content_type.startswith("application/json"), f"without logLevel the answer should be plain JSON: {r.describe()}")
            return "3 logs on SSE with logLevel; JSON without"

        self.check("log messages only with _meta logLevel (SSE), plain JSON otherwise", logging_stream)

        def slow_is_sse() -> str:
            msg = modern(73, "tools/call", {"name": "slow_operation", "arguments": {"steps": 2, "step_ms": 2800}})
            started = time.monotonic()
            s = self.srv.open("POST", headers=routing_headers(msg), body=dumps(msg), timeout=20)
            try:
                headers_after = time.monotonic() - started
                expect(s.status == 200 and (s.header("content-type") or "").startswith("text/event-stream"),
                       f"a 5.6 s request without notifications: expected SSE, got {s.status} {s.header('content-type')}")
                events = s.read_all(20)
            finally:
                s.drop()
            msgs = [e.msg for e in events]
            self.validate(MODERN, msgs, "tools/call", "slow_operation (SSE by time)")
            expect(len(msgs) == 1 and same_id(msgs[0].get("id"), 73), f"events: {[short(m, 120) for m in msgs]}")
            expect(4.0 <= headers_after <= 6.5, f"SSE headers came after {headers_after:.1f}s (expected ~5 s)")
            return f"SSE after {headers_after:.1f}s, response after {time.monotonic() - started:.1f}s"

        self.check("a request running longer than 5 s switches to SSE", slow_is_sse)

        def cancel_by_close() -> str:
            rid = 74
            msg = modern(rid, "tools/call", {"name": "slow_operation", "arguments": {"steps": 40, "step_ms": 100},
                                             "_meta": {"progressToken": "p-74"}})
            baseline = self.server_sockets(settle=True)
            s = self.srv.open("POST", headers=routing_headers(msg), body=dumps(msg))
            expect(s.status == 200, f"status {s.status}")
            seen = []
            for _ in range(2):
                ev = s.next(5)
                expect(ev is not None, "stream ended early")
                seen.append(ev.msg["params"]["progress"])
            during = self.server_sockets()
            s.drop()
            closed_in = None
            if baseline is not None and during is not None:
                expect(during > baseline, f"test bug: server sockets {baseline} -> {during} with the stream open")
                t0 = time.monotonic()
                while time.monotonic() - t0 < 3.0:
                    now = self.server_sockets()
                    if now is not None and now <= baseline:
                        closed_in = time.monotonic() - t0
                        break
                    time.sleep(0.02)
                expect(closed_in is not None, f"the server kept the dropped connection open for 3 s (sockets {baseline} -> "
                                              f"{self.server_sockets()}): it did not notice the cancellation")
            t0 = time.monotonic()
            r = self.mpost(modern(75, "tools/call", {"name": "echo", "arguments": {"text": "after"}}))
            self.expect_result(r, 75, "echo after the cancelled stream")
            latency = time.monotonic() - t0
            expect(latency < 1.0, f"echo after cancel took {latency:.2f}s")
            detail = f"dropped after progress {seen}; echo {latency * 1000:.0f} ms"
            if closed_in is not None:
                detail += f"; server closed its socket {closed_in * 1000:.0f} ms after the drop"
            elif self.args.pid is None:
                detail += " (no --pid: server side not observed)"
            return detail

        self.check("closing a 2026 response stream cancels the request; the server stays responsive", cancel_by_close)

        def listen(rid: Any) -> str:
            msg = modern(rid, "subscriptions/listen", {"notifications": {"toolsListChanged": True, "promptsListChanged": True,
                                                                         "resourceSubscriptions": ["test://watched-resource"]}})
            s = self.srv.open("POST", headers=routing_headers(msg), body=dumps(msg))
            try:
                expect(s.status == 200 and (s.header("content-type") or "").startswith("text/event-stream"),
                       f"listen: {s.status} {s.header('content-type')}")
                ack = s.next(5)
                expect(ack is not None and ack.msg.get("method") == "notifications/subscriptions/acknowledged", f"first event: {ack}")
                sub = ack.msg["params"].get("_meta", {}).get(SUB, "<missing>")
                expect(same_id(sub, rid), f"ack subscriptionId {json.dumps(sub)} is not the listen id {json.dumps(rid)}")
                honoured = ack.msg["params"].get("notifications", {})
                expect(honoured.get("toolsListChanged") is True and honoured.get("resourceSubscriptions") == ["test://watched-resource"],
                       f"acknowledged filter: {honoured}")
                trig = modern(self.fresh_id(), "tools/call", {"name": "test_trigger_resource_update", "arguments": {}})
                self.expect_result(self.mpost(trig), trig["id"], "trigger resource update")
                trig = modern(self.fresh_id(), "tools/call", {"name": "test_trigger_tool_change", "arguments": {}})
                self.expect_result(self.mpost(trig), trig["id"], "trigger tool change")
                got = {}
                while len(got) < 2:
                    ev = s.next(5)
                    expect(ev is not None, f"listen stream ended; got {list(got)}")
                    m = ev.msg
                    got[m["method"]] = m
                    expect(same_id(m["params"].get("_meta", {}).get(SUB), rid), f"untagged listen notification: {short(m)}")
                    expect(m["method"] in ("notifications/resources/updated", "notifications/tools/list_changed"),
                           f"unexpected notification on the listen stream: {short(m)}")
                self.validate(MODERN, [e.msg for e in s.events], "subscriptions/listen", "listen stream")
                return f"subscriptionId {json.dumps(rid)}: ack, resources/updated, tools/list_changed"
            finally:
                s.drop()

        self.check("subscriptions/listen streams the ack first, tagged with a string listen id", lambda: listen("sub-1"))
        self.check("subscriptions/listen keeps an integer listen id an integer", lambda: listen(77))

    def server_sockets(self, settle: bool = False) -> int | None:
        """Sockets the server process holds open (None without --pid)."""
        if self.args.pid is None:
            return None

        def count() -> int:
            n = 0
            base = f"/proc/{self.args.pid}/fd"
            for fd in os.listdir(base):
                try:
                    if os.readlink(f"{base}/{fd}").startswith("socket:"):
                        n += 1
                except OSError:
                    pass
            return n

        if not settle:
            return count()
        last, stable_since = count(), time.monotonic()
        deadline = time.monotonic() + 3
        while time.monotonic() < deadline:
            time.sleep(0.05)
            now = count()
            if now != last:
                last, stable_since = now, time.monotonic()
            elif time.monotonic() - stable_since > 0.3:
                break
        return last

    # == legacy Streamable HTTP (2025-11-25) ================================================================

    def legacy_headers(self, sid: str | None, version: str | None = LEGACY) -> list[tuple[str, str]]:
        h = [("Content-Type", "application/json"), ("Accept", ACCEPT_BOTH)]
        if sid is not None:
            h.append(("Mcp-Session-Id", sid))
        if version is not None:
            h.append(("MCP-Protocol-Version", version))
        return h

    def lpost(self, sid: str | None, msg: Any, *, version: str | None = LEGACY, schema: str = LEGACY,
              headers: list[tuple[str, str]] | None = None, timeout: float = 15.0) -> Resp:
        r = self.srv.request("POST", headers=headers if headers is not None else self.legacy_headers(sid, version),
                             body=dumps(msg), timeout=timeout)
        answering = msg.get("method") if isinstance(msg, dict) and "id" in msg else None
        self.validate(schema, r.messages(), answering, f"legacy {answering or 'message'}")
        return r

    def legacy_initialize(self, version: str = LEGACY, caps: dict[str, Any] | None = None) -> tuple[str, dict[str, Any]]:
        msg = {"jsonrpc": "2.0", "id": 1, "method": "initialize",
               "params": {"protocolVersion": version, "capabilities": caps or {}, "clientInfo": {"name": "raw-http", "version": "1"}}}
        r = self.lpost(None, msg, version=None, schema=version if version in ("2024-11-05", "2025-03-26", LEGACY) else LEGACY)
        res = self.expect_result(r, 1, f"initialize {version}")
        sid = r.header("mcp-session-id")
        expect(sid is not None, f"initialize answered without Mcp-Session-Id: {r.headers}")
        expect(all(0x21 <= ord(c) <= 0x7E for c in sid) and len(sid) >= 16, f"Mcp-Session-Id {sid!r}")
        r = self.lpost(sid, {"jsonrpc": "2.0", "method": "notifications/initialized"},
                       version=None if version < "2025-06-18" else res["protocolVersion"])
        expect(r.status == 202, f"notifications/initialized: expected 202, got {r.describe()}")
        return sid, res

    def legacy_delete(self, sid: str) -> Resp:
        return self.srv.request("DELETE", headers=[("Mcp-Session-Id", sid), ("MCP-Protocol-Version", LEGACY)])

    def legacy_sessions(self) -> None:
        state: dict[str, Any] = {}

        def initialize() -> str:
            sid, res = self.legacy_initialize()
            expect_eq(res.get("protocolVersion"), LEGACY, "negotiated protocolVersion")
            leaked = {"resultType", "ttlMs", "cacheScope"} & set(res)
            expect(not leaked, f"legacy result carries {leaked}")
            state["sid"] = sid
            other, _ = self.legacy_initialize()
            expect(other != sid, "two sessions got the same id")
            self.legacy_delete(other)
            return f"Mcp-Session-Id {sid[:6]}… ({len(sid)} chars), initialized: 202"

        self.check("initialize creates a session (Mcp-Session-Id, visible ASCII); notifications/initialized is 202", initialize)
        sid = state["sid"]

        def request_ok() -> str:
            r = self.lpost(sid, {"jsonrpc": "2.0", "id": "t-1", "method": "tools/list"})
            res = self.expect_result(r, "t-1", "tools/list on the session")
            expect(not ({"resultType", "ttlMs", "cacheScope"} & set(res)), "legacy tools/list carries 2026 fields")
            r = self.lpost(sid, {"jsonrpc": "2.0", "id": 2, "method": "tools/list"}, version=None)
            self.expect_result(r, 2, "tools/list without MCP-Protocol-Version (assumed 2025-03-26)")
            return "200 JSON"

        self.check("requests on the session are answered (with or without MCP-Protocol-Version)", request_ok)

        def missing_session() -> str:
            r = self.lpost(None, {"jsonrpc": "2.0", "id": 3, "method": "tools/list"}, version=LEGACY)
            e = self.expect_error(r, 400, -32600, 3, "no Mcp-Session-Id (with MCP-Protocol-Version 2025-11-25)", session_error=True)
            r = self.lpost(None, {"jsonrpc": "2.0", "id": 4, "method": "tools/list"}, version=None)
            self.expect_error(r, 400, -32600, 4, "no Mcp-Session-Id, no MCP-Protocol-Version", session_error=True)
            return e.get("message", "")

        self.check("a request without Mcp-Session-Id is 400", missing_session)

        def unknown_session() -> str:
            r = self.lpost("no-such-session-0123456789", {"jsonrpc": "2.0", "id": 5, "method": "tools/list"})
            e = self.expect_error(r, 404, -32600, 5, "unknown Mcp-Session-Id", session_error=True)
            r = self.srv.request("GET", headers=[("Accept", "text/event-stream"), ("Mcp-Session-Id", "no-such-session-0123456789")])
            expect(r.status == 404, f"GET with an unknown session: {r.describe()}")
            return e.get("message", "")

        self.check("an unknown Mcp-Session-Id is 404 (POST and GET)", unknown_session)

        def bad_version() -> str:
            r = self.lpost(sid, {"jsonrpc": "2.0", "id": 6, "method": "tools/list"}, version="2025-06-18")
            self.expect_error(r, 400, -32600, 6, "MCP-Protocol-Version 2025-06-18 on a 2025-11-25 session", session_error=True)
            r = self.lpost(sid, {"jsonrpc": "2.0", "id": 7, "method": "tools/list"}, version="1999-01-01", schema=MODERN)
            expect(r.status == 400, f"MCP-Protocol-Version 1999-01-01 on a session: {r.describe()}")
            return "400, 400"

        self.check("a wrong MCP-Protocol-Version on a session is 400", bad_version)

        def notifications_202() -> str:
            for msg in [{"jsonrpc": "2.0", "method": "notifications/roots/list_changed"},
                        {"jsonrpc": "2.0", "method": "notifications/cancelled", "params": {"requestId": 12345}},
                        {"jsonrpc": "2.0", "id": 999, "result": {}}]:
                r = self.lpost(sid, msg)
                expect(r.status == 202 and not r.body, f"{short(msg)}: expected 202 without a body, got {r.describe()}")
            return "notification, cancel of an unknown id, stray response: 202"

        self.check("notifications and responses POSTed to a session are 202", notifications_202)

        def batch_rejected() -> str:
            r = self.lpost(sid, [{"jsonrpc": "2.0", "id": 8, "method": "tools/list"}])
            self.expect_error(r, 400, -32600, None, "batch on a 2025-11-25 session", null_id=True)
            return "400 -32600"

        self.check("a batch on a 2025-11-25 session is 400 -32600", batch_rejected)

        def get_stream() -> str:
            g = self.srv.open("GET", headers=[("Accept", "text/event-stream"), ("Mcp-Session-Id", sid),
                                              ("MCP-Protocol-Version", LEGACY)])
            try:
                expect(g.status == 200 and (g.header("content-type") or "").startswith("text/event-stream"),
                       f"GET stream: {g.status} {g.header('content-type')}")
                r = self.srv.request("GET", headers=[("Accept", "text/event-stream"), ("Mcp-Session-Id", sid)], timeout=5)
                expect(r.status == 409, f"a second GET stream: expected 409, got {r.describe()}")
                r = self.srv.request("GET", headers=[("Accept", "application/json"), ("Mcp-Session-Id", sid)], timeout=5)
                expect(r.status == 406, f"GET without text/event-stream in Accept: expected 406, got {r.describe()}")
                r = self.lpost(sid, {"jsonrpc": "2.0", "id": 9, "method": "tools/call",
                                     "params": {"name": "test_trigger_prompt_change", "arguments": {}}})
                self.expect_result(r, 9, "trigger prompt change")
                ev = g.next(5)
                expect(ev is not None and ev.msg.get("method") == "notifications/prompts/list_changed", f"GET stream event: {ev}")
                expect(ev.id is not None and ev.id.rsplit("-", 1)[-1].isdigit(), f"GET stream event id {ev.id!r}")
                self.validate(LEGACY, [ev.msg], None, "GET stream")
                state["get_last"] = ev.id
                return f"200 SSE, second GET 409, list_changed with id {ev.id}"
            finally:
                g.drop()

        self.check("GET opens the standalone stream (one per session: 409 for a second)", get_stream)

        def replay() -> str:
            rid = 20
            msg = {"jsonrpc": "2.0", "id": rid, "method": "tools/call",
                   "params": {"name": "slow_operation", "arguments": {"steps": 6, "step_ms": 150}, "_meta": {"progressToken": "lp"}}}
            s = self.srv.open("POST", headers=self.legacy_headers(sid), body=dumps(msg))
            expect(s.status == 200 and (s.header("content-type") or "").startswith("text/event-stream"),
                   f"slow_operation with progress: {s.status} {s.header('content-type')}")
            first = [s.next(5), s.next(5)]
            expect(all(e is not None and e.id for e in first), f"events without ids: {first}")
            stream_id, n = first[-1].id.rsplit("-", 1)
            expect(n.isdigit() and first[0].id.rsplit("-", 1)[0] == stream_id, f"event ids {[e.id for e in first]}")
            s.drop()  # a legacy disconnect is not a cancellation: the work goes on
            time.sleep(0.5)
            g = self.srv.open("GET", headers=[("Accept", "text/event-stream"), ("Mcp-Session-Id", sid),
                                              ("MCP-Protocol-Version", LEGACY), ("Last-Event-ID", first[-1].id)])
            try:
                expect(g.status == 200, f"GET with Last-Event-ID: status {g.status}")
                rest = g.read_all(15)
            finally:
                g.drop()
            msgs = [e.msg for e in rest]
            self.validate(LEGACY, msgs, "tools/call", "replayed stream")
            progress = [m["params"]["progress"] for m in msgs if m.get("method") == "notifications/progress"]
            before = [e.msg["params"]["progress"] for e in first]
            expect_eq(before + progress, [1, 2, 3, 4, 5, 6], "progress before the drop + replayed/continued")
            expect(same_id(msgs[-1].get("id"), rid) and "result" in msgs[-1], f"last replayed event: {short(msgs[-1])}")
            ids = [e.id for e in rest]
            expect(all(i and i.rsplit("-", 1)[0] == stream_id for i in ids), f"replayed ids: {ids}")
            seq = [int(i.rsplit("-", 1)[1]) for i in ids]
            expect(seq == sorted(seq) and seq[0] > int(n), f"replayed sequence numbers {seq} after {n}")
            return f"dropped after {first[-1].id}; got {len(rest)} events ({ids[0]}…{ids[-1]}) ending with the response"

        self.check("Last-Event-ID resumes a dropped request stream: the remaining events and the final response", replay)

        def replay_standalone() -> str:
            last = state.get("get_last")
            expect(last is not None, "no GET event id from the earlier check")
            r = self.lpost(sid, {"jsonrpc": "2.0", "id": 21, "method": "tools/call",
                                 "params": {"name": "test_trigger_tool_change", "arguments": {}}})
            self.expect_result(r, 21, "trigger tool change (no GET stream open)")
            g = self.srv.open("GET", headers=[("Accept", "text/event-stream"), ("Mcp-Session-Id", sid), ("Last-Event-ID", last)])
            try:
                ev = g.next(5)
            finally:
                g.drop()
            expect(ev is not None and ev.msg.get("method") == "notifications/tools/list_changed",
                   f"first event after Last-Event-ID {last}: {ev}")
            return f"after {last}: {ev.id} {ev.msg['method']}"

        self.check("Last-Event-ID on the standalone stream replays what was published while it was closed", replay_standalone)

        def delete() -> str:
            r = self.legacy_delete(sid)
            expect(r.status in (200, 204), f"DELETE: {r.describe()}")
            r = self.lpost(sid, {"jsonrpc": "2.0", "id": 30, "method": "tools/list"})
            self.expect_error(r, 404, -32600, 30, "POST after DELETE", session_error=True)
            r = self.srv.request("GET", headers=[("Accept", "text/event-stream"), ("Mcp-Session-Id", sid)], timeout=5)
            expect(r.status == 404, f"GET after DELETE: {r.describe()}")
            r = self.legacy_delete(sid)
            expect(r.status == 404, f"second DELETE: {r.describe()}")
            return "DELETE 200; then POST, GET, DELETE: 404"

        self.check("DELETE ends the session: its id is 404 afterwards", delete)

        def delete_ends_get_stream() -> str:
            sid2, _ = self.legacy_initialize()
            g = self.srv.open("GET", headers=[("Accept", "text/event-stream"), ("Mcp-Session-Id", sid2)])
            try:
                expect(g.status == 200, f"GET: {g.status}")
                r = self.legacy_delete(sid2)
                expect(r.status in (200, 204), f"DELETE: {r.describe()}")
                t0 = time.monotonic()
                while g.next(3) is not None:
                    pass
                return f"GET stream ended {1000 * (time.monotonic() - t0):.0f} ms after DELETE"
            finally:
                g.drop()

        self.check("DELETE also ends the session's open GET stream", delete_ends_get_stream)

        def initialize_versions() -> str:
            out = []
            for asked, want in [("2025-06-18", "2025-06-18"), ("2025-03-26", "2025-03-26"), ("2024-11-05", "2024-11-05"),
                                ("1999-01-01", LEGACY)]:
                s, res = self.legacy_initialize(asked)
                expect_eq(res.get("protocolVersion"), want, f"initialize {asked}: negotiated version")
                self.legacy_delete(s)
                out.append(f"{asked}->{res['protocolVersion']}")
            return ", ".join(out)

        self.check("initialize echoes a supported version and answers an unknown one with 2025-11-25", initialize_versions)


    # == findings reported last (so that they do not hide the other checks) ==================================

    def check_session_error_ids(self) -> str:
        expect(len(self.session_error_ids) >= 5, f"test bug: only {len(self.session_error_ids)} session errors recorded")
        bad = [f"{what}: request id {json.dumps(rid)}, error id {json.dumps(got)}"
               for what, rid, got in self.session_error_ids if not same_id(got, rid)]
        expect(not bad, "JSON-RPC 2.0 requires the error to carry the request's id whenever it could be read "
                        "(and the MCP schema has no null id):\n       " + "\n       ".join(bad))
        return f"{len(self.session_error_ids)} errors echo their request ids"

    def late_findings(self) -> None:
        """Spec edges the server got wrong when these checks were written (see the report); they
        run last so that a failure here never hides the rest."""

        def raw_non_ascii() -> str:
            rid = self.fresh_id()
            msg = modern(rid, "resources/read", {"uri": NON_ASCII_URI})
            r = self.mpost(msg, set_={"Mcp-Name": NON_ASCII_URI.encode("utf-8")})  # type: ignore[dict-item]
            self.expect_error(r, 400, -32020, rid, "raw UTF-8 bytes in Mcp-Name")
            return "400 -32020"

        self.check_all("a raw non-ASCII Mcp-Name (not =?base64?…?=) is 400 -32020: header values must be visible ASCII", raw_non_ascii)

        def uppercase_markers() -> str:
            rid = self.fresh_id()
            msg = modern(rid, "tools/call", {"name": "echo", "arguments": {"text": "x"}})
            upper = "=?BASE64?" + base64.b64encode(b"echo").decode() + "?="
            r = self.mpost(msg, set_={"Mcp-Name": upper})
            self.expect_error(r, 400, -32020, rid, f"Mcp-Name {upper} (markers are case-sensitive: not an encoding)")
            return "400 -32020"

        self.check_all("=?BASE64?…?= with upper-case markers is not an encoding: compared verbatim, 400 -32020", uppercase_markers)
        self.check_all("legacy session errors (400 missing, 404 unknown/deleted, 400 bad version) echo the request id",
                   self.check_session_error_ids)

    # == legacy 2025-03-26 batches ==========================================================================

    def legacy_2025_03_26(self) -> None:
        def batch() -> str:
            sid, _ = self.legacy_initialize("2025-03-26")
            try:
                msgs = [{"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": "echo", "arguments": {"text": "one"}}},
                        {"jsonrpc": "2.0", "method": "notifications/roots/list_changed"},
                        {"jsonrpc": "2.0", "id": "two", "method": "prompts/list"},
                        {"jsonrpc": "2.0", "id": 3, "method": "no/such/method"}]
                r = self.srv.request("POST", headers=self.legacy_headers(sid, None), body=dumps(msgs))
                expect(r.status == 200 and r.content_type.startswith("application/json"), f"batch: {r.describe()}")
                doc = json.loads(r.body)
                expect(isinstance(doc, list), f"batch answer is not an array: {short(doc)}")
                by = {json.dumps(m.get("id")): m for m in doc}
                expect_eq(sorted(by), sorted(['1', '"two"', '3']), "ids answered (notifications get none)")
                expect_eq(by["1"]["result"]["content"], [{"type": "text", "text": "one"}], "echo in the batch")
                expect("prompts" in by['"two"']["result"], "prompts/list in the batch")
                expect_eq(by["3"]["error"]["code"], -32601, "unknown method in the batch")
                methods = {"1": "tools/call", '"two"': "prompts/list", "3": "no/such/method"}
                for k, m in by.items():
                    self.validate("2025-03-26", [m], methods[k], "2025-03-26 batch")
                r = self.srv.request("POST", headers=self.legacy_headers(sid, None),
                                     body=dumps([{"jsonrpc": "2.0", "method": "notifications/roots/list_changed"}]))
                expect(r.status == 202, f"a batch of notifications only: expected 202, got {r.describe()}")
                return f"{len(doc)} responses for 3 requests + 1 notification; notification-only batch 202"
            finally:
                self.legacy_delete(sid)

        self.check("a 2025-03-26 session answers a batch with one JSON array", batch)

    # == 2024-11-05 HTTP+SSE ================================================================================

    def legacy_sse_transport(self) -> None:
        def transport() -> str:
            g = self.srv.open("GET", "/sse", headers=[("Accept", "text/event-stream")])
            try:
                expect(g.status == 200 and (g.header("content-type") or "").startswith("text/event-stream"),
                       f"GET /sse: {g.status} {g.header('content-type')}")
                ev = g.next(5)
                expect(ev is not None and ev.event == "endpoint", f"first event: {ev}")
                endpoint = ev.data
                expect(endpoint.startswith("/messages?session_id="), f"endpoint {endpoint!r}")
                h = [("Content-Type", "application/json")]

                def post(msg: Any, raw: bytes | None = None) -> None:
                    r = self.srv.request("POST", endpoint, headers=h, body=raw if raw is not None else dumps(msg))
                    expect(r.status == 202, f"POST {endpoint}: expected 202, got {r.describe()}")

                def reply(rid: Any, method: str) -> dict[str, Any]:
                    while True:
                        e = g.next(5)
                        expect(e is not None, f"stream ended before the reply to {method}")
                        m = e.msg
                        self.validate("2024-11-05", [m], method if "id" in m and "method" not in m else None, "2024-11-05 stream")
                        if "method" not in m and same_id(m.get("id"), rid):
                            return m

                post({"jsonrpc": "2.0", "id": 1, "method": "initialize",
                      "params": {"protocolVersion": "2024-11-05", "capabilities": {}, "clientInfo": {"name": "raw", "version": "1"}}})
                init = reply(1, "initialize")
                expect_eq(init["result"]["protocolVersion"], "2024-11-05", "negotiated version")
                post({"jsonrpc": "2.0", "method": "notifications/initialized"})
                post({"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {"name": "echo", "arguments": {"text": "sse"}}})
                expect_eq(reply(2, "tools/call")["result"]["content"], [{"type": "text", "text": "sse"}], "echo over SSE")
                post(None, raw=b'{"jsonrpc":"2.0","id":3,')
                m = g.next(5)
                expect(m is not None and (m.msg.get("error") or {}).get("code") == -32700, f"parse error on the stream: {m}")
                bad = self.srv.request("POST", endpoint, headers=[("Content-Type", "text/plain")], body=b"{}")
                expect(bad.status == 415, f"non-JSON Content-Type: {bad.describe()}")
                r = self.srv.request("POST", "/messages", headers=h, body=b"{}")
                expect(r.status == 400, f"POST /messages without session_id: {r.describe()}")
                r = self.srv.request("POST", "/messages?session_id=00112233445566778899aabbccddeeff", headers=h, body=b"{}")
                expect(r.status == 404, f"POST /messages with an unknown session_id: {r.describe()}")
            finally:
                g.drop()
            for _ in range(60):
                r = self.srv.request("POST", endpoint, headers=[("Content-Type", "application/json")],
                                     body=dumps({"jsonrpc": "2.0", "id": 4, "method": "ping"}))
                if r.status == 404:
                    break
                time.sleep(0.05)
            expect(r.status == 404, f"POST after the stream closed: {r.describe()}")
            return f"endpoint {endpoint.split('=')[0]}=…; POSTs 202; replies on the stream; closed stream ends the session"

        self.check("2024-11-05 HTTP+SSE: endpoint event, 202 POSTs, replies on the stream, 400/404/415", transport)


if __name__ == "__main__":
    Suite().main()
