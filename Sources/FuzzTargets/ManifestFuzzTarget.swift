import JSON
import Platform

/// Fuzzes `ManifestDocument.parse` and the spec parsers it calls (credentials, model providers,
/// upstream servers, agents with their bindings and templates).
///
/// Invariants: a refusal lists at least one issue, each at a JSON path (`$…`); an accepted
/// manifest is a JSON object whose ids are slugs, unique per section; and the canonical form of
/// an accepted manifest (every spec's `json`, which the applier compares to decide what changed)
/// parses back to the same document — so applying a manifest twice is a no-op.
public enum ManifestFuzzTarget {
    public static func run(_ input: UnsafeBufferPointer<UInt8>) {
        let document: ManifestDocument
        do {
            document = try ManifestDocument.parse(Array(input), file: "fuzz.json")
        } catch {
            Invariant.check(!error.issues.isEmpty, "a refused manifest with no issue")
            for issue in error.issues { Invariant.check(issue.path.hasPrefix("$"), "issue path \(issue.path.debugDescription)") }
            return
        }
        guard case .object? = try? JSONParser.parse(buffer: input) else {
            return Invariant.check(false, "a manifest accepted from something other than a JSON object")
        }
        let sections = [
            document.credentials.map(\.id), document.modelProviders.map(\.id), document.upstreamServers.map(\.id),
            document.agents.map(\.id),
        ]
        for ids in sections {
            Invariant.check(ids.allSatisfy(Identifier.isSlug), "an id that is not a slug")
            Invariant.check(Set(ids).count == ids.count, "a repeated id within a section")
        }
        let canonical = JSONWriter.bytes(canonicalJSON(document))
        do {
            let again = try ManifestDocument.parse(canonical, file: "canonical.json")
            Invariant.check(same(again, document), "the canonical form parses to a different manifest")
        } catch {
            Invariant.check(false, "the canonical form of an accepted manifest is refused: \(error)")
        }
    }

    /// The manifest rebuilt from its parsed specs (every section present, so it is never empty).
    private static func canonicalJSON(_ document: ManifestDocument) -> JSONValue {
        let credentials = document.credentials.map { entry -> (String, JSONValue) in
            (entry.id, ["kind": .string(entry.spec.kind), "from_env": .string(entry.spec.environmentVariable)])
        }
        return [
            "credentials": .object(JSONObject(credentials)),
            "model_providers": .object(JSONObject(document.modelProviders.map { ($0.id, $0.spec.json) })),
            "upstream_servers": .object(JSONObject(document.upstreamServers.map { ($0.id, $0.spec.json) })),
            "agents": .object(JSONObject(document.agents.map { ($0.id, $0.spec.json) })),
        ]
    }

    private static func same(_ a: ManifestDocument, _ b: ManifestDocument) -> Bool {
        a.credentials.map(\.id) == b.credentials.map(\.id) && a.credentials.map(\.spec) == b.credentials.map(\.spec)
            && a.modelProviders.map(\.id) == b.modelProviders.map(\.id) && a.modelProviders.map(\.spec) == b.modelProviders.map(\.spec)
            && a.upstreamServers.map(\.id) == b.upstreamServers.map(\.id)
            && a.upstreamServers.map(\.spec) == b.upstreamServers.map(\.spec)
            && a.agents.map(\.id) == b.agents.map(\.id) && a.agents.map(\.spec) == b.agents.map(\.spec)
    }
}
