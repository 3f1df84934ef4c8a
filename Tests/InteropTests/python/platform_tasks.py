"""Runs as tasks (the 2026 Tasks extension) over HTTP, with raw JSON-RPC (no SDK supports the
extension yet): standard library only.

    python platform_tasks.py --url http://127.0.0.1:PORT/mcp --key KEY start      (prints "task <id>")
    python platform_tasks.py --url ... --key KEY finish --task ID
    python platform_tasks.py --url ... --key KEY checks

`start` creates a task for a run of `assistant` that needs an approval and waits until the task
is input_required (it also listens for notifications/tasks and expects one). `finish` (possibly
after a server restart) reads the same task, answers the approval with tasks/update, and waits
for completion. `checks`: the extension is advertised in server/discover; tasks/* without the
extension are -32021; an unknown id is -32602; tasks/cancel cancels a working task; a client
without the extension gets a plain result. Prints "ok <check>"; the first failure prints
"FAIL <check>: <why>" and exits 1.
"""

from __future__ import annotations

import argparse
import http.client
import json
import sys
import time
import urllib.parse
from typing import Any

TASKS = "io.modelcontextprotocol/tasks"
WEATHER = '/call reference__get_weather {"city": "Paris"}'


def ok(name: str) -> None:
    print(f"ok   {name}", flush=True)


def fail(name: str, why: str) -> None:
    print(f"FAIL {name}: {why}", flush=True)
    sys.exit(1)


class Client:
    def __init__(self, url: str, key: str) -> None:
        self.url = urllib.parse.urlsplit(url)
        self.key = key
        self.next_id = 1

    def meta(self, tasks: bool) -> dict[str, Any]:
        caps: dict[str, Any] = {"extensions": {TASKS: {}}} if tasks else {}
        return {"io.modelcontextprotocol/protocolVersion": "2026-07-28", "io.modelcontextprotocol/clientCapabilities": caps,
                "io.modelcontextprotocol/clientInfo": {"name": "platform_tasks", "version": "1"}}

    def headers(self, method: str, name: str | None) -> dict[str, str]:
        h = {"Content-Type": "application/json", "Accept": "application/json, text/event-stream", "MCP-Protocol-Version": "2026-07-28",
             "Mcp-Method": method, "Authorization": f"Bearer {self.key}"}
        if name is not None:
            h["Mcp-Name"] = name
        return h

    def call(self, method: str, params: dict[str, Any], tasks: bool = True, name: str | None = None) -> dict[str, Any]:
        params = dict(params)
        params["_meta"] = self.meta(tasks)
        body = json.dumps({"jsonrpc": "2.0", "id": self.next_id, "method": method, "params": params})
        self.next_id += 1
        conn = http.client.HTTPConnection(self.url.hostname, self.url.port, timeout=60)
        conn.request("POST", self.url.path, body=body, headers=self.headers(method, name))
        response = conn.getresponse()
        raw = response.read().decode()
        conn.close()
        if response.getheader("Content-Type", "").startswith("text/event-stream"):
            messages = [json.loads(line[5:]) for line in raw.splitlines() if line.startswith("data:") and line[5:].strip()]
            return next(m for m in messages if "id" in m)
        return json.loads(raw)

    def tool(self, name: str, arguments: dict[str, Any], tasks: bool = True) -> dict[str, Any]:
        return self.call("tools/call", {"name": name, "arguments": arguments}, tasks=tasks, name=name)

    def task(self, method: str, task_id: str, tasks: bool = True, **extra: Any) -> dict[str, Any]:
        return self.call(method, {"taskId": task_id, **extra}, tasks=tasks, name=task_id)

    def wait_for(self, task_id: str, statuses: set[str], seconds: float = 60) -> dict[str, Any]:
        deadline = time.time() + seconds
        while time.time() < deadline:
            reply = self.task("tasks/get", task_id)
            if "error" in reply:
                fail("tasks/get", json.dumps(reply))
            if reply["result"]["status"] in statuses:
                return reply["result"]
            time.sleep(0.1)
        fail(f"task {task_id} reaches {statuses}", f"last: {json.dumps(reply)[:400]}")
        raise AssertionError

    def listen(self, task_id: str) -> tuple[http.client.HTTPConnection, Any]:
        conn = http.client.HTTPConnection(self.url.hostname, self.url.port, timeout=60)
        body = json.dumps({"jsonrpc": "2.0", "id": "L", "method": "subscriptions/listen",
                           "params": {"notifications": {"taskIds": [task_id]}, "_meta": self.meta(True)}})
        conn.request("POST", self.url.path, body=body, headers=self.headers("subscriptions/listen", None))
        return conn, conn.getresponse()


def read_events(response: Any, until: Any, seconds: float) -> list[dict[str, Any]]:
    seen: list[dict[str, Any]] = []
    deadline = time.time() + seconds
    while time.time() < deadline:
        line = response.fp.readline().decode()
        if not line:
            break
        if line.startswith("data:") and line[5:].strip():
            message = json.loads(line[5:])
            seen.append(message)
            if until(message):
                break
    return seen


def start(c: Client) -> None:
    reply = c.tool("run_agent", {"agent": "assistant", "message": WEATHER, "variables": {"team": "blue"}})
    result = reply.get("result", {})
    if result.get("resultType") != "task" or not result.get("taskId") or result.get("status") not in ("working", "input_required"):
        fail("run_agent with the extension answers with a CreateTaskResult", json.dumps(reply))
    for field in ("createdAt", "lastUpdatedAt", "ttlMs"):
        if field not in result:
            fail("CreateTaskResult fields", f"{field} missing in {result}")
    task_id = result["taskId"]
    ok("run_agent with the extension answers at once with a CreateTaskResult")
    conn, stream = c.listen(task_id)
    task = c.wait_for(task_id, {"input_required"})
    requests = task.get("inputRequests") or {}
    if len(requests) != 1 or not next(iter(requests)).startswith("approval:"):
        fail("input_required carries the approval question", json.dumps(task))
    question = next(iter(requests.values()))
    if question.get("method") != "elicitation/create" or "Paris" not in question["params"]["message"]:
        fail("input_required carries the approval question", json.dumps(question))
    ok("the task turns input_required with the approval as an elicitation request")
    events = read_events(stream, lambda m: m.get("method") == "notifications/tasks" and m["params"].get("status") == "input_required", 20)
    conn.close()
    if events[0].get("method") != "notifications/subscriptions/acknowledged" or events[0]["params"]["notifications"].get("taskIds") != [task_id]:
        fail("a listen stream acknowledges taskIds", json.dumps(events[:1]))
    statuses = [m["params"]["status"] for m in events if m.get("method") == "notifications/tasks"]
    if "input_required" not in statuses:
        fail("notifications/tasks reach the listen stream", json.dumps(events))
    ok(f"notifications/tasks reach the listen stream ({', '.join(statuses)})")
    print(f"task {task_id}", flush=True)


def finish(c: Client, task_id: str) -> None:
    task = c.wait_for(task_id, {"input_required"})
    key = next(iter(task["inputRequests"]))
    ack = c.task("tasks/update", task_id, inputResponses={key: {"action": "accept", "content": {"approve": True}}})
    if ack.get("result", {}).get("resultType") != "complete":
        fail("tasks/update acknowledges", json.dumps(ack))
    done = c.wait_for(task_id, {"completed", "cancelled"})
    result = done.get("result", {})
    text = "".join(b.get("text", "") for b in result.get("content", []))
    if done["status"] != "completed" or result.get("isError") or "Paris" not in text:
        fail("the approved task completes with the tool's answer", json.dumps(done))
    ok("tasks/update answers the approval and the task completes with the run's answer")


def checks(c: Client) -> None:
    discover = c.call("server/discover", {})
    if TASKS not in (discover["result"]["capabilities"].get("extensions") or {}):
        fail("server/discover advertises the extension", json.dumps(discover))
    ok("server/discover advertises the tasks extension")
    missing = c.task("tasks/get", "run_nope", tasks=False)
    if missing.get("error", {}).get("code") != -32021:
        fail("tasks/get without the extension is -32021", json.dumps(missing))
    unknown = c.task("tasks/get", "run_nope")
    if unknown.get("error", {}).get("code") != -32602:
        fail("an unknown task id is -32602", json.dumps(unknown))
    ok("tasks/* without the extension are -32021; an unknown task is -32602")
    reply = c.tool("run_agent", {"agent": "assistant", "message": "/sleep 30000\nhello", "variables": {"team": "blue"}})
    task_id = reply["result"]["taskId"]
    cancelled = c.task("tasks/cancel", task_id)
    if "error" in cancelled:
        fail("tasks/cancel", json.dumps(cancelled))
    final = c.wait_for(task_id, {"cancelled", "completed"})
    if final["status"] != "cancelled":
        fail("tasks/cancel cancels a working task", json.dumps(final))
    ok("tasks/cancel cancels a working task")
    # A 2026 client hears list changes on a listen stream: creating an agent changes the tools
    # (its ask_ tool), prompts and resources.
    conn = http.client.HTTPConnection(c.url.hostname, c.url.port, timeout=60)
    body = json.dumps({"jsonrpc": "2.0", "id": "changes", "method": "subscriptions/listen",
                       "params": {"notifications": {"toolsListChanged": True, "promptsListChanged": True}, "_meta": c.meta(False)}})
    conn.request("POST", c.url.path, body=body, headers=c.headers("subscriptions/listen", None))
    stream = conn.getresponse()
    read_events(stream, lambda m: m.get("method") == "notifications/subscriptions/acknowledged", 10)
    created = c.tool("create_agent", {"id": "listened", "config": {"name": "L", "instructions": "i", "model": "scripted/x", "visibility": "exposed"}}, tasks=False)
    if created.get("result", {}).get("isError"):
        fail("create_agent", json.dumps(created))
    seen = read_events(stream, lambda m: m.get("method") == "notifications/prompts/list_changed", 15)
    conn.close()
    methods = [m.get("method") for m in seen]
    if "notifications/tools/list_changed" not in methods or "notifications/prompts/list_changed" not in methods:
        fail("list_changed on a 2026 listen stream after create_agent", json.dumps(seen))
    ok("a 2026 listen stream hears tools and prompts list_changed after create_agent")
    plain = c.tool("run_agent", {"agent": "assistant", "message": "hello", "variables": {"team": "blue"}}, tasks=False)
    if plain.get("result", {}).get("resultType") != "complete" or "taskId" in plain["result"]:
        fail("without the extension the result is a plain CallToolResult", json.dumps(plain))
    ok("without the extension run_agent answers with a plain CallToolResult")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--key", required=True)
    parser.add_argument("--task")
    parser.add_argument("phase", choices=["start", "finish", "checks"])
    args = parser.parse_args()
    c = Client(args.url, args.key)
    if args.phase == "start":
        start(c)
    elif args.phase == "finish":
        finish(c, args.task)
    else:
        checks(c)


if __name__ == "__main__":
    main()
