"""In-process HTTP wire tap for the official SDK clients (works with `httpx` 0.28 and `httpx2`).

The SDK clients accept a pre-built HTTP client (2.3.0: `streamable_http_client(http_client=…)`,
which `Client("http://…")` builds with `create_mcp_http_client`; 1.x: `httpx_client_factory=`).
`Tap.client(httpx_module)` returns one whose transport records every exchange:

* `Tap.exchanges`: one `Exchange` per HTTP request (method, target, headers, body, status,
  response headers, SSE events in arrival order, whether the client closed the response before
  its end) — for HTTP-level assertions (session ids, GET/DELETE, routing headers, cancellation
  by closing the stream).
* the wire log (same format as wiretap.py, so `common.read_wire` and every stdio check keep
  working): "LABEL C>S <json>" per POSTed JSON-RPC message and "LABEL S>C <json>" per JSON-RPC
  message the server sent (JSON body, or one per SSE `message` event), in the order the client
  saw them.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any


@dataclass
class SSEEvent:
    event: str
    data: str
    id: str | None
    at: float

    @property
    def msg(self) -> Any:
        try:
            return json.loads(self.data)
        except ValueError:
            return None


@dataclass
class Exchange:
    n: int
    label: str
    method: str
    target: str  # path + query
    headers: dict[str, str]  # lower-cased names; repeated headers joined with ", "
    body: bytes
    started: float
    status: int | None = None
    response_headers: dict[str, str] = field(default_factory=dict)
    content_type: str = ""
    events: list[SSEEvent] = field(default_factory=list)
    comments: int = 0
    raw: bytearray = field(default_factory=bytearray)
    eof: bool = False  # the server ended the body
    closed: bool = False  # the client closed the response
    closed_at: float | None = None
    error: str | None = None

    @property
    def request_msg(self) -> Any:
        try:
            return json.loads(self.body) if self.body else None
        except ValueError:
            return None

    @property
    def rpc_method(self) -> str | None:
        m = self.request_msg
        return m.get("method") if isinstance(m, dict) else None

    @property
    def rpc_id(self) -> Any:
        m = self.request_msg
        return m.get("id") if isinstance(m, dict) else None

    @property
    def is_sse(self) -> bool:
        return self.content_type.startswith("text/event-stream")

    @property
    def closed_early(self) -> bool:
        """The client closed the response before the server ended it."""
        return self.closed and not self.eof

    def server_messages(self) -> list[Any]:
        if self.is_sse:
            return [e.msg for e in self.events if e.event == "message"]
        if self.content_type.startswith("application/json") and self.eof:
            try:
                doc = json.loads(bytes(self.raw))
            except ValueError:
                return []
            return doc if isinstance(doc, list) else [doc]
        return []

    def describe(self) -> str:
        return f"#{self.n} {self.method} {self.target} -> {self.status} {self.content_type or '-'}"


class _SSEParser:
    """Incremental text/event-stream parser (WHATWG rules: CR, LF or CRLF line ends)."""

    def __init__(self, on_event: Any, on_comment: Any) -> None:
        self.buf = ""
        self.on_event = on_event
        self.on_comment = on_comment
        self.data: list[str] = []
        self.event = ""
        self.id: str | None = None
        self.pending = b""

    def feed(self, chunk: bytes) -> None:
        data = self.pending + chunk
        try:
            text = data.decode("utf-8")
            self.pending = b""
        except UnicodeDecodeError as e:
            text = data[: e.start].decode("utf-8")
            self.pending = data[e.start :]
        self.buf += text
        while True:
            cut = -1
            for i, ch in enumerate(self.buf):
                if ch == "\n" or ch == "\r":
                    cut = i
                    break
            if cut < 0:
                return
            if self.buf[cut] == "\r":
                if cut + 1 == len(self.buf):
                    return  # maybe the first half of CRLF
                line, rest = self.buf[:cut], self.buf[cut + 2 :] if self.buf[cut + 1] == "\n" else self.buf[cut + 1 :]
            else:
                line, rest = self.buf[:cut], self.buf[cut + 1 :]
            self.buf = rest
            self.line(line)

    def line(self, line: str) -> None:
        if line == "":
            if self.data or self.event:
                self.on_event(self.event or "message", "\n".join(self.data), self.id)
            self.data, self.event = [], ""
            return
        if line.startswith(":"):
            self.on_comment(line)
            return
        name, _, value = line.partition(":")
        if value.startswith(" "):
            value = value[1:]
        if name == "data":
            self.data.append(value)
        elif name == "event":
            self.event = value
        elif name == "id":
            self.id = value


class Tap:
    def __init__(self, wire_log: str | None, label: str = "main") -> None:
        self.wire_log = wire_log
        self.label = label
        self.exchanges: list[Exchange] = []
        self._log = open(wire_log, "ab", buffering=0) if wire_log else None

    # -- recording -------------------------------------------------------------------------------

    def write(self, direction: str, payload: Any) -> None:
        if self._log is None:
            return
        raw = payload if isinstance(payload, str) else json.dumps(payload, separators=(",", ":"), ensure_ascii=False)
        raw = raw.replace("\r", "\\r").replace("\n", "\\n")
        self._log.write(f"{self.label} {direction} {raw}\n".encode())

    def exchanges_of(self, label: str | None = None) -> list[Exchange]:
        return [x for x in self.exchanges if label is None or x.label == label]

    # -- the client --------------------------------------------------------------------------------

    def client(self, httpx: Any, label: str | None = None, **kwargs: Any) -> Any:
        """An `httpx.AsyncClient` (of the given module) with the SDK's default timeouts whose
        traffic is recorded under `label`."""
        kwargs.setdefault("timeout", httpx.Timeout(30.0, read=300.0))
        transport = _make_transport(httpx, self, label or self.label)
        return httpx.AsyncClient(transport=transport, **kwargs)

    def factory(self, httpx: Any, label: str | None = None) -> Any:
        """A 1.x `httpx_client_factory(headers=, timeout=, auth=)` building tapped clients."""

        def make(headers: Any = None, timeout: Any = None, auth: Any = None) -> Any:
            kw: dict[str, Any] = {}
            if headers is not None:
                kw["headers"] = headers
            if timeout is not None:
                kw["timeout"] = timeout
            if auth is not None:
                kw["auth"] = auth
            return self.client(httpx, label, **kw)

        return make


def _make_transport(httpx: Any, tap: Tap, label: str) -> Any:
    class TapStream(httpx.AsyncByteStream):
        def __init__(self, inner: Any, ex: Exchange) -> None:
            self.inner = inner
            self.ex = ex
            self.parser = _SSEParser(self._event, self._comment) if ex.is_sse else None

        def _event(self, event: str, data: str, id_: str | None) -> None:
            ev = SSEEvent(event, data, id_, time.monotonic())
            self.ex.events.append(ev)
            if event == "message":
                m = ev.msg
                tap.write("S>C", m if m is not None else data)
            else:
                tap.write("SSE", {"event": event, "data": data, "id": id_})

        def _comment(self, line: str) -> None:
            self.ex.comments += 1

        async def __aiter__(self):  # type: ignore[override]
            try:
                async for chunk in self.inner:
                    self.ex.raw.extend(chunk)
                    if self.parser is not None:
                        self.parser.feed(chunk)
                    yield chunk
            except Exception as e:  # noqa: BLE001
                self.ex.error = f"{type(e).__name__}: {e}"
                raise
            self.ex.eof = True
            if self.parser is None and self.ex.content_type.startswith("application/json") and self.ex.raw:
                try:
                    doc = json.loads(bytes(self.ex.raw))
                except ValueError:
                    tap.write("S>C", bytes(self.ex.raw).decode("utf-8", "replace"))
                else:
                    for m in doc if isinstance(doc, list) else [doc]:
                        tap.write("S>C", m)

        async def aclose(self) -> None:
            if not self.ex.closed:
                self.ex.closed = True
                self.ex.closed_at = time.monotonic()
                tap.write("HTTP", {"closed": self.ex.n, "eof": self.ex.eof})
            await self.inner.aclose()

    class TapTransport(httpx.AsyncBaseTransport):
        def __init__(self) -> None:
            self.inner = httpx.AsyncHTTPTransport()

        async def handle_async_request(self, request: Any) -> Any:
            try:
                body = request.content
            except Exception:  # noqa: BLE001 - a streaming body: read it first
                body = await request.aread()
            headers: dict[str, str] = {}
            for k, v in request.headers.multi_items():
                k = k.lower()
                headers[k] = f"{headers[k]}, {v}" if k in headers else v
            target = request.url.raw_path.decode("ascii", "replace")
            ex = Exchange(len(tap.exchanges) + 1, label, request.method, target, headers, bytes(body or b""), time.monotonic())
            tap.exchanges.append(ex)
            tap.write("HTTP", {"n": ex.n, "request": f"{request.method} {target}",
                               "headers": {k: v for k, v in headers.items() if k.startswith("mcp") or k in ("accept", "last-event-id")}})
            if ex.body:
                try:
                    msg = json.loads(ex.body)
                except ValueError:
                    msg = None
                for m in msg if isinstance(msg, list) else [msg]:
                    tap.write("C>S", m if m is not None else ex.body.decode("utf-8", "replace"))
            try:
                response = await self.inner.handle_async_request(request)
            except Exception as e:  # noqa: BLE001
                ex.error = f"{type(e).__name__}: {e}"
                tap.write("HTTP", {"n": ex.n, "error": ex.error})
                raise
            ex.status = response.status_code
            rh: dict[str, str] = {}
            for k, v in response.headers.multi_items():
                k = k.lower()
                rh[k] = f"{rh[k]}, {v}" if k in rh else v
            ex.response_headers = rh
            ex.content_type = rh.get("content-type", "").lower()
            tap.write("HTTP", {"n": ex.n, "status": ex.status, "content-type": ex.content_type,
                               "headers": {k: v for k, v in rh.items() if k.startswith("mcp") or k in ("allow", "www-authenticate")}})
            response.stream = TapStream(response.stream, ex)
            return response

        async def aclose(self) -> None:
            await self.inner.aclose()

    return TapTransport()
