-- wrk load for swift-consensus: GET /v1/kv/{key}, linearizable (the default) or, with a third
-- argument "local", ?consistency=local. Write the keys first (a missing key answers 404).
--   wrk -t2 -c64 -d10s --latency -s bench/wrk-get.lua http://127.0.0.1:PORT -- 1000 64 [local]
local common = dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "wrk-common.lua")
local paths
common.install()

function init(args)
  common.init(args)
  paths = common.paths("/v1/kv/", common.mode == "local" and "?consistency=local" or "")
end

function request()
  return wrk.format("GET", paths[common.pick()])
end
