#!/usr/bin/env bash
# swift-consensus against etcd 3.4, both as 3 members on loopback, loaded by wrk through their
# HTTP/JSON APIs with the same load: 64-byte values, 1,000 keys, 10 s per row; writes with 1, 16
# and 64 connections, linearizable reads with 64. Both fsync before acknowledging. Every request
# goes to the leader. Prints one table per run and, with RUNS > 1, the median and range.
#
#   bench/compare-etcd.sh                 # one run
#   RUNS=3 bench/compare-etcd.sh          # three runs, then the spread
#   DURATION=5s RUNS=1 bench/compare-etcd.sh
#
# Needs etcd, etcdctl and wrk (installed with apt-get when missing) and python3; builds
# swift-consensus in release mode into .build-bench. Stops everything it started, by PID, and
# removes its temporary directory. A benchmark: not part of swift test or .ci/run.
set -euo pipefail

DURATION=${DURATION:-10s}
RUNS=${RUNS:-1}
KEYS=${KEYS:-1000}
VALUE_SIZE=${VALUE_SIZE:-64}
WRITE_CONNECTIONS=${WRITE_CONNECTIONS:-"1 16 64"}
READ_CONNECTIONS=${READ_CONNECTIONS:-64}
EXTRA=${EXTRA:-1}   # 1: also cas and counter rows for swift-consensus (consensus bench http)

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")

log() { printf '%s\n' "$*" >&2; }

# --- tools ---------------------------------------------------------------------------------
missing=()
command -v etcd >/dev/null || missing+=(etcd-server)
command -v etcdctl >/dev/null || missing+=(etcd-client)
command -v wrk >/dev/null || missing+=(wrk)
if ((${#missing[@]})); then
  log "installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
command -v python3 >/dev/null || { log "python3 is needed for the table"; exit 1; }

log "building swift-consensus (release, .build-bench)"
(cd "$root" && swift build -c release --scratch-path .build-bench --product consensus >&2)
consensus="$root/.build-bench/release/consensus"

# --- processes, cleanup ----------------------------------------------------------------------
tmp=$(mktemp -d /tmp/compare-etcd.XXXXXX)
# shellcheck source=started-processes.sh
source "$here/started-processes.sh"
cleanup() {
  stop_started
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# wait_until SECONDS COMMAND...: polls every 0.2 s.
wait_until() {
  local limit=$1; shift
  local deadline=$((SECONDS + limit))
  until "$@" >/dev/null 2>&1; do
    ((SECONDS < deadline)) || return 1
    sleep 0.2
  done
}

# member_list NAME URL_PREFIX: "NAME1=URL_PREFIX127.0.0.1:PORT,..." with the peer ports, the
# even entries of $ports (the odd ones are the client ports).
member_list() {
  local list="" i
  for i in 0 1 2; do list+="${list:+,}$1$((i + 1))=$2127.0.0.1:${ports[2 * i]}"; done
  echo "$list"
}

# --- etcd ------------------------------------------------------------------------------------
start_etcd() {
  read -r -a ports <<<"$(free_ports 6)"
  local cluster i
  cluster=$(member_list e http://)
  etcd_clients=()
  for i in 0 1 2; do
    local peer=${ports[2 * i]} client=${ports[2 * i + 1]}
    etcd --name "e$((i + 1))" --data-dir "$tmp/etcd$((i + 1))" \
      --listen-peer-urls "http://127.0.0.1:$peer" --initial-advertise-peer-urls "http://127.0.0.1:$peer" \
      --listen-client-urls "http://127.0.0.1:$client" --advertise-client-urls "http://127.0.0.1:$client" \
      --initial-cluster "$cluster" --initial-cluster-token "compare-$$" --initial-cluster-state new \
      --logger zap --log-outputs "$tmp/etcd$((i + 1)).log" >/dev/null 2>&1 &
    pids+=($!)
    etcd_clients+=("127.0.0.1:$client")
  done
  local endpoints
  endpoints=$(IFS=,; echo "${etcd_clients[*]}")
  wait_until 60 etcdctl --endpoints="$endpoints" endpoint health || { log "etcd did not become healthy; logs in $tmp"; exit 1; }
  etcd_leader=""
  local _
  for _ in $(seq 100); do
    etcd_leader=$(etcdctl --endpoints="$endpoints" endpoint status -w json | python3 -c '
import json, sys
for s in json.load(sys.stdin):
    if s["Status"]["header"]["member_id"] == s["Status"]["leader"]:
        print(s["Endpoint"].replace("http://", "")); break')
    [[ -n $etcd_leader ]] && break
    sleep 0.2
  done
  [[ -n $etcd_leader ]] || { log "etcd elected no leader"; exit 1; }
  log "etcd 3.4: 3 members, leader $etcd_leader"
}

# --- swift-consensus ---------------------------------------------------------------------------
start_ours() {
  read -r -a ports <<<"$(free_ports 6)"
  local peers i
  peers=$(member_list n "")
  our_apis=()
  for i in 0 1 2; do
    "$consensus" node --id "n$((i + 1))" --listen "127.0.0.1:${ports[2 * i]}" --api "127.0.0.1:${ports[2 * i + 1]}" \
      --peers "$peers" --data-dir "$tmp/ours$((i + 1))" --cluster-id "compare-$$" --log-level warning \
      --exit-with-parent $$ >"$tmp/ours$((i + 1)).log" 2>&1 &
    pids+=($!)
    our_apis+=("127.0.0.1:${ports[2 * i + 1]}")
  done
  our_leader=""
  local deadline=$((SECONDS + 60)) api
  while [[ -z $our_leader ]] && ((SECONDS < deadline)); do
    for api in "${our_apis[@]}"; do
      if curl -sf "http://$api/v1/status" | python3 -c 'import json,sys; sys.exit(0 if json.load(sys.stdin)["role"] == "leader" else 1)' 2>/dev/null; then
        our_leader=$api
      fi
    done
    [[ -n $our_leader ]] || sleep 0.2
  done
  [[ -n $our_leader ]] || { log "swift-consensus elected no leader; logs in $tmp"; exit 1; }
  log "swift-consensus: 3 members, leader $our_leader"
}

# run_wrk SYSTEM ROW CONNECTIONS URL SCRIPT ARGS...: one wrk run, one TSV line in $results.
run_wrk() {
  local system=$1 row=$2 connections=$3 url=$4 script=$5; shift 5
  local threads=$((connections < 2 ? connections : 2))
  local out
  out=$(wrk -t"$threads" -c"$connections" -d"$DURATION" --latency -s "$here/$script" "$url" -- "$@")
  local line
  line=$(grep '^WRK_RESULT' <<<"$out") || { log "wrk printed no result:"; log "$out"; exit 1; }
  log "  $system $row: ${line#WRK_RESULT }"
  printf '%s\t%s\t%s\t%s\n' "$run" "$system" "$row" "${line#WRK_RESULT }" >>"$results"
}

# run_ours_tool ROW WORKLOAD: consensus bench http against the leader, one TSV line.
run_ours_tool() {
  local row=$1 workload=$2
  local json
  json=$("$consensus" bench http --connect "$our_leader" --workload "$workload" --connections 16 \
    --duration "$DURATION" --keys "$KEYS" --value-size "$VALUE_SIZE" --json 2>/dev/null)
  local line
  line=$(python3 -c '
import json, sys
r = json.loads(sys.argv[1])
l = r["latency"]
print("requests=%d seconds=%.3f rps=%.1f p50_us=%d p90_us=%d p99_us=%d max_us=%d non2xx=%d"
      % (r["succeeded"], r["seconds"], r["requestsPerSecond"], l["p50"], l["p90"], l["p99"], l["max"],
         sum(r["failedByStatus"].values()) + r["transportErrors"]))' "$json")
  log "  ours $row: $line"
  printf '%s\t%s\t%s\t%s\n' "$run" "ours" "$row" "$line" >>"$results"
}

# fill SYSTEM URL SCRIPT ARGS...: writes every key (one wrk thread, keys in order) so that the
# reads find them all; not a row of the table.
fill() {
  local system=$1 url=$2 script=$3; shift 3
  local out requests
  out=$(wrk -t1 -c8 -d"${FILL_DURATION:-10s}" -s "$here/$script" "$url" -- "$@")
  requests=$(grep -o 'requests=[0-9]*' <<<"$out" | cut -d= -f2)
  ((requests >= KEYS)) || log "  warning: $system fill wrote only $requests of $KEYS keys; some reads may miss"
}

results="$tmp/results.tsv"
: >"$results"
for run in $(seq "$RUNS"); do
  log "run $run of $RUNS"
  start_etcd
  for c in $WRITE_CONNECTIONS; do run_wrk etcd "put c=$c" "$c" "http://$etcd_leader" wrk-etcd.lua "$KEYS" "$VALUE_SIZE" put; done
  fill etcd "http://$etcd_leader" wrk-etcd.lua "$KEYS" "$VALUE_SIZE" fill
  run_wrk etcd "get c=$READ_CONNECTIONS" "$READ_CONNECTIONS" "http://$etcd_leader" wrk-etcd.lua "$KEYS" "$VALUE_SIZE" range
  stop_started
  rm -rf "$tmp"/etcd*

  start_ours
  for c in $WRITE_CONNECTIONS; do run_wrk ours "put c=$c" "$c" "http://$our_leader" wrk-put.lua "$KEYS" "$VALUE_SIZE"; done
  fill ours "http://$our_leader" wrk-put.lua "$KEYS" "$VALUE_SIZE" fill
  run_wrk ours "get c=$READ_CONNECTIONS" "$READ_CONNECTIONS" "http://$our_leader" wrk-get.lua "$KEYS" "$VALUE_SIZE"
  if ((EXTRA)); then
    run_wrk ours "counter c=16 (wrk)" 16 "http://$our_leader" wrk-counter.lua "$KEYS"
    run_ours_tool "put c=16 (bench http)" put
    run_ours_tool "cas c=16 (bench http)" cas
    run_ours_tool "counter c=16 (bench http)" counter
  fi
  stop_started
  rm -rf "$tmp"/ours*
done

python3 "$here/compare-table.py" "$results" "$RUNS"
