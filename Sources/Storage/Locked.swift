// Locked: a Mutex in a final class. `Mutex` is ~Copyable, so it cannot sit in an Array or be
// shared directly; the class gives each confined connection one shared, Sendable home.

import Synchronization

/// A reference-type wrapper of `Mutex`.
final class Locked<Value>: Sendable {
    let mutex: Mutex<Value>

    init(_ value: consuming sending Value) {
        mutex = Mutex(value)
    }
}
