/* SPDX-License-Identifier: Apache-2.0 */
/* Internals shared by the providers (not a public header). */
#ifndef CK_EXT_PROV_INT_H
#define CK_EXT_PROV_INT_H

#include "ck/ext_provider.h"
#include "tmpl_int.h"

/*
 * A KV engine as ESO's Vault provider sees it. Keys are ESO remoteRef keys
 * (the backend maps them to URLs). read/read_meta/list give CK_ENOTFOUND
 * for a missing (or deleted) secret or an empty folder.
 */
struct kv_backend {
	void *impl;
	int version;   /* 1 or 2 */
	struct ck_ext_arena scratch; /* secure, reset after each call (reused across reads) */
	/* the secret's data map (JSON numbers kept as text) */
	int (*read)(void *impl, const char *key, const char *version, struct ck_ext_arena *a,
	            struct tv *out);
	/* ESO's metadata map: created_time, current_version, delete_version_after, custom */
	int (*read_meta)(void *impl, const char *key, struct ck_ext_arena *a, struct tv *out);
	/* one folder: keys as Vault lists them (folders end with '/'); path "" or "x/" */
	int (*list)(void *impl, const char *path, struct ck_ext_arena *a, struct tv *out);
};

int ck_ext__kv_get_secret(const struct kv_backend *be, const struct ck_ext_ref *ref,
                          struct ck_buf *out) CK_WUR;
int ck_ext__kv_get_secret_map(const struct kv_backend *be, const struct ck_ext_ref *ref,
                              struct ck_ext_map *out) CK_WUR;
int ck_ext__kv_find(const struct kv_backend *be, const struct ck_ext_find *f,
                    struct ck_ext_map *out) CK_WUR;

/* json.Unmarshal of an object into map[string]any, then GetByteValue per key. */
int ck_ext__json_object_to_map(struct ck_ext_map *out, const char *json, size_t n) CK_WUR;

/* Wrap impl (freed with ops->free on failure). */
int ck_ext__provider_wrap(struct ck_ext_provider **out, const struct ck_ext_provider_ops *ops,
                          void *impl) CK_WUR;

/* ESO buildPath / buildMetadataPath (spec 2.3); appended to out. */
int ck_ext__vault_data_path(struct ck_buf *out, const char *mount, int version, const char *key) CK_WUR;
int ck_ext__vault_metadata_path(struct ck_buf *out, const char *mount, int version,
                                const char *key) CK_WUR;

/*
 * Value of a Secret/ConfigMap key through the resolver (or the set), with
 * the referent namespace rules of the store. CK_ENOTFOUND names the object.
 */
int ck_ext__resolve_ref(const struct ck_ext_provider_ctx *ctx, const char *kind,
                        const struct ck_ext_secret_ref *ref, const char *what,
                        struct ck_buf *out) CK_WUR;

#endif
