import JSON

/// A prompt template that `prompts/list` announces.
public struct Prompt: Sendable, Hashable {
    public var name: String
    public var title: String?
    public var description: String?
    public var arguments: [PromptArgument]
    public var icons: [Icon]

    public init(name: String, title: String? = nil, description: String? = nil, arguments: [PromptArgument] = [], icons: [Icon] = []) {
        self.name = name
        self.title = title
        self.description = description
        self.arguments = arguments
        self.icons = icons
    }

    public var json: JSONValue {
        var o: JSONObject = ["name": .string(name)]
        if let title { o["title"] = .string(title) }
        if let description { o["description"] = .string(description) }
        if !arguments.isEmpty { o["arguments"] = .array(arguments.map(\.json)) }
        if !icons.isEmpty { o["icons"] = .array(icons.map(\.json)) }
        return .object(o)
    }
}

public struct PromptArgument: Sendable, Hashable {
    public var name: String
    public var title: String?
    public var description: String?
    public var required: Bool

    public init(name: String, title: String? = nil, description: String? = nil, required: Bool = false) {
        self.name = name
        self.title = title
        self.description = description
        self.required = required
    }

    public var json: JSONValue {
        var o: JSONObject = ["name": .string(name)]
        if let title { o["title"] = .string(title) }
        if let description { o["description"] = .string(description) }
        o["required"] = .bool(required)
        return .object(o)
    }
}

/// One message of a `prompts/get` result.
public struct PromptMessage: Sendable, Hashable {
    public enum Role: String, Sendable { case user, assistant }
    public var role: Role
    public var content: Content

    public init(role: Role, content: Content) {
        self.role = role
        self.content = content
    }

    public var json: JSONValue { ["role": .string(role.rawValue), "content": content.json] }
}
