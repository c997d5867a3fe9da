/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Internals of the sops module, visible for its unit tests and fuzz targets
 * only: not an API for other modules (they use ck/sops*.h).
 */
#ifndef CK_SOPS_INTERNAL_H
#define CK_SOPS_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "ck/buf.h"
#include "ck/err.h"
#include "ck/sops.h"
#include "ck/sops_tree.h"

/* ---- arena (tree.c) ---- */
struct ck_sops_arena *ck_sops__arena_new(int secret);
void ck_sops__arena_free(struct ck_sops_arena *a);
void *ck_sops__arena_alloc(struct ck_sops_arena *a, size_t n);
/* Same without zeroing (for bytes written at once). */
void *ck_sops__arena_alloc_raw(struct ck_sops_arena *a, size_t n);
/* 1 if p points into the tree's source buffer. */
int ck_sops__in_src(const struct ck_sops_tree *t, const char *p);
/*
 * For a public source (t->src_public) whose bytes before `upto` are no
 * longer referenced: whole pages of them go back to the system (in steps of
 * at least 1 MiB). Never called for secret (locked) memory.
 */
void ck_sops__release_src(struct ck_sops_tree *t, const char *upto);

/* ---- Go text forms (gofmt.c) ---- */
struct ck_sops_time {
	int year, mon, day, hour, min, sec;
	int nsec;
	int off;  /* seconds east of UTC */
	int zone; /* 1: a zone was given or implied (always UTC if not) */
};

/* style 'f' (strconv 'f' -1), 'g' (strconv 'g' -1), 'y' ('g' with YAML
 * .inf/.nan), 'j' (encoding/json). NaN/Inf: "NaN", "+Inf", "-Inf" except 'y'. */
int ck_sops__fmt_float(struct ck_buf *out, double v, int style) CK_WUR;
int ck_sops__parse_int10(const char *s, size_t n, int64_t *out) CK_WUR;
int ck_sops__parse_int0(const char *s, size_t n, int64_t *out) CK_WUR;
int ck_sops__parse_uint0(const char *s, size_t n, uint64_t *out) CK_WUR;
int ck_sops__parse_float(const char *s, size_t n, double *out) CK_WUR;
int ck_sops__parse_bool(const char *s, size_t n, int *out) CK_WUR;
int ck_sops__parse_time(const char *s, size_t n, int strict, struct ck_sops_time *t) CK_WUR;
int ck_sops__fmt_time(struct ck_buf *out, const struct ck_sops_time *t) CK_WUR;
int64_t ck_sops__time_unix(const struct ck_sops_time *t);
void ck_sops__time_from_unix(struct ck_sops_time *t, int64_t secs);

/* ---- ENC[] values (value.c) ---- */
struct ck_sops_enc {
	const char *data, *iv, *tag, *type; /* base64 / type text inside the string */
	size_t data_len, iv_len, tag_len, type_len;
};
int ck_sops__enc_parse(struct ck_sops_enc *out, const char *s, size_t n) CK_WUR;
/* 1 if the string looks like an ENC[] value (prefix check). */
int ck_sops__is_enc(const char *s, size_t n);

/*
 * An encrypted leaf as the walk leaves it (CK_SOPS_F_ENCBIN): a record of
 * one type byte, the 32-byte IV, the 16-byte tag and the ciphertext, half
 * the size of its ENC[...] text, which the writers produce on the fly.
 */
#define CK_SOPS_ENCBIN_HDR 49
/* Length of the ENC[...] text of such a record. */
size_t ck_sops__encbin_text_len(const struct ck_sops_node *n);
/* Append the ENC[...] text of such a record. */
int ck_sops__encbin_text(struct ck_buf *out, const struct ck_sops_node *n) CK_WUR;

/* Fast base64 for public data (ciphertext, IVs, tags): strict std alphabet. */
/* Decode into out (at most cap bytes); (size_t)-1 on bad text or when it would not fit. */
size_t ck_sops__b64_decode(uint8_t *out, size_t cap, const char *in, size_t n);
size_t ck_sops__b64_encode(char *out, const uint8_t *in, size_t n);
#define CK_SOPS_B64_LEN(n) (((n) + 2) / 3 * 4)

/* ---- YAML scalar resolution (yaml_resolve.c) ---- */
/*
 * Type of a YAML scalar as go-yaml v3 resolves it (plain: 1; quoted: 0);
 * tag is the explicit tag or NULL. The canonical text (table 2.4) is
 * appended to canon for non-string results. Returns the ck_sops_type or a
 * negative error (bad explicit tag).
 */
#define CK_SOPS_RESOLVED_BYTES 0x100 /* STR whose bytes are in canon (!!binary) */
int ck_sops__yaml_resolve(struct ck_buf *canon, const char *s, size_t n, int plain,
                          const char *tag, size_t taglen);

/* ---- UTF-8 (yaml_emit.c) ---- */
int ck_sops__valid_utf8(const char *s, size_t n);

/* ---- Shamir (shamir.c) ---- */
/* shares: parts * (n + 1) bytes, share i at i*(n+1), its x byte last. */
int ck_sops__shamir_split(uint8_t *shares, const uint8_t *secret, size_t n, int parts,
                          int threshold) CK_WUR;
/* secret: partlen - 1 bytes. */
int ck_sops__shamir_combine(uint8_t *secret, const uint8_t *const *parts, size_t nparts,
                            size_t partlen) CK_WUR;

/* ---- helper programs (proc.c) ---- */
/*
 * Run argv (PATH search) with envset ("NAME=value", NULL-ended, may be NULL)
 * added to the environment, in on stdin; stdout appended to out (at most
 * max bytes), stderr to err (may be NULL). *status: exit status.
 */
int ck_sops__run(const char *const *argv, const char *const *envset, const void *in, size_t inlen,
                 struct ck_buf *out, size_t max, int *status, struct ck_buf *err) CK_WUR;
void ck_sops__first_line(struct ck_buf *err, char *out, size_t outlen);

/* ---- key sources ---- */
struct ck_sops_keysource;
struct ck_sops_keyctx;
extern const struct ck_sops_keysource ck_sops__ks_pgp;
extern const struct ck_sops_keysource ck_sops__ks_age;
void ck_sops__age_ids_free(struct ck_sops_keyctx *ctx);

#endif
