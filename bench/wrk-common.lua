-- Shared by the wrk scripts in this folder (loaded with dofile from the script's own folder).
-- Arguments after wrk's "--": [keys] [value-size] [mode]; defaults 1000 keys, 64-byte values;
-- mode "fill" writes the keys in order (run it with one thread to write each key once).
-- Each thread picks keys uniformly at random; done() prints one WRK_RESULT line that
-- bench/compare-etcd.sh reads (latencies in microseconds).
local common = {}

common.keys = 1000
common.valueSize = 64
common.mode = nil

function common.init(args)
  common.keys = tonumber(args[1] or "") or 1000
  common.valueSize = tonumber(args[2] or "") or 64
  common.mode = args[3]
  assert(common.keys >= 1 and common.valueSize >= 1, "keys and value-size must be positive")
  math.randomseed(os.time() + (tonumber(rawget(_G, "seed") or "0") or 0) * 7919)
end

-- "bench-000042": the same names as consensus bench http.
function common.key(i)
  return string.format("bench-%06d", i)
end

function common.value()
  return string.rep("v", common.valueSize)
end

-- A random key; with mode "fill", each thread's keys in order instead (to write them all).
local nextKey = -1
function common.pick()
  if common.mode == "fill" then
    nextKey = (nextKey + 1) % common.keys
    return nextKey
  end
  return math.random(0, common.keys - 1)
end

local alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"

function common.base64(s)
  local out = {}
  for i = 1, #s, 3 do
    local a, b, c = s:byte(i, i + 2)
    local n = a * 65536 + (b or 0) * 256 + (c or 0)
    local chars = {}
    for k = 3, 0, -1 do
      local idx = math.floor(n / 64 ^ k) % 64
      chars[#chars + 1] = alphabet:sub(idx + 1, idx + 1)
    end
    if not b then chars[3], chars[4] = "=", "=" elseif not c then chars[4] = "=" end
    out[#out + 1] = table.concat(chars)
  end
  return table.concat(out)
end

-- The JSON request headers.
common.jsonHeaders = { ["Content-Type"] = "application/json" }

-- One path per key: prefix .. key .. suffix, indexed from 0.
function common.paths(prefix, suffix)
  local paths = {}
  for i = 0, common.keys - 1 do paths[i] = prefix .. common.key(i) .. (suffix or "") end
  return paths
end

-- Installs the setup and done callbacks that every script shares.
function common.install()
  setup = common.setup
  done = common.done
end

local threads = 0
function common.setup(thread)
  threads = threads + 1
  thread:set("seed", tostring(threads))
end

function common.done(summary, latency, requests)
  local seconds = summary.duration / 1e6
  local e = summary.errors
  io.write(string.format(
    "WRK_RESULT requests=%d seconds=%.3f rps=%.1f p50_us=%d p90_us=%d p99_us=%d max_us=%d "
      .. "connect_errors=%d read_errors=%d write_errors=%d timeouts=%d non2xx=%d\n",
    summary.requests, seconds, summary.requests / seconds,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
    e.connect, e.read, e.write, e.timeout, e.status))
end

return common
