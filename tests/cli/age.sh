# SPDX-License-Identifier: Apache-2.0
# cloak age: keygen, encrypt, decrypt, one-line errors, no partial output,
# and the age / age-keygen command lines (argv[0]).
. "$(dirname "$0")/lib.bash"

KEYS=$SRC/testkeys/age
cd "$T" || exit 1

# --- keygen
expect_exit 0 "$CLOAK" age keygen -o k1.txt
expect_err_line "^Public key: age1[a-z0-9]\{58\}$"
PUB1=$(sed -n 's/^Public key: //p' "$T/err")
mode=$(stat -c %a k1.txt)
[ "$mode" = 600 ] && pass || fail "keygen -o mode is $mode, want 600"
if grep -Eq '^# created: [0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(Z|[+-][0-9]{2}:[0-9]{2})$' <(sed -n 1p k1.txt) &&
   [ "$(sed -n 2p k1.txt)" = "# public key: $PUB1" ] &&
   grep -Eq '^AGE-SECRET-KEY-1[0-9A-Z]{58}$' <(sed -n 3p k1.txt) && [ "$(wc -l <k1.txt)" -eq 3 ]; then
	pass
else
	fail "keygen file format: $(cat k1.txt)"
fi
cp k1.txt k1.copy
expect_exit 7 "$CLOAK" age keygen -o k1.txt
expect_err_line "file exists"
cmp -s k1.txt k1.copy && pass || fail "keygen -o overwrote an existing file"
expect_exit 0 "$CLOAK" age keygen -y k1.txt
[ "$(cat "$T/out")" = "$PUB1" ] && pass || fail "keygen -y: $(cat "$T/out")"
"$CLOAK" age keygen -y <k1.txt >y.out 2>/dev/null
[ "$(cat y.out)" = "$PUB1" ] && pass || fail "keygen -y from stdin"
expect_exit 0 "$CLOAK" age keygen
expect_out "^AGE-SECRET-KEY-1"
"$CLOAK" age keygen -o k2.txt 2>/dev/null
PUB2=$("$CLOAK" age keygen -y k2.txt)
"$CLOAK" age keygen -o k3.txt 2>/dev/null

# --- the committed test key
if [ -f "$KEYS/identity.txt" ]; then
	expect_exit 0 "$CLOAK" age keygen -y "$KEYS/identity.txt"
	[ "$(cat "$T/out")" = "$(cat "$KEYS/recipient.txt")" ] && pass || fail "testkeys recipient"
fi

# --- round trips
head -c 200000 /dev/urandom >plain
expect_exit 0 "$CLOAK" age encrypt -r "$PUB1" -r "$PUB2" -o c.age plain
expect_exit 0 "$CLOAK" age decrypt -i k1.txt -o p1 c.age
cmp -s plain p1 && pass || fail "round trip with k1"
expect_exit 0 "$CLOAK" age decrypt -i k3.txt -i k2.txt -o p2 c.age
cmp -s plain p2 && pass || fail "round trip with k2 (second -i)"
printf '# team\n%s\n\n%s\n' "$PUB1" "$PUB2" >recips
"$CLOAK" age encrypt -R recips -a <plain >c.asc 2>/dev/null
head -1 c.asc | grep -q '^-----BEGIN AGE ENCRYPTED FILE-----$' && pass || fail "armored output"
"$CLOAK" age decrypt -i k2.txt <c.asc >p3 2>/dev/null
cmp -s plain p3 && pass || fail "armored round trip through pipes"

# --- failures: one line, the right status, nothing written to -o
expect_exit 5 "$CLOAK" age decrypt -i k3.txt -o nope c.age
expect_err_line "no identity matched any of the recipients"
[ ! -e nope ] && pass || fail "failed decrypt created -o"

cp c.age bad.age
size=$(stat -c %s bad.age)
printf '\x01' | dd of=bad.age bs=1 seek=$((size - 100)) conv=notrunc 2>/dev/null
echo keep >p.out
expect_exit 4 "$CLOAK" age decrypt -i k1.txt -o p.out bad.age
expect_err_line "payload: chunk 3 failed authentication"
[ "$(cat p.out)" = keep ] && pass || fail "failed decrypt changed an existing -o"
ls ./*.cloak-tmp-* >/dev/null 2>&1 && fail "temporary file left behind" || pass

head -c $((size - 10)) c.age >trunc.age
expect_exit 4 "$CLOAK" age decrypt -i k1.txt -o p.out trunc.age
expect_err_line "payload"
head -c 100 c.age >short.age
expect_exit 3 "$CLOAK" age decrypt -i k1.txt short.age
expect_err_line "bad header"
sed '0,/^--- /s/^--- ./--- A/' c.age >mac.age
cmp -s c.age mac.age && sed '0,/^--- /s/^--- ./--- B/' c.age >mac.age
expect_exit 4 "$CLOAK" age decrypt -i k1.txt mac.age
expect_err_line "bad header MAC"
sed '2s/^/ /' c.asc >armor.asc
expect_exit 3 "$CLOAK" age decrypt -i k1.txt armor.asc
expect_err_line "bad armor"
printf 'garbage\n' >>c.asc
expect_exit 3 "$CLOAK" age decrypt -i k1.txt c.asc
expect_err_line "bad armor"
expect_exit 3 "$CLOAK" age encrypt -r age1notakey plain
expect_err_line "malformed recipient"
expect_exit 3 "$CLOAK" age decrypt -i plain c.age
expect_err_line "line 1: not a valid age identity"
if [ -f "$SRC/../shared/vectors/age-cli/ssh_ed25519_key" ] || [ -n "${CLOAK_VECTORS:-}" ]; then
	V=$(vectors age-cli)
	expect_exit 9 "$CLOAK" age decrypt -i "$V/ssh_ed25519_key" "$V/ssh_ed25519_small.age"
	expect_err_line "SSH private keys are not supported"
fi

# --- usage
expect_exit 2 "$CLOAK" age encrypt plain
expect_err_line "missing recipients"
expect_exit 2 "$CLOAK" age decrypt -r "$PUB1" c.age
expect_exit 2 "$CLOAK" age encrypt -r "$PUB1" -x plain
expect_exit 2 "$CLOAK" age frobnicate
expect_err_line "unknown command"
expect_exit 0 "$CLOAK" age encrypt --help
expect_out "usage: cloak age encrypt"

# --- passphrases (scrypt) without a terminal
CLOAK_AGE_PASSPHRASE='correct horse' "$CLOAK" age encrypt -p -o pw.age plain 2>/dev/null
grep -aq -- '-> scrypt ' pw.age && pass || fail "-p made no scrypt stanza"
CLOAK_AGE_PASSPHRASE='correct horse' "$CLOAK" age decrypt -o pw.out pw.age 2>/dev/null
cmp -s plain pw.out && pass || fail "passphrase round trip"
CLOAK_AGE_PASSPHRASE='wrong' expect_exit 5 "$CLOAK" age decrypt -o pw2.out pw.age
[ ! -e pw2.out ] && pass || fail "wrong passphrase wrote output"
expect_exit 2 "$CLOAK" age encrypt -p -r "$PUB1" plain

# --- argv[0]: age and age-keygen
ln -s "$CLOAK" age
ln -s "$CLOAK" age-keygen
expect_exit 0 ./age-keygen -o k4.txt
expect_err_line "^Public key: age1"
PUB4=$(./age-keygen -y k4.txt)
expect_exit 1 ./age-keygen -o k4.txt
./age -r "$PUB4" -o c4.age plain 2>/dev/null
./age -d -i k4.txt -o p4 c4.age 2>/dev/null
cmp -s plain p4 && pass || fail "age/age-keygen compat round trip"
./age --encrypt --armor --recipient "$PUB4" <plain | ./age --decrypt --identity k4.txt >p5 2>/dev/null
cmp -s plain p5 && pass || fail "age long options"
./age -e -i k4.txt -o c5.age plain 2>/dev/null && ./age -d -i k4.txt c5.age >p6 2>/dev/null
cmp -s plain p6 && pass || fail "age -e -i (encrypt to an identity)"
expect_exit 1 ./age -d -i k1.txt c4.age
expect_err_line "no identity matched any of the recipients"
expect_exit 2 ./age -d -a -i k4.txt c4.age
expect_exit 0 ./age --help
expect_out "usage: age"
expect_exit 0 ./age --version
expect_out "^v1\\.1\\.1-compatible"
expect_exit 0 ./age-keygen --version
finish
