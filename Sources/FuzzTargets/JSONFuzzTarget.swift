import JSON

/// Fuzzes `JSONParser` and `JSONWriter` together.
///
/// Invariants: the parser either returns a value or throws a `JSONError` whose offset lies within
/// the input; a parsed value's nesting depth is exactly what `maxDepth` admits (depth `d` parses
/// with `maxDepth: d` and fails `tooDeep` with `d - 1`); the writer's output (plain and with sorted
/// keys) contains no raw control character — so never a newline, which the stdio framing relies
/// on — parses back to an equal value, and is a fixed point (writing the re-parsed value gives the
/// same bytes). `JSONScanner` is never more permissive than the parser: an object it accepts
/// parses, and its members (keys and value ranges) are the parser's members, in order — also when
/// it steps over a value it knows (`known:`). A parse that reuses a remembered member
/// (`JSONParser.MemberMemo`), whole or member by member, accepts exactly what the plain parse
/// accepts and gives the same value, both when it first meets the member and when it reuses it.
public enum JSONFuzzTarget {
    public static func run(_ input: UnsafeBufferPointer<UInt8>) {
        checkMemo(input)
        let scanned = JSONScanner.objectMembers(input)
        let withParams = JSONScanner.objectMembers(input, nested: "params")
        // Stepping over a value known to be valid changes nothing, for valid and invalid texts
        // alike: a fixed one, and the first member value of params as found by the plain scan.
        Invariant.check(same(scanKnowing(Array(#"{"a":[1,"b"]}"#.utf8), input), withParams), "a scan with a known value disagrees with the plain one")
        if let first = withParams?.nested?.first {
            Invariant.check(same(scanKnowing(Array(input[first.value]), input), withParams), "a scan knowing params' first value disagrees with the plain one")
        }
        let value: JSONValue
        do {
            value = try JSONParser.parse(buffer: input)
        } catch {
            Invariant.check(error.offset >= 0 && error.offset <= input.count, "error offset \(error.offset) outside the input")
            Invariant.check(scanned == nil, "the scanner accepted what the parser refuses: \(error)")
            return
        }
        if let scanned { checkScan(scanned, value, input) }
        // The one-pass nested variant agrees with the plain scan and with splitting afterwards.
        Invariant.check((withParams == nil) == (scanned == nil), "the nested scan and the plain scan disagree on validity")
        if let withParams, let scanned {
            Invariant.check(withParams.members == scanned, "the nested scan found other members")
            let params = scanned.first { JSONScanner.equals($0.key, "params", in: input) }
            let expected = params.flatMap { input[$0.value.lowerBound] == UInt8(ascii: "{") ? JSONScanner.members(of: $0.value, in: input) : nil }
            Invariant.check(withParams.nested == expected, "the nested members of params are not what splitting finds")
        }
        checkDepth(value, input)
        for sortKeys in [false, true] {
            let written = JSONWriter.bytes(value, sortKeys: sortKeys)
            Invariant.check(!written.contains { $0 < 0x20 }, "writer emitted a raw control character")
            let reparsed: JSONValue
            do {
                reparsed = try JSONParser.parse(written)
            } catch {
                Invariant.check(false, "writer output does not parse: \(error)")
                return
            }
            Invariant.check(reparsed == value, "round trip changed the value")
            Invariant.check(JSONWriter.bytes(reparsed, sortKeys: sortKeys) == written, "writer output is not a fixed point")
        }
    }

    /// The memo remembers objects under `"a"` (short, so mutated inputs have it often); a fresh
    /// one per input keeps every finding reproducible from its input alone. An input with a
    /// 0xFF byte (never part of valid JSON) is two texts: the part before it primes the memo and
    /// the part after is checked, which reaches the member-by-member reuse (a remembered object
    /// whose bytes differ somewhere); the checked text is parsed twice, so the second parse
    /// finds the whole object the first one remembered. Values are compared as written bytes:
    /// `==` would overlook member order and -0.0 against 0.
    private static func checkMemo(_ input: UnsafeBufferPointer<UInt8>) {
        var memo: JSONParser.MemberMemo? = JSONParser.MemberMemo(name: "a")
        var text = input
        if let split = input.firstIndex(of: 0xFF) {
            _ = try? JSONParser.parse(buffer: UnsafeBufferPointer(rebasing: input[..<split]), memo: &memo)
            text = UnsafeBufferPointer(rebasing: input[(split + 1)...])
        }
        let plain = (try? JSONParser.parse(buffer: text)).map { JSONWriter.bytes($0) }
        for round in 0..<2 {
            let remembered = (try? JSONParser.parse(buffer: text, memo: &memo)).map { JSONWriter.bytes($0) }
            Invariant.check(remembered == plain, "a parse with the member memo (round \(round)) disagrees with the plain parse")
        }
    }

    private typealias Scan = (members: [JSONScanner.Member], nested: [JSONScanner.Member]?)

    private static func same(_ a: Scan?, _ b: Scan?) -> Bool {
        guard let a, let b else { return a == nil && b == nil }
        return a.members == b.members && a.nested == b.nested
    }

    private static func scanKnowing(_ known: [UInt8], _ input: UnsafeBufferPointer<UInt8>) -> Scan? {
        var found: Scan?
        known.withUnsafeBytes { known in
            JSONScanner.withObjectMembers(input, nested: "params", known: known) { top, nested in found = (Array(top), nested.map { Array($0) }) }
        }
        return found
    }

    private static func checkScan(_ members: [JSONScanner.Member], _ value: JSONValue, _ input: UnsafeBufferPointer<UInt8>) {
        guard case .object(let object) = value else {
            Invariant.check(false, "the scanner reported members of a non-object")
            return
        }
        Invariant.check(members.count == object.count, "scanner found \(members.count) members, parser \(object.count)")
        for (member, (key, parsed)) in zip(members, object) {
            let scannedKey = String(decoding: UnsafeBufferPointer(rebasing: input[member.key]), as: UTF8.self)
            Invariant.check(scannedKey == key, "scanner key \(scannedKey) is not the parser's \(key)")
            let slice = (try? JSONParser.parse(buffer: UnsafeBufferPointer(rebasing: input[member.value])))
            Invariant.check(slice == parsed, "the value range of \(key) does not parse to the parser's value")
            if case .object = parsed {
                // The splitter (no validation) finds what a full scan of the same object finds.
                let split = JSONScanner.members(of: member.value, in: input)
                let offset = member.value.lowerBound
                let scannedAlone = JSONScanner.objectMembers(UnsafeBufferPointer(rebasing: input[member.value]))?.map {
                    JSONScanner.Member(key: ($0.key.lowerBound + offset)..<($0.key.upperBound + offset),
                                       value: ($0.value.lowerBound + offset)..<($0.value.upperBound + offset))
                }
                Invariant.check(split != nil && split == scannedAlone, "members(of:) disagrees with a full scan of the object at \(key)")
            }
        }
    }

    private static func checkDepth(_ value: JSONValue, _ input: UnsafeBufferPointer<UInt8>) {
        let d = depth(value)
        do {
            _ = try JSONParser.parse(buffer: input, limits: .init(maxDepth: d))
        } catch {
            Invariant.check(false, "depth \(d) value refused with maxDepth \(d): \(error)")
        }
        guard d > 0 else { return }
        do {
            _ = try JSONParser.parse(buffer: input, limits: .init(maxDepth: d - 1))
            Invariant.check(false, "depth \(d) value accepted with maxDepth \(d - 1)")
        } catch {
            Invariant.check(error.kind == .tooDeep, "depth \(d) value with maxDepth \(d - 1) failed with \(error.kind), not tooDeep")
        }
    }

    /// Arrays and objects count one level each; scalars none.
    private static func depth(_ value: JSONValue) -> Int {
        switch value {
        case .array(let elements): 1 + (elements.map(depth).max() ?? 0)
        case .object(let members): 1 + (members.values.map(depth).max() ?? 0)
        default: 0
        }
    }
}
