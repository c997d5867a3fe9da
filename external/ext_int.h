/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Internals shared by the ExternalSecret model, the providers and the
 * renderer (not a public header).
 */
#ifndef CK_EXT_INT_H
#define CK_EXT_INT_H

#include "ck/ext.h"
#include "ck/ext_provider.h"
#include "tmpl_int.h"

struct ck_ext_map {
	struct ck_ext_arena a;   /* secure */
	struct tv_map *m;
};

int ck_ext__map_del_key(struct ck_ext_map *m, const char *key, size_t klen);
/* A map in ordinary memory (labels, annotations). */
struct ck_ext_map *ck_ext__map_new_plain(void);

/* esutils.GetByteValue of a decoded JSON value, appended to out. */
int ck_ext__byte_value(struct ck_buf *out, const struct tv *v) CK_WUR;

/*
 * ESO decoding strategies (utils.Decode): None, Base64, Base64URL, Auto.
 * In place on buf. CK_EINVAL with a message naming the strategy.
 */
int ck_ext__decode(struct ck_buf *buf, enum ck_ext_decoding d) CK_WUR;

/* Go's base64 DecodeString (std or URL alphabet); CK_EINVAL with *bad = offset, no message. */
int ck_ext__go_b64decode(struct ck_buf *out, const char *src, size_t n, int url, size_t *bad) CK_WUR;

/* Key conversion (Default: '_', Unicode: _UXXXX_) of one key, appended to out. */
int ck_ext__convert_key(struct ck_buf *out, const char *key, size_t n,
                        enum ck_ext_conversion c) CK_WUR;

/* The ESO key rule: letters, digits, '-', '.', '_' (Unicode letters/digits allowed). */
int ck_ext__valid_key(const char *key, size_t n);

/* Shared Vault value logic over a decoded data map (USE_NUMBER values). */
int ck_ext__vault_value_tv(struct ck_buf *out, const struct tv *data, const char *property) CK_WUR;

/* SHA3-224 (Keccak, FIPS 202). */
void ck_ext__sha3_224(uint8_t out[28], const void *p, size_t n);

#endif
