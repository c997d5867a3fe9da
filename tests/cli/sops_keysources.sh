# SPDX-License-Identifier: Apache-2.0
# `cloak sops` with Vault transit (hc_vault) and AWS KMS (kms) master keys,
# end to end against the Vault and AWS test doubles: flags and environment
# variables, .sops.yaml rules and key groups with Shamir, rotate
# --add-*/--rm-*, and the failures (sealed, 403, wrong context) with sops's
# exit 128, one line on stderr and nothing written.
. "$(dirname "$0")/lib.bash"

if ! command -v python3 >/dev/null || ! command -v curl >/dev/null; then
	echo "*** SKIPPED: python3 or curl not found: the test doubles cannot run ***" >&2
	exit 77
fi

# start_double NAME SCRIPT ARGS...: sets <NAME>_URL; the double exits when fd closes.
PIDS=""
start_double() {
	local name=$1 script=$2
	shift 2
	mkfifo "$T/$name.in"
	python3 "$SRC/tests/doubles/$script" "$@" <"$T/$name.in" >"$T/$name.out" 2>"$T/$name.err" &
	PIDS="$PIDS $!"
	eval "exec {fd_$name}>\"\$T/\$name.in\""
	for _ in $(seq 100); do grep -q '^PORT' "$T/$name.out" 2>/dev/null && break; sleep 0.05; done
	local port
	port=$(awk '/^PORT/ {print $2}' "$T/$name.out")
	[ -n "$port" ] || { echo "$script did not start: $(cat "$T/$name.err")" >&2; exit 1; }
	eval "${name}_URL=http://127.0.0.1:$port"
}
trap 'for p in $PIDS; do kill $p 2>/dev/null; wait $p 2>/dev/null; done; rm -rf "$T"' EXIT
start_double VAULT vault_double.py --root-token root
start_double AWS aws_double.py

# ctl URL JSON: POST to a double's control endpoint, print the answer.
ctl() { curl -sS --fail -X POST --data-binary "$2" "$1"; }
ctl "$VAULT_URL/_control/mount" '{"path":"sops","type":"transit"}' >/dev/null
ctl "$VAULT_URL/_control/policy" '{"name":"kv","rules":[{"path":"secret/*","capabilities":["read"]}]}' >/dev/null
ctl "$VAULT_URL/_control/token" '{"id":"kv-only","policies":["kv"]}' >/dev/null
ARN=$(ctl "$AWS_URL/_control/kms_key" '{"alias":"sops"}' | sed -n 's/.*"Arn": "\([^"]*\)".*/\1/p')
[ -n "$ARN" ] || { echo "no KMS key from the AWS double" >&2; exit 1; }
ROLE=arn:aws:iam::111122223333:role/sops
ctl "$AWS_URL/_control/sts" "{\"role_arn\":\"$ROLE\"}" >/dev/null
VURI=$VAULT_URL/v1/sops/keys/app
AGE_R=$(cat "$SRC/testkeys/age/recipient.txt")
AGE_ID=$SRC/testkeys/age/identity.txt

cd "$T" || exit 1
export HOME=$T VAULT_TOKEN=root VAULT_MAX_RETRIES=0
export AWS_ACCESS_KEY_ID=AKIDEXAMPLE AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY
export AWS_ENDPOINT_URL=$AWS_URL
unset VAULT_ADDR VAULT_NAMESPACE SOPS_AGE_KEY SOPS_AGE_KEY_FILE SOPS_CONFIG SOPS_KMS_ARN SOPS_VAULT_URIS \
	AWS_PROFILE AWS_REGION SOPS_HC_VAULT_ALLOWLIST
printf 'db:\n    user: app\n    password: s3cr3t\nport: 5432\n' >plain.yaml

# roundtrip FILE: sops decrypt FILE must print plain.yaml.
roundtrip() {
	expect_exit 0 "$CLOAK" sops decrypt "$1"
	if cmp -s "$T/out" plain.yaml; then pass; else fail "decrypt $1: output differs: $(head -c 300 "$T/out")"; fi
}
# no_key FILE NEEDLE: decrypt fails with exit 128, one line naming NEEDLE, no output.
no_key() {
	expect_exit 128 "$CLOAK" sops decrypt --output "$T/never.yaml" "$1"
	expect_err_line "$2"
	if [ -e "$T/never.yaml" ]; then fail "decrypt $1 wrote an output file"; rm -f "$T/never.yaml"; else pass; fi
}

# --- Vault transit: flag, environment variable -------------------------------
expect_exit 0 "$CLOAK" sops encrypt --hc-vault-transit "$VURI" plain.yaml
cp "$T/out" v.yaml
grep -q "^    hc_vault:$" v.yaml && grep -q "^          enc: vault:v1:" v.yaml &&
	grep -q "^          engine_path: sops$" v.yaml && grep -q "^          key_name: app$" v.yaml &&
	grep -q "^          vault_address: $VAULT_URL$" v.yaml && pass || fail "hc_vault entry: $(cat v.yaml)"
roundtrip v.yaml
SOPS_VAULT_URIS=$VURI expect_exit 0 "$CLOAK" sops encrypt plain.yaml
cp "$T/out" v2.yaml
grep -q "key_name: app" v2.yaml && pass || fail "SOPS_VAULT_URIS not used"
roundtrip v2.yaml
expect_exit 1 "$CLOAK" sops encrypt --hc-vault-transit "$VAULT_URL/proxy/v1/sops/keys/app" plain.yaml
expect_err_line "prefixed url is not supported"

# token from ~/.vault-token when VAULT_TOKEN is unset
printf 'root\n' >"$T/.vault-token"
VAULT_TOKEN= expect_exit 0 "$CLOAK" sops decrypt v.yaml
rm -f "$T/.vault-token"

# failures: 403 and sealed (exit 128, one line, nothing written, -i leaves the file alone)
VAULT_TOKEN=kv-only no_key v.yaml "permission denied"
ctl "$VAULT_URL/_control/seal" '{"sealed":true}' >/dev/null
no_key v.yaml "Vault is sealed"
cp v.yaml v-before.yaml
expect_exit 128 "$CLOAK" sops decrypt -i v.yaml
cmp -s v.yaml v-before.yaml && pass || fail "decrypt -i changed the file on failure"
expect_exit 128 "$CLOAK" sops encrypt --hc-vault-transit "$VURI" --output never.yaml plain.yaml
expect_err_line "Vault is sealed"
[ ! -e never.yaml ] && pass || fail "encrypt wrote a file against a sealed Vault"
ctl "$VAULT_URL/_control/seal" '{"sealed":false}' >/dev/null
roundtrip v.yaml

# --- AWS KMS: flag with role, context, profile; SOPS_KMS_ARN -----------------
expect_exit 0 "$CLOAK" sops encrypt --kms "$ARN+$ROLE" --encryption-context "team:pay,env:prod" plain.yaml
cp "$T/out" k.yaml
python3 - k.yaml "$ARN" "$ROLE" <<'EOF' && pass || fail "kms entry layout: $(cat k.yaml)"
import sys, re
t = open(sys.argv[1]).read()
m = re.search(r"\n    kms:\n        - arn: (\S+)\n          aws_profile: \"\"\n          context:\n"
              r"            env: prod\n            team: pay\n          created_at: \"(\S+)\"\n"
              r"          enc: (\S+)\n          role: (\S+)\n    lastmodified:", t)
assert m and m.group(1) == sys.argv[2] and m.group(4) == sys.argv[3], t
assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", m.group(2))
import base64; base64.b64decode(m.group(3), validate=True)
EOF
roundtrip k.yaml
sed 's/team: pay/team: ops/' k.yaml >k-ctx.yaml
no_key k-ctx.yaml "InvalidCiphertextException"
SOPS_KMS_ARN=" $ARN " expect_exit 0 "$CLOAK" sops encrypt plain.yaml
cp "$T/out" k2.yaml
grep -q "arn: $ARN$" k2.yaml && ! grep -q "role:" k2.yaml && pass || fail "SOPS_KMS_ARN: $(cat k2.yaml)"
roundtrip k2.yaml
AWS_ACCESS_KEY_ID= AWS_SECRET_ACCESS_KEY= no_key k2.yaml "no credentials"
expect_exit 6 "$CLOAK" sops encrypt --kms "$ARN" --encryption-context "nocolon" plain.yaml
printf '[dev]\naws_access_key_id = AKIDEXAMPLE\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY\n' >creds
AWS_SHARED_CREDENTIALS_FILE=$T/creds AWS_ACCESS_KEY_ID= AWS_SECRET_ACCESS_KEY= \
	expect_exit 0 "$CLOAK" sops encrypt --kms "$ARN" --aws-profile dev plain.yaml
cp "$T/out" k3.yaml
grep -q '^          aws_profile: dev$' k3.yaml && pass || fail "--aws-profile not written"
AWS_SHARED_CREDENTIALS_FILE=$T/creds AWS_ACCESS_KEY_ID= AWS_SECRET_ACCESS_KEY= roundtrip k3.yaml

# --- .sops.yaml: rules and key groups with Shamir ----------------------------
cat >.sops.yaml <<EOF
creation_rules:
  - path_regex: vault\.yaml\$
    hc_vault_transit_uri: $VURI
  - path_regex: kms\.yaml\$
    kms: $ARN
    aws_profile: ""
  - path_regex: groups\.yaml\$
    shamir_threshold: 2
    key_groups:
      - age: [$AGE_R]
      - hc_vault: [$VURI]
      - kms:
          - arn: $ARN
            context: {app: web}
EOF
cp plain.yaml a.vault.yaml
expect_exit 0 "$CLOAK" sops encrypt -i a.vault.yaml
grep -q "key_name: app" a.vault.yaml && pass || fail "rule hc_vault_transit_uri not used"
roundtrip a.vault.yaml
cp plain.yaml a.kms.yaml
expect_exit 0 "$CLOAK" sops encrypt -i a.kms.yaml
grep -q "arn: $ARN" a.kms.yaml && pass || fail "rule kms not used"
roundtrip a.kms.yaml
cp plain.yaml a.groups.yaml
expect_exit 0 "$CLOAK" sops encrypt -i a.groups.yaml
grep -q '^    shamir_threshold: 2$' a.groups.yaml && grep -q '^    key_groups:$' a.groups.yaml &&
	grep -q '^                app: web$' a.groups.yaml && pass || fail "key groups: $(cat a.groups.yaml)"
# any two of the three groups open it, no single one does
SOPS_AGE_KEY_FILE=$AGE_ID roundtrip a.groups.yaml
SOPS_AGE_KEY_FILE=$AGE_ID VAULT_TOKEN=kv-only roundtrip a.groups.yaml
SOPS_AGE_KEY_FILE=$AGE_ID AWS_ACCESS_KEY_ID= AWS_SECRET_ACCESS_KEY= roundtrip a.groups.yaml
SOPS_AGE_KEY_FILE=$T/none roundtrip a.groups.yaml
SOPS_AGE_KEY_FILE=$T/none VAULT_TOKEN=kv-only no_key a.groups.yaml "(2 of 3 key groups needed)"
SOPS_AGE_KEY_FILE=$T/none AWS_ACCESS_KEY_ID= AWS_SECRET_ACCESS_KEY= no_key a.groups.yaml "(2 of 3 key groups needed)"
SOPS_AGE_KEY_FILE=$AGE_ID VAULT_TOKEN=kv-only AWS_ACCESS_KEY_ID= AWS_SECRET_ACCESS_KEY= \
	no_key a.groups.yaml "(2 of 3 key groups needed)"
rm .sops.yaml

# --- rotate --add-*/--rm-* ---------------------------------------------------
expect_exit 0 "$CLOAK" sops encrypt --age "$AGE_R" plain.yaml
cp "$T/out" r.yaml
SOPS_AGE_KEY_FILE=$AGE_ID expect_exit 0 "$CLOAK" sops rotate -i --add-hc-vault-transit "$VURI" \
	--add-kms "$ARN" --encryption-context "stage:ci" r.yaml
grep -q "key_name: app" r.yaml && grep -q "^            stage: ci$" r.yaml && pass || fail "rotate --add-*: $(cat r.yaml)"
SOPS_AGE_KEY_FILE=$T/none roundtrip r.yaml
SOPS_AGE_KEY_FILE=$T/none expect_exit 0 "$CLOAK" sops rotate -i --rm-age "$AGE_R" --rm-kms "$ARN" r.yaml
! grep -q "recipient:" r.yaml && ! grep -q "arn:" r.yaml && grep -q "key_name: app" r.yaml && pass ||
	fail "rotate --rm-*: $(cat r.yaml)"
roundtrip r.yaml
expect_exit 0 "$CLOAK" sops rotate -i --rm-hc-vault-transit "$VURI" --add-age "$AGE_R" r.yaml
! grep -q "hc_vault" r.yaml && SOPS_AGE_KEY_FILE=$AGE_ID roundtrip r.yaml

finish
