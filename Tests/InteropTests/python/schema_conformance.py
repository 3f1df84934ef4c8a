"""Every frame the server writes validates against the official JSON schema of the version in use.

    .venv-interop/bin/python schema_conformance.py [--timeout S] -- SERVER [ARGS...]

For each protocol version (2024-11-05, 2025-03-26, 2025-06-18, 2025-11-25 via initialize, and
2026-07-28 via per-request _meta) a fresh server process is driven through every fixture tool,
prompt, resource, completion, subscription and a few error paths by a minimal raw client that
answers server→client requests (legacy) and input_required rounds (modern). Each server frame is
validated against `Tests/InteropTests/python/schemas/schema-<version>.json` (copied verbatim from the
spec repository): responses by the method they answer, notifications as ServerNotification,
server requests as ServerRequest. Because those schemas leave objects open, version shaping is
also checked explicitly: no 2026 fields on legacy results, no resource_link / structuredContent /
outputSchema / title before 2025-06-18, no audio / tool annotations before 2025-03-26, no icons
before 2025-11-25. Needs `jsonschema` (installed with mcp 2.3.0 in .venv-interop).
"""

from __future__ import annotations

import json
import os
import sys
import time
import traceback
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from jsonschema import Draft7Validator, Draft202012Validator  # noqa: E402

from common import FIXTURE_TOOLS, MODERN, CheckFailed, Reporter, content_for_schema, expect, parse_args, short  # noqa: E402
from raw_stdio import INITIALIZED, LOG_LEVEL, Proc, initialize, legacy, modern  # noqa: E402

SCHEMAS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "schemas")
LEGACY_VERSIONS = ["2024-11-05", "2025-03-26", "2025-06-18", "2025-11-25"]
ORDER = {v: i for i, v in enumerate(LEGACY_VERSIONS + [MODERN])}

RESULT_DEFS = {
    "initialize": "InitializeResult",
    "ping": "EmptyResult",
    "logging/setLevel": "EmptyResult",
    "resources/subscribe": "EmptyResult",
    "resources/unsubscribe": "EmptyResult",
    "server/discover": "DiscoverResult",
    "tools/list": "ListToolsResult",
    "tools/call": "CallToolResult",
    "prompts/list": "ListPromptsResult",
    "prompts/get": "GetPromptResult",
    "resources/list": "ListResourcesResult",
    "resources/templates/list": "ListResourceTemplatesResult",
    "resources/read": "ReadResourceResult",
    "completion/complete": "CompleteResult",
}

TOOL_ARGS: dict[str, dict[str, Any]] = {
    "echo": {"text": "schema"},
    "get_weather": {"city": "Paris"},
    "slow_operation": {"steps": 2, "step_ms": 10},
    "test_elicitation": {"message": "schema check"},
    "test_sampling": {"prompt": "schema check"},
}


class Schema:
    def __init__(self, version: str) -> None:
        with open(os.path.join(SCHEMAS, f"schema-{version}.json"), encoding="utf-8") as f:
            doc = json.load(f)
        self.version = version
        self.key = "$defs" if "$defs" in doc else "definitions"
        self.defs = doc[self.key]
        self.dialect = doc["$schema"]
        self.cls = Draft202012Validator if "2020-12" in self.dialect else Draft7Validator
        self.cache: dict[str, Any] = {}

    def def_for_method(self, method: str, kind: str) -> str | None:
        """The definition whose `method` is the constant `method` (kind: "Request" or "Notification")."""
        for name, d in self.defs.items():
            if name.endswith(kind) and ((d.get("properties") or {}).get("method") or {}).get("const") == method:
                return name
        return None

    def has(self, name: str) -> bool:
        return name in self.defs

    def errors(self, name: str, instance: Any) -> list[str]:
        v = self.cache.get(name)
        if v is None:
            v = self.cls({"$schema": self.dialect, self.key: self.defs, "allOf": [{"$ref": f"#/{self.key}/{name}"}]})
            self.cache[name] = v
        errs = sorted(v.iter_errors(instance), key=lambda e: len(list(e.absolute_path)))
        return [f"at /{'/'.join(map(str, e.absolute_path))}: {e.message[:300]}" for e in errs[:4]]


class Session:
    """A raw client for one server process at one version that validates every server frame."""

    def __init__(self, proc: Proc, schema: Schema, modern_era: bool) -> None:
        self.p = proc
        self.schema = schema
        self.modern = modern_era
        self.version = schema.version
        self.next_id = 100
        self.frames = 0
        self.caps = {"elicitation": {"form": {}}, "sampling": {}, "roots": {}} if modern_era else {}
        self.notifications: list[dict[str, Any]] = []
        self.failures: list[str] = []

    def fresh_id(self) -> int:
        self.next_id += 1
        return self.next_id

    def validate(self, name: str, instance: Any, what: str) -> None:
        """Record (not raise) a schema violation, so one run reports every failing frame."""
        if not self.schema.has(name):
            raise CheckFailed(f"[{self.version}] schema has no definition {name} (needed for {what})")
        errs = self.schema.errors(name, instance)
        if errs:
            self.failures.append(f"{what} does not validate as {name}:\n         "
                                 + "\n         ".join(errs) + f"\n       frame: {short(instance, 700)}")

    def validate_either(self, name: str, msg: dict[str, Any], envelope: tuple[str, ...], what: str) -> None:
        """Older schemas define notifications/requests without the JSON-RPC envelope, 2025-11-25+ with it.
        A failure is reported against the definition of that very method, for a precise message."""
        bare = {k: v for k, v in msg.items() if k not in envelope}
        if self.schema.has(name) and (not self.schema.errors(name, msg) or not self.schema.errors(name, bare)):
            return
        specific = self.schema.def_for_method(msg.get("method", ""), "Notification" if name.endswith("Notification") else "Request")
        if specific is None:
            self.failures.append(f"{what}: method {msg.get('method')!r} is not defined by schema-{self.version}.json")
            return
        self.validate(specific, msg if self.schema.errors(specific, bare) else bare, what)

    def error_def(self) -> str:
        return "JSONRPCErrorResponse" if self.schema.has("JSONRPCErrorResponse") else "JSONRPCError"

    def on_frame(self, msg: Any) -> None:
        """Validate a notification or server request (answering the latter)."""
        self.frames += 1
        expect(isinstance(msg, dict), f"[{self.version}] a server frame is not an object: {short(msg)}")
        if "method" in msg and "id" not in msg:
            self.validate_either("ServerNotification", msg, ("jsonrpc",), f"notification {msg['method']}")
            self.validate("JSONRPCNotification", msg, f"notification {msg['method']} envelope")
            self.notifications.append(msg)
            return
        if "method" in msg:
            expect(not self.modern, f"[{self.version}] server sent a request on the modern era: {short(msg)}")
            self.validate_either("ServerRequest", msg, ("jsonrpc", "id"), f"server request {msg['method']}")
            self.validate("JSONRPCRequest", msg, f"server request {msg['method']} envelope")
            self.p.send({"jsonrpc": "2.0", "id": msg["id"], "result": answer(msg["method"], msg.get("params") or {})})
            return
        raise CheckFailed(f"[{self.version}] unexpected response frame: {short(msg)}")

    def request(self, method: str, params: dict[str, Any] | None = None, *, expect_error: bool = False,
                meta_extra: dict[str, Any] | None = None) -> Any:
        """Send a request (driving input_required rounds on the modern era); return result or error."""
        base = dict(params or {})
        for _round in range(5):
            rid = self.fresh_id()
            if self.modern:
                p = dict(base)
                if meta_extra:
                    p["_meta"] = dict(meta_extra)
                msg = modern(rid, method, p, caps=self.caps)
            else:
                p = dict(base)
                if meta_extra:
                    p["_meta"] = dict(meta_extra)
                msg = legacy(rid, method, p if p or method not in ("ping",) else None)
            self.p.send(msg)
            resp = self.await_response(rid, method)
            if "error" in resp:
                self.validate(self.error_def(), resp, f"error response to {method}")
                if not expect_error:
                    raise CheckFailed(f"[{self.version}] {method} {short(base, 200)} failed: {short(resp['error'])}")
                return resp["error"]
            result = resp["result"]
            self.validate("JSONRPCResultResponse" if self.schema.has("JSONRPCResultResponse") else "JSONRPCResponse",
                          resp, f"response envelope for {method}")
            if self.modern and isinstance(result, dict) and result.get("resultType") == "input_required":
                self.validate("InputRequiredResult", result, f"input_required result of {method}")
                base = {k: v for k, v in base.items() if k not in ("inputResponses", "requestState")}
                if result.get("inputRequests"):
                    base["inputResponses"] = {k: answer(v["method"], v.get("params") or {})
                                              for k, v in result["inputRequests"].items()}
                if "requestState" in result:
                    base["requestState"] = result["requestState"]
                continue
            self.validate(RESULT_DEFS[method], result, f"result of {method} {short(base, 120)}")
            self.check_shaping(method, result)
            expect(not expect_error, f"[{self.version}] {method} {short(base, 200)} should have failed: {short(result)}")
            return result
        raise CheckFailed(f"[{self.version}] {method} still input_required after 5 rounds")

    def await_response(self, rid: Any, method: str, timeout: float = 10.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            msg = self.p.next(left) if left > 0 else None
            if msg is None:
                raise CheckFailed(f"[{self.version}] no response to {method} (id {rid}) within {timeout}s{self.p.stderr_tail()}")
            if isinstance(msg, dict) and "method" not in msg and msg.get("id") == rid and type(msg.get("id")) is type(rid):
                self.frames += 1
                return msg
            self.on_frame(msg)

    def drain(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            msg = self.p.next(left)
            if msg is not None:
                self.on_frame(msg)

    def check_shaping(self, method: str, result: Any) -> None:
        v = ORDER[self.version]
        where = f"[{self.version}] result of {method}"
        if not self.modern:
            leaked = {"resultType", "ttlMs", "cacheScope"} & set(result)
            expect(not leaked, f"{where} carries 2026-only fields {sorted(leaked)}")
        blob = json.dumps(result)
        if v < ORDER["2025-11-25"]:
            expect('"icons"' not in blob, f"{where} carries icons (added in 2025-11-25)")
        if v < ORDER["2025-06-18"]:
            for key in ('"structuredContent"', '"outputSchema"', '"resource_link"', '"title"'):
                expect(key not in blob, f"{where} carries {key} (added in 2025-06-18): {short(result, 300)}")
        if v < ORDER["2025-03-26"]:
            expect('"audio"' not in blob, f"{where} carries audio content (added in 2025-03-26)")
            if method == "tools/list":
                expect(not any("annotations" in t for t in result.get("tools", [])), f"{where} carries tool annotations")


def answer(method: str, params: dict[str, Any]) -> dict[str, Any]:
    if method == "elicitation/create":
        return {"action": "accept", "content": content_for_schema(params.get("requestedSchema") or {})}
    if method == "sampling/createMessage":
        return {"role": "assistant", "content": {"type": "text", "text": "sampled"}, "model": "schema-model"}
    if method == "roots/list":
        return {"roots": [{"uri": "file:///tmp/schema-root", "name": "root"}]}
    if method == "ping":
        return {}
    raise CheckFailed(f"the server asked for an unknown input {method}")


def scenario(s: Session) -> str:
    modern_era = s.modern
    if modern_era:
        s.request("server/discover")
    else:
        s.request("ping")
        s.request("logging/setLevel", {"level": "debug"})
    tools: list[dict[str, Any]] = []
    cursor = None
    while True:
        r = s.request("tools/list", {"cursor": cursor} if cursor else {})
        tools += r["tools"]
        cursor = r.get("nextCursor")
        if cursor is None:
            break
    names = [t["name"] for t in tools]
    log_meta = {LOG_LEVEL: "debug"} if modern_era else {}
    for i, name in enumerate(["echo"] + [n for n in FIXTURE_TOOLS if not n.startswith("test_trigger")]
                             + [n for n in names if n not in FIXTURE_TOOLS and n.startswith("test_")]):
        if name not in names:
            continue
        s.request("tools/call", {"name": name, "arguments": TOOL_ARGS.get(name, {})},
                  meta_extra={"progressToken": f"p-{i}", **log_meta})
    s.request("tools/call", {"name": "no_such_tool", "arguments": {}}, expect_error=True)
    prompts = s.request("prompts/list")["prompts"]
    for p in prompts:
        args = {a["name"]: ("test://static-text" if a["name"] == "resourceUri" else "x") for a in p.get("arguments") or []}
        s.request("prompts/get", {"name": p["name"], "arguments": args})
    s.request("prompts/get", {"name": "test_prompt_with_arguments", "arguments": {"arg1": "x"}}, expect_error=True)
    resources = s.request("resources/list")["resources"]
    for r in resources:
        s.request("resources/read", {"uri": r["uri"]})
    s.request("resources/templates/list")
    s.request("resources/read", {"uri": "test://template/42/data"})
    s.request("resources/read", {"uri": "test://nope"}, expect_error=True)
    if ORDER[s.version] >= ORDER["2025-03-26"]:
        s.request("completion/complete", {"ref": {"type": "ref/prompt", "name": "test_prompt_with_arguments"},
                                          "argument": {"name": "arg1", "value": "pa"}})
        s.request("completion/complete", {"ref": {"type": "ref/resource", "uri": "test://template/{id}/data"},
                                          "argument": {"name": "id", "value": "4"}})
    s.request("tools/list", {"cursor": "definitely-not-a-cursor"}, expect_error=True)
    if modern_era:
        lid = "schema-listen"
        s.p.send(modern(lid, "subscriptions/listen", {"notifications": {
            "toolsListChanged": True, "promptsListChanged": True, "resourcesListChanged": True,
            "resourceSubscriptions": ["test://watched-resource"]}}))
        s.drain(0.3)
        expect(any(n["method"] == "notifications/subscriptions/acknowledged" for n in s.notifications),
               f"[{s.version}] listen not acknowledged")
    else:
        s.request("resources/subscribe", {"uri": "test://watched-resource"})
    for trigger in ("test_trigger_tool_change", "test_trigger_prompt_change", "test_trigger_resource_update"):
        s.request("tools/call", {"name": trigger, "arguments": {}})
    s.drain(0.4)
    got = {n["method"] for n in s.notifications}
    for want in ("notifications/tools/list_changed", "notifications/prompts/list_changed", "notifications/resources/updated"):
        expect(want in got, f"[{s.version}] no {want} after the trigger (got {sorted(got)})")
    if modern_era:
        s.p.send({"jsonrpc": "2.0", "method": "notifications/cancelled", "params": {"requestId": "schema-listen"}})
        s.request("initialize", {"protocolVersion": "2025-11-25", "capabilities": {},
                                 "clientInfo": {"name": "x", "version": "1"}}, expect_error=True)
        s.request("ping", expect_error=True)
    else:
        s.request("resources/unsubscribe", {"uri": "test://watched-resource"})
    s.drain(0.2)
    return f"{s.frames} frames, {len(names)} tools"


def main() -> None:
    args = parse_args("schema_conformance.py [--timeout S] -- SERVER [ARGS...]")
    rep = Reporter("schema_conformance.py")
    deadline = time.monotonic() + args.timeout
    failed = 0
    for version in LEGACY_VERSIONS + [MODERN]:
        name = f"every server frame validates against schema-{version}.json"
        if time.monotonic() > deadline:
            print(f"FAIL {name}: overall timeout of {args.timeout}s exceeded", flush=True)
            raise SystemExit(1)
        proc = Proc(list(args.server))
        try:
            schema = Schema(version)
            is_modern = version == MODERN
            s = Session(proc, schema, is_modern)
            if not is_modern:
                caps: dict[str, Any] = {"roots": {"listChanged": True}, "sampling": {}}
                if ORDER[version] >= ORDER["2025-06-18"]:
                    caps["elicitation"] = {}
                proc.send(initialize(1, version, caps))
                resp = s.await_response(1, "initialize")
                expect("result" in resp, f"[{version}] initialize failed: {short(resp)}")
                s.validate("InitializeResult", resp["result"], "initialize result")
                s.check_shaping("initialize", resp["result"])
                expect(resp["result"].get("protocolVersion") == version, f"[{version}] not echoed: {short(resp)}")
                proc.send(INITIALIZED)
            detail = scenario(s)
            if s.failures:
                unique = list(dict.fromkeys(s.failures))
                print(f"FAIL {name}: {len(unique)} invalid frame(s):\n     - " + "\n     - ".join(unique[:8]), flush=True)
                failed += 1
                continue
        except CheckFailed as e:
            print(f"FAIL {name}: {e}", flush=True)
            raise SystemExit(1) from None
        except Exception as e:  # noqa: BLE001
            print(f"FAIL {name}: {type(e).__name__}: {e}\n{traceback.format_exc()}", flush=True)
            raise SystemExit(1) from None
        finally:
            proc.close(timeout=1.0)
            proc.kill()
        rep.ok(name, detail)
    if failed:
        print(f"schema_conformance.py: {failed} version(s) failed", flush=True)
        raise SystemExit(1)
    rep.done()


if __name__ == "__main__":
    main()
