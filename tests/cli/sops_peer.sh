# SPDX-License-Identifier: Apache-2.0
# `sops` against files written by sops 3.13.2 (vectors/sops-peer), through the
# CLI as a user runs it (argv[0] = sops):
#  - every enc/ file decrypts to exactly dec/ with each identity file the
#    vectors list as sufficient, and not with an identity that is not;
#  - every plain/ file encrypted with the vectors' .sops.yaml decrypts to
#    exactly dec/, and the encrypted file has the layout sops 3.13.2 wrote
#    (identical to enc/ once ciphertexts, wrapped keys and times are masked);
#  - the age-wrapped data keys open with the real age CLI too.
. "$(dirname "$0")/lib.bash"
P=$(vectors sops-peer)
ln -s "$CLOAK" "$T/sops"
SOPS="$T/sops"
K=$P/keys

# decrypt_with KEYFILE NAME: sops decrypt enc/NAME must print dec/NAME.
decrypt_with() {
	SOPS_AGE_KEY_FILE=$K/$1 "$SOPS" decrypt "$P/enc/$2" >"$T/out" 2>"$T/err"
	local rc=$?
	if [ $rc -ne 0 ]; then
		fail "decrypt $2 with $1: exit $rc: $(cat "$T/err")"
	elif ! cmp -s "$T/out" "$P/dec/$2"; then
		fail "decrypt $2 with $1: output differs from dec/$2"
	else
		pass
	fi
}

n=0
for f in "$P"/enc/*; do
	name=$(basename "$f")
	n=$((n + 1))
	case $name in
	app.env | config.ini | comment-regex.yaml) keys="age-key1.txt age-key1-and-key2.txt" ;;
	shamir.yaml) keys="age-key1-and-key2.txt age-identities.txt" ;;
	*) keys="age-key1.txt age-key2.txt age-key1-and-key2.txt" ;;
	esac
	for k in $keys; do decrypt_with "$k" "$name"; done
done
echo "decrypted $n sops 3.13.2 files with every sufficient identity set"

# Not enough keys: exit 128 (could not retrieve the data key), nothing printed.
for args in "age-key2.txt app.env" "age-key3.txt basic.yaml" "age-key1.txt shamir.yaml" "age-key3.txt shamir.yaml"; do
	set -- $args
	SOPS_AGE_KEY_FILE=$K/$1 "$SOPS" decrypt "$P/enc/$2" >"$T/out" 2>"$T/err"
	rc=$?
	if [ $rc -ne 128 ] || [ -s "$T/out" ]; then
		fail "decrypt $2 with only $1: exit $rc (want 128), stdout $(wc -c <"$T/out") bytes"
	else
		pass
	fi
done

# Mask what is random or time-dependent; everything else must be sops's layout.
mask() {
	python3 - "$1" <<'EOF'
import re, sys
s = open(sys.argv[1], encoding="utf-8", errors="surrogateescape").read()
s = re.sub(r"-----BEGIN AGE ENCRYPTED FILE-----.*?-----END AGE ENCRYPTED FILE-----", "AGE", s, flags=re.S)
s = re.sub(r"ENC\[AES256_GCM,data:[^\]]*,type:([a-z]+)\]", r"ENC[\1]", s)
s = re.sub(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", "TIME", s)
sys.stdout.write(s)
EOF
}

rt=0
for f in "$P"/plain/*; do
	name=$(basename "$f")
	if ! SOPS_AGE_KEY_FILE=$K/age-identities.txt "$SOPS" --config "$P/.sops.yaml" encrypt "$f" >"$T/enc.$name" 2>"$T/err"; then
		fail "encrypt plain/$name: $(cat "$T/err")"
		continue
	fi
	if [ "$name" = shamir.yaml ]; then k=age-key1-and-key2.txt; else k=age-key1.txt; fi
	case $name in app.env | config.ini | comment-regex.yaml) k=age-key1.txt ;; esac
	if ! SOPS_AGE_KEY_FILE=$K/$k "$SOPS" decrypt "$T/enc.$name" >"$T/dec.$name" 2>"$T/err"; then
		fail "decrypt own plain/$name: $(cat "$T/err")"
		continue
	fi
	if cmp -s "$T/dec.$name" "$P/dec/$name"; then pass; else fail "round trip of plain/$name differs from dec/$name"; fi
	mask "$T/enc.$name" >"$T/m1"
	mask "$P/enc/$name" >"$T/m2"
	if cmp -s "$T/m1" "$T/m2"; then
		pass
		rt=$((rt + 1))
	else
		fail "layout of encrypted $name differs from sops 3.13.2's: $(diff "$T/m2" "$T/m1" | head -20)"
	fi
done
echo "round trip and layout identical to sops 3.13.2 for $rt plaintexts"

# The wrapped data key is a plain armoured age file: the age CLI opens it.
if command -v age >/dev/null; then
	python3 - "$T/enc.basic.yaml" >"$T/wrapped.age" <<'EOF'
import re, sys
s = open(sys.argv[1]).read()
m = re.search(r"-----BEGIN AGE ENCRYPTED FILE-----.*?-----END AGE ENCRYPTED FILE-----", s, flags=re.S)
print("\n".join(l.strip() for l in m.group(0).splitlines()))
EOF
	if age -d -i "$K/age-key1.txt" "$T/wrapped.age" >"$T/dk" 2>"$T/err" && [ "$(wc -c <"$T/dk")" -eq 32 ]; then
		pass
	else
		fail "age CLI cannot open the data key cloak wrapped: $(cat "$T/err")"
	fi
fi
finish
