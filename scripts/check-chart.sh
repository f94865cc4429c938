#!/usr/bin/env bash
# Checks the install files without a cluster: the three committed CRD copies are identical, the Helm
# chart lints and renders, and what it renders (and deploy/) keeps the promises of the install:
#   - RBAC: no rule names Secrets, no "*" in apiGroups/resources/verbs; the leader-election Role
#     grants get/create/update/patch on leases;
#   - default values: one ClusterRoleBinding, no RoleBinding to the ClusterRole;
#   - watchNamespaces=[a,b]: RoleBindings in a and b only, QUARKUS_OPERATOR_SDK_NAMESPACES=a,b,
#     the default storage passed as SCHEMAGUARD_DEFAULT_STORAGE_*;
#   - the Deployment: runAsNonRoot, readOnlyRootFilesystem, capabilities drop ALL;
#   - values.schema.json rejects a bad value;
#   - the Grafana dashboard's two JSON copies are identical and render as an opt-in ConfigMap.
# Builds helm with scripts/build-helm.sh (cached). Needs python3 with PyYAML (Debian: python3-yaml).
# Exits non-zero with a message on the first failed group of checks; prints PASS at the end.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

log() { printf '[check-chart] %s\n' "$*" >&2; }
die() { log "FAIL: $*"; exit 1; }

chart=helm/schemaguard
crd=databasebackups.schemaguard.io-v1.yml
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

python3 -c 'import yaml' 2>/dev/null || die "python3 with PyYAML is needed (apt-get install python3-yaml)"

# --- the CRD copies ------------------------------------------------------------------------------
for copy in "deploy/010-crd-databasebackups.yaml" "$chart/crds/$crd"; do
  [[ -f "$copy" ]] || die "$copy is missing"
  cmp -s "crds/$crd" "$copy" || die "$copy differs from crds/$crd (copy target/kubernetes/$crd to all three)"
done
log "CRD copies are identical"
cmp -s deploy/argocd/safemigration-health.lua "$chart/files/safemigration-health.lua" \
  || die "$chart/files/safemigration-health.lua differs from deploy/argocd/safemigration-health.lua"

# --- helm lint and render ------------------------------------------------------------------------
helm="$(scripts/build-helm.sh)"
"$helm" template schemaguard "$chart" --set argocd.healthCheck=true --show-only templates/argocd-health.yaml \
  | grep -q 'resource.customizations.health.schemaguard.io_SafeMigration' \
  || die "argocd.healthCheck=true does not render the Argo CD health check"
log "the chart prints the Argo CD health check"
rules="$("$helm" template schemaguard "$chart" --set metrics.prometheusRule.enabled=true \
  --show-only templates/prometheusrule.yaml)" || die "metrics.prometheusRule.enabled=true does not render"
for alert in SchemaguardNoRecentSuccessfulBackup SchemaguardBackupFailing SchemaguardOrphanedBackups; do
  grep -q "alert: $alert" <<<"$rules" || die "the PrometheusRule has no alert $alert"
done
for metric in schemaguard_backup_last_success_timestamp_seconds schemaguard_backup_failures_total \
    schemaguard_backup_orphans schemaguard_backup_missing_objects; do
  grep -q "$metric" <<<"$rules" || die "the PrometheusRule does not use $metric"
done
! "$helm" template schemaguard "$chart" --show-only templates/prometheusrule.yaml >/dev/null 2>&1 \
  || die "the PrometheusRule renders by default (it must be opt-in)"
log "the PrometheusRule (opt-in) has its three alerts"
# The Grafana dashboard: one JSON in two places, shipped as an opt-in ConfigMap for Grafana's sidecar.
cmp -s deploy/grafana/schemaguard-dashboard.json "$chart/files/grafana-dashboard.json" \
  || die "$chart/files/grafana-dashboard.json differs from deploy/grafana/schemaguard-dashboard.json"
! "$helm" template schemaguard "$chart" --show-only templates/grafana-dashboard.yaml >/dev/null 2>&1 \
  || die "the Grafana dashboard ConfigMap renders by default (it must be opt-in)"
"$helm" template schemaguard "$chart" --namespace schemaguard-system --set metrics.grafanaDashboard.enabled=true \
  --set metrics.grafanaDashboard.namespace=monitoring --show-only templates/grafana-dashboard.yaml \
  >"$work/dashboard.yaml" 2>"$work/err" || { cat "$work/err" >&2; die "metrics.grafanaDashboard.enabled=true does not render"; }
python3 - "$work/dashboard.yaml" deploy/grafana/schemaguard-dashboard.json <<'PY' || die "the Grafana dashboard ConfigMap (see above)"
import json, sys, yaml
cm = yaml.safe_load(open(sys.argv[1]))
problems = []
if cm["metadata"].get("labels", {}).get("grafana_dashboard") != "1":
    problems.append("no label grafana_dashboard: \"1\" (the one Grafana's sidecar looks for)")
if cm["metadata"].get("namespace") != "monitoring":
    problems.append("metrics.grafanaDashboard.namespace is not its namespace")
if json.loads(cm["data"]["schemaguard-dashboard.json"]) != json.load(open(sys.argv[2])):
    problems.append("its JSON is not deploy/grafana/schemaguard-dashboard.json")
for p in problems:
    print("[check-chart]   " + p, file=sys.stderr)
sys.exit(1 if problems else 0)
PY
log "the Grafana dashboard (opt-in ConfigMap) is the JSON of deploy/grafana"
storage=(--set defaultStorage.s3.bucket=backups --set defaultStorage.s3.prefix=pg
  --set defaultStorage.s3.endpoint=http://minio.storage:9000 --set defaultStorage.s3.forcePathStyle=true
  --set defaultStorage.s3.credentialsSecret=backup-bucket)
scoped=(--set 'watchNamespaces={a,b}' "${storage[@]}")

"$helm" lint --strict "$chart" >"$work/lint.log" 2>&1 || { cat "$work/lint.log" >&2; die "helm lint (defaults)"; }
"$helm" lint --strict "$chart" "${scoped[@]}" >"$work/lint.log" 2>&1 \
  || { cat "$work/lint.log" >&2; die "helm lint (watchNamespaces=[a,b])"; }
"$helm" template sg "$chart" --namespace schemaguard-system >"$work/defaults.yaml" 2>"$work/err" \
  || { cat "$work/err" >&2; die "helm template (defaults)"; }
"$helm" template sg "$chart" --namespace schemaguard-system "${scoped[@]}" >"$work/scoped.yaml" 2>"$work/err" \
  || { cat "$work/err" >&2; die "helm template (watchNamespaces=[a,b])"; }
log "helm lint and helm template pass"

if "$helm" template sg "$chart" --set image.pullPolicy=Sometimes >/dev/null 2>"$work/err"; then
  die "values.schema.json accepted image.pullPolicy=Sometimes"
fi
grep -q pullPolicy "$work/err" || { cat "$work/err" >&2; die "helm template failed without naming pullPolicy"; }
log "values.schema.json rejects image.pullPolicy=Sometimes"

# An Azure default reaches the operator as SCHEMAGUARD_DEFAULT_STORAGE_AZURE_*, and NOTES names it
"$helm" template sg "$chart" --set defaultStorage.azure.container=pg-backups \
  --set defaultStorage.azure.storageAccount=prodbackups >"$work/azure.yaml" 2>"$work/err" \
  || { cat "$work/err" >&2; die "helm template (defaultStorage.azure)"; }
for kv in "SCHEMAGUARD_DEFAULT_STORAGE_AZURE_CONTAINER pg-backups" "SCHEMAGUARD_DEFAULT_STORAGE_AZURE_STORAGE_ACCOUNT prodbackups"; do
  set -- $kv
  grep -A1 "name: $1\$" "$work/azure.yaml" | grep -q "value: \"\\?$2" \
    || die "defaultStorage.azure: $1 is not rendered as $2"
done
"$helm" template sg "$chart" --set defaultStorage.azure.storageAccount=Bad_Name >/dev/null 2>&1 \
  && die "values.schema.json accepted defaultStorage.azure.storageAccount=Bad_Name"
log "an Azure default storage renders as SCHEMAGUARD_DEFAULT_STORAGE_AZURE_*; a bad account name is refused"

# The default store's client-side encryption key: only a Secret's name reaches the operator, never a key
"$helm" template sg "$chart" --set defaultStorage.s3.bucket=b --set defaultStorage.encryption.secretName=backup-key \
  >"$work/enc.yaml" 2>"$work/err" || { cat "$work/err" >&2; die "helm template (defaultStorage.encryption)"; }
grep -A1 'name: SCHEMAGUARD_DEFAULT_STORAGE_ENCRYPTION_SECRET_NAME$' "$work/enc.yaml" | grep -q 'value: "\?backup-key' \
  || die "defaultStorage.encryption.secretName is not rendered"
"$helm" template sg "$chart" --set defaultStorage.encryption.secretName=Bad_Name >/dev/null 2>&1 \
  && die "values.schema.json accepted defaultStorage.encryption.secretName=Bad_Name"
log "the default store's encryption Secret renders as SCHEMAGUARD_DEFAULT_STORAGE_ENCRYPTION_SECRET_NAME; a bad name is refused"

# --- what was rendered ---------------------------------------------------------------------------
for f in deploy/0[2-9]*.yaml; do printf -- '---\n'; cat "$f"; done >"$work/deploy.yaml"
python3 - "$work/defaults.yaml" "$work/scoped.yaml" "$work/deploy.yaml" <<'PY' || die "rendered manifests (see above)"
import sys
import yaml

failures = []


def check(ok, message):
    if not ok:
        failures.append(message)


def load(path):
    with open(path) as f:
        return [d for d in yaml.safe_load_all(f) if d]


def of_kind(docs, kind):
    return [d for d in docs if d.get("kind") == kind]


def check_rbac(name, docs):
    for role in of_kind(docs, "ClusterRole") + of_kind(docs, "Role"):
        for rule in role.get("rules", []):
            where = f"{name}: {role['kind']} {role['metadata']['name']}"
            check("secrets" not in rule.get("resources", []), f"{where} has a rule on secrets")
            for field in ("apiGroups", "resources", "verbs"):
                check("*" not in rule.get(field, []), f"{where} has '*' in {field}")


def check_lease_role(name, docs):
    roles = [r for r in of_kind(docs, "Role") if r["metadata"]["name"].endswith("-leader-election")]
    check(len(roles) == 1, f"{name}: expected one leader-election Role, found {len(roles)}")
    verbs = {v for r in roles for rule in r.get("rules", []) if "leases" in rule.get("resources", [])
             for v in rule.get("verbs", [])}
    # JOSDK checks get/create/update at start; Fabric8's LeaderElector renews the Lease with patch.
    missing = {"get", "create", "update", "patch"} - verbs
    check(not missing, f"{name}: leader-election Role lacks {sorted(missing)} on leases")


def deployment(name, docs):
    found = of_kind(docs, "Deployment")
    check(len(found) == 1, f"{name}: expected one Deployment, found {len(found)}")
    return found[0] if found else None


def check_security(name, dep):
    pod = dep["spec"]["template"]["spec"]
    for c in pod["containers"]:
        sc = c.get("securityContext") or {}
        where = f"{name}: container {c['name']}"
        non_root = sc.get("runAsNonRoot", (pod.get("securityContext") or {}).get("runAsNonRoot"))
        check(non_root is True, f"{where} does not set runAsNonRoot: true")
        check(sc.get("readOnlyRootFilesystem") is True, f"{where} does not set readOnlyRootFilesystem: true")
        check(sc.get("allowPrivilegeEscalation") is False, f"{where} allows privilege escalation")
        check("ALL" in (sc.get("capabilities") or {}).get("drop", []), f"{where} does not drop ALL capabilities")


def env_of(dep):
    return {e["name"]: e.get("value") for c in dep["spec"]["template"]["spec"]["containers"]
            for e in c.get("env", [])}


def bindings_to_clusterrole(docs):
    return [b for b in of_kind(docs, "RoleBinding") if b["roleRef"]["kind"] == "ClusterRole"]


defaults, scoped, deploy = (load(p) for p in sys.argv[1:4])

for name, docs in (("defaults", defaults), ("watchNamespaces=[a,b]", scoped), ("deploy/", deploy)):
    check_rbac(name, docs)
    check_lease_role(name, docs)
    dep = deployment(name, docs)
    if dep:
        check_security(name, dep)

# (a) all namespaces
check(len(of_kind(defaults, "ClusterRoleBinding")) == 1, "defaults: expected one ClusterRoleBinding")
check(not bindings_to_clusterrole(defaults), "defaults: RoleBindings to the ClusterRole rendered")
dep = deployment("defaults", defaults)
if dep:
    check("QUARKUS_OPERATOR_SDK_NAMESPACES" not in env_of(dep), "defaults: QUARKUS_OPERATOR_SDK_NAMESPACES is set")
    check(not any(k.startswith("SCHEMAGUARD_DEFAULT_STORAGE_") for k in env_of(dep)),
          "defaults: SCHEMAGUARD_DEFAULT_STORAGE_* set without values")

# (b) namespaces a and b
check(not of_kind(scoped, "ClusterRoleBinding"), "watchNamespaces=[a,b]: a ClusterRoleBinding is rendered")
namespaces = sorted(b["metadata"]["namespace"] for b in bindings_to_clusterrole(scoped))
check(namespaces == ["a", "b"], f"watchNamespaces=[a,b]: RoleBindings to the ClusterRole in {namespaces}")
dep = deployment("watchNamespaces=[a,b]", scoped)
if dep:
    env = env_of(dep)
    check(env.get("QUARKUS_OPERATOR_SDK_NAMESPACES") == "a,b",
          f"watchNamespaces=[a,b]: QUARKUS_OPERATOR_SDK_NAMESPACES={env.get('QUARKUS_OPERATOR_SDK_NAMESPACES')}")
    expected = {"BUCKET": "backups", "PREFIX": "pg", "ENDPOINT": "http://minio.storage:9000",
                "FORCE_PATH_STYLE": "true", "CREDENTIALS_SECRET": "backup-bucket"}
    for key, value in expected.items():
        actual = env.get("SCHEMAGUARD_DEFAULT_STORAGE_" + key)
        check(actual == value, f"watchNamespaces=[a,b]: SCHEMAGUARD_DEFAULT_STORAGE_{key}={actual}, expected {value}")

# deploy/: the same promises as the chart's defaults
check(len(of_kind(deploy, "ClusterRoleBinding")) == 1, "deploy/: expected one ClusterRoleBinding")

for f in failures:
    print("[check-chart] FAIL: " + f, file=sys.stderr)
sys.exit(1 if failures else 0)
PY
log "rendered RBAC, bindings, environment and security contexts are as expected"
echo PASS
