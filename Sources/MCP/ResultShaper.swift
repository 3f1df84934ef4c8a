import JSON

/// The one place that shapes outgoing results and notifications for the version of the request.
///
/// Handlers build superset results; this sieve removes what a revision does not define (so old
/// clients never see `resultType`, `ttlMs`, `structuredContent`, titles or icons) and adds what a
/// revision requires (2026: `resultType`, cache hints on cacheable results, `serverInfo` in
/// `_meta`). It works on JSON rather than on our own types so results relayed from upstream
/// servers are shaped by the same rules.
public enum ResultShaper {
    public static let serverInfoKey = "io.modelcontextprotocol/serverInfo"

    public static func shape(result: JSONValue, method: String, version: ProtocolVersion, cache: CacheHint, serverInfo: JSONValue) -> JSONValue {
        shape(result: result, method: method, version: version, cache: cache, serverInfo: serverInfo, serverMeta: nil)
    }

    /// `shape` for a server that answers many requests: `serverMeta` is `[serverInfoKey:
    /// serverInfo]` made once, which becomes the whole `_meta` of the 2026 results that bring
    /// none (most of them) instead of a new object per result.
    public static func shape(result: consuming JSONValue, method: String, version: ProtocolVersion, cache: CacheHint, serverMeta: JSONObject) -> JSONValue {
        shape(result: consume result, method: method, version: version, cache: cache, serverInfo: serverMeta[serverInfoKey] ?? .null, serverMeta: serverMeta)
    }

    /// Takes the result over: a handler's fresh result is then changed in place, not copied first.
    private static func shape(result: consuming JSONValue, method: String, version: ProtocolVersion, cache: CacheHint, serverInfo: JSONValue,
                              serverMeta: JSONObject?) -> JSONValue {
        guard case .object(var o) = result else { return result }
        result = .null
        if version.isModern {
            o.reserveCapacity(o.count + 4)
            let resultType = o["resultType"]
            if resultType == nil { o["resultType"] = "complete" }
            if resultType == nil || resultType == "complete", MCPMethod.named(method)?.cacheable == true {
                if o["ttlMs"] == nil { o["ttlMs"] = .int(Int64(cache.ttlMs)) }
                if o["cacheScope"] == nil { o["cacheScope"] = .string(cache.scope.rawValue) }
            }
            if case .object(var meta)? = o["_meta"] {
                meta[serverInfoKey] = serverInfo
                o["_meta"] = .object(meta)
            } else {
                o["_meta"] = .object(serverMeta ?? [serverInfoKey: serverInfo])
            }
            return .object(o)
        }
        o["resultType"] = nil
        o["ttlMs"] = nil
        o["cacheScope"] = nil
        // A 2026 key: in a relayed upstream result it would also name the upstream, not us.
        if case .object(var meta)? = o["_meta"], meta[serverInfoKey] != nil {
            meta[serverInfoKey] = nil
            o["_meta"] = meta.isEmpty ? nil : .object(meta)
        }
        switch method {
        case MCPMethod.toolsList:
            o["tools"] = o["tools"].map { mapArray($0) { sieveTool($0, version) } }
        case MCPMethod.toolsCall:
            if !version.hasStructuredContent { o["structuredContent"] = nil }
            if sievesContent(version) { o["content"] = o["content"].map { mapArray($0) { sieveContent($0, version) } } }
        case MCPMethod.promptsList:
            o["prompts"] = o["prompts"].map { mapArray($0) { sieveDescriptor($0, version) } }
        case MCPMethod.promptsGet where sievesContent(version):
            o["messages"] = o["messages"].map {
                mapArray($0) { message in
                    guard case .object(var m) = message else { return message }
                    m["content"] = m["content"].map { sieveContent($0, version) }
                    return .object(m)
                }
            }
        case MCPMethod.resourcesList:
            o["resources"] = o["resources"].map { mapArray($0) { sieveDescriptor($0, version) } }
        case MCPMethod.resourcesTemplatesList:
            o["resourceTemplates"] = o["resourceTemplates"].map { mapArray($0) { sieveDescriptor($0, version) } }
        case MCPMethod.initialize:
            if !version.hasIcons, case .object(var info)? = o["serverInfo"] {
                info["icons"] = nil
                info["description"] = nil
                info["websiteUrl"] = nil
                if !version.hasTitles { info["title"] = nil }
                o["serverInfo"] = .object(info)
            }
        default:
            break
        }
        return .object(o)
    }

    /// Notifications: 2024-11-05 progress has no `message`.
    public static func shape(notificationParams params: JSONValue?, method: String, version: ProtocolVersion) -> JSONValue? {
        guard method == MCPMethod.progress, version < .v2025_03_26, case .object(var o)? = params else { return params }
        o["message"] = nil
        return .object(o)
    }

    static func mapArray(_ v: JSONValue, _ f: (JSONValue) -> JSONValue) -> JSONValue {
        guard case .array(let a) = v else { return v }
        return .array(a.map(f))
    }

    static func sieveDescriptor(_ v: JSONValue, _ version: ProtocolVersion) -> JSONValue {
        guard case .object(var o) = v else { return v }
        if !version.hasTitles { o["title"] = nil }
        if !version.hasIcons { o["icons"] = nil }
        return .object(o)
    }

    /// A tool definition as `version` defines it (for callers that cache shaped listings).
    public static func shapeTool(_ tool: JSONValue, for version: ProtocolVersion) -> JSONValue {
        version.isModern ? tool : sieveTool(tool, version)
    }

    static func sieveTool(_ v: JSONValue, _ version: ProtocolVersion) -> JSONValue {
        guard case .object(var o) = sieveDescriptor(v, version) else { return v }
        if !version.hasStructuredContent { o["outputSchema"] = nil }
        if !version.hasToolAnnotations { o["annotations"] = nil }
        if version < .v2025_11_25 || version.isModern { o["execution"] = nil }
        return .object(o)
    }

    /// Whether `sieveContent` can change anything in `version` (otherwise the content arrays are
    /// left as they are instead of copied).
    static func sievesContent(_ version: ProtocolVersion) -> Bool { !version.hasAudio || !version.hasResourceLinks }

    /// Rewrites a block the revision cannot carry as a text block that says what was there.
    static func sieveContent(_ v: JSONValue, _ version: ProtocolVersion) -> JSONValue {
        guard case .object(let o) = v, let type = o["type"]?.stringValue else { return v }
        switch type {
        case "audio" where !version.hasAudio:
            let mime = o["mimeType"]?.stringValue ?? "audio"
            return ["type": "text", "text": .string("[\(mime) audio omitted: protocol \(version) has no audio content]")]
        case "resource_link" where !version.hasResourceLinks:
            let uri = o["uri"]?.stringValue ?? ""
            let name = o["name"]?.stringValue ?? uri
            return ["type": "text", "text": .string("Resource: \(name) <\(uri)>")]
        default:
            return v
        }
    }
}
