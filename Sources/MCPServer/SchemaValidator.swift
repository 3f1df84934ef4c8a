import JSON

/// Checks tool arguments against the common core of JSON Schema before a handler runs.
///
/// It covers what tool input schemas use in practice — `type`, `properties`, `required`,
/// `additionalProperties`, `enum`, `const`, `items`, numeric and length bounds — and ignores
/// keywords it does not know rather than rejecting valid input. `$ref` is never followed
/// (schemas must not trigger network or file access). Depth is bounded.
public enum SchemaValidator {
    public static func validate(_ value: JSONValue, against schema: JSONValue, maxProblems: Int = 10) -> [String] {
        var problems: [String] = []
        check(value, schema, path: "", depth: 0, &problems)
        return Array(problems.prefix(maxProblems))
    }

    private static func check(_ value: JSONValue, _ schema: JSONValue, path: String, depth: Int, _ problems: inout [String]) {
        guard depth < 32, case .object(let s) = schema else { return }
        let at = path.isEmpty ? "arguments" : path
        switch s["type"] {
        case .string(let type)?:
            if !matches(value, type) {
                problems.append("\(at) must be \(type), got \(value.typeName)")
                return
            }
        case .array(let types)?:
            let allowed = types.compactMap(\.stringValue)
            if !allowed.isEmpty && !allowed.contains(where: { matches(value, $0) }) {
                problems.append("\(at) must be \(allowed.joined(separator: " or ")), got \(value.typeName)")
                return
            }
        default:
            break
        }
        if let options = s["enum"]?.arrayValue, !options.contains(value) {
            problems.append("\(at) must be one of \(JSONValue.array(options))")
        }
        if let c = s["const"], c != value { problems.append("\(at) must be \(c)") }
        switch value {
        case .object(let o):
            let properties = s["properties"]?.objectValue ?? [:]
            if case .array(let required)? = s["required"] {
                for case .string(let name) in required where o[name] == nil {
                    problems.append("\(join(path, name)) is required")
                }
            }
            for (k, v) in o {
                if let p = properties[k] {
                    check(v, p, path: join(path, k), depth: depth + 1, &problems)
                } else if let extra = s["additionalProperties"] {
                    if extra == false { problems.append("\(join(path, k)) is not an allowed property") }
                    else { check(v, extra, path: join(path, k), depth: depth + 1, &problems) }
                }
            }
        case .array(let a):
            if let items = s["items"], items.objectValue != nil {
                for (i, v) in a.enumerated() { check(v, items, path: "\(at)[\(i)]", depth: depth + 1, &problems) }
            }
            if let min = s["minItems"]?.intValue, a.count < min { problems.append("\(at) needs at least \(min) items") }
            if let max = s["maxItems"]?.intValue, a.count > max { problems.append("\(at) allows at most \(max) items") }
        case .string(let str):
            let min = s["minLength"]?.intValue, max = s["maxLength"]?.intValue
            guard min != nil || max != nil else { break }
            let n = str.count  // characters: counting them walks the string, so only when bounded
            if let min, n < min { problems.append("\(at) must be at least \(min) characters") }
            if let max, n > max { problems.append("\(at) must be at most \(max) characters") }
        case .int, .double:
            let d = value.doubleValue!
            if let min = s["minimum"]?.doubleValue, d < min { problems.append("\(at) must be ≥ \(s["minimum"]!)") }
            if let max = s["maximum"]?.doubleValue, d > max { problems.append("\(at) must be ≤ \(s["maximum"]!)") }
        default:
            break
        }
    }

    private static func join(_ path: String, _ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    private static func matches(_ value: JSONValue, _ type: String) -> Bool {
        switch (type, value) {
        case ("object", .object), ("array", .array), ("string", .string), ("boolean", .bool), ("null", .null): return true
        case ("number", .int), ("number", .double): return true
        case ("integer", .int): return true
        case ("integer", .double(let d)): return d.rounded() == d
        default: return false
        }
    }
}
