/// Streams in the exact shape OpenAI Chat Completions emits (`stream: true`,
/// `stream_options.include_usage`): `data:` lines of `chat.completion.chunk` objects, tool call
/// pieces keyed by `index`, a usage chunk with empty `choices`, then `data: [DONE]`.
enum OpenAITranscripts {
    private static func chunk(_ choices: String, usage: String = "null") -> String {
        #"data: {"id":"chatcmpl-9xQk2","object":"chat.completion.chunk","created":1727367500,"model":"gpt-4o-mini-2024-07-18","system_fingerprint":"fp_f85bea6784","choices":"#
            + choices + #","usage":"# + usage + "}\n\n"
    }

    private static func delta(_ delta: String, finish: String = "null") -> String {
        chunk(#"[{"index":0,"delta":"# + delta + #","logprobs":null,"finish_reason":"# + finish + "}]")
    }

    private static let usage = chunk("[]", usage: #"{"prompt_tokens":9,"completion_tokens":12,"total_tokens":21,"prompt_tokens_details":{"cached_tokens":0},"completion_tokens_details":{"reasoning_tokens":0}}"#)
    private static let done = "data: [DONE]\n\n"

    /// A text-only answer: "Hello, world — ünïcode ✓", 9 in, 12 out.
    static let text =
        delta(#"{"role":"assistant","content":"","refusal":null}"#)
        + delta(#"{"content":"Hello"}"#)
        + delta(#"{"content":", world — ünïcode ✓"}"#)
        + delta("{}", finish: #""stop""#)
        + usage + done

    /// The same answer from a server that ignores `include_usage` (no usage chunk).
    static let textWithoutUsage =
        delta(#"{"role":"assistant","content":"Hi"}"#)
        + delta("{}", finish: #""stop""#)
        + done

    /// One tool call whose arguments arrive in many pieces.
    static let singleToolCall =
        delta(#"{"role":"assistant","content":null,"tool_calls":[{"index":0,"id":"call_DdmO9pD3xa9XTPNJ32zg2hcA","type":"function","function":{"name":"get_weather","arguments":""}}],"refusal":null}"#)
        + delta(#"{"tool_calls":[{"index":0,"function":{"arguments":"{\""}}]}"#)
        + delta(#"{"tool_calls":[{"index":0,"function":{"arguments":"location"}}]}"#)
        + delta(#"{"tool_calls":[{"index":0,"function":{"arguments":"\":\""}}]}"#)
        + delta(#"{"tool_calls":[{"index":0,"function":{"arguments":"San Francisco, CA"}}]}"#)
        + delta(#"{"tool_calls":[{"index":0,"function":{"arguments":"\",\"unit\":\"celsius\"}"}}]}"#)
        + delta("{}", finish: #""tool_calls""#)
        + usage + done

    /// Two parallel tool calls whose pieces interleave by index.
    static let parallelToolCalls =
        delta(#"{"role":"assistant","content":null,"tool_calls":[{"index":0,"id":"call_A1","type":"function","function":{"name":"get_weather","arguments":""}}]}"#)
        + delta(#"{"tool_calls":[{"index":1,"id":"call_B2","type":"function","function":{"name":"get_time","arguments":""}}]}"#)
        + delta(#"{"tool_calls":[{"index":0,"function":{"arguments":"{\"location\": "}}]}"#)
        + delta(#"{"tool_calls":[{"index":1,"function":{"arguments":"{\"zone\":"}}]}"#)
        + delta(#"{"tool_calls":[{"index":0,"function":{"arguments":"\"Paris\"}"}}]}"#)
        + delta(#"{"tool_calls":[{"index":1,"function":{"arguments":" \"CET\"}"}}]}"#)
        + delta("{}", finish: #""tool_calls""#)
        + usage + done

    /// A stream that stops mid-answer, without a finish reason or `[DONE]`.
    static let truncated =
        delta(#"{"role":"assistant","content":""}"#)
        + delta(#"{"content":"Hel"}"#)

    /// A stream with a broken JSON chunk.
    static let malformed =
        delta(#"{"role":"assistant","content":""}"#)
        + #"data: {"id":"chatcmpl-9xQk2","choices":[{"index":0,"delta":{"content":"Hel"# + "\n\n"
        + done

    /// A tool call whose arguments are JSON, but not an object.
    static let invalidToolArguments =
        delta(#"{"role":"assistant","tool_calls":[{"index":0,"id":"call_C3","type":"function","function":{"name":"search","arguments":"[1, 2"}}]}"#)
        + delta(#"{"tool_calls":[{"index":0,"function":{"arguments":"]"}}]}"#)
        + delta("{}", finish: #""tool_calls""#)
        + done

    /// An error chunk in the middle of a stream.
    static let errorChunk =
        delta(#"{"role":"assistant","content":""}"#)
        + #"data: {"error":{"message":"The server had an error while processing your request.","type":"server_error","param":null,"code":null}}"# + "\n\n"
}
