# Shared by start.sh and test.sh. Sourced, not run.

repo_root() {
  cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd
}

log() {
  printf '\033[1;34m==>\033[0m %s\n' "$*" >&2 || true
}

fail() {
  printf '\033[1;31merror:\033[0m %s\n' "$*" >&2
  exit 1
}

# Installs Debian packages when a command is missing (as root, or through sudo).
ensure_package() {
  local command_name="$1" package="$2"
  if command -v "$command_name" >/dev/null 2>&1; then
    return 0
  fi
  log "installing $package (apt)"
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 || fail "$command_name is missing and this user cannot install $package: run 'apt-get install -y $package' as root"
    sudo="sudo"
  fi
  $sudo apt-get update -qq >/dev/null && $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$package" >/dev/null \
    || fail "could not install $package"
}

# Installs a Debian package whose postinst would start a system service (nginx on :80, prometheus on :9090, the
# admin port's default) without starting it: a temporary policy-rc.d forbids service starts while it installs.
# POLICY_RC_D is only for the script's own test.
install_without_service() {
  local package="$1"
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 || fail "$package is missing and this user cannot install it: run 'apt-get install -y $package' as root"
    sudo="sudo"
  fi
  local policy="${POLICY_RC_D:-/usr/sbin/policy-rc.d}" created=""
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' | $sudo tee "$policy" >/dev/null
    $sudo chmod 755 "$policy"
    created=1
  fi
  local status=0
  { $sudo apt-get update -qq >/dev/null && $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$package" >/dev/null; } || status=$?
  if [ -n "$created" ]; then
    $sudo rm -f "$policy"
  fi
  [ "$status" -eq 0 ] || fail "could not install $package"
}

# Installs nginx (for the load comparison) without starting it. It lives in /usr/sbin, often not on a user's PATH.
ensure_nginx() {
  if [ -x /usr/sbin/nginx ] || command -v nginx >/dev/null 2>&1; then
    return 0
  fi
  log "installing nginx (apt; its service is not started)"
  install_without_service nginx
}

# Installs prometheus for promtool and the functional test that starts its own Prometheus, without the system
# service the package would start on :9090 and leave running. One running from an earlier install is reported, not
# stopped: it may be someone's.
ensure_promtool() {
  if ! command -v promtool >/dev/null 2>&1; then
    log "installing prometheus for promtool (apt; its service is not started)"
    install_without_service prometheus
  fi
  if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet prometheus 2>/dev/null; then
    log "note: a system Prometheus service is running (port 9090, the proxy's default admin port); the tests do not"
    log "  need it. Stop it with: sudo systemctl disable --now prometheus"
  elif pgrep -u prometheus -x prometheus >/dev/null 2>&1; then
    log "note: a Prometheus of user 'prometheus' is running (likely the package's service, on port 9090); the tests do"
    log "  not need it. Stop it with: sudo service prometheus stop"
  fi
}

# True when something accepts TCP connections on 127.0.0.1:<port>.
port_in_use() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# Prints the first port from <start> on (at most 100 tried) that nothing listens on and that is not one of the
# further arguments (ports this script is about to use itself).
free_port() {
  local start="$1" port
  shift
  for ((port = start; port < start + 100 && port < 65536; port++)); do
    if ! port_in_use "$port" && [[ " $* " != *" $port "* ]]; then
      echo "$port"
      return 0
    fi
  done
  return 1
}

# Prints one setting of the Redis on 127.0.0.1:<port> (CONFIG GET), or nothing when it cannot be read (a renamed
# CONFIG command, ACLs).
redis_config() {
  { redis-cli -p "$1" --raw CONFIG GET "$2" 2>/dev/null || true; } | sed -n 2p
}

# Waits until an HTTP URL answers 200, or fails after the given number of seconds.
wait_http() {
  local url="$1" seconds="$2" i
  for ((i = 0; i < seconds * 10; i++)); do
    if curl -fsS -o /dev/null "$url" 2>/dev/null; then
      return 0
    fi
    sleep 0.1
  done
  return 1
}
