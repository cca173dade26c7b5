-- A chat completion request. Environment:
--   BENCH_KEY          bearer key (default bench-key; "" sends none)
--   BENCH_MODEL        model name (default bench)
--   BENCH_BODY_BYTES   pad the user message so the body is about this size (0: a small request)
--   BENCH_STREAM       1: "stream": true
package.path = os.getenv("BENCH_DIR") .. "/wrk/?.lua;" .. package.path
local report = require("report")

local key = os.getenv("BENCH_KEY") or "bench-key"
local model = os.getenv("BENCH_MODEL") or "bench"
local size = tonumber(os.getenv("BENCH_BODY_BYTES") or "0") or 0
local stream = os.getenv("BENCH_STREAM") == "1"

local content = "Say hello in five words."
local head = '{"model":"' .. model .. '",' .. (stream and '"stream":true,' or '') ..
  '"messages":[{"role":"user","content":"'
local tail = '"}],"max_tokens":16}'
if size > 0 then
  local filler = "the quick brown fox jumps over the lazy dog while the gateway forwards bytes "
  local need = size - #head - #tail
  if need > 0 then
    content = string.rep(filler, math.floor(need / #filler) + 1):sub(1, need)
  end
end

wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
if key ~= "" then wrk.headers["Authorization"] = "Bearer " .. key end
wrk.body = head .. content .. tail

done = report.done
