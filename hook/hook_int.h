/* SPDX-License-Identifier: Apache-2.0 */
/* Internals shared by the hook module's files. */
#ifndef CK_HOOK_INT_H
#define CK_HOOK_INT_H

#include <stddef.h>
#include <stdint.h>

#include "ck/buf.h"
#include "ck/doc.h"
#include "ck/hook.h"
#include "ck/hook_internal.h"

/* "doc: line L, column C: what" (and similar) -> L, or 0. */
uint32_t ck_hook__err_line(const char *msg);
/* "SOURCE:L: what" -> L (the first ":digits:" group), or 0. */
uint32_t ck_hook__err_line_colon(const char *msg);
/* The message after its "module: line L, column C: " prefix. */
const char *ck_hook__err_text(const char *msg);

/* 1 if s is a SOPS ENC[AES256_GCM,data:...,iv:...,tag:...,type:...] value. */
int ck_hook__is_enc(const char *s, size_t n);

/* Values that are references resolved elsewhere, not secrets: ${VAR}, <path:...>. */
int ck_hook__is_placeholder(const char *s, size_t n);

/* Scalar text of a string-ish node (resolved), or NULL. */
const char *ck_hook__str(const struct ck_doc_node *n);

/* Line offsets of a buffer, built once on demand. */
struct ck_hook_lineidx {
	const char *p;
	size_t n;
	size_t *off;   /* start offset of line i+1 */
	size_t nlines;
};
int ck_hook__lineidx_build(struct ck_hook_lineidx *li, const char *p, size_t n) CK_WUR;
void ck_hook__lineidx_dispose(struct ck_hook_lineidx *li);
/* Line (1-based) of a byte offset. */
uint32_t ck_hook__lineidx_line(const struct ck_hook_lineidx *li, size_t off);
/* Bytes of line l (1-based) without its newline; *len 0 for a line past the end. */
const char *ck_hook__lineidx_text(const struct ck_hook_lineidx *li, uint32_t l, size_t *len);

/* A string-keyed map of pointers (directory caches). */
struct ck_hook_strmap {
	char **keys;
	void **vals;
	size_t cap, n;
};
void ck_hook__strmap_init(struct ck_hook_strmap *m);
/* Dispose; free_val (may be NULL) is called on every value. */
void ck_hook__strmap_dispose(struct ck_hook_strmap *m, void (*free_val)(void *));
/* 1 and *val when present, else 0. */
int ck_hook__strmap_get(const struct ck_hook_strmap *m, const char *key, void **val);
int ck_hook__strmap_put(struct ck_hook_strmap *m, const char *key, void *val) CK_WUR;

/* The scanner (scan.c) and the checks it runs. */
struct ck_hook__sopscfg;
struct ck_hook__kust;

struct ck_hook_scanner {
	const struct ck_hook_src *src;
	unsigned flags;
	struct ck_hook_config *cfg;
	char *cfg_error;        /* message of a broken .cloak.yaml, reported once */
	uint32_t cfg_error_line;
	int cfg_reported;
	size_t max_size;
	struct ck_hook_strmap sops;  /* directory -> nearest struct ck_hook__sopscfg* (borrowed) or NULL */
	struct ck_hook_strmap sops_own; /* directory holding a .sops.yaml -> its config (owned) */
	struct ck_hook_strmap kust;  /* directory -> struct ck_hook__kust* (or NULL: none) */
	uint8_t *tkey;               /* throw-away data key of sopscheck.c (secret memory) */
	struct ck_hook__selmemo *selmemo; /* sopscheck.c: selections by rule and key skeleton */
	/* sopscheck.c: the last directory looked up in `sops` and its answer */
	char last_dir[1024];
	size_t last_len;
	void *last_cfg;
	int last_set;
};

/*
 * Lines a structural check has already accounted for (values verified as
 * ciphertext or already reported): pattern findings there are dropped.
 */
struct ck_hook_cover {
	uint32_t *lines;
	size_t n, cap;
};
int ck_hook__cover_add(struct ck_hook_cover *c, uint32_t line) CK_WUR;
int ck_hook__cover_has(const struct ck_hook_cover *c, uint32_t line);
void ck_hook__cover_dispose(struct ck_hook_cover *c);

/* One file being checked: what every check gets. */
struct ck_hook__file {
	struct ck_hook_scanner *s;
	struct ck_hook_report *r; /* findings go here (allowlisting is applied later) */
	const char *path;
	const char *data;
	size_t n;
	struct ck_hook_class cls;
	struct ck_hook_cover cover;
	int secret_reported;      /* a Secret finding exists: no duplicate sops-unencrypted */
	int malformed_reported;
};

/* k8s.c: Secrets, SealedSecrets, kustomizations (YAML / JSON). */
int ck_hook__check_manifests(struct ck_hook__file *f) CK_WUR;
/* kustomize.c: a changed file some kustomization above it names (hook mode). */
int ck_hook__check_kustomize_refs(struct ck_hook__file *f) CK_WUR;
int ck_hook__check_kustomization(struct ck_hook__file *f, const struct ck_doc *d) CK_WUR;
void ck_hook__kust_free(void *k);
/* sopscheck.c: .sops.yaml creation rules. */
int ck_hook__check_sops(struct ck_hook__file *f) CK_WUR;
void ck_hook__sopscfg_free(void *c);
struct ck_hook__selmemo;
void ck_hook__selmemo_free(struct ck_hook__selmemo *m);
/* patterns.c */
int ck_hook__check_patterns(struct ck_hook_report *r, const char *path, const char *data,
                            size_t n, const struct ck_hook_lines *added,
                            const struct ck_hook_cover *cover) CK_WUR;

/* Move src's findings into dst (one copy of a repeated config-invalid), add the counts. */
int ck_hook__report_merge(struct ck_hook_report *dst, struct ck_hook_report *src) CK_WUR;

/* Read a file of the snapshot through src (CK_ENOTFOUND when absent). */
int ck_hook__src_read(struct ck_hook_scanner *s, const char *path, struct ck_buf *out) CK_WUR;

/* Normalise dir + "/" + rel ("a/./b/../c"); CK_EINVAL when it leaves the root. */
int ck_hook__path_norm(struct ck_buf *out, const char *dir, const char *rel) CK_WUR;

#endif
