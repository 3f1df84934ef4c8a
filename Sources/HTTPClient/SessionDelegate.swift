import Foundation
import HTTPServer
import Synchronization
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
#if canImport(Glibc)
import Glibc
#endif

/// The URLSession delegate that turns callbacks into `Exchange` pushes.
///
/// Why one delegate for the whole session, with a task table: URLSession holds its delegate
/// strongly and calls it on one serial queue for every task; a table keyed by task identifier
/// is the cheapest way back to each request's exchange. Every callback only takes a lock,
/// copies bytes and resumes a continuation: nothing here blocks.
///
/// SAFETY (`@unchecked Sendable`): NSObject subclasses cannot be checked; the only stored state
/// is the `records` Mutex.
final class SessionDelegate: NSObject, URLSessionDataDelegate, @unchecked Sendable {
    private let records = Mutex<[Int: SessionTaskRecord]>([:])

    func register(_ taskID: Int, _ record: SessionTaskRecord) {
        records.withLock { $0[taskID] = record }
    }

    func removeAll() -> [SessionTaskRecord] {
        records.withLock { r in
            defer { r = [:] }
            return Array(r.values)
        }
    }

    private func record(_ task: URLSessionTask) -> SessionTaskRecord? {
        records.withLock { $0[task.taskIdentifier] }
    }

    func urlSession(
        _ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
        completionHandler: @Sendable @escaping (URLSession.ResponseDisposition) -> Void
    ) {
        guard let record = record(dataTask), let http = response as? HTTPURLResponse else {
            completionHandler(.cancel)
            return
        }
        var headers = HTTPHeaders()
        let fields = http.allHeaderFields.compactMap { (k, v) -> (String, String)? in
            guard let name = k as? String, let value = v as? String else { return nil }
            return (name, value)
        }
        for (name, value) in fields.sorted(by: { $0.0 < $1.0 }) { try? headers.tryAdd(name, value) }
        var length: Int?
        if headers["Content-Encoding"] == nil, let text = headers["Content-Length"], let n = Int(text), n >= 0 {
            length = n
        }
        record.headArrived()
        record.exchange.receiveHead(
            ResponseHead(status: http.statusCode, reasonPhrase: "", version: "HTTP/1.1", headers: headers, contentLength: length))
        completionHandler(.allow)
    }

    func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
        guard let record = record(dataTask) else { return }
        record.bytesArrived()
        _ = record.exchange.receive([UInt8](data))
    }

    func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: (any Error)?) {
        guard let record = records.withLock({ $0.removeValue(forKey: task.taskIdentifier) }) else { return }
        let headReceived = record.headReceived
        record.markDone()
        guard let error else {
            record.exchange.finish()
            return
        }
        record.exchange.fail(Self.map(error, headReceived: headReceived))
    }

    /// Redirects are returned to the caller, never followed (see `URLSessionTransport`).
    func urlSession(
        _ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse,
        newRequest request: URLRequest, completionHandler: @Sendable @escaping (URLRequest?) -> Void
    ) {
        completionHandler(nil)
    }

    /// URLError codes mapped to the socket path's errors where they mean the same thing.
    static func map(_ error: any Error, headReceived: Bool) -> any Error {
        guard let urlError = error as? URLError else {
            return HTTPClientError.transport(code: -1, description: "URLSession error")
        }
        switch urlError.code {
        case .cancelled: return CancellationError()
        case .timedOut: return headReceived ? HTTPClientError.idleTimeout : HTTPClientError.responseHeadTimeout
        case .cannotConnectToHost: return HTTPClientError.connectFailed(errno: ECONNREFUSED)
        case .networkConnectionLost: return HTTPClientError.connectionClosed
        default:
            // libcurl's messages ("SSL certificate problem: …") help; a URL in them would not.
            let text = urlError.localizedDescription
            return HTTPClientError.transport(
                code: urlError.code.rawValue, description: text.contains("://") ? "URLSession error" : text)
        }
    }
}
