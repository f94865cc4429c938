#!/usr/bin/env bash
# Smoke test for the control plane built by scripts/build-control-plane.sh.
#
# Starts etcd, kube-apiserver (client-cert + static-token auth, Node,RBAC
# authorization, service-account token signing) and kube-controller-manager
# on loopback with random free ports and a throw-away data dir, creates a
# namespace and a batch/v1 Job, and checks that the Job controller creates a
# Pod for it (the Pod stays Pending: there is no kubelet / scheduler).
# Everything is stopped and deleted on exit, also on failure. Prints PASS/FAIL.
#
# Env:
#   SCHEMAGUARD_CP_BIN   use binaries from this dir instead of running the build script
#   SMOKE_KEEP=1         keep the temp dir (logs, certs) for debugging
#   SMOKE_TIMEOUT        seconds to wait for each readiness step (default 120)
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
TIMEOUT="${SMOKE_TIMEOUT:-120}"

log() { printf '[smoke] %s\n' "$*" >&2; }
now_ms() { date +%s%3N; }

if [[ -n "${SCHEMAGUARD_CP_BIN:-}" ]]; then
  BIN="$SCHEMAGUARD_CP_BIN"
else
  BIN="$("$HERE/build-control-plane.sh")"
fi
for b in etcd kube-apiserver kube-controller-manager kubectl; do
  [[ -x "$BIN/$b" ]] || { log "missing $BIN/$b"; echo FAIL; exit 1; }
done

if ! command -v openssl >/dev/null 2>&1; then
  log "openssl not found, installing it with apt-get"
  apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openssl >&2
fi
command -v curl >/dev/null 2>&1 || {
  log "curl not found, installing it with apt-get"
  apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq curl >&2
}

D="$(mktemp -d "${TMPDIR:-/tmp}/schemaguard-smoke.XXXXXX")"
PIDS=()
RESULT=FAIL

cleanup() {
  local rc=$? pid i t0
  t0=$(now_ms)
  # Stop in reverse start order (controller-manager, apiserver, etcd), each
  # one fully, so the apiserver never spins on a vanished etcd.
  for (( i=${#PIDS[@]}-1; i>=0; i-- )); do
    pid="${PIDS[$i]}"
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  (( ${#PIDS[@]} == 0 )) || log "stopped ${#PIDS[@]} processes in $(( $(now_ms) - t0 )) ms"
  if [[ "$RESULT" != PASS ]]; then
    for f in etcd kube-apiserver kube-controller-manager; do
      [[ -f "$D/$f.log" ]] || continue
      log "---- last 30 lines of $f.log ----"
      tail -n 30 "$D/$f.log" >&2 || true
    done
  fi
  if [[ "${SMOKE_KEEP:-0}" == 1 ]]; then
    log "kept $D"
  else
    rm -rf "$D"
  fi
  echo "$RESULT"
  [[ "$RESULT" == PASS ]] && exit 0
  (( rc != 0 )) && exit "$rc"
  exit 1
}
trap cleanup EXIT
trap 'exit 130' INT TERM

fail() { log "FAIL: $*"; exit 1; }

# A free TCP port on 127.0.0.1, picked at random *outside* the kernel's
# ephemeral range (outgoing connections, e.g. apiserver->etcd, take ports from
# that range, and a port held by any socket cannot be bound by a listener) and
# not used by any TCP socket in any state. Sets PORT (no subshell, so
# USED_PORTS survives between calls).
USED_PORTS=" "
read -r EPH_LO EPH_HI < /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || { EPH_LO=32768; EPH_HI=60999; }
if (( EPH_LO - 1 - 15000 >= 1000 )); then PORT_MIN=15000; PORT_MAX=$(( EPH_LO - 1 ))
elif (( 65535 - EPH_HI - 1 >= 1000 )); then PORT_MIN=$(( EPH_HI + 1 )); PORT_MAX=65535
else PORT_MIN=15000; PORT_MAX=65535; fi
next_free_port() {
  local p
  for _ in $(seq 1 500); do
    p=$(( PORT_MIN + (RANDOM * 32768 + RANDOM) % (PORT_MAX - PORT_MIN + 1) ))
    [[ "$USED_PORTS" == *" $p "* ]] && continue
    if command -v ss >/dev/null 2>&1; then
      [[ -z "$(ss -Htan "( sport = :$p )" 2>/dev/null)" ]] || continue
    elif (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
      continue
    fi
    USED_PORTS+="$p "
    PORT=$p
    return 0
  done
  fail "no free port found in $PORT_MIN-$PORT_MAX"
}

# wait_for NAME PID CMD...: poll CMD until it succeeds, the process dies, or timeout.
wait_for() {
  local name=$1 pid=$2; shift 2
  local deadline=$(( $(date +%s) + TIMEOUT ))
  until "$@" >/dev/null 2>&1; do
    kill -0 "$pid" 2>/dev/null || fail "$name exited early"
    (( $(date +%s) < deadline )) || fail "$name not ready after ${TIMEOUT}s"
    sleep 0.2
  done
}

rss_mb() { awk '/^VmRSS:/ {printf "%d MiB", $2/1024}' "/proc/$1/status" 2>/dev/null || echo "?"; }

next_free_port; ETCD_CLIENT_PORT=$PORT
next_free_port; ETCD_PEER_PORT=$PORT
next_free_port; APISERVER_PORT=$PORT
next_free_port; KCM_PORT=$PORT
SERVICE_CIDR=10.0.0.0/24
SERVICE_IP=10.0.0.1
ADMIN_TOKEN="$(openssl rand -hex 24)"
log "work dir $D; ports etcd=$ETCD_CLIENT_PORT/$ETCD_PEER_PORT apiserver=$APISERVER_PORT kcm=$KCM_PORT"

# ------------------------------------------------------------------ certificates
P="$D/pki"
mkdir -p "$P"
t0=$(now_ms)
(
  cd "$P"
  exec 2>openssl.log
  openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 2 \
    -subj "/CN=schemaguard-smoke-ca" \
    -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign,digitalSignature"
  # sign NAME SUBJ EXTFILE-CONTENT
  sign() {
    openssl req -newkey rsa:2048 -nodes -keyout "$1.key" -out "$1.csr" -subj "$2"
    printf '%s\n' "$3" >"$1.ext"
    openssl x509 -req -in "$1.csr" -CA ca.crt -CAkey ca.key -CAcreateserial \
      -out "$1.crt" -days 2 -extfile "$1.ext"
  }
  sign apiserver "/CN=kube-apiserver" \
"basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=IP:127.0.0.1,IP:$SERVICE_IP,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local"
  client_ext="basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=clientAuth"
  sign admin "/O=system:masters/CN=schemaguard-admin" "$client_ext"
  sign kcm "/CN=system:kube-controller-manager" "$client_ext"
  # service-account token signing key pair
  openssl genrsa -out sa.key 2048
  openssl rsa -in sa.key -pubout -out sa.pub
)
printf '%s,schemaguard-admin-token,uid-admin,"system:masters"\n' "$ADMIN_TOKEN" >"$P/tokens.csv"
log "certificates generated in $(( $(now_ms) - t0 )) ms"

kubeconfig() { # FILE CERT KEY
  cat >"$1" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: smoke
  cluster:
    server: https://127.0.0.1:$APISERVER_PORT
    certificate-authority: $P/ca.crt
users:
- name: user
  user:
    client-certificate: $2
    client-key: $3
contexts:
- name: smoke
  context: {cluster: smoke, user: user}
current-context: smoke
EOF
}
kubeconfig "$D/admin.kubeconfig" "$P/admin.crt" "$P/admin.key"
kubeconfig "$D/kcm.kubeconfig" "$P/kcm.crt" "$P/kcm.key"

# -------------------------------------------------------------------------- etcd
t0=$(now_ms)
"$BIN/etcd" \
  --name=smoke \
  --data-dir="$D/etcd-data" \
  --listen-client-urls="http://127.0.0.1:$ETCD_CLIENT_PORT" \
  --advertise-client-urls="http://127.0.0.1:$ETCD_CLIENT_PORT" \
  --listen-peer-urls="http://127.0.0.1:$ETCD_PEER_PORT" \
  --initial-advertise-peer-urls="http://127.0.0.1:$ETCD_PEER_PORT" \
  --initial-cluster="smoke=http://127.0.0.1:$ETCD_PEER_PORT" \
  --unsafe-no-fsync \
  --log-level=warn \
  >"$D/etcd.log" 2>&1 &
ETCD_PID=$!
PIDS+=("$ETCD_PID")
etcd_healthy() { curl -fsS "http://127.0.0.1:$ETCD_CLIENT_PORT/health" | grep -q '"health":"true"'; }
wait_for etcd "$ETCD_PID" etcd_healthy
log "etcd healthy after $(( $(now_ms) - t0 )) ms (pid $ETCD_PID)"

# ---------------------------------------------------------------- kube-apiserver
t0=$(now_ms)
"$BIN/kube-apiserver" \
  --etcd-servers="http://127.0.0.1:$ETCD_CLIENT_PORT" \
  --bind-address=127.0.0.1 \
  --advertise-address=127.0.0.1 \
  --endpoint-reconciler-type=none \
  --secure-port="$APISERVER_PORT" \
  --cert-dir="$D/apiserver-certs" \
  --tls-cert-file="$P/apiserver.crt" \
  --tls-private-key-file="$P/apiserver.key" \
  --client-ca-file="$P/ca.crt" \
  --token-auth-file="$P/tokens.csv" \
  --authorization-mode=Node,RBAC \
  --service-account-issuer=https://kubernetes.default.svc.cluster.local \
  --service-account-key-file="$P/sa.pub" \
  --service-account-signing-key-file="$P/sa.key" \
  --service-cluster-ip-range="$SERVICE_CIDR" \
  --allow-privileged=true \
  --profiling=false \
  --v=1 \
  >"$D/kube-apiserver.log" 2>&1 &
APISERVER_PID=$!
PIDS+=("$APISERVER_PID")
API="https://127.0.0.1:$APISERVER_PORT"
curl_admin() { curl -fsS --cacert "$P/ca.crt" --cert "$P/admin.crt" --key "$P/admin.key" "$@"; }
apiserver_ready() { [[ "$(curl_admin "$API/readyz")" == ok ]]; }
wait_for kube-apiserver "$APISERVER_PID" apiserver_ready
log "kube-apiserver ready after $(( $(now_ms) - t0 )) ms (pid $APISERVER_PID)"
log "version: $(curl_admin "$API/version" | tr -d ' \n')"
# the static token works too
curl -fsS --cacert "$P/ca.crt" -H "Authorization: Bearer $ADMIN_TOKEN" "$API/api/v1/namespaces/default" >/dev/null \
  || fail "static token rejected"

# ------------------------------------------------------- kube-controller-manager
t0=$(now_ms)
"$BIN/kube-controller-manager" \
  --kubeconfig="$D/kcm.kubeconfig" \
  --bind-address=127.0.0.1 \
  --secure-port="$KCM_PORT" \
  --cert-dir="$D/kcm-certs" \
  --leader-elect=false \
  --controllers='*' \
  --use-service-account-credentials=true \
  --service-account-private-key-file="$P/sa.key" \
  --root-ca-file="$P/ca.crt" \
  --cluster-signing-cert-file="$P/ca.crt" \
  --cluster-signing-key-file="$P/ca.key" \
  --kube-api-qps=100 \
  --kube-api-burst=200 \
  --profiling=false \
  --v=1 \
  >"$D/kube-controller-manager.log" 2>&1 &
KCM_PID=$!
PIDS+=("$KCM_PID")
kcm_healthy() { [[ "$(curl -fsSk "https://127.0.0.1:$KCM_PORT/healthz")" == ok ]]; }
wait_for kube-controller-manager "$KCM_PID" kcm_healthy
log "kube-controller-manager healthy after $(( $(now_ms) - t0 )) ms (pid $KCM_PID)"

# ------------------------------------------------------------------ the Job test
K=("$BIN/kubectl" --kubeconfig="$D/admin.kubeconfig")
"${K[@]}" create namespace smoke >&2
t0=$(now_ms)
# The Job is created with plain REST + the static bearer token (as a Java
# client would); everything else uses kubectl with the admin client cert.
curl -fsS --cacert "$P/ca.crt" -H "Authorization: Bearer $ADMIN_TOKEN" \
  -H 'Content-Type: application/json' -X POST \
  "$API/apis/batch/v1/namespaces/smoke/jobs" -d @- >/dev/null <<'EOF' || fail "creating the Job failed"
{"apiVersion": "batch/v1", "kind": "Job",
 "metadata": {"name": "smoke"},
 "spec": {"backoffLimit": 0,
          "template": {"spec": {"restartPolicy": "Never",
                                "containers": [{"name": "main",
                                                "image": "registry.invalid/never-pulled:latest",
                                                "command": ["true"]}]}}}}
EOF
log "job.batch/smoke created"
pod_created() {
  [[ -n "$("${K[@]}" -n smoke get pods -l batch.kubernetes.io/job-name=smoke -o name)" ]]
}
wait_for "job controller (pod for Job smoke)" "$KCM_PID" pod_created
log "Job's Pod created after $(( $(now_ms) - t0 )) ms"
"${K[@]}" -n smoke get jobs,pods -o wide >&2
sa="$("${K[@]}" -n smoke get pods -o jsonpath='{.items[0].spec.serviceAccountName}')"
[[ "$sa" == default ]] || fail "pod has serviceAccountName '$sa', expected 'default'"
# Service-account tokens: TokenRequest (signed with --service-account-signing-key-file)
# and authentication of the issued token (verified with --service-account-key-file).
tok="$("${K[@]}" -n smoke create token default --duration=10m)" || fail "TokenRequest failed"
who="$(curl -fsS --cacert "$P/ca.crt" -H "Authorization: Bearer $tok" -H 'Content-Type: application/json' \
  -X POST "$API/apis/authentication.k8s.io/v1/selfsubjectreviews" \
  -d '{"apiVersion":"authentication.k8s.io/v1","kind":"SelfSubjectReview"}')" || fail "SA token rejected"
grep -q '"username": *"system:serviceaccount:smoke:default"' <<<"$who" || fail "unexpected SelfSubjectReview: $who"
log "service-account token for smoke/default issued and accepted"
# garbage collector: deleting the Job (background propagation) removes its Pod.
t0=$(now_ms)
curl_admin -X DELETE -H 'Content-Type: application/json' \
  -d '{"kind":"DeleteOptions","apiVersion":"v1","propagationPolicy":"Background"}' \
  "$API/apis/batch/v1/namespaces/smoke/jobs/smoke" >/dev/null || fail "deleting the Job failed"
pod_gone() { [[ -z "$("${K[@]}" -n smoke get pods -o name)" ]]; }
wait_for "garbage collector (Pod of deleted Job)" "$KCM_PID" pod_gone
log "garbage collector removed the Job's Pod after $(( $(now_ms) - t0 )) ms"
# RSS while everything is still running
rss_line="etcd $(rss_mb "$ETCD_PID"), kube-apiserver $(rss_mb "$APISERVER_PID"), kube-controller-manager $(rss_mb "$KCM_PID")"
# namespace controller: a deleted namespace is emptied and disappears.
t0=$(now_ms)
"${K[@]}" delete namespace smoke --wait=false >&2
ns_gone() { ! curl_admin "$API/api/v1/namespaces/smoke" >/dev/null 2>&1; }
wait_for "namespace controller (deleting namespace smoke)" "$KCM_PID" ns_gone
log "namespace smoke deleted after $(( $(now_ms) - t0 )) ms"
log "RSS: $rss_line"
RESULT=PASS
