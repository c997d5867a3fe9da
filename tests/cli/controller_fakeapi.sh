# SPDX-License-Identifier: Apache-2.0
# The fake API server used by the controller tests: its own unit tests, then
# the real kubectl driven against it over TLS, so the double keeps answering
# the way a real API server does (status codes, messages, watch, apply).
. "$(dirname "$0")/lib.bash"
FAKE="$SRC/tests/doubles/fake_apiserver.py"
command -v python3 >/dev/null || { echo "*** SKIPPED: python3 not found ***"; exit 77; }

if python3 "$SRC/tests/doubles/test_fake_apiserver.py" >"$T/unit.log" 2>&1; then
	pass
else
	fail "fake API server unit tests: $(tail -30 "$T/unit.log")"
fi

KUBECTL=$(command -v kubectl || true)
if [ -z "$KUBECTL" ]; then
	echo "*** SKIPPED (kubectl part): kubectl not found ***"
	finish
fi

. "$(dirname "$0")/controller_lib.bash"
start_fake --tls-dir "$T/tls" --kubeconfig-out "$T/kubeconfig" --token kubectl-token
export KUBECONFIG="$T/kubeconfig"
ctl() { curl -sk -X POST -d "${2:-{\}}" "https://127.0.0.1:$PORT/__fake/$1" >/dev/null; }
k() { "$KUBECTL" --request-timeout=20s "$@"; }
V=$(vectors sealed-secrets)

# expect_ok / expect_fail CMD...: exit status and captured output.
expect_ok() { if "$@" >"$T/out" 2>"$T/err"; then pass; else fail "'$*' failed: $(cat "$T/err")"; fi; }
expect_fail() { if "$@" >"$T/out" 2>"$T/err"; then fail "'$*' should fail"; else pass; fi; }
expect_err() { if grep -q -- "$1" "$T/err"; then pass; else fail "stderr should match '$1', got: $(cat "$T/err")"; fi; }

# Discovery and version.
expect_ok k version -o json
expect_out '"gitVersion": "v1.32.0-fake"'
expect_ok k api-resources
expect_out "sealedsecrets .*bitnami.com/v1alpha1 .*true .*SealedSecret"
expect_out "leases .*coordination.k8s.io/v1"

# Typed create (protobuf body) and server-set fields.
expect_ok k create namespace shop
expect_ok k create secret generic plain -n shop --from-literal=user=shop
expect_ok k get secret plain -n shop -o jsonpath='{.metadata.uid} {.metadata.resourceVersion} {.type} {.data.user}'
expect_out '^[0-9a-f-]\{36\} [0-9][0-9]* Opaque c2hvcA==$'
expect_fail k create secret generic plain -n shop --from-literal=a=b
expect_err 'secrets "plain" already exists'
expect_fail k create secret generic x -n nowhere --from-literal=a=b
expect_err 'namespaces "nowhere" not found'

# Client-side apply of a real SealedSecret manifest (merge patch on a CR).
expect_ok k apply -f "$V/manifest-1-strict.sealedsecret.yaml"
expect_out "sealedsecret.bitnami.com/app-credentials created"
expect_ok k apply -f "$V/manifest-1-strict.sealedsecret.yaml"
expect_out "unchanged"
expect_ok k get sealedsecret app-credentials -n shop -o jsonpath='{.metadata.generation}'
expect_out '^1$'
sed 's/tier: backend/tier: front/' "$V/manifest-1-strict.sealedsecret.yaml" >"$T/ss2.yaml"
expect_ok k apply -f "$T/ss2.yaml"
expect_out "configured"
expect_ok k get sealedsecret app-credentials -n shop -o jsonpath='{.metadata.generation} {.spec.template.metadata.labels.tier}'
expect_out '^2 front$'
expect_fail k apply -f "$V/manifest-2-namespace-wide.sealedsecret.json" --dry-run=server
expect_err 'namespaces "ci" not found'
expect_ok k create namespace ci
expect_ok k apply -f "$V/manifest-2-namespace-wide.sealedsecret.json"

# Strategic merge patch is refused on custom resources (415), allowed on Secrets.
expect_fail k patch sealedsecret app-credentials -n shop --type=strategic -p '{"metadata":{"labels":{"a":"b"}}}'
expect_err "UnsupportedMediaType\|unknown format\|not supported"
expect_ok k patch secret plain -n shop --type=strategic -p '{"metadata":{"labels":{"team":"a"}}}'
expect_ok k label secret plain -n shop tier=db

# Selectors and pagination.
expect_ok k create secret generic other -n shop --from-literal=a=b
expect_ok k get secrets -n shop -l 'team=a' -o name
expect_out '^secret/plain$'
expect_ok k get secrets -n shop -l 'team notin (a)' -o name
expect_out '^secret/other$'
expect_ok k get secrets -n shop --field-selector metadata.name=other -o name
expect_out '^secret/other$'
expect_fail k get secrets -n shop --field-selector spec.x=1
expect_err "not a known field selector"
expect_ok k get secrets -A --chunk-size=1 -o name
[ "$(wc -l <"$T/out")" -eq 2 ] && pass || fail "chunked list should list 2 secrets: $(cat "$T/out")"

# Optimistic concurrency: replace with a stale resourceVersion.
k get secret plain -n shop -o json >"$T/plain.json"
expect_ok k label secret plain -n shop bump=1
expect_fail k replace -f "$T/plain.json"
expect_err "the object has been modified; please apply your changes to the latest version"

# Finalizers: delete leaves the object with a deletionTimestamp.
cat >"$T/fin.json" <<'EOF'
{"apiVersion":"bitnami.com/v1alpha1","kind":"SealedSecret","metadata":{"name":"fin","namespace":"shop","finalizers":["example.com/x"]},"spec":{"encryptedData":{}}}
EOF
expect_ok k create -f "$T/fin.json"
expect_ok k delete sealedsecret fin -n shop --wait=false
expect_ok k get sealedsecret fin -n shop -o jsonpath='{.metadata.deletionTimestamp}'
expect_out 'Z$'
expect_fail k patch sealedsecret fin -n shop --type=json -p '[{"op":"add","path":"/metadata/finalizers/-","value":"late"}]'
expect_err "no new finalizers can be added"
expect_ok k patch sealedsecret fin -n shop --type=merge -p '{"metadata":{"finalizers":null}}'
expect_fail k get sealedsecret fin -n shop
expect_err 'sealedsecrets.bitnami.com "fin" not found'

# Garbage collection through a controller ownerReference.
OWNER_UID=$(k get sealedsecret app-credentials -n shop -o jsonpath='{.metadata.uid}')
cat >"$T/child.json" <<EOF
{"apiVersion":"v1","kind":"Secret","metadata":{"name":"app-credentials","namespace":"shop",
 "ownerReferences":[{"apiVersion":"bitnami.com/v1alpha1","kind":"SealedSecret","name":"app-credentials","uid":"$OWNER_UID","controller":true}]},
 "data":{"a":"Yg=="}}
EOF
expect_ok k create -f "$T/child.json"
expect_ok k delete sealedsecret app-credentials -n shop
expect_fail k get secret app-credentials -n shop
expect_err 'secrets "app-credentials" not found'

# Events validation (events.k8s.io/v1).
cat >"$T/ev.json" <<'EOF'
{"apiVersion":"events.k8s.io/v1","kind":"Event","metadata":{"name":"e1","namespace":"shop"},
 "eventTime":"2025-01-01T00:00:00.000000Z","reportingController":"cloak.dev/controller",
 "reportingInstance":"p","reason":"Unsealed","type":"Normal","note":"ok"}
EOF
expect_fail k create -f "$T/ev.json"
expect_err 'is invalid: action: Required value'

# Watch: kubectl sees the events in order. The initial list comes first
# (ADDED plain): only then is the watch surely open, so create after it.
# shellcheck disable=SC2086
$DIE_WITH_SHELL "$KUBECTL" --request-timeout=0 get secrets -n shop -w --output-watch-events \
	>"$T/watch.out" 2>&1 &
WPID=$!
bg_track "$WPID"
wait_for 60 grep -q "ADDED .*plain" "$T/watch.out" && pass ||
	fail "kubectl watch should list the existing secrets first: $(cat "$T/watch.out")"
k create secret generic watched -n shop --from-literal=a=b >/dev/null
k delete secret watched -n shop >/dev/null
wait_for 60 grep -q "DELETED .*watched" "$T/watch.out"
kill $WPID 2>/dev/null; wait $WPID 2>/dev/null; bg_untrack $WPID
grep -q "ADDED .*watched" "$T/watch.out" && grep -q "DELETED .*watched" "$T/watch.out" &&
	pass || fail "kubectl watch should see ADDED and DELETED: $(cat "$T/watch.out")"

# Revoked token: kubectl gets 401 like from a real server.
ctl tokens '{"revoke":["kubectl-token"]}'
expect_fail k get secrets -n shop
expect_err "Unauthorized\|provide credentials"
ctl tokens '{"add":["kubectl-token"]}'
expect_ok k get secrets -n shop -o name

# Injected 429 with Retry-After: kubectl (client-go) waits and retries.
ctl faults '{"method":"GET","path":"/secrets$","status":429,"retry_after":1,"count":1}'
start=$(date +%s%N)
expect_ok k get secrets -n shop -o name
el=$(( ($(date +%s%N) - start) / 1000000 ))
[ "$el" -ge 900 ] && pass || fail "kubectl should have waited for Retry-After (took ${el} ms)"

# The manifests we ship apply; our CRD replaces the built-in one and the
# Bitnami-made manifests apply against it unchanged.
expect_ok k delete crd sealedsecrets.bitnami.com
expect_fail k get sealedsecrets -A
for f in crd-sealedsecrets rbac service deployment; do
	expect_ok k apply -f "$SRC/deploy/$f.yaml"
done
expect_ok k get crd sealedsecrets.bitnami.com -o jsonpath='{.spec.versions[0].subresources}'
expect_out '"status"'
expect_fail k apply -f "$V/manifest-3-cluster-wide-template.sealedsecret.yaml" --dry-run=server
expect_err 'namespaces "apps" not found'
expect_ok k create namespace apps
for f in "$V"/manifest-*.sealedsecret.yaml; do
	expect_ok k apply -f "$f"
done
expect_ok k get sealedsecrets -A -o name
[ "$(wc -l <"$T/out")" -eq 3 ] && pass || fail "3 SealedSecrets expected: $(cat "$T/out")"
expect_ok k get deployment sealed-secrets-controller -n kube-system -o jsonpath='{.spec.template.spec.containers[0].securityContext.readOnlyRootFilesystem}'
expect_out '^true$'
finish
