/// Why a request was refused: the status to send and a short reason for the body and log.
///
/// Why a type: the head parser and the chunked decoder both refuse requests, and the connection
/// turns either into the same error response.
struct RequestRejection: Error {
    let status: Int
    let reason: String
}
