import JSON

/// Shapes an elicitation `requestedSchema` for the revision that will receive it.
///
/// 2025-06-18 defined only flat primitives: strings (with length and format), numbers, booleans
/// (with a default) and single-select enums with `enumNames`. 2025-11-25 added defaults on every
/// primitive, titled enums (`oneOf` of `const`/`title`) and multi-select arrays. For a 2025-06-18
/// client, titled enums become `enum` + `enumNames`, unsupported keywords are dropped, and a
/// property that cannot be expressed at all (a multi-select) is left out — the handler sees it
/// missing from the answer, as with any optional field the user skipped.
public enum ElicitationSchemaShaper {
    public static func shape(_ schema: JSONValue, for version: ProtocolVersion) -> JSONValue {
        guard version < .v2025_11_25, case .object(var root) = schema, let properties = root["properties"]?.objectValue else { return schema }
        var kept = JSONObject()
        for (name, definition) in properties {
            if let shaped = shapeProperty(definition) { kept[name] = shaped }
        }
        root["properties"] = .object(kept)
        if let required = root["required"]?.arrayValue {
            root["required"] = .array(required.filter { $0.stringValue.map { kept[$0] != nil } ?? false })
        }
        return .object(root)
    }

    static func shapeProperty(_ definition: JSONValue) -> JSONValue? {
        guard case .object(let p) = definition, let type = p["type"]?.stringValue else { return nil }
        var out = JSONObject()
        out["type"] = .string(type)
        for key in ["title", "description"] { if let v = p[key] { out[key] = v } }
        switch type {
        case "string":
            if let options = p["oneOf"]?.arrayValue ?? p["anyOf"]?.arrayValue {
                let consts = options.compactMap { $0["const"] }
                guard consts.count == options.count, !consts.isEmpty else { return nil }
                out["enum"] = .array(consts)
                out["enumNames"] = .array(options.map { $0["title"] ?? $0["const"]! })
            } else if let values = p["enum"] {
                out["enum"] = values
                if let names = p["enumNames"] { out["enumNames"] = names }
            } else {
                for key in ["minLength", "maxLength", "format"] { if let v = p[key] { out[key] = v } }
            }
        case "number", "integer":
            for key in ["minimum", "maximum"] { if let v = p[key] { out[key] = v } }
        case "boolean":
            if let v = p["default"] { out["default"] = v }
        default:
            return nil
        }
        return .object(out)
    }
}
