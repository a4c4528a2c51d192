#!/usr/bin/env bash
# Checks the Kubernetes manifests offline (no cluster):
#   - base/appsettings.json is byte-identical to the repository's root appsettings.json and
#     base/dgproxy-prometheusrule.yaml to deploy/prometheus/dgproxy-prometheusrule.yaml (kustomize loads no file
#     outside its folder, so these are copies: edit the original, copy it here);
#   - `kubectl kustomize` renders the base and overlays/example;
#   - manifest_check.py holds the rendered example to its rules: ports 8080/9090, /readyz and /healthz probes on the
#     admin port, terminationGracePeriodSeconds above preStop + Sessions:DrainTimeout + CloseGrace + final-record
#     allowance (read from appsettings.json and the source), non-root, read-only root filesystem, the spool claim at
#     Storage:SpoolDirectory, the ConfigMap equal to appsettings.json, every secretKeyRef a key of
#     overlays/example/secrets.env.example, PDB, HPA, ServiceMonitor, PrometheusRule;
#   - and that it catches breakage: a few broken copies of the rendered objects must each fail.
# Installs python3-yaml with apt when PyYAML is missing. Runs from any directory; exits non-zero on the first failure.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"

step() { printf '==> %s\n' "$*"; }
fail() { printf 'k8s/check.sh: error: %s\n' "$*" >&2; exit 1; }

command -v kubectl >/dev/null 2>&1 || fail "kubectl is required (its built-in kustomize renders the manifests)"
if ! python3 -c 'import yaml' >/dev/null 2>&1; then
  step "installing python3-yaml (apt)"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq >/dev/null && $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-yaml >/dev/null \
    || fail "could not install python3-yaml; run 'apt-get install -y python3-yaml'"
fi

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

step "copies: base/appsettings.json, base/dgproxy-prometheusrule.yaml"
cmp -s "$root/appsettings.json" "$here/base/appsettings.json" \
  || fail "deploy/k8s/base/appsettings.json differs from the root appsettings.json: cp appsettings.json deploy/k8s/base/"
cmp -s "$root/deploy/prometheus/dgproxy-prometheusrule.yaml" "$here/base/dgproxy-prometheusrule.yaml" \
  || fail "deploy/k8s/base/dgproxy-prometheusrule.yaml differs from deploy/prometheus/dgproxy-prometheusrule.yaml: copy it"

step "kubectl kustomize deploy/k8s/base"
kubectl kustomize "$here/base" >"$tmp/base.yaml" || fail "the base does not render"
step "kubectl kustomize deploy/k8s/overlays/example"
kubectl kustomize "$here/overlays/example" >"$tmp/example.yaml" || fail "the example overlay does not render"
grep '^kind: ' "$tmp/example.yaml" | sort | uniq -c | sed 's/^/    /'

step "rules of the rendered example"
python3 "$here/manifest_check.py" "$tmp/example.yaml" "$root" || fail "the rendered manifests break the rules above"

# Each broken copy must fail: the rules above cannot pass whatever the manifests say.
step "broken copies are caught"
mutate() {  # <description> <python expression over the text t>
  python3 -c 'import sys; t = open(sys.argv[1]).read(); n = eval(sys.argv[2]); assert n != t, "mutation changed nothing"; open(sys.argv[3], "w").write(n)' \
    "$tmp/example.yaml" "$2" "$tmp/broken.yaml" || fail "mutation '$1' did not apply: update it to the manifests"
  if python3 "$here/manifest_check.py" "$tmp/broken.yaml" "$root" 2>"$tmp/broken.err"; then
    fail "the check passes with $1"
  fi
  printf '    %-52s -> %s\n' "$1" "$(head -n 1 "$tmp/broken.err" | cut -c 1-110)"
}
mutate "grace period of 30 s" 't.replace("terminationGracePeriodSeconds: 60", "terminationGracePeriodSeconds: 30")'
mutate "readiness on /healthz" 't.replace("path: /readyz", "path: /healthz")'
mutate "a writable root filesystem" 't.replace("readOnlyRootFilesystem: true", "readOnlyRootFilesystem: false")'
mutate "the spool elsewhere" 't.replace("mountPath: /var/lib/dgproxy/spool", "mountPath: /var/lib/dgproxy/other")'
mutate "a secret key not documented" 't.replace("key: admin-token", "key: admin-tokens")'
mutate "replicas fixed beside the HPA" 't.replace("  serviceName: dgproxy-headless", "  replicas: 2\n  serviceName: dgproxy-headless", 1)'
mutate "no PodDisruptionBudget" 't.replace("kind: PodDisruptionBudget", "kind: PodDisruptionBudgetX")'
mutate "the admin port on the client Service" 't.replace("targetPort: gateway\n  selector:", "targetPort: gateway\n  - name: admin\n    port: 9090\n    targetPort: admin\n  selector:", 1)'
mutate "a ConfigMap that is not appsettings.json" 't.replace("\"DrainTimeout\": \"00:00:20\"", "\"DrainTimeout\": \"00:00:50\"", 1)'

step "all checks passed"
