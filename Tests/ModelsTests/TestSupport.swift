import Foundation
import HTTPClient
import JSON
import Models
import Synchronization
import Testing

/// A key that must never show up in anything the clients report.
let testKey = "sk-test-Zq8vW3kP9xLm2NcT7rYb"

/// Retries without real waiting.
let fastRetry = ModelRetryPolicy(maxRetries: 2, baseDelay: .milliseconds(1), maxDelay: .milliseconds(20))

/// A small request that any fixture answers.
let helloRequest = ModelRequest(model: "test-model", messages: [.user("Say hello")])

/// Reads `stream` to its end.
func collect(_ stream: AsyncThrowingStream<ModelEvent, any Error>) async throws -> [ModelEvent] {
    var events: [ModelEvent] = []
    for try await event in stream { events.append(event) }
    return events
}

/// Reads `stream` expecting it to fail with a `ModelError`; returns it (nil, with an issue
/// recorded, when it ends normally or fails otherwise).
func modelError(
    _ stream: AsyncThrowingStream<ModelEvent, any Error>, sourceLocation: SourceLocation = #_sourceLocation
) async -> ModelError? {
    do {
        let events = try await collect(stream)
        Issue.record("expected a ModelError, the stream ended after \(events)", sourceLocation: sourceLocation)
    } catch let error as ModelError {
        return error
    } catch {
        Issue.record("expected a ModelError, got \(error)", sourceLocation: sourceLocation)
    }
    return nil
}

/// The concatenated text deltas.
func text(_ events: [ModelEvent]) -> String {
    events.reduce(into: "") { text, event in
        if case .textDelta(let piece) = event { text += piece }
    }
}

/// The tool calls, in order.
func toolCalls(_ events: [ModelEvent]) -> [ModelToolCall] {
    events.compactMap { event in
        if case .toolCall(let call) = event { return call }
        return nil
    }
}

/// Fails the test instead of hanging it when `body` does not finish within `seconds` (a hang
/// guard, never a timing assertion).
func hangGuard<T: Sendable>(_ seconds: Int = 60, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: .seconds(seconds))
            return nil
        }
        defer { group.cancelAll() }
        guard let first = try await group.next(), let value = first else { throw HangGuardExpired() }
        return value
    }
}

struct HangGuardExpired: Error {}

/// Polls `condition` until it holds (hang guard: `seconds`); for side effects in other tasks.
func eventually(_ seconds: Int = 60, _ condition: @Sendable () -> Bool) async throws {
    let deadline = ContinuousClock.now + .seconds(seconds)
    while !condition() {
        guard ContinuousClock.now < deadline else { throw HangGuardExpired() }
        try await Task.sleep(for: .milliseconds(10))
    }
}

/// A thread-safe box for observations made inside handlers.
final class Probe<Value: Sendable>: Sendable {
    private let value: Mutex<Value>
    init(_ initial: Value) { value = Mutex(initial) }
    var current: Value { value.withLock { $0 } }
    func set(_ v: Value) { value.withLock { $0 = v } }
}

