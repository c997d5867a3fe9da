/* SPDX-License-Identifier: Apache-2.0 */
/*
 * External Secrets Operator resources: ExternalSecret (external-secrets.io/v1
 * and v1beta1), SecretStore and ClusterSecretStore for the Vault and AWS
 * Secrets Manager providers, and the Kubernetes Secrets / ConfigMaps they
 * reference. Read manifests into a set, check them offline, and render the
 * Secret ESO would create.
 *
 * A set (struct ck_ext_set) owns everything read from its files: the model
 * structs below point into it and live until ck_ext_set_free(). Secret
 * values (data of Secrets in the manifests) are kept in secret memory.
 *
 * Problems: every document is classified and validated field by field. What
 * is wrong, unknown, or outside what cloak supports becomes one problem line
 * "FILE:LINE: PATH: MESSAGE" (e.g. "es.yaml:12: spec.data[0].remoteRef:
 * unknown field \"proprety\""), recorded in the set rather than failing the
 * read, so `cloak external check` can list them all. An object with a problem
 * is still listed (with ->problems > 0) but ck_ext_render refuses it.
 */
#ifndef CK_EXT_H
#define CK_EXT_H

#include <stddef.h>
#include <stdint.h>

#include "ck/buf.h"
#include "ck/err.h"

struct ck_ext_kv {
	const char *key;
	const char *value;
};

enum ck_ext_decoding { CK_EXT_DEC_NONE, CK_EXT_DEC_BASE64, CK_EXT_DEC_BASE64URL, CK_EXT_DEC_AUTO };
enum ck_ext_conversion { CK_EXT_CONV_DEFAULT, CK_EXT_CONV_UNICODE };
enum ck_ext_metadata { CK_EXT_META_NONE, CK_EXT_META_FETCH };
enum ck_ext_nullbytes { CK_EXT_NULL_IGNORE, CK_EXT_NULL_FAIL };

/* data[].remoteRef and dataFrom[].extract */
struct ck_ext_ref {
	const char *key;
	const char *property;   /* NULL when absent */
	const char *version;    /* NULL when absent */
	enum ck_ext_metadata metadata;
	enum ck_ext_decoding decoding;
	enum ck_ext_conversion conversion;
	enum ck_ext_nullbytes nullbytes;
};

/* dataFrom[].find */
struct ck_ext_find {
	const char *path;        /* NULL: the mount root */
	const char *name_regexp; /* NULL: select by tags */
	struct ck_ext_kv *tags;
	size_t ntags;
	enum ck_ext_decoding decoding;
	enum ck_ext_conversion conversion;
	enum ck_ext_nullbytes nullbytes;
};

struct ck_ext_store_ref {
	const char *name;  /* NULL: not given */
	int cluster;       /* kind ClusterSecretStore */
};

struct ck_ext_data {
	const char *secret_key;
	struct ck_ext_ref ref;
	struct ck_ext_store_ref store; /* sourceRef.storeRef; name NULL: spec.secretStoreRef */
	uint32_t line;
};

enum ck_ext_rewrite_kind { CK_EXT_RW_REGEXP, CK_EXT_RW_TRANSFORM, CK_EXT_RW_MERGE };

struct ck_ext_rewrite {
	enum ck_ext_rewrite_kind kind;
	const char *source, *target;   /* regexp */
	const char *tmpl;              /* transform.template */
	const char *into;              /* merge */
	const char **priority;
	size_t npriority;
	int ignore_not_found;          /* priorityPolicy IgnoreNotFound */
	int ignore_conflicts;          /* conflictPolicy Ignore */
	int strategy_json;             /* strategy JSON (else Extract) */
};

struct ck_ext_data_from {
	int is_find;
	struct ck_ext_ref extract;
	struct ck_ext_find find;
	struct ck_ext_store_ref store;
	struct ck_ext_rewrite *rewrite;
	size_t nrewrite;
	uint32_t line;
};

enum ck_ext_creation {
	CK_EXT_CREATE_OWNER, CK_EXT_CREATE_ORPHAN, CK_EXT_CREATE_MERGE, CK_EXT_CREATE_NONE,
	CK_EXT_CREATE_OR_MERGE,
};
enum ck_ext_deletion { CK_EXT_DELETE_RETAIN, CK_EXT_DELETE_DELETE, CK_EXT_DELETE_MERGE };

enum ck_ext_tmpl_target { CK_EXT_TT_DATA, CK_EXT_TT_ANNOTATIONS, CK_EXT_TT_LABELS };

struct ck_ext_tmpl_item {
	const char *key;
	int keys_and_values;   /* templateAs KeysAndValues (else Values) */
};

struct ck_ext_tmpl_from {
	int kind;              /* 0 configMap, 1 secret, 2 literal */
	const char *name;
	struct ck_ext_tmpl_item *items;
	size_t nitems;
	const char *literal;
	enum ck_ext_tmpl_target target;
};

struct ck_ext_template {
	int present;
	const char *type;      /* NULL: Opaque */
	struct ck_ext_kv *labels, *annotations, *data;
	size_t nlabels, nannotations, ndata;
	struct ck_ext_tmpl_from *from;
	size_t nfrom;
	int merge;             /* mergePolicy Merge */
};

enum ck_ext_refresh_policy { CK_EXT_REFRESH_PERIODIC, CK_EXT_REFRESH_CREATED_ONCE, CK_EXT_REFRESH_ON_CHANGE };

struct ck_ext_es {
	const char *file;
	uint32_t line;
	int v1beta1;
	const char *name, *ns, *uid;
	struct ck_ext_kv *labels, *annotations;
	size_t nlabels, nannotations;
	struct ck_ext_store_ref store;
	long long refresh_interval_ms;    /* spec.refreshInterval; CRD default 1h; 0: never again */
	enum ck_ext_refresh_policy refresh_policy;
	const char *target_name;          /* NULL: metadata.name */
	enum ck_ext_creation creation;
	enum ck_ext_deletion deletion;
	int immutable;
	struct ck_ext_template tmpl;
	struct ck_ext_data *data;
	size_t ndata;
	struct ck_ext_data_from *data_from;
	size_t ndata_from;
	unsigned problems;                /* problems recorded against this object */
};

/* A key of a Secret in the cluster (SecretKeySelector). */
struct ck_ext_secret_ref {
	const char *name;      /* NULL: not set */
	const char *key;
	const char *ns;        /* NULL: the store's (or, for a ClusterSecretStore, the ES's) */
};

enum ck_ext_provider_kind { CK_EXT_PROV_NONE, CK_EXT_PROV_VAULT, CK_EXT_PROV_AWS };

enum ck_ext_vault_auth {
	CK_EXT_VAULT_AUTH_NONE, CK_EXT_VAULT_AUTH_TOKEN, CK_EXT_VAULT_AUTH_APPROLE,
	CK_EXT_VAULT_AUTH_KUBERNETES, CK_EXT_VAULT_AUTH_JWT, CK_EXT_VAULT_AUTH_LDAP,
	CK_EXT_VAULT_AUTH_USERPASS, CK_EXT_VAULT_AUTH_CERT,
};

struct ck_ext_store {
	const char *file;
	uint32_t line;
	int cluster;                      /* ClusterSecretStore */
	const char *name, *ns;
	const char *controller;           /* spec.controller class, or NULL */
	enum ck_ext_provider_kind provider;
	struct {
		const char *server;
		const char *path;             /* NULL: keys carry the mount */
		int version;                  /* 1 or 2 */
		const char *ns;               /* X-Vault-Namespace */
		const char *ca_bundle;        /* PEM text (decoded from base64) or NULL */
		size_t ca_bundle_len;
		const char *ca_provider_type; /* "Secret" / "ConfigMap" / NULL */
		struct ck_ext_secret_ref ca_provider;
		struct ck_ext_secret_ref tls_cert, tls_key;
		int read_your_writes, forward_inconsistent;
		struct ck_ext_kv *headers;
		size_t nheaders;
		enum ck_ext_vault_auth auth;
		const char *auth_mount;       /* path / mountPath; NULL: the method's default */
		const char *auth_ns;          /* auth.namespace */
		const char *role;             /* kubernetes / jwt role; cert vaultRole */
		const char *role_id;          /* appRole roleId */
		struct ck_ext_secret_ref role_ref; /* appRole roleRef */
		const char *username;         /* ldap / userPass */
		struct ck_ext_secret_ref secret; /* token / secret_id / jwt / password / cert key */
		struct ck_ext_secret_ref client_cert; /* cert auth */
		const char *sa_name;          /* serviceAccountRef (needs a cluster) */
	} vault;
	struct {
		const char *region, *role, *prefix, *external_id;
		struct ck_ext_secret_ref akid, secret_key, session_token;
		int jwt;                      /* auth.jwt (IRSA via a service account) */
	} aws;
	int have_retry;
	int retry_max;
	long retry_interval_ms;
	const char **cond_namespaces;     /* ClusterSecretStore conditions, flattened */
	size_t ncond_namespaces;
	const char **cond_regexes;
	size_t ncond_regexes;
	int conditions;                   /* 1: spec.conditions present */
	unsigned problems;
};

/* A Kubernetes Secret or ConfigMap given alongside (credentials, templates). */
struct ck_ext_object {
	int secret;                       /* 1 Secret, 0 ConfigMap */
	const char *file;
	const char *name, *ns;
	struct ck_ext_map *data;          /* decoded values (secret memory) */
};

struct ck_ext_problem {
	const char *file;
	uint32_t line;
	int code;                         /* CK_EINVAL, CK_EUNSUPPORTED, ... */
	char *msg;                        /* "PATH: MESSAGE" */
};

struct ck_ext_set {
	struct ck_ext_es **es;
	size_t nes;
	struct ck_ext_store **stores;
	size_t nstores;
	struct ck_ext_object **objects;
	size_t nobjects;
	struct ck_ext_problem *problems;
	size_t nproblems;
	size_t nignored;                  /* documents of other kinds */
	struct ck_ext_set_priv *priv;
};

int ck_ext_set_new(struct ck_ext_set **out) CK_WUR;
void ck_ext_set_free(struct ck_ext_set *s);

/*
 * Read a YAML stream (one or more documents) named `file` into the set.
 * Lines that are exactly "{% raw %}" / "{% endraw %}" (mkdocs markers in
 * ESO's examples) are dropped first. Returns CK_EINVAL when the text is not
 * YAML (message "FILE: line L, column C: ..."); problems inside documents
 * are recorded in s->problems instead. CK_ENOMEM, CK_ETOOBIG.
 */
int ck_ext_set_add(struct ck_ext_set *s, const char *file, const char *text, size_t n) CK_WUR;

/*
 * Cross-object checks that need the whole set: each ExternalSecret's stores
 * are present (when any store was given at all), the store's provider can
 * serve what the ExternalSecret asks (e.g. metadataPolicy Fetch on KV v1),
 * ClusterSecretStore conditions admit the namespace, templates parse.
 * Appends to s->problems. Call after the last ck_ext_set_add.
 */
int ck_ext_set_check(struct ck_ext_set *s) CK_WUR;

/* The store an ExternalSecret entry uses (ref->name NULL: spec's), or NULL. */
const struct ck_ext_store *ck_ext_set_find_store(const struct ck_ext_set *s,
                                                 const struct ck_ext_es *es,
                                                 const struct ck_ext_store_ref *ref);

/* ------------------------------------------------------------------ maps */

/*
 * String keys to byte values, kept sorted by key, in secret memory. Used for
 * provider answers and Secret data.
 */
struct ck_ext_map;

struct ck_ext_map *ck_ext_map_new(void);
void ck_ext_map_free(struct ck_ext_map *m);
/* Insert or replace; key and value are copied. CK_ENOMEM, CK_ETOOBIG. */
int ck_ext_map_set(struct ck_ext_map *m, const char *key, size_t klen, const void *val,
                   size_t vlen) CK_WUR;
size_t ck_ext_map_len(const struct ck_ext_map *m);
const char *ck_ext_map_key(const struct ck_ext_map *m, size_t i, size_t *klen);
const uint8_t *ck_ext_map_value(const struct ck_ext_map *m, size_t i, size_t *vlen);
/* Value for key, or NULL. */
const uint8_t *ck_ext_map_get(const struct ck_ext_map *m, const char *key, size_t klen,
                              size_t *vlen);
void ck_ext_map_clear(struct ck_ext_map *m);

/* ------------------------------------------------------------- rendering */

/*
 * Where Secrets and ConfigMaps referenced by stores (credentials, CA) and
 * templates (templateFrom) come from. get() appends the value of `key` in
 * object kind ("Secret" / "ConfigMap") ns/name to out (secure), or returns
 * CK_ENOTFOUND. NULL resolver: the objects of the set.
 */
struct ck_ext_resolver {
	int (*get)(void *arg, const char *kind, const char *ns, const char *name,
	           const char *key, struct ck_buf *out);
	void *arg;
};

struct ck_ext_provider;

struct ck_ext_session_opts {
	/*
	 * Run by a person: VAULT_ADDR / VAULT_NAMESPACE override the store's
	 * server / namespace when set, and credentials the manifests do not
	 * provide come from VAULT_TOKEN / ~/.vault-token and the AWS default
	 * chain (AWS_* variables, shared files).
	 */
	int env;
	const struct ck_ext_resolver *resolver;
	int max_retries;       /* < 0: the store's retrySettings or the client default */
	long retry_wait_ms;    /* 0: default */
	const char *ns;        /* namespace of ExternalSecrets that set none; NULL: "default" */
};

#define CK_EXT_SESSION_OPTS_INIT { 0, NULL, -1, 0, NULL }

/*
 * A rendering session: provider clients are created on first use per store
 * and reused for every ExternalSecret rendered with the session (one Vault
 * client, its connection and its login per store). Tokens obtained by a
 * login are revoked when the session is freed.
 */
struct ck_ext_session;

int ck_ext_session_new(struct ck_ext_session **out, const struct ck_ext_set *set,
                       const struct ck_ext_session_opts *opts) CK_WUR;
void ck_ext_session_free(struct ck_ext_session *s);

/* Use `p` for the store name/cluster instead of building one (tests). Takes ownership. */
int ck_ext_session_set_provider(struct ck_ext_session *s, const char *store_name, int cluster,
                                struct ck_ext_provider *p) CK_WUR;

/* Requests sent through the session's providers so far (as counted by them). */
size_t ck_ext_session_requests(const struct ck_ext_session *s);

enum ck_ext_outcome {
	CK_EXT_SYNCED,        /* a Secret to write */
	CK_EXT_RETAINED,      /* provider returned nothing; deletionPolicy Retain keeps the Secret */
	CK_EXT_DELETED,       /* provider returned nothing; deletionPolicy Delete removes it */
	CK_EXT_NOT_MANAGED,   /* creationPolicy None: ESO leaves the Secret alone */
};

struct ck_ext_secret {
	enum ck_ext_outcome outcome;
	char *name, *ns, *type;
	struct ck_ext_map *labels;
	struct ck_ext_map *annotations;
	struct ck_ext_map *data;          /* secret memory */
	int immutable;
	int merge;                        /* creationPolicy Merge / CreateOrMerge: merge into an existing Secret */
	int owner;                        /* creationPolicy Owner: controller ownerReference to the ES */
	char *owner_name, *owner_uid, *owner_api_version;
};

void ck_ext_secret_init(struct ck_ext_secret *sec);
void ck_ext_secret_dispose(struct ck_ext_secret *sec);

/*
 * Fetch every entry from the providers and build the Secret ESO would write
 * for `es`: dataFrom in order, then data (later keys win), rewrites, key
 * conversion and validation, decoding strategies, templates (ESO's engine v2),
 * the labels and annotations ESO adds (managed, created-by for Owner,
 * data-hash). Never an empty Secret as success: a provider failure is an
 * error; "no data at all" is reported through sec->outcome as ESO would
 * (Retain / Delete), never as a synced empty Secret.
 * Errors carry "FILE: ExternalSecret NS/NAME: spec.data[0] (key: foo): ..."
 * context. CK_ENOTFOUND (a secret is missing), CK_EDENIED, CK_ENET, CK_EINVAL,
 * CK_EUNSUPPORTED.
 */
int ck_ext_render(struct ck_ext_session *s, const struct ck_ext_es *es,
                  struct ck_ext_secret *out) CK_WUR;

/*
 * The Secret as a Kubernetes manifest (kubectl's YAML layout: apiVersion,
 * kind, metadata with sorted labels/annotations and ownerReferences, type,
 * immutable, data in base64 with sorted keys). Appended to out (secure).
 */
int ck_ext_secret_yaml(struct ck_buf *out, const struct ck_ext_secret *sec) CK_WUR;

/*
 * Render many ExternalSecrets (ESO's --concurrent): `jobs` worker threads
 * (1: the calling thread only), each with its own session, so each holds its
 * own provider clients and connections, reused for every ExternalSecret it
 * renders. res[i] receives the outcome of es[i]: rc (CK_OK or the error, its
 * message in err), the Secret's manifest in yaml (secret memory) when
 * synced. Returns CK_OK when every render succeeded, else the first
 * failing es's code (results of the others are still filled in).
 * *requests (may be NULL) gets the provider requests made in total.
 */
struct ck_ext_result {
	int rc;
	enum ck_ext_outcome outcome;
	struct ck_buf yaml;
	char err[CK_ERR_MSG_MAX];
};

void ck_ext_result_init(struct ck_ext_result *r);
void ck_ext_result_dispose(struct ck_ext_result *r);

int ck_ext_render_all(const struct ck_ext_set *set, const struct ck_ext_es *const *es, size_t n,
                      const struct ck_ext_session_opts *opts, unsigned jobs,
                      struct ck_ext_result *res, size_t *requests) CK_WUR;

/*
 * ESO's Ready condition for a render result (spec section 7): status
 * "True"/"False", reason SecretSynced / SecretSyncedError / SecretDeleted,
 * and ESO's message. rc is ck_ext_render's return; sec its output.
 */
struct ck_ext_condition {
	const char *status;
	const char *reason;
	const char *message;
};
void ck_ext_condition_for(struct ck_ext_condition *out, int rc, const struct ck_ext_secret *sec);

/* ESO's hash: hex SHA3-224 of s (label created-by, annotation data-hash). */
int ck_ext_object_hash(char out[57], const void *s, size_t n);

#endif
