/// Access to the process environment.
///
/// Why: isolated so that everything else in CLIKit takes the environment as a plain dictionary
/// and can be tested without mutating global process state.
import Foundation

enum ProcessEnvironment {
    static func current() -> [String: String] {
        ProcessInfo.processInfo.environment
    }
}
