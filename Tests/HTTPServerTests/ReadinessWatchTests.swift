#if canImport(Glibc)
import Glibc
#endif
import Foundation
import HTTPTestSupport
import Synchronization
import Testing
@testable import HTTPServer

/// `HTTPServer` as a `ReadinessSource`: a watched descriptor's owner is called on a loop thread
/// while there are bytes, never after cancelling, and told `.detached` when the server stops.
@Suite("Descriptors watched by the event loops", .timeLimit(.minutes(1)))
struct ReadinessWatchTests {
    /// What the handler saw: the bytes it read, on which thread, and the events.
    final class Owner: Sendable {
        let fd: Int32
        let read = Mutex<[UInt8]>([])
        let events = Mutex<[String]>([])
        let offLoop = Atomic<Int>(0)
        let changed = Gate()

        init(fd: Int32) { self.fd = fd }

        func handle(_ event: ReadinessEvent) {
            if !onEventLoopThread { offLoop.add(1, ordering: .relaxed) }
            switch event {
            case .readable:
                var buffer = [UInt8](repeating: 0, count: 4096)
                let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress!, $0.count) }
                if n > 0 { read.withLock { $0 += buffer[0..<n] } }
                events.withLock { $0.append(n > 0 ? "readable" : "readable, nothing") }
            case .detached:
                events.withLock { $0.append("detached") }
            }
            changed.open()
        }

        var text: String { String(decoding: read.withLock { $0 }, as: UTF8.self) }

        /// Waits (a hang guard, not a timing assertion) until `done` holds.
        func wait(until done: () -> Bool) async {
            let deadline = ContinuousClock.now + .seconds(30)
            while !done() && ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(5)) }
        }
    }

    static func pipePair() throws -> (read: Int32, write: Int32) {
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { throw HTTPError.systemCall("pipe", errno: errno) }
        for fd in fds {
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        }
        return (fds[0], fds[1])
    }

    static func send(_ fd: Int32, _ text: String) {
        _ = Array(text.utf8).withUnsafeBytes { Glibc.write(fd, $0.baseAddress!, $0.count) }
    }

    @Test
    func theOwnerReadsOnALoopThreadUntilItCancels() async throws {
        let pipe = try Self.pipePair()
        defer { close(pipe.write) }
        let owner = Owner(fd: pipe.read)
        try await withServer(handler: echoHandler) { server, _ in
            let watch = try #require(server.watchReadable(pipe.read) { owner.handle($0) })
            Self.send(pipe.write, "first")
            await owner.wait { owner.text == "first" }
            Self.send(pipe.write, " second")
            await owner.wait { owner.text == "first second" }
            #expect(owner.text == "first second")
            #expect(owner.offLoop.load(ordering: .relaxed) == 0)

            // Work scheduled through the watch runs on the loop too.
            let scheduledOnLoop = Mutex<Bool?>(nil)
            watch.schedule { scheduledOnLoop.withLock { $0 = onEventLoopThread } }
            await owner.wait { scheduledOnLoop.withLock { $0 } != nil }
            #expect(scheduledOnLoop.withLock { $0 } == true)

            // Cancelled from another thread: takes effect before the loop's next round, so the
            // bytes written after it stay unread.
            watch.cancel()
            let marker = Gate()
            watch.schedule { marker.open() }
            await marker.wait()
            let seen = owner.events.withLock { $0.count }
            Self.send(pipe.write, " third")
            try await Task.sleep(for: .milliseconds(50))
            let anyLoopRound = Gate()
            watch.schedule { anyLoopRound.open() }
            await anyLoopRound.wait()
            #expect(owner.events.withLock { $0.count } == seen)
            #expect(owner.text == "first second")
        }
        close(pipe.read)
    }

    @Test
    func stoppingTheServerDetachesTheWatchOnce() async throws {
        let pipe = try Self.pipePair()
        defer {
            close(pipe.read)
            close(pipe.write)
        }
        let owner = Owner(fd: pipe.read)
        let server = HTTPServer(configuration: testConfiguration(), handler: echoHandler)
        #expect(server.watchReadable(pipe.read) { owner.handle($0) } == nil)  // not running yet
        try server.start()
        _ = try #require(server.watchReadable(pipe.read) { owner.handle($0) })
        Self.send(pipe.write, "x")
        await owner.wait { owner.text == "x" }
        await server.shutdown(gracePeriod: .milliseconds(100))
        #expect(owner.events.withLock { $0 } == ["readable", "detached"])
        #expect(server.watchReadable(pipe.read) { owner.handle($0) } == nil)
    }

    @Test
    func aDescriptorEpollCannotWatchIsDetachedAtOnce() async throws {
        // A regular file: epoll refuses it (EPERM), and the owner must read by other means.
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("watch-\(UUID().uuidString)").path
        let fd = open(path, O_CREAT | O_RDWR | O_CLOEXEC, 0o600)
        #expect(fd >= 0)
        defer {
            close(fd)
            unlink(path)
        }
        let owner = Owner(fd: fd)
        try await withServer(handler: echoHandler) { server, _ in
            _ = try #require(server.watchReadable(fd) { owner.handle($0) })
            await owner.wait { !owner.events.withLock { $0 }.isEmpty }
            #expect(owner.events.withLock { $0 } == ["detached"])
        }
    }
}
