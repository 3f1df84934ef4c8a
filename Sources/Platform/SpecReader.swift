// SpecReader: strict, path-aware reading of a JSON object given by a user (a manifest, a CLI
// `--json`, an MCP tool's arguments). Every read records where it looked, each problem becomes a
// `ValidationIssue` naming the exact JSON path (`$.bindings[1].timeout_s`), and `finish()` rejects
// every field nobody read — so a typo such as `max_step` is an error, never silently ignored. All
// issues of a document are collected before anything throws, so one run shows every mistake.

import JSON

/// Collected validation issues for one document.
public final class ValidationIssues {
    public private(set) var all: [ValidationIssue] = []

    public init() {}

    public func add(_ path: String, _ reason: String) {
        all.append(ValidationIssue(path: path, reason: reason))
    }

    public var isEmpty: Bool { all.isEmpty }

    /// Throws `PlatformError.invalid` with every issue, if there are any.
    public func throwIfAny() throws(PlatformError) {
        if !all.isEmpty { throw .invalid(all) }
    }
}

/// Reads the fields of one JSON object.
public final class SpecReader {
    public let path: String
    public let issues: ValidationIssues
    private let object: JSONObject
    private var read: Set<String> = []

    /// A reader over `value`; records an issue (and reads as empty) when it is not an object.
    public init(_ value: JSONValue, path: String = "$", issues: ValidationIssues) {
        self.path = path
        self.issues = issues
        if case .object(let object) = value {
            self.object = object
        } else {
            self.object = JSONObject()
            issues.add(path, "must be an object (got \(value.typeName))")
        }
    }

    /// The path of member `key`.
    public static func path(_ base: String, _ key: String) -> String {
        let plain = !key.isEmpty && key.utf8.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || byte == 0x5F
        }
        if plain { return "\(base).\(key)" }
        return "\(base)[\(JSONWriter.string(.string(key)))]"
    }

    public func path(_ key: String) -> String { Self.path(path, key) }

    /// The raw value of `key` (marking it read), nil when absent. JSON `null` counts as absent.
    public func value(_ key: String, required: Bool = false) -> JSONValue? {
        read.insert(key)
        guard let value = object[key], !value.isNull else {
            if required { issues.add(path(key), "is required") }
            return nil
        }
        return value
    }

    public var keys: [String] { object.keys }

    /// A string of 1…`maxLength` characters (by default no control characters).
    public func string(_ key: String, required: Bool = false, maxLength: Int = 256, allowControl: Bool = false) -> String? {
        guard let value = value(key, required: required) else { return nil }
        guard case .string(let text) = value else {
            issues.add(path(key), "must be a string (got \(value.typeName))")
            return nil
        }
        return Self.check(text, at: path(key), maxLength: maxLength, allowControl: allowControl, issues: issues)
    }

    /// Validates a string value found elsewhere (array elements, map values).
    public static func check(_ text: String, at path: String, maxLength: Int, allowControl: Bool, issues: ValidationIssues) -> String? {
        if text.isEmpty {
            issues.add(path, "must not be empty")
            return nil
        }
        let count = text.count
        if count > maxLength {
            issues.add(path, "must be at most \(maxLength) characters (got \(count))")
            return nil
        }
        if !allowControl {
            for scalar in text.unicodeScalars {
                switch scalar.properties.generalCategory {
                case .control, .lineSeparator, .paragraphSeparator:
                    issues.add(path, "must not contain control characters or line breaks")
                    return nil
                default: continue
                }
            }
        }
        return text
    }

    /// A slug id (`[A-Za-z0-9_-]{1,64}`).
    public func slug(_ key: String, required: Bool = false) -> String? {
        guard let text = string(key, required: required, maxLength: 64) else { return nil }
        guard Identifier.isSlug(text) else {
            issues.add(path(key), "must be 1–64 of A–Z a–z 0–9 _ - (got \(JSONWriter.string(.string(text))))")
            return nil
        }
        return text
    }

    /// An integer within `range`.
    public func integer(_ key: String, required: Bool = false, range: ClosedRange<Int64>) -> Int64? {
        guard let value = value(key, required: required) else { return nil }
        guard case .int(let number) = value else {
            issues.add(path(key), "must be an integer (got \(value.typeName))")
            return nil
        }
        guard range.contains(number) else {
            issues.add(path(key), "must be between \(range.lowerBound) and \(range.upperBound) (got \(number))")
            return nil
        }
        return number
    }

    /// A number within `range`.
    public func number(_ key: String, required: Bool = false, range: ClosedRange<Double>) -> Double? {
        guard let value = value(key, required: required) else { return nil }
        guard let number = value.doubleValue else {
            issues.add(path(key), "must be a number (got \(value.typeName))")
            return nil
        }
        guard range.contains(number) else {
            issues.add(path(key), "must be between \(range.lowerBound) and \(range.upperBound) (got \(number))")
            return nil
        }
        return number
    }

    public func bool(_ key: String, required: Bool = false) -> Bool? {
        guard let value = value(key, required: required) else { return nil }
        guard case .bool(let flag) = value else {
            issues.add(path(key), "must be true or false (got \(value.typeName))")
            return nil
        }
        return flag
    }

    /// One of `allowed` (exact spelling).
    public func choice(_ key: String, required: Bool = false, _ allowed: [String]) -> String? {
        guard let text = string(key, required: required) else { return nil }
        guard allowed.contains(text) else {
            issues.add(path(key), "must be one of \(allowed.joined(separator: ", ")) (got \(JSONWriter.string(.string(text))))")
            return nil
        }
        return text
    }

    /// An array, each element handed to `element` with its path.
    public func array<T>(_ key: String, required: Bool = false, maxCount: Int = 256, _ element: (JSONValue, String) -> T?) -> [T]? {
        guard let value = value(key, required: required) else { return nil }
        guard case .array(let items) = value else {
            issues.add(path(key), "must be an array (got \(value.typeName))")
            return nil
        }
        guard items.count <= maxCount else {
            issues.add(path(key), "must have at most \(maxCount) items (got \(items.count))")
            return nil
        }
        var result: [T] = []
        for (index, item) in items.enumerated() {
            if let parsed = element(item, "\(path(key))[\(index)]") { result.append(parsed) }
        }
        return result
    }

    /// An array of strings, each 1…`maxLength` characters, without duplicates.
    public func strings(_ key: String, required: Bool = false, maxCount: Int = 256, maxLength: Int = 256) -> [String]? {
        var seen: Set<String> = []
        return array(key, required: required, maxCount: maxCount) { item, itemPath in
            guard case .string(let text) = item else {
                issues.add(itemPath, "must be a string (got \(item.typeName))")
                return nil
            }
            guard let text = Self.check(text, at: itemPath, maxLength: maxLength, allowControl: false, issues: issues) else { return nil }
            guard seen.insert(text).inserted else {
                issues.add(itemPath, "duplicates an earlier item \(JSONWriter.string(.string(text)))")
                return nil
            }
            return text
        }
    }

    /// An object whose values are strings, in document order (keys unchecked; callers validate).
    public func stringMap(_ key: String, required: Bool = false, maxCount: Int = 64, maxValueLength: Int = 8192) -> [(String, String)]? {
        guard let value = value(key, required: required) else { return nil }
        guard case .object(let members) = value else {
            issues.add(path(key), "must be an object (got \(value.typeName))")
            return nil
        }
        guard members.count <= maxCount else {
            issues.add(path(key), "must have at most \(maxCount) entries (got \(members.count))")
            return nil
        }
        var result: [(String, String)] = []
        for (name, member) in members {
            let memberPath = Self.path(path(key), name)
            guard case .string(let text) = member else {
                issues.add(memberPath, "must be a string (got \(member.typeName))")
                continue
            }
            guard text.utf8.count <= maxValueLength else {
                issues.add(memberPath, "must be at most \(maxValueLength) bytes (got \(text.utf8.count))")
                continue
            }
            result.append((name, text))
        }
        return result
    }

    /// A nested object reader (nil when absent or not an object; the issue is recorded).
    public func object(_ key: String, required: Bool = false) -> SpecReader? {
        guard let value = value(key, required: required) else { return nil }
        guard case .object = value else {
            issues.add(path(key), "must be an object (got \(value.typeName))")
            return nil
        }
        return SpecReader(value, path: path(key), issues: issues)
    }

    /// Records an "unknown field" issue for every member that no read asked for.
    public func finish() {
        for key in object.keys where !read.contains(key) {
            issues.add(path(key), "unknown field")
        }
    }
}
