-- wrk load for swift-consensus: POST /v1/counters/{name}/add with delta 1.
--   wrk -t2 -c16 -d10s --latency -s bench/wrk-counter.lua http://127.0.0.1:PORT -- 1000
local common = dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "wrk-common.lua")
local paths
common.install()

function init(args)
  common.init(args)
  -- Counters live in the key space: "bench-counter-..." keeps them apart from the string keys.
  paths = common.paths("/v1/counters/counter-", "/add")
end

function request()
  return wrk.format("POST", paths[common.pick()], common.jsonHeaders, '{"delta":1}')
end
