import Testing
import HTTPClient

/// Feeds `text` whole, then byte by byte, and checks both give the same events.
private func events(_ text: String, maxEventBytes: Int = 1 << 20) throws -> [SSEEvent] {
    try events(Array(text.utf8), maxEventBytes: maxEventBytes)
}

private func events(_ bytes: [UInt8], maxEventBytes: Int = 1 << 20) throws -> [SSEEvent] {
    var whole = SSEParser(maxEventBytes: maxEventBytes)
    let all = try whole.feed(bytes)
    whole.finish()
    var split = SSEParser(maxEventBytes: maxEventBytes)
    var pieces: [SSEEvent] = []
    for b in bytes { pieces += try split.feed([b]) }
    split.finish()
    #expect(all == pieces, "byte-by-byte feeding must give the same events")
    return all
}

@Suite("SSE parsing (WHATWG HTML §9.2)")
struct SSEParserTests {
    // The examples of WHATWG HTML §9.2.6 "Interpreting an event stream".

    @Test func specExampleCommentThenEventsWithIdsAndALeadingSpace() throws {
        let stream = ": test stream\n\ndata: first event\nid: 1\n\ndata:second event\nid\n\ndata:  third event\n\n"
        let e = try events(stream)
        #expect(e.map(\.data) == ["first event", "second event", " third event"])
        #expect(e.map(\.lastEventID) == ["1", "", ""])
        #expect(e.allSatisfy { $0.type == "message" })
    }

    @Test func specExampleTheLastEventNeedsABlankLine() throws {
        let e = try events(": test stream\n\ndata: first event\nid: 1\n\ndata:second event\nid\n\ndata:  third event")
        #expect(e.map(\.data) == ["first event", "second event"])
    }

    @Test func specExampleEmptyDataAndANewlineOnlyEvent() throws {
        // "The first block fires events with the data set to the empty string, as would the
        // last block if it was followed by a blank line. The middle block fires an event with
        // the data set to a single newline character. The last block is discarded."
        let e = try events("data\n\ndata\ndata\n\ndata:")
        #expect(e.map(\.data) == ["", "\n"])
    }

    @Test func specExampleASpaceAfterTheColonIsOptional() throws {
        let e = try events("data:test\n\ndata: test\n\n")
        #expect(e.map(\.data) == ["test", "test"])
    }

    @Test func specExampleMultipleDataLinesAreJoinedWithNewlines() throws {
        let e = try events("data: YHOO\ndata: +2\ndata: 10\n\n")
        #expect(e == [SSEEvent(data: "YHOO\n+2\n10")])
    }

    @Test func eventTypesApplyToOneEventOnly() throws {
        let e = try events("event: add\ndata: 73857293\n\nevent: remove\ndata: 2153\n\ndata: plain\n\n")
        #expect(e.map(\.type) == ["add", "remove", "message"])
        #expect(e.map(\.data) == ["73857293", "2153", "plain"])
    }

    @Test func crlfCrAndLfAreAllLineEndings() throws {
        let e = try events("data: a\r\ndata: b\rdata: c\n\r\nevent: x\rdata: d\r\r")
        #expect(e.map(\.data) == ["a\nb\nc", "d"])
        #expect(e.map(\.type) == ["message", "x"])
    }

    @Test func aCRLFSplitAcrossChunksIsOneLineEnding() throws {
        var p = SSEParser()
        var out = try p.feed(Array("data: a\r".utf8))
        out += try p.feed(Array("\ndata: b\r".utf8))
        out += try p.feed(Array("\n\r".utf8))
        out += try p.feed(Array("\n".utf8))
        #expect(out.map(\.data) == ["a\nb"])
    }

    @Test func oneLeadingBOMIsDroppedEvenWhenSplit() throws {
        var p = SSEParser()
        var out = try p.feed([0xEF])
        out += try p.feed([0xBB, 0xBF] + Array("data: x\n\n".utf8))
        #expect(out.map(\.data) == ["x"])
        // A second BOM is content: here it makes the field name "\u{FEFF}data", which is ignored.
        let twice = try events([0xEF, 0xBB, 0xBF, 0xEF, 0xBB, 0xBF] + Array("data: y\n\ndata: z\n\n".utf8))
        #expect(twice.map(\.data) == ["z"])
    }

    @Test func aPartialBOMIsKeptAsContent() throws {
        let e = try events([0xEF, 0xBB] + Array(":c\n\ndata: ok\n\n".utf8))
        #expect(e.map(\.data) == ["ok"])
    }

    @Test func idsWithNULAreIgnoredAndTheLastIdSticksUntilChanged() throws {
        let e = try events("id: 7\ndata: a\n\nid: bad\u{0}id\ndata: b\n\ndata: c\n\nid:\ndata: d\n\n")
        #expect(e.map(\.lastEventID) == ["7", "7", "7", ""])
    }

    @Test func anIdWithoutDataStillSetsTheLastEventID() throws {
        var p = SSEParser()
        let none = try p.feed(Array("id: 42\n\n".utf8))
        #expect(none.isEmpty && p.lastEventID == "42")
        let next = try p.feed(Array("data: x\n\n".utf8))
        #expect(next.first?.lastEventID == "42")
    }

    @Test func retryTakesOnlyASCIIDigits() throws {
        var p = SSEParser()
        _ = try p.feed(Array("retry: 3000\n\n".utf8))
        #expect(p.reconnectionTime == 3000)
        let e = try p.feed(Array("retry: 12x\nretry: -5\nretry:\ndata: a\n\n".utf8))
        #expect(p.reconnectionTime == 3000 && e.first?.retry == 3000)
        _ = try p.feed(Array("retry: 10\n\n".utf8))
        #expect(p.reconnectionTime == 10)
    }

    @Test func commentsUnknownFieldsAndFieldsWithoutColonsAreHandled() throws {
        let e = try events(": keep-alive\nfoo: bar\ndata\ndata:x\nevent\n\n")
        #expect(e == [SSEEvent(type: "message", data: "\nx")])
    }

    @Test func onlyTheFirstColonSplitsAndOnlyOneSpaceIsRemoved() throws {
        let e = try events("data:  a: b:c\n\n")
        #expect(e.map(\.data) == [" a: b:c"])
    }

    @Test func utf8SplitAnywhereIsDecodedAndInvalidBytesReplaced() throws {
        let e = try events(Array("data: héllo → 😀\n\n".utf8) + Array("data: ".utf8) + [0xFF, 0x41, 0x0A, 0x0A])
        #expect(e.map(\.data) == ["héllo → 😀", "\u{FFFD}A"])
    }

    @Test func anEventPastTheLimitIsRefused() {
        #expect(throws: SSEParserError.eventTooLarge(limit: 32)) {
            var p = SSEParser(maxEventBytes: 32)
            _ = try p.feed(Array("data: 0123456789\ndata: 0123456789\ndata: 0123456789\n\n".utf8))
        }
        #expect(throws: SSEParserError.eventTooLarge(limit: 16)) {
            var p = SSEParser(maxEventBytes: 16)
            _ = try p.feed(Array(repeating: 0x61, count: 17))
        }
    }

    @Test func eventsUnderTheLimitResetTheCount() throws {
        let stream = String(repeating: "data: 0123456789\n\n", count: 10)
        #expect(try events(stream, maxEventBytes: 20).count == 10)
    }

    @Test func finishDropsTheUnfinishedEventButKeepsTheStreamState() throws {
        var p = SSEParser()
        _ = try p.feed(Array("id: 5\nretry: 100\ndata: a\n\ndata: unfinished".utf8))
        p.finish()
        #expect(p.lastEventID == "5" && p.reconnectionTime == 100)
        let next = try p.feed(Array("data: b\n\n".utf8))
        #expect(next.map(\.data) == ["b"])
    }

    @Test func theAsyncAdaptorYieldsEventsFromChunks() async throws {
        let chunks: [[UInt8]] = [Array("data: a\n".utf8), Array("\ndata: b\n\nda".utf8), Array("ta: c".utf8)]
        let stream = AsyncStream<[UInt8]> { c in
            for chunk in chunks { c.yield(chunk) }
            c.finish()
        }
        var got: [String] = []
        for try await event in stream.serverSentEvents() { got.append(event.data) }
        #expect(got == ["a", "b"])
    }
}
