import JSON

/// The commands written in a user message for the scripted model.
///
/// Lines (leading and trailing spaces ignored):
/// - `/call NAME {"json": "args"}` calls a tool; the arguments are optional (`{}`) and must be
///   a JSON object;
/// - `/then` ends a turn: the calls before it are made together (parallel calls), the calls
///   after it in a later turn, once the results of the earlier ones are back;
/// - `/sleep MS` delays the turn it is in (cancellable, at most 60 s per turn); in a group with
///   no calls it delays the final text reply;
/// - anything else is ordinary text.
/// A malformed command makes the whole plan invalid, so nothing runs half a script.
struct ScriptedPlan: Equatable {
    struct Call: Equatable {
        var name: String
        var input: JSONValue
    }

    /// The calls of one assistant turn and how long it waits first.
    struct Turn: Equatable {
        var calls: [Call] = []
        var sleepMilliseconds = 0
    }

    /// Why a command line could not be read.
    struct InvalidLine: Error, Equatable {
        var number: Int
        var text: String
        var reason: String
    }

    static let maxSleepMilliseconds = 60_000

    /// The turns that call tools, in order.
    var toolTurns: [Turn] = []
    /// The delay of the final text reply.
    var replySleepMilliseconds = 0

    static func parse(_ text: String) throws(InvalidLine) -> ScriptedPlan {
        var plan = ScriptedPlan()
        var group = Turn()
        func close() {
            if group.calls.isEmpty {
                plan.replySleepMilliseconds = min(maxSleepMilliseconds, plan.replySleepMilliseconds + group.sleepMilliseconds)
            } else {
                plan.toolTurns.append(group)
            }
            group = Turn()
        }
        for (offset, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = String(raw).trimmingWhitespace
            let (command, rest) = split(line)
            switch command {
            case "/then":
                guard rest.isEmpty else { throw InvalidLine(number: offset + 1, text: line, reason: "/then takes nothing after it") }
                close()
            case "/call":
                let (name, arguments) = split(rest)
                guard !name.isEmpty else { throw InvalidLine(number: offset + 1, text: line, reason: "the tool name is missing") }
                do {
                    group.calls.append(Call(name: name, input: try ToolArguments.parse(arguments, tool: name)))
                } catch {
                    let reason: String
                    if case .invalidToolArguments(_, let why) = error { reason = "the arguments are \(why)" } else { reason = "\(error)" }
                    throw InvalidLine(number: offset + 1, text: line, reason: reason)
                }
            case "/sleep":
                guard let ms = Int(rest), ms >= 0 else {
                    throw InvalidLine(number: offset + 1, text: line, reason: "/sleep needs a whole number of milliseconds")
                }
                group.sleepMilliseconds = min(maxSleepMilliseconds, group.sleepMilliseconds + ms)
            default:
                continue
            }
        }
        close()
        return plan
    }

    /// The first word of `text` and the rest, both trimmed.
    private static func split(_ text: String) -> (String, String) {
        guard let space = text.firstIndex(where: { $0 == " " || $0 == "\t" }) else { return (text, "") }
        return (String(text[..<space]), String(text[space...]).trimmingWhitespace)
    }
}
