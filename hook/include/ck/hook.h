/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The checks behind `cloak hook run` and `cloak audit`: one file of a
 * repository snapshot in, findings out. A finding has a stable rule id, a
 * repository-relative path and line, a one-line message (secrets redacted),
 * the command that fixes it and a fingerprint usable in .cloak.yaml.
 *
 * Structural rules read the whole file (a Secret's encryption state is a
 * property of the file); pattern rules (private keys, tokens, high-entropy
 * assignments) read only the added lines the caller names, so old findings
 * never block an unrelated commit. Where the blobs come from (the index, a
 * tree, the working tree) is the caller's business (ck/hook_git.h): the
 * checks here see bytes and a struct ck_hook_src that reads other files of
 * the same snapshot (.cloak.yaml, .sops.yaml, files a kustomization names).
 *
 * Bad input is never an error here: a file that cannot be parsed is a
 * finding with its line. Functions return CK_OK or CK_ENOMEM (and CK_EINVAL
 * for programmer-visible misuse such as a bad rule id in a config).
 */
#ifndef CK_HOOK_H
#define CK_HOOK_H

#include <stddef.h>
#include <stdint.h>

#include "ck/buf.h"
#include "ck/err.h"

/* Rule ids: stable, used in output, .cloak.yaml and `cloak:allow RULE`. */
enum ck_hook_rule {
	CK_HOOK_SECRET_PLAINTEXT = 0, /* "k8s-secret-plaintext" */
	CK_HOOK_SECRET_PARTIAL,       /* "k8s-secret-partial" */
	CK_HOOK_SOPS_UNENCRYPTED,     /* "sops-unencrypted" */
	CK_HOOK_SOPS_PARTIAL,         /* "sops-partial" */
	CK_HOOK_SOPS_KEYS,            /* "sops-wrong-keys" */
	CK_HOOK_KUSTOMIZE_LITERALS,   /* "kustomize-literals" */
	CK_HOOK_KUSTOMIZE_FILE,       /* "kustomize-unencrypted-file" */
	CK_HOOK_SEALED_MALFORMED,     /* "sealed-malformed" */
	CK_HOOK_SEALED_SCOPE,         /* "sealed-scope" */
	CK_HOOK_SEALED_PLAINTEXT,     /* "sealed-plaintext" */
	CK_HOOK_MALFORMED,            /* "malformed-document" */
	CK_HOOK_CONFIG,               /* "config-invalid" (.cloak.yaml, .sops.yaml) */
	CK_HOOK_PRIVATE_KEY,          /* "private-key" */
	CK_HOOK_AGE_KEY,              /* "age-secret-key" */
	CK_HOOK_AWS,                  /* "aws-credentials" */
	CK_HOOK_GITHUB,               /* "github-token" */
	CK_HOOK_GITLAB,               /* "gitlab-token" */
	CK_HOOK_SLACK,                /* "slack-token" */
	CK_HOOK_VAULT,                /* "vault-token" */
	CK_HOOK_ASSIGNMENT,           /* "secret-assignment" */
	CK_HOOK_NRULES
};

struct ck_hook_rule_info {
	const char *id;      /* "k8s-secret-plaintext" */
	const char *title;   /* one line, for SARIF shortDescription and `cloak hook rules` */
	const char *help;    /* what it checks and how to fix it (a few sentences) */
	int pattern;         /* 1: checks added lines only */
};

/* The rule table entry (r < CK_HOOK_NRULES). */
const struct ck_hook_rule_info *ck_hook_rule_info(enum ck_hook_rule r);
/* Rule by id; -1 when unknown. */
int ck_hook_rule_from_id(const char *id, size_t n);

/* Fingerprint: "<rule>:<path>:<12 hex digits>" (see ck_hook_report_add). */
#define CK_HOOK_FP_HEX 12

struct ck_hook_finding {
	enum ck_hook_rule rule;
	char *path;        /* repository-relative, '/' separated */
	uint32_t line;     /* 1-based; 0: the whole file */
	char *message;     /* one line, no secret bytes */
	char *fix;         /* one line: the command (or edit) that fixes it */
	char *fingerprint; /* stable id for .cloak.yaml `fingerprints:` */
};

struct ck_hook_report {
	struct ck_hook_finding *v;
	size_t n, cap;
	size_t files;      /* files whose contents were checked */
	size_t skipped;    /* files skipped: binary, too big, symlinks, submodules, allowlisted */
	size_t allowed;    /* findings suppressed by .cloak.yaml or cloak:allow */
	size_t bytes;      /* bytes checked */
};

void ck_hook_report_init(struct ck_hook_report *r);
void ck_hook_report_dispose(struct ck_hook_report *r);

/*
 * Append a finding (strings copied). The fingerprint is
 * "<rule id>:<path>:<hex>" with hex the first 6 bytes of
 * SHA-256(rule id || 0 || path || 0 || key): `key` names what was found
 * (a document and field for structural rules, the matched value for pattern
 * rules, which have passed an entropy or format check, so the hash is no
 * dictionary oracle), so the fingerprint survives edits elsewhere in the
 * file and line moves. A finding equal to one already present (rule, path,
 * line, fingerprint) is dropped. CK_ENOMEM.
 */
int ck_hook_report_add(struct ck_hook_report *r, enum ck_hook_rule rule, const char *path,
                       uint32_t line, const char *key, size_t keylen, const char *fix,
                       const char *fmt, ...) CK_PRINTF(8, 9) CK_WUR;

/* Sort by path, then line, then rule (output order). */
void ck_hook_report_sort(struct ck_hook_report *r);

/*
 * .cloak.yaml at the repository root:
 *
 *   max_file_size: 4194304      # optional: bigger files are skipped (bytes)
 *   allow:
 *     - paths: ["testkeys/"]    # every rule, in these paths
 *       reason: test-only keys, public on purpose
 *     - rules: [secret-assignment]
 *       paths: ["tests/hook/"]  # these rules in these paths (no paths: everywhere)
 *     - fingerprints: ["private-key:deploy/x.pem:0123456789ab"]
 *
 * Path patterns are matched against the whole repository-relative path:
 * '*' and '?' stay inside one path component, a double star spans
 * components ("a/" + two stars is everything under a; two stars + "/x.yaml"
 * is any x.yaml), a pattern ending in '/' is a directory and everything
 * under it.
 */
struct ck_hook_config;

/*
 * Parse. Errors: CK_EINVAL "SOURCE:LINE: what is wrong" (unknown key, bad
 * rule id, wrong type), CK_ENOMEM. An empty text is an empty config.
 */
int ck_hook_config_parse(struct ck_hook_config **out, const char *text, size_t n,
                         const char *source) CK_WUR;
void ck_hook_config_free(struct ck_hook_config *c);
/* 1 if the finding (rule, path, fingerprint) is allowlisted. c may be NULL. */
int ck_hook_config_allows(const struct ck_hook_config *c, enum ck_hook_rule rule,
                          const char *path, const char *fingerprint);
/* 1 if every rule is allowed for path (the file need not be read). c may be NULL. */
int ck_hook_config_skips(const struct ck_hook_config *c, const char *path);
/* max_file_size, or the default (CK_HOOK_MAX_FILE). */
size_t ck_hook_config_max_size(const struct ck_hook_config *c);

#define CK_HOOK_MAX_FILE ((size_t)4 << 20)

/* 1 if path matches a .cloak.yaml path pattern (see above). */
int ck_hook_glob_match(const char *pattern, const char *path);

/*
 * The staged-file classifier: what kind of file this is and what a cheap
 * byte scan says it may contain. Decides which checks run; never parses.
 */
enum ck_hook_kind {
	CK_HOOK_K_TEXT = 0,     /* pattern rules only */
	CK_HOOK_K_YAML,
	CK_HOOK_K_JSON,
	CK_HOOK_K_DOTENV,
	CK_HOOK_K_INI,
	CK_HOOK_K_KUSTOMIZATION, /* kustomization.yaml / .yml / Kustomization */
	CK_HOOK_K_SOPS_CONFIG,   /* .sops.yaml */
	CK_HOOK_K_CLOAK_CONFIG,  /* .cloak.yaml */
	CK_HOOK_K_BINARY,        /* NUL in the first 8000 bytes (git's test) */
	CK_HOOK_K_TOO_BIG,
};

/* Flags of the byte scan (YAML/JSON only). */
#define CK_HOOK_C_SECRET 1u   /* "Secret" appears (Secret, SealedSecret) */
#define CK_HOOK_C_SOPS 2u     /* "sops" appears */
#define CK_HOOK_C_SECRETGEN 4u /* "secretGenerator" appears */
#define CK_HOOK_C_TEMPLATE 8u /* "{{" in a Helm chart's templates/ directory */

struct ck_hook_class {
	enum ck_hook_kind kind;
	unsigned flags;
};

void ck_hook_classify(struct ck_hook_class *out, const char *path, const void *data, size_t n,
                      size_t max_size);
const char *ck_hook_kind_name(enum ck_hook_kind k);

/* Another file of the same snapshot, for .cloak.yaml, .sops.yaml and kustomize references. */
struct ck_hook_src {
	/*
	 * Append the bytes of the file at `path` (repository-relative) to out,
	 * at most max bytes. CK_ENOTFOUND (no message needed) when there is no
	 * such regular file, CK_ETOOBIG over max, CK_ENOMEM, CK_EIO.
	 */
	int (*read)(void *ctx, const char *path, struct ck_buf *out, size_t max);
	void *ctx;
};

/* Added lines of a file: sorted, non-overlapping, inclusive 1-based ranges. */
struct ck_hook_lines {
	const uint32_t (*r)[2];
	size_t n;
};

struct ck_hook_scanner;

/* Scanner flags. */
#define CK_HOOK_STAGED 1u /* hook mode: also check kustomizations that name a changed file */

/*
 * A scanner for one snapshot. It reads .cloak.yaml through src (a broken
 * one is a config-invalid finding, reported by the first ck_hook_scan_blob
 * call, and then no allowlist applies). src must outlive the scanner.
 */
int ck_hook_scanner_new(struct ck_hook_scanner **out, const struct ck_hook_src *src,
                        unsigned flags) CK_WUR;
void ck_hook_scanner_free(struct ck_hook_scanner *s);
/* The parsed .cloak.yaml (NULL when absent or broken). */
const struct ck_hook_config *ck_hook_scanner_config(const struct ck_hook_scanner *s);

/*
 * Check one file. added: the added lines pattern rules look at (NULL: every
 * line, as for a new file or an audit). Findings allowed by .cloak.yaml or
 * an inline `cloak:allow RULE` marker (on the finding's line or the line
 * above) are counted in r->allowed, not added. Returns CK_OK or CK_ENOMEM.
 */
int ck_hook_scan_blob(struct ck_hook_scanner *s, struct ck_hook_report *r, const char *path,
                      const void *data, size_t n, const struct ck_hook_lines *added) CK_WUR;

/*
 * Pattern rules alone over one buffer (every line, or the added ones);
 * findings are added to r without allowlisting. For tests and the fuzzer.
 */
int ck_hook_scan_patterns(struct ck_hook_report *r, const char *path, const void *data, size_t n,
                          const struct ck_hook_lines *added) CK_WUR;

/* Output. */
enum ck_hook_format { CK_HOOK_FMT_TEXT = 0, CK_HOOK_FMT_JSON, CK_HOOK_FMT_SARIF };
#define CK_HOOK_OUT_COLOR 1u /* ANSI colours (text only; the CLI sets it on a terminal) */

/* "text", "json", "sarif"; CK_EUSAGE otherwise. */
int ck_hook_format_parse(enum ck_hook_format *out, const char *s) CK_WUR;

/*
 * Append the report in a format: text groups findings by file with the fix
 * under each one and ends with a summary line; json is an object with
 * "findings" and counts; sarif is a SARIF 2.1.0 log with one run. `what`
 * names the scan in the summary ("staged changes", "HEAD").
 */
int ck_hook_report_format(struct ck_buf *out, const struct ck_hook_report *r,
                          enum ck_hook_format f, unsigned flags, const char *what) CK_WUR;

#endif
