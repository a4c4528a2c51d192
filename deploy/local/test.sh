#!/usr/bin/env bash
# Runs every test: the alert rules and Prometheus config (promtool), unit, functional (real proxy, emulator,
# redis-server and prometheus processes on loopback), the end-to-end runs of Deepgram's JS SDK and a quick load
# comparison (emulator direct vs proxy vs nginx). Installs what a fresh Debian machine lacks (redis-server,
# prometheus, nginx, npm packages); the services the prometheus and nginx packages would start are not started.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
root="$(repo_root)"
cd "$root"

ensure_package redis-server redis-server
ensure_package faketime faketime   # libfaketime: the clock-skew test runs a proxy whose wall clock is 30 s behind
ensure_package openssl openssl     # openssl s_client: the emulator sends no TLS 1.3 session ticket before the 101
ensure_package chromium chromium   # the browser test: Debian's headless Chromium, driven by playwright-core from npm
ensure_promtool
ensure_nginx
command -v node >/dev/null 2>&1 || fail "node (>= 20) is required for the SDK end-to-end tests"

log "npm ci (tests/sdk-e2e: @deepgram/sdk, playwright-core)"
(cd tests/sdk-e2e && npm ci --no-audit --no-fund --loglevel=error)

log "alert rules, their unit tests and the Prometheus config (promtool)"
bash deploy/prometheus/check.sh

log "container image (deploy/docker/Dockerfile's build replayed, no engine) and Kubernetes manifests (kustomize)"
bash deploy/k8s/check.sh
bash deploy/docker/check.sh

log "dotnet build (Release)"
dotnet build Proxy.sln -c Release -warnaserror --nologo -v quiet

# start.sh against a non-durable and a durable Redis on its port, then the demo end to end (on free ports, from the
# build above); and the guarded prometheus install.
log "deploy/local (start.sh, the guarded installs)"
bash tests/deploy-local/start-sh-test.sh

# The console's script modules (src/Proxy/Admin/Console/js) have unit tests of their own (node:test, no browser,
# no npm package); the browser suite (tests/sdk-e2e/console-admin.mjs) runs with the functional tests below.
if [ -d tests/console ] && [ -n "$(find tests/console -type f \( -name '*.mjs' -o -name '*.js' \) -print -quit)" ]; then
  log "console script unit tests (node --test tests/console/)"
  # The modules are plain .js files with no package.json to call them ES modules: Node tells by their syntax, by
  # default from 20.19, behind this flag from 20.10.
  node --experimental-detect-module --test tests/console/
fi

# One after the other: the functional tests compare timestamps to the millisecond and should not share the two
# cores with another test run.
log "unit tests"
dotnet test tests/Proxy.Tests -c Release --no-build --nologo

log "functional and SDK end-to-end tests"
dotnet test tests/Proxy.FunctionalTests -c Release --no-build --nologo

# A few seconds of the same load against the emulator, the proxy and nginx, from the .NET and the Node ws generator
# (the latter needs the npm ci above): fails on any session error or lost frame (tests/Proxy.Benchmarks/README.md,
# "Load comparison").
log "quick load comparison (direct, proxy, nginx)"
dotnet run -c Release --project tests/Proxy.Benchmarks --no-build -- compare --quick

# Short sessions over two instances on a single Redis, a Redis Cluster without and with WAIT: fails on any session
# error and on any final record lost, duplicated or left open (tests/Proxy.Benchmarks/README.md, "Redis comparison").
log "quick Redis comparison (single Redis, Cluster, Cluster with WAIT)"
dotnet run -c Release --project tests/Proxy.Benchmarks --no-build -- redis-compare --quick

# The microbenchmarks in BenchmarkDotNet's short job: they must run; the figures are for reading, not asserting
# (the allocation-free hot path is asserted by unit tests).
log "microbenchmarks (BenchmarkDotNet, short job)"
dotnet run -c Release --project tests/Proxy.Benchmarks --no-build -- --filter '*' --job short

out="tests/Proxy.FunctionalTests/bin/Release/net10.0"
if [ -f "$out/duration-drift.csv" ]; then
  awk -F, '{ d = $2 < 0 ? -$2 : $2; if (d > max) max = d; n++ } END { printf "record vs emulator duration: %d sessions, max |difference| %.3f ms\n", n, max }' "$out/duration-drift.csv"
fi
if [ -f "$out/close-precision.csv" ]; then
  awk -F, '{ printf "forced close %s: configured %s ms, client saw the Close after %s ms\n", $1, $2, $3 }' "$out/close-precision.csv"
fi
if [ -f "$out/fault-outcomes.csv" ]; then
  awk -F, 'BEGIN { print "fault test: sessions run / final records expected / found / duplicated / left open" } { printf "  %s: %s / %s / %s / %s / %s\n", $1, $2, $3, $4, $5, $6 }' "$out/fault-outcomes.csv"
fi
log "all tests passed"
