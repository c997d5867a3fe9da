/* SPDX-License-Identifier: Apache-2.0 */
/*
 * SOPS-compatible file encryption (getsops/sops 3.x). Spec:
 * shared/specs/sops.md. A SOPS file keeps its keys and structure readable and
 * encrypts each value with AES-256-GCM under a random data key that is
 * wrapped for every master key (age, PGP, and later Vault transit / AWS KMS).
 *
 * The work unit is a struct ck_sops_file: a document tree (ck/sops_tree.h),
 * the metadata (ck/sops_meta.h) and the format it came in. The flow of every
 * command is read -> (decrypt | encrypt | edit) -> emit; each step is one
 * call here, and the CLI (cli/cmd_sops.c) only glues them together.
 *
 * Errors follow ck/err.h. Every failure also carries SOPS's exit status in
 * ck_err_last()->exit_override (table 9.1 of the spec, enum ck_sops_exit),
 * so `sops` callers get exactly the status real sops returns.
 */
#ifndef CK_SOPS_H
#define CK_SOPS_H

#include <stddef.h>
#include <stdint.h>

#include "ck/buf.h"
#include "ck/err.h"
#include "ck/sops_meta.h"

/* SOPS's exit statuses (cmd/sops/codes). */
enum ck_sops_exit {
	CK_SOPS_EXIT_ERROR_GENERIC = 1,
	CK_SOPS_EXIT_COULD_NOT_READ_INPUT_FILE = 2,
	CK_SOPS_EXIT_COULD_NOT_WRITE_OUTPUT_FILE = 3,
	CK_SOPS_EXIT_ERROR_DUMPING_TREE = 4,
	CK_SOPS_EXIT_ERROR_READING_CONFIG = 5,
	CK_SOPS_EXIT_ERROR_INVALID_KMS_ENCRYPTION_CONTEXT_FORMAT = 6,
	CK_SOPS_EXIT_ERROR_INVALID_SET_FORMAT = 7,
	CK_SOPS_EXIT_ERROR_CONFLICTING_PARAMETERS = 8,
	CK_SOPS_EXIT_ERROR_ENCRYPTING_MAC = 21,
	CK_SOPS_EXIT_ERROR_ENCRYPTING_TREE = 23,
	CK_SOPS_EXIT_ERROR_DECRYPTING_MAC = 24,
	CK_SOPS_EXIT_ERROR_DECRYPTING_TREE = 25,
	CK_SOPS_EXIT_CANNOT_CHANGE_KEYS_FROM_NONEXISTENT_FILE = 49,
	CK_SOPS_EXIT_MAC_MISMATCH = 51,
	CK_SOPS_EXIT_MAC_NOT_FOUND = 52,
	CK_SOPS_EXIT_CONFIG_FILE_NOT_FOUND = 61,
	CK_SOPS_EXIT_KEYBOARD_INTERRUPT = 85,
	CK_SOPS_EXIT_INVALID_TREE_PATH_FORMAT = 91,
	CK_SOPS_EXIT_NEED_AT_LEAST_ONE_DOCUMENT = 92,
	CK_SOPS_EXIT_NO_FILE_SPECIFIED = 100,
	CK_SOPS_EXIT_NO_ENCRYPTION_KEY_FOUND = 111,
	CK_SOPS_EXIT_DUPLICATE_DECRYPTION_KEY_TYPE = 112,
	CK_SOPS_EXIT_COULD_NOT_RETRIEVE_KEY = 128,
	CK_SOPS_EXIT_NO_FILE_MODIFIED = 200,
	CK_SOPS_EXIT_NO_EDITOR_FOUND = 201,
	CK_SOPS_EXIT_FAILED_TO_COMPARE_VERSIONS = 202,
	CK_SOPS_EXIT_FILE_ALREADY_ENCRYPTED = 203,
};

/* The version cloak writes into the metadata (what sops 3.13 readers expect). */
#define CK_SOPS_VERSION "3.13.2"

enum ck_sops_format {
	CK_SOPS_FMT_NONE = 0,
	CK_SOPS_FMT_YAML,
	CK_SOPS_FMT_JSON,
	CK_SOPS_FMT_DOTENV,
	CK_SOPS_FMT_INI,
	CK_SOPS_FMT_BINARY,
};

/* By extension, as sops does: .yaml/.yml, .json, .env, .ini, else binary. */
enum ck_sops_format ck_sops_format_from_path(const char *path);
/* "yaml", "json", "dotenv", "ini", "binary" (CK_EUSAGE otherwise). */
int ck_sops_format_from_name(enum ck_sops_format *out, const char *name) CK_WUR;
const char *ck_sops_format_name(enum ck_sops_format f);

struct ck_sops_tree;
struct ck_sops_keyctx;
struct ck_sops_ivcache;

/* A document with its metadata. */
struct ck_sops_file {
	enum ck_sops_format fmt;
	struct ck_sops_tree *tree;
	struct ck_sops_meta meta; /* valid when has_meta */
	int has_meta;
	int encrypted;            /* values are ENC[...] (as read, or after encrypt) */
	uint8_t *datakey;         /* 32 bytes in secret memory once known, else NULL */
	struct ck_sops_ivcache *ivcache; /* IVs of decrypted values (CK_SOPS_KEEP_IVS) */
	long long growth;         /* text bytes gained by encryption / lost by decryption:
	                           * sizes the output buffer once (no regrowth copies) */
};

/* ck_sops_file_read flags. */
#define CK_SOPS_PLAINTEXT 1u /* text is plaintext: no metadata; "sops" key -> exit 203 */

/*
 * Parse text in format fmt. The buffer's contents are taken over (text is
 * left empty); for plaintext it must be a secure buffer. Encrypted input must
 * carry metadata (CK_EINVAL "sops metadata not found" otherwise).
 * Errors: CK_EINVAL with "yaml: line N: ..." style messages (exit 2),
 * CK_ENOMEM, CK_ETOOBIG.
 */
int ck_sops_file_read(struct ck_sops_file **out, struct ck_buf *text, enum ck_sops_format fmt,
                      unsigned flags) CK_WUR;
void ck_sops_file_free(struct ck_sops_file *f);

/* Recover the data key from the metadata (Shamir-combined). Exit 128 on failure. */
int ck_sops_file_datakey(struct ck_sops_file *f, struct ck_sops_keyctx *ctx) CK_WUR;

/* ck_sops_file_decrypt flags. */
#define CK_SOPS_IGNORE_MAC 1u
#define CK_SOPS_KEEP_IVS 2u /* remember IVs so re-encryption keeps unchanged values */

/*
 * Decrypt every value in place and check the MAC (exit 51 on mismatch).
 * Gets the data key if needed. On failure the tree may be partly decrypted:
 * the caller must not emit it, only free it.
 */
int ck_sops_file_decrypt(struct ck_sops_file *f, struct ck_sops_keyctx *ctx, unsigned flags) CK_WUR;

/* ck_sops_file_encrypt flags. */
#define CK_SOPS_NEW_DATAKEY 1u /* draw a fresh data key and wrap it for every key */

/*
 * Encrypt the (plaintext) tree with f->meta's rule and keys: a new data key
 * when there is none yet or CK_SOPS_NEW_DATAKEY (wrapped for every master
 * key, Shamir-split over key groups), then every selected value, the MAC,
 * lastmodified = now, version = CK_SOPS_VERSION. Unchanged values keep their
 * ciphertext when f->ivcache holds their IVs and the data key is unchanged.
 */
int ck_sops_file_encrypt(struct ck_sops_file *f, struct ck_sops_keyctx *ctx, unsigned flags) CK_WUR;

/* Wrap f->datakey for every master key of f->meta (updatekeys, rotate). */
int ck_sops_file_wrap_keys(struct ck_sops_file *f, struct ck_sops_keyctx *ctx) CK_WUR;

struct ck_sops_emit_opts {
	int yaml_indent; /* 0: 4 */
	int json_indent; /* -1: tab (sops's default), else spaces */
	/*
	 * YAML only, optional: whole lines are handed to flush whenever 64 KiB
	 * are pending, and out is emptied, so a big file is never held whole;
	 * the rest stays in out. flush returns CK_OK or an error that stops the
	 * writer. On an error what was flushed stays flushed (the writer only
	 * fails on CK_ENOMEM or flush errors).
	 */
	int (*flush)(void *ctx, const void *p, size_t n);
	void *flush_ctx;
};
#define CK_SOPS_EMIT_OPTS_INIT { 4, -1, NULL, NULL }

/*
 * Serialise in format fmt (may differ from f->fmt): with the metadata when
 * f->encrypted, else the plaintext as sops decrypt prints it. Append to out
 * (use a secure buffer for plaintext).
 */
int ck_sops_file_emit(struct ck_buf *out, const struct ck_sops_file *f, enum ck_sops_format fmt,
                      const struct ck_sops_emit_opts *o) CK_WUR;

#endif
