/// One pool key: connections are reused only for the same scheme, host and port.
struct Origin: Hashable, Sendable {
    let scheme: ClientURL.Scheme
    let host: String
    let port: Int
}
