# SPDX-License-Identifier: Apache-2.0
# cloak-controller as a user drives it: a fresh cluster (the fake API server),
# the controller makes its key, `cloak seal` fetches the certificate over HTTP
# (directly and through the API server's service proxy, as kubeseal does),
# the SealedSecret applied becomes a Secret; /v1/verify and /v1/rotate answer
# as the Sealed Secrets controller does.
. "$(dirname "$0")/lib.bash"
CTL=${CLOAK_BUILD_DIR:?}/controller/cloak-controller
[ -x "$CTL" ] || { echo "*** SKIPPED: $CTL not built ***"; exit 77; }
command -v python3 >/dev/null || { echo "*** SKIPPED: python3 not found ***"; exit 77; }
command -v curl >/dev/null || { echo "*** SKIPPED: curl not found ***"; exit 77; }

. "$(dirname "$0")/controller_lib.bash"
start_fake --token tok --kubeconfig-out "$T/kubeconfig"
API=http://127.0.0.1:$PORT
api() { curl -s -H "Authorization: Bearer tok" -H "Content-Type: application/json" "$@"; }
CPORT=$(free_port)
CTL_PORTS_GIVEN=$CPORT
MPORT=$(free_port)
CTLURL=http://127.0.0.1:$CPORT

api -X POST "$API/api/v1/namespaces" -d '{"metadata":{"name":"demo"}}' >/dev/null
# shellcheck disable=SC2086
$DIE_WITH_SHELL "$CTL" --kubeconfig "$T/kubeconfig" --namespace kube-system --key-size 2048 \
	--rate-limit 0.5 --rate-limit-burst 3 \
	--listen-addr "127.0.0.1:$CPORT" --listen-metrics-addr "127.0.0.1:$MPORT" 2>"$T/ctl.log" &
CTL_PID=$!
bg_track "$CTL_PID"
wait_for 60 curl -sf -o /dev/null "$CTLURL/readyz" && pass ||
	fail "controller not ready: $(tail -5 "$T/ctl.log")"

# The certificate: directly, and through the API server's service proxy.
curl -sf "$CTLURL/v1/cert.pem" -o "$T/cert.pem" && grep -q "BEGIN CERTIFICATE" "$T/cert.pem" &&
	pass || fail "no certificate at /v1/cert.pem"
api -X POST "$API/api/v1/namespaces/kube-system/services" \
	-d '{"metadata":{"name":"sealed-secrets-controller"},"spec":{"ports":[{"name":"http","port":8080}]}}' >/dev/null
curl -s -X POST "$API/__fake/proxy" \
	-d "{\"namespace\":\"kube-system\",\"name\":\"sealed-secrets-controller\",\"url\":\"$CTLURL\"}" >/dev/null
api "$API/api/v1/namespaces/kube-system/services/http:sealed-secrets-controller:/proxy/v1/cert.pem" \
	-o "$T/cert-proxy.pem"
cmp -s "$T/cert.pem" "$T/cert-proxy.pem" && pass || fail "certificate through the service proxy differs"

# Seal with cloak against the served certificate; the controller opens it.
cat >"$T/secret.yaml" <<'EOF'
apiVersion: v1
kind: Secret
metadata:
  name: db
  namespace: demo
  labels: {app: demo}
stringData:
  password: correct-horse-battery-staple
EOF
expect_exit 0 "$CLOAK" seal --cert "$CTLURL/v1/cert.pem" -f "$T/secret.yaml" -w "$T/sealed.json"
api -X POST "$API/apis/bitnami.com/v1alpha1/namespaces/demo/sealedsecrets" -d @"$T/sealed.json" >/dev/null
unsealed() {
	got=$(api "$API/api/v1/namespaces/demo/secrets/db" | python3 -c \
		'import json,sys,base64; print(base64.b64decode(json.load(sys.stdin)["data"]["password"]).decode())' 2>/dev/null) &&
		[ -n "$got" ]
}
got=
wait_for 60 unsealed
[ "$got" = "correct-horse-battery-staple" ] && pass || fail "the Secret was not unsealed (got '$got')"

# /v1/verify: 200 when it opens, 409 when it does not; /v1/rotate re-seals.
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST --data-binary @"$T/sealed.json" "$CTLURL/v1/verify")
[ "$code" = 200 ] && pass || fail "/v1/verify: $code, want 200"
sed 's/"name": "db"/"name": "other"/' "$T/sealed.json" >"$T/renamed.json"
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST --data-binary @"$T/renamed.json" "$CTLURL/v1/verify")
[ "$code" = 409 ] && pass || fail "/v1/verify of a renamed SealedSecret: $code, want 409"
code=$(curl -s -o "$T/rotated.json" -w '%{http_code}' -X POST --data-binary @"$T/sealed.json" "$CTLURL/v1/rotate")
[ "$code" = 200 ] && pass || fail "/v1/rotate: $code"
python3 - "$T/rotated.json" "$T/sealed.json" <<'EOF' && pass || fail "/v1/rotate answer: $(head -c 300 "$T/rotated.json")"
import json, sys
r = json.load(open(sys.argv[1])); s = json.load(open(sys.argv[2]))
assert "kind" not in r and "apiVersion" not in r            # as upstream answers
assert r["metadata"]["name"] == "db" and r["metadata"]["namespace"] == "demo"
assert set(r["spec"]["encryptedData"]) == {"password"}
assert r["spec"]["encryptedData"]["password"] != s["spec"]["encryptedData"]["password"]
assert r["spec"]["template"]["metadata"]["labels"] == {"app": "demo"}
EOF
code=$(curl -s -o /dev/null -w '%{http_code}' -X POST -d 'not a sealed secret' "$CTLURL/v1/verify")
[ "$code" = 500 ] && pass || fail "/v1/verify of garbage: $code, want 500"
# /v1/verify is rate limited per client (burst 3 here, 0.5/s): the burst is used up.
# (Up to 20 tries: on a slow machine tokens come back between two curls.)
codes=$(for i in $(seq 20); do c=$(curl -s -o /dev/null -w '%{http_code}' -X POST \
	--data-binary @"$T/sealed.json" "$CTLURL/v1/verify"); echo "$c"; [ "$c" = 429 ] && break; done)
case "$codes" in *429*) pass ;; *) fail "/v1/verify should be rate limited: $codes" ;; esac
code=$(curl -s -o /dev/null -w '%{http_code}' -H 'X-Forwarded-For: 10.1.2.3' -X POST \
	--data-binary @"$T/sealed.json" "$CTLURL/v1/verify")
[ "$code" = 200 ] && pass || fail "another client (X-Forwarded-For) has its own bucket: $code"
curl -s "http://127.0.0.1:$MPORT/metrics" | grep -q '^sealed_secrets_controller_unseal_requests_total ' &&
	pass || fail "metrics missing"
# The plaintext is in the Secret only.
grep -q correct-horse "$T/ctl.log" && fail "plaintext in the controller log" || pass

kill "$CTL_PID"
wait "$CTL_PID" && pass || fail "controller did not exit cleanly on SIGTERM"
bg_untrack "$CTL_PID"
finish
