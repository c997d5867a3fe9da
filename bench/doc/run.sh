#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# bench/doc/run.sh [BUILD_DIR]: the document tree's readers and writers on a
# 100,000-leaf sops-style file, beside libyaml's bare event loop (the floor of
# any libyaml-based YAML reader) and jansson (the peer JSON library), all
# measured in this run, best of BENCH_RUNS (default 3).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=${1:-$root/build/release}
bin=$build/bench/bench_doc
[ -x "$bin" ] || { echo "bench/doc: $bin not built (make bench)" >&2; exit 1; }
out=$("$bin" "${BENCH_RUNS:-3}")
get() { awk -v k="$1" '$1 == k { print $2 }' <<<"$out"; }
ms() { awk -v s="$1" 'BEGIN { printf "%8.1f ms", s * 1000 }'; }
mbs() { awk -v b="$1" -v s="$2" 'BEGIN { printf "%7.1f MB/s", b / s / 1e6 }'; }
yb=$(get yaml_bytes); jb=$(get json_bytes)
echo "doc: 100,000 leaves; YAML $yb bytes (go-yaml style), JSON $jb bytes"
printf '  %-34s %s %s   | %-24s %s %s\n' \
	"YAML parse (with comments)" "$(ms "$(get ours_yaml_parse)")" "$(mbs "$yb" "$(get ours_yaml_parse)")" \
	"libyaml events only" "$(ms "$(get libyaml_events)")" "$(mbs "$yb" "$(get libyaml_events)")"
printf '  %-34s %s %s\n' "YAML parse (CK_DOC_NO_COMMENTS)" \
	"$(ms "$(get ours_yaml_parse_nocomments)")" "$(mbs "$yb" "$(get ours_yaml_parse_nocomments)")"
printf '  %-34s %s %s\n' "YAML write, go-yaml style" "$(ms "$(get ours_yaml_write_go)")" \
	"$(mbs "$yb" "$(get ours_yaml_write_go)")"
printf '  %-34s %s %s\n' "YAML write, faithful" "$(ms "$(get ours_yaml_write_faithful)")" \
	"$(mbs "$yb" "$(get ours_yaml_write_faithful)")"
printf '  %-34s %s %s   | %-24s %s %s\n' \
	"JSON parse" "$(ms "$(get ours_json_parse)")" "$(mbs "$jb" "$(get ours_json_parse)")" \
	"jansson json_loadb" "$(ms "$(get jansson_json_parse)")" "$(mbs "$jb" "$(get jansson_json_parse)")"
printf '  %-34s %s %s   | %-24s %s %s\n' \
	"JSON write (tab indent)" "$(ms "$(get ours_json_write)")" "$(mbs "$jb" "$(get ours_json_write)")" \
	"jansson json_dumps" "$(ms "$(get jansson_json_dumps)")" "$(mbs "$jb" "$(get jansson_json_dumps)")"
