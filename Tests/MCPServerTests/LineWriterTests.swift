#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import StdioTransport
import Testing

/// `LineWriter` writes whole frames, never loses one, and `flush` waits for every frame accepted
/// — also for frames left to a scheduled drain (`writeLineSoon`, what the stdio server uses for
/// answers while other requests run). `flush` and `writeLine` take a drain that is only scheduled
/// over, so nothing depends on the scheduled task getting a thread. (A test must not block the
/// cooperative pool itself: with two cores it has two threads, shared by every test running.)
@Suite(.timeLimit(.minutes(1))) struct LineWriterTests {
    /// Everything written to a pipe's write end until it is closed.
    final class Pipe: @unchecked Sendable {
        let readFD: Int32, writeFD: Int32
        init() {
            var fds: [Int32] = [0, 0]
            precondition(pipe(&fds) == 0)
            (readFD, writeFD) = (fds[0], fds[1])
        }
        func closeWriteEnd() { close(writeFD) }
        /// Reads until end of file.
        func drain() -> [UInt8] {
            var out: [UInt8] = []
            var chunk = [UInt8](repeating: 0, count: 65536)
            while true {
                let n = chunk.withUnsafeMutableBytes { read(readFD, $0.baseAddress, $0.count) }
                if n <= 0 { break }
                out += chunk[0..<n]
            }
            close(readFD)
            return out
        }
    }

    @Test func aFrameLeftToAScheduledDrainIsWrittenAndFlushWaitsForIt() async {
        let pipe = Pipe()
        let writer = LineWriter(fd: pipe.writeFD)
        writer.writeLineSoon(Array("one".utf8))
        writer.flush()
        writer.writeLine(Array("two".utf8))
        writer.writeLineSoon(Array("three".utf8))
        writer.flush()
        pipe.closeWriteEnd()
        #expect(String(decoding: pipe.drain(), as: UTF8.self) == "one\ntwo\nthree\n")
    }

    /// Bytes readable from the pipe right now (none when nothing was written yet).
    static func available(_ pipe: Pipe) -> String {
        var flags = fcntl(pipe.readFD, F_GETFL)
        flags |= O_NONBLOCK
        _ = fcntl(pipe.readFD, F_SETFL, flags)
        var buffer = [UInt8](repeating: 0, count: 256)
        let n = buffer.withUnsafeMutableBytes { read(pipe.readFD, $0.baseAddress, $0.count) }
        return n > 0 ? String(decoding: buffer[0..<n], as: UTF8.self) : ""
    }

    /// Why: the stdio server holds the answers to one read's requests until the read is handed
    /// over, so they leave in one write. Held frames must still leave: after `release` (through
    /// the drain it schedules), at once with a `writeLine`, and on `flush` — and nothing waits
    /// for the release to happen on any other thread.
    @Test func heldFramesLeaveOnReleaseOnWriteLineAndOnFlush() async {
        let pipe = Pipe()
        let writer = LineWriter(fd: pipe.writeFD)
        writer.hold()
        writer.writeLineSoon(Array("a".utf8))
        writer.writeLineSoon(Array("b".utf8))
        // Held: no drain was scheduled, so nothing can have been written, however long we wait.
        try? await Task.sleep(for: .milliseconds(20))
        #expect(Self.available(pipe) == "")
        writer.release()
        writer.flush()
        #expect(Self.available(pipe) == "a\nb\n")
        writer.hold()
        writer.writeLineSoon(Array("c".utf8))
        writer.writeLine(Array("now".utf8))
        #expect(Self.available(pipe) == "c\nnow\n")
        writer.writeLineSoon(Array("d".utf8))
        writer.flush()  // still holding: flush writes the held frame itself
        #expect(Self.available(pipe) == "d\n")
        writer.release()
        pipe.closeWriteEnd()
        close(pipe.readFD)
    }

    /// `writeLine` writes at once even when a deferred drain is only scheduled: its frame and
    /// the deferred ones before it are on the pipe when it returns (no flush needed).
    @Test func writeLineTakesOverAScheduledDrain() async {
        let pipe = Pipe()
        let writer = LineWriter(fd: pipe.writeFD)
        writer.writeLineSoon(Array("deferred".utf8))
        writer.writeLine(Array("now".utf8))
        var buffer = [UInt8](repeating: 0, count: 64)
        var flags = fcntl(pipe.readFD, F_GETFL)
        flags |= O_NONBLOCK
        _ = fcntl(pipe.readFD, F_SETFL, flags)
        let n = buffer.withUnsafeMutableBytes { read(pipe.readFD, $0.baseAddress, $0.count) }
        #expect(n > 0 && String(decoding: buffer[0..<max(0, n)], as: UTF8.self) == "deferred\nnow\n")
        writer.flush()
        pipe.closeWriteEnd()
        close(pipe.readFD)
    }

    @Test func framesFromManyTasksArriveWholeAndInEachTasksOrder() async {
        let pipe = Pipe()
        // The reader blocks in read(2): on a thread of its own, never one of the pool's.
        let reader = Task {
            await withCheckedContinuation { done in
                DispatchQueue(label: "LineWriterTests.reader").async { done.resume(returning: pipe.drain()) }
            }
        }
        let writer = LineWriter(fd: pipe.writeFD)
        let tasks = 16, frames = 500
        // Mostly small frames (deferred), every 50th one over the 4 KB a deferred frame may have.
        let padding: @Sendable (Int, Int) -> Int = { t, f in f % 50 == 7 ? 6000 + t : (t * 37 + f) % 300 }
        await withTaskGroup(of: Void.self) { group in
            for t in 0..<tasks {
                group.addTask {
                    for f in 0..<frames {
                        let frame = Array("task \(t) frame \(f) ".utf8) + [UInt8](repeating: UInt8(ascii: "x"), count: padding(t, f))
                        if f % 3 == 0 { writer.writeLine(frame) } else { writer.writeLineSoon(frame) }
                    }
                }
            }
        }
        writer.flush()
        pipe.closeWriteEnd()
        let lines = String(decoding: await reader.value, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.count == tasks * frames + 1 && lines.last == "", "every frame ends in exactly one newline")
        var next = [Int](repeating: 0, count: tasks)
        for line in lines.dropLast() {
            let words = line.split(separator: " ")
            guard words.count >= 4, let t = Int(words[1]), let f = Int(words[3]), t < tasks else {
                Issue.record("a torn frame: \(line.prefix(60))")
                return
            }
            #expect(f == next[t], "task \(t): frame \(f) after \(next[t] - 1)")
            #expect(words.count == 5 ? words[4].count == padding(t, f) : padding(t, f) == 0)
            next[t] = f + 1
        }
        #expect(next == [Int](repeating: frames, count: tasks))
    }
}
