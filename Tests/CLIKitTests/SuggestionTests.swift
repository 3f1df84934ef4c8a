/// Edit distance and "did you mean" selection.
///
/// Why: suggestions must catch common typos (transposed, dropped or doubled letters) without
/// proposing unrelated names.
@testable import CLIKit
import Testing

@Suite("Suggestions")
struct SuggestionTests {
    @Test("A transposition counts as one edit")
    func transposition() {
        #expect(Suggestion.distance("prot", "port") == 1)
    }

    @Test("Insertions, deletions and substitutions count one each")
    func basicEdits() {
        #expect(Suggestion.distance("verbose", "verbos") == 1)
        #expect(Suggestion.distance("host", "hosts") == 1)
        #expect(Suggestion.distance("host", "post") == 1)
        #expect(Suggestion.distance("", "abc") == 3)
        #expect(Suggestion.distance("same", "same") == 0)
    }

    @Test("The closest candidate within the limit is suggested")
    func closest() {
        #expect(Suggestion.closest(to: "prot", among: ["host", "port", "help"]) == "port")
        #expect(Suggestion.closest(to: "allow-orgin", among: ["allow-origin", "port"]) == "allow-origin")
    }

    @Test("Nothing is suggested when every candidate is too far away")
    func tooFar() {
        #expect(Suggestion.closest(to: "xyz", among: ["port", "host"]) == nil)
        #expect(Suggestion.closest(to: "", among: ["a"]) == nil)
    }
}
