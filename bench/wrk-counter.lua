-- wrk load for swift-consensus: POST /v1/counters/{name}/add with delta 1.
--   wrk -t2 -c16 -d10s --latency -s bench/wrk-counter.lua http://127.0.0.1:PORT -- 1000
local common = dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "wrk-common.lua")
local paths
common.install()

function init(args)
  common.init(args)
  paths = common.paths("/v1/counters/", "/add")
end

function request()
  return wrk.format("POST", paths[common.pick()], common.jsonHeaders, '{"delta":1}')
end
