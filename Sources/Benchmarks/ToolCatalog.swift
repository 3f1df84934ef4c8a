import JSON

/// A deterministic catalogue of realistic MCP tools: 12 services × 4 verbs = 48 tools.
///
/// A `tools/list` answer is the largest message a typical MCP server sends and is re-sent to every
/// client; its cost is dominated by JSON Schema objects. The shapes here follow real servers
/// (GitHub, calendar, Slack, Kubernetes…): typed properties with descriptions, enums, bounds,
/// formats, patterns, arrays, nested objects, defaults, `required`, annotations, some
/// `outputSchema`s, and descriptions with quotes, newlines and non-ASCII text so the parser's slow
/// string paths are exercised at a realistic rate. No randomness: every run measures the same bytes.
enum ToolCatalog {
    private struct Service {
        var name: String
        var singular: String
        var plural: String
        var about: String
        /// Fields a `create` takes; (name, schema, required).
        var fields: [(String, JSONValue, Bool)]
    }

    static func tools() -> [JSONValue] {
        var tools: [JSONValue] = []
        for (s, service) in services.enumerated() {
            for (v, verb) in ["list", "get", "create", "update"].enumerated() {
                tools.append(tool(service, verb: verb, variant: s * 4 + v))
            }
        }
        return tools
    }

    private static func str(_ description: String) -> JSONValue {
        ["type": "string", "description": .string(description)]
    }

    private static func tool(_ service: Service, verb: String, variant: Int) -> JSONValue {
        let idField: JSONValue = [
            "type": "string",
            "description": .string("The \(service.singular) ID."),
            "pattern": "^[A-Za-z0-9_-]{4,64}$",
        ]
        var properties = JSONObject()
        var required: [JSONValue] = []
        var description: String
        var title: String
        let readOnly = verb == "list" || verb == "get"
        switch verb {
        case "list":
            title = "List \(service.plural)"
            description = "Lists \(service.plural) in \(service.about), newest first. Pass \"nextCursor\" back as `cursor` for more."
            properties["query"] = str("Free-text search; supports quoted phrases.")
            properties["limit"] = ["type": "integer", "description": "Maximum number of results to return.", "minimum": 1, "maximum": 100, "default": 20]
            properties["cursor"] = str("Opaque pagination cursor from a previous call.")
            properties["sort"] = ["type": "string", "enum": ["created", "updated", "relevance"], "default": "created"]
            properties["createdAfter"] = ["type": "string", "format": "date-time"]
        case "get":
            title = "Get \(service.singular)"
            description = "Returns one \(service.singular) from \(service.about) with all its fields."
            properties["id"] = idField
            properties["include"] = [
                "type": "array",
                "items": ["type": "string", "enum": ["comments", "history", "attachments", "permissions"]],
            ]
            required = ["id"]
        case "create":
            title = "Create \(service.singular)"
            description = "Creates a \(service.singular) in \(service.about) and returns it."
            for (name, schema, isRequired) in service.fields {
                properties[name] = schema
                if isRequired { required.append(.string(name)) }
            }
            properties["dryRun"] = ["type": "boolean", "description": "Validate only; do not create anything.", "default": false]
        default:
            title = "Update \(service.singular)"
            description = "Updates fields of an existing \(service.singular) in \(service.about). Fields that are omitted keep their value."
            properties["id"] = idField
            for (name, schema, _) in service.fields.prefix(2) { properties[name] = schema }
            properties["expectedVersion"] = ["type": "integer", "minimum": 0]
            required = ["id"]
        }
        if variant % 4 == 1 {
            description += "\n\nNote: the caller’s permissions apply — items they cannot see are omitted."
        }
        var inputSchema: JSONObject = [
            "type": "object",
            "properties": .object(properties),
            "additionalProperties": false,
        ]
        if !required.isEmpty { inputSchema["required"] = .array(required) }
        var tool: JSONObject = [
            "name": .string("\(service.name)_\(verb)_\(verb == "list" ? service.plural : service.singular)"),
            "title": .string(title),
            "description": .string(description),
            "inputSchema": .object(inputSchema),
        ]
        if variant % 6 == 0 {
            tool["outputSchema"] = [
                "type": "object",
                "properties": [
                    "id": ["type": "string"],
                    "url": ["type": "string", "format": "uri"],
                    "updatedAt": ["type": "string", "format": "date-time"],
                    "score": ["type": "number", "minimum": 0, "maximum": 1.5],
                ],
                "required": ["id"],
            ]
        }
        // Like most servers, state the hints that hold and leave the rest at their defaults.
        var annotations: JSONObject = [:]
        if readOnly { annotations["readOnlyHint"] = true }
        if verb == "update" { annotations["destructiveHint"] = true }
        if verb != "create" { annotations["idempotentHint"] = true }
        annotations["openWorldHint"] = .bool(service.name != "db")
        tool["annotations"] = .object(annotations)
        return .object(tool)
    }

    private static let services: [Service] = [
        Service(name: "github", singular: "issue", plural: "issues", about: "a GitHub repository", fields: [
            ("title", str("Issue title, one line."), true),
            ("body", str("Markdown body of the issue."), false),
            ("labels", ["type": "array", "items": ["type": "string"], "description": "Label names to apply."], false),
            ("assignees", ["type": "array", "items": ["type": "string", "pattern": "^[A-Za-z0-9-]+$"]], false),
        ]),
        Service(name: "calendar", singular: "event", plural: "events", about: "the user's calendar", fields: [
            ("summary", str("Event title."), true),
            ("start", ["type": "string", "format": "date-time", "description": "Start time (RFC 3339)."], true),
            ("end", ["type": "string", "format": "date-time", "description": "End time (RFC 3339)."], true),
            ("attendees", ["type": "array", "items": ["type": "string", "format": "email"]], false),
        ]),
        Service(name: "drive", singular: "file", plural: "files", about: "the shared drive", fields: [
            ("name", str("File name including extension."), true),
            ("parentId", str("Folder to create the file in; the root when omitted."), false),
            ("mimeType", ["type": "string", "enum": ["text/plain", "text/markdown", "application/pdf", "image/png"]], true),
            ("content", ["type": "string", "contentEncoding": "base64", "description": "File bytes, base64."], false),
        ]),
        Service(name: "mail", singular: "message", plural: "messages", about: "the mailbox", fields: [
            ("to", ["type": "array", "items": ["type": "string", "format": "email"], "minItems": 1], true),
            ("subject", str("Subject line."), true),
            ("body", str("Plain-text body."), true),
            ("priority", ["type": "string", "enum": ["low", "normal", "high"], "default": "normal"], false),
        ]),
        Service(name: "db", singular: "row", plural: "rows", about: "a PostgreSQL table", fields: [
            ("table", ["type": "string", "pattern": "^[a-z_][a-z0-9_]*$"], true),
            ("values", ["type": "object", "additionalProperties": ["type": ["string", "number", "boolean", "null"]]], true),
            ("returning", ["type": "array", "items": ["type": "string"]], false),
        ]),
        Service(name: "slack", singular: "message", plural: "messages", about: "a Slack channel", fields: [
            ("channel", str("Channel ID, e.g. \"C024BE91L\"."), true),
            ("text", str("Message text (mrkdwn)."), true),
            ("threadTs", str("Reply in this thread."), false),
            ("unfurlLinks", ["type": "boolean", "default": true], false),
        ]),
        Service(name: "jira", singular: "ticket", plural: "tickets", about: "a Jira project", fields: [
            ("summary", str("Ticket summary."), true),
            ("type", ["type": "string", "enum": ["bug", "task", "story", "epic"]], true),
            ("storyPoints", ["type": "number", "minimum": 0, "maximum": 40, "multipleOf": 0.5], false),
            ("components", ["type": "array", "items": ["type": "string"]], false),
        ]),
        Service(name: "weather", singular: "alert", plural: "alerts", about: "the weather service", fields: [
            ("latitude", ["type": "number", "minimum": -90, "maximum": 90], true),
            ("longitude", ["type": "number", "minimum": -180, "maximum": 180], true),
            ("units", ["type": "string", "enum": ["metric", "imperial"], "default": "metric"], false),
        ]),
        Service(name: "maps", singular: "place", plural: "places", about: "the places index", fields: [
            ("name", str("Display name, e.g. “Café Zürich”."), true),
            ("location", ["type": "object", "properties": ["lat": ["type": "number"], "lng": ["type": "number"]], "required": ["lat", "lng"]], true),
            ("category", ["type": "string", "enum": ["restaurant", "shop", "park", "museum", "other"]], false),
        ]),
        Service(name: "billing", singular: "invoice", plural: "invoices", about: "the billing account", fields: [
            ("customerId", str("Customer to bill."), true),
            ("currency", ["type": "string", "pattern": "^[A-Z]{3}$", "default": "EUR"], true),
            ("lines", ["type": "array", "items": ["type": "object", "properties": ["description": ["type": "string"], "amountCents": ["type": "integer", "minimum": 0], "quantity": ["type": "integer", "minimum": 1, "default": 1]], "required": ["description", "amountCents"]]], true),
            ("dueDays", ["type": "integer", "minimum": 0, "maximum": 120, "default": 30], false),
        ]),
        Service(name: "docs", singular: "page", plural: "pages", about: "the team wiki", fields: [
            ("title", str("Page title."), true),
            ("markdown", str("Page content in Markdown.\nHeadings become the outline."), true),
            ("parentId", str("Parent page."), false),
        ]),
        Service(name: "k8s", singular: "deployment", plural: "deployments", about: "a Kubernetes namespace", fields: [
            ("name", ["type": "string", "pattern": "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", "maxLength": 63], true),
            ("image", str("Container image reference."), true),
            ("replicas", ["type": "integer", "minimum": 0, "maximum": 50, "default": 1], false),
            ("env", ["type": "object", "additionalProperties": ["type": "string"], "description": "Environment variables."], false),
        ]),
    ]
}
