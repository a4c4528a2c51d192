#!/usr/bin/env python3
"""Checks the objects `kubectl kustomize deploy/k8s/overlays/example` renders (read from the file given, or stdin).

  manifest_check.py <rendered.yaml> <repository root>

Prints one line per broken rule and exits 1; exits 0 when every rule holds. Needs PyYAML (python3-yaml).
"""
import json
import re
import sys

import yaml

SECRET_NAME = "dgproxy-secrets"
GATEWAY_PORT, ADMIN_PORT = 8080, 9090


class Checker:
    def __init__(self):
        self.failures = []

    def need(self, condition, message):
        if not condition:
            self.failures.append(message)
        return bool(condition)


def timespan_seconds(text):
    """A .NET TimeSpan in configuration form: [d.]hh:mm:ss[.fffffff]."""
    match = re.fullmatch(r"(?:(\d+)\.)?(\d+):(\d+):(\d+(?:\.\d+)?)", str(text).strip())
    if not match:
        raise ValueError(f"not a TimeSpan: {text!r}")
    days, hours, minutes, seconds = match.groups()
    return int(days or 0) * 86400 + int(hours) * 3600 + int(minutes) * 60 + float(seconds)


def finalize_allowance_seconds(root):
    """SessionDrainService.FinalizeAllowance, read from the source so the check follows it."""
    drain = open(f"{root}/src/Proxy/Sessions/SessionDrainService.cs", encoding="utf-8").read()
    writer = open(f"{root}/src/Proxy/Storage/RecordWriter.cs", encoding="utf-8").read()
    shape = re.search(r"FinalizeAllowance\s*=\s*\(2 \* RecordWriter\.RedisWriteLimit\) \+ TimeSpan\.FromSeconds\((\d+)\);", drain)
    limit = re.search(r"RedisWriteLimit\s*=\s*TimeSpan\.FromSeconds\((\d+)\);", writer)
    if not shape or not limit:
        raise SystemExit("manifest_check.py: SessionDrainService.FinalizeAllowance or RecordWriter.RedisWriteLimit changed shape; update finalize_allowance_seconds")
    return 2 * int(limit.group(1)) + int(shape.group(1))


def host_stop_margin_seconds(root):
    """What the host's shutdown timeout adds past the drain and the final records (other services' bounded stops)."""
    source = open(f"{root}/src/Proxy/Sessions/SessionsServiceCollectionExtensions.cs", encoding="utf-8").read()
    shape = re.search(r"needed = sessions\.DrainTimeout \+ sessions\.CloseGrace \+ SessionDrainService\.FinalizeAllowance \+ TimeSpan\.FromSeconds\((\d+)\);", source)
    if not shape:
        raise SystemExit("manifest_check.py: the host's shutdown timeout in SessionsServiceCollectionExtensions changed shape; update host_stop_margin_seconds")
    return int(shape.group(1))


def probe_target(probe):
    get = (probe or {}).get("httpGet") or {}
    return get.get("path"), get.get("port")


def main(rendered_path, root):
    c = Checker()
    with open(rendered_path, encoding="utf-8") as file:
        objects = [doc for doc in yaml.safe_load_all(file) if doc]
    by_kind = {}
    for obj in objects:
        by_kind.setdefault(obj["kind"], []).append(obj)

    def single(kind):
        found = by_kind.get(kind, [])
        c.need(len(found) == 1, f"expected one {kind}, found {len(found)}")
        return found[0] if found else None

    app_settings = json.load(open(f"{root}/appsettings.json", encoding="utf-8"))

    sts = single("StatefulSet")
    if sts is None:
        return c.failures
    pod = sts["spec"]["template"]["spec"]
    containers = pod.get("containers", [])
    c.need(len(containers) == 1, f"expected one container, found {len(containers)}")
    container = containers[0]
    env_list = container.get("env", [])
    env = {e["name"]: e.get("value") for e in env_list}
    port_by_name = {p.get("name"): p["containerPort"] for p in container.get("ports", [])}

    def port_number(port):
        return port_by_name.get(port) if isinstance(port, str) else port

    # Ports: the container's, and the Endpoints the env binds.
    c.need(set(port_by_name.values()) == {GATEWAY_PORT, ADMIN_PORT}, f"container ports {sorted(port_by_name.values())}: expected {GATEWAY_PORT} and {ADMIN_PORT}")
    c.need(env.get("Endpoints__Proxy") == f"http://0.0.0.0:{GATEWAY_PORT}", f"Endpoints__Proxy={env.get('Endpoints__Proxy')!r}: expected http://0.0.0.0:{GATEWAY_PORT}")
    c.need(env.get("Endpoints__Admin") == f"http://0.0.0.0:{ADMIN_PORT}", f"Endpoints__Admin={env.get('Endpoints__Admin')!r}: expected http://0.0.0.0:{ADMIN_PORT} (the kubelet and Prometheus reach it on the pod address)")

    # Probes on the admin port.
    for name, path in (("readinessProbe", "/readyz"), ("livenessProbe", "/healthz"), ("startupProbe", "/healthz")):
        got_path, got_port = probe_target(container.get(name))
        c.need(got_path == path and port_number(got_port) == ADMIN_PORT, f"{name}: httpGet {got_path} on port {got_port}, expected {path} on the admin port {ADMIN_PORT}")

    # Grace period: preStop sleep + drain window + close grace + the final records' allowance.
    config_value = lambda key, section, name: env.get(key) or app_settings[section][name]
    drain = timespan_seconds(config_value("Sessions__DrainTimeout", "Sessions", "DrainTimeout"))
    close_grace = timespan_seconds(config_value("Sessions__CloseGrace", "Sessions", "CloseGrace"))
    finalize = finalize_allowance_seconds(root)
    margin = host_stop_margin_seconds(root)
    pre_stop = ((container.get("lifecycle") or {}).get("preStop") or {})
    c.need("sleep" in pre_stop, f"preStop {pre_stop}: expected the kubelet's sleep action (the image may have no sleep binary)")
    pre_stop_seconds = (pre_stop.get("sleep") or {}).get("seconds", 0)
    c.need(pre_stop_seconds >= 5, f"preStop sleeps {pre_stop_seconds} s: give endpoints and load balancers at least 5 s to stop sending new connections")
    grace = pod.get("terminationGracePeriodSeconds", 30)
    needed = pre_stop_seconds + drain + close_grace + finalize + margin
    c.need(grace > needed, f"terminationGracePeriodSeconds {grace} is not above preStop {pre_stop_seconds} s + Sessions:DrainTimeout {drain:g} s + Sessions:CloseGrace {close_grace:g} s + final-record allowance {finalize} s + the host's stop margin {margin} s = {needed:g} s")

    # Security.
    pod_security = pod.get("securityContext") or {}
    security = container.get("securityContext") or {}
    c.need(security.get("runAsNonRoot", pod_security.get("runAsNonRoot")) is True, "runAsNonRoot is not true")
    c.need(security.get("runAsUser", pod_security.get("runAsUser", 1654)) != 0, "runAsUser is 0 (root)")
    c.need(security.get("readOnlyRootFilesystem") is True, "readOnlyRootFilesystem is not true")
    c.need(security.get("allowPrivilegeEscalation") is False, "allowPrivilegeEscalation is not false")
    c.need((security.get("capabilities") or {}).get("drop") == ["ALL"], "capabilities do not drop ALL")
    seccomp = (security.get("seccompProfile") or pod_security.get("seccompProfile") or {}).get("type")
    c.need(seccomp == "RuntimeDefault", f"seccompProfile {seccomp}: expected RuntimeDefault")

    # The spool: on a per-pod claim, mounted where Storage:SpoolDirectory points.
    spool = env.get("Storage__SpoolDirectory") or app_settings["Storage"]["SpoolDirectory"]
    c.need(spool.startswith("/"), f"Storage:SpoolDirectory {spool!r} is relative: it would be under /app, on the read-only root filesystem")
    claims = {t["metadata"]["name"] for t in sts["spec"].get("volumeClaimTemplates", [])}
    mounts = {m["mountPath"]: m for m in container.get("volumeMounts", [])}
    c.need(spool in mounts and mounts[spool]["name"] in claims and not mounts[spool].get("readOnly"),
           f"Storage:SpoolDirectory {spool} is not a writable mount of a volumeClaimTemplate (claims {sorted(claims)}, mounts {sorted(mounts)})")

    # The configuration file: the ConfigMap holding the root appsettings.json, mounted over /app/appsettings.json.
    config_maps = {cm["metadata"]["name"]: cm for cm in by_kind.get("ConfigMap", [])}
    volumes = {v["name"]: v for v in pod.get("volumes", [])}
    config_mount = mounts.get("/app/appsettings.json")
    config_map_name = ((volumes.get(config_mount["name"]) or {}).get("configMap") or {}).get("name") if config_mount else None
    c.need(config_mount is not None and config_mount.get("subPath") == "appsettings.json", "no ConfigMap mount at /app/appsettings.json (subPath appsettings.json)")
    if c.need(config_map_name in config_maps, f"the mount at /app/appsettings.json names ConfigMap {config_map_name}, which is not rendered"):
        rendered = config_maps[config_map_name].get("data", {}).get("appsettings.json")
        original = open(f"{root}/appsettings.json", encoding="utf-8").read()
        c.need(rendered == original, "the ConfigMap's appsettings.json differs from the repository's root appsettings.json")

    # Secrets: every reference names a key of the documented Secret, and every documented key is used.
    documented = set()
    for line in open(f"{root}/deploy/k8s/overlays/example/secrets.env.example", encoding="utf-8"):
        line = line.strip()
        if line and not line.startswith("#"):
            documented.add(line.split("=", 1)[0])
    referenced = set()
    defined = set()
    for entry in env_list:
        ref = ((entry.get("valueFrom") or {}).get("secretKeyRef"))
        if ref:
            c.need(ref.get("name") == SECRET_NAME, f"env {entry['name']}: secretKeyRef names Secret {ref.get('name')}, expected {SECRET_NAME}")
            c.need(ref.get("key") in documented, f"env {entry['name']}: secretKeyRef key {ref.get('key')!r} is not in secrets.env.example")
            referenced.add(ref.get("key"))
        for name in re.findall(r"\$\(([A-Za-z_][A-Za-z0-9_]*)\)", entry.get("value") or ""):
            c.need(name in defined, f"env {entry['name']} uses $({name}), which is not defined before it (the kubelet would pass it literally)")
        defined.add(entry["name"])
    c.need(documented <= referenced, f"secrets.env.example documents keys no manifest reads: {sorted(documented - referenced)}")
    for required in ("Secrets__MasterKey", "Admin__Tokens__0", "DEEPGRAM_API_KEY", "Deepgram__ManagementKey"):
        entry = next((e for e in env_list if e["name"] == required), None)
        c.need(entry is not None and "secretKeyRef" in (entry.get("valueFrom") or {}), f"env {required} is not read from the Secret")
    for obj in objects:
        c.need(obj["kind"] != "Secret", f"Secret {obj['metadata']['name']} is rendered: the operator creates it (no secret in git)")
    c.need(bool(env.get("Redis__Configuration")), "env Redis__Configuration (the Redis Cluster's nodes) is not set")

    # Placement and resources.
    anti = (((pod.get("affinity") or {}).get("podAntiAffinity") or {}).get("preferredDuringSchedulingIgnoredDuringExecution") or [])
    c.need(any(t["podAffinityTerm"].get("topologyKey") == "kubernetes.io/hostname" for t in anti), "no preferred podAntiAffinity by kubernetes.io/hostname")
    resources = container.get("resources") or {}
    for kind in ("requests", "limits"):
        for resource in ("cpu", "memory"):
            c.need(resource in (resources.get(kind) or {}), f"resources.{kind}.{resource} is not set")
    image = container.get("image", "")
    c.need(re.search(r":[^/:]+$", image) is not None and not image.endswith(":latest"), f"image {image!r}: pin a tag")

    # Services: the gateway one exposes only the gateway port; the admin port stays inside the cluster.
    pod_labels = sts["spec"]["template"]["metadata"].get("labels", {})
    services = {s["metadata"]["name"]: s for s in by_kind.get("Service", [])}
    headless = services.get(sts["spec"].get("serviceName"))
    c.need(headless is not None and headless["spec"].get("clusterIP") == "None", f"serviceName {sts['spec'].get('serviceName')}: no headless Service of that name")
    selecting = [s for s in services.values() if s["spec"].get("clusterIP") != "None"
                 and s["spec"].get("selector") and all(pod_labels.get(k) == v for k, v in s["spec"]["selector"].items())]
    gateway = [s for s in selecting if any(port_number(p.get("targetPort", p["port"])) == GATEWAY_PORT for p in s["spec"]["ports"])]
    c.need(len(gateway) >= 1, "no Service sends traffic to the gateway port")
    for service in selecting:
        ports = {port_number(p.get("targetPort", p["port"])) for p in service["spec"]["ports"]}
        c.need(not (GATEWAY_PORT in ports and ADMIN_PORT in ports), f"Service {service['metadata']['name']} exposes the admin port beside the gateway port")
        if ADMIN_PORT in ports:
            c.need(service["spec"].get("type", "ClusterIP") == "ClusterIP", f"Service {service['metadata']['name']} exposes the admin port as {service['spec'].get('type')}")

    # Disruptions and scaling.
    pdb = single("PodDisruptionBudget")
    if pdb:
        c.need(pdb["spec"].get("maxUnavailable") == 1, f"PodDisruptionBudget maxUnavailable {pdb['spec'].get('maxUnavailable')}: expected 1")
        c.need(all(pod_labels.get(k) == v for k, v in pdb["spec"]["selector"].get("matchLabels", {}).items()), "the PodDisruptionBudget does not select the pods")
    hpa = single("HorizontalPodAutoscaler")
    if hpa:
        target = hpa["spec"]["scaleTargetRef"]
        c.need(target.get("kind") == "StatefulSet" and target.get("name") == sts["metadata"]["name"], f"the HorizontalPodAutoscaler scales {target}, not the StatefulSet")
        c.need(any(m.get("type") == "Resource" and m["resource"]["name"] == "cpu" for m in hpa["spec"].get("metrics", [])), "the HorizontalPodAutoscaler has no CPU metric")
        c.need(hpa["spec"].get("minReplicas", 1) >= 2, "the HorizontalPodAutoscaler may scale below 2 replicas")
        c.need("replicas" not in sts["spec"], f"the StatefulSet sets replicas {sts['spec'].get('replicas')} beside the HPA: every kubectl apply would scale it back (and drain pods)")

    # Monitoring.
    monitor = single("ServiceMonitor")
    if monitor:
        matched = [s for s in services.values() if all(s["metadata"].get("labels", {}).get(k) == v for k, v in monitor["spec"]["selector"].get("matchLabels", {}).items())]
        endpoint = (monitor["spec"].get("endpoints") or [{}])[0]
        c.need(len(matched) == 1, f"the ServiceMonitor selects {len(matched)} Services, expected the admin one")
        if matched:
            named = {p.get("name"): port_number(p.get("targetPort", p["port"])) for p in matched[0]["spec"]["ports"]}
            c.need(named.get(endpoint.get("port")) == ADMIN_PORT and endpoint.get("path") == "/metrics", f"the ServiceMonitor scrapes port {endpoint.get('port')} path {endpoint.get('path')}, expected /metrics on the admin port")
            c.need(matched[0]["metadata"].get("labels", {}).get(monitor["spec"].get("jobLabel")) == "dgproxy", "the ServiceMonitor's job label is not dgproxy (the alert rules select job=\"dgproxy\")")
    rule = single("PrometheusRule")
    if rule:
        original = yaml.safe_load(open(f"{root}/deploy/prometheus/dgproxy-prometheusrule.yaml", encoding="utf-8"))
        c.need(rule["spec"] == original["spec"], "the rendered PrometheusRule's rules differ from deploy/prometheus/dgproxy-prometheusrule.yaml")

    # The active-sessions HPA example: its metric is a gauge the proxy exports.
    example = yaml.safe_load(open(f"{root}/deploy/k8s/overlays/example/hpa-active-sessions.yaml", encoding="utf-8"))
    metric = example["spec"]["metrics"][0]["pods"]["metric"]["name"]
    sources = open(f"{root}/src/Proxy/Sessions/SessionGauges.cs", encoding="utf-8").read()
    c.need(f'"{metric.replace("_", ".").removeprefix("dgproxy.")}"' in sources.replace('"dgproxy.', '"'), f"hpa-active-sessions.yaml scales on {metric}, which src/Proxy/Sessions/SessionGauges.cs does not export")
    c.need(example["spec"]["scaleTargetRef"].get("name") == sts["metadata"]["name"], "hpa-active-sessions.yaml does not scale the StatefulSet")
    return c.failures


if __name__ == "__main__":
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    failures = main(sys.argv[1], sys.argv[2])
    for failure in failures:
        print(f"manifests: {failure}", file=sys.stderr)
    sys.exit(1 if failures else 0)
