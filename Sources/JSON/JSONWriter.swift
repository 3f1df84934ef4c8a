/// Serializes `JSONValue` to compact UTF-8 JSON.
///
/// Output is deterministic (objects in insertion order, or sorted when asked) and never contains a
/// raw newline: every control character inside strings is escaped, so one value is always exactly
/// one line — the stdio framing depends on it. Non-finite doubles, which JSON cannot express, are
/// written as `null`.
public struct JSONWriter {
    public var bytes: [UInt8]
    public var sortKeys: Bool

    public init(capacity: Int = 256, sortKeys: Bool = false) {
        bytes = []
        bytes.reserveCapacity(capacity)
        self.sortKeys = sortKeys
    }

    public static func bytes(_ value: JSONValue, sortKeys: Bool = false) -> [UInt8] {
        var w = JSONWriter(sortKeys: sortKeys)
        w.write(value)
        return w.bytes
    }

    public static func string(_ value: JSONValue, sortKeys: Bool = false) -> String {
        String(decoding: bytes(value, sortKeys: sortKeys), as: UTF8.self)
    }

    public mutating func write(_ value: JSONValue) {
        switch value {
        case .null: appendASCII("null")
        case .bool(let b): appendASCII(b ? "true" : "false")
        case .int(let i): writeInt(i)
        case .double(let d): writeDouble(d)
        case .string(let s): writeString(s)
        case .array(let a):
            bytes.append(UInt8(ascii: "["))
            var first = true
            for v in a {
                if !first { bytes.append(UInt8(ascii: ",")) }
                first = false
                write(v)
            }
            bytes.append(UInt8(ascii: "]"))
        case .encoded(let e):
            bytes.append(contentsOf: e.bytes)
        case .object(let o):
            bytes.append(UInt8(ascii: "{"))
            let object = sortKeys ? o.sortedByKey() : o
            var first = true
            for i in object.indices {
                if !first { bytes.append(UInt8(ascii: ",")) }
                first = false
                writeString(object.keys[i])
                bytes.append(UInt8(ascii: ":"))
                write(object.values[i])
            }
            bytes.append(UInt8(ascii: "}"))
        }
    }

    @inline(__always)
    mutating func appendASCII(_ s: StaticString) {
        bytes.append(contentsOf: UnsafeBufferPointer(start: s.utf8Start, count: s.utf8CodeUnitCount))
    }

    mutating func writeInt(_ value: Int64) {
        if value >= 0 && value < 10 {
            bytes.append(0x30 + UInt8(value))
            return
        }
        var magnitude = value.magnitude
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { tmp in
            var i = 20
            repeat {
                i -= 1
                tmp[i] = 0x30 + UInt8(magnitude % 10)
                magnitude /= 10
            } while magnitude > 0
            if value < 0 { bytes.append(UInt8(ascii: "-")) }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: tmp[i..<20]))
        }
    }

    mutating func writeDouble(_ value: Double) {
        guard value.isFinite else {
            appendASCII("null")
            return
        }
        // Swift's description is the shortest text that round-trips; it is valid JSON for finite
        // values ("1.0", "1e-05", "5e+20").
        bytes.append(contentsOf: value.description.utf8)
    }

    mutating func writeString(_ s: String) {
        bytes.append(UInt8(ascii: "\""))
        var s = s
        s.withUTF8 { utf8 in
            var runStart = 0
            var i = 0
            while i < utf8.count {
                i = SWAR.skipUnescaped(utf8, from: i)
                guard i < utf8.count else { break }
                let c = utf8[i]
                i += 1
                if c >= 0x20 && c != 0x22 && c != 0x5C { continue }
                let at = i - 1
                if runStart < at { bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<at])) }
                runStart = i
                switch c {
                case 0x22: bytes.append(0x5C); bytes.append(0x22)
                case 0x5C: bytes.append(0x5C); bytes.append(0x5C)
                case 0x0A: bytes.append(0x5C); bytes.append(UInt8(ascii: "n"))
                case 0x0D: bytes.append(0x5C); bytes.append(UInt8(ascii: "r"))
                case 0x09: bytes.append(0x5C); bytes.append(UInt8(ascii: "t"))
                case 0x08: bytes.append(0x5C); bytes.append(UInt8(ascii: "b"))
                case 0x0C: bytes.append(0x5C); bytes.append(UInt8(ascii: "f"))
                default:
                    let hex: [UInt8] = Array("0123456789abcdef".utf8)
                    bytes.append(contentsOf: [0x5C, UInt8(ascii: "u"), 0x30, 0x30, hex[Int(c >> 4)], hex[Int(c & 0xF)]])
                }
            }
            if runStart < utf8.count { bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<utf8.count])) }
        }
        bytes.append(UInt8(ascii: "\""))
    }
}
