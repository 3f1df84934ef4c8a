import Foundation

/// Polls `condition` every 20 ms for up to `seconds` (a hang guard, not a timing assertion);
/// shared by the suites of this module that wait for an upstream to change state.
func eventually(_ seconds: Double = 60, _ condition: () async -> Bool) async -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if await condition() { return true }
        try? await Task.sleep(for: .milliseconds(20))
    }
    return await condition()
}
