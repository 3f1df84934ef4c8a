import Hashing

/// `agentbridge-bench sha256`: throughput of our `Hashing.SHA256` over a 64 MiB buffer.
///
/// SHA-256 digests request state and tokens on the hot path, and a hand-written one can be
/// surprisingly slow; this checks it against a known answer first, then times whole 64 MiB digests.
enum SHA256Command {
    static let byteCount = 64 << 20

    static func run(seconds: Double) throws {
        // FIPS 180-4 example "abc".
        let abc = Hex.encode(SHA256.hash("abc"))
        guard abc == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" else {
            throw BenchmarkFailure("SHA256(\"abc\") = \(abc)")
        }
        var buffer = [UInt8](repeating: 0, count: byteCount)
        var x: UInt32 = 0x9E37_79B9
        for i in buffer.indices {
            x ^= x << 13; x ^= x >> 17; x ^= x << 5
            buffer[i] = UInt8(truncatingIfNeeded: x)
        }
        var loop = TimedLoop(seconds: seconds)
        loop.warmupSeconds = 0
        loop.batchTarget = 0
        let timing = buffer.withUnsafeBytes { raw in
            loop.measure {
                var hasher = SHA256()
                hasher.update(raw)
                BlackHole.keep(hasher.finalize())
            }
        }
        print("## SHA-256 (AgentBridge `Hashing.SHA256`, 64 MiB per digest, \(timing.operations) digests)\n")
        var table = MarkdownTable([("input", false), ("ms/digest", true), ("MB/s", true), ("MiB/s", true)])
        table.add([
            "64 MiB",
            NumberFormat.significant(timing.nanosecondsPerOp / 1e6),
            NumberFormat.fixed(timing.megabytesPerSecond(bytes: byteCount), 0),
            NumberFormat.fixed(timing.megabytesPerSecond(bytes: byteCount) * 1e6 / 1_048_576, 0),
        ])
        print(table.render())
        print("\n(\(BlackHole.consumed) results consumed)")
    }
}
