/// Keeps benchmark results alive so the optimizer cannot delete the work that produced them.
///
/// Every timed operation hands its result (a parsed tree, a byte buffer, a digest) to `keep`,
/// which stores it in a global the compiler cannot see through and counts it. The previous result
/// is released there, so freeing a tree is part of every row's cost, as it is in a real server.
enum BlackHole {
    nonisolated(unsafe) private static var retained: Any?
    nonisolated(unsafe) private static var count = 0

    @inline(never)
    static func keep<T>(_ value: T) {
        retained = value
        count &+= 1
    }

    /// How many results were kept (warm-up included); printed so the stores are observable.
    static var consumed: Int { retained == nil ? 0 : count }
}
