# SPDX-License-Identifier: Apache-2.0
# Interop with Debian's real age / age-keygen, both directions, binary and
# armored, around the 64 KiB chunk size, 5 MiB, two recipients; and every
# X25519/scrypt file of shared/vectors/age-cli through the cloak CLI.
. "$(dirname "$0")/lib.bash"

AGE=$(command -v age || true)
AGE_KEYGEN=$(command -v age-keygen || true)
if [ -z "$AGE" ] || [ -z "$AGE_KEYGEN" ]; then
	echo "*** SKIPPED: the age CLI is not installed (apt-get install age) ***" >&2
	exit 77
fi
cd "$T" || exit 1
echo "peer: $AGE $("$AGE" --version)"

# Keys from both tools; each tool's -y agrees on the other's key.
"$AGE_KEYGEN" -o ka.txt 2>/dev/null
"$CLOAK" age keygen -o kc.txt 2>/dev/null
PA=$("$AGE_KEYGEN" -y ka.txt)
PC=$("$CLOAK" age keygen -y kc.txt)
[ "$("$CLOAK" age keygen -y ka.txt)" = "$PA" ] && pass || fail "cloak -y of an age-keygen key"
[ "$("$AGE_KEYGEN" -y kc.txt)" = "$PC" ] && pass || fail "age-keygen -y of a cloak key"

sizes="0 1 65535 65536 65537 5242880"
n=0
for size in $sizes; do
	head -c "$size" /dev/urandom >p.$size
	for armor in "" "-a"; do
		kind=${armor:+armored}
		kind=${kind:-binary}
		# cloak -> age
		rm -f c1 d1
		if "$CLOAK" age encrypt $armor -r "$PA" -o c1 p.$size 2>err &&
		   "$AGE" -d -i ka.txt c1 >d1 2>>err && cmp -s p.$size d1; then
			pass
		else
			fail "cloak->age $size bytes $kind: $(cat err)"
		fi
		# age -> cloak
		rm -f c2 d2
		if "$AGE" $armor -r "$PC" -o c2 p.$size 2>err &&
		   "$CLOAK" age decrypt -i kc.txt -o d2 c2 2>>err && cmp -s p.$size d2; then
			pass
		else
			fail "age->cloak $size bytes $kind: $(cat err)"
		fi
		# Same size on the wire: one chunk per started 64 KiB, no extra empty chunk.
		if [ -z "$armor" ] && [ "$(stat -c %s c1)" -ne "$(stat -c %s c2)" ]; then
			fail "ciphertext sizes differ for $size bytes: cloak $(stat -c %s c1), age $(stat -c %s c2)"
		fi
		n=$((n + 2))
	done
done
echo "payload interop: $n transfers (sizes: $sizes; binary and armored; both directions)"

# Two recipients, both directions, each key alone opens the file.
head -c 100000 /dev/urandom >p.two
"$CLOAK" age encrypt -r "$PA" -r "$PC" -o two.c p.two 2>/dev/null
"$AGE" -r "$PA" -r "$PC" -a -o two.a p.two 2>/dev/null
for k in ka kc; do
	"$AGE" -d -i $k.txt two.c 2>/dev/null | cmp -s p.two - && pass || fail "age -d $k of cloak's two-recipient file"
	"$CLOAK" age decrypt -i $k.txt two.a 2>/dev/null | cmp -s p.two - && pass || fail "cloak decrypt $k of age's two-recipient file"
done
echo "two recipients: both tools, both keys"

# Errors agree: wrong key, tampered payload.
"$AGE_KEYGEN" -o kx.txt 2>/dev/null
"$CLOAK" age decrypt -i kx.txt two.a >/dev/null 2>err && fail "wrong key accepted" || pass
grep -q "no identity matched any of the recipients" err && pass || fail "wrong-key message: $(cat err)"

# age as argv[0]: the same round trip with age's own flags.
ln -s "$CLOAK" age
./age -r "$PA" -o c3 p.65537 2>/dev/null
"$AGE" -d -i ka.txt c3 2>/dev/null | cmp -s p.65537 - && pass || fail "cloak-as-age -> age"

# Files made by the age 1.1.1 CLI.
V=$(vectors age-cli)
sum_of() { awk -v f="$1" '$2 == f { print $1 }' "$V/SHA256SUMS"; }
ok=0
for f in empty small 64k 64k_plus_1 1m; do
	case $f in small) p=small.txt ;; 1m) p=1m.bin ;; *) p=$f.bin ;; esac
	for ext in age age.asc; do
		got=$("$CLOAK" age decrypt -i "$V/identity.txt" "$V/$f.$ext" 2>err | sha256sum | cut -d' ' -f1)
		[ "$got" = "$(sum_of $p)" ] && { pass; ok=$((ok + 1)); } || fail "$f.$ext: $(cat err)"
	done
done
for k in identity identity2; do
	got=$("$CLOAK" age decrypt -i "$V/$k.txt" "$V/multi_recipient_small.age" 2>err | sha256sum | cut -d' ' -f1)
	[ "$got" = "$(sum_of small.txt)" ] && { pass; ok=$((ok + 1)); } || fail "multi_recipient_small.age with $k: $(cat err)"
done
for ext in age age.asc; do
	got=$(CLOAK_AGE_PASSPHRASE='correct horse battery staple' "$CLOAK" age decrypt "$V/passphrase_small.$ext" 2>err | sha256sum | cut -d' ' -f1)
	[ "$got" = "$(sum_of small.txt)" ] && { pass; ok=$((ok + 1)); } || fail "passphrase_small.$ext: $(cat err)"
done
unsupported=0
for k in ed25519 rsa; do
	if "$CLOAK" age decrypt -i "$V/ssh_${k}_key" "$V/ssh_${k}_small.age" >/dev/null 2>err; then
		fail "ssh_$k unexpectedly decrypted"
	elif grep -q "SSH private keys are not supported" err; then
		pass
		unsupported=$((unsupported + 1))
	else
		fail "ssh_$k: unclear error: $(cat err)"
	fi
done
echo "age-cli vectors: $ok files decrypted to the recorded SHA-256; $unsupported SSH files reported as not supported"
finish
