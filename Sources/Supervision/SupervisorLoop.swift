import Foundation

/// The state machine behind `Supervisor`, run by one task that alone touches its state.
///
/// Every wait (a child's exit, a start hook, a backoff or cooldown timer) is a small task that
/// posts a message tagged with the epoch it belongs to; each new child, timer or stop bumps the
/// epoch, so late messages from an earlier one are ignored. Not Sendable: it lives inside the
/// loop task and nothing else can reach it.
final class SupervisorLoop {
    enum Message: Sendable {
        case start
        case stop(CheckedContinuation<Void, Never>)
        case reset
        case report(degraded: String?)
        case startFinished(epoch: UInt64, failure: String?)
        case exited(epoch: UInt64, status: ExitStatus)
        case timerFired(epoch: UInt64)
    }

    struct Settings: Sendable {
        var spec: LaunchSpec
        var prepare: (@Sendable () throws -> LaunchSpec)?
        var policy: RestartPolicy
        var stopGrace: Duration
        var hooks: Supervisor.Hooks
        var broadcast: HealthBroadcast
        var mailbox: AsyncStream<Message>.Continuation
    }

    private enum Phase {
        case idle
        case starting(ChildProcess, hook: Task<Void, Never>, startedAt: ContinuousClock.Instant)
        case up(ChildProcess, startedAt: ContinuousClock.Instant, since: Date)
        case failingStart(ChildProcess, reason: String, startedAt: ContinuousClock.Instant)
        case backoff(timer: Task<Void, Never>)
        case down(timer: Task<Void, Never>?)
    }

    private let settings: Settings
    /// The spec of the current (or last) child: `settings.spec`, or what `prepare` last built.
    private var spec: LaunchSpec
    private let setCurrent: (ChildProcess?) -> Void
    private var phase = Phase.idle
    private var epoch: UInt64 = 0
    private var tracker: RestartTracker

    init(settings: Settings, setCurrent: @escaping (ChildProcess?) -> Void) {
        self.settings = settings
        self.spec = settings.spec
        self.setCurrent = setCurrent
        tracker = RestartTracker(policy: settings.policy)
    }

    func run(_ messages: AsyncStream<Message>) async {
        for await message in messages {
            await handle(message)
        }
        // The Supervisor is gone: nothing may outlive it.
        await stopChild()
        settings.broadcast.finish()
    }

    private func handle(_ message: Message) async {
        switch message {
        case .start:
            guard case .idle = phase else { return }
            tracker.reset()
            await launch()
        case .stop(let done):
            await stopChild()
            done.resume()
        case .reset:
            tracker.reset()
            switch phase {
            case .backoff(let timer), .down(.some(let timer)):
                timer.cancel()
                await launch()
            case .down(.none):
                await launch()
            default:
                break
            }
        case .report(let degraded):
            guard case .up(_, _, let since) = phase else { return }
            publish(degraded.map { .degraded(reason: $0, since: troubleSince()) } ?? .up(since: since))
        case .startFinished(let e, let failure):
            guard e == epoch, case .starting(let child, _, let startedAt) = phase else { return }
            if let failure {
                phase = .failingStart(child, reason: "start failed: \(failure)", startedAt: startedAt)
                let grace = settings.stopGrace
                Task { await child.terminate(grace: grace) }  // its exit arrives as .exited
            } else {
                // Uptime counts from here: a slow start is not time served.
                let since = Date()
                phase = .up(child, startedAt: .now, since: since)
                publish(.up(since: since))
            }
        case .exited(let e, let status):
            guard e == epoch else { return }
            await childExited(status)
        case .timerFired(let e):
            guard e == epoch else { return }
            switch phase {
            case .backoff:
                await launch()
            case .down:
                tracker.reset()  // the cooldown after a crash loop has passed
                await launch()
            default:
                break
            }
        }
    }

    private func launch() async {
        epoch += 1
        let myEpoch = epoch
        publish(.starting)
        let child: ChildProcess
        if let prepare = settings.prepare {
            do {
                spec = try prepare()
            } catch {
                setCurrent(nil)
                await failed(reason: "cannot prepare the launch: \(error)", child: nil, status: nil, uptime: nil)
                return
            }
        }
        do {
            child = try await ChildProcess.spawn(spec)
        } catch {
            setCurrent(nil)
            await failed(reason: error.description, child: nil, status: nil, uptime: nil)
            return
        }
        setCurrent(child)
        let mailbox = settings.mailbox
        Task {
            let status = await child.exitStatus
            mailbox.yield(.exited(epoch: myEpoch, status: status))
        }
        let onStart = settings.hooks.onStart
        let hook = Task {
            do {
                try await onStart(child)
                mailbox.yield(.startFinished(epoch: myEpoch, failure: nil))
            } catch {
                mailbox.yield(.startFinished(epoch: myEpoch, failure: "\(error)"))
            }
        }
        phase = .starting(child, hook: hook, startedAt: .now)
    }

    private func childExited(_ status: ExitStatus) async {
        let now = ContinuousClock.now
        let child: ChildProcess
        let reason: String
        let uptime: Duration?
        switch phase {
        case .starting(let c, let hook, _):
            hook.cancel()
            (child, reason, uptime) = (c, "exited during start (\(status))", nil)
        case .up(let c, let startedAt, _):
            (child, reason, uptime) = (c, "exited unexpectedly (\(status))", now - startedAt)
        case .failingStart(let c, let why, _):
            // Never ready: however long the start took, it is not a run that earns a fresh backoff.
            (child, reason, uptime) = (c, why, nil)
        default:
            return
        }
        setCurrent(nil)
        await failed(reason: reason, child: child, status: status, uptime: uptime)
    }

    /// One failure: decide between a delayed restart and giving up, tell `onExit`, publish.
    private func failed(reason: String, child: ChildProcess?, status: ExitStatus?, uptime: Duration?) async {
        let decision = tracker.recordFailure(at: .now, uptime: uptime, randomUnit: Double.random(in: 0..<1))
        let stderr = child?.stderrSummary(redacting: spec.redactions) ?? ""
        var attempt: Int?
        var delay: Duration?
        if case .restart(let a, let d) = decision { (attempt, delay) = (a, d) }
        if let child, let status {
            await settings.hooks.onExit(
                Supervisor.ExitReport(
                    pid: child.pid, status: status, uptime: uptime ?? .zero, reason: reason, stderrSummary: stderr,
                    restartAttempt: attempt, nextRestart: delay))
        }
        epoch += 1
        switch decision {
        case .restart(let attempt, let delay):
            phase = .backoff(timer: timer(after: delay))
            publish(.degraded(reason: "\(reason); restart \(attempt) in \(delay.shortText)", since: troubleSince()))
        case .crashLoop(let exits):
            let cooldown = settings.policy.downCooldown
            phase = .down(timer: cooldown.map { timer(after: $0) })
            var text = "crash loop: exited \(exits) times in \(settings.policy.crashLoopWindow.shortText) (last: \(reason))"
            if !stderr.isEmpty { text += "; last stderr: \(stderr)" }
            publish(.down(reason: text, since: Date()))
        }
    }

    /// Ends whatever runs or waits; the child (if any) goes through its shutdown sequence.
    private func stopChild() async {
        epoch += 1
        let phase = self.phase
        self.phase = .idle
        switch phase {
        case .starting(let child, let hook, _):
            hook.cancel()
            await child.terminate(grace: settings.stopGrace)
        case .up(let child, _, _), .failingStart(let child, _, _):
            await child.terminate(grace: settings.stopGrace)
        case .backoff(let timer), .down(.some(let timer)):
            timer.cancel()
        case .down(.none), .idle:
            break
        }
        setCurrent(nil)
        tracker.reset()
        publish(.down(reason: "stopped", since: Date()))
    }

    private func timer(after delay: Duration) -> Task<Void, Never> {
        let mailbox = settings.mailbox
        let myEpoch = epoch
        return Task {
            try? await Task.sleep(for: delay)
            if !Task.isCancelled { mailbox.yield(.timerFired(epoch: myEpoch)) }
        }
    }

    private func publish(_ health: Supervisor.Health) {
        if case .degraded = health {} else if case .starting = health {} else { degradedSince = nil }
        settings.broadcast.publish(health)
    }

    /// When the current run of trouble began: kept through restarts and repeated reports,
    /// forgotten once the child is up and well again, or down.
    private var degradedSince: Date?

    private func troubleSince() -> Date {
        if let degradedSince { return degradedSince }
        let now = Date()
        degradedSince = now
        return now
    }
}
