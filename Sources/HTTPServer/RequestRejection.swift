/// Why a request was refused: the status to send and a short reason for the body and log.
///
/// Why a type: the head parser and the chunked decoder both refuse requests, and the connection
/// turns either into the same error response. (`package`: the HTTP client reuses the chunked
/// decoder and maps these to its own errors.)
package struct RequestRejection: Error {
    package let status: Int
    package let reason: String

    package init(status: Int, reason: String) {
        self.status = status
        self.reason = reason
    }
}
