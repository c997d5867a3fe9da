/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The Go text/template engine: expected outputs follow Go's documented
 * semantics (text/template, fmt, encoding/json) and sprig's source. Each
 * case runs a template against data given either as JSON (decoded the way
 * encoding/json decodes into interface{}) or as "k=v|k=v" (ESO's
 * map[string]string of secret keys).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ck/err.h"
#include "ck/ext_tmpl.h"
#include "ck/secret.h"
#include "ck_test.h"

enum mode {
	ESO,      /* ESO: missingkey=error, sprig functions */
	GO,       /* plain Go: missingkey default, builtins only */
	ESO_DEF,  /* sprig functions, missingkey default (rewrite.transform) */
};

struct tc {
	enum mode mode;
	const char *tmpl;
	const char *data;  /* JSON, or k=v|k=v */
	const char *want;  /* exact output, or NULL when an error is expected */
	const char *err;   /* substring of the error message */
};

static const struct tc cases[] = {
	/* text, trim markers, comments */
	{ GO, "hello", "{}", "hello", NULL },
	{ GO, "a {{- \" b \" -}} c", "{}", "a b c", NULL },
	{ GO, "a  {{- 1 }}  b", "{}", "a1  b", NULL },
	{ GO, "{{ 3 -}}\n  x", "{}", "3x", NULL },
	{ GO, "{{-3}}", "{}", "-3", NULL },
	{ GO, "{{/* comment */}}x", "{}", "x", NULL },
	{ GO, "a {{- /* c */ -}} \n b", "{}", "ab", NULL },
	{ GO, "{{/* x */ }}", "{}", NULL, "comment ends before closing delimiter" },
	{ GO, "{{/* x ", "{}", NULL, "unclosed comment" },
	{ GO, "{{\n.a\n}}", "{\"a\":\"multi-line action\"}", "multi-line action", NULL },

	/* fields and missing keys */
	{ ESO, "{{ .a }}-{{ .b }}", "a=x|b=y", "x-y", NULL },
	{ ESO, "{{ index . \"my-key\" }}", "my-key=dashed", "dashed", NULL },
	{ ESO, "{{ .missing }}", "a=x", NULL, "map has no entry for key \"missing\"" },
	{ ESO, "{{ .missing }}", "a=x", NULL, "template: t:1:3: executing \"t\" at <.missing>" },
	{ ESO, "[{{ index . \"nope\" }}]", "a=x", "[]", NULL },
	{ GO, "{{ .missing }}", "{\"a\":1}", "<no value>", NULL },
	{ GO, "{{ .m.x }}", "{\"m\":{\"x\":\"deep\"}}", "deep", NULL },
	{ GO, "{{ index .m \"nope\" }}", "{\"m\":{}}", "<no value>", NULL },
	{ GO, "{{ print (index .m \"nope\") }}", "{\"m\":{}}", "<nil>", NULL },
	{ GO, "{{ .a.b }}", "{\"a\":\"str\"}", NULL, "can't evaluate field b in type string" },
	{ GO, "{{ .a.b }}", "{\"a\":null}", NULL, "nil pointer evaluating interface {}.b" },
	{ GO, "{{ .a.b }}", "{}", "<no value>", NULL },
	{ ESO, "{{ .a.b }}", "b=1", NULL, "map has no entry for key \"a\"" },
	{ GO, "{{ .a }}", "{\"a\":null}", "<no value>", NULL },
	{ GO, "{{ .n }}|{{ .f }}|{{ .t }}", "{\"n\":42,\"f\":false,\"t\":[1,\"a\"]}", "42|false|[1 a]",
	  NULL },
	{ GO, "{{ .m }}", "{\"m\":{\"b\":2,\"a\":{\"c\":null}}}", "map[a:map[c:<nil>] b:2]", NULL },
	{ GO, "{{ .a }} {{ .b }} {{ .c }} {{ .d }} {{ .e }} {{ .f }} {{ .g }}",
	  "{\"a\":100000,\"b\":1000000,\"c\":0.0001,\"d\":0.00001,\"e\":1.5,\"f\":-0.0,\"g\":123456789}",
	  "100000 1e+06 0.0001 1e-05 1.5 -0 1.23456789e+08", NULL },

	/* pipelines, constants, variables */
	{ ESO, "{{ \"abc\" | upper | printf \"%s!\" }}", "", "ABC!", NULL },
	{ GO, "{{ (1) }} {{ 0x10 }} {{ 1e3 }} {{ 'a' }} {{ 1_000 }} {{ 0o17 }}", "{}",
	  "1 16 1000 97 1000 15", NULL },
	{ GO, "{{ \"a\" | \"b\" }}", "{}", NULL, "non executable command in pipeline stage 2" },
	{ GO, "{{ 1 2 }}", "{}", NULL, "can't give argument to non-function 1" },
	{ GO, "{{ nil }}", "{}", NULL, "nil is not a command" },
	{ GO, "{{ $x := 5 }}{{ $x }}{{ $x = \"s\" }}{{ $x }}", "{}", "5s", NULL },
	{ GO, "{{ $x }}", "{}", NULL, "undefined variable \"$x\"" },
	{ GO, "{{ if true }}{{ $x := 1 }}{{ end }}{{ $x }}", "{}", NULL, "undefined variable \"$x\"" },
	{ GO, "{{ $ }}", "\"root\"", "root", NULL },
	{ GO, "{{ $x := .m }}{{ $x.k }}", "{\"m\":{\"k\":\"v\"}}", "v", NULL },
	{ GO, "{{ (index .l 0).k }}", "{\"l\":[{\"k\":\"chained\"}]}", "chained", NULL },
	{ GO, "{{ print 1 2 \"a\" 3 \"b\" \"c\" }}", "{}", "1 2a3bc", NULL },
	{ GO, "{{ println 1 \"a\" }}", "{}", "1 a\n", NULL },
	{ GO, "{{ print nil }}", "{}", "<nil>", NULL },

	/* printf */
	{ GO, "{{ printf \"%d %s %v %q %x %X %o %b %c %U %t\" 42 \"s\" true \"q\" 255 255 8 5 65 65 false }}",
	  "{}", "42 s true \"q\" ff FF 10 101 A U+0041 false", NULL },
	{ GO, "{{ printf \"%5d|%-5d|%05d|%+d|%x\" 42 42 42 42 -255 }}", "{}", "   42|42   |00042|+42|-ff",
	  NULL },
	{ GO, "{{ printf \"%.2f %e %g %v %6.2f|\" 3.14159 1234.5 0.000012 1e21 3.14159 }}", "{}",
	  "3.14 1.234500e+03 1.2e-05 1e+21   3.14|", NULL },
	{ GO, "{{ printf \"%d\" \"x\" }}", "{}", "%!d(string=x)", NULL },
	{ GO, "{{ printf \"%s %s\" \"a\" }}", "{}", "a %!s(MISSING)", NULL },
	{ GO, "{{ printf \"%s\" \"a\" \"b\" }}", "{}", "a%!(EXTRA string=b)", NULL },
	{ GO, "{{ printf \"%v|%s\" nil nil }}", "{}", "<nil>|%!s(<nil>)", NULL },
	{ GO, "{{ printf \"%x %X % x\" \"hi\" \"hi\" \"hi\" }}", "{}", "6869 6869 68 69", NULL },
	{ GO, "{{ printf \"%q\" \"tab\\there\\u00e9\\x01\" }}", "{}", "\"tab\\there\xc3\xa9\\x01\"", NULL },
	{ GO, "{{ printf \"%.3s|%8s|%-4s|\" \"abcdef\" \"r\" \"l\" }}", "{}", "abc|       r|l   |", NULL },
	{ GO, "{{ printf \"%v %d\" .l .l }}", "{\"l\":[1,\"a\"]}", "[1 a] [%!d(float64=1) %!d(string=a)]", NULL },
	{ GO, "{{ printf \"%T %T %T\" 1 \"s\" .m }}", "{\"m\":{}}", "int string map[string]interface {}",
	  NULL },
	{ GO, "{{ printf \"%%|%z\" 1 }}", "{}", "%|%!z(int=1)", NULL },
	{ GO, "{{ printf \"%*d|%-*d|\" 4 7 3 8 }}", "{}", "   7|8  |", NULL },

	/* comparisons and logic */
	{ GO, "{{ eq 1 1 }} {{ eq \"a\" \"b\" }} {{ eq 1 2 3 1 }} {{ ne 1 2 }} {{ lt 1 2 }} {{ le 2 2 }} {{ gt \"b\" \"a\" }} {{ ge 1.5 2.5 }}",
	  "{}", "true false true true true true true false", NULL },
	{ GO, "{{ eq 1 1.0 }}", "{}", NULL, "error calling eq: incompatible types for comparison" },
	{ GO, "{{ lt true false }}", "{}", NULL, "invalid type for comparison" },
	{ GO, "{{ eq .n 1.0 }} {{ eq .n 2.0 }}", "{\"n\":1}", "true false", NULL },
	{ GO, "{{ eq .missing \"x\" }}", "{}", "false", NULL },
	{ GO, "{{ eq .m .m }}", "{\"m\":{}}", NULL, "non-comparable" },
	{ ESO, "{{ eq .s \"x\" }}", "s=x", "true", NULL },
	{ GO, "{{ and 1 0 2 }} {{ and 1 2 }} [{{ or 0 \"\" }}] {{ or 0 \"x\" 3 }} {{ not 0 }} {{ not \"a\" }}",
	  "{}", "0 2 [] x true false", NULL },
	{ ESO, "{{ and false (fail \"boom\") }} {{ or true (fail \"boom\") }}", "", "false true", NULL },
	{ ESO, "{{ and true (fail \"boom\") }}", "", NULL, "error calling fail: boom" },
	{ GO, "{{ len .l }} {{ len \"abc\" }} {{ len .m }}", "{\"l\":[1,2],\"m\":{\"a\":1}}", "2 3 1",
	  NULL },
	{ GO, "{{ len 3 }}", "{}", NULL, "error calling len: len of type int" },
	{ GO, "{{ index .l 1 }} {{ index .m \"a\" 0 }} {{ index \"ab\" 1 }}",
	  "{\"l\":[\"x\",\"y\"],\"m\":{\"a\":[\"z\"]}}", "y z 98", NULL },
	{ GO, "{{ index .l 5 }}", "{\"l\":[1]}", NULL, "error calling index: index out of range: 5" },
	{ GO, "{{ index .m 1 }}", "{\"m\":{}}", NULL, "value has type int; should be string" },
	{ GO, "{{ slice \"abcdef\" 1 3 }} {{ slice .l 1 }}", "{\"l\":[1,2,3]}", "bc [2 3]", NULL },
	{ GO, "{{ html \"<a href='x'>&\\\"\" }}", "{}", "&lt;a href=&#39;x&#39;&gt;&amp;&#34;", NULL },
	{ GO, "{{ urlquery \"a b&c/d\" }}", "{}", "a+b%26c%2Fd", NULL },
	{ GO, "{{ html .missing }}", "{}", "&lt;no value&gt;", NULL },

	/* if / with / range / break / continue */
	{ GO, "{{ if .a }}A{{ else if .b }}B{{ else }}C{{ end }}", "{\"a\":0,\"b\":\"x\"}", "B", NULL },
	{ GO, "{{ if .a }}A{{ else if .b }}B{{ else }}C{{ end }}", "{\"a\":[],\"b\":{}}", "C", NULL },
	{ ESO, "{{ if .missing }}x{{ end }}", "a=1", NULL, "map has no entry for key \"missing\"" },
	{ GO, "{{ with .a }}[{{ . }}]{{ else }}none{{ end }}", "{\"a\":\"\"}", "none", NULL },
	{ GO, "{{ with .a }}[{{ . }}]{{ else }}none{{ end }}", "{\"a\":\"v\"}", "[v]", NULL },
	{ GO, "{{ with .a }}A{{ else with .b }}B{{ . }}{{ else }}C{{ end }}", "{\"a\":\"\",\"b\":\"bb\"}",
	  "Bbb", NULL },
	{ GO, "{{ with $x := .a }}{{ $x }}{{ . }}{{ end }}", "{\"a\":\"v\"}", "vv", NULL },
	{ GO, "{{ range $k, $v := . }}{{ $k }}{{ $v }}{{ end }}", "{\"b\":2,\"a\":1,\"c\":3}", "a1b2c3",
	  NULL },
	{ ESO, "{{ range $k, $v := . }}{{ $k }}={{ $v }},{{ end }}", "z=26|a=1|m=13", "a=1,m=13,z=26,",
	  NULL },
	{ GO, "{{ range $i, $v := .l }}{{ $i }}:{{ $v }} {{ end }}", "{\"l\":[\"x\",\"y\"]}", "0:x 1:y ",
	  NULL },
	{ GO, "{{ range $v := .l }}{{ $v }}{{ end }}", "{\"l\":[\"x\",\"y\"]}", "xy", NULL },
	{ GO, "{{ range .l }}{{ . }}{{ else }}empty{{ end }}", "{\"l\":[]}", "empty", NULL },
	{ GO, "{{ range .nope }}x{{ else }}nil{{ end }}", "{}", "nil", NULL },
	{ GO, "{{ range .s }}{{ end }}", "{\"s\":\"abc\"}", NULL,
	  "range can't iterate over value of type string" },
	{ GO, "{{ range 3 }}{{ . }}{{ end }}", "{}", "012", NULL },
	{ GO, "{{ range $i, $v := 3 }}{{ end }}", "{}", NULL, "can't use 3 to iterate over more than one variable" },
	{ GO, "{{ range .l }}{{ if eq . \"b\" }}{{ continue }}{{ end }}{{ if eq . \"d\" }}{{ break }}{{ end }}{{ . }}{{ end }}",
	  "{\"l\":[\"a\",\"b\",\"c\",\"d\",\"e\"]}", "ac", NULL },
	{ GO, "{{ break }}", "{}", NULL, "{{break}} outside {{range}}" },
	{ GO, "{{ range .l }}{{ $.t }}{{ end }}", "{\"l\":[1,2],\"t\":\"T\"}", "TT", NULL },
	{ GO, "{{ $s := \"\" }}{{ range .l }}{{ $s = print $s . }}{{ end }}{{ $s }}",
	  "{\"l\":[\"x\",\"y\"]}", "xy", NULL },
	{ GO, "{{ range $i, $v := .l }}{{ end }}{{ $i }}", "{\"l\":[1]}", NULL, "undefined variable \"$i\"" },
	{ GO, "{{ range $a, $b, $c := . }}{{ end }}", "{}", NULL, "too many declarations in range" },

	/* define / template / block */
	{ GO, "{{ define \"a\" }}A{{ . }}{{ end }}{{ template \"a\" \"x\" }}", "{}", "Ax", NULL },
	{ GO, "{{ define \"a\" }}{{ $ }}{{ end }}{{ template \"a\" .v }}", "{\"v\":\"dollar\"}", "dollar", NULL },
	{ GO, "{{ block \"b\" .v }}<{{ . }}>{{ end }}", "{\"v\":\"blk\"}", "<blk>", NULL },
	{ GO, "{{ template \"nope\" }}", "{}", NULL, "template \"nope\" not defined" },
	{ GO, "{{ define \"r\" }}{{ template \"r\" . }}{{ end }}{{ template \"r\" . }}", "{}", NULL,
	  "exceeded maximum template depth" },
	{ GO, "{{ define \"t\" }}a{{ end }}{{ define \"t\" }}b{{ end }}", "{}", NULL,
	  "multiple definition of template \"t\"" },

	/* syntax errors (Go's words) */
	{ GO, "{{ .a ", "{}", NULL, "unclosed action" },
	{ GO, "{{ if true }}x", "{}", NULL, "unexpected EOF" },
	{ GO, "{{ end }}", "{}", NULL, "unexpected {{end}}" },
	{ GO, "{{ else }}", "{}", NULL, "unexpected {{else}}" },
	{ GO, "{{ \"abc }}", "{}", NULL, "unterminated quoted string" },
	{ GO, "{{ 3x }}", "{}", NULL, "bad number syntax: \"3x\"" },
	{ GO, "{{ ( 1 }}", "{}", NULL, "unclosed left paren" },
	{ GO, "{{ ) }}", "{}", NULL, "unexpected right paren" },
	{ GO, "{{ / }}", "{}", NULL, "unexpected \"/\" in command" },
	{ GO, "{{ .a.1 }}", "{}", NULL, "template: t:1:" },
	{ GO, "{{ upper .a }}", "{}", NULL, "function \"upper\" not defined" },
	{ ESO, "{{ nosuchfunc .a }}", "", NULL, "template: t:1: function \"nosuchfunc\" not defined" },
	{ ESO, "{{ .a | filterPEM \"CERTIFICATE\" }}", "", NULL,
	  "function \"filterPEM\" is not supported by cloak" },
	{ ESO, "{{ now }}", "", NULL, "function \"now\" is not supported by cloak" },

	/* argument type checks */
	{ ESO, "{{ upper 5 }}", "", NULL, "expected string; found 5" },
	{ ESO, "{{ upper .n }}", "{\"n\":5}", NULL, "wrong type for value; expected string; got float64" },
	{ ESO, "{{ .n | upper }}", "{\"n\":null}", NULL, "invalid value; expected string" },
	{ ESO, "{{ indent \"2\" \"x\" }}", "", NULL, "expected integer; found \"2\"" },
	{ ESO, "{{ get . \"a\" }}", "a=1", NULL,
	  "wrong type for value; expected map[string]interface {}; got map[string]string" },
	{ ESO, "{{ upper }}", "", NULL, "wrong number of args for upper: want 1 got 0" },
	{ ESO, "{{ printf }}", "", NULL, "wrong number of args for printf: want at least 1 got 0" },

	/* tier 1: core */
	{ ESO, "{{ .x | default \"d\" }}|{{ .y | default \"d\" }}", "x=|y=v", "d|v", NULL },
	{ ESO_DEF, "{{ .nope | default \"d\" }}", "{}", "d", NULL },
	{ ESO, "{{ coalesce \"\" 0 \"x\" }} {{ ternary \"y\" \"n\" true }} {{ ternary \"y\" \"n\" false }}",
	  "", "x y n", NULL },
	{ ESO, "{{ empty \"\" }} {{ empty 0 }} {{ empty (list) }} {{ empty \"a\" }} {{ all 1 \"a\" }} {{ any 0 \"\" }}",
	  "", "true true true false true false", NULL },
	{ ESO, "{{ toString 1.5 }} {{ toString true }} {{ toString nil }} {{ .a | toString }}", "a=v",
	  "1.5 true <nil> v", NULL },
	{ ESO, "{{ atoi \"42\" | add 1 }} {{ add 1 2 3 }} {{ sub 5 2 }} {{ mul 2 3 4 }} {{ div 7 2 }} {{ mod 7 2 }} {{ max 1 5 3 }} {{ min 4 2 }} {{ add1 9 }}",
	  "", "43 6 3 24 3 1 5 2 10", NULL },
	{ ESO, "{{ div 1 0 }}", "", NULL, "error calling div: runtime error: integer divide by zero" },
	{ ESO, "{{ int64 \"12\" }} {{ int \"0x10\" }} {{ float64 \"1.5\" }} {{ int \"1.00\" }} {{ int \"x\" }}",
	  "", "12 16 1.5 1 0", NULL },
	{ ESO, "{{ typeOf 1 }} {{ typeOf .m }} {{ kindOf (list) }} {{ kindIs \"string\" \"a\" }} {{ typeIs \"int\" 1 }}",
	  "{\"m\":{}}", "int map[string]interface {} slice true true", NULL },
	{ ESO, "{{ fail \"custom failure\" }}", "", NULL, "error calling fail: custom failure" },
	{ ESO, "{{ floor 1.7 }} {{ ceil 1.2 }}", "", "1 2", NULL },

	/* tier 2: strings and encodings */
	{ ESO, "{{ .a | b64enc }} {{ \"aGVsbG8=\" | b64dec }}", "a=hello", "aGVsbG8= hello", NULL },
	{ ESO, "{{ \"aGVs\\nbG8=\" | b64dec }}", "", "hello", NULL },
	{ ESO, "{{ \"!!\" | b64dec }}", "", "illegal base64 data at input byte 0", NULL },
	{ ESO, "{{ b64enc \"\\x00\\xff\" }}", "", "AP8=", NULL },
	{ ESO, "{{ \"  hi \\n\" | trim }}|{{ trimPrefix \"ab\" \"abc\" }}|{{ trimSuffix \"bc\" \"abc\" }}|{{ trimAll \"xy\" \"xyaxy\" }}",
	  "", "hi|c|a|a", NULL },
	{ ESO, "{{ replace \"a\" \"b\" \"banana\" }} {{ \"Hello\" | lower }} {{ \"h\xc3\xa9\" | upper }} {{ title \"hello world-foo\" }} {{ untitle \"ABC\" }}",
	  "", "bbnbnb hello H\xc3\x89 Hello World-Foo aBC", NULL },
	{ ESO, "{{ quote \"a\" 1 nil }} {{ squote \"a\" \"b\" }} {{ quote \"x\\\"y\" }}", "",
	  "\"a\" \"1\" 'a' 'b' \"x\\\"y\"", NULL },
	{ ESO, "{{ contains \"b\" \"abc\" }} {{ hasPrefix \"a\" \"abc\" }} {{ hasSuffix \"c\" \"abc\" }} {{ contains \"z\" \"abc\" }}",
	  "", "true true true false", NULL },
	{ ESO, "{{ join \",\" (list 1 \"a\" nil 2.5) }} {{ (split \",\" \"a,b\")._1 }} {{ splitList \",\" \"a,b,c\" }} {{ splitn \",\" 2 \"a,b,c\" }}",
	  "", "1,a,2.5 b [a b c] map[_0:a _1:b,c]", NULL },
	{ ESO, "{{ repeat 3 \"ab\" }} {{ substr 1 3 \"abcdef\" }} {{ trunc 2 \"abc\" }} {{ trunc -2 \"abc\" }} {{ nospace \"a b\\tc\" }} {{ cat \"a\" 1 nil \"b\" }}",
	  "", "ababab bc ab bc abc a 1 b", NULL },
	{ ESO, "{{ indent 2 \"a\\nb\" }}|{{ nindent 4 .v }}", "v=x", "  a\n  b|\n    x", NULL },
	{ ESO, "{{ \"x\" | sha256sum }}", "",
	  "2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881", NULL },
	{ ESO, "{{ adler32sum \"Wikipedia\" }}", "", "300286872", NULL },
	{ ESO, "{{ plural \"one\" \"many\" 1 }} {{ plural \"one\" \"many\" 2 }}", "", "one many", NULL },
	{ ESO, "{{ sortAlpha (list \"b\" \"a\" \"c\") }} {{ toStrings (list 1 \"x\") }}", "", "[a b c] [1 x]", NULL },
	{ ESO, "{{ regexMatch \"^a.c$\" \"abc\" }} {{ regexFind \"[0-9]+\" \"ab123cd45\" }} {{ regexFindAll \"[0-9]+\" \"a1b22c333\" -1 }} {{ regexSplit \",\" \"a,b,c\" -1 }}",
	  "", "true 123 [1 22 333] [a b c]", NULL },
	{ ESO, "{{ regexReplaceAll \"a(x*)b\" \"-ab-axxb-\" \"T\" }} {{ regexReplaceAll \"a(x*)b\" \"-ab-axxb-\" \"$1\" }} {{ regexReplaceAll \"a(x*)b\" \"-ab-axxb-\" \"$1W\" }} {{ regexReplaceAll \"a(x*)b\" \"-ab-axxb-\" \"${1}W\" }}",
	  "", "-T-T- --xx- --- -W-xxW-", NULL },
	{ ESO, "{{ regexReplaceAllLiteral \"a(x*)b\" \"-ab-axxb-\" \"${1}\" }} {{ regexQuoteMeta \"a.b*\" }}",
	  "", "-${1}-${1}- a\\.b\\*", NULL },
	{ ESO, "{{ mustRegexMatch \"(\" \"x\" }}", "", NULL, "missing closing )" },

	/* tier 3: structured data */
	{ ESO, "{{ toJson . }}", "{\"b\":\"<&>\",\"a\":[1,2.5,true,null],\"c\":{}}",
	  "{\"a\":[1,2.5,true,null],\"b\":\"\\u003c\\u0026\\u003e\",\"c\":{}}", NULL },
	{ ESO, "{{ toRawJson . }}", "{\"b\":\"<&>\"}", "{\"b\":\"<&>\"}", NULL },
	{ ESO, "{{ toPrettyJson . }}", "{\"b\":[1],\"a\":{}}", "{\n  \"a\": {},\n  \"b\": [\n    1\n  ]\n}",
	  NULL },
	{ ESO, "{{ toJson . }}", "a=x|b=\"q\"", "{\"a\":\"x\",\"b\":\"\\\"q\\\"\"}", NULL },
	{ ESO, "{{ (fromJson .j).a.b }} {{ (fromJson .j).n }}", "j={\"a\":{\"b\":\"nested\"},\"n\":8080}",
	  "nested 8080", NULL },
	{ ESO, "{{ fromJson \"bad\" }}", "", "<no value>", NULL },
	{ ESO, "{{ mustFromJson \"{\" }}", "", NULL, "error calling mustFromJson: unexpected end of JSON input" },
	{ ESO, "{{ mustFromJson \"[1,]\" }}", "", NULL, "invalid character ']' looking for beginning of value" },
	{ ESO, "{{ toJson (fromJson .j) }}", "j={\"n\":1e2,\"m\":0.1,\"big\":12345678901234567890,\"s\":1e-7}",
	  "{\"big\":12345678901234567000,\"m\":0.1,\"n\":100,\"s\":1e-7}", NULL },
	{ ESO, "{{ $d := dict \"a\" 1 \"b\" \"x\" }}{{ $d.a }} {{ get $d \"b\" }} [{{ get $d \"z\" }}] {{ hasKey $d \"a\" }} {{ keys $d }} {{ values $d }}",
	  "", "1 x [] true [a b] [1 x]", NULL },
	{ ESO, "{{ $d := dict }}{{ $_ := set $d \"k\" \"v\" }}{{ $d.k }}{{ $_ := unset $d \"k\" }}{{ len $d }}",
	  "", "v0", NULL },
	{ ESO, "{{ dict \"a\" (dict \"b\" 1) \"odd\" | toJson }}", "", "{\"a\":{\"b\":1},\"odd\":\"\"}", NULL },
	{ ESO, "{{ merge (dict \"a\" 1) (dict \"a\" 2 \"b\" 3) | toJson }} {{ mergeOverwrite (dict \"a\" 1) (dict \"a\" 2 \"b\" 3) | toJson }}",
	  "", "{\"a\":1,\"b\":3} {\"a\":2,\"b\":3}", NULL },
	{ ESO, "{{ dig \"a\" \"b\" \"def\" (dict \"a\" (dict \"b\" \"x\")) }} {{ dig \"a\" \"z\" \"def\" (dict \"a\" (dict)) }}",
	  "", "x def", NULL },
	{ ESO, "{{ pick (dict \"a\" 1 \"b\" 2) \"a\" | toJson }} {{ omit (dict \"a\" 1 \"b\" 2) \"a\" | toJson }} {{ pluck \"a\" (dict \"a\" 1) (dict \"b\" 2) }}",
	  "", "{\"a\":1} {\"b\":2} [1]", NULL },
	{ ESO, "{{ list 1 \"a\" | toJson }} {{ append (list 1) 2 }} {{ prepend (list 1) 0 }} {{ first (list 1 2) }} {{ last (list 1 2) }} {{ rest (list 1 2 3) }} {{ initial (list 1 2 3) }}",
	  "", "[1,\"a\"] [1 2] [0 1] 1 2 [2 3] [1 2]", NULL },
	{ ESO, "{{ reverse (list 1 2 3) }} {{ uniq (list 1 1 2 1) }} {{ without (list 1 2 3) 2 }} {{ has 2 (list 1 2) }} {{ compact (list 1 \"\" 0 2) }} {{ concat (list 1) (list 2 3) }} {{ slice (list 1 2 3) 1 2 }}",
	  "", "[3 2 1] [1 2] [1 3] true [1 2] [1 2 3] [2]", NULL },
	{ ESO, "{{ append \"s\" 1 }}", "", NULL, "error calling append: Cannot push on type string" },
	{ ESO, "{{ range $k, $v := fromJson .j }}{{ $k }}={{ $v }};{{ end }}", "j={\"z\":1,\"a\":\"x\"}",
	  "a=x;z=1;", NULL },

	/* toYaml / fromYaml: sigs.k8s.io/yaml, go-yaml v2 output */
	{ ESO, "{{ toYaml . }}", "{\"b\":{\"z\":1,\"a\":[1,\"x\",null]},\"s\":\"yes\",\"e\":[],\"a10\":1.5,\"a2\":\"a: b\"}",
	  "a2: 'a: b'\na10: 1.5\nb:\n  a:\n  - 1\n  - x\n  - null\n  z: 1\ne: []\ns: \"yes\"", NULL },
	{ ESO, "{{ .cfg | fromYaml | toJson }}", "cfg=port: 8080\nname: app\nlist: [a, 1]\nflag: on\n",
	  "{\"flag\":true,\"list\":[\"a\",1],\"name\":\"app\",\"port\":8080}", NULL },
	{ ESO, "{{ (fromYaml .cfg).a.b }}", "cfg=a:\n  b: deep\n", "deep", NULL },
	{ ESO, "{{ (fromYaml \"[1, 2]\").Error }}", "",
	  "error unmarshaling JSON: while decoding JSON: json: cannot unmarshal array into Go value of type map[string]interface {}", NULL },
	{ ESO, "{{ toYaml \"multi\\nline\" }}", "", "|-\n  multi\n  line", NULL },

	/* ESO documentation idioms */
	{ ESO, "{{ printf \"{{ .username | toString }}\" }}", "username=u", "{{ .username | toString }}", NULL },
	{ ESO, "{\"auths\":{\"{{ .registry }}\":{\"auth\":\"{{ printf \"%s:%s\" .user .pass | b64enc }}\"}}}",
	  "registry=r.io|user=u|pass=p", "{\"auths\":{\"r.io\":{\"auth\":\"dTpw\"}}}", NULL },
	{ ESO_DEF, "{{ .value | upper }}", "value=db-password", "DB-PASSWORD", NULL },
};

/* Parse "k=v|k=v" into kv pairs pointing into buf. */
static size_t parse_kv(char *buf, struct ck_tmpl_kv *kv, size_t max)
{
	size_t n = 0;
	char *p = buf;

	while (*p && n < max) {
		char *bar = strchr(p, '|');
		char *eq;

		if (bar)
			*bar = '\0';
		eq = strchr(p, '=');
		assert_non_null(eq);
		kv[n].key = p;
		kv[n].klen = (size_t)(eq - p);
		kv[n].val = (const uint8_t *)eq + 1;
		kv[n].vlen = strlen(eq + 1);
		n++;
		if (!bar)
			break;
		p = bar + 1;
	}
	return n;
}

static int run_case(const struct tc *c, struct ck_buf *out)
{
	struct ck_tmpl_opts o = CK_TMPL_OPTS_ESO;
	struct ck_tmpl *t = NULL;
	int rc;

	if (c->mode == GO) {
		o.funcs = CK_TMPL_FUNCS_GO;
		o.missingkey = CK_TMPL_MISSING_DEFAULT;
	} else if (c->mode == ESO_DEF) {
		o.missingkey = CK_TMPL_MISSING_DEFAULT;
	}
	rc = ck_tmpl_parse(&t, "t", c->tmpl, strlen(c->tmpl), &o);
	if (rc < 0)
		return rc;
	if (c->data[0] == '{' || c->data[0] == '"' || c->data[0] == '[') {
		rc = ck_tmpl_exec_json(out, t, c->data, strlen(c->data));
	} else {
		char buf[512];
		struct ck_tmpl_kv kv[16];
		size_t n;

		snprintf(buf, sizeof(buf), "%s", c->data);
		n = parse_kv(buf, kv, 16);
		rc = ck_tmpl_exec(out, t, kv, n);
	}
	ck_tmpl_free(t);
	return rc;
}

static void test_cases(void **state)
{
	size_t k, ok = 0, errs = 0, fails = 0;

	(void)state;
	for (k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		const struct tc *c = &cases[k];
		struct ck_buf out;
		int rc;

		ck_buf_init_secure(&out, 1 << 20);
		ck_err_clear();
		if (getenv("CKT_TRACE"))
			fprintf(stderr, "case %zu %s\n", k, c->tmpl);
		rc = run_case(c, &out);
		if (c->want != NULL) {
			if (rc < 0 || strcmp(ck_buf_cstr(&out), c->want) != 0) {
				fprintf(stderr, "case %zu: %s\n  want [%s]\n  got  [%s] rc %d %s\n", k, c->tmpl,
				        c->want, ck_buf_cstr(&out), rc, rc < 0 ? ck_err_last()->msg : "");
				fails++;
			} else {
				ok++;
			}
		} else {
			if (rc >= 0 || strstr(ck_err_last()->msg, c->err) == NULL) {
				fprintf(stderr, "case %zu: %s\n  want error containing [%s]\n  got rc %d [%s] out [%s]\n",
				        k, c->tmpl, c->err, rc, rc < 0 ? ck_err_last()->msg : "",
				        ck_buf_cstr(&out));
				fails++;
			} else if (ck_buf_len(&out) != 0) {
				fprintf(stderr, "case %zu: output left behind on error\n", k);
				fails++;
			} else {
				errs++;
			}
		}
		ck_buf_dispose(&out);
	}
	printf("template cases: %zu outputs ok, %zu errors ok, %zu failed\n", ok, errs, fails);
	assert_int_equal(fails, 0);
}

/* Secret values may hold any bytes, including NUL. */
static void test_binary_values(void **state)
{
	static const uint8_t v[] = { 'a', 0, 0xff, 'b' };
	struct ck_tmpl_kv kv = { "bin", 3, v, sizeof(v) };
	struct ck_buf out;
	struct ck_tmpl *t = NULL;

	(void)state;
	ck_buf_init_secure(&out, 4096);
	assert_int_equal(ck_tmpl_parse(&t, "bin", "<{{ .bin }}>{{ len .bin }}", 26, NULL), CK_OK);
	assert_int_equal(ck_tmpl_exec(&out, t, &kv, 1), CK_OK);
	assert_int_equal(ck_buf_len(&out), 7);
	assert_memory_equal(ck_buf_data(&out), "<a\0\xff" "b>4", 7);
	ck_buf_reset(&out);
	/* a template is reusable across executions */
	assert_int_equal(ck_tmpl_exec(&out, t, &kv, 1), CK_OK);
	assert_int_equal(ck_buf_len(&out), 7);
	ck_tmpl_free(t);
	ck_buf_dispose(&out);
}

static void test_delims(void **state)
{
	struct ck_tmpl_opts o = CK_TMPL_OPTS_ESO;
	struct ck_tmpl_kv kv = { "a", 1, (const uint8_t *)"v", 1 };
	struct ck_buf out;

	(void)state;
	o.left_delim = "<<";
	o.right_delim = ">>";
	ck_buf_init(&out, 4096);
	assert_int_equal(ck_tmpl_render(&out, "d", "{{ x }} << .a | upper >>", 24, &o, &kv, 1), CK_OK);
	assert_string_equal(ck_buf_cstr(&out), "{{ x }} V");
	ck_buf_dispose(&out);
}

/* Runaway templates stop with an error instead of exhausting the machine. */
static void test_limits(void **state)
{
	struct ck_buf out;
	const char *loop = "{{ range 100000000 }}x{{ end }}";
	const char *spin = "{{ range 100000000 }}{{ end }}";
	const char *deep = "{{ define \"r\" }}{{ template \"r\" . }}{{ end }}{{ template \"r\" . }}";
	char nest[5000];
	size_t k;
	int rc;

	(void)state;
	ck_buf_init(&out, 1 << 20);
	rc = ck_tmpl_render(&out, "l", loop, strlen(loop), NULL, NULL, 0);
	assert_true(rc == CK_ETOOBIG);
	assert_int_equal(ck_buf_len(&out), 0);
	/* the evaluation budget, without output */
	rc = ck_tmpl_render(&out, "s", spin, strlen(spin), NULL, NULL, 0);
	assert_true(rc == CK_ETOOBIG);
	assert_non_null(strstr(ck_err_last()->msg, "steps"));
	rc = ck_tmpl_render(&out, "d", deep, strlen(deep), NULL, NULL, 0);
	assert_int_equal(rc, CK_EINVAL);
	/* deeply nested parentheses are refused by the parser */
	for (k = 0; k < 2200; k++)
		nest[k + 2] = '(';
	memcpy(nest, "{{", 2);
	nest[2202] = '1';
	for (k = 0; k < 2200; k++)
		nest[2203 + k] = ')';
	memcpy(nest + 4403, "}}", 3);
	rc = ck_tmpl_render(&out, "n", nest, strlen(nest), NULL, NULL, 0);
	assert_true(rc == CK_ETOOBIG);
	ck_buf_dispose(&out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_binary_values),
		cmocka_unit_test(test_delims),
		cmocka_unit_test(test_limits),
	};

	if (ck_core_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
