/// Help text layout: usage line, abstract, discussion, and aligned sections with defaults and environment variables.
///
/// Why: help is generated, so its content is checked against the declarations it comes from.
@testable import CLIKit
import Testing

@Suite("Help text")
struct HelpTextTests {
    /// The lines of the section titled `title`, up to the next blank line.
    func section(_ title: String, in text: String) -> [String] {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard let start = lines.firstIndex(of: title) else { return [] }
        return Array(lines[(start + 1)...].prefix { !$0.isEmpty })
    }

    @Test("Help starts with the usage line, then the abstract, then the discussion")
    func order() throws {
        let text = help(["agentbridge"])
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(lines[0] == "usage: agentbridge [options] <subcommand>")
        #expect(lines[2] == Fixture.root.abstract)
        #expect(lines[4] == Fixture.root.discussion)
    }

    @Test("Subcommands are listed with their abstracts")
    func subcommands() throws {
        let rows = section("Subcommands:", in: help(["agentbridge", "keys"]))
        #expect(rows.count == 3)
        #expect(rows[0].hasPrefix("  create"))
        #expect(rows[0].hasSuffix("Create a key."))
    }

    @Test("Arguments show whether they are optional or variadic")
    func arguments() throws {
        let text = help(["agentbridge", "exec"])
        #expect(text.hasPrefix("usage: agentbridge exec [options] <program> [<arguments>...]"))
        let rows = section("Arguments:", in: text)
        #expect(rows.contains { $0.hasPrefix("  <program>") && $0.hasSuffix("Program to run.") })
        #expect(rows.contains { $0.hasPrefix("  [<arguments>...]") })
    }

    @Test("Options show their short name, value name, default and environment variable")
    func options() throws {
        let rows = section("Options:", in: help(["agentbridge", "serve"]))
        let port = try #require(rows.first { $0.contains("--port") })
        #expect(port.contains("-p, --port <port>"))
        #expect(port.contains("default: 8080"))
        #expect(port.contains("env: AGENTBRIDGE_PORT"))
        let origin = try #require(rows.first { $0.contains("--allow-origin") })
        #expect(origin.contains("repeatable"))
        #expect(origin.contains("    --allow-origin <origin>"))
    }

    @Test("Flags include the command's flags and the built-in help and version flags")
    func flags() throws {
        let rows = section("Flags:", in: help(["agentbridge", "serve"]))
        #expect(rows.contains { $0.contains("-t, --tls") && $0.hasSuffix("Serve HTTPS.") })
        #expect(rows.contains { $0.contains("-h, --help") })
        #expect(rows.contains { $0.contains("--version") })
    }

    @Test("Options of parent commands are listed as inherited")
    func inherited() throws {
        let rows = section("Inherited options:", in: help(["agentbridge", "keys", "create"]))
        #expect(rows.contains { $0.contains("-c, --config <path>") && $0.contains("env: AGENTBRIDGE_CONFIG") })
        #expect(rows.contains { $0.contains("-v, --verbose") })
        #expect(section("Inherited options:", in: help(["agentbridge"])).isEmpty)
    }

    @Test("Descriptions start in the same column across all sections")
    func alignedColumns() throws {
        let text = help(["agentbridge", "serve"])
        let rows = section("Options:", in: text) + section("Flags:", in: text) + section("Inherited options:", in: text)
        let columns = Set(rows.map { row -> Int? in
            // The description starts after the first gap of two spaces that follows the left column.
            guard let left = row.firstIndex(where: { $0 != " " }),
                let gap = row[left...].firstRange(of: "  "),
                let start = row[gap.lowerBound...].firstIndex(where: { $0 != " " })
            else { return nil }
            return row.distance(from: row.startIndex, to: start)
        })
        #expect(!columns.contains(nil))
        #expect(columns.count == 1)
    }

    @Test("Sections without entries are left out")
    func emptySectionsOmitted() throws {
        let text = help(["agentbridge", "stdio"])
        #expect(!text.contains("Subcommands:"))
        #expect(!text.contains("Arguments:"))
        #expect(!text.contains("\nOptions:"))
        #expect(text.contains("Flags:"))
    }

    @Test("A command with subcommands and positionals shows both usage forms")
    func twoUsageForms() throws {
        let text = help(["agentbridge", "tool"])
        #expect(text.hasPrefix("usage: agentbridge tool [options] <subcommand>\n       agentbridge tool [options] [<plugin>]"))
    }

    @Test("Help for a path ignores names that are not subcommands and may omit the root")
    func lenientPaths() throws {
        #expect(help(["keys", "create"]) == help(["agentbridge", "keys", "create"]))
        #expect(help(["agentbridge", "keys", "nope"]) == help(["agentbridge", "keys"]))
        #expect(help([]) == help(["agentbridge"]))
    }

    @Test("Multi-line descriptions are indented under the description column")
    func multiLineHelp() throws {
        let root = Command(
            name: "tool", abstract: "A tool.",
            flags: [Flag("wide", help: "First line.\nSecond line.")])
        let text = ArgumentParser(root: root, version: "1").helpText(for: ["tool"])
        let rows = section("Flags:", in: text)
        let first = try #require(rows.first { $0.contains("First line.") })
        let second = try #require(rows.first { $0.contains("Second line.") })
        #expect(first.distance(from: first.startIndex, to: first.firstRange(of: "First")!.lowerBound)
            == second.distance(from: second.startIndex, to: second.firstRange(of: "Second")!.lowerBound))
    }

    @Test("Very long option names put their description on the next line")
    func longNamesWrap() throws {
        let root = Command(
            name: "tool", abstract: "A tool.",
            options: [Option("an-extremely-long-option-name", valueName: "something", help: "Long.")])
        let rows = section("Options:", in: ArgumentParser(root: root, version: "1").helpText(for: ["tool"]))
        #expect(rows[0].hasSuffix("<something>"))
        #expect(rows[1].trimmingPrefix(while: { $0 == " " }) == "Long.")
    }
}
