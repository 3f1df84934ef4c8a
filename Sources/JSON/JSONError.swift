/// Why a byte sequence is not acceptable JSON, and where.
///
/// Messages name the problem and the byte offset so a person can fix the sender; the JSON-RPC layer
/// turns any `JSONError` into a −32700 parse error.
public struct JSONError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        case unexpectedEnd
        case unexpectedByte
        case invalidNumber
        case invalidEscape
        case invalidUTF8
        case loneSurrogate
        case controlCharacterInString
        case duplicateKey
        case trailingData
        case tooDeep
        case tooLarge
    }

    public let kind: Kind
    public let offset: Int
    public let message: String

    public init(_ kind: Kind, at offset: Int, _ message: String) {
        self.kind = kind
        self.offset = offset
        self.message = message
    }

    public var description: String { "\(message) at byte \(offset)" }
}
