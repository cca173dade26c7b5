-- Mixed traffic for the memory soak: small and 40 KB chats, short streams,
-- rejected keys and the failover path, in a fixed rotation.
package.path = os.getenv("BENCH_DIR") .. "/wrk/?.lua;" .. package.path
local report = require("report")

local function chat(model, key, stream, content)
  local body = '{"model":"' .. model .. '",' .. (stream and '"stream":true,' or '') ..
    '"messages":[{"role":"user","content":"' .. content .. '"}],"max_tokens":16}'
  return wrk.format("POST", "/v1/chat/completions",
    { ["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. key }, body)
end

local large = string.rep("the quick brown fox jumps over the lazy dog ", 930)
local rotation = {
  chat("bench", "bench-key", false, "Say hello in five words."),
  chat("bench", "bench-key", true, "Stream a short greeting please."),
  chat("bench", "bench-key", false, large),
  chat("bench", "wrong-key", false, "Let me in."),
  chat("failover", "bench-key", false, "Take the long way round."),
  chat("bench", "bench-key", false, "Another small request."),
}
local i = 0

request = function()
  i = i % #rotation + 1
  return rotation[i]
end

done = report.done
