import Synchronization

/// The supervisor's current child, shared between the loop (which sets it) and callers of
/// `Supervisor.child` (a class because a `Mutex` cannot be captured by the loop task).
final class ChildSlot: Sendable {
    private let value = Mutex<ChildProcess?>(nil)

    var child: ChildProcess? {
        get { value.withLock { $0 } }
        set { value.withLock { $0 = newValue } }
    }
}
