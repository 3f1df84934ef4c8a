import Foundation

/// Reads the delay a provider asks for before a retry.
///
/// Why more than `Double(value)`: RFC 9110 allows `Retry-After` as delay-seconds or as an
/// HTTP-date, and OpenAI-compatible servers also send `retry-after-ms`. All three date formats
/// RFC 9110 §5.6.7 requires recipients to accept are read (IMF-fixdate, RFC 850, asctime); a
/// date in the past means "now".
enum RetryAfter {
    /// The delay in seconds from `retry-after-ms` or `retry-after`, nil when neither is usable.
    static func seconds(milliseconds: String?, value: String?, now: Date = Date()) -> Double? {
        if let ms = milliseconds.flatMap({ Double($0.trimmingWhitespace) }), ms.isFinite, ms >= 0 {
            return ms / 1000
        }
        guard let raw = value?.trimmingWhitespace, !raw.isEmpty else { return nil }
        if let seconds = Double(raw) { return seconds.isFinite && seconds >= 0 ? seconds : nil }
        guard let date = httpDate(raw) else { return nil }
        return max(0, date - now.timeIntervalSince1970)
    }

    private static let months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]

    /// Seconds since 1970 of an HTTP-date in any of the three RFC 9110 formats, or nil.
    ///
    /// The formats differ only in separators and field order, so the text is cut into runs of
    /// letters and digits: IMF-fixdate and RFC 850 give `weekday day month year h m s GMT`,
    /// asctime gives `weekday month day h m s year`.
    static func httpDate(_ text: String) -> Double? {
        var tokens: [String] = []
        var current = ""
        for c in text {
            if c.isASCII && (c.isLetter || c.isNumber) {
                current.append(c)
            } else if !current.isEmpty {
                tokens.append(current)
                current = ""
            }
        }
        if !current.isEmpty { tokens.append(current) }
        guard let monthAt = tokens.firstIndex(where: { months.contains($0.lowercased()) }) else { return nil }
        let month = months.firstIndex(of: tokens[monthAt].lowercased())! + 1
        let numbers = tokens[(monthAt + 1)...].compactMap { Int($0) }
        let day: Int, year: Int, clock: ArraySlice<Int>
        if monthAt >= 1, let d = Int(tokens[monthAt - 1]) {  // IMF-fixdate, RFC 850
            guard numbers.count >= 4 else { return nil }
            day = d
            year = numbers[0] < 100 ? numbers[0] + (numbers[0] < 70 ? 2000 : 1900) : numbers[0]
            clock = numbers[1...3]
        } else {  // asctime
            guard numbers.count >= 5 else { return nil }
            day = numbers[0]
            clock = numbers[1...3]
            year = numbers[4]
        }
        let (h, m, s) = (clock[clock.startIndex], clock[clock.startIndex + 1], clock[clock.startIndex + 2])
        guard (1...31).contains(day), (0...23).contains(h), (0...59).contains(m), (0...60).contains(s) else { return nil }
        return Double(daysSinceEpoch(year: year, month: month, day: day) * 86_400 + h * 3600 + m * 60 + s)
    }

    /// Days from 1970-01-01 to the given proleptic Gregorian date (Howard Hinnant's
    /// `days_from_civil`, which needs no calendar tables).
    private static func daysSinceEpoch(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }
}
