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

# Installs nginx (for the load comparison) without starting it. It lives in /usr/sbin, often not on a user's PATH;
# the package's postinst would start a system nginx on :80, so a temporary policy-rc.d forbids that while it installs.
ensure_nginx() {
  if [ -x /usr/sbin/nginx ] || command -v nginx >/dev/null 2>&1; then
    return 0
  fi
  log "installing nginx (apt; its service is not started)"
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 || fail "nginx is missing and this user cannot install it: run 'apt-get install -y nginx' as root"
    sudo="sudo"
  fi
  local policy=/usr/sbin/policy-rc.d created=""
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' | $sudo tee "$policy" >/dev/null
    $sudo chmod 755 "$policy"
    created=1
  fi
  local status=0
  { $sudo apt-get update -qq >/dev/null && $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx >/dev/null; } || status=$?
  if [ -n "$created" ]; then
    $sudo rm -f "$policy"
  fi
  [ "$status" -eq 0 ] || fail "could not install nginx"
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
