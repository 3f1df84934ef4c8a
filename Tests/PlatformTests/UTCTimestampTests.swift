// UTCTimestampTests: the calendar arithmetic behind human-readable times in messages — the epoch,
// leap days, century years that are not leap years, times before 1970 and the year 9999.

@testable import Platform
import Testing

@Suite("UTCTimestamp")
struct UTCTimestampTests {
    @Test("Unix milliseconds render as ISO 8601 UTC with milliseconds", arguments: [
        (Int64(0), "1970-01-01T00:00:00.000Z"),
        (951_782_400_000, "2000-02-29T00:00:00.000Z"),
        (-1, "1969-12-31T23:59:59.999Z"),
        (1_700_000_000_000, "2023-11-14T22:13:20.000Z"),
        (4_107_542_400_000, "2100-03-01T00:00:00.000Z"),
        (253_402_300_799_999, "9999-12-31T23:59:59.999Z"),
    ])
    func rendering(milliseconds: Int64, expected: String) {
        #expect(UTCTimestamp.iso8601(milliseconds) == expected)
    }
}
