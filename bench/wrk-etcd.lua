-- wrk load for etcd 3.4's HTTP/JSON gateway: mode "put" (POST /v3/kv/put) or "range"
-- (POST /v3/kv/range, linearizable by default), or "fill" (put, every key in order); keys and values base64-encoded as the gateway
-- wants, the same key names and value sizes as the swift-consensus scripts.
--   wrk -t2 -c16 -d10s --latency -s bench/wrk-etcd.lua http://127.0.0.1:PORT -- 1000 64 put
local common = dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "./") .. "wrk-common.lua")
local bodies, path
common.install()

function init(args)
  common.init(args)
  local mode = common.mode or "put"
  assert(mode == "put" or mode == "range" or mode == "fill", "mode must be put, range or fill")
  path = mode == "range" and "/v3/kv/range" or "/v3/kv/put"
  local value = common.base64(common.value())
  bodies = {}
  for i = 0, common.keys - 1 do
    local key = common.base64(common.key(i))
    if mode ~= "range" then
      bodies[i] = '{"key":"' .. key .. '","value":"' .. value .. '"}'
    else
      bodies[i] = '{"key":"' .. key .. '"}'
    end
  end
end

function request()
  return wrk.format("POST", path, common.jsonHeaders, bodies[common.pick()])
end
