#!/usr/bin/env bash
# Starts the whole gateway locally: Redis, the Deepgram agent emulator (unless DEEPGRAM_API_KEY is set, then the
# real Deepgram is the upstream), and the proxy; creates a demo customer with a key and prints how to connect.
# Ctrl-C stops what this script started.
#
# Environment (all optional):
#   DEEPGRAM_API_KEY   use the real Deepgram agent API with this key instead of the emulator
#   PROXY_PORT         proxy port for voice apps (default 8080)
#   ADMIN_PORT         admin API / health port, loopback only (default 9090)
#   EMULATOR_PORT      emulator port (default 8081)
#   REDIS_PORT         Redis port (default 6379). A Redis already running there is reused only if it is durable
#                      (append-only file on, fsync always or everysec); otherwise this script says so and starts its
#                      own durable Redis on the next free port.
#   STATE_DIR          where secrets, Redis data, the spool and logs live (default .local in the repository)
#   NO_BUILD=1         use the existing Release build instead of building first
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
root="$(repo_root)"
cd "$root"

proxy_port="${PROXY_PORT:-8080}"
admin_port="${ADMIN_PORT:-9090}"
emulator_port="${EMULATOR_PORT:-8081}"
redis_port="${REDIS_PORT:-6379}"
state="${STATE_DIR:-$root/.local}"
mkdir -p "$state/redis" "$state/logs"
chmod 700 "$state"

ensure_package redis-server redis-server
ensure_package curl curl
command -v dotnet >/dev/null 2>&1 || fail "the .NET 10 SDK (dotnet) is required"

pids=()
cleanup() {
  trap - EXIT INT TERM HUP
  if [ "${#pids[@]}" -gt 0 ]; then
    # Signal first: when the terminal is gone, even printing can fail.
    kill -TERM "${pids[@]}" 2>/dev/null || true
    log "stopping ${#pids[@]} process(es)" || true
    wait "${pids[@]}" 2>/dev/null || true
  fi
}
trap cleanup EXIT
trap 'cleanup; exit 130' INT TERM HUP

# Secrets that must survive restarts: the master key decrypts stored Deepgram keys, the admin token is yours.
[ -s "$state/master-key" ] || head -c 32 /dev/urandom | base64 > "$state/master-key"
[ -s "$state/admin-token" ] || head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$state/admin-token"
[ -s "$state/emulator-key" ] || head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$state/emulator-key"
chmod 600 "$state/master-key" "$state/admin-token" "$state/emulator-key"
admin_token="$(cat "$state/admin-token")"

if [ "${NO_BUILD:-}" = 1 ]; then
  log "using the existing Release build (NO_BUILD=1)"
else
  log "building (Release)"
  dotnet build Proxy.sln -c Release --nologo -v quiet >/dev/null
fi

# Session records are the billing truth, and the proxy drops its spooled copy of a record as soon as Redis has
# acknowledged it: a Redis that may forget what it acknowledged loses records for good. A distribution's Redis
# service keeps only RDB snapshots (appendonly no), which lose every write since the last snapshot when Redis or the
# machine stops hard, so a Redis found on the port is reused only with its append-only file on.
reuse_redis=""
if port_in_use "$redis_port"; then
  if [ "$(redis-cli -p "$redis_port" ping 2>/dev/null)" = "PONG" ]; then
    appendonly="$(redis_config "$redis_port" appendonly)"
    appendfsync="$(redis_config "$redis_port" appendfsync)"
    if [ "$appendonly" = "yes" ] && { [ "$appendfsync" = "always" ] || [ "$appendfsync" = "everysec" ]; }; then
      reuse_redis=1
      log "using the Redis already running on 127.0.0.1:$redis_port (durable: appendonly yes, appendfsync $appendfsync)"
      [ "$appendfsync" = "always" ] || log "note: with appendfsync everysec a hard stop of that Redis can lose up to a second of records; 'always' loses none (README, \"Reliability\")"
    else
      log "WARNING: the Redis on 127.0.0.1:$redis_port is not durable (appendonly '${appendonly:-unknown}', appendfsync '${appendfsync:-unknown}')."
      log "  Records need the append-only file on (appendonly yes, appendfsync always or everysec): with snapshots only,"
      log "  a crash loses every record since the last snapshot. It is left as it is and not used."
      log "  To reuse it instead: redis-cli -p $redis_port CONFIG SET appendonly yes (and make it permanent in its redis.conf)."
    fi
  else
    log "port $redis_port is taken by something that is not a Redis answering PING without a password; not using it"
  fi
  if [ -z "$reuse_redis" ]; then
    redis_port="$(free_port $((redis_port + 1)) "$proxy_port" "$admin_port" "$emulator_port")" || fail "no free port for Redis above ${REDIS_PORT:-6379}"
  fi
fi

if [ -z "$reuse_redis" ]; then
  # appendfsync always: Redis answers a write only once it is on disk, so nothing the proxy stopped spooling can be
  # lost, even on a power cut; at a gateway's write rate (a few writes per session) the fsyncs cost nothing visible.
  log "starting a durable Redis on 127.0.0.1:$redis_port (appendonly yes, appendfsync always; data in $state/redis)"
  redis-server --port "$redis_port" --bind 127.0.0.1 --dir "$state/redis" --appendonly yes --appendfsync always \
    --save "" >"$state/logs/redis.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 1 50); do [ "$(redis-cli -p "$redis_port" ping 2>/dev/null)" = "PONG" ] && break; sleep 0.1; done
  [ "$(redis-cli -p "$redis_port" ping 2>/dev/null)" = "PONG" ] || fail "Redis did not start (see $state/logs/redis.log)"
fi

if [ -n "${DEEPGRAM_API_KEY:-}" ]; then
  upstream_url="wss://agent.deepgram.com"
  upstream_key="$DEEPGRAM_API_KEY"
  log "upstream: Deepgram ($upstream_url)"
else
  upstream_key="$(cat "$state/emulator-key")"
  upstream_url="ws://127.0.0.1:$emulator_port"
  log "upstream: the local Deepgram emulator on 127.0.0.1:$emulator_port (set DEEPGRAM_API_KEY to use Deepgram)"
  Emulator__ApiKeys__0="$upstream_key" dotnet src/Proxy.Emulator/bin/Release/net10.0/Proxy.Emulator.dll \
    --urls "http://127.0.0.1:$emulator_port" >"$state/logs/emulator.log" 2>&1 &
  pids+=($!)
fi

log "starting the proxy on 0.0.0.0:$proxy_port (admin on 127.0.0.1:$admin_port)"
Upstream__ApiKey="$upstream_key" Admin__Tokens__0="$admin_token" Secrets__MasterKey="$(cat "$state/master-key")" \
  dotnet src/Proxy/bin/Release/net10.0/Proxy.dll \
    --Endpoints:Proxy "http://0.0.0.0:$proxy_port" \
    --Endpoints:Admin "http://127.0.0.1:$admin_port" \
    --Upstream:Url "$upstream_url" \
    --Redis:Configuration "127.0.0.1:$redis_port" \
    --Storage:SpoolDirectory "$state/spool" >"$state/logs/proxy.log" 2>&1 &
pids+=($!)

admin="http://127.0.0.1:$admin_port"
wait_http "$admin/readyz" 60 || fail "the proxy did not become ready (see $state/logs/proxy.log)"

auth=(-H "Authorization: Bearer $admin_token" -H "Content-Type: application/json")
curl -fsS -X PUT "${auth[@]}" "$admin/admin/v1/customers/demo" -d '{"name":"Demo customer","plan":"demo"}' >/dev/null
key="$(curl -fsS -X POST "${auth[@]}" "$admin/admin/v1/customers/demo/keys" | sed -n 's/.*"key":"\([^"]*\)".*/\1/p')"
[ -n "$key" ] || fail "could not issue the demo key"

cat <<EOF

  Deepgram Voice Agent gateway is running.

  WebSocket URL   ws://127.0.0.1:$proxy_port/v1/agent/converse
  Demo key        $key        (customer "demo"; shown once, keep it)
  Admin API       $admin/admin/v1   Authorization: Bearer $admin_token
  Admin console   $admin/admin/console/   (sign in with the admin token above; it is in $state/admin-token)
  Redis           127.0.0.1:$redis_port
  Records         curl -s -H 'Authorization: Bearer $admin_token' '$admin/admin/v1/sessions?customer=demo'
  Logs            $state/logs/

  Deepgram's JS SDK (npm i @deepgram/sdk@5), only the base URL and the key change:

    import { DeepgramClient } from "@deepgram/sdk";
    const client = new DeepgramClient({ apiKey: "$key", baseUrl: "ws://127.0.0.1:$proxy_port" });
    const agent = await client.agent.v1.connect({});
    agent.on("message", (m) => console.log(m));
    agent.connect();
    await agent.waitForOpen();
    agent.sendSettings({ type: "Settings", audio: { input: { encoding: "linear16", sample_rate: 16000 } },
      agent: { listen: { provider: { type: "deepgram", model: "nova-3" } },
               think: { provider: { type: "open_ai", model: "gpt-4o-mini" } },
               speak: { provider: { type: "deepgram", model: "aura-2-thalia-en" } } } });

  Press Ctrl-C to stop.
EOF

wait -n "${pids[@]}" || true
log "a process exited; stopping the rest"
