#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The README's demo: cloak on built-in defaults, in a scratch directory.
set -eu
build=${1:-build/release}
CLOAK=$(cd "$build" && pwd)/cli/cloak
CONTROLLER=$(cd "$build" && pwd)/controller/cloak-controller
SRC=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/cloak-demo.XXXXXX")
pids=""
cleanup() {
	# stop what this script started (by pid), then remove the scratch directory
	exec 8>&- 9>&- 2>/dev/null || true
	for p in $pids; do kill "$p" 2>/dev/null || true; done
	for p in $pids; do wait "$p" 2>/dev/null || true; done
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
cd "$work"
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "cloak doctor: the crypto core's known-answer self-test"
"$CLOAK" doctor

# ---------------------------------------------------------------------------
# The whole system on loopback: the fake Kubernetes API server and the Vault
# double from the tests, cloak-controller against them, and one Secret made
# each of the three ways.

# start_double NAME FD SCRIPT ARGS...: a test double fed by a fifo held open on
# FD (it exits when the fifo closes); its port in $port. (No $(...): the fifo
# and the pid must stay with this shell.)
start_double() {
	name=$1 fd=$2 script=$3
	shift 3
	mkfifo "$work/$name.in"
	python3 "$SRC/tests/doubles/$script" "$@" <"$work/$name.in" >"$work/$name.out" 2>&1 &
	pids="$pids $!"
	eval "exec $fd>\"\$work/\$name.in\""
	for _ in $(seq 100); do
		port=$(sed -n 's/^PORT \([0-9]*\)$/\1/p' "$work/$name.out" 2>/dev/null | head -1)
		[ -n "$port" ] && return 0
		sleep 0.1
	done
	echo "demo: $script did not start" >&2
	return 1
}

# kube METHOD PATH [JSON-FILE]: one request to the API server (prints the body).
kube() {
	python3 - "$KUBE" "$1" "$2" "${3:-}" <<'PY'
import json, sys, urllib.request, urllib.error
url, method, path, body = sys.argv[1:5]
data = open(body, "rb").read() if body else None
req = urllib.request.Request(url + path, data=data, method=method, headers={
    "Authorization": "Bearer demo-token", "Content-Type": "application/json"})
try:
    sys.stdout.write(urllib.request.urlopen(req, timeout=10).read().decode())
except urllib.error.HTTPError as e:
    sys.stderr.write("demo: %s %s: %s\n" % (method, path, e.read().decode()[:300]))
    sys.exit(1)
PY
}

# json FILE PYTHON-EXPR: write the JSON value of a Python expression (reads $work files).
json() {
	python3 -c "import json,sys; f=open(sys.argv[1],'w'); json.dump($2, f)" "$1"
}

step "start the fake Kubernetes API server and the Vault double (loopback, from tests/doubles)"
start_double apiserver 8 fake_apiserver_tokens.py --token demo-token \
	--kubeconfig-out "$work/kubeconfig"
KUBE=http://127.0.0.1:$port
start_double vault 9 vault_double.py --root-token demo-root
VAULT=http://127.0.0.1:$port
echo "API server $KUBE, Vault $VAULT"
for ns in cloak-system demo; do
	json ns.json "{'apiVersion': 'v1', 'kind': 'Namespace', 'metadata': {'name': '$ns'}}"
	kube POST /api/v1/namespaces ns.json >/dev/null
done
# the SopsSecret CRD (deploy/crd-sopssecrets.yaml, reduced to what the fake needs)
json crd.json "{'apiVersion': 'apiextensions.k8s.io/v1', 'kind': 'CustomResourceDefinition',
  'metadata': {'name': 'sopssecrets.cloak.dev'}, 'spec': {'group': 'cloak.dev', 'scope': 'Namespaced',
  'names': {'kind': 'SopsSecret', 'plural': 'sopssecrets', 'singular': 'sopssecret'},
  'versions': [{'name': 'v1alpha1', 'served': True, 'storage': True, 'subresources': {'status': {}},
                'schema': {'openAPIV3Schema': {'type': 'object',
                           'x-kubernetes-preserve-unknown-fields': True}}}]}}"
kube POST /apis/apiextensions.k8s.io/v1/customresourcedefinitions crd.json >/dev/null

step "run cloak-controller against them"
cport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
mport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$CONTROLLER" --kubeconfig "$work/kubeconfig" --namespace cloak-system \
	--listen-addr "127.0.0.1:$cport" --listen-metrics-addr "127.0.0.1:$mport" \
	>"$work/controller.log" 2>&1 &
pids="$pids $!"
for _ in $(seq 300); do
	python3 -c "import urllib.request,sys; urllib.request.urlopen('http://127.0.0.1:$cport/readyz', timeout=1)" \
		2>/dev/null && break
	sleep 0.1
done
echo "cloak-controller ready on 127.0.0.1:$cport (sealing key generated, caches synced)"

step "1. a SealedSecret, sealed with the controller's certificate"
printf 'apiVersion: v1\nkind: Secret\nmetadata:\n  name: db-sealed\n  namespace: demo\nstringData:\n  password: correct-horse-battery\n' >db.yaml
"$CLOAK" seal --cert "http://127.0.0.1:$cport/v1/cert.pem" -o json <db.yaml >db-sealed.json
kube POST /apis/bitnami.com/v1alpha1/namespaces/demo/sealedsecrets db-sealed.json >/dev/null
echo "sealed db.yaml -> db-sealed.json and applied it"

step "2. a SOPS-encrypted Secret (age), decrypted in the cluster with the sops-keys Secret"
"$CLOAK" age keygen -o age.key 2>/dev/null
recipient=$("$CLOAK" age keygen -y age.key)
printf 'apiVersion: v1\nkind: Secret\nmetadata:\n  name: api-sops\ntype: Opaque\nstringData:\n  token: tk-4f9a2c71e0\n' >api.yaml
"$CLOAK" sops encrypt --age "$recipient" --encrypted-regex '^(data|stringData)$' api.yaml >api.enc.yaml
json keys.json "{'apiVersion': 'v1', 'kind': 'Secret', 'metadata': {'name': 'sops-keys', 'namespace': 'cloak-system'},
  'data': {'demo.agekey': __import__('base64').b64encode(open('age.key','rb').read()).decode()}}"
kube POST /api/v1/namespaces/cloak-system/secrets keys.json >/dev/null
json sops.json "{'apiVersion': 'cloak.dev/v1alpha1', 'kind': 'SopsSecret',
  'metadata': {'name': 'api-sops', 'namespace': 'demo'}, 'spec': {'sops': open('api.enc.yaml').read()}}"
kube POST /apis/cloak.dev/v1alpha1/namespaces/demo/sopssecrets sops.json >/dev/null
echo "encrypted api.yaml for $recipient -> api.enc.yaml, wrapped it in a SopsSecret"

step "3. an ExternalSecret reading Vault (KV v2) through a SecretStore"
json kv.json "{'mount': 'secret', 'path': 'demo/payments', 'data': {'api-key': 'pk_live_51Hq', 'region': 'eu-west-1'}}"
python3 -c "import urllib.request; urllib.request.urlopen(urllib.request.Request('$VAULT/_control/kv', data=open('kv.json','rb').read(), method='POST'))"
json store.json "{'apiVersion': 'external-secrets.io/v1', 'kind': 'SecretStore',
  'metadata': {'name': 'vault', 'namespace': 'demo'},
  'spec': {'provider': {'vault': {'server': '$VAULT', 'path': 'secret', 'version': 'v2',
           'auth': {'tokenSecretRef': {'name': 'vault-token', 'key': 'token'}}}}}}"
json token.json "{'apiVersion': 'v1', 'kind': 'Secret', 'metadata': {'name': 'vault-token', 'namespace': 'demo'},
  'stringData': {'token': 'demo-root'}}"
json es.json "{'apiVersion': 'external-secrets.io/v1', 'kind': 'ExternalSecret',
  'metadata': {'name': 'payments-external', 'namespace': 'demo'},
  'spec': {'refreshInterval': '1m', 'secretStoreRef': {'name': 'vault', 'kind': 'SecretStore'},
           'data': [{'secretKey': 'api-key', 'remoteRef': {'key': 'demo/payments', 'property': 'api-key'}}],
           'dataFrom': [{'extract': {'key': 'demo/payments'}}]}}"
kube POST /api/v1/namespaces/demo/secrets token.json >/dev/null
kube POST /apis/external-secrets.io/v1/namespaces/demo/secretstores store.json >/dev/null
kube POST /apis/external-secrets.io/v1/namespaces/demo/externalsecrets es.json >/dev/null
echo "seeded secret/demo/payments in Vault, applied a SecretStore and an ExternalSecret"

step "the three Secrets cloak-controller made (values masked)"
python3 - "$KUBE" <<'PY'
import base64, hashlib, json, sys, time, urllib.request
url = sys.argv[1]
def get(path):
    req = urllib.request.Request(url + path, headers={"Authorization": "Bearer demo-token"})
    try:
        return json.loads(urllib.request.urlopen(req, timeout=5).read())
    except Exception:
        return None
for name, how in (("db-sealed", "SealedSecret"), ("api-sops", "SopsSecret"),
                  ("payments-external", "ExternalSecret")):
    deadline = time.time() + 30
    s = None
    while time.time() < deadline:
        s = get("/api/v1/namespaces/demo/secrets/" + name)
        if s and s.get("data"):
            break
        time.sleep(0.2)
    if not s or not s.get("data"):
        print("demo: Secret demo/%s did not appear (see controller.log)" % name)
        sys.exit(1)
    owner = [r["kind"] + "/" + r["name"] for r in s["metadata"].get("ownerReferences", [])]
    print("Secret demo/%s  (from %s; owner %s; type %s)" % (name, how, ", ".join(owner) or "-",
                                                          s.get("type", "Opaque")))
    for k in sorted(s["data"]):
        v = base64.b64decode(s["data"][k])
        print("  %-10s ******** (%d bytes, sha256 %s...)" % (k + ":", len(v),
                                                          hashlib.sha256(v).hexdigest()[:12]))
PY
step "stopping the controller and the doubles"
