/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The sops commands as library calls (the CLI only parses flags, reads and
 * writes files and runs programs). Every operation takes the input text,
 * returns the output text, and never writes anything itself; on error
 * ck_err_last()->exit_override carries sops's exit status.
 */
#ifndef CK_SOPS_OPS_H
#define CK_SOPS_OPS_H

#include "ck/buf.h"
#include "ck/sops.h"
#include "ck/sops_keysource.h"
#include "ck/sops_meta.h"

/* Options shared by the commands (flags and environment, already read). */
struct ck_sops_opts {
	const char *config_path;       /* --config / SOPS_CONFIG (NULL: search) */
	const char *file_path;         /* path used for .sops.yaml rules (file or --filename-override) */
	enum ck_sops_format in_fmt;    /* NONE: from file_path */
	enum ck_sops_format out_fmt;   /* NONE: same as input */
	/* master keys from flags, comma separated lists (replace the config's) */
	const char *keys[CK_SOPS_K_NTYPES];
	const char *aws_profile;
	const char *kms_context;
	/* encryption rule flags */
	enum ck_sops_rule rule;
	const char *rule_value;
	int nrules;                    /* > 1: conflicting parameters (exit 8) */
	int mac_only;                  /* --mac-only-encrypted */
	int shamir_threshold;          /* --shamir-secret-sharing-threshold (0: config) */
	int indent;                    /* --indent (0: store default/config) */
	int ignore_mac;
	/* encrypt/decrypt to YAML: stream the output (ck_sops_emit_opts.flush) */
	int (*flush)(void *ctx, const void *p, size_t n);
	void *flush_ctx;
};

void ck_sops_opts_init(struct ck_sops_opts *o);

/*
 * The master keys and rule for encrypting file_path: flags win, else the
 * first matching .sops.yaml creation rule. Exit 111 when there is no key.
 */
int ck_sops_resolve_meta(struct ck_sops_meta *m, const struct ck_sops_opts *o) CK_WUR;

/* sops encrypt: plaintext in (secure buffer, taken over), the encrypted file out. */
int ck_sops_op_encrypt(struct ck_buf *out, struct ck_buf *plain, const struct ck_sops_opts *o,
                       struct ck_sops_keyctx *ctx) CK_WUR;

/*
 * sops decrypt: the plaintext (out: a secure buffer). extract, when not
 * NULL, is an --extract path: a string leaf is written raw, a map as a
 * document, anything else as the store writes a single value.
 */
int ck_sops_op_decrypt(struct ck_buf *out, struct ck_buf *enc, const struct ck_sops_opts *o,
                       struct ck_sops_keyctx *ctx, const char *extract) CK_WUR;

/* sops rotate: new data key; add[t]/rm[t] are comma separated keys per type. */
int ck_sops_op_rotate(struct ck_buf *out, struct ck_buf *enc, const struct ck_sops_opts *o,
                      struct ck_sops_keyctx *ctx, const char *const add[CK_SOPS_K_NTYPES],
                      const char *const rm[CK_SOPS_K_NTYPES]) CK_WUR;

/*
 * sops updatekeys: make the keys match .sops.yaml, same data key. *changed
 * 0 when already up to date (out untouched); diff gets one "+ key" / "- key"
 * line per change.
 */
int ck_sops_op_updatekeys(struct ck_buf *out, struct ck_buf *enc, const struct ck_sops_opts *o,
                          struct ck_sops_keyctx *ctx, struct ck_buf *diff, int *changed) CK_WUR;

/*
 * sops set: value is JSON; unchanged values keep their ciphertext. With
 * idempotent, *changed 0 means the value was already there (out untouched).
 */
int ck_sops_op_set(struct ck_buf *out, struct ck_buf *enc, const struct ck_sops_opts *o,
                   struct ck_sops_keyctx *ctx, const char *path, const char *json_value,
                   size_t json_len, int idempotent, int *changed) CK_WUR;

/* sops unset; with idempotent a missing key is not an error (*changed 0). */
int ck_sops_op_unset(struct ck_buf *out, struct ck_buf *enc, const struct ck_sops_opts *o,
                     struct ck_sops_keyctx *ctx, const char *path, int idempotent,
                     int *changed) CK_WUR;

/* sops filestatus: 1 if the text is an encrypted sops file (metadata with version and mac). */
int ck_sops_op_is_encrypted(const void *text, size_t n, enum ck_sops_format fmt);

/*
 * sops edit, in two halves around the editor. open: decrypt (or, when enc
 * is NULL, start a new file with sops's example) and give the plaintext to
 * show (with the metadata when show_keys); the state keeps the data key and
 * IVs. close: the edited plaintext (taken over) -> the encrypted file; values
 * the user did not change keep their exact ciphertext.
 */
struct ck_sops_edit;
int ck_sops_edit_open(struct ck_sops_edit **out, struct ck_buf *shown, struct ck_buf *enc,
                      const struct ck_sops_opts *o, struct ck_sops_keyctx *ctx, int show_keys) CK_WUR;
int ck_sops_edit_close(struct ck_sops_edit *e, struct ck_buf *out, struct ck_buf *edited,
                       struct ck_sops_keyctx *ctx) CK_WUR;
void ck_sops_edit_free(struct ck_sops_edit *e);

/* The dotenv form of a decrypted file's top level (exec-env). */
int ck_sops_op_env(struct ck_buf *out, struct ck_buf *enc, const struct ck_sops_opts *o,
                   struct ck_sops_keyctx *ctx) CK_WUR;

#endif
