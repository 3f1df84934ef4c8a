import Foundation

/// Fixed-precision number text for the report tables: no locale and no scientific notation, so
/// columns line up and a figure never flips to "1.2e+05" between runs.
enum NumberFormat {
    static func fixed(_ value: Double, _ digits: Int) -> String {
        String(format: "%.\(digits)f", value)
    }

    /// Three significant figures for values from 0.001 upward, e.g. 0.412, 12.3, 1534.
    static func significant(_ value: Double) -> String {
        if value >= 100 { return fixed(value, 0) }
        if value >= 10 { return fixed(value, 1) }
        if value >= 1 { return fixed(value, 2) }
        return fixed(value, 3)
    }

    /// Integer with thousands separators: 1,234,567.
    static func grouped(_ value: Double) -> String {
        let digits = String(Int(value.rounded()))
        var out = ""
        for (i, c) in digits.reversed().enumerated() {
            if i > 0 && i % 3 == 0 { out.append(",") }
            out.append(c)
        }
        return String(out.reversed())
    }
}

extension NumberFormat {
    /// A ratio for the comparison columns: "12.3×", "0.82×"; "–" when either side is missing.
    static func ratio(_ value: Double?) -> String {
        guard let value, value.isFinite, value > 0 else { return "–" }
        return significant(value) + "×"
    }

    /// Kibibytes as megabytes with one decimal.
    static func megabytes(kilobytes: Int) -> String { fixed(Double(kilobytes) / 1024, 1) }
}
