internal import CShim
import Foundation

/// Host-name lookups with getaddrinfo, each on its own short-lived OS thread.
///
/// Why a thread per lookup: getaddrinfo blocks (DNS timeouts run to seconds) and has no
/// non-blocking form in glibc, so it must run neither on the client's event loop (it would stall
/// every connection) nor on Swift's cooperative pool (two threads here). Lookups happen only
/// when a new connection to a named host is opened, and pooled connections make that rare, so a
/// thread per lookup is cheaper than keeping a resolver pool alive. IP literals never get here.
enum Resolver {
    static func resolve(_ host: String, completion: @escaping @Sendable (Result<[String], HTTPClientError>) -> Void) {
        let thread = Thread {
            var buffer = [CChar](repeating: 0, count: 2048)
            let rc = cshim_resolve_tcp(host, &buffer, buffer.count)
            if rc > 0 {
                let text = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
                completion(.success(text.split(separator: "\n").map(String.init)))
            } else {
                let reason = String(cString: cshim_resolve_error(rc))
                completion(.failure(.nameResolutionFailed(host: host, reason: reason)))
            }
        }
        thread.name = "http-client-resolve"
        thread.stackSize = 256 * 1024
        thread.start()
    }

    /// True for an IPv4 dotted quad or an IPv6 literal (which `ClientURL` leaves unbracketed).
    static func isNumeric(_ host: String) -> Bool {
        if host.contains(":") { return true }
        let parts = host.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return false }
        return parts.allSatisfy { p in
            !p.isEmpty && p.count <= 3 && p.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 } && Int(p)! <= 255
        }
    }
}
