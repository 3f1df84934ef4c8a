import Testing
import FuzzTargets

/// Replays the committed seed corpus and every regression input through the fuzz targets in a
/// plain build, so `swift test` checks the same invariants the fuzzer does, on every run.
@Suite("Fuzz corpus replay")
struct FuzzCorpusReplayTests {
    /// `Tests/FuzzCorpus`, found from this file's location.
    static let corpusRoot: String = {
        let here = "\(#filePath)".split(separator: "/", omittingEmptySubsequences: false)
        return (here.dropLast(2) + ["FuzzCorpus"]).joined(separator: "/")
    }()

    static let targets: [(name: String, run: @Sendable (UnsafeBufferPointer<UInt8>) -> Void)] = [
        ("FuzzJSON", JSONFuzzTarget.run),
        ("FuzzHTTPRequest", HTTPRequestFuzzTarget.run),
        ("FuzzJSONRPC", JSONRPCFuzzTarget.run),
        ("FuzzSSE", SSEFuzzTarget.run),
        ("FuzzManifest", ManifestFuzzTarget.run),
    ]

    @Test("every corpus file holds the target's invariants", arguments: targets.map(\.name))
    func replaysCorpus(_ name: String) throws {
        let run = try #require(Self.targets.first { $0.name == name }?.run)
        let files = try FuzzCorpus.files(at: "\(Self.corpusRoot)/\(name)")
        #expect(files.count >= 10, "a seed corpus of \(files.count) files for \(name)")
        for file in files {
            let bytes = try FuzzCorpus.contents(of: file)
            bytes.withUnsafeBufferPointer { run($0) }
        }
    }
}
