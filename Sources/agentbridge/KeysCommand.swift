import CLIKit
import JSON
import Platform

/// `agentbridge keys create|list|revoke`: API keys for the HTTP surface. The secret is printed
/// once, by `create`, and cannot be shown again.
enum KeysCommand {
    static let command = Command(
        name: "keys",
        abstract: "Create, list and revoke API keys.",
        subcommands: [
            Command(
                name: "create", abstract: "Create a key and print its secret (shown only once).",
                options: [
                    Option("name", valueName: "name", help: "A name to recognise the key by."),
                    Option("scope", valueName: "scope", help: "A scope to grant (repeatable): \(Scope.allCases.map(\.rawValue).joined(separator: ", ")).", repeatable: true),
                    Option("agent", valueName: "id", help: "Restrict the key to this agent (repeatable).", repeatable: true),
                    Option("expires-in", valueName: "duration", help: "Expire after this long: 30m, 12h, 90d."),
                    Option("rate-limit", valueName: "n", help: "Requests per minute this key may make over HTTP (default: the server's --rate-limit)."),
                ]),
            Command(name: "list", abstract: "List keys (never their secrets)."),
            Command(name: "revoke", abstract: "Revoke a key; it stops working immediately.", positionals: [Positional("id", help: "The key id (key_…).")]),
        ])

    static func run(_ args: ParsedArguments) throws -> Int32 {
        let context = try PlatformContext(args)
        let store = APIKeyStore(database: context.database)
        switch args.commandPath.last {
        case "create":
            guard let name = args.value("name") else { throw args.usageError("--name is required") }
            let scopeTexts = args.values("scope")
            guard !scopeTexts.isEmpty else { throw args.usageError("at least one --scope is required, e.g. --scope mcp:tools") }
            var scopes: Set<Scope> = []
            for text in scopeTexts {
                guard let scope = Scope(rawValue: text) else {
                    throw args.usageError("unknown scope '\(text)'; known scopes: \(Scope.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                scopes.insert(scope)
            }
            let agents = args.values("agent")
            var expiresAt: Int64?
            if let text = args.value("expires-in") {
                guard let duration = parseDuration(text) else { throw args.usageError("invalid --expires-in '\(text)'; use a number followed by m, h or d (e.g. 90d)") }
                expiresAt = context.clock.nowMilliseconds() + duration
            }
            let rate = try args.int("rate-limit", in: 1...1_000_000)
            let (key, secret) = try store.create(
                caller: context.caller, name: name, scopes: scopes, agentIDs: agents.isEmpty ? nil : Set(agents), expiresAt: expiresAt,
                rateLimitPerMinute: rate)
            if context.json {
                context.printJSON(["key": describe(key), "secret": .string(secret)])
            } else {
                print("created key \(key.id) (\(key.name)) with scopes \(Scope.format(key.scopes))")
                print("secret (shown only now; store it safely):")
                print(secret)
            }
        case "list":
            let keys = try store.list(caller: context.caller)
            if context.json {
                context.printJSON(.array(keys.map(describe)))
            } else {
                var table = TextTable("ID", "NAME", "PREFIX", "SCOPES", "AGENTS", "RATE/MIN", "EXPIRES", "LAST USED", "STATUS")
                let now = context.clock.nowMilliseconds()
                for key in keys {
                    let status = key.revokedAt != nil ? "revoked" : key.isActive(at: now) ? "active" : "expired"
                    table.add(
                        key.id, key.name, key.prefix + "…", Scope.format(key.scopes),
                        key.agentIDs.map { $0.sorted().joined(separator: ",") } ?? "all", key.rateLimitPerMinute.map(String.init) ?? "default",
                        formatTime(key.expiresAt), formatTime(key.lastUsedAt), status)
                }
                print(table.rendered)
            }
        case "revoke":
            guard let id = args.positional("id") else { throw args.usageError("missing key id") }
            let key = try store.revoke(caller: context.caller, id: id)
            if context.json { context.printJSON(describe(key)) } else { print("revoked \(key.id) (\(key.name))") }
        default:
            throw args.usageError("missing subcommand: create, list or revoke")
        }
        return 0
    }

    static func describe(_ key: APIKey) -> JSONValue {
        var object: JSONObject = [
            "id": .string(key.id), "name": .string(key.name), "prefix": .string(key.prefix),
            "scopes": .array(key.scopes.sorted().map { .string($0.rawValue) }),
            "created_at": .int(key.createdAt),
        ]
        object["agents"] = key.agentIDs.map { .array($0.sorted().map(JSONValue.string)) } ?? .null
        object["expires_at"] = key.expiresAt.map(JSONValue.int) ?? .null
        object["last_used_at"] = key.lastUsedAt.map(JSONValue.int) ?? .null
        object["revoked_at"] = key.revokedAt.map(JSONValue.int) ?? .null
        object["rate_limit_per_minute"] = key.rateLimitPerMinute.map { .int(Int64($0)) } ?? .null
        return .object(object)
    }

    /// `30m`, `12h`, `90d` → milliseconds.
    static func parseDuration(_ text: String) -> Int64? {
        guard let unit = text.last, let number = Int64(text.dropLast()), number > 0, number <= 3650 * 24 * 60 else { return nil }
        switch unit {
        case "m": return number * 60_000
        case "h": return number * 3_600_000
        case "d": return number * 86_400_000
        default: return nil
        }
    }
}
