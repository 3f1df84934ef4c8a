// Base64URL: the RFC 4648 §5 URL- and filename-safe alphabet without padding, the form used
// for bearer tokens, session ids and JWT segments that travel in URLs and headers. Decoding is
// strict (no padding, no whitespace, no standard-alphabet + or /, no non-zero leftover bits) so
// each byte string has exactly one accepted spelling.

/// Unpadded base64url encoding of bytes (RFC 4648 §5).
public enum Base64URL {
    private static let alphabet: [UInt8] =
        Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)

    /// Encodes `bytes` with the URL-safe alphabet and no `=` padding.
    public static func encode(_ bytes: [UInt8]) -> String {
        var output = [UInt8]()
        output.reserveCapacity((bytes.count * 4 + 2) / 3)
        var index = 0
        while index + 3 <= bytes.count {
            let group = UInt32(bytes[index]) << 16 | UInt32(bytes[index + 1]) << 8 | UInt32(bytes[index + 2])
            output.append(alphabet[Int(group >> 18 & 0x3f)])
            output.append(alphabet[Int(group >> 12 & 0x3f)])
            output.append(alphabet[Int(group >> 6 & 0x3f)])
            output.append(alphabet[Int(group & 0x3f)])
            index += 3
        }
        switch bytes.count - index {
        case 1:
            let group = UInt32(bytes[index]) << 16
            output.append(alphabet[Int(group >> 18 & 0x3f)])
            output.append(alphabet[Int(group >> 12 & 0x3f)])
        case 2:
            let group = UInt32(bytes[index]) << 16 | UInt32(bytes[index + 1]) << 8
            output.append(alphabet[Int(group >> 18 & 0x3f)])
            output.append(alphabet[Int(group >> 12 & 0x3f)])
            output.append(alphabet[Int(group >> 6 & 0x3f)])
        default:
            break
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// Decodes unpadded base64url. Returns nil if the text contains any character outside
    /// `A–Z a–z 0–9 - _` (padding, whitespace, `+`, `/` included), has a length that leaves a
    /// single dangling character, or encodes non-zero bits past the last whole byte.
    public static func decode(_ string: String) -> [UInt8]? {
        let utf8 = string.utf8
        let remainder = utf8.count % 4
        guard remainder != 1 else { return nil }
        var output = [UInt8]()
        output.reserveCapacity(utf8.count / 4 * 3 + 2)
        var group: UInt32 = 0
        var filled = 0
        for character in utf8 {
            guard let sextet = value(of: character) else { return nil }
            group = group << 6 | UInt32(sextet)
            filled += 1
            if filled == 4 {
                output.append(UInt8(truncatingIfNeeded: group >> 16))
                output.append(UInt8(truncatingIfNeeded: group >> 8))
                output.append(UInt8(truncatingIfNeeded: group))
                group = 0
                filled = 0
            }
        }
        switch filled {
        case 2:  // 12 bits: one byte, 4 leftover bits must be zero
            guard group & 0x0f == 0 else { return nil }
            output.append(UInt8(truncatingIfNeeded: group >> 4))
        case 3:  // 18 bits: two bytes, 2 leftover bits must be zero
            guard group & 0x03 == 0 else { return nil }
            output.append(UInt8(truncatingIfNeeded: group >> 10))
            output.append(UInt8(truncatingIfNeeded: group >> 2))
        default:
            break
        }
        return output
    }

    private static func value(of character: UInt8) -> UInt8? {
        switch character {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): character &- UInt8(ascii: "A")
        case UInt8(ascii: "a")...UInt8(ascii: "z"): character &- UInt8(ascii: "a") &+ 26
        case UInt8(ascii: "0")...UInt8(ascii: "9"): character &- UInt8(ascii: "0") &+ 52
        case UInt8(ascii: "-"): 62
        case UInt8(ascii: "_"): 63
        default: nil
        }
    }
}
