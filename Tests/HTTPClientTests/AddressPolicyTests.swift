import HTTPClient
import HTTPServer
import Testing

/// The guard against server-side request forgery: with `.publicOnly` the client refuses private,
/// loopback, link-local (cloud metadata), CGNAT, multicast and unspecified addresses — as
/// literals, as names that resolve to them, and over https (checked before URLSession connects).
@Suite("Address policy")
struct AddressPolicyTests {
    @Test(arguments: [
        "127.0.0.1", "127.255.0.9", "10.1.2.3", "172.16.0.1", "172.31.255.255", "192.168.1.1", "169.254.169.254", "100.64.0.1",
        "0.0.0.0", "224.0.0.1", "255.255.255.255", "198.18.0.1", "::1", "::", "fc00::1", "fd12:3456::1", "fe80::1%eth0",
        "::ffff:127.0.0.1", "::ffff:10.0.0.1", "ff02::1", "not-an-address", "1.2.3", "::ffff:999.0.0.1",
    ])
    func nonPublicAddressesAreRefused(address: String) {
        #expect(!AddressPolicy.publicOnly.allows(address))
        #expect(AddressPolicy.any.allows(address))
    }

    @Test(arguments: ["8.8.8.8", "1.1.1.1", "172.32.0.1", "192.169.0.1", "100.128.0.1", "2606:4700:4700::1111", "2001:db8::1", "::ffff:8.8.4.4"])
    func publicAddressesAreAllowed(address: String) {
        #expect(AddressPolicy.publicOnly.allows(address))
    }

    @Test func aPublicOnlyClientRefusesLoopbackLiteralsAndNames() async throws {
        try await withHTTPServer(handler: { _ in .text(200, "secret internal service\n") }) { _, base in
            try await withClient({ $0.addressPolicy = .publicOnly }) { client in
                for url in [base + "/", base.replacingOccurrences(of: "127.0.0.1", with: "localhost") + "/"] {
                    await #expect(throws: HTTPClientError.addressNotAllowed(host: url.contains("localhost") ? "localhost" : "127.0.0.1")) {
                        _ = try await client.send(HTTPClientRequest(url: url))
                    }
                }
                await #expect(throws: HTTPClientError.addressNotAllowed(host: "127.0.0.1")) {
                    _ = try await client.send(HTTPClientRequest(url: base.replacingOccurrences(of: "http://", with: "https://") + "/"))
                }
            }
            // The same server is reachable with the default policy.
            try await withClient { client in
                let reply = try await client.send(HTTPClientRequest(url: base + "/"))
                #expect(reply.status == 200)
            }
        }
    }
}
