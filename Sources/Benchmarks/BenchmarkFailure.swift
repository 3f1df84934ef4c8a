/// A benchmark precondition that did not hold (for example an output that does not round-trip);
/// the run stops rather than print a number for work that was not done.
struct BenchmarkFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
