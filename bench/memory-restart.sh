#!/usr/bin/env bash
# Memory through many writes, then a restart: the issue 15 figures for a member's resident size
# through 1,000,000 writes and the time a member restarted with them takes to serve again.
#
#   bench/memory-restart.sh                  # 1,000,000 writes
#   WRITES=200000 bench/memory-restart.sh
#
# Builds swift-consensus in release mode into .build-bench, starts a 3-member cluster with
# `consensus cluster up` (default timing and snapshot interval) in a temporary directory, and
# loads its leader with `consensus bench http` (puts, 64 connections, 1,000 keys, 64-byte values)
# in chunks of CHUNK (default 60s) until the leader has applied WRITES entries, printing each
# member's resident size (VmRSS) and peak (VmHWM) after every chunk. Then `cluster down`,
# `cluster up`, and the time until a linearizable GET is answered, with the peaks of the restart.
# Stops the cluster and removes the directory on exit. A benchmark: not part of swift test.
set -euo pipefail

WRITES=${WRITES:-1000000}
CHUNK=${CHUNK:-60s}
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
command -v python3 >/dev/null || { echo "python3 is needed" >&2; exit 1; }

echo "building swift-consensus (release, .build-bench)" >&2
(cd "$root" && swift build -c release --scratch-path .build-bench --product consensus >&2)
consensus="$root/.build-bench/release/consensus"

dir=$(mktemp -d /tmp/memory-restart.XXXXXX)
cleanup() {
  "$consensus" cluster down --dir "$dir/cluster" >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# The leader's API address, from the cluster's state file and each member's status.
leader() {
  python3 - "$dir/cluster/cluster.json" <<'PY'
import json, sys, urllib.request
for m in json.load(open(sys.argv[1]))["members"]:
    try:
        s = json.load(urllib.request.urlopen("http://127.0.0.1:%d/v1/status" % m["apiPort"], timeout=2))
        if s["role"] == "leader":
            print("127.0.0.1:%d" % m["apiPort"]); break
    except Exception:
        pass
PY
}

# Each member's VmRSS and VmHWM, in MiB.
memory() {
  python3 - "$dir/cluster/cluster.json" <<'PY'
import json, sys
out = []
for m in json.load(open(sys.argv[1]))["members"]:
    try:
        fields = dict(l.split(":", 1) for l in open("/proc/%d/status" % m["pid"]) if ":" in l)
        mib = lambda k: int(fields[k].split()[0]) / 1024
        out.append("%s %.1f MiB (peak %.1f)" % (m["id"], mib("VmRSS"), mib("VmHWM")))
    except Exception:
        out.append("%s ?" % m["id"])
print(", ".join(out))
PY
}

applied() { curl -sf "http://$1/v1/status" | python3 -c 'import json, sys; print(json.load(sys.stdin)["appliedIndex"])'; }

"$consensus" cluster up --dir "$dir/cluster" --log-level warning >/dev/null
echo "writes until the leader has applied $WRITES entries, in chunks of $CHUNK"
while :; do
  l=$(leader)
  [[ -n $l ]] || { sleep 1; continue; }
  a=$(applied "$l")
  echo "$(date +%T)  applied $a  $(memory)"
  ((a >= WRITES)) && break
  "$consensus" bench http --connect "$l" --workload put --connections 64 --duration "$CHUNK" \
    --keys 1000 --value-size 64 --json 2>/dev/null | python3 -c '
import json, sys
r = json.load(sys.stdin)
failed = sum(r["failedByStatus"].values()) + r["transportErrors"]
print("          %d writes, %.0f/s, %d failed" % (r["succeeded"], r["requestsPerSecond"], failed))'
done
echo "data directories: $(du -sh "$dir"/cluster/*/ | awk '{print $1}' | tr '\n' ' ')"

"$consensus" cluster down --dir "$dir/cluster" >/dev/null
start=$(date +%s.%N)
"$consensus" cluster up --dir "$dir/cluster" --log-level warning >/dev/null
served=""
for _ in $(seq 1200); do
  l=$(leader)
  if [[ -n $l ]]; then
    code=$(curl -s -o /dev/null -w "%{http_code}" "http://$l/v1/kv/memory-restart-probe?consistency=linearizable" || true)
    if [[ $code == 200 || $code == 404 ]]; then served=$(date +%s.%N); break; fi
  fi
  sleep 0.05
done
[[ -n $served ]] || { echo "the restarted cluster did not answer a linearizable GET within a minute" >&2; exit 1; }
echo "restart: $(python3 -c "print('%.2f' % ($served - $start))") s from 'cluster up' to the first linearizable GET," \
  "with $(applied "$l") entries applied"
echo "after the restart: $(memory)"
