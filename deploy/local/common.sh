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
