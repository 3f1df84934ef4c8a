import CLIKit
import Foundation
import JSON
import Platform

/// `agentbridge credentials set|list|delete`: the write-only vault. A secret is read from an
/// environment variable or from stdin — never from the command line, where `ps` and shell
/// history would keep it — and is never printed again.
enum CredentialsCommand {
    static let command = Command(
        name: "credentials",
        abstract: "Store, list and delete write-only credentials.",
        subcommands: [
            Command(
                name: "set", abstract: "Create or rotate a credential; the secret comes from --from-env or stdin.",
                options: [
                    Option("kind", valueName: "kind", help: "What it is (api_key, bearer_token, …).", defaultValue: "generic"),
                    Option("from-env", valueName: "VAR", help: "Read the secret from this environment variable instead of stdin."),
                ],
                positionals: [Positional("name", help: "The credential name, used as ${credential:NAME}.")]),
            Command(name: "list", abstract: "List credentials (metadata only)."),
            Command(name: "delete", abstract: "Delete a credential no agent or server references.", positionals: [Positional("name", help: "The credential name.")]),
        ])

    static func run(_ args: ParsedArguments) throws -> Int32 {
        let context = try PlatformContext(args)
        let masterKey = try MasterKey.load(databasePath: context.database.path, environment: ProcessInfo.processInfo.environment)
        let store = try CredentialStore(database: context.database, clock: context.clock, masterKey: masterKey)
        switch args.commandPath.last {
        case "set":
            guard let name = args.positional("name") else { throw args.usageError("missing credential name") }
            var secret: String
            if let variable = args.value("from-env") {
                guard let value = ProcessInfo.processInfo.environment[variable], !value.isEmpty else {
                    throw args.usageError("environment variable \(variable) is not set")
                }
                secret = value
            } else {
                let data = FileHandle.standardInput.readDataToEndOfFile()
                secret = String(decoding: data, as: UTF8.self)
                // One trailing newline is what `echo` and editors add; it is never part of a token.
                if secret.hasSuffix("\r\n") { secret.removeLast(2) } else if secret.hasSuffix("\n") { secret.removeLast() }
            }
            let (credential, created) = try store.set(caller: context.caller, name: name, kind: args.value("kind") ?? "generic", secret: secret)
            if context.json {
                context.printJSON(["name": .string(credential.name), "kind": .string(credential.kind), "created": .bool(created)])
            } else {
                print(created ? "stored credential \(credential.name)" : "rotated credential \(credential.name)")
            }
        case "list":
            let credentials = try store.list(caller: context.caller)
            if context.json {
                context.printJSON(.array(credentials.map { credential in
                    var object: JSONObject = ["name": .string(credential.name), "kind": .string(credential.kind), "created_at": .int(credential.createdAt)]
                    object["rotated_at"] = credential.rotatedAt.map(JSONValue.int) ?? .null
                    return .object(object)
                }))
            } else {
                var table = TextTable("NAME", "KIND", "CREATED", "ROTATED")
                for credential in credentials {
                    table.add(credential.name, credential.kind, formatTime(credential.createdAt), formatTime(credential.rotatedAt))
                }
                print(table.rendered)
            }
        case "delete":
            guard let name = args.positional("name") else { throw args.usageError("missing credential name") }
            try store.delete(caller: context.caller, name: name)
            if context.json { context.printJSON(["deleted": .string(name)]) } else { print("deleted credential \(name)") }
        default:
            throw args.usageError("missing subcommand: set, list or delete")
        }
        return 0
    }
}
