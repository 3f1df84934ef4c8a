"""Raw-frame stdio checks (standard library only): exact JSON lines in, exact replies checked.

    python3 raw_stdio.py [--timeout S] -- SERVER [ARGS...]

Each check starts a fresh server process (the era is locked per process), writes exact bytes to
its stdin and checks exact replies: era locking, envelope errors, removed methods, listen streams,
parse errors, batches, the line-size limit (the server is started with an extra
`--max-line-bytes 1048576` for that check), invalid UTF-8, deep nesting, duplicate ids, EOF.
"""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from typing import Any, Callable

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from common import MODERN, SERVER_NAME, CheckFailed, Reporter, expect, expect_eq, parse_args, short  # noqa: E402

PV = "io.modelcontextprotocol/protocolVersion"
CAPS = "io.modelcontextprotocol/clientCapabilities"
INFO = "io.modelcontextprotocol/clientInfo"
SUB = "io.modelcontextprotocol/subscriptionId"
SERVER_INFO = "io.modelcontextprotocol/serverInfo"
LOG_LEVEL = "io.modelcontextprotocol/logLevel"
LEGACY_VERSIONS = ["2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05"]
_MISSING = object()


def same_id(a: Any, b: Any) -> bool:
    """JSON-type-exact id comparison: 7 != "7", True != 1."""
    return type(a) is type(b) and a == b


def meta(version: str = MODERN, caps: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
    m: dict[str, Any] = {PV: version, CAPS: caps if caps is not None else {}, INFO: {"name": "raw-stdio", "version": "1"}}
    m.update(extra)
    return m


def modern(id_: Any, method: str, params: dict[str, Any] | None = None, version: str = MODERN,
           caps: dict[str, Any] | None = None) -> dict[str, Any]:
    """A 2026-07-28 request: params._meta carries protocolVersion, clientCapabilities, clientInfo
    (plus any extra keys given in params["_meta"], e.g. progressToken or logLevel)."""
    p = dict(params or {})
    extra = p.pop("_meta", {})
    p["_meta"] = {**meta(version, caps), **extra}
    return {"jsonrpc": "2.0", "id": id_, "method": method, "params": p}


def legacy(id_: Any, method: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
    msg: dict[str, Any] = {"jsonrpc": "2.0", "id": id_, "method": method}
    if params is not None:
        msg["params"] = params
    return msg


def initialize(id_: Any = 1, version: str = "2025-11-25", caps: dict[str, Any] | None = None) -> dict[str, Any]:
    return legacy(id_, "initialize", {"protocolVersion": version, "capabilities": caps or {},
                                      "clientInfo": {"name": "raw-stdio", "version": "1"}})


INITIALIZED = {"jsonrpc": "2.0", "method": "notifications/initialized"}


class Proc:
    """One server process; stdout lines are parsed by a reader thread (non-JSON output fails)."""

    def __init__(self, command: list[str]) -> None:
        self.stderr = tempfile.TemporaryFile()
        self.command = command
        self.p = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.stderr, bufsize=0)
        self.q: queue.Queue[tuple[bytes, Any] | None] = queue.Queue()
        self.seen: list[Any] = []
        self.sent: list[bytes] = []
        self.junk: list[bytes] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.p.stdout is not None
        while True:
            line = self.p.stdout.readline()
            if not line:
                self.q.put(None)
                return
            try:
                msg = json.loads(line.decode("utf-8"))
            except (UnicodeDecodeError, ValueError):
                self.junk.append(line)
                msg = _MISSING
            self.q.put((line, msg))

    def send(self, data: Any) -> None:
        raw = data if isinstance(data, bytes) else json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode()
        if not raw.endswith(b"\n"):
            raw += b"\n"
        self.sent.append(raw)
        assert self.p.stdin is not None
        try:
            self.p.stdin.write(raw)
            self.p.stdin.flush()
        except BrokenPipeError:
            raise CheckFailed(f"server closed stdin (exit status {self.p.poll()}){self.stderr_tail()}") from None

    def next(self, timeout: float) -> Any:
        """The next parsed frame, or None on timeout."""
        try:
            item = self.q.get(timeout=max(timeout, 0.001))
        except queue.Empty:
            return None
        if item is None:
            self.q.put(None)
            code = self.p.wait(timeout=5)
            raise CheckFailed(f"server closed stdout (exit status {code}){self.stderr_tail()}")
        line, msg = item
        if msg is _MISSING:
            raise CheckFailed(f"server wrote a non-JSON line to stdout: {short(line.decode('utf-8', 'replace'))}")
        self.seen.append(msg)
        return msg

    def response(self, id_: Any, timeout: float = 5.0, others: list[Any] | None = None) -> dict[str, Any]:
        """Read until the response whose id equals id_ (type-exact); other frames go to `others`."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            msg = self.next(left) if left > 0 else None
            if msg is None:
                raise CheckFailed(f"no response with id {json.dumps(id_)} within {timeout}s "
                                  f"(last request sent: {short(self.sent[-1].decode('utf-8', 'replace'), 300) if self.sent else '-'})"
                                  f"{self.stderr_tail()}")
            if isinstance(msg, dict) and "method" not in msg and "id" in msg and same_id(msg["id"], id_):
                return msg
            if others is not None:
                others.append(msg)

    def response_any(self, ids: tuple[Any, ...], timeout: float) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            msg = self.next(left) if left > 0 else None
            if msg is None:
                raise CheckFailed(f"no response with id in {json.dumps(list(ids))} within {timeout}s{self.stderr_tail()}")
            if isinstance(msg, dict) and "method" not in msg and "id" in msg and any(same_id(msg["id"], i) for i in ids):
                return msg

    def collect(self, seconds: float) -> list[Any]:
        out: list[Any] = []
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            msg = self.next(left)
            if msg is not None:
                out.append(msg)
        return out

    def call(self, msg: dict[str, Any], timeout: float = 5.0, others: list[Any] | None = None) -> dict[str, Any]:
        self.send(msg)
        return self.response(msg["id"], timeout, others)

    def result(self, msg: dict[str, Any], timeout: float = 5.0, others: list[Any] | None = None) -> Any:
        r = self.call(msg, timeout, others)
        if "error" in r:
            raise CheckFailed(f"{msg['method']} failed: {short(r)}")
        return r["result"]

    def error(self, msg: dict[str, Any] | bytes, id_: Any, codes: tuple[int, ...], what: str, timeout: float = 5.0,
              alt_id: Any = _MISSING) -> dict[str, Any]:
        """Send msg and expect an error response with id id_ (or alt_id, when given) and one of codes."""
        self.send(msg)
        if alt_id is _MISSING:
            r = self.response(id_, timeout)
        else:
            r = self.response_any((id_, alt_id), timeout)
        expect("error" in r, f"{what}: expected an error {codes}, got {short(r)}")
        expect(r["error"].get("code") in codes, f"{what}: expected error code {' or '.join(map(str, codes))}, got {short(r)}")
        expect("result" not in r, f"{what}: response has both error and result: {short(r)}")
        return r

    def close(self, timeout: float = 3.0) -> int | None:
        if self.p.stdin and not self.p.stdin.closed:
            try:
                self.p.stdin.close()
            except OSError:
                pass
        try:
            return self.p.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None

    def kill(self) -> None:
        if self.p.poll() is None:
            self.p.kill()
            self.p.wait(timeout=5)
        self.stderr.close()

    def stderr_tail(self) -> str:
        try:
            self.stderr.seek(0)
            data = self.stderr.read().decode("utf-8", "replace").strip().splitlines()[-12:]
        except (OSError, ValueError):
            return ""
        return ("\n     server stderr (tail):\n       " + "\n       ".join(data)) if data else ""


class Raw:
    def __init__(self) -> None:
        self.args = parse_args("raw_stdio.py [--timeout S] -- SERVER [ARGS...]")
        self.rep = Reporter("raw_stdio.py")
        self.procs: list[Proc] = []
        self.deadline = time.monotonic() + self.args.timeout

    def spawn(self, *extra: str) -> Proc:
        p = Proc([*self.args.server, *extra])
        self.procs.append(p)
        return p

    def modern_proc(self, *extra: str) -> Proc:
        p = self.spawn(*extra)
        r = p.result(modern(1, "server/discover"))
        expect(MODERN in r.get("supportedVersions", []), f"discover: {short(r)}")
        return p

    def legacy_proc(self, version: str = "2025-11-25", caps: dict[str, Any] | None = None) -> Proc:
        p = self.spawn()
        r = p.result(initialize(1, version, caps))
        expect_eq(r.get("protocolVersion"), version, "initialize protocolVersion")
        p.send(INITIALIZED)
        return p

    def check(self, name: str, body: Callable[[], str | None]) -> None:
        if time.monotonic() > self.deadline:
            print(f"FAIL {name}: overall timeout of {self.args.timeout}s exceeded before this check", flush=True)
            raise SystemExit(1)
        try:
            detail = body()
        except CheckFailed as e:
            print(f"FAIL {name}: {e}", flush=True)
            self.cleanup()
            raise SystemExit(1) from None
        except Exception as e:  # noqa: BLE001
            print(f"FAIL {name}: {type(e).__name__}: {e}\n{traceback.format_exc()}", flush=True)
            self.cleanup()
            raise SystemExit(1) from None
        finally:
            self.cleanup()
        self.rep.ok(name, detail or "")

    def cleanup(self) -> None:
        for p in self.procs:
            p.close(timeout=0.5)
            p.kill()
        self.procs.clear()

    def main(self) -> None:
        checks = [
            ("server/discover result shape", self.discover_shape),
            ("modern-locked process answers initialize with -32022 data.supported/requested", self.era_lock_modern),
            ("legacy-locked process answers modern-enveloped requests with -32600", self.era_lock_legacy),
            ("initialize echoes each supported legacy version", self.version_echo),
            ("missing or incomplete _meta is -32602; clientInfo is optional", self.missing_meta),
            ("unsupported protocol version is -32022 with data.supported/requested", self.unsupported_version),
            ("removed and unknown methods on the modern era are -32601", self.removed_methods),
            ("request ids keep their JSON type; results carry resultType and cache hints", self.ids_and_shapes),
            ("progress only with a progressToken; logs only with a logLevel", self.progress_and_logs),
            ("MRTR elicitation round trip; -32021 without the capability", self.mrtr_raw),
            ("unknown tool and unknown resource are -32602 with data", self.unknown_things),
            ("subscriptions/listen: ack first, subscriptionId keeps the id's JSON type", self.listen_ack),
            ("subscriptions/listen: tagged list_changed; cancelled listen gets nothing more", self.listen_cancel),
            ("subscriptions/listen: resourceSubscriptions get resources/updated only", self.listen_resources),
            ("parse error is -32700 with id null; the server keeps serving", self.parse_error),
            ("invalid request objects are -32600", self.invalid_requests),
            ("batch arrays: -32600 on 2025-11-25 and modern, answered on 2025-03-26", self.batches),
            ("a 2 MiB line over --max-line-bytes 1048576 is an error; the server keeps serving", self.oversize_line),
            ("invalid UTF-8 is -32700; the server keeps serving", self.invalid_utf8),
            ("10k-deep nesting is rejected without dying", self.deep_nesting),
            ("duplicate in-flight ids: both requests are answered, the server survives", self.duplicate_ids),
            ("params that break the request schema are -32602 (never acknowledged or served)", self.malformed_params),
            ("large and fractional ids: exact echo of big integers, -32600 for 1.5", self.big_ids),
            ("escaped and non-ASCII strings round-trip exactly", self.unicode_roundtrip),
            ("bad tool arguments are an isError result, not a protocol error", self.argument_validation),
            ("MRTR: a retry without inputResponses re-asks; unknown response keys are ignored", self.mrtr_reask),
            ("--page-size 2 pages every list; a cursor from another list is -32602", self.small_pages),
            ("20 concurrent slow calls run concurrently and all complete", self.concurrency),
            ("stdin EOF: exit status 0 promptly (idle, open listen, in-flight call)", self.eof_exit),
        ]
        for name, fn in checks:
            self.check(name, fn)
        self.rep.done()

    # -- helpers --------------------------------------------------------------------------------

    def modern_alive(self, p: Proc, id_: Any) -> None:
        r = p.result(modern(id_, "tools/call", {"name": "echo", "arguments": {"text": "alive"}}))
        expect_eq(r.get("content"), [{"type": "text", "text": "alive"}], "echo after the bad frame")

    # -- checks ---------------------------------------------------------------------------------

    def discover_shape(self) -> str:
        p = self.spawn()
        r = p.result(modern(1, "server/discover"))
        expect(MODERN in r.get("supportedVersions", []), f"supportedVersions: {r.get('supportedVersions')}")
        expect_eq(r.get("resultType"), "complete", "resultType")
        expect(isinstance(r.get("ttlMs"), int) and r["ttlMs"] >= 0, f"ttlMs: {r.get('ttlMs')!r}")
        expect(r.get("cacheScope") in ("public", "private"), f"cacheScope: {r.get('cacheScope')!r}")
        expect(isinstance(r.get("capabilities"), dict), "capabilities missing")
        info = (r.get("_meta") or {}).get(SERVER_INFO) or {}
        expect_eq(info.get("name"), SERVER_NAME, "_meta serverInfo.name")
        return f"supportedVersions {r['supportedVersions']}"

    def era_lock_modern(self) -> str:
        p = self.modern_proc()
        r = p.error(initialize(2), 2, (-32022,), "initialize on a modern-locked process")
        data = r["error"].get("data") or {}
        expect(isinstance(data.get("supported"), list) and MODERN in data["supported"], f"data.supported: {short(r)}")
        expect_eq(data.get("requested"), "2025-11-25", "data.requested")
        self.modern_alive(p, 3)
        return short(r["error"], 200)

    def era_lock_legacy(self) -> str:
        p = self.legacy_proc()
        r = p.result(legacy(2, "tools/list"))
        expect(isinstance(r.get("tools"), list) and r["tools"], "legacy tools/list returned no tools")
        leaked = {"resultType", "ttlMs", "cacheScope"} & set(r)
        expect(not leaked, f"legacy tools/list result carries {sorted(leaked)}")
        e = p.error(modern(3, "tools/list"), 3, (-32600,), "modern-enveloped tools/list on a legacy-locked process")
        d = p.call(modern(4, "server/discover"))
        expect("error" in d, f"server/discover on a legacy-locked process must be an error, got {short(d)}")
        r = p.result(legacy(5, "ping"))
        expect_eq(r, {}, "ping result")
        return f"{short(e['error'], 120)}; discover → {d['error'].get('code')}"

    def version_echo(self) -> str:
        for v in LEGACY_VERSIONS:
            p = self.legacy_proc(v)
            r = p.result(legacy(2, "tools/list"))
            expect(r.get("tools"), f"{v}: tools/list failed")
            if v == "2024-11-05":
                kinds = {t.get("name") for t in r["tools"]}
                expect("echo" in kinds, "2024-11-05 tools/list lacks echo")
            p.close()
            self.cleanup()
        p = self.spawn()
        r = p.result(initialize(1, "2099-01-01"))
        expect_eq(r.get("protocolVersion"), "2025-11-25", "answer to an unknown requested version (server's latest)")
        return ", ".join(LEGACY_VERSIONS) + "; 2099-01-01 → 2025-11-25"

    def missing_meta(self) -> str:
        p = self.modern_proc()
        p.error({"jsonrpc": "2.0", "id": 2, "method": "tools/list", "params": {}}, 2, (-32602,), "tools/list params {}")
        p.error({"jsonrpc": "2.0", "id": 3, "method": "tools/list"}, 3, (-32602,), "tools/list without params")
        p.error({"jsonrpc": "2.0", "id": 4, "method": "tools/list", "params": {"_meta": {PV: MODERN}}}, 4, (-32602,),
                "tools/list without clientCapabilities")
        p.error({"jsonrpc": "2.0", "id": 5, "method": "tools/list", "params": {"_meta": {CAPS: {}}}}, 5, (-32602,),
                "tools/list without protocolVersion")
        r = p.result({"jsonrpc": "2.0", "id": 6, "method": "tools/list", "params": {"_meta": {PV: MODERN, CAPS: {}}}})
        expect(r.get("tools"), "tools/list without clientInfo failed")
        p.error({"jsonrpc": "2.0", "id": 7, "method": "tools/list", "params": {"_meta": {PV: MODERN, CAPS: {}},
                                                                           "cursor": "!!not-a-cursor!!"}},
                7, (-32602,), "tools/list invalid cursor")
        return None

    def unsupported_version(self) -> str:
        p = self.spawn()
        r = p.error(modern(1, "server/discover", version="2099-12-31"), 1, (-32022,), "discover at 2099-12-31")
        data = r["error"].get("data") or {}
        expect(isinstance(data.get("supported"), list) and MODERN in data["supported"], f"data.supported: {short(r)}")
        expect_eq(data.get("requested"), "2099-12-31", "data.requested")
        p2 = self.modern_proc()
        r2 = p2.error(modern(2, "tools/list", version="2024-01-01"), 2, (-32022,), "tools/list at 2024-01-01")
        expect_eq((r2["error"].get("data") or {}).get("requested"), "2024-01-01", "data.requested")
        return short(r["error"], 200)

    def removed_methods(self) -> str:
        p = self.modern_proc()
        cases = [("ping", {}), ("logging/setLevel", {"level": "info"}), ("resources/subscribe", {"uri": "test://static-text"}),
                 ("resources/unsubscribe", {"uri": "test://static-text"}), ("no/such/method", {})]
        for i, (method, params) in enumerate(cases, start=10):
            p.error(modern(i, method, params), i, (-32601,), f"{method} on the modern era")
        p.send({"jsonrpc": "2.0", "method": "notifications/no_such_notification", "params": {}})
        p.send({"jsonrpc": "2.0", "method": "notifications/initialized"})
        stray = p.collect(0.3)
        expect(not stray, f"the server answered notifications: {short(stray)}")
        self.modern_alive(p, 99)
        return ", ".join(m for m, _ in cases)

    def ids_and_shapes(self) -> str:
        p = self.modern_proc()
        for id_ in ("abc", 0, -5, "0", 2**40):
            r = p.call(modern(id_, "tools/list"))
            expect("result" in r, f"tools/list id {json.dumps(id_)}: {short(r)}")
        r = p.result(modern("page1", "tools/list"))
        expect_eq(r.get("resultType"), "complete", "tools/list resultType")
        expect(isinstance(r.get("ttlMs"), int) and r.get("cacheScope") in ("public", "private"),
               f"tools/list cache hints: ttlMs={r.get('ttlMs')!r} cacheScope={r.get('cacheScope')!r}")
        expect_eq(len(r.get("tools", [])), 100, "first page size")
        expect(isinstance(r.get("nextCursor"), str), "nextCursor missing on a full first page")
        expect_eq((r.get("_meta") or {}).get(SERVER_INFO, {}).get("name"), SERVER_NAME, "result _meta serverInfo")
        r2 = p.result(modern("page2", "tools/list", {"cursor": r["nextCursor"]}))
        expect_eq(r2.get("cacheScope"), r.get("cacheScope"), "cacheScope identical across pages")
        for method, params in (("resources/read", {"uri": "test://static-text"}), ("prompts/list", {}),
                               ("resources/list", {}), ("resources/templates/list", {})):
            res = p.result(modern(f"c-{method}", method, params))
            expect(res.get("resultType") == "complete" and isinstance(res.get("ttlMs"), int)
                   and res.get("cacheScope") in ("public", "private"), f"{method} lacks resultType/cache hints: {short(res)}")
        res = p.result(modern("cc", "tools/call", {"name": "test_simple_text", "arguments": {}}))
        expect_eq(res.get("resultType"), "complete", "tools/call resultType")
        res = p.result(modern("cp", "completion/complete", {"ref": {"type": "ref/prompt", "name": "test_prompt_with_arguments"},
                                                             "argument": {"name": "arg1", "value": "pa"}}))
        expect_eq(res.get("resultType"), "complete", "completion/complete resultType")
        return None

    def progress_and_logs(self) -> str:
        p = self.modern_proc()
        others: list[Any] = []
        p.result(modern(2, "tools/call", {"name": "test_tool_with_progress", "arguments": {}}), others=others)
        expect(not [m for m in others if m.get("method") == "notifications/progress"],
               f"progress without a progressToken: {short(others)}")
        others = []
        p.result(modern(3, "tools/call", {"name": "test_tool_with_progress", "arguments": {}, "_meta": {"progressToken": "tok-1"}}),
                 others=others)
        prog = [m["params"] for m in others if m.get("method") == "notifications/progress"]
        expect_eq([(x.get("progressToken"), x.get("progress"), x.get("total")) for x in prog],
                  [("tok-1", 0, 100), ("tok-1", 50, 100), ("tok-1", 100, 100)], "progress notifications (token, progress, total)")
        others = []
        p.result(modern(4, "tools/call", {"name": "test_tool_with_logging", "arguments": {}}), others=others)
        logs = [m for m in others if m.get("method") == "notifications/message"]
        expect(not logs, f"notifications/message without a logLevel: {short(logs)}")
        others = []
        p.result(modern(5, "tools/call", {"name": "test_tool_with_logging", "arguments": {}, "_meta": {LOG_LEVEL: "debug"}}),
                 others=others)
        logs = [m["params"] for m in others if m.get("method") == "notifications/message"]
        expect_eq([(x.get("level"), x.get("logger")) for x in logs], [("info", "reference")] * 3, "log messages (level, logger)")
        p.error(modern(6, "tools/call", {"name": "test_simple_text", "arguments": {}, "_meta": {LOG_LEVEL: "loud"}}), 6,
                (-32602,), "invalid logLevel")
        return None

    def mrtr_raw(self) -> str:
        p = self.modern_proc()
        caps = {"elicitation": {"form": {}}}
        args = {"name": "test_elicitation", "arguments": {"message": "raw"}}
        r = p.result(modern(2, "tools/call", args, caps=caps))
        expect_eq(r.get("resultType"), "input_required", "first round resultType")
        reqs = r.get("inputRequests") or {}
        expect(len(reqs) == 1, f"inputRequests: {short(r)}")
        key, ask = next(iter(reqs.items()))
        expect_eq(ask.get("method"), "elicitation/create", "input request method")
        expect_eq((ask.get("params") or {}).get("message"), "raw", "elicitation message")
        expect(not {"ttlMs", "cacheScope"} & set(r), f"interim result carries cache hints: {short(r)}")
        retry = {**args, "inputResponses": {key: {"action": "accept", "content": {"username": "u", "email": "e@x.org"}}}}
        if "requestState" in r:
            retry["requestState"] = r["requestState"]
        done = p.result(modern(3, "tools/call", retry, caps=caps))
        expect_eq(done.get("resultType"), "complete", "retry resultType")
        expect_eq(done.get("content"), [{"type": "text", "text": 'accepted: {"email":"e@x.org","username":"u"}'}], "retry content")
        e = p.error(modern(4, "tools/call", args), 4, (-32021,), "test_elicitation without the elicitation capability")
        req = (e["error"].get("data") or {}).get("requiredCapabilities") or {}
        expect("elicitation" in req, f"data.requiredCapabilities: {short(e)}")
        return f"key {key!r}; -32021 data {short(e['error'].get('data'), 100)}"

    def unknown_things(self) -> None:
        p = self.modern_proc()
        p.error(modern(2, "tools/call", {"name": "nope", "arguments": {}}), 2, (-32602,), "unknown tool")
        e = p.error(modern(3, "resources/read", {"uri": "test://nope"}), 3, (-32602,), "unknown resource (modern)")
        expect_eq((e["error"].get("data") or {}).get("uri"), "test://nope", "error data.uri")
        q = self.legacy_proc()
        e = q.error(legacy(2, "resources/read", {"uri": "test://nope"}), 2, (-32002,), "unknown resource (legacy)")
        expect_eq((e["error"].get("data") or {}).get("uri"), "test://nope", "legacy error data.uri")

    def listen_ack(self) -> str:
        p = self.modern_proc()
        p.send(modern("L1", "subscriptions/listen", {"notifications": {"toolsListChanged": True}}))
        first = p.next(5)
        expect(first is not None, "no acknowledgement within 5s for listen id \"L1\"")
        expect_eq(first.get("method"), "notifications/subscriptions/acknowledged", "first frame after listen \"L1\"")
        expect_eq(first["params"].get("notifications"), {"toolsListChanged": True}, "acknowledged filter")
        sid = first["params"].get("_meta", {}).get(SUB, _MISSING)
        expect(same_id(sid, "L1"), f"subscriptionId must be the string \"L1\", got {json.dumps(sid) if sid is not _MISSING else 'nothing'}")
        p.send(modern(7, "subscriptions/listen", {"notifications": {"toolsListChanged": True, "promptsListChanged": True}}))
        first = p.next(5)
        expect(first is not None, "no acknowledgement within 5s for listen id 7")
        expect_eq(first.get("method"), "notifications/subscriptions/acknowledged", "first frame after listen 7")
        sid = first["params"].get("_meta", {}).get(SUB, _MISSING)
        expect(same_id(sid, 7), f"subscriptionId must be the integer 7, got {json.dumps(sid) if sid is not _MISSING else 'nothing'}")
        expect_eq(first["params"].get("notifications"), {"toolsListChanged": True, "promptsListChanged": True},
                  "acknowledged filter")
        self.modern_alive(p, 8)
        return None

    def tagged(self, frames: list[Any], method: str, sid: Any) -> list[Any]:
        return [f for f in frames if f.get("method") == method
                and same_id(((f.get("params") or {}).get("_meta") or {}).get(SUB, _MISSING), sid)]

    def listen_cancel(self) -> str:
        p = self.modern_proc()
        for sid, filt in (("L1", {"toolsListChanged": True}), (7, {"toolsListChanged": True})):
            p.send(modern(sid, "subscriptions/listen", {"notifications": filt}))
            ack = p.next(5)
            expect(ack is not None and ack.get("method") == "notifications/subscriptions/acknowledged", f"ack for {sid!r}: {short(ack)}")
        frames: list[Any] = []
        p.result(modern(8, "tools/call", {"name": "test_trigger_tool_change", "arguments": {}}), others=frames)
        frames += p.collect(0.5)
        tl = "notifications/tools/list_changed"
        expect_eq(len(self.tagged(frames, tl, "L1")), 1, "list_changed tagged \"L1\"")
        expect_eq(len(self.tagged(frames, tl, 7)), 1, "list_changed tagged 7")
        untagged = [f for f in frames if f.get("method") == tl and SUB not in ((f.get("params") or {}).get("_meta") or {})]
        expect(not untagged, f"untagged list_changed on a modern process: {short(untagged)}")
        p.send({"jsonrpc": "2.0", "method": "notifications/cancelled", "params": {"requestId": "L1", "reason": "done"}})
        frames = []
        p.result(modern(9, "tools/call", {"name": "test_trigger_tool_change", "arguments": {}}), others=frames)
        frames += p.collect(0.7)
        expect_eq(len(self.tagged(frames, tl, 7)), 1, "list_changed tagged 7 after cancelling \"L1\"")
        leaked = [f for f in frames if same_id(((f.get("params") or {}).get("_meta") or {}).get(SUB, _MISSING), "L1")
                  or ("method" not in f and same_id(f.get("id", _MISSING), "L1"))]
        expect(not leaked, f"frames for the cancelled listen \"L1\": {short(leaked)}")
        frames = []
        p.result(modern(10, "tools/call", {"name": "test_trigger_prompt_change", "arguments": {}}), others=frames)
        frames += p.collect(0.5)
        stray = [f for f in frames if f.get("method") == "notifications/prompts/list_changed"]
        expect(not stray, f"prompts list_changed delivered to listens that did not opt in: {short(stray)}")
        return None

    def listen_resources(self) -> str:
        p = self.modern_proc()
        uri = "test://watched-resource"
        p.send(modern("R", "subscriptions/listen", {"notifications": {"resourceSubscriptions": [uri]}}))
        ack = p.next(5)
        expect(ack is not None and ack.get("method") == "notifications/subscriptions/acknowledged", f"ack: {short(ack)}")
        expect_eq(ack["params"].get("notifications"), {"resourceSubscriptions": [uri]}, "acknowledged filter")
        frames: list[Any] = []
        p.result(modern(2, "tools/call", {"name": "test_trigger_tool_change", "arguments": {}}), others=frames)
        frames += p.collect(0.4)
        expect(not [f for f in frames if "method" in f], f"frames the listen did not opt into: {short(frames)}")
        frames = []
        p.result(modern(3, "tools/call", {"name": "test_trigger_resource_update", "arguments": {}}), others=frames)
        frames += p.collect(0.5)
        upd = self.tagged(frames, "notifications/resources/updated", "R")
        expect_eq(len(upd), 1, "resources/updated tagged \"R\"")
        expect_eq(upd[0]["params"].get("uri"), uri, "updated uri")
        return None

    def parse_error(self) -> str:
        p = self.spawn()
        r = p.error(b'{"jsonrpc":"2.0","id":1,"method":"server/discover",', None, (-32700,), "truncated JSON")
        expect("id" in r and r["id"] is None, f"parse error must carry \"id\": null, got {short(r)}")
        p.result(modern(2, "server/discover"))
        r = p.error(b"not json at all", None, (-32700,), "garbage line")
        self.modern_alive(p, 3)
        return short(r["error"], 120)

    def invalid_requests(self) -> None:
        p = self.modern_proc()
        p.error({"jsonrpc": "2.0", "id": 5}, 5, (-32600,), "request without method", alt_id=None)
        p.error({"jsonrpc": "1.0", "id": 6, "method": "tools/list", "params": {"_meta": meta()}}, 6, (-32600,), "jsonrpc 1.0",
                alt_id=None)
        p.error(b'"just a string"', None, (-32600,), "a JSON string")
        p.error(b"42", None, (-32600,), "a JSON number")
        p.error({"jsonrpc": "2.0", "id": None, "method": "tools/list", "params": {"_meta": meta()}}, None, (-32600,), "id null")
        p.error({"jsonrpc": "2.0", "id": {"a": 1}, "method": "tools/list", "params": {"_meta": meta()}}, None, (-32600,),
                "object id")
        self.modern_alive(p, 7)

    def batches(self) -> str:
        batch = [legacy(2, "tools/list"), legacy(3, "ping")]
        p = self.legacy_proc("2025-11-25")
        p.error(json.dumps(batch).encode(), None, (-32600,), "batch on 2025-11-25")
        expect(p.result(legacy(4, "ping")) == {}, "ping after the batch")
        q = self.legacy_proc("2025-03-26")
        q.send(json.dumps(batch).encode())
        reply = q.next(5)
        expect(isinstance(reply, list), f"2025-03-26 batch must be answered with an array, got {short(reply)}")
        ids = sorted(m.get("id") for m in reply)
        expect_eq(ids, [2, 3], "ids in the batch response")
        expect(all("result" in m for m in reply), f"batch items failed: {short(reply)}")
        m = self.modern_proc()
        m.error(json.dumps([modern(2, "tools/list"), modern(3, "tools/list")]).encode(), None, (-32600,), "batch on modern")
        self.modern_alive(m, 4)
        return None

    def oversize_line(self) -> str:
        p = self.modern_proc("--max-line-bytes", "1048576")
        text = "a" * (512 * 1024)
        r = p.result(modern(2, "tools/call", {"name": "echo", "arguments": {"text": text}}), timeout=10)
        expect(r.get("content") == [{"type": "text", "text": text}], "a 512 KiB line under the limit was not echoed intact")
        big = json.dumps(modern(3, "tools/call", {"name": "echo", "arguments": {"text": "b" * (2 * 1024 * 1024)}})).encode()
        p.send(big)
        deadline = time.monotonic() + 10
        reply = None
        while time.monotonic() < deadline:
            reply = p.next(deadline - time.monotonic())
            if reply is not None and "method" not in reply:
                break
        expect(reply is not None, "no reply to a 2 MiB line within 10s")
        expect("error" in reply, f"the oversized line was served instead of rejected: {short(reply)}")
        expect(reply["error"].get("code") in (-32700, -32600), f"oversized line error code: {short(reply)}")
        expect(reply.get("id", None) in (None, 3), f"oversized line error id: {short(reply)}")
        self.modern_alive(p, 4)
        return short(reply, 200)

    def invalid_utf8(self) -> str:
        p = self.modern_proc()
        line = b'{"jsonrpc":"2.0","id":60,"method":"tools/call","params":{"name":"echo","arguments":{"text":"\xff\xfe\xc3"},' \
               b'"_meta":' + json.dumps(meta()).encode() + b"}}"
        p.send(line)
        r = p.next(5)
        expect(r is not None, "no reply to invalid UTF-8 within 5s")
        expect("error" in r and r["error"].get("code") == -32700, f"invalid UTF-8 must be -32700, got {short(r)}")
        expect(r.get("id", None) in (None, 60), f"id: {short(r)}")
        self.modern_alive(p, 61)
        return short(r, 200)

    def deep_nesting(self) -> str:
        p = self.modern_proc()
        out = []
        for label, data in (("[×10000 balanced", b"[" * 10000 + b"]" * 10000),
                            ("{\"a\":×10000", b'{"a":' * 10000 + b"1" + b"}" * 10000),
                            ("[×10000 unbalanced", b"[" * 10000),
                            ("params nested 10000 deep", b'{"jsonrpc":"2.0","id":70,"method":"tools/call","params":{"x":'
                             + b"[" * 10000 + b"]" * 10000 + b"}}")):
            p.send(data)
            r = p.next(5)
            expect(r is not None, f"{label}: no reply within 5s (exit status {p.p.poll()}){p.stderr_tail()}")
            expect("error" in r and r["error"].get("code") in (-32700, -32600, -32602),
                   f"{label}: expected -32700/-32600, got {short(r)}")
            out.append(f"{label}: {r['error']['code']}")
            self.modern_alive(p, f"alive-{len(out)}")
        return "; ".join(out)

    def duplicate_ids(self) -> str:
        p = self.modern_proc()
        p.send(modern(9, "tools/call", {"name": "slow_operation", "arguments": {"steps": 10, "step_ms": 100}}))
        time.sleep(0.1)
        p.send(modern(9, "tools/list"))
        frames = p.collect(3.0)
        replies = [f for f in frames if "method" not in f and same_id(f.get("id"), 9)]
        expect(len(replies) == 2, f"expected two responses with id 9 (one per request), got {len(replies)}: {short(replies)}")
        slow = [r for r in replies if "result" in r and "content" in r["result"]]
        expect(slow and slow[0]["result"]["content"][0].get("text") == "completed 10 steps",
               f"the first request (slow_operation) was not completed: {short(replies)}")
        other = [r for r in replies if r is not slow[0]][0]
        expect(("error" in other and other["error"].get("code") == -32600) or "tools" in other.get("result", {}),
               f"the duplicate must be answered (-32600 or a result): {short(other)}")
        self.modern_alive(p, 10)
        return "duplicate answered with " + (f"error {other['error']['code']}" if "error" in other else "its result")

    def malformed_params(self) -> str:
        p = self.modern_proc()
        caps = {"elicitation": {"form": {}}}
        cases: list[tuple[str, dict[str, Any]]] = [
            ("subscriptions/listen without notifications", modern(2, "subscriptions/listen", {})),
            ("subscriptions/listen with notifications \"yes\"", modern(3, "subscriptions/listen", {"notifications": "yes"})),
            ("subscriptions/listen with resourceSubscriptions as a string",
             modern(4, "subscriptions/listen", {"notifications": {"resourceSubscriptions": "test://watched-resource"}})),
            ("tools/call with arguments as an array", modern(5, "tools/call", {"name": "echo", "arguments": [1]})),
            ("prompts/get with a non-string argument",
             modern(6, "prompts/get", {"name": "test_prompt_with_arguments", "arguments": {"arg1": 1, "arg2": "b"}})),
            ("a fractional progressToken",
             modern(7, "tools/call", {"name": "test_simple_text", "arguments": {}, "_meta": {"progressToken": 1.5}})),
            ("inputResponses as an array", modern(8, "tools/call", {"name": "test_elicitation", "arguments": {}, "inputResponses": [1]}, caps=caps)),
            ("an ElicitResult with action \"bogus\"",
             modern(9, "tools/call", {"name": "test_elicitation", "arguments": {},
                                      "inputResponses": {"user_details": {"action": "bogus"}}}, caps=caps)),
        ]
        bad = []
        for label, msg in cases:
            p.send(msg)
            frames = [f for f in p.collect(0.4)]
            replies = [f for f in frames if "method" not in f and same_id(f.get("id"), msg["id"])]
            acks = [f for f in frames if f.get("method") == "notifications/subscriptions/acknowledged"]
            if acks:
                bad.append(f"{label}: acknowledged as {json.dumps(acks[0]['params'].get('notifications'))} instead of -32602")
            elif not replies:
                bad.append(f"{label}: no reply")
            elif (replies[0].get("error") or {}).get("code") != -32602:
                bad.append(f"{label}: expected -32602, got {short(replies[0], 200)}")
        expect(not bad, "malformed params not rejected with -32602:\n       " + "\n       ".join(bad))
        self.modern_alive(p, 99)
        return None

    def big_ids(self) -> str:
        p = self.modern_proc()
        for id_ in (2**53 + 1, 2**63 - 1, -(2**63), 10**15 + 7):
            r = p.call(modern(id_, "tools/list"))
            expect("result" in r, f"tools/list id {id_}: {short(r)}")
        p.send(b'{"jsonrpc":"2.0","id":1.5,"method":"tools/list","params":{"_meta":' + json.dumps(meta()).encode() + b"}}")
        r = p.next(5)
        expect(r is not None and "error" in r and r["error"].get("code") == -32600,
               f"a fractional id must be -32600, got {short(r)}")
        self.modern_alive(p, 2)
        return None

    def unicode_roundtrip(self) -> None:
        p = self.modern_proc()
        texts = [r'\u0000\u001f\"\\/\b\f\n\r\t', r"\u00e9 \u4e2d \u2028\u2029", r"\ud83d\ude00 via escapes", "😀 é 中文 raw UTF-8"]
        for i, escaped in enumerate(texts):
            line = ('{"jsonrpc":"2.0","id":%d,"method":"tools/call","params":{"name":"echo","arguments":{"text":"%s"},'
                    '"_meta":%s}}' % (i + 2, escaped, json.dumps(meta()))).encode("utf-8")
            want = json.loads('"%s"' % escaped)
            p.send(line)
            r = p.response(i + 2)
            got = ((r.get("result") or {}).get("content") or [{}])[0].get("text")
            expect(got == want, f"echo of {escaped!r}: expected {want!r}, got {got!r} ({short(r)})")

    def argument_validation(self) -> str:
        p = self.modern_proc()
        out = []
        for i, args in enumerate(({}, {"text": 5}, {"text": ["a"]}), start=2):
            r = p.call(modern(i, "tools/call", {"name": "echo", "arguments": args}))
            expect("result" in r and r["result"].get("isError") is True,
                   f"echo {json.dumps(args)}: expected an isError result (input validation is a tool execution error), got {short(r)}")
            out.append(json.dumps(args))
        r = p.call(modern(9, "tools/call", {"name": "slow_operation", "arguments": {"steps": "many"}}))
        expect("result" in r and r["result"].get("isError") is True, f"slow_operation steps=\"many\": {short(r)}")
        p.error(modern(10, "tools/call", {"arguments": {}}), 10, (-32602,), "tools/call without a name")
        return ", ".join(out) + " → isError"

    def mrtr_reask(self) -> str:
        p = self.modern_proc()
        caps = {"elicitation": {"form": {}}}
        args = {"name": "test_elicitation", "arguments": {"message": "again"}}
        r = p.result(modern(2, "tools/call", args, caps=caps))
        expect_eq(r.get("resultType"), "input_required", "first round")
        key = next(iter(r["inputRequests"]))
        retry: dict[str, Any] = dict(args)
        if "requestState" in r:
            retry["requestState"] = r["requestState"]
        r2 = p.result(modern(3, "tools/call", retry, caps=caps))
        expect_eq(r2.get("resultType"), "input_required", "a retry without inputResponses (spec: SHOULD re-ask)")
        retry = dict(args)
        retry["inputResponses"] = {key: {"action": "decline"}, "unknown-key": {"action": "accept"}}
        if "requestState" in r2:
            retry["requestState"] = r2["requestState"]
        r3 = p.result(modern(4, "tools/call", retry, caps=caps))
        expect_eq(r3.get("content"), [{"type": "text", "text": "declined"}], "retry with an extra unknown key")
        return None

    def small_pages(self) -> str:
        p = self.modern_proc("--page-size", "2")
        out = []
        cursors: dict[str, str] = {}
        for method, key in (("tools/list", "tools"), ("prompts/list", "prompts"), ("resources/list", "resources"),
                            ("resources/templates/list", "resourceTemplates")):
            items: list[Any] = []
            cursor = None
            pages = 0
            while True:
                params = {"cursor": cursor} if cursor is not None else {}
                r = p.result(modern(f"{method}-{pages}", method, params))
                expect(len(r.get(key, [])) <= 2, f"{method} page {pages} has {len(r.get(key, []))} items with --page-size 2")
                items += r.get(key, [])
                pages += 1
                cursor = r.get("nextCursor")
                if cursor is None:
                    break
                cursors.setdefault(method, cursor)
                expect(pages < 200, f"{method} does not end")
            ident = [x.get("name") or x.get("uri") or x.get("uriTemplate") for x in items]
            expect(len(ident) == len(set(ident)), f"{method}: items repeat across pages")
            out.append(f"{method} {len(items)} in {pages}")
        if "tools/list" in cursors and "prompts/list" in cursors:
            p.error(modern(90, "prompts/list", {"cursor": cursors["tools/list"]}), 90, (-32602,), "a tools/list cursor on prompts/list")
        return "; ".join(out)

    def concurrency(self) -> str:
        p = self.modern_proc()
        t = time.monotonic()
        for i in range(20):
            p.send(modern(f"slow-{i}", "tools/call", {"name": "slow_operation", "arguments": {"steps": 3, "step_ms": 400}}))
            p.send(modern(f"echo-{i}", "tools/call", {"name": "echo", "arguments": {"text": str(i)}}))
        want = {f"slow-{i}" for i in range(20)} | {f"echo-{i}" for i in range(20)}
        got: dict[str, Any] = {}
        deadline = time.monotonic() + 40
        while want - set(got) and time.monotonic() < deadline:
            m = p.next(deadline - time.monotonic())
            if m is not None and "method" not in m and isinstance(m.get("id"), str):
                got[m["id"]] = m
        missing = sorted(want - set(got))
        expect(not missing, f"no responses for {missing[:6]}… within 40s")
        elapsed = time.monotonic() - t
        bad = [k for k, m in got.items() if "result" not in m]
        expect(not bad, f"errors: {short([got[k] for k in bad])}")
        for i in range(20):
            expect_eq(got[f"echo-{i}"]["result"]["content"][0]["text"], str(i), f"echo-{i}")
            expect_eq(got[f"slow-{i}"]["result"]["content"][0]["text"], "completed 3 steps", f"slow-{i}")
        # Served one at a time they would take 20 × 1.2 s = 24 s; concurrently about 1.2 s. The
        # bound sits far from both so a loaded machine cannot make it flaky.
        expect(elapsed < 12.0, f"20 × 1.2 s calls took {elapsed:.2f}s: requests are not served concurrently")
        return f"{elapsed:.2f}s"

    def eof_exit(self) -> str:
        out = []
        p = self.modern_proc()
        t = time.monotonic()
        code = p.close(timeout=2.0)
        expect(code == 0, f"idle: exit status {code} (None = still running 2 s after stdin EOF){p.stderr_tail()}")
        out.append(f"idle {time.monotonic() - t:.2f}s")
        self.cleanup()
        p = self.modern_proc()
        p.send(modern("L", "subscriptions/listen", {"notifications": {"toolsListChanged": True}}))
        expect(p.next(5) is not None, "listen not acknowledged")
        t = time.monotonic()
        code = p.close(timeout=2.0)
        expect(code == 0, f"open listen: exit status {code} (None = still running 2 s after stdin EOF){p.stderr_tail()}")
        out.append(f"listen {time.monotonic() - t:.2f}s")
        self.cleanup()
        p = self.modern_proc()
        p.send(modern(5, "tools/call", {"name": "slow_operation", "arguments": {"steps": 100, "step_ms": 100}}))
        time.sleep(0.3)
        t = time.monotonic()
        code = p.close(timeout=4.0)
        expect(code == 0, f"in-flight 10 s call: exit status {code} (None = still running 4 s after stdin EOF){p.stderr_tail()}")
        out.append(f"in-flight {time.monotonic() - t:.2f}s")
        self.cleanup()
        p = self.legacy_proc()
        code = p.close(timeout=2.0)
        expect(code == 0, f"legacy idle: exit status {code}")
        return ", ".join(out)


if __name__ == "__main__":
    Raw().main()
