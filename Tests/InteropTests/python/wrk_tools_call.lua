-- wrk script: stateless 2026-07-28 `tools/call echo` POSTs to /mcp (self-contained: routing headers
-- + params._meta, no session), each with a unique JSON-RPC id. Used by load_test.py.
--
-- Every response body is checked: it must be a 200 JSON-RPC result (integer id, resultType
-- complete) carrying the echoed text; anything else counts as a bad body. wrk itself counts
-- non-2xx/3xx statuses (errors.status) and socket errors (connect/read/write/timeout).
-- At the end one line is printed: WRKJSON {...} with the summary, latency percentiles and the
-- number of bad bodies summed over all threads.
local path = os.getenv("MCP_PATH") or "/mcp"
local token = os.getenv("MCP_TOKEN") or ""

local threads = {}
function setup(thread)
  table.insert(threads, thread)
  thread:set("tid", #threads)
  thread:set("bad", 0)
  thread:set("first_bad", "")
end

local headers, template, counter
function init(args)
  counter = 0
  bad = 0
  first_bad = ""
  headers = {
    ["Content-Type"] = "application/json",
    ["Accept"] = "application/json, text/event-stream",
    ["MCP-Protocol-Version"] = "2026-07-28",
    ["Mcp-Method"] = "tools/call",
    ["Mcp-Name"] = "echo",
  }
  if token ~= "" then headers["Authorization"] = "Bearer " .. token end
  template = '{"jsonrpc":"2.0","id":%d,"method":"tools/call","params":{"name":"echo",'
    .. '"arguments":{"text":"hello from wrk"},'
    .. '"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28",'
    .. '"io.modelcontextprotocol/clientCapabilities":{},'
    .. '"io.modelcontextprotocol/clientInfo":{"name":"wrk","version":"1.0"}}}}'
end

function request()
  counter = counter + 1
  return wrk.format("POST", path, headers, string.format(template, tid * 1000000000 + counter))
end

function response(status, hdrs, body)
  if status ~= 200 or not string.find(body, '"text":"hello from wrk"', 1, true)
      or not string.find(body, '"resultType":"complete"', 1, true)
      or not string.find(body, '^{"jsonrpc":"2.0","id":%d+,"result":') then
    bad = bad + 1
    if first_bad == "" then first_bad = status .. " " .. string.sub(body, 1, 200) end
  end
end

function done(summary, latency, requests)
  local e = summary.errors
  local nbad = 0
  local sample = ""
  for _, t in ipairs(threads) do
    nbad = nbad + (t:get("bad") or 0)
    local fb = t:get("first_bad") or ""
    if sample == "" and fb ~= "" then sample = fb end
  end
  sample = string.gsub(sample, '[\\"]', "'")
  sample = string.gsub(sample, '[%c]', " ")
  io.write(string.format(
    'WRKJSON {"requests":%d,"duration_us":%d,"bytes":%d,"err_connect":%d,"err_read":%d,"err_write":%d,'
      .. '"err_status":%d,"err_timeout":%d,"bad_bodies":%d,"first_bad":"%s","lat_mean_us":%.1f,'
      .. '"p50_us":%d,"p90_us":%d,"p99_us":%d,"max_us":%d}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status, e.timeout,
    nbad, sample, latency.mean, latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
end
