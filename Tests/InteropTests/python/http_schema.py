"""Schema validation of the JSON-RPC messages an HTTP server returned (needs `jsonschema`).

Wraps schema_conformance.py's `Schema` (the official schema-<version>.json files): a response is
validated as the result of the method it answers (over HTTP that is the request of the same POST,
or of the 2024-11-05 POST with the same id), an error as JSONRPCErrorResponse / JSONRPCError, a
notification as ServerNotification, a server→client request as ServerRequest. Violations are
collected, not raised, so one run reports every bad message.
"""

from __future__ import annotations

from typing import Any

from common import short
from schema_conformance import RESULT_DEFS, Schema

EXTRA_RESULT_DEFS = {"subscriptions/listen": "SubscriptionsListenResult"}


class MessageValidator:
    def __init__(self, version: str) -> None:
        self.version = version
        self.schema = Schema(version)
        self.failures: list[str] = []
        self.count = 0
        self.null_ids = 0

    def _def(self, *names: str) -> str:
        for n in names:
            if self.schema.has(n):
                return n
        raise KeyError(f"schema-{self.version}.json defines none of {names}")

    def _validate(self, name: str, instance: Any, what: str) -> None:
        errs = self.schema.errors(name, instance)
        if errs:
            self.failures.append(f"[{self.version}] {what} does not validate as {name}:\n         "
                                 + "\n         ".join(errs) + f"\n       message: {short(instance, 600)}")

    def _either(self, name: str, msg: dict[str, Any], envelope: tuple[str, ...], kind: str, what: str) -> None:
        """Older schemas define notifications/requests without the JSON-RPC envelope."""
        bare = {k: v for k, v in msg.items() if k not in envelope}
        if not self.schema.errors(name, msg) or not self.schema.errors(name, bare):
            return
        specific = self.schema.def_for_method(msg.get("method", ""), kind)
        if specific is None:
            self.failures.append(f"[{self.version}] {what}: method {msg.get('method')!r} is not defined by the schema")
            return
        self._validate(specific, msg if self.schema.errors(specific, bare) else bare, what)

    def message(self, msg: Any, answering: str | None, what: str) -> None:
        """Validates one server message; `answering` is the method of the request it answers."""
        if isinstance(msg, list):
            for i, m in enumerate(msg):
                self.message(m, answering, f"{what}[{i}]")
            return
        self.count += 1
        if not isinstance(msg, dict):
            self.failures.append(f"[{self.version}] {what}: not a JSON object: {short(msg)}")
            return
        if "method" in msg and "id" not in msg:
            self._either("ServerNotification", msg, ("jsonrpc",), "Notification", f"{what} notification {msg['method']}")
            self._validate("JSONRPCNotification", msg, f"{what} notification envelope")
            return
        if "method" in msg:
            if not self.schema.has("ServerRequest"):
                self.failures.append(f"[{self.version}] {what}: the server sent a request, which this version forbids: {short(msg)}")
                return
            self._either("ServerRequest", msg, ("jsonrpc", "id"), "Request", f"{what} server request {msg['method']}")
            self._validate("JSONRPCRequest", msg, f"{what} server request envelope")
            return
        if "error" in msg:
            if "id" in msg and msg["id"] is None:
                # JSON-RPC 2.0 requires `"id": null` when the request id could not be read; the MCP
                # schema only knows an absent id. Whether null was justified is checked by the caller.
                self.null_ids += 1
                msg = {k: v for k, v in msg.items() if k != "id"}
            self._validate(self._def("JSONRPCErrorResponse", "JSONRPCError"), msg, f"{what} error response")
            return
        self._validate(self._def("JSONRPCResultResponse", "JSONRPCResponse"), msg, f"{what} response envelope")
        result = msg.get("result")
        if isinstance(result, dict) and result.get("resultType") == "input_required" and self.schema.has("InputRequiredResult"):
            self._validate("InputRequiredResult", result, f"{what} input_required result of {answering}")
            return
        name = RESULT_DEFS.get(answering or "") or EXTRA_RESULT_DEFS.get(answering or "")
        if name and self.schema.has(name):
            self._validate(name, result, f"{what} result of {answering}")
        elif answering is not None:
            self._validate("ServerResult", result, f"{what} result of {answering}")
