/// A server the suite measures — ours, a peer, or one of the machine's ceilings — and how to
/// start it on each transport. Every peer is driven by the same load generators as ours.
struct Peer {
    enum Role { case ours, peer, ceiling }

    var name: String
    var role: Role
    /// The stdio server for the echo workload, or nil when it has no stdio form.
    var stdioCalls: [String]?
    /// The stdio server listing 120 tools in one `tools/list` page.
    var stdioList: [String]?
    var stdioEras: [Era] = [.modern, .legacy]
    var http: [HTTPVariant] = []
    var environment: [String: String] = [:]

    /// The peers chosen with `--peers`.
    enum Choice: String, CaseIterable {
        case python, fastmcp
    }
}
