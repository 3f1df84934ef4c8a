/// An API key held so that it can be sent, and scrubbed out of anything we report.
///
/// Why a type: providers echo request data into error bodies, and a URLSession or socket error
/// could someday quote more than it does today. Every `ModelError` leaves a client through
/// `ModelError.sanitized(hiding:)`, so one place decides what a leak would look like.
struct Secret: Sendable {
    let value: String?

    init(_ value: String?) {
        self.value = value.flatMap { $0.isEmpty ? nil : $0 }
    }

    static let redacted = "[redacted]"

    /// `text` with every occurrence of the key replaced by `[redacted]`.
    func redact(_ text: String) -> String {
        guard let value, text.contains(value) else { return text }
        return text.replacing(value, with: Self.redacted)
    }
}
