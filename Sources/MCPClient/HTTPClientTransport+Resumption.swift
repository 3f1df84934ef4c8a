import HTTPClient
import JSONRPC

/// Resuming handshake-era SSE streams with `Last-Event-ID` (DIGEST §13; see `HTTPClientTransport`
/// and `HTTPResumptionPolicy`).
extension HTTPClientTransport {
    /// Reconnects to the response stream of `id` until its response arrives. Returns the error to
    /// fail the request with, or nil when it was answered, or nobody waits for it any more (the
    /// transport closed, the client cancelled it). `timeouts` are the request's own (see
    /// `timeouts(for:)`): a resumed stream may stay as quiet as the original.
    func resume(_ id: RequestID, from start: SSECursor, sessionSent: Bool, timeouts: HTTPClient.Timeouts?) async -> JSONRPCError? {
        var cursor = start
        var fruitless = 0
        var lastProblem = "the server ended the stream"
        while fruitless < resumption.maxAttempts {
            guard await waitBeforeReconnecting(id, cursor: cursor, attempt: fruitless + 1), let request = reconnection(cursor, timeouts: timeouts) else {
                return nil
            }
            let response: HTTPClientResponse
            do {
                response = try await client.execute(request)
            } catch is CancellationError {
                return nil
            } catch {
                fruitless += 1
                lastProblem = Self.describe(error)
                continue
            }
            guard response.status == 200, (response.headers["content-type"] ?? "").lowercased().hasPrefix("text/event-stream") else {
                let body = (try? await response.body.collect(upTo: 64 * 1024)) ?? []
                return refusedResumption(status: response.status, body: body, sessionSent: sessionSent)
            }
            var delivered = false
            var answered = false
            do {
                try await cursor.read(response.body, maxEventBytes: maxMessageBytes) { event in
                    let outcome = deliverEvent(event, answering: id)
                    delivered = delivered || outcome.delivered
                    answered = answered || outcome.answered
                    return !answered
                }
                lastProblem = "the server ended the resumed stream"
            } catch is CancellationError {
                return nil
            } catch let error as HTTPClientError {
                lastProblem = error.description
            } catch {
                // An oversized event would only be replayed again.
                return MCPClientError.transportFailure("HTTP request failed: \(Self.describe(error))")
            }
            if answered { return nil }
            fruitless = delivered ? 0 : fruitless + 1
        }
        return JSONRPCError(
            .internalError,
            "the server's event stream ended before it answered the request, and \(fruitless) attempts in a row to resume it "
                + "with Last-Event-ID brought nothing new (last: \(lastProblem))")
    }

    /// Reads the session's standalone GET stream, reopening it with `Last-Event-ID` after it ends
    /// when it carried event ids. A first answer other than a 200 event stream means the server
    /// has no such stream (405); a later one means it does not resume it. Requests are unaffected
    /// either way.
    func readSessionStream(_ request: HTTPClientRequest) async {
        defer { state.withLock { $0.sessionStreamOpen = false } }
        var cursor = SSECursor()
        var fruitless = 0
        while true {
            var attempt = request
            if !cursor.lastEventID.isEmpty { attempt.headers.append((name: "Last-Event-ID", value: cursor.lastEventID)) }
            var delivered = false
            do {
                let response = try await client.execute(attempt)
                guard response.status == 200, (response.headers["content-type"] ?? "").lowercased().hasPrefix("text/event-stream") else {
                    return
                }
                state.withLock { $0.sessionStreamOpen = true }
                try await cursor.read(response.body, maxEventBytes: maxMessageBytes) { event in
                    delivered = deliverEvent(event, answering: nil).delivered || delivered
                    return true
                }
            } catch is CancellationError {
                return
            } catch is SSEParserError {
                return  // an oversized event would only be replayed again
            } catch {
                // Dropped or unreachable: resumable below when the stream had ids.
            }
            state.withLock { $0.sessionStreamOpen = false }
            guard !cursor.lastEventID.isEmpty else { return }
            fruitless = delivered ? 0 : fruitless + 1
            guard fruitless < resumption.maxAttempts, await waitBeforeReconnecting(nil, cursor: cursor, attempt: fruitless + 1) else {
                return
            }
        }
    }

    /// Tells the observer, then waits the stream's `retry:` time. False when the wait was
    /// cancelled or nobody needs the stream any more.
    private func waitBeforeReconnecting(_ id: RequestID?, cursor: SSECursor, attempt: Int) async -> Bool {
        guard isWanted(id) else { return false }
        let delay = resumption.delay(retryMilliseconds: cursor.retryMilliseconds)
        onResume?(HTTPStreamResumption(requestID: id, lastEventID: cursor.lastEventID, delay: delay, attempt: attempt))
        guard (try? await Task.sleep(for: delay)) != nil else { return false }
        return isWanted(id)
    }

    /// Whether a stream is still worth resuming: the transport is open and, for a request's
    /// stream, the client has not cancelled the request.
    private func isWanted(_ id: RequestID?) -> Bool {
        state.withLock { s in !s.closed && !(id.map { s.abandoned.contains($0) } ?? false) }
    }

    /// The GET that resumes a request's stream: the session's headers plus `Last-Event-ID`; nil
    /// once the transport is closed.
    private func reconnection(_ cursor: SSECursor, timeouts: HTTPClient.Timeouts?) -> HTTPClientRequest? {
        state.withLock { s -> HTTPClientRequest? in
            guard !s.closed else { return nil }
            var headers = extraHeaders
            headers.append((name: "Accept", value: "text/event-stream"))
            if let session = s.sessionID { headers.append((name: "Mcp-Session-Id", value: session)) }
            if let version = s.legacyVersion { headers.append((name: "MCP-Protocol-Version", value: version)) }
            headers.append((name: "Last-Event-ID", value: cursor.lastEventID))
            // Like the session's GET stream, no overall limit: the request's own deadline ends
            // it (the client then gives the request up, which stops the resumption).
            var limits = timeouts ?? client.configuration.timeouts
            limits.overall = nil
            return HTTPClientRequest(method: "GET", url: url, headers: headers, timeouts: limits)
        }
    }

    /// Why a request fails when the server would not resume its stream.
    private func refusedResumption(status: Int, body: [UInt8], sessionSent: Bool) -> JSONRPCError {
        if status == 404 && sessionSent {
            return JSONRPCError(.invalidRequest, "HTTP 404: the server's session has expired or was ended; connect again")
        }
        let why = status == 405 ? "does not allow resuming it" : "refused to resume it"
        return JSONRPCError(
            .internalError,
            "the server's event stream ended before it answered the request, and the server \(why) "
                + "(HTTP \(status) \(Self.phrase(status)) to GET with Last-Event-ID)")
    }

    /// An error as words that hold no URL or header value.
    static func describe(_ error: any Error) -> String {
        if let e = error as? HTTPClientError { return e.description }
        if let e = error as? SSEParserError { return e.description }
        return "\(type(of: error))"
    }
}
