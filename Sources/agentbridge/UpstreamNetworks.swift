import CLIKit
import HTTPClient

/// Which networks HTTP upstream servers may be reached on: `any` (the default, for upstreams on
/// this machine or the local network) or `public` (private, loopback and link-local addresses
/// refused — for deployments where people who may configure upstream URLs must not reach
/// internal services through them). `serve --upstream-networks` or
/// `AGENTBRIDGE_UPSTREAM_NETWORKS` (every command that reaches upstreams).
enum UpstreamNetworks {
    static let variable = "AGENTBRIDGE_UPSTREAM_NETWORKS"

    static let option = Option(
        "upstream-networks", valueName: "any|public",
        help: "Networks HTTP upstream servers may be on: any, or public (refuses private, loopback and link-local addresses).",
        defaultValue: "any", environment: variable)

    /// The policy `args` (or, for commands without the option, the environment) ask for.
    static func policy(_ args: ParsedArguments, environment: [String: String]) throws -> AddressPolicy {
        switch args.value("upstream-networks") ?? environment[variable] ?? "any" {
        case "any": return .any
        case "public": return .publicOnly
        case let other: throw args.usageError("invalid upstream networks '\(other)'; expected any or public")
        }
    }
}
