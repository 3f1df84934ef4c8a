// HeaderTemplateTests: header overrides cannot inject CR/LF or framing headers, references parse
// and resolve, and resolution errors name the credential, never the value.

import Platform
import Testing

@Suite("HeaderTemplate")
struct HeaderTemplateTests {
    func parse(_ name: String, _ value: String) -> (HeaderTemplate?, [String]) {
        let issues = ValidationIssues()
        let template = HeaderTemplate.parse(name: name, value: value, path: "$.h", issues: issues)
        return (template, issues.all.map(\.reason))
    }

    @Test("literal and credential parts, in order, and written back unchanged")
    func parts() throws {
        let (template, problems) = parse("Authorization", "Bearer ${credential:github} x${credential:b}")
        #expect(problems.isEmpty)
        #expect(template?.parts == [.literal("Bearer "), .credential("github"), .literal(" x"), .credential("b")])
        #expect(template?.credentialNames == ["github", "b"])
        #expect(template?.valueTemplate == "Bearer ${credential:github} x${credential:b}")
    }

    @Test("CR, LF, NUL and other controls are refused in values; bad names and reserved headers too")
    func injection() {
        for value in ["a\r\nX-Evil: 1", "a\nb", "a\rb", "a\u{0}b", "a\u{7F}", "a\u{1B}b"] {
            #expect(parse("X-Test", value).0 == nil, "value \(value.debugDescription)")
        }
        for name in ["X Test", "X-Test\r\n", "", "Bad:Name", "é"] {
            #expect(parse(name, "v").0 == nil, "name \(name.debugDescription)")
        }
        for name in ["Host", "content-length", "Transfer-Encoding", "Mcp-Session-Id", "Connection"] {
            #expect(parse(name, "v").1.first?.contains("cannot be overridden") == true, "name \(name)")
        }
        #expect(parse("X-Tab", "a\tb").0 != nil)
    }

    @Test("malformed references are refused with the reason")
    func references() {
        #expect(parse("A", "${credential:gith ub}").1 == ["references must look like ${credential:NAME} with NAME of A–Z a–z 0–9 _ - (got ${credential:gith ub})"])
        #expect(parse("A", "${env:HOME}").0 == nil)
        #expect(parse("A", "Bearer ${credential:x").1 == ["unterminated ${…} reference"])
        #expect(parse("A", "").1 == ["header value must not be empty"])
        #expect(parse("A", "$ and {} are fine").0 != nil)
    }

    @Test("resolution substitutes secrets and reports problems by credential name only")
    func resolution() throws {
        let template = try #require(parse("Authorization", "Bearer ${credential:github}").0)
        #expect(try template.resolve { $0 == "github" ? "s3cret" : nil } == "Bearer s3cret")
        #expect(throws: HeaderTemplate.ResolutionError.missingCredential("github", header: "Authorization")) {
            try template.resolve { _ in nil }
        }
        do {
            _ = try template.resolve { _ in "evil\r\nX-Injected: 1" }
            Issue.record("a secret with CR/LF was accepted")
        } catch {
            #expect("\(error)" == "credential \"github\" used in header Authorization contains control characters and cannot be sent")
            #expect(!"\(error)".contains("evil"))
        }
    }
}
