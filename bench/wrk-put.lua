-- wrk load for swift-consensus: PUT /v1/kv/{key} with a string value.
--   wrk -t2 -c16 -d10s --latency -s bench/wrk-put.lua http://127.0.0.1:PORT -- 1000 64
-- A third argument "fill" writes the keys in order (with -t1: each key once per round).
local common = dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "wrk-common.lua")
local paths, body
common.install()

function init(args)
  common.init(args)
  paths = common.paths("/v1/kv/")
  body = '{"value":"' .. common.value() .. '"}'
end

function request()
  return wrk.format("PUT", paths[common.pick()], common.jsonHeaders, body)
end
