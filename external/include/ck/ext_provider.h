/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The provider interface ESO's SecretsClient has (GetSecret, GetSecretMap,
 * GetAllSecrets) and its implementations: Vault KV v1/v2 and AWS Secrets
 * Manager on the net clients, and an in-memory fake with Vault's semantics
 * for unit tests.
 *
 * Every value goes to secret memory. A secret (or version, or property)
 * that does not exist is CK_ENOTFOUND with a message naming the key; any
 * other failure keeps the net client's code (CK_EDENIED, CK_ENET, ...).
 */
#ifndef CK_EXT_PROVIDER_H
#define CK_EXT_PROVIDER_H

#include <stddef.h>
#include <stdint.h>

#include "ck/buf.h"
#include "ck/ext.h"

struct ck_ext_provider_ops {
	const char *kind;                              /* "vault", "aws", "fake" */
	/* GetSecret: the value for ref (property, version, metadataPolicy applied). */
	int (*get_secret)(void *impl, const struct ck_ext_ref *ref, struct ck_buf *out);
	/* GetSecretMap: the key/value pairs of ref's JSON object. */
	int (*get_secret_map)(void *impl, const struct ck_ext_ref *ref, struct ck_ext_map *out);
	/* GetAllSecrets: matching secrets by name (relative path) -> value. */
	int (*find)(void *impl, const struct ck_ext_find *f, struct ck_ext_map *out);
	void (*free)(void *impl);
	/* Counters (may be NULL): requests sent, connections opened. */
	void (*stats)(void *impl, size_t *requests, size_t *connections);
	/*
	 * May be NULL: forget what was read for the previous ExternalSecret.
	 * ck_ext_render calls it first, so reads are shared within one
	 * ExternalSecret (several data entries of one secret: one request) and
	 * never across two.
	 */
	void (*forget)(void *impl);
};

struct ck_ext_provider {
	const struct ck_ext_provider_ops *ops;
	void *impl;
};

void ck_ext_provider_free(struct ck_ext_provider *p);

/* ---- fake (Vault KV v2 semantics in memory) ----------------------------- */

int ck_ext_provider_fake_new(struct ck_ext_provider **out) CK_WUR;
/*
 * Add a version of secret `key` (a path relative to the mount, e.g.
 * "dev/config") whose data is the JSON object `json`; custom_metadata_json
 * (may be NULL) is a JSON object of strings. Versions count from 1.
 * CK_EINVAL for malformed JSON.
 */
int ck_ext_provider_fake_put(struct ck_ext_provider *p, const char *key, const char *json,
                             const char *custom_metadata_json) CK_WUR;
/* Soft-delete the current version of key (reads then see no secret). */
int ck_ext_provider_fake_delete(struct ck_ext_provider *p, const char *key) CK_WUR;
/* Make the next n calls fail with code (e.g. CK_ENET "vault is sealed"). */
void ck_ext_provider_fake_fail(struct ck_ext_provider *p, int code, unsigned n);

/* ---- real providers ----------------------------------------------------- */

/*
 * Everything a provider needs to authenticate: the store, the ES namespace
 * (referent authentication), where referenced Secrets come from, and
 * whether the person's environment may fill in (see ck_ext_session_opts).
 */
struct ck_ext_provider_ctx {
	const struct ck_ext_store *store;
	const char *es_ns;
	const struct ck_ext_resolver *resolver;
	int env;
	int max_retries;
	long retry_wait_ms;
};

/* Vault: client + login now (CK_EDENIED / CK_ENET / CK_EUNSUPPORTED ...). */
int ck_ext_provider_vault_new(struct ck_ext_provider **out,
                              const struct ck_ext_provider_ctx *ctx) CK_WUR;
/* AWS Secrets Manager (credentials are resolved at the first request). */
int ck_ext_provider_aws_new(struct ck_ext_provider **out,
                            const struct ck_ext_provider_ctx *ctx) CK_WUR;

/*
 * ESO's Vault-provider value rules over a secret's data given as JSON text
 * (as Vault returned it): property empty -> the whole map as Go's
 * json.Marshal writes it; a top-level key -> its value (strings raw,
 * numbers as sent, objects compact JSON, null empty); else a gjson path.
 * CK_ENOTFOUND "cannot find secret data for key: \"p\"". Exposed for tests.
 */
int ck_ext_vault_value(struct ck_buf *out, const char *data_json, size_t n,
                       const char *property) CK_WUR;

/*
 * ESO's key -> Vault logical path (buildPath / buildMetadataPath, spec 2.3):
 * mount = the store's `path` (NULL: the key carries the mount), kv_version
 * 1 or 2, metadata 1 for the metadata path. Appended to out (no "/v1/").
 * CK_EINVAL "provided Path isn't a valid kv v2 path" when a v2 metadata path
 * cannot be derived.
 */
int ck_ext_vault_path(struct ck_buf *out, const char *mount, int kv_version, const char *key,
                      int metadata) CK_WUR;

/*
 * gjson.Get(json, path).String(): CK_ENOTFOUND when the path does not exist,
 * CK_EUNSUPPORTED for gjson features cloak does not implement (queries
 * "#(...)", modifiers "@", multipaths), CK_EINVAL for malformed JSON.
 */
int ck_ext_gjson(struct ck_buf *out, const char *json, size_t n, const char *path) CK_WUR;

#endif
