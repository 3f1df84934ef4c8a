import Foundation

/// Whether the caller runs on an HTTP event loop's thread (the loops name their threads
/// `http-loop-N` in the kernel), for tests of work that must happen there.
public var onEventLoopThread: Bool {
    (try? String(contentsOfFile: "/proc/thread-self/comm", encoding: .utf8))?.hasPrefix("http-loop-") == true
}
