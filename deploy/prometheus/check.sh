#!/usr/bin/env bash
# Checks the Prometheus files in this directory with promtool (Debian/Ubuntu: apt-get install -y prometheus):
#   - dgproxy-alerts.rules.yml is a valid rules file,
#   - prometheus.yml is a valid configuration (rule_files resolved relative to it),
#   - the unit tests in dgproxy-alerts.test.yml pass,
#   - the spec of dgproxy-prometheusrule.yaml is valid and byte-identical to dgproxy-alerts.rules.yml
#     (de-indented by two spaces), so the two cannot drift apart.
# Runs from any directory; exits non-zero on the first failure.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
rules="$here/dgproxy-alerts.rules.yml"
config="$here/prometheus.yml"
tests="$here/dgproxy-alerts.test.yml"
operator_rule="$here/dgproxy-prometheusrule.yaml"

step() { printf '==> %s\n' "$*"; }
fail() { printf 'check.sh: error: %s\n' "$*" >&2; exit 1; }

if ! command -v promtool >/dev/null 2>&1; then
  fail "promtool not found on PATH; install it (Debian/Ubuntu: apt-get install -y prometheus, or the promtool binary from a Prometheus release)"
fi
step "$(promtool --version 2>&1 | head -n 1)"

for file in "$rules" "$config" "$tests" "$operator_rule"; do
  [ -f "$file" ] || fail "missing $file"
done

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

step "promtool check rules $(basename "$rules")"
promtool check rules "$rules"

step "promtool check config $(basename "$config")"
promtool check config "$config"

step "promtool test rules $(basename "$tests")"
promtool test rules "$tests"

step "PrometheusRule $(basename "$operator_rule"): header"
grep -qx 'apiVersion: monitoring.coreos.com/v1' "$operator_rule" || fail "$operator_rule: apiVersion is not monitoring.coreos.com/v1"
grep -qx 'kind: PrometheusRule' "$operator_rule" || fail "$operator_rule: kind is not PrometheusRule"

# spec must be the last top-level key: every line after it is indented by two spaces (or empty).
spec="$tmp/prometheusrule-spec.rules.yml"
awk -v file="$operator_rule" '
  in_spec {
    if ($0 == "") { print ""; next }
    if (substr($0, 1, 2) == "  ") { print substr($0, 3); next }
    printf "%s:%d: line after spec: is not indented by two spaces (spec must be the last key)\n", file, NR > "/dev/stderr"
    bad = 1
    exit
  }
  /^spec:[[:space:]]*$/ { in_spec = 1 }
  END {
    if (bad) exit 1
    if (!in_spec) { printf "%s: no top-level spec: line\n", file > "/dev/stderr"; exit 1 }
  }
' "$operator_rule" > "$spec" || fail "could not extract spec from $operator_rule"

step "promtool check rules <spec of $(basename "$operator_rule")>"
promtool check rules "$spec"

step "diff $(basename "$rules") <spec of $(basename "$operator_rule")>"
diff -u --label "$(basename "$rules")" --label "$(basename "$operator_rule") spec" "$rules" "$spec" \
  || fail "the PrometheusRule spec differs from $(basename "$rules"); edit both files the same way"

step "all checks passed"
