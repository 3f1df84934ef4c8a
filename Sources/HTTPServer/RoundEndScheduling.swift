/// An executor that works in rounds — an event loop runs the jobs its socket events produced,
/// then waits for events again — and can run work when the current round's jobs are done.
///
/// Why: a handler that batches its output (the gateway's relay writes every call of a round to
/// its upstream in one `write(2)`, waking the upstream once per round instead of once per call)
/// needs "after the other handlers of this round". A Task queued behind them gives that, but it
/// costs an allocation, a job, and one more `epoll_wait` per round; with one call per round
/// (a client waiting for each answer) that is paid for every call.
public protocol RoundEndScheduling: TaskExecutor {
    /// Runs `body` on the executor's thread once the jobs queued there before it have run, before
    /// the thread waits for events again. From another thread the body is queued like a job.
    /// If the executor has stopped, the body runs on Swift's shared pool instead.
    func atRoundEnd(_ body: @escaping @Sendable () -> Void)
}
