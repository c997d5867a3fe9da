# SPDX-License-Identifier: Apache-2.0
# cloak seal / kubeseal end to end: keygen, seal, -o, --raw, --merge-into,
# --recovery-unseal, scopes, namespaces, bad input (one line, non-zero, nothing written).
. "$(dirname "$0")/lib.bash"

cd "$T" || exit 1
ln -s "$CLOAK" kubeseal
export HOME=$T KUBECONFIG=
unset SEALED_SECRETS_CERT

# ---- keygen (2048 bits keeps the suite fast; the default is 4096) ----
expect_exit 0 "$CLOAK" seal keygen --bits 2048 --key-out key.pem --cert-out cert.pem --secret-out key-secret.yaml
[ "$(stat -c %a key.pem)" = 600 ] && pass || fail "key.pem mode $(stat -c %a key.pem)"
[ "$(stat -c %a key-secret.yaml)" = 600 ] && pass || fail "key-secret.yaml mode"
[ "$(stat -c %a cert.pem)" = 644 ] && pass || fail "cert.pem mode $(stat -c %a cert.pem)"
grep -q "BEGIN RSA PRIVATE KEY" key.pem && pass || fail "key.pem is not PKCS#1"
openssl x509 -in cert.pem -noout 2>/dev/null && pass || fail "cert.pem does not parse"
grep -q "sealedsecrets.bitnami.com/sealed-secrets-key: active" key-secret.yaml && pass || fail "key Secret label"
cp key.pem key.before
expect_exit 7 "$CLOAK" seal keygen --bits 2048 --key-out key.pem --cert-out other.pem
expect_err_line "exists"
cmp -s key.pem key.before && pass || fail "keygen overwrote a key"
expect_exit 0 "$CLOAK" seal keygen --bits 2048 --key-out other-key.pem --cert-out other-cert.pem

cat >secret.yaml <<'EOF'
apiVersion: v1
kind: Secret
metadata:
  name: app
  namespace: shop
  labels:
    tier: backend
  annotations:
    kubectl.kubernetes.io/last-applied-configuration: '{"stringData":{"password":"hunter2"}}'
type: Opaque
data:
  password: aHVudGVyMg==
stringData:
  user: admin
EOF

# ---- seal: JSON by default, YAML with -o, round trip with --recovery-unseal ----
expect_exit 0 "$CLOAK" seal --cert cert.pem -f secret.yaml
head -c 40 "$T/out" | grep -q '^{' && pass || fail "default output is not JSON"
expect_out '"kind": "SealedSecret"'
expect_out '"password": "AQ'
grep -q hunter2 "$T/out" && fail "plaintext leaked into the SealedSecret" || pass
cp "$T/out" sealed.json
expect_exit 0 "$CLOAK" seal --cert cert.pem -o yaml <secret.yaml
head -1 "$T/out" | grep -qx -- '---' && pass || fail "YAML output does not start with ---"
cp "$T/out" sealed.yaml
expect_exit 0 "$CLOAK" seal --recovery-unseal --recovery-private-key key.pem -f sealed.yaml -o yaml
expect_out "password: aHVudGVyMg=="
expect_out "user: YWRtaW4="
expect_out "name: app"
expect_exit 0 "$CLOAK" seal --recovery-unseal --recovery-private-key other-key.pem,key.pem <sealed.json
expect_exit 0 "$CLOAK" seal --recovery-unseal --recovery-private-key key.pem -f sealed.json -w plain.json
[ "$(stat -c %a plain.json)" = 600 ] && pass || fail "unsealed -w file mode $(stat -c %a plain.json)"
expect_exit 0 "$CLOAK" seal --recovery-unseal --recovery-private-key other-key.pem,key.pem <sealed.json
expect_out '"password": "aHVudGVyMg=="'
expect_exit 0 "$CLOAK" seal --recovery-unseal --recovery-private-key other-key.pem --recovery-private-key key-secret.yaml <sealed.json
expect_out '"user": "YWRtaW4="'

# Sealed for shop/app: another namespace or name opens nothing.
sed 's/namespace: shop/namespace: other/' sealed.yaml >moved.yaml
expect_exit 5 "$CLOAK" seal --recovery-unseal --recovery-private-key key.pem -f moved.yaml
expect_err_line "no key could decrypt secret (password, user)"
[ -s "$T/out" ] && fail "output written on failure" || pass
sed 's/^  name: app/  name: renamed/' sealed.yaml >renamed.yaml
expect_exit 5 "$CLOAK" seal --recovery-unseal --recovery-private-key key.pem -f renamed.yaml
# A private key that opens nothing.
expect_exit 5 "$CLOAK" seal --recovery-unseal --recovery-private-key other-key.pem -f sealed.yaml
expect_err_line "no key could decrypt secret"

# ---- scopes ----
expect_exit 0 "$CLOAK" seal --cert cert.pem --scope namespace-wide -o yaml -f secret.yaml
expect_out "sealedsecrets.bitnami.com/namespace-wide: \"true\""
sed 's/^  name: app/  name: renamed/' "$T/out" >nsw.yaml
expect_exit 0 "$CLOAK" seal --recovery-unseal --recovery-private-key key.pem -f nsw.yaml
expect_out '"name": "renamed"'
expect_exit 0 "$CLOAK" seal --cert cert.pem --scope cluster-wide -o yaml -f secret.yaml
sed 's/namespace: shop/namespace: anywhere/' "$T/out" >cw.yaml
expect_exit 0 "$CLOAK" seal --recovery-unseal --recovery-private-key key.pem -f cw.yaml
expect_exit 2 "$CLOAK" seal --cert cert.pem --scope wide -f secret.yaml
expect_err_line "must be one of: strict, namespace-wide, cluster-wide"

# ---- namespace: the Secret's, -n, or the kubeconfig context ----
printf 'kind: Secret\nmetadata: {name: nons}\nstringData: {k: v}\n' >nons.yaml
expect_exit 0 "$CLOAK" seal --cert cert.pem -f nons.yaml
expect_out '"namespace": "default"'
cat >kc <<'EOF'
apiVersion: v1
kind: Config
current-context: dev
contexts:
- name: dev
  context: {cluster: c, user: u, namespace: from-kubeconfig}
EOF
expect_exit 0 env KUBECONFIG="$T/kc" "$CLOAK" seal --cert cert.pem -f nons.yaml
expect_out '"namespace": "from-kubeconfig"'
expect_exit 0 "$CLOAK" seal --cert cert.pem --kubeconfig kc -n flag-ns -f nons.yaml
expect_out '"namespace": "flag-ns"'
expect_exit 3 "$CLOAK" seal --cert cert.pem -n other -f secret.yaml
expect_err_line 'namespace mismatch: input secret is in namespace "shop" but "other" was specified'

# ---- --raw ----
printf 'hunter2' >value.txt
expect_exit 0 "$CLOAK" seal --raw --cert cert.pem --scope strict --name app -n shop --from-file value.txt
[ "$(tail -c 1 "$T/out" | od -An -c | tr -d ' ')" != '\n' ] && pass || fail "--raw printed a newline"
expect_out '^AQ'
raw=$(cat "$T/out")
expect_exit 0 "$CLOAK" seal --raw --cert cert.pem --scope strict --name app -n shop --from-file pw=value.txt
printf 'hunter2' | "$CLOAK" seal --raw --cert cert.pem --scope cluster-wide >"$T/out" 2>"$T/err" && pass || fail "--raw from stdin"
cwraw=$(cat "$T/out")
printf 'kind: SealedSecret\napiVersion: bitnami.com/v1alpha1\nmetadata: {name: app, namespace: shop}\nspec:\n  encryptedData: {pw: %s}\n' "$raw" >raw.yaml
expect_exit 0 "$CLOAK" seal --recovery-unseal --recovery-private-key key.pem -f raw.yaml -o yaml
expect_out "pw: aHVudGVyMg=="
printf 'kind: SealedSecret\nmetadata:\n  name: x\n  annotations: {sealedsecrets.bitnami.com/cluster-wide: "true"}\nspec:\n  encryptedData: {pw: %s}\n' "$cwraw" >cwraw.yaml
expect_exit 0 "$CLOAK" seal --recovery-unseal --recovery-private-key key.pem -f cwraw.yaml -o yaml
expect_out "pw: aHVudGVyMg=="
expect_exit 2 "$CLOAK" seal --raw --cert cert.pem --scope strict -n shop --from-file value.txt
expect_err_line "must provide the --name flag with --raw and --scope strict"
expect_exit 2 "$CLOAK" seal --cert cert.pem --from-file value.txt
expect_err_line "from-file requires --raw"
expect_exit 2 "$CLOAK" seal --raw --cert cert.pem --name a --from-file value.txt --from-file value.txt
expect_err_line "only one --from-file"

# ---- -w: atomic output file, extension picks YAML ----
expect_exit 0 "$CLOAK" seal --cert cert.pem -f secret.yaml -w out.yml
head -1 out.yml | grep -qx -- '---' && pass || fail "-w out.yml is not YAML"
expect_exit 0 "$CLOAK" seal --cert cert.pem -f secret.yaml -w out.json
head -c 1 out.json | grep -q '{' && pass || fail "-w out.json is not JSON"

# ---- --merge-into: only the named keys change ----
printf 'kind: Secret\nmetadata: {name: m, namespace: ns}\nstringData: {a: A, b: B, c: C}\n' >three.yaml
"$CLOAK" seal --cert cert.pem -o yaml -f three.yaml >m.yaml 2>"$T/err" || fail "seal three: $(cat "$T/err")"
sed -i '1i # reviewed by the platform team' m.yaml
grep '^    a: ' m.yaml >a.before
grep '^    c: ' m.yaml >c.before
grep '^    b: ' m.yaml >b.before
printf 'kind: Secret\nmetadata: {name: ignored}\nstringData: {b: B2, d: D}\n' >update.yaml
expect_exit 0 "$CLOAK" seal --cert cert.pem --merge-into m.yaml -f update.yaml
grep '^    a: ' m.yaml | cmp -s - a.before && pass || fail "--merge-into changed key a"
grep '^    c: ' m.yaml | cmp -s - c.before && pass || fail "--merge-into changed key c"
grep '^    b: ' m.yaml | cmp -s - b.before && fail "--merge-into did not replace b" || pass
# Comments survive once the document layer keeps them (doc milestone 2).
printf '# c\nkind: SealedSecret\nmetadata: {name: c}\nspec: {encryptedData: {}}\n' >probe.yaml
printf 'kind: Secret\nstringData: {k: v}\n' | "$CLOAK" seal --cert cert.pem --merge-into probe.yaml >/dev/null 2>&1
if grep -q '^# c' probe.yaml; then
	head -1 m.yaml | grep -q '^# reviewed by the platform team' && pass || fail "--merge-into lost the comment"
else
	echo "note: comments are not kept by the document layer yet; not checked" >&2
fi
expect_exit 0 "$CLOAK" seal --recovery-unseal --recovery-private-key key.pem -f m.yaml -o yaml
expect_out "b: QjI="
expect_out "d: RA=="
expect_out "a: QQ=="
cp m.yaml m.before
printf 'kind: Secret\nmetadata: {name: x}\ndata: {b: "@@"}\n' >badupdate.yaml
expect_exit 3 "$CLOAK" seal --cert cert.pem --merge-into m.yaml -f badupdate.yaml
expect_err_line "data.b: invalid base64"
cmp -s m.yaml m.before && pass || fail "failed --merge-into modified the file"

# ---- bad input: one line, non-zero, nothing written ----
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {a: b}\n' >cm.yaml
expect_exit 3 "$CLOAK" seal --cert cert.pem -f cm.yaml -w never.json
expect_err_line "not a Secret (kind: ConfigMap)"
[ -e never.json ] && fail "output written for a bad input" || pass
printf 'kind: Secret\nmetadata: {namespace: x}\ndata: {a: dg==}\n' >noname.yaml
expect_exit 3 "$CLOAK" seal --cert cert.pem -f noname.yaml
expect_err_line "missing metadata.name"
printf 'kind: Secret\nmetadata: {name: n}\ndata: {a: "not base64"}\n' >bad64.yaml
expect_exit 3 "$CLOAK" seal --cert cert.pem -f bad64.yaml
expect_err_line "bad64.yaml: data.a: invalid base64"
[ -s "$T/out" ] && fail "output written for bad base64" || pass
printf 'kind: Secret\nmetadata: {name: n}\n' >empty.yaml
expect_exit 3 "$CLOAK" seal --cert cert.pem -f empty.yaml
expect_err_line "allow-empty-data"
expect_exit 0 "$CLOAK" seal --cert cert.pem -f empty.yaml --allow-empty-data
expect_exit 2 "$CLOAK" seal --cert cert.pem -f secret.yaml -o xml
expect_err_line "unsupported output format: xml"
expect_exit 6 "$CLOAK" seal --cert missing.pem -f secret.yaml
KUBECONFIG=$T/no-such-kubeconfig expect_exit 6 "$CLOAK" seal -f secret.yaml
expect_err_line "no --cert: .*no kubeconfig file found in '$T/no-such-kubeconfig'"
# A certificate that is not RSA fails; an expired one warns and seals.
if openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ec.key \
	-out ec.crt -subj /CN=ec -days 1 >/dev/null 2>&1; then
	expect_exit 9 "$CLOAK" seal --cert ec.crt -f secret.yaml
	expect_err_line "not RSA"
fi
mkdir ca && printf '[ca]\ndefault_ca=d\n[d]\ndatabase=index.txt\nnew_certs_dir=.\nserial=serial\npolicy=p\ndefault_md=sha256\n[p]\ncommonName=supplied\n' >ca/ca.cnf
touch ca/index.txt && echo 01 >ca/serial
if (cd ca && openssl req -new -key ../key.pem -out csr.pem -subj /CN=old >/dev/null 2>&1 &&
	openssl ca -batch -config ca.cnf -selfsign -keyfile ../key.pem -in csr.pem -out old.pem \
		-startdate 20200101000000Z -enddate 20210101000000Z >/dev/null 2>&1); then
	expect_exit 0 "$CLOAK" seal --cert ca/old.pem -f secret.yaml
	expect_err_line "warning: certificate ca/old.pem expired on January 1, 2021"
	cp "$T/out" expired-sealed.json
	expect_exit 0 "$CLOAK" seal --recovery-unseal --recovery-private-key key.pem -f expired-sealed.json
fi
printf 'not a key\n' >junk.pem
expect_exit 3 "$CLOAK" seal --recovery-unseal --recovery-private-key junk.pem -f sealed.yaml
expect_exit 2 "$CLOAK" seal --recovery-unseal -f sealed.yaml
expect_err_line "needs --recovery-private-key"

# ---- controller-backed flags without a cluster: clear failures, not silence ----
# (tests/cli/seal_controller.sh runs them against a controller)
for f in --validate --re-encrypt; do
	KUBECONFIG=$T/no-such-kubeconfig expect_exit 6 "$CLOAK" seal $f -f sealed.yaml
	expect_err_line "cannot reach the controller: kube: no kubeconfig file found"
	[ -s "$T/out" ] && fail "$f printed something without a controller" || pass
done
expect_exit 2 "$CLOAK" seal --validate --re-encrypt -f sealed.yaml
expect_err_line "exclude each other"
# --fetch-cert with --cert prints that certificate unchanged (no cluster needed).
expect_exit 0 "$CLOAK" seal --fetch-cert --cert cert.pem
cmp -s "$T/out" cert.pem && pass || fail "--fetch-cert --cert FILE should print the file"
# --cert URL: fetched over HTTP (a loopback server), failures named.
python3 - "$T" >"$T/port" 2>/dev/null <<'EOF' &
import functools, http.server, sys
h = functools.partial(http.server.SimpleHTTPRequestHandler, directory=sys.argv[1])
s = http.server.HTTPServer(("127.0.0.1", 0), h)
print(s.server_address[1], flush=True)
s.serve_forever()
EOF
srv=$!
trap 'kill "$srv" 2>/dev/null; rm -rf "$T"' EXIT
for _ in $(seq 50); do [ -s "$T/port" ] && break; sleep 0.1; done
port=$(cat "$T/port")
expect_exit 0 "$CLOAK" seal --cert "http://127.0.0.1:$port/cert.pem" -f secret.yaml
expect_out '"kind": "SealedSecret"'
expect_exit 6 "$CLOAK" seal --cert "http://127.0.0.1:$port/nothing.pem" -f secret.yaml
expect_err_line "cannot fetch http://127.0.0.1:$port/nothing.pem: HTTP 404"
kill "$srv" 2>/dev/null
wait "$srv" 2>/dev/null
expect_exit 8 "$CLOAK" seal --cert "http://127.0.0.1:$port/cert.pem" -f secret.yaml
expect_err_line "cannot fetch"
expect_exit 0 "$CLOAK" seal --cert "file://$T/cert.pem" -f secret.yaml
expect_exit 0 env SEALED_SECRETS_CERT=cert.pem "$CLOAK" seal -f secret.yaml

# ---- as kubeseal ----
expect_exit 0 ./kubeseal --version
expect_out "^kubeseal version: "
expect_exit 0 ./kubeseal --cert cert.pem --format yaml -f secret.yaml
expect_out "kind: SealedSecret"
expect_exit 2 ./kubeseal --cert cert.pem --scoep strict
expect_err_line "did you mean '--scope'"

# ---- the real controller's vectors: its manifests open with its key backup ----
VEC=${CLOAK_VECTORS:-$SRC/../shared/vectors}/sealed-secrets
if [ -d "$VEC" ]; then
	expect_exit 0 "$CLOAK" seal --recovery-unseal --recovery-private-key "$VEC/TEST-ONLY-sealed-secrets-key-secret.yaml" \
		-f "$VEC/manifest-1-strict.sealedsecret.yaml" -o yaml
	expect_out "DB_PASSWORD: czNjcjN0IQ=="
	expect_out "config.ini: W2RiXQpob3N0ID0gZGIuc2hvcC5zdmMKcG9ydCA9IDU0MzIK"
	expect_exit 0 ./kubeseal --recovery-unseal --recovery-private-key "$VEC/TEST-ONLY-sealed-secrets-key.pem" \
		-f "$VEC/manifest-3-cluster-wide-template.sealedsecret.json"
	expect_out '"url": "cG9zdGdyZXM6Ly9yZWFkZXI6Wng5LXFAZGI6NTQzMi9hcHA="'
	expect_exit 0 "$CLOAK" seal --cert "$VEC/TEST-ONLY-sealed-secrets-cert.pem" -f secret.yaml
	expect_out '"password": "Ag'
else
	echo "*** note: shared vectors not found; the real-controller section was not run ***" >&2
fi
finish
