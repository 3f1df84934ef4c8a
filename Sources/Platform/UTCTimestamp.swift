// UTCTimestamp: Unix milliseconds rendered as ISO 8601 UTC (`2023-11-14T22:13:20.000Z`) for
// messages people read ("approval … expired at …"). The platform keeps integers everywhere and
// does not use Foundation, so the calendar arithmetic (days → civil date, valid for the whole
// proleptic Gregorian calendar) is done here.

/// Formatting of Unix-millisecond timestamps.
enum UTCTimestamp {
    /// `milliseconds` since 1970-01-01T00:00:00Z as `YYYY-MM-DDThh:mm:ss.sssZ`.
    static func iso8601(_ milliseconds: Int64) -> String {
        let millisPerDay: Int64 = 86_400_000
        var days = milliseconds / millisPerDay
        var rest = milliseconds % millisPerDay
        if rest < 0 {
            rest += millisPerDay
            days -= 1
        }
        let (year, month, day) = civil(daysSinceEpoch: days)
        let seconds = rest / 1000
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))T\(pad(seconds / 3600, 2)):\(pad(seconds / 60 % 60, 2)):"
            + "\(pad(seconds % 60, 2)).\(pad(rest % 1000, 3))Z"
    }

    /// The Gregorian date `days` after 1970-01-01 (eras of 400 years, March-based years).
    static func civil(daysSinceEpoch days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let shifted = days + 719_468
        let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        return (year, month, day)
    }

    private static func pad(_ value: Int64, _ width: Int) -> String {
        let digits = String(value.magnitude)
        let padded = String(repeating: "0", count: max(0, width - digits.count)) + digits
        return value < 0 ? "-" + padded : padded
    }
}
