import MCP
import Testing

/// Feature gates compare versions; the order must be the order of the revisions' dates, which
/// is also the order of the raw values.
@Suite struct ProtocolVersionTests {
    @Test func versionsAreOrderedByTheirDates() {
        let byDate = ProtocolVersion.allCases.sorted { $0.rawValue < $1.rawValue }
        #expect(ProtocolVersion.allCases.sorted() == byDate)
        for (a, b) in zip(byDate, byDate.dropFirst()) {
            #expect(a < b && !(b < a) && a != b, "\(a) \(b)")
        }
        #expect(ProtocolVersion.modernVersions == [.v2026_07_28])
        #expect(ProtocolVersion.legacyVersions.last == .latestLegacy)
    }
}
