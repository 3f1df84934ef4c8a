@testable import Supervision
import Testing

@Suite("ByteRing and stderr summaries")
struct ByteRingTests {
    @Test("keeps everything until full, then the last capacity bytes in order")
    func wraps() {
        var ring = ByteRing(capacity: 8)
        ring.append(Array("abc".utf8))
        #expect(ring.contents == Array("abc".utf8))
        ring.append(Array("defgh".utf8))
        #expect(ring.contents == Array("abcdefgh".utf8))
        ring.append(Array("ij".utf8))
        #expect(ring.contents == Array("cdefghij".utf8))
        ring.append(Array("klmnopq".utf8))
        #expect(ring.contents == Array("jklmnopq".utf8))
        ring.append(Array("0123456789".utf8))  // larger than the ring
        #expect(ring.contents == Array("23456789".utf8))
        #expect(ring.totalBytes == 3 + 5 + 2 + 7 + 10)
    }

    @Test("many small appends equal one big one")
    func smallAppends() {
        var ring = ByteRing(capacity: 100)
        var all: [UInt8] = []
        for i in 0..<1000 {
            let chunk = [UInt8](repeating: UInt8(i % 251), count: i % 7)
            ring.append(chunk)
            all.append(contentsOf: chunk)
        }
        #expect(ring.contents == Array(all.suffix(100)))
    }

    @Test("summaries keep the last lines, on one line, without control characters")
    func summary() {
        let text = "one\n\ntwo\r\nthree\u{1B}[31m red\nfour\n"
        #expect(ChildProcess.summarize(Array(text.utf8), maxLines: 3, maxCharacters: 300) == "two | three [31m red | four")
        #expect(ChildProcess.summarize(Array("abcdefghij".utf8), maxLines: 3, maxCharacters: 5) == "…ghij")
        #expect(ChildProcess.summarize([], maxLines: 3, maxCharacters: 5) == "")
    }
}
