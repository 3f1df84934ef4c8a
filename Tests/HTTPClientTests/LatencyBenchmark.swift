import Foundation
import HTTPServer
import Testing
import HTTPClient

/// A rough in-process measurement, not a test: sequential request latency to our HTTPServer on
/// loopback through each transport. Runs only with `HTTPCLIENT_BENCH=1` (numbers from a debug
/// build on a loaded 2-core machine are indicative only; nothing is asserted about them).
@Suite("Latency benchmark (HTTPCLIENT_BENCH=1)")
struct LatencyBenchmark {
    static let enabled = ProcessInfo.processInfo.environment["HTTPCLIENT_BENCH"] == "1"

    @Test(.enabled(if: enabled)) func sequentialLatencyToOurServer() async throws {
        let body = Array(#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo","arguments":{"text":"hi"}}}"#.utf8)
        try await withHTTPServer(handler: { r in .json(200, r.body) }) { _, base in
            for preference in [HTTPClient.TransportPreference.automatic, .urlSession] {
                try await withClient({ $0.transportPreference = preference }) { client in
                    let request = HTTPClientRequest(
                        method: "POST", url: "\(base)/mcp", headers: [("Content-Type", "application/json")], body: body)
                    for _ in 0..<200 { _ = try await client.send(request) }  // warm-up
                    let n = 2000
                    var samples: [Double] = []
                    samples.reserveCapacity(n)
                    let clock = ContinuousClock()
                    for _ in 0..<n {
                        let start = clock.now
                        _ = try await client.send(request)
                        let d = clock.now - start
                        samples.append(Double(d.components.seconds) * 1e6 + Double(d.components.attoseconds) / 1e12)
                    }
                    samples.sort()
                    let mean = samples.reduce(0, +) / Double(n)
                    print(
                        "HTTPClient \(preference == .automatic ? "sockets   " : "URLSession") POST 112 B echo, \(n) sequential: "
                            + "mean \(Int(mean)) µs, p50 \(Int(samples[n / 2])) µs, p90 \(Int(samples[n * 9 / 10])) µs, "
                            + "p99 \(Int(samples[n * 99 / 100])) µs")
                }
            }
        }
    }
}
