#!/usr/bin/env bash
# Two builds of swift-consensus side by side, alternating: for each round and each binary, a new
# 3-member cluster on loopback, the same wrk put load on its leader (64-byte values, 1,000 keys),
# then requests/s, p50 and p99, and the CPU seconds each member used during the load (the leader
# marked L), per 1,000 requests. For before/after measurements of one change: the machine is
# noisy, so compare the two columns of one round, and the rounds for their spread.
#
#   bench/compare-builds.sh OLD_BINARY NEW_BINARY
#   ROUNDS=3 CONNECTIONS=64 DURATION=20s bench/compare-builds.sh old/consensus new/consensus
#
# Build each binary with `swift build -c release` (copy the first one aside before building the
# second). Needs wrk (installed with apt-get when missing), curl and python3. Stops everything it
# started, by PID, and removes its temporary directory; stops with a message if any request fails
# or is answered other than 2xx. A benchmark: not part of swift test.
set -euo pipefail

ROUNDS=${ROUNDS:-2}
CONNECTIONS=${CONNECTIONS:-16}
DURATION=${DURATION:-15s}
KEYS=${KEYS:-1000}
VALUE_SIZE=${VALUE_SIZE:-64}

(($# == 2)) || { echo "usage: $0 OLD_BINARY NEW_BINARY" >&2; exit 2; }
binaries=()
for b in "$@"; do
  [[ -x $b ]] || { echo "not an executable: $b" >&2; exit 2; }
  binaries+=("$(realpath "$b")")
done
here=$(cd "$(dirname "$0")" && pwd)
if ! command -v wrk >/dev/null; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null
fi

tmp=$(mktemp -d /tmp/compare-builds.XXXXXX)
# shellcheck source=started-processes.sh
source "$here/started-processes.sh"
trap 'stop_started; rm -rf "$tmp"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

# run BINARY LABEL: one cluster, one load, one line.
run() {
  local bin=$1 label=$2 dir="$tmp/$2-$round" i
  read -r -a ports <<<"$(free_ports 6)"
  local peers="n1=127.0.0.1:${ports[0]},n2=127.0.0.1:${ports[2]},n3=127.0.0.1:${ports[4]}"
  local apis=() members=()
  for i in 0 1 2; do
    "$bin" node --id "n$((i + 1))" --listen "127.0.0.1:${ports[2 * i]}" --api "127.0.0.1:${ports[2 * i + 1]}" \
      --peers "$peers" --data-dir "$dir/n$((i + 1))" --cluster-id "builds-$$-$round" --log-level warning \
      --exit-with-parent $$ >"$dir.n$((i + 1)).log" 2>&1 &
    pids+=($!)
    members+=($!)
    apis+=("127.0.0.1:${ports[2 * i + 1]}")
  done
  local leader="" leader_pid="" deadline=$((SECONDS + 60))
  while [[ -z $leader ]] && ((SECONDS < deadline)); do
    for i in 0 1 2; do
      if curl -sf "http://${apis[i]}/v1/status" | python3 -c 'import json,sys; sys.exit(0 if json.load(sys.stdin)["role"] == "leader" else 1)' 2>/dev/null; then
        leader=${apis[i]}
        leader_pid=${members[i]}
      fi
    done
    [[ -n $leader ]] || sleep 0.2
  done
  [[ -n $leader ]] || { echo "$label: no leader within 60 s; logs in $dir.*.log" >&2; exit 1; }
  local before=() pid
  for pid in "${members[@]}"; do before+=("$(cpu_ticks "$pid")"); done
  local out line threads=$((CONNECTIONS < 2 ? CONNECTIONS : 2))
  out=$(wrk -t"$threads" -c"$CONNECTIONS" -d"$DURATION" --latency -s "$here/wrk-put.lua" "http://$leader" -- "$KEYS" "$VALUE_SIZE") ||
    { echo "$label: wrk failed: $out" >&2; exit 1; }
  line=$(grep '^WRK_RESULT' <<<"$out") || { echo "$label: wrk printed no result: $out" >&2; exit 1; }
  out=$line
  # Failed requests count in wrk's totals: a build that answers errors fast would look faster.
  local failed
  failed=$(python3 -c "
import re, sys
f = dict(re.findall(r'(\w+)=([0-9.]+)', sys.argv[1]))
print(sum(int(f[k]) for k in ('connect_errors', 'read_errors', 'write_errors', 'timeouts', 'non2xx')))" "$out")
  ((failed == 0)) || { echo "$label: $failed requests failed or were not answered 2xx: $out" >&2; exit 1; }
  local hz requests
  hz=$(getconf CLK_TCK)
  requests=$(grep -o 'requests=[0-9]*' <<<"$out" | cut -d= -f2)
  local cpu=""
  for i in 0 1 2; do
    local seconds
    seconds=$(python3 -c "print('%.2f' % (($(cpu_ticks "${members[i]}") - ${before[i]}) / $hz / max(1, $requests) * 1000))")
    [[ ${members[i]} == "$leader_pid" ]] && cpu+="L"
    cpu+="$seconds "
  done
  printf '%-6s %-4s %9s %9s %9s  %s\n' "$round" "$label" \
    "$(grep -o 'rps=[0-9.]*' <<<"$out" | cut -d= -f2)" \
    "$(python3 -c "print('%.2f' % ($(grep -o 'p50_us=[0-9]*' <<<"$out" | cut -d= -f2) / 1000))")" \
    "$(python3 -c "print('%.2f' % ($(grep -o 'p99_us=[0-9]*' <<<"$out" | cut -d= -f2) / 1000))")" "$cpu"
  stop_started
}

echo "put, $CONNECTIONS connections, $DURATION per run; A = $1, B = $2"
printf '%-6s %-4s %9s %9s %9s  %s\n' round run "req/s" "p50 ms" "p99 ms" "CPU s per 1,000 requests, per member (L: leader)"
for round in $(seq "$ROUNDS"); do
  run "${binaries[0]}" A
  run "${binaries[1]}" B
done
