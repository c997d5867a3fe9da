# SPDX-License-Identifier: Apache-2.0
# `sops` (cloak invoked as sops) end to end with fresh age keys and a fresh
# PGP key in a throw-away GNUPGHOME: every command, the key environment
# variables, .sops.yaml discovery, exit statuses, atomic in-place writes,
# tampering, and edit keeping the ciphertext of unchanged values.
. "$(dirname "$0")/lib.bash"
ln -s "$CLOAK" "$T/sops"
SOPS="$T/sops"
W=$T/w
mkdir -p "$W/sub/deeper"
cd "$W" || exit 1

"$CLOAK" age keygen -o "$T/k1.txt" 2>/dev/null
"$CLOAK" age keygen -o "$T/k2.txt" 2>/dev/null
R1=$(grep -o 'age1[a-z0-9]*' "$T/k1.txt")
R2=$(grep -o 'age1[a-z0-9]*' "$T/k2.txt")
[ -n "$R1" ] && [ -n "$R2" ] && pass || fail "age keygen"
export SOPS_AGE_KEY_FILE=$T/k1.txt
unset SOPS_AGE_KEY SOPS_AGE_KEY_CMD SOPS_AGE_RECIPIENTS SOPS_PGP_FP SOPS_CONFIG SOPS_EDITOR
export HOME=$T/home
mkdir -p "$HOME"

# same_file A B: byte-identical
same_file() { if cmp -s "$1" "$2"; then pass; else fail "$3: $1 and $2 differ"; fi; }

cat >p.yaml <<'EOF'
# top comment
a: 1
b:
    c: secret # inline
    d_unencrypted: clear
list:
    - x
    - "y"
EOF
cat >p.json <<'EOF'
{"k": "v", "n": [1, 2.5, true, null], "o": {"p": "q"}}
EOF
printf 'FOO=bar\nBAZ=qux quux\n# note\nE=\n' >p.env
printf '[sec]\nkey = value\n; comment\nother = x\n' >p.ini
printf 'bin\000ary\377\n' >p.bin

# ---- encrypt / decrypt in every format, stdout and --output
for f in p.yaml p.json p.env p.ini p.bin; do
	expect_exit 0 "$SOPS" encrypt --age "$R1" "$f"
	cp "$T/out" "e.${f#p.}"
	expect_exit 0 "$SOPS" decrypt "e.${f#p.}"
	case $f in
	p.bin | p.env) same_file "$T/out" "$f" "decrypt of $f" ;;
	esac
done
expect_exit 0 "$SOPS" decrypt e.yaml
cat >want.yaml <<'EOF'
# top comment
a: 1
b:
    # inline
    c: secret
    d_unencrypted: clear
list:
    - x
    - "y"
EOF
same_file "$T/out" want.yaml "decrypted YAML"
expect_exit 0 "$SOPS" decrypt e.json
printf '{\n\t"k": "v",\n\t"n": [\n\t\t1,\n\t\t2.5,\n\t\ttrue,\n\t\tnull\n\t],\n\t"o": {\n\t\t"p": "q"\n\t}\n}\n' >want.json
same_file "$T/out" want.json "decrypted JSON"
grep -q 'd_unencrypted: clear' e.yaml && pass || fail "_unencrypted value must stay clear"
grep -q '^#ENC\[AES256_GCM' e.yaml && pass || fail "comments must be encrypted"
grep -q 'c: ENC\[AES256_GCM.*type:str\] #ENC\[' e.yaml && pass || fail "inline comment stays inline, encrypted"
expect_exit 0 "$SOPS" decrypt --output out.yaml e.yaml
same_file out.yaml want.yaml "--output"
[ "$(stat -c %a out.yaml)" = 600 ] && pass || fail "--output file mode $(stat -c %a out.yaml)"
# format conversion
expect_exit 0 "$SOPS" decrypt --output-type json e.yaml
grep -q '"d_unencrypted": "clear"' "$T/out" && pass || fail "--output-type json"
expect_exit 0 "$SOPS" encrypt --age "$R1" --input-type binary --output-type yaml p.yaml
grep -q '^data: ENC\[' "$T/out" && pass || fail "binary as yaml"
cp "$T/out" e.binyaml
expect_exit 0 "$SOPS" decrypt --input-type yaml --output-type binary e.binyaml
same_file "$T/out" p.yaml "binary round trip through YAML"
# stdin
expect_exit 0 sh -c "\"$SOPS\" encrypt --age $R1 --input-type json --output-type json </dev/stdin <p.json"
grep -q '"sops"' "$T/out" && pass || fail "encrypt from stdin"

# ---- --extract
expect_exit 0 "$SOPS" decrypt --extract '["b"]["c"]' e.yaml
[ "$(cat "$T/out")" = secret ] && pass || fail "--extract string: $(cat "$T/out")"
expect_exit 0 "$SOPS" decrypt --extract '["list"][1]' e.yaml
[ "$(cat "$T/out")" = y ] && pass || fail "--extract list item"
expect_exit 0 "$SOPS" decrypt --extract '["b"]' e.yaml
printf '# inline\nc: secret\nd_unencrypted: clear\n' >want.sub
same_file "$T/out" want.sub "--extract map"
expect_exit 91 "$SOPS" decrypt --extract 'b.c' e.yaml
expect_exit 1 "$SOPS" decrypt --extract '["nope"]' e.yaml

# ---- filestatus
expect_exit 0 "$SOPS" filestatus e.yaml
expect_out '{"encrypted":true}'
expect_exit 0 "$SOPS" filestatus p.yaml
expect_out '{"encrypted":false}'

# ---- a file of several MiB: streamed output, source released while decrypting
python3 - >big.yaml <<'EOF2'
import random
r = random.Random(7)
print("# head comment")
print("clear_unencrypted: ENC[AES256_GCM,data:bm90IGEgdmFsdWU=,iv:aXY=,tag:dGFn,type:str]")
for a in range(40):
    print("g%02d:" % a)
    for b in range(500):
        v = "".join(r.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(30))
        print("    k%04d: %s%s" % (b, v, "  # inline" if b % 97 == 0 else ""))
    print("    n_unencrypted: keep %d" % a)
EOF2
expect_exit 0 "$SOPS" encrypt --age "$R1" big.yaml
cp "$T/out" big.enc.yaml
[ "$(wc -c <big.enc.yaml)" -gt 2500000 ] && pass || fail "big file not big: $(wc -c <big.enc.yaml)"
expect_exit 0 "$SOPS" decrypt big.enc.yaml
python3 - "$T/out" big.yaml <<'EOF2' && pass || fail "decrypt of a big file differs"
import re, sys
got = open(sys.argv[1]).read()
want = open(sys.argv[2]).read()
# sops moves inline comments above their key when decrypting
want = re.sub(r"^(\s*)(\S+: \S+)  # inline$", r"\1# inline\n\1\2", want, flags=re.M)
sys.exit(0 if got == want else 1)
EOF2
cp "$T/out" big.stdout.yaml
expect_exit 0 "$SOPS" decrypt --output big.out.yaml big.enc.yaml
same_file big.out.yaml big.stdout.yaml "decrypt to a file vs streamed to stdout"

# ---- exit statuses
expect_exit 203 "$SOPS" encrypt --age "$R1" e.yaml
expect_exit 111 "$SOPS" encrypt p.yaml
expect_exit 8 "$SOPS" encrypt --age "$R1" --encrypted-regex a --unencrypted-suffix b p.yaml
expect_exit 61 "$SOPS" --config nope.yaml encrypt --age "$R1" p.yaml
expect_exit 2 "$SOPS" decrypt missing.yaml
printf 'a: [\n' >bad.yaml
expect_exit 2 "$SOPS" encrypt --age "$R1" bad.yaml
expect_err_line 'yaml: line'
expect_exit 128 env SOPS_AGE_KEY_FILE="$T/k2.txt" "$SOPS" decrypt e.yaml
expect_exit 100 "$SOPS" edit
expect_exit 100 "$SOPS" rotate
expect_exit 2 "$SOPS" decrypt </dev/null

# ---- key sources from the environment
expect_exit 0 env SOPS_AGE_RECIPIENTS="$R1,$R2" "$SOPS" encrypt p.yaml
cp "$T/out" two.yaml
[ "$(grep -c 'recipient: age1' two.yaml)" = 2 ] && pass || fail "SOPS_AGE_RECIPIENTS with two keys"
expect_exit 0 env -u SOPS_AGE_KEY_FILE SOPS_AGE_KEY="$(grep AGE-SECRET "$T/k2.txt")" "$SOPS" decrypt two.yaml
expect_exit 0 env -u SOPS_AGE_KEY_FILE SOPS_AGE_KEY_CMD="cat $T/k2.txt" "$SOPS" decrypt two.yaml
mkdir -p "$HOME/.config/sops/age"
cp "$T/k2.txt" "$HOME/.config/sops/age/keys.txt"
expect_exit 0 env -u SOPS_AGE_KEY_FILE "$SOPS" decrypt two.yaml
expect_exit 0 env -u SOPS_AGE_KEY_FILE XDG_CONFIG_HOME="$HOME/.config" "$SOPS" decrypt two.yaml
rm -r "$HOME/.config"
expect_exit 128 env -u SOPS_AGE_KEY_FILE "$SOPS" decrypt two.yaml

# ---- .sops.yaml found by walking up, creation rules by path
cat >.sops.yaml <<EOF
creation_rules:
  - path_regex: sub/deeper/.*\.yaml$
    encrypted_regex: ^secret$
    age: $R1
  - age: $R2
EOF
printf 'secret: s\nplain: p\n' >sub/deeper/r.yaml
(cd sub/deeper && "$SOPS" encrypt r.yaml >"$W/r.enc" 2>"$T/err") && pass || fail "walk-up: $(cat "$T/err")"
grep -q '^plain: p$' r.enc && grep -q '^secret: ENC\[' r.enc && grep -q "$R1" r.enc && pass ||
	fail "creation rule for sub/deeper not applied"
grep -q 'encrypted_regex: \^secret\$' r.enc && pass || fail "rule recorded in metadata"
(cd sub && "$SOPS" encrypt ../p.yaml >"$W/p2.enc" 2>"$T/err") && grep -q "$R2" p2.enc && pass ||
	fail "catch-all creation rule"

# ---- set / unset keep other values' ciphertext
cp e.yaml s.yaml
expect_exit 0 "$SOPS" set s.yaml '["b"]["c"]' '"changed"'
expect_exit 0 "$SOPS" decrypt --extract '["b"]["c"]' s.yaml
[ "$(cat "$T/out")" = changed ] && pass || fail "set value"
[ "$(grep '^a: ' s.yaml)" = "$(grep '^a: ' e.yaml)" ] && pass || fail "set re-encrypted an unchanged value"
expect_exit 0 "$SOPS" set s.yaml '["new"]' '{"x": [1, true]}'
expect_exit 0 "$SOPS" decrypt --extract '["new"]["x"][1]' s.yaml
[ "$(cat "$T/out")" = true ] && pass || fail "set object"
expect_exit 0 "$SOPS" unset s.yaml '["new"]'
expect_exit 1 "$SOPS" unset s.yaml '["new"]'
cp s.yaml s0.yaml
expect_exit 0 "$SOPS" unset --idempotent s.yaml '["new"]'
same_file s.yaml s0.yaml "unset --idempotent of a missing key"
expect_exit 0 "$SOPS" --set '["b"]["c"] "legacy"' s.yaml
expect_exit 0 "$SOPS" -d --extract '["b"]["c"]' s.yaml
[ "$(cat "$T/out")" = legacy ] && pass || fail "legacy --set"

# ---- rotate: new data key, add and remove keys
cp e.yaml rot.yaml
expect_exit 0 "$SOPS" rotate -i --add-age "$R2" rot.yaml
[ "$(grep -c 'recipient: age1' rot.yaml)" = 2 ] && pass || fail "rotate --add-age"
[ "$(grep '^a: ' rot.yaml)" != "$(grep '^a: ' e.yaml)" ] && pass || fail "rotate must re-encrypt with a new data key"
expect_exit 0 env SOPS_AGE_KEY_FILE="$T/k2.txt" "$SOPS" decrypt rot.yaml
same_file "$T/out" want.yaml "rotate keeps the plaintext"
expect_exit 0 "$SOPS" rotate -i --rm-age "$R2" rot.yaml
expect_exit 128 env SOPS_AGE_KEY_FILE="$T/k2.txt" "$SOPS" decrypt rot.yaml
expect_exit 0 "$SOPS" -r -i rot.yaml

# ---- updatekeys: follow .sops.yaml, same data key
cat >.sops.yaml <<EOF
creation_rules:
  - age: $R1,$R2
EOF
cp e.yaml up.yaml
expect_exit 0 "$SOPS" updatekeys -y up.yaml
[ "$(grep -c 'recipient: age1' up.yaml)" = 2 ] && pass || fail "updatekeys added the key"
[ "$(grep '^a: ' up.yaml)" = "$(grep '^a: ' e.yaml)" ] && pass || fail "updatekeys keeps the data key"
expect_exit 0 env SOPS_AGE_KEY_FILE="$T/k2.txt" "$SOPS" decrypt up.yaml
cp up.yaml up0.yaml
expect_exit 0 "$SOPS" updatekeys -y up.yaml
same_file up.yaml up0.yaml "updatekeys with nothing to do"
rm .sops.yaml

# ---- edit: scripted editor; unchanged values keep their exact ciphertext
cat >"$T/ed.sh" <<'EOF'
#!/bin/sh
d=$(dirname "$1")
[ "$(stat -c %a "$d")" = 700 ] && [ "$(stat -c %a "$1")" = 600 ] || exit 9
sed -i 's/c: secret/c: edited/' "$1"
EOF
chmod +x "$T/ed.sh"
cp e.yaml ed.yaml
expect_exit 0 env EDITOR="$T/ed.sh" "$SOPS" edit ed.yaml
expect_exit 0 "$SOPS" decrypt --extract '["b"]["c"]' ed.yaml
[ "$(cat "$T/out")" = edited ] && pass || fail "edit changed the value"
for k in '^a: ' '^    - ' '^#ENC' 'd_unencrypted'; do
	[ "$(grep "$k" ed.yaml)" = "$(grep "$k" e.yaml)" ] && pass || fail "edit re-encrypted unchanged '$k'"
done
[ "$(grep '    c: ' ed.yaml)" != "$(grep '    c: ' e.yaml)" ] && pass || fail "edited value re-encrypted"
cp ed.yaml ed0.yaml
expect_exit 200 env EDITOR=true "$SOPS" edit ed.yaml
same_file ed.yaml ed0.yaml "edit without changes"
expect_exit 200 env EDITOR=true "$SOPS" ed.yaml
expect_exit 201 env -u EDITOR PATH=/nonexistent "$SOPS" edit ed.yaml
# a new file through edit, with the keys from the flag
cat >"$T/ed2.sh" <<'EOF'
#!/bin/sh
printf 'fresh: value\n' >"$1"
EOF
chmod +x "$T/ed2.sh"
expect_exit 0 env EDITOR="$T/ed2.sh" "$SOPS" edit --age "$R1" fresh.yaml
expect_exit 0 "$SOPS" decrypt fresh.yaml
expect_out '^fresh: value$'

# ---- exec-env / exec-file
expect_exit 0 "$SOPS" exec-env e.env 'printf "%s/%s" "$FOO" "$BAZ"'
[ "$(cat "$T/out")" = "bar/qux quux" ] && pass || fail "exec-env"
expect_exit 4 "$SOPS" exec-env e.env 'exit 4'
expect_exit 0 timeout 20 "$SOPS" exec-file e.yaml 'cat {}'
same_file "$T/out" want.yaml "exec-file through a fifo"
expect_exit 0 timeout 20 "$SOPS" exec-file --no-fifo e.yaml 'cat {}'
same_file "$T/out" want.yaml "exec-file --no-fifo"
expect_exit 0 timeout 20 "$SOPS" exec-file e.yaml 'true'

# ---- tampering: the sops status, and -i / --output write nothing
tamper() { # FILE WHAT -> t.yaml
	python3 - "$1" "$2" <<'EOF'
import re, sys
s = open(sys.argv[1]).read()
what = sys.argv[2]
def flip(m):
    i = m.start(1) + 1
    return s[:i] + ("B" if s[i] != "B" else "C") + s[i + 1:]
pat = {
    "data": r"    c: ENC\[AES256_GCM,data:([^,]+)",
    "iv": r"    c: ENC\[AES256_GCM,data:[^,]+,iv:([^,]+)",
    "tag": r"    c: ENC\[AES256_GCM,data:[^,]+,iv:[^,]+,tag:([^,]+)",
    "mac": r"mac: ENC\[AES256_GCM,data:([^,]+)",
}
if what in pat:
    s = flip(re.search(pat[what], s))
elif what == "lastmodified":
    s = re.sub(r'lastmodified: "(\d{4})', lambda m: 'lastmodified: "%d' % (int(m.group(1)) + 1), s)
elif what == "clear":
    s = s.replace("d_unencrypted: clear", "d_unencrypted: clear!")
open("t.yaml", "w").write(s)
EOF
}
for w in data:25 iv:25 tag:25 mac:51 lastmodified:51 clear:51; do
	tamper e.yaml "${w%:*}"
	cp t.yaml t0.yaml
	expect_exit "${w#*:}" "$SOPS" decrypt t.yaml
	[ -s "$T/out" ] && fail "tampered ${w%:*}: plaintext printed"
	rm -f o.yaml
	expect_exit "${w#*:}" "$SOPS" decrypt --output o.yaml t.yaml
	[ -e o.yaml ] && fail "tampered ${w%:*}: --output written"
	expect_exit "${w#*:}" "$SOPS" rotate -i t.yaml
	same_file t.yaml t0.yaml "tampered ${w%:*}: -i left the file alone"
	expect_exit "${w#*:}" env EDITOR=true "$SOPS" edit t.yaml
done
tamper e.yaml clear
expect_exit 0 "$SOPS" decrypt --ignore-mac t.yaml
grep -q 'clear!' "$T/out" && pass || fail "--ignore-mac"
ls -A | grep -q '^\.' && fail "temporary files left: $(ls -A | grep '^\.')"

# ---- -i replaces atomically and keeps the mode
cp p.yaml ip.yaml
chmod 640 ip.yaml
expect_exit 0 "$SOPS" encrypt -i --age "$R1" ip.yaml
[ "$(stat -c %a ip.yaml)" = 640 ] && pass || fail "-i mode $(stat -c %a ip.yaml)"
expect_exit 0 "$SOPS" -d -i ip.yaml
same_file ip.yaml want.yaml "decrypt -i"
expect_exit 0 "$SOPS" -e -i --age "$R1" ip.yaml
expect_exit 0 "$SOPS" filestatus ip.yaml
expect_out '"encrypted":true'

# ---- PGP through gpg in a throw-away GNUPGHOME, SOPS_GPG_EXEC honoured
if command -v gpg >/dev/null; then
	export GNUPGHOME=$T/gnupg
	mkdir -m 700 "$GNUPGHOME"
	gpg --batch --quiet --passphrase '' --quick-gen-key 'cloak test <t@example.invalid>' ed25519 cert never 2>/dev/null
	FP=$(gpg --list-keys --with-colons 2>/dev/null | awk -F: '/^fpr/ { print $10; exit }')
	gpg --batch --quiet --passphrase '' --quick-add-key "$FP" cv25519 encr never 2>/dev/null
	expect_exit 0 "$SOPS" encrypt --pgp "$FP" p.yaml
	cp "$T/out" pg.yaml
	grep -q "fp: $FP" pg.yaml && grep -q 'BEGIN PGP MESSAGE' pg.yaml && pass || fail "pgp metadata"
	printf '#!/bin/sh\necho x >>"%s"\nexec gpg "$@"\n' "$T/gpgcalls" >"$T/gpgwrap"
	chmod +x "$T/gpgwrap"
	expect_exit 0 env -u SOPS_AGE_KEY_FILE SOPS_GPG_EXEC="$T/gpgwrap" "$SOPS" decrypt pg.yaml
	same_file "$T/out" want.yaml "pgp decrypt"
	[ -s "$T/gpgcalls" ] && pass || fail "SOPS_GPG_EXEC not used"
	expect_exit 0 env SOPS_PGP_FP="$FP" "$SOPS" encrypt p.json
	mkdir -m 700 "$T/nothing"
	expect_exit 128 env GNUPGHOME="$T/nothing" "$SOPS" decrypt pg.yaml
	[ -s "$T/out" ] && fail "decrypt without the PGP key printed something"
	gpgconf --homedir "$T/nothing" --kill gpg-agent 2>/dev/null
	gpgconf --kill gpg-agent 2>/dev/null
fi
finish
