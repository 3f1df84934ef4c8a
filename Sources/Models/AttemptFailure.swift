/// Why one HTTP attempt failed, and whether another attempt could succeed.
///
/// Kept apart from `ModelError` because retrying needs facts the caller never sees: whether the
/// failure is transient (429, 5xx, a refused or dropped connection) and the delay the provider
/// asked for.
struct AttemptFailure: Error {
    var error: ModelError
    var isRetryable: Bool
    /// The provider's `retry-after`, in seconds.
    var retryAfterSeconds: Double?

    init(_ error: ModelError, isRetryable: Bool = false, retryAfterSeconds: Double? = nil) {
        self.error = error
        self.isRetryable = isRetryable
        self.retryAfterSeconds = retryAfterSeconds
    }

    /// Errors decoded from inside a stream (Anthropic's `overloaded_error` event, for one) are
    /// retryable on the same terms as the HTTP statuses they stand for.
    init(decoded error: ModelError) {
        switch error {
        case .rateLimited(let seconds): self.init(error, isRetryable: true, retryAfterSeconds: seconds)
        case .server(let status, _) where status >= 500: self.init(error, isRetryable: true)
        default: self.init(error)
        }
    }
}
