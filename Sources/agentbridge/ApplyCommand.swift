import CLIKit
import Foundation
import JSON
import Platform
import Storage

/// `agentbridge apply PATH…`: apply JSON manifests (files, or directories of `*.json`)
/// idempotently. Every file is parsed and the whole set validated before anything is written;
/// the report lists what was created, updated or left unchanged.
enum ApplyCommand {
    static let command = Command(
        name: "apply",
        abstract: "Apply JSON manifests (agents, upstream servers, model providers, credentials from env).",
        discussion: "Files are validated together first: nothing is written when any file is invalid. A second apply of the same files changes nothing and says so.",
        flags: [Flag("dry-run", help: "Validate only; write nothing.")],
        positionals: [Positional("path", help: "Manifest files or directories of *.json files.", variadic: true)])

    static func run(_ args: ParsedArguments) throws -> Int32 {
        let paths = args.positionals("path")
        guard !paths.isEmpty else { throw args.usageError("give at least one manifest file or directory") }
        let context = try PlatformContext(args, origin: .manifest)
        let changes = try apply(
            paths: paths, database: context.database, caller: context.caller, dryRun: args.flag("dry-run"),
            environment: ProcessInfo.processInfo.environment)
        guard let changes else {
            print("manifests are valid (dry run: nothing written)")
            return 0
        }
        if context.json {
            context.printJSON(.array(changes.map { change in
                var object: JSONObject = ["section": .string(change.section), "id": .string(change.id), "change": .string(change.change.rawValue)]
                object["note"] = change.note.map(JSONValue.string) ?? .null
                return .object(object)
            }))
        } else {
            print(report(changes))
        }
        return 0
    }

    /// Loads, validates and (unless `dryRun`) applies; nil when dry-running.
    static func apply(paths: [String], database: Database, caller: Caller, dryRun: Bool, environment: [String: String]) throws -> [ManifestChange]? {
        var documents: [ManifestDocument] = []
        var problems: [String] = []
        for file in try files(in: paths) {
            guard let data = FileManager.default.contents(atPath: file) else {
                problems.append("\(file): cannot be read")
                continue
            }
            do {
                documents.append(try ManifestDocument.parse(Array(data), file: file))
            } catch {
                problems.append(error.description)
            }
        }
        if !problems.isEmpty { throw ManifestSetError(problems: problems) }
        let masterKey = try MasterKey.load(databasePath: database.path, environment: environment)
        let applier = ManifestApplier(database: database, masterKey: masterKey)
        if dryRun {
            try applier.validate(documents, caller: caller, environment: environment)
            return nil
        }
        return try applier.apply(documents, caller: caller, environment: environment)
    }

    /// The human report: one line per change, then a summary.
    static func report(_ changes: [ManifestChange]) -> String {
        let created = changes.filter { $0.change == .created }.count
        let updated = changes.filter { $0.change == .updated }.count
        let unchanged = changes.filter { $0.change == .unchanged }.count
        var lines = changes.filter { $0.change != .unchanged }.map(\.description)
        if created + updated == 0 {
            lines.append("no changes (\(unchanged) objects already up to date)")
        } else {
            lines.append("\(created) created, \(updated) updated, \(unchanged) unchanged")
        }
        return lines.joined(separator: "\n")
    }

    /// Files named directly, plus the `*.json` files of named directories (sorted, not recursive).
    static func files(in paths: [String]) throws -> [String] {
        var result: [String] = []
        for path in paths {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                throw ManifestSetError(problems: ["\(path): no such file or directory"])
            }
            if isDirectory.boolValue {
                let names = try FileManager.default.contentsOfDirectory(atPath: path).filter { $0.hasSuffix(".json") }.sorted()
                result += names.map { (path as NSString).appendingPathComponent($0) }
            } else {
                result.append(path)
            }
        }
        return result
    }
}
