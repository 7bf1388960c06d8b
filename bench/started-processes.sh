# Sourced by the bench scripts: the processes a script started, and stopping them, and free
# loopback ports for the clusters they start.
# A script appends each PID it starts to `pids`; stop_started stops those and no others.
pids=()

# Stops the processes this script started (only those, by PID): SIGTERM, SIGKILL after 10 s.
stop_started() {
  local pid _
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for _ in $(seq 100); do
    local alive=0
    for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    ((alive)) || break
    sleep 0.1
  done
  for pid in "${pids[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  pids=()
}

# N free loopback ports, all bound at once so none repeats.
free_ports() {
  python3 - "$1" <<'PY'
import socket, sys
socks = []
for _ in range(int(sys.argv[1])):
    s = socket.socket(); s.bind(("127.0.0.1", 0)); socks.append(s)
print(" ".join(str(s.getsockname()[1]) for s in socks))
PY
}
