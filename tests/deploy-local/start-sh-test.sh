#!/usr/bin/env bash
# Tests deploy/local: start.sh refuses a non-durable Redis already on its port (starts its own with AOF on a free
# port, and the demo runs end to end against it), still reuses a durable one, and test.sh's prometheus install starts
# no system service. Uses the existing Release build (run after `dotnet build -c Release`); everything it starts runs
# on free loopback ports under a temporary directory and is stopped at the end.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
work="$(mktemp -d -t dgproxy-start-sh-XXXXXX)"
started=()

finish() {
  local pid
  for pid in "${started[@]}"; do
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
  done
  for pid in "${started[@]}"; do
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  done
  rm -rf "$work"
}
trap finish EXIT

failures=0
check() {
  local what="$1"
  shift
  if "$@"; then
    echo "ok   - $what"
  else
    echo "FAIL - $what"
    failures=$((failures + 1))
  fi
}

in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
next_port=$((20000 + RANDOM % 20000))
# Sets the named variable to a free port (not in a $(...) subshell, which would lose the counter).
alloc() {
  while in_use "$next_port"; do next_port=$((next_port + 1)); done
  printf -v "$1" '%s' "$next_port"
  next_port=$((next_port + 1))
}

# A Redis the way a distribution's service runs it: snapshots only (or here none), no append-only file.
start_redis() {
  local port="$1" appendonly="$2" dir="$work/redis-$1"
  mkdir -p "$dir"
  setsid redis-server --port "$port" --bind 127.0.0.1 --dir "$dir" --save "" --appendonly "$appendonly" \
    >"$dir/log" 2>&1 &
  started+=($!)
  for _ in $(seq 1 100); do [ "$(redis-cli -p "$port" ping 2>/dev/null)" = PONG ] && return 0; sleep 0.1; done
  echo "redis-server on $port did not start"; cat "$dir/log"; exit 1
}

# Runs start.sh in the background until it prints its banner (or gives up); sets run_log, run_pid, admin_port, proxy_port.
run_start_sh() {
  local name="$1" redis_port="$2"
  alloc proxy_port; alloc admin_port
  local emulator_port; alloc emulator_port
  run_log="$work/$name.log"
  REDIS_PORT="$redis_port" PROXY_PORT="$proxy_port" ADMIN_PORT="$admin_port" EMULATOR_PORT="$emulator_port" \
    STATE_DIR="$work/state-$name" NO_BUILD=1 setsid bash "$root/deploy/local/start.sh" >"$run_log" 2>&1 &
  run_pid=$!
  started+=("$run_pid")
  for _ in $(seq 1 1800); do
    grep -q "gateway is running" "$run_log" && return 0
    kill -0 "$run_pid" 2>/dev/null || break
    sleep 0.1
  done
  echo "start.sh did not come up; its output:"; cat "$run_log"
  return 1
}

# SIGTERM, not SIGINT: a background job of a non-interactive shell starts with SIGINT ignored, and start.sh traps both.
stop_start_sh() {
  kill -TERM "$run_pid" 2>/dev/null || true
  for _ in $(seq 1 300); do kill -0 "$run_pid" 2>/dev/null || return 0; sleep 0.1; done
  return 1
}

demo_key() { sed -n 's/^ *Demo key *\([^ ]*\).*/\1/p' "$run_log"; }
admin_token() { sed -n 's/.*Authorization: Bearer \([0-9a-f]*\).*/\1/p' "$run_log" | head -1; }
has_demo() { [ "$(redis-cli -p "$1" EXISTS 'dgp:{demo}:customer' 2>/dev/null)" = 1 ]; }

# One agent session through the proxy with the demo key (Node's built-in WebSocket), then its record in the admin API.
demo_session_recorded() {
  local key; key="$(demo_key)"
  node --experimental-websocket --no-warnings -e '
    const [url, key] = process.argv.slice(1);
    const ws = new WebSocket(url, ["token", key]);
    const timer = setTimeout(() => { console.error("no SettingsApplied"); process.exit(1); }, 20000);
    ws.onmessage = (m) => {
      if (typeof m.data !== "string") return;
      const t = JSON.parse(m.data).type;
      if (t === "Welcome") ws.send(JSON.stringify({ type: "Settings", audio: { input: { encoding: "linear16", sample_rate: 16000 } },
        agent: { listen: { provider: { type: "deepgram", model: "nova-3" } }, think: { provider: { type: "open_ai", model: "gpt-4o-mini" } },
                 speak: { provider: { type: "deepgram", model: "aura-2-thalia-en" } } } }));
      if (t === "SettingsApplied") ws.close(1000, "done");
    };
    ws.onclose = () => { clearTimeout(timer); process.exit(0); };
    ws.onerror = (e) => { console.error("websocket error", e.message ?? ""); process.exit(1); };
  ' "ws://127.0.0.1:$proxy_port/v1/agent/converse" "$key" || return 1
  local i
  for i in $(seq 1 100); do
    curl -fsS -H "Authorization: Bearer $(admin_token)" "http://127.0.0.1:$admin_port/admin/v1/sessions?customer=demo&state=closed" \
      | grep -q '"customer_id":"demo"' && return 0
    sleep 0.1
  done
  return 1
}

echo "# start.sh with a non-durable Redis on its port"
alloc weak_port
start_redis "$weak_port" no
run_start_sh weak "$weak_port" || exit 1
own_port="$(sed -n 's/^ *Redis *127\.0\.0\.1:\([0-9]*\).*/\1/p' "$run_log")"
check "start.sh says the Redis on the port is not durable" grep -q "is not durable" "$run_log"
check "start.sh does not store the demo customer in the non-durable Redis" bash -c "! [ \"\$(redis-cli -p $weak_port EXISTS 'dgp:{demo}:customer')\" = 1 ]"
check "start.sh runs its own Redis on another port" test -n "$own_port" -a "$own_port" != "$weak_port"
check "its own Redis has the append-only file on" test "$(redis-cli -p "${own_port:-0}" --raw CONFIG GET appendonly 2>/dev/null | sed -n 2p)" = yes
check "its own Redis fsyncs every write" test "$(redis-cli -p "${own_port:-0}" --raw CONFIG GET appendfsync 2>/dev/null | sed -n 2p)" = always
check "the demo customer is in start.sh's own Redis" has_demo "${own_port:-0}"
check "a demo session runs end to end and is recorded" demo_session_recorded
console_url="$(sed -n 's/^ *Admin console *\(http:[^ ]*\).*/\1/p' "$run_log")"
check "start.sh prints the admin console URL on the admin port" test "$console_url" = "http://127.0.0.1:$admin_port/admin/console/"
check "the printed console URL serves the console page" bash -c "curl -fsS '${console_url:-http://127.0.0.1:1/}' | grep -q 'js/app.js'"
check "SIGTERM stops start.sh" stop_start_sh
check "stopping start.sh stops its own Redis" bash -c "! (exec 3<>/dev/tcp/127.0.0.1/${own_port:-0}) 2>/dev/null"

echo "# start.sh with a durable Redis on its port"
alloc durable_port
start_redis "$durable_port" yes
run_start_sh durable "$durable_port" || exit 1
check "start.sh reuses a durable Redis" grep -q "using the Redis already running on 127.0.0.1:$durable_port" "$run_log"
check "the demo customer is in the reused Redis" has_demo "$durable_port"
check "SIGTERM stops start.sh" stop_start_sh
check "the reused Redis is left running" test "$(redis-cli -p "$durable_port" ping)" = PONG

echo "# test.sh installs prometheus (for promtool) without starting its service"
fake="$work/fakebin"
mkdir -p "$fake"
for tool in env tee chmod rm cat grep; do ln -s "$(command -v "$tool")" "$fake/$tool"; done
printf '#!/bin/sh\necho 0\n' >"$fake/id"
cat >"$fake/apt-get" <<'FAKE'
#!/bin/sh
case " $* " in
  *" install "*)
    if [ -x "$POLICY_RC_D" ] && "$POLICY_RC_D" prometheus start; then echo "policy-allows" >>"$APT_REPORT"
    elif [ -x "$POLICY_RC_D" ]; then echo "policy-forbids" >>"$APT_REPORT"
    else echo "no-policy" >>"$APT_REPORT"; fi ;;
esac
exit 0
FAKE
chmod 755 "$fake/id" "$fake/apt-get"
report="$work/apt-report"
(
  export PATH="$fake" POLICY_RC_D="$work/policy-rc.d" APT_REPORT="$report"
  source "$root/deploy/local/common.sh"
  ensure_promtool
) >"$work/promtool.log" 2>&1 || { echo "ensure_promtool failed:"; cat "$work/promtool.log"; }
check "prometheus is installed while policy-rc.d forbids starting services" test "$(cat "$report" 2>/dev/null)" = policy-forbids
check "the temporary policy-rc.d is removed afterwards" test ! -e "$work/policy-rc.d"
check "test.sh installs promtool through the guarded install" grep -q "^ensure_promtool$" "$root/deploy/local/test.sh"

if [ "$failures" -gt 0 ]; then
  echo "$failures check(s) failed"
  exit 1
fi
echo "all deploy/local checks passed"
