/* SPDX-License-Identifier: Apache-2.0 */
/*
 * SOPS master keys and the key-source interface.
 *
 * A SOPS file's data key (32 random bytes) is wrapped once per master key;
 * with several key groups it is first split with Shamir and every key of
 * group i wraps share i. A master key is a struct ck_sops_key: its type, the
 * fields sops stores for it in the metadata, and the wrapped key (`enc`).
 * Everything type-specific lives behind a struct ck_sops_keysource, one per
 * type, in a registry:
 *
 *   type      metadata list  fields (besides enc, created_at)       here
 *   age       age            recipient (no created_at)               age.h
 *   pgp       pgp            fp                                      gpg binary
 *   kms       kms            arn, role?, context?, aws_profile       stub (*)
 *   gcp_kms   gcp_kms        resource_id                             stub
 *   azure_kv  azure_kv       vault_url, name, version                stub
 *   hc_vault  hc_vault       vault_address, engine_path, key_name    stub (*)
 *   hckms     hckms          key_id                                  stub
 *
 * Stubs parse, keep and re-write their metadata byte for byte, and answer
 * wrap/unwrap with CK_EUNSUPPORTED ("needs Vault support (not yet
 * available)"), so a file that also has an age or PGP key still decrypts.
 *
 * (*) Adding a real key source (e.g. Vault transit, AWS KMS over ck_net):
 *   1. Write `static int my_wrap(...)`, `static int my_unwrap(...)` with the
 *      contracts below; they may read k->fields (ck_sops_key_field()) and
 *      ctx (environment, timeouts).
 *   2. Fill a struct ck_sops_keysource copying the built-in one for the type
 *      (ck_sops_keysource_get()) and replacing wrap/unwrap (keep `parse`,
 *      `describe` and the field list unless the format changes).
 *   3. Call ck_sops_keysource_register(&mine) once at start-up (the CLI does
 *      it in cli/setup.c for CK_NEEDS_NET commands; the controller likewise).
 * Nothing else in the sops module changes: metadata reading/writing, key
 * groups, Shamir, decryption order and error reports go through this table.
 */
#ifndef CK_SOPS_KEYSOURCE_H
#define CK_SOPS_KEYSOURCE_H

#include <stddef.h>
#include <stdint.h>

#include "ck/buf.h"
#include "ck/err.h"

/* Types in the order sops reads them into a key group. */
enum ck_sops_ktype {
	CK_SOPS_K_KMS = 0,
	CK_SOPS_K_GCP_KMS,
	CK_SOPS_K_HCKMS,
	CK_SOPS_K_AZURE_KV,
	CK_SOPS_K_HC_VAULT,
	CK_SOPS_K_PGP,
	CK_SOPS_K_AGE,
	CK_SOPS_K_NTYPES
};

/* A string field of a key's metadata (name as sops writes it). */
struct ck_sops_kv {
	char *name;
	char *value;
};

struct ck_sops_key {
	enum ck_sops_ktype type;
	char *enc;        /* wrapped data key as stored in the file; NULL before wrap */
	char *created_at; /* RFC 3339 UTC seconds; NULL for types without it (age) */
	/* Every other field (recipient, fp, arn, role, aws_profile, vault_url...). */
	struct ck_sops_kv *fields;
	size_t nfields;
	/* kms only: the encryption context map. */
	struct ck_sops_kv *context;
	size_t ncontext;
};

/*
 * What key sources may need at run time. The CLI fills it from the
 * environment (SOPS_AGE_KEY..., GNUPGHOME, SOPS_GPG_EXEC) and flags.
 */
struct ck_age_identities;
struct ck_sops_keyctx {
	struct ck_age_identities *age_ids; /* loaded lazily by the age source */
	int age_loaded;
	const char *gpg_exec;   /* NULL: $SOPS_GPG_EXEC or "gpg" */
	const char *gnupghome;  /* NULL: $GNUPGHOME (gpg's default) */
	const char *order[CK_SOPS_K_NTYPES]; /* decryption order by name; NULL-ended */
	size_t norder;
	/* One line per failed key, for the "Failed to get the data key" report. */
	struct ck_buf report;
	/* Set by key sources that must not prompt (tests, the controller). */
	int batch;
	void *ext; /* for key sources added later (net client, tokens) */
};

struct ck_sops_keysource {
	enum ck_sops_ktype type;
	const char *name;              /* metadata list name and decryption-order name */
	const char *const *fields;     /* field names besides enc/created_at, NULL-ended */
	const char *const *omitempty;  /* fields written only when non-empty, NULL-ended */
	int has_created_at;
	/*
	 * Build a key from the string users give in .sops.yaml or on the
	 * command line ("age1...", a fingerprint, "arn:...[+arn:role]", a Vault
	 * URI). Fills k->fields; CK_EINVAL with a message on a bad string.
	 */
	int (*parse)(struct ck_sops_key *k, const char *s, size_t n);
	/*
	 * Wrap n bytes (the data key or a Shamir share; secret) for this key:
	 * set k->enc (heap, ck_strdup) and k->created_at when the type has it.
	 * Errors: CK_ECRYPTO, CK_ENET, CK_EUNSUPPORTED, with a message naming
	 * the key (describe()).
	 */
	int (*wrap)(struct ck_sops_key *k, const uint8_t *dk, size_t n, struct ck_sops_keyctx *ctx);
	/*
	 * Unwrap k->enc, appending the plaintext to out (a secure buffer).
	 * CK_ENOKEY when no key material available here can open it, other
	 * codes for real failures; the message is one line without secrets.
	 */
	int (*unwrap)(const struct ck_sops_key *k, struct ck_buf *out, struct ck_sops_keyctx *ctx);
	/* Identity for messages, de-duplication and --rm-*: the string sops shows. */
	int (*describe)(const struct ck_sops_key *k, struct ck_buf *out);
};

/* The source for a type (never NULL for a valid type). */
const struct ck_sops_keysource *ck_sops_keysource_get(enum ck_sops_ktype type);
/* By metadata name ("age", "pgp", "kms", "gcp_kms", "azure_kv", "hc_vault", "hckms"). */
const struct ck_sops_keysource *ck_sops_keysource_by_name(const char *name);
/* Replace the implementation of ks->type (the struct must outlive its use). */
void ck_sops_keysource_register(const struct ck_sops_keysource *ks);

/* Key objects. */
struct ck_sops_key *ck_sops_key_new(enum ck_sops_ktype type);
void ck_sops_key_free(struct ck_sops_key *k);
int ck_sops_key_clone(struct ck_sops_key **out, const struct ck_sops_key *k) CK_WUR;
/* Field value or NULL. */
const char *ck_sops_key_field(const struct ck_sops_key *k, const char *name);
/* Set (copy) a field, replacing an existing one. */
int ck_sops_key_set_field(struct ck_sops_key *k, const char *name, const char *value) CK_WUR;
int ck_sops_key_add_context(struct ck_sops_key *k, const char *name, const char *value) CK_WUR;
/* "age1..." or the fingerprint etc. (describe()); appended to out. */
int ck_sops_key_describe(const struct ck_sops_key *k, struct ck_buf *out) CK_WUR;
/* 1 if both keys name the same master key (same type and identity). */
int ck_sops_key_same(const struct ck_sops_key *a, const struct ck_sops_key *b);
/* Parse a user string for a type (calls the source's parse). */
int ck_sops_key_parse(struct ck_sops_key **out, enum ck_sops_ktype type, const char *s) CK_WUR;

void ck_sops_keyctx_init(struct ck_sops_keyctx *ctx);
void ck_sops_keyctx_dispose(struct ck_sops_keyctx *ctx);
/* "age,pgp" style order (SOPS_DECRYPTION_ORDER); CK_EUSAGE on an unknown name. */
int ck_sops_keyctx_set_order(struct ck_sops_keyctx *ctx, const char *list) CK_WUR;

/* Current UTC time as sops writes created_at/lastmodified ("2006-01-02T15:04:05Z"). */
int ck_sops_now_rfc3339(struct ck_buf *out) CK_WUR;

#endif
