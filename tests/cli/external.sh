# SPDX-License-Identifier: Apache-2.0
# cloak external render / check, end to end against the Vault test double.
. "$(dirname "$0")/lib.bash"

V=$(vectors eso)
if ! command -v python3 >/dev/null; then
	echo "*** SKIPPED: python3 not found: the Vault double cannot run ***" >&2
	exit 77
fi

# The Vault double on a loopback port; it exits when its stdin closes.
mkfifo "$T/dbl.in"
python3 "$SRC/tests/doubles/vault_double.py" --root-token root <"$T/dbl.in" >"$T/dbl.out" 2>"$T/dbl.err" &
DPID=$!
exec 9>"$T/dbl.in"
trap 'exec 9>&-; kill $DPID 2>/dev/null; wait $DPID 2>/dev/null; rm -rf "$T"' EXIT
for _ in $(seq 100); do grep -q '^PORT' "$T/dbl.out" 2>/dev/null && break; sleep 0.05; done
PORT=$(awk '/^PORT/ {print $2}' "$T/dbl.out")
[ -n "$PORT" ] || { echo "vault double did not start: $(cat "$T/dbl.err")" >&2; exit 1; }
U=http://127.0.0.1:$PORT
vput() { # vput PATH JSON
	python3 - "$U/v1/$1" "$2" <<'EOF'
import sys, urllib.request
r = urllib.request.Request(sys.argv[1], data=sys.argv[2].encode(), method="POST",
                           headers={"X-Vault-Token": "root"})
urllib.request.urlopen(r).read()
EOF
}
vput secret/data/foo '{"data":{"my-value":"s3cr3t"}}'
vput secret/metadata/foo '{"custom_metadata":{"dev":"alice"}}'
export VAULT_ADDR=$U
unset VAULT_TOKEN VAULT_NAMESPACE
export HOME=$T

# help and usage errors
expect_exit 0 "$CLOAK" external --help
expect_out "render"
expect_exit 0 "$CLOAK" external render --help
expect_out "usage: cloak external render -f"
expect_exit 2 "$CLOAK" external render
expect_err_line "no input (use -f FILE or -f DIR)"
expect_exit 2 "$CLOAK" external render --stroe y -f x
expect_err_line "did you mean '--store'"
expect_exit 2 "$CLOAK" external rendr
expect_err_line "did you mean 'render'"

# check: every vector on its own is clean
for f in "$V"/*.yaml; do
	expect_exit 0 "$CLOAK" external check -f "$f"
	expect_out "no problems"
done
# the whole directory: the Anchore/Jenkins examples name a ClusterSecretStore that is not there
expect_exit 3 "$CLOAK" external check -f "$V"
[ "$(grep -c 'ClusterSecretStore "vault-backend" not found' "$T/err")" -eq 3 ] && pass || fail "want 3 lines, got: $(cat "$T/err")"

# check: one line per problem, naming file, line and field
cat >"$T/bad.yaml" <<'EOF'
apiVersion: external-secrets.io/v1
kind: ExternalSecret
metadata:
  name: bad
spec:
  secretStoreRef:
    name: vault-backend
  target:
    template:
      data:
        cert: "{{ .tls | filterPEM \"CERTIFICATE\" }}"
  data:
  - secretKey: a
    remoteRef:
      key: foo
      proprety: x
---
apiVersion: external-secrets.io/v1
kind: SecretStore
metadata:
  name: vault-backend
spec:
  provider:
    gcpsm:
      projectID: p
EOF
expect_exit 3 "$CLOAK" external check -f "$T/bad.yaml"
[ "$(wc -l <"$T/err")" -eq 3 ] && pass || fail "want 3 problem lines, got: $(cat "$T/err")"
grep -q 'bad.yaml:16: spec.data\[0\].remoteRef: unknown field "proprety"' "$T/err" && pass || fail "typo line: $(cat "$T/err")"
grep -q 'function "filterPEM" is not supported by cloak' "$T/err" && pass || fail "filterPEM: $(cat "$T/err")"
grep -q 'bad.yaml:24: spec.provider.gcpsm: not supported by cloak' "$T/err" && pass || fail "gcpsm: $(cat "$T/err")"

# render: ESO's example against the double, credentials from the Secret beside the store
expect_exit 0 "$CLOAK" external render -f "$V/provider-hashicorp-vault.md.block03-externalsecret.yaml" \
	--store "$V/provider-hashicorp-vault.md.block00-secretstore.yaml"
expect_out "^  foobar: czNjcjN0$"
expect_out "^  developer: YWxpY2U=$"
expect_out "^  name: example-sync$"
expect_out 'reconcile.external-secrets.io/managed: "true"'
# -o writes atomically, private
expect_exit 0 "$CLOAK" external render -f "$V/provider-hashicorp-vault.md.block03-externalsecret.yaml" \
	--store "$V/provider-hashicorp-vault.md.block00-secretstore.yaml" -o "$T/secret.yaml"
grep -q "foobar: czNjcjN0" "$T/secret.yaml" && pass || fail "-o file"
[ "$(stat -c %a "$T/secret.yaml")" = 600 ] && pass || fail "-o mode $(stat -c %a "$T/secret.yaml")"

# render many: a directory of ExternalSecrets, one client for the store
mkdir "$T/many"
for i in 1 2 3; do
	sed "s/name: vault-example/name: app$i/; s/name: example-sync/name: app$i-secret/" \
		"$V/provider-hashicorp-vault.md.block03-externalsecret.yaml" >"$T/many/es$i.yaml"
done
expect_exit 0 "$CLOAK" external render -f "$T/many" --store "$V/provider-hashicorp-vault.md.block00-secretstore.yaml" --stats
[ "$(grep -c '^kind: Secret' "$T/out")" -eq 3 ] && pass || fail "want 3 Secrets"
[ "$(grep -c '^---$' "$T/out")" -eq 2 ] && pass || fail "want 2 separators"
expect_out "name: app3-secret"
grep -q "rendered 3 Secret(s) in .* 9 provider request(s)" "$T/err" && pass || fail "stats: $(cat "$T/err")"
cp "$T/out" "$T/serial.yaml"
# workers: the same Secrets in the same order, each worker with its own connection
expect_exit 0 "$CLOAK" external render -j 3 -f "$T/many" --store "$V/provider-hashicorp-vault.md.block00-secretstore.yaml" --stats
cmp -s "$T/out" "$T/serial.yaml" && pass || fail "-j 3 output differs from -j 1"
grep -q "9 provider request(s), 3 worker(s)" "$T/err" && pass || fail "-j stats: $(cat "$T/err")"
# one read per secret path within an ExternalSecret (ESO sends one per data
# entry), never shared between two ExternalSecrets
mkdir "$T/same"
for i in 1 2; do
	cat >"$T/same/es$i.yaml" <<EOF
apiVersion: external-secrets.io/v1
kind: ExternalSecret
metadata: {name: same$i}
spec:
  secretStoreRef: {name: vault-backend, kind: SecretStore}
  data:
  - {secretKey: a, remoteRef: {key: foo, property: my-value}}
  - {secretKey: b, remoteRef: {key: foo, property: my-value}}
EOF
done
expect_exit 0 "$CLOAK" external render -f "$T/same/es1.yaml" --store "$V/provider-hashicorp-vault.md.block00-secretstore.yaml" --stats
grep -q "rendered 1 Secret(s) in .* 1 provider request(s)" "$T/err" && pass || fail "one read per path: $(cat "$T/err")"
expect_out "^  b: czNjcjN0$"
expect_exit 0 "$CLOAK" external render -f "$T/same" --store "$V/provider-hashicorp-vault.md.block00-secretstore.yaml" --stats
grep -q "rendered 2 Secret(s) in .* 2 provider request(s)" "$T/err" && pass || fail "reads shared between ExternalSecrets: $(cat "$T/err")"
expect_exit 2 "$CLOAK" external render -j 0 -f "$T/many"
expect_err_line "--jobs wants 1-64"
expect_exit 0 "$CLOAK" external render -f "$T/many" --store "$V/provider-hashicorp-vault.md.block00-secretstore.yaml" --name app2
[ "$(grep -c '^kind: Secret' "$T/out")" -eq 1 ] && pass || fail "--name"

# failures: nothing on stdout, one line on stderr, a distinct exit status
sed 's/key: foo$/key: nope/' "$V/provider-hashicorp-vault.md.block03-externalsecret.yaml" >"$T/nope.yaml"
expect_exit 6 "$CLOAK" external render -f "$T/nope.yaml" --store "$V/provider-hashicorp-vault.md.block00-secretstore.yaml"
expect_err_line "spec.data\[0\] (key: nope)"
[ ! -s "$T/out" ] && pass || fail "stdout must be empty on failure"
expect_exit 6 "$CLOAK" external render -f "$T/many" -f "$T/nope.yaml" \
	--store "$V/provider-hashicorp-vault.md.block00-secretstore.yaml" -o "$T/partial.yaml"
[ ! -e "$T/partial.yaml" ] && pass || fail "no partial output file"
# --no-env: the store's own server (unreachable here) is used
expect_exit 8 "$CLOAK" external render --no-env --max-retries 0 \
	-f "$V/provider-hashicorp-vault.md.block03-externalsecret.yaml" \
	--store "$V/provider-hashicorp-vault.md.block00-secretstore.yaml"
expect_err_line "my.vault.server"
# an ExternalSecret with problems is not rendered
expect_exit 3 "$CLOAK" external render -f "$T/bad.yaml"
grep -q "has 2 problem(s)" "$T/err" && pass || fail "render of a bad manifest: $(cat "$T/err")"
# the store named is missing
expect_exit 6 "$CLOAK" external render -f "$V/provider-hashicorp-vault.md.block03-externalsecret.yaml"
expect_err_line 'SecretStore "vault-backend" not found (give it with --store)'

finish
