# SPDX-License-Identifier: Apache-2.0
# cloak seal / kubeseal against a running cloak-controller, reached as kubeseal
# reaches it: through the API server's service proxy (the fake API server
# forwards /api/v1/namespaces/NS/services/http:NAME:PORT/proxy/... to the
# controller's loopback port) with the kubeconfig's credentials.
# --fetch-cert, sealing without --cert, --validate, --re-encrypt after a key
# rotation, and the failures: no Service, wrong token, controller down.
. "$(dirname "$0")/lib.bash"
CTL=${CLOAK_BUILD_DIR:?}/controller/cloak-controller
[ -x "$CTL" ] || { echo "*** SKIPPED: $CTL not built ***"; exit 77; }
command -v python3 >/dev/null || { echo "*** SKIPPED: python3 not found ***"; exit 77; }
command -v curl >/dev/null || { echo "*** SKIPPED: curl not found ***"; exit 77; }

python3 "$SRC/tests/doubles/fake_apiserver.py" --token tok --port-file "$T/port" \
	--kubeconfig-out "$T/kubeconfig" >"$T/fake.log" 2>&1 </dev/null &
FAKE_PID=$!
CTL_PID=
cleanup() {
	[ -n "$CTL_PID" ] && kill "$CTL_PID" 2>/dev/null
	kill "$FAKE_PID" 2>/dev/null
	wait 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
for _ in $(seq 100); do [ -s "$T/port" ] && break; sleep 0.1; done
API=http://127.0.0.1:$(cat "$T/port")
api() { curl -s -H "Authorization: Bearer tok" -H "Content-Type: application/json" "$@"; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
PORT=$(free_port)
MPORT=$(free_port)
CTLURL=http://127.0.0.1:$PORT
export KUBECONFIG=$T/kubeconfig
unset SEALED_SECRETS_CERT SEALED_SECRETS_CONTROLLER_NAME SEALED_SECRETS_CONTROLLER_NAMESPACE
ln -s "$CLOAK" "$T/kubeseal"

# Before anything is deployed: no Service, one line, nothing printed.
expect_exit 6 "$CLOAK" seal --fetch-cert
expect_err_line "cannot get sealed secret service kube-system/sealed-secrets-controller: .*404.*--controller-name"
[ -s "$T/out" ] && fail "--fetch-cert printed something without a controller" || pass

api -X POST "$API/api/v1/namespaces" -d '{"metadata":{"name":"demo"}}' >/dev/null
api -X POST "$API/api/v1/namespaces" -d '{"metadata":{"name":"sealed"}}' >/dev/null
start_ctl() {
	"$CTL" --kubeconfig "$T/kubeconfig" --namespace sealed --key-size 2048 \
		--listen-addr "127.0.0.1:$PORT" --listen-metrics-addr "127.0.0.1:$MPORT" 2>>"$T/ctl.log" &
	CTL_PID=$!
	for _ in $(seq 150); do curl -sf "$CTLURL/readyz" >/dev/null && break; sleep 0.1; done
	curl -sf "$CTLURL/readyz" >/dev/null && pass || fail "controller not ready: $(tail -5 "$T/ctl.log")"
}
start_ctl
# The controller's Service in a non-default place, its port named as the chart names it.
api -X POST "$API/api/v1/namespaces/sealed/services" \
	-d '{"metadata":{"name":"ss"},"spec":{"ports":[{"name":"http","port":8080}]}}' >/dev/null
curl -s -X POST "$API/__fake/proxy" \
	-d "{\"namespace\":\"sealed\",\"name\":\"ss\",\"url\":\"$CTLURL\"}" >/dev/null
CF="--controller-name ss --controller-namespace sealed"

# --fetch-cert: the controller's active certificate, byte for byte.
curl -sf "$CTLURL/v1/cert.pem" -o "$T/cert-direct.pem" || fail "no /v1/cert.pem"
expect_exit 0 "$CLOAK" seal --fetch-cert $CF
cmp -s "$T/out" "$T/cert-direct.pem" && pass || fail "--fetch-cert differs from /v1/cert.pem"
curl -s "$API/__fake/log" | python3 -c 'import json,sys
e = json.load(sys.stdin)["entries"]
assert any(x["method"] == "GET" and x["status"] == 200 and x["auth"] and
           x["path"] == "/api/v1/namespaces/sealed/services/http:ss:http/proxy/v1/cert.pem" for x in e)' &&
	pass || fail "not fetched through the service proxy"
# ... and it is the certificate of the active key Secret.
api "$API/api/v1/namespaces/sealed/secrets?labelSelector=sealedsecrets.bitnami.com/sealed-secrets-key" \
	>"$T/keys1.json"
python3 - "$T/keys1.json" "$T/out" <<'EOF' && pass || fail "--fetch-cert is not the active key's tls.crt"
import base64, json, sys
items = json.load(open(sys.argv[1]))["items"]
assert len(items) == 1
assert base64.b64decode(items[0]["data"]["tls.crt"]) == open(sys.argv[2], "rb").read()
EOF
# As kubeseal, with the flags from the environment; -w writes the file.
SEALED_SECRETS_CONTROLLER_NAME=ss SEALED_SECRETS_CONTROLLER_NAMESPACE=sealed \
	expect_exit 0 "$T/kubeseal" --fetch-cert -w "$T/cert.pem"
cmp -s "$T/cert.pem" "$T/cert-direct.pem" && pass || fail "kubeseal --fetch-cert -w differs"
# A Service whose port has no name: http:NAME: (empty port), as kubeseal builds it.
api -X POST "$API/api/v1/namespaces/sealed/services" \
	-d '{"metadata":{"name":"ss2"},"spec":{"ports":[{"port":8080}]}}' >/dev/null
curl -s -X POST "$API/__fake/proxy" \
	-d "{\"namespace\":\"sealed\",\"name\":\"ss2\",\"url\":\"$CTLURL\"}" >/dev/null
expect_exit 0 "$CLOAK" seal --fetch-cert --controller-name ss2 --controller-namespace sealed
cmp -s "$T/out" "$T/cert-direct.pem" && pass || fail "--fetch-cert through an unnamed port differs"
# --cert URL with --fetch-cert prints that certificate, directly.
expect_exit 0 "$CLOAK" seal --fetch-cert --cert "$CTLURL/v1/cert.pem"
cmp -s "$T/out" "$T/cert-direct.pem" && pass || fail "--fetch-cert --cert URL differs"

# Seal without --cert: the certificate comes through the proxy; the controller opens it.
cat >"$T/secret.yaml" <<'EOF'
apiVersion: v1
kind: Secret
metadata:
  name: db
  namespace: demo
stringData:
  password: correct-horse-battery-staple
EOF
expect_exit 0 "$T/kubeseal" $CF -f "$T/secret.yaml" -o yaml -w "$T/sealed.yaml"
expect_exit 0 "$CLOAK" seal $CF -f "$T/secret.yaml" -w "$T/sealed.json"
api -X POST "$API/apis/bitnami.com/v1alpha1/namespaces/demo/sealedsecrets" -d @"$T/sealed.json" >/dev/null
got=
for _ in $(seq 100); do
	got=$(api "$API/api/v1/namespaces/demo/secrets/db" | python3 -c \
		'import json,sys,base64; print(base64.b64decode(json.load(sys.stdin)["data"]["password"]).decode())' 2>/dev/null) &&
		[ -n "$got" ] && break
	sleep 0.1
done
[ "$got" = "correct-horse-battery-staple" ] && pass || fail "the controller did not open it (got '$got')"

# --validate: 0 for a SealedSecret the controller opens (YAML or JSON, stdin or -f) ...
expect_exit 0 "$CLOAK" seal $CF --validate -f "$T/sealed.yaml"
[ -s "$T/out" ] || [ -s "$T/err" ] && fail "--validate should be silent when valid" || pass
expect_exit 0 "$T/kubeseal" $CF --validate <"$T/sealed.json"
# ... non-zero and one line for one sealed to another key.
expect_exit 0 "$CLOAK" seal keygen --bits 2048 --key-out "$T/other.key" --cert-out "$T/other.crt"
expect_exit 0 "$CLOAK" seal --cert "$T/other.crt" -f "$T/secret.yaml" -w "$T/foreign.yaml"
expect_exit 5 "$CLOAK" seal $CF --validate -f "$T/foreign.yaml"
expect_err_line "unable to decrypt sealed secret demo/db"
expect_exit 5 "$T/kubeseal" $CF --validate <"$T/foreign.yaml"
expect_err_line "kubeseal: .*unable to decrypt sealed secret"
expect_exit 3 "$CLOAK" seal $CF --validate -f "$T/secret.yaml"
expect_err_line "SealedSecret"

# Key rotation: a new active key; --re-encrypt moves the file to it without the plaintext.
kill -USR1 "$CTL_PID"
for _ in $(seq 100); do
	api "$API/api/v1/namespaces/sealed/secrets?labelSelector=sealedsecrets.bitnami.com/sealed-secrets-key" \
		>"$T/keys2.json"
	python3 -c 'import json,sys; sys.exit(len(json.load(open(sys.argv[1]))["items"]) != 2)' \
		"$T/keys2.json" && break
	sleep 0.1
done
expect_exit 0 "$CLOAK" seal --fetch-cert $CF
cmp -s "$T/out" "$T/cert-direct.pem" && fail "the certificate did not change after SIGUSR1" || pass
cp "$T/out" "$T/cert2.pem"
cp "$T/sealed.yaml" "$T/orig.yaml"
expect_exit 0 "$CLOAK" seal $CF --re-encrypt -f "$T/sealed.yaml"
[ -s "$T/out" ] && fail "--re-encrypt -f without -w should rewrite the file, not print" || pass
cmp -s "$T/sealed.yaml" "$T/orig.yaml" && fail "--re-encrypt did not rewrite the file" || pass
head -1 "$T/sealed.yaml" | grep -q '^---$' && grep -q '^apiVersion: bitnami.com/v1alpha1$' "$T/sealed.yaml" &&
	grep -q '^kind: SealedSecret$' "$T/sealed.yaml" && pass ||
	fail "re-encrypted file is not a YAML SealedSecret: $(head -c 300 "$T/sealed.yaml")"
grep -q correct-horse "$T/sealed.yaml" && fail "plaintext in the re-encrypted file" || pass
# JSON on stdout, as kubeseal (apiVersion/kind kept from the input).
expect_exit 0 "$T/kubeseal" $CF --re-encrypt -o json <"$T/sealed.json"
cp "$T/out" "$T/reenc.json"
python3 - "$T/reenc.json" "$T/sealed.json" <<'EOF' && pass || fail "--re-encrypt JSON: $(head -c 300 "$T/reenc.json")"
import json, sys
r = json.load(open(sys.argv[1])); s = json.load(open(sys.argv[2]))
assert r["apiVersion"] == "bitnami.com/v1alpha1" and r["kind"] == "SealedSecret"
assert r["metadata"]["name"] == "db" and r["metadata"]["namespace"] == "demo"
assert "creationTimestamp" not in r["metadata"]
assert set(r["spec"]["encryptedData"]) == {"password"}
assert r["spec"]["encryptedData"]["password"] != s["spec"]["encryptedData"]["password"]
EOF
# The re-encrypted values open with the new key only, to the same plaintext.
python3 - "$T/keys2.json" "$T/keys1.json" "$T/new-key.json" <<'EOF' || fail "cannot split the key Secrets"
import json, sys
two = json.load(open(sys.argv[1])); one = json.load(open(sys.argv[2]))
old = {i["metadata"]["name"] for i in one["items"]}
new = [i for i in two["items"] if i["metadata"]["name"] not in old]
assert len(new) == 1
json.dump({"apiVersion": "v1", "kind": "List", "items": new}, open(sys.argv[3], "w"))
EOF
for f in "$T/sealed.yaml" "$T/reenc.json"; do
	expect_exit 0 "$CLOAK" seal --recovery-unseal --recovery-private-key "$T/new-key.json" -f "$f"
	python3 -c 'import json,sys,base64; d=json.load(open(sys.argv[1])); sys.exit(base64.b64decode(d["data"]["password"]) != b"correct-horse-battery-staple")' \
		"$T/out" && pass || fail "$f does not open to the plaintext with the new key"
done
expect_exit 5 "$CLOAK" seal --recovery-unseal --recovery-private-key "$T/new-key.json" -f "$T/orig.yaml"
expect_exit 0 "$CLOAK" seal $CF --validate -f "$T/sealed.yaml"
cp "$T/sealed.yaml" "$T/sealed.yaml.keep"
# A SealedSecret the controller cannot open is not re-encrypted; nothing is written.
expect_exit 5 "$CLOAK" seal $CF --re-encrypt -f "$T/foreign.yaml" -w "$T/never.yaml"
expect_err_line "cannot re-encrypt secret"
[ -e "$T/never.yaml" ] && fail "--re-encrypt wrote output after a failure" || pass

# Failures: wrong token (401), unknown context, controller down (503 from the proxy).
sed 's/"token": "tok"/"token": "wrong"/' "$T/kubeconfig" >"$T/bad-kubeconfig"
grep -q '"token": "wrong"' "$T/bad-kubeconfig" || fail "could not make a kubeconfig with a wrong token"
expect_exit 8 "$CLOAK" seal $CF --kubeconfig "$T/bad-kubeconfig" --fetch-cert
expect_err_line "401 Unauthorized"
[ -s "$T/out" ] && fail "output after a 401" || pass
expect_exit 6 "$CLOAK" seal $CF --context nope --fetch-cert
expect_err_line "nope"
sed "s|$API|http://127.0.0.1:1|" "$T/kubeconfig" >"$T/dead-kubeconfig"
KUBECONFIG=$T/dead-kubeconfig expect_exit 8 "$T/kubeseal" $CF --re-encrypt -f "$T/sealed.yaml" -o json
expect_err_line "cannot get sealed secret service sealed/ss: .*127.0.0.1:1"
cmp -s "$T/sealed.yaml" "$T/sealed.yaml.keep" && pass || fail "a failed --re-encrypt changed the file"
kill "$CTL_PID"
wait "$CTL_PID" 2>/dev/null
CTL_PID=
expect_exit 8 "$CLOAK" seal $CF --validate -f "$T/sealed.yaml"
expect_err_line "cannot validate sealed secret: .*503"
expect_exit 8 "$CLOAK" seal $CF -f "$T/secret.yaml" -w "$T/never.json"
expect_err_line "cannot fetch certificate"
[ -e "$T/never.json" ] && fail "sealing wrote output without a certificate" || pass
finish
