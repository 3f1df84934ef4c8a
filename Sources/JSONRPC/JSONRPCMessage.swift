import JSON

/// A JSON-RPC request: it has an id and expects exactly one response.
public struct JSONRPCRequest: Sendable, Hashable {
    public var id: RequestID
    public var method: String
    public var params: JSONValue?

    public init(id: RequestID, method: String, params: JSONValue? = nil) {
        self.id = id
        self.method = method
        self.params = params
    }

    /// `params` as an object; absent params read as an empty object.
    public var paramsObject: JSONObject { params?.objectValue ?? JSONObject() }
}

/// A JSON-RPC notification: no id, never answered.
public struct JSONRPCNotification: Sendable, Hashable {
    public var method: String
    public var params: JSONValue?

    public init(method: String, params: JSONValue? = nil) {
        self.method = method
        self.params = params
    }
}

/// A JSON-RPC response: a result or an error for one id. The id is nil only when the request's id
/// could not be read (parse errors, invalid requests).
public struct JSONRPCResponse: Sendable, Hashable {
    public var id: RequestID?
    public var outcome: Result<JSONValue, JSONRPCError>

    public init(id: RequestID?, result: JSONValue) {
        self.id = id
        self.outcome = .success(result)
    }

    public init(id: RequestID?, error: JSONRPCError) {
        self.id = id
        self.outcome = .failure(error)
    }

    public init(id: RequestID?, outcome: Result<JSONValue, JSONRPCError>) {
        self.id = id
        self.outcome = outcome
    }
}

/// One JSON-RPC message of any kind.
public enum JSONRPCMessage: Sendable, Hashable {
    case request(JSONRPCRequest)
    case notification(JSONRPCNotification)
    case response(JSONRPCResponse)

    /// The wire form, members in the conventional order (`jsonrpc`, `id`, `method`/`result`).
    public var json: JSONValue {
        var o = JSONObject(minimumCapacity: 4)
        o["jsonrpc"] = "2.0"
        switch self {
        case .request(let r):
            o["id"] = r.id.json
            o["method"] = .string(r.method)
            if let p = r.params { o["params"] = p }
        case .notification(let n):
            o["method"] = .string(n.method)
            if let p = n.params { o["params"] = p }
        case .response(let r):
            o["id"] = r.id?.json ?? .null
            switch r.outcome {
            case .success(let v): o["result"] = v
            case .failure(let e): o["error"] = e.json
            }
        }
        return .object(o)
    }

    /// Compact UTF-8 bytes without a trailing newline: the same bytes as writing `json`, but a
    /// response's envelope is written directly instead of building an object around the result
    /// first (every answer goes through here).
    public var bytes: [UInt8] {
        guard case .response(let r) = self else { return JSONWriter.bytes(json) }
        var w = JSONWriter(capacity: 512)
        w.bytes.append(literal: "{\"jsonrpc\":\"2.0\",\"id\":")
        if let id = r.id { w.write(id.json) } else { w.bytes.append(literal: "null") }
        switch r.outcome {
        case .success(let v):
            w.bytes.append(literal: ",\"result\":")
            w.write(v)
        case .failure(let e):
            w.bytes.append(literal: ",\"error\":")
            w.write(e.json)
        }
        w.bytes.append(UInt8(ascii: "}"))
        return w.bytes
    }
}
