import Synchronization

/// A property a fuzz target asserts beyond "did not crash".
///
/// Why not `precondition`: optimized builds (the fuzzing build is `-c release`) drop its message,
/// and a finding is only useful with the rule it broke. A failed check prints the rule and, when
/// replaying, the corpus file, then traps — which libFuzzer records as a crash with its input.
public enum Invariant {
    /// The corpus file being replayed, for the failure message (nil while fuzzing).
    static let replaying = Mutex<String?>(nil)

    public static func check(
        _ condition: Bool, _ rule: @autoclosure () -> String, file: StaticString = #fileID, line: UInt = #line
    ) {
        if condition { return }
        let input = replaying.withLock { $0 }.map { " (input: \($0))" } ?? ""
        fatalError("fuzz invariant violated: \(rule())\(input)", file: file, line: line)
    }
}
