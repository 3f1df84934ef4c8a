// AgentSettings: the model parameters an agent may pin (`settings` in a spec). Both are optional:
// an absent value means "the provider's default", so the canonical form writes only what is set
// and `{}` and a missing `settings` compare equal.

import JSON

/// Model parameters of an agent.
public struct AgentSettings: Sendable, Hashable {
    /// Allowed range of `temperature`.
    public static let temperatureRange: ClosedRange<Double> = 0...2
    /// Allowed range of `max_tokens`.
    public static let maxTokensRange: ClosedRange<Int64> = 1...200_000

    /// Sampling temperature, 0…2, or nil for the provider default.
    public let temperature: Double?
    /// Upper bound on generated tokens per model call, 1…200000, or nil for the provider default.
    public let maxTokens: Int?

    /// No pinned parameters.
    public static let providerDefaults = AgentSettings(temperature: nil, maxTokens: nil)

    init(temperature: Double?, maxTokens: Int?) {
        self.temperature = temperature
        self.maxTokens = maxTokens
    }

    /// Reads `settings` from `reader` (`$.settings`); unknown keys are issues.
    static func read(_ reader: SpecReader) -> AgentSettings {
        let temperature = reader.number("temperature", range: temperatureRange)
        let maxTokens = reader.integer("max_tokens", range: maxTokensRange).map { Int($0) }
        reader.finish()
        return AgentSettings(temperature: temperature, maxTokens: maxTokens)
    }

    /// Canonical JSON: only the parameters that are set.
    public var json: JSONValue {
        var object = JSONObject()
        if let temperature { object["temperature"] = .double(temperature) }
        if let maxTokens { object["max_tokens"] = .int(Int64(maxTokens)) }
        return .object(object)
    }
}
