#if canImport(Glibc)
import Glibc
#endif
import StdioTransport
import Synchronization
import Testing

/// `LineReader` tells each line whether its `read(2)` brought more bytes after it: the stdio
/// server runs only a read's last request on the reader's own thread, so a line followed by
/// more input — a complete line or the start of one — must say so.
@Suite(.timeLimit(.minutes(1))) struct LineReaderTests {
    @Test func aLineSaysWhetherItsReadBroughtMoreBytes() async throws {
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        let (readFD, writeFD) = (fds[0], fds[1])
        func send(_ text: String) { _ = Array(text.utf8).withUnsafeBytes { write(writeFD, $0.baseAddress, $0.count) } }
        let events = Mutex<[String]>([])
        // Written before the reader starts, so its first read returns all of it.
        send("a\nb\r\nc")
        let reading = Task {
            await LineReader(fd: readFD, maxLineBytes: 1024).run { event in
                switch event {
                case .line(let bytes, let more): events.withLock { $0.append(String(decoding: bytes, as: UTF8.self) + (more ? "+" : ".")) }
                case .batchEnd: events.withLock { $0.append("|") }
                case .oversized(let count): events.withLock { $0.append("oversized \(count)") }
                }
            }
        }
        while events.withLock({ $0.last }) != "|" { try await Task.sleep(for: .milliseconds(2)) }
        send("\nd\n")
        close(writeFD)
        await reading.value
        close(readFD)
        #expect(events.withLock { $0 } == ["a+", "b+", "|", "c+", "d.", "|"])
    }
}
