#!/usr/bin/env bash
# Checks deploy/docker/Dockerfile without a container engine (CI has none):
#   - static rules of the runtime image (dockerfile_check.py static): multi-stage SDK → aspnet:10.0, numeric non-root
#     USER, the spool on a VOLUME at an absolute Storage__SpoolDirectory, both Endpoints on 0.0.0.0 and EXPOSEd,
#     a HEALTHCHECK, no secret in ENV or ARG, an exec-form dotnet ENTRYPOINT;
#   - the build stage replayed (its COPY lines from a scratch copy of the build context, honouring .dockerignore, then
#     its RUN lines – the same dotnet restore and publish – with a scratch folder standing for /), so a source the
#     image build would miss fails here too; the ENTRYPOINT's dll must be in the published folder;
#   - the published app started with the image's ENV (ports and spool moved to free loopback ports and a scratch
#     folder, throwaway secrets, no Redis) on a read-only root filesystem (a private mount namespace; only the spool
#     writable) where this user can make one, until the image's own HEALTHCHECK command passes against it; it must
#     exit 0 on SIGTERM, and the HEALTHCHECK must fail once it has.
# Runs from any directory; exits non-zero on the first failure.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
dockerfile="$here/Dockerfile"
helper="$here/dockerfile_check.py"

step() { printf '==> %s\n' "$*"; }
fail() { printf 'docker/check.sh: error: %s\n' "$*" >&2; exit 1; }

if ! command -v python3 >/dev/null 2>&1; then
  step "installing python3 (apt)"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq >/dev/null && $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3 >/dev/null \
    || fail "could not install python3; run 'apt-get install -y python3'"
fi
command -v dotnet >/dev/null 2>&1 || fail "dotnet (the .NET 10 SDK) is required"

tmp="$(mktemp -d)"
pid=""
cleanup() {
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT

step "static rules of $(basename "$dockerfile")"
python3 "$helper" static "$dockerfile" || fail "the Dockerfile breaks the rules above"

# Each broken copy must fail the static rules: they cannot pass whatever the Dockerfile says.
step "broken copies are caught"
mutate() {  # <description> <sed expression>
  sed -E "$2" "$dockerfile" >"$tmp/Dockerfile.broken"
  ! cmp -s "$dockerfile" "$tmp/Dockerfile.broken" || fail "mutation '$1' did not apply: update it to the Dockerfile"
  if python3 "$helper" static "$tmp/Dockerfile.broken" 2>"$tmp/broken.err"; then
    fail "the static rules pass with $1"
  fi
  printf '    %-40s -> %s\n' "$1" "$(head -n 1 "$tmp/broken.err" | sed "s#^$tmp/##" | cut -c 1-110)"
}
mutate "USER root" 's/^USER .*/USER root/'
mutate "no spool VOLUME" 's/^VOLUME .*//'
mutate "no HEALTHCHECK" 's/^HEALTHCHECK .*/HEALTHCHECK NONE/'
mutate "the admin port not exposed" 's/^EXPOSE .*/EXPOSE 8080/'
mutate "a secret baked into ENV" 's#^ENV #ENV Secrets__MasterKey=c2VjcmV0 #'
mutate "a relative spool directory" 's#Storage__SpoolDirectory=/var/lib/dgproxy/spool#Storage__SpoolDirectory=spool#'

step "replaying the build stage (COPY from the context, RUN dotnet restore/publish)"
python3 "$helper" replay "$dockerfile" "$root" "$tmp/fs" || fail "the build stage's restore or publish failed"
dll="$(python3 "$helper" field "$dockerfile" entrypoint-dll)"
[ -f "$tmp/fs$dll" ] || fail "ENTRYPOINT runs $dll, which the publish did not produce"
[ -f "$(dirname "$tmp/fs$dll")/appsettings.json" ] || fail "appsettings.json is not published beside $dll"

# Free loopback ports for the smoke run (the image's 8080/9090 may be taken on a developer machine).
free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}
proxy_port="$(free_port)"
admin_port="$(free_port)"
image_admin_port="$(python3 "$helper" field "$dockerfile" env:Endpoints__Admin | sed -E 's#.*:([0-9]+)/?$#\1#')"
healthcheck="$(python3 "$helper" field "$dockerfile" healthcheck)"
grep -q "$image_admin_port" <<<"$healthcheck" || fail "the HEALTHCHECK does not probe the admin port $image_admin_port"

mkdir -p "$tmp/spool"
# Read-only root filesystem, as in the container: where this user may make a private mount namespace (root, or
# CAP_SYS_ADMIN), the app runs in one whose / is remounted read-only (that mount only, not the machine's) and only
# the spool is a writable mount. Elsewhere it runs on the ordinary filesystem and the check says so.
read_only=()
if unshare -m --propagation private true 2>/dev/null; then
  read_only=(unshare -m --propagation private bash -c '
    app="$1"; shift
    mount --bind "$0" "$0" && mount -o remount,bind,ro / || exit 97
    if touch "$app/.read-only-probe" 2>/dev/null; then echo "the root filesystem is still writable" >&2; exit 98; fi
    exec "$@"' "$tmp/spool" "$(dirname "$tmp/fs$dll")")
  filesystem="read-only root filesystem, only the spool writable"
else
  filesystem="writable root filesystem: no mount namespace for this user, read-only not tried"
fi
step "starting the published app with the image's ENV (proxy :$proxy_port, admin :$admin_port, no Redis; $filesystem)"
mapfile -t env_args < <(python3 "$helper" field "$dockerfile" env)
"${read_only[@]}" env "${env_args[@]}" \
  Endpoints__Proxy="http://127.0.0.1:$proxy_port" Endpoints__Admin="http://127.0.0.1:$admin_port" \
  Storage__SpoolDirectory="$tmp/spool" Redis__Configuration="127.0.0.1:1" \
  Admin__Tokens__0="docker-check-$(python3 -c 'import secrets; print(secrets.token_hex(16))')" \
  Secrets__MasterKey="$(python3 -c 'import base64, secrets; print(base64.b64encode(secrets.token_bytes(32)).decode())')" \
  dotnet "$tmp/fs$dll" >"$tmp/app.log" 2>&1 &
pid=$!

# The image's HEALTHCHECK command, pointed at the smoke run's admin port, until it passes (bounded: 90 s).
mapfile -t command < <(python3 -c 'import json, sys; [print(a.replace(sys.argv[2], sys.argv[3])) for a in json.loads(sys.argv[1])]' "$healthcheck" "$image_admin_port" "$admin_port")
healthy=""
for ((i = 0; i < 180; i++)); do
  kill -0 "$pid" 2>/dev/null || { cat "$tmp/app.log" >&2; fail "the published app exited during start-up"; }
  if "${command[@]}" 2>/dev/null; then healthy=1; break; fi
  sleep 0.5
done
[ -n "$healthy" ] || { cat "$tmp/app.log" >&2; fail "the HEALTHCHECK command never passed against the published app"; }
step "HEALTHCHECK command passed against the published app"

# The same command must fail when nothing answers: stop the app, probe again.
kill -TERM "$pid"
wait "$pid" || fail "the published app did not exit 0 on SIGTERM"
pid=""
if "${command[@]}" 2>/dev/null; then fail "the HEALTHCHECK command passes with the app stopped"; fi

step "all checks passed"
