/// Keeps benchmark results alive so the optimizer cannot delete the work that produced them.
///
/// Every timed operation hands its result (a parsed tree, a byte buffer, a digest) to `keep`,
/// which stores it in a global the compiler cannot see through. The previous result is released
/// there, so freeing a tree is part of every row's cost, as it is in a real server.
enum BlackHole {
    nonisolated(unsafe) private static var retained: Any?
    nonisolated(unsafe) private static var checksum = 0

    @inline(never)
    static func keep<T>(_ value: T) {
        retained = value
    }

    @inline(never)
    static func add(_ value: Int) {
        checksum &+= value
    }

    /// Something derived from everything kept, printed once so the stores are observable.
    static var token: Int { checksum &+ (retained == nil ? 0 : 1) }
}
