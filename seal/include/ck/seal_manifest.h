/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The SealedSecret resource (bitnami.com/v1alpha1) as kubeseal writes it and
 * the controller reads it, over the document tree (ck/doc.h).
 *
 * Sealing (kubeseal Seal + NewSealedSecret): a v1 Secret tree becomes a
 * SealedSecret tree. `data` is strict base64, `stringData` plain strings
 * (sealed after data, so it wins on duplicates). The SealedSecret's metadata
 * holds name, namespace and the scope annotation; spec.template.metadata is
 * a copy of the Secret's metadata without server-side fields,
 * ownerReferences and last-applied annotations; type and immutable are
 * copied. Trees are built in kubeseal's JSON field order (Go structs, maps
 * sorted); YAML output re-sorts keys as sigs.k8s.io/yaml does.
 *
 * Unsealing (SealedSecret.Unseal): the scope comes from the SealedSecret's
 * own metadata.annotations (value exactly "true"; cluster-wide wins), every
 * encryptedData item is opened with a keyring, template.data is rendered
 * (see seal/template.c for the supported subset), and the Secret gets the
 * template's metadata, type and immutable, the SealedSecret's name and
 * namespace, and a controller ownerReference unless the template carries
 * skip-set-owner-references: "true". The deprecated spec.data whole-Secret
 * form is accepted unless the caller refuses it.
 *
 * Every error is one line: "seal: <source>: <path>: what is wrong". Messages
 * never contain secret bytes. Trees holding plaintext use CK_DOC_SECURE.
 */
#ifndef CK_SEAL_MANIFEST_H
#define CK_SEAL_MANIFEST_H

#include <stddef.h>

#include "ck/buf.h"
#include "ck/doc.h"
#include "ck/rsa.h"
#include "ck/seal.h"

enum ck_seal_format { CK_SEAL_FORMAT_JSON = 0, CK_SEAL_FORMAT_YAML = 1 };

/* "json" or "yaml", any case (kubeseal's -o); else CK_EUSAGE "unsupported output format". */
int ck_seal_format_parse(enum ck_seal_format *out, const char *s) CK_WUR;

struct ck_seal_opts {
	const char *source;            /* input name in messages; NULL: "input" */
	int scope_set;                 /* 1: `scope` replaces the Secret's scope annotations */
	enum ck_seal_scope scope;
	const char *name;              /* --name: replaces metadata.name */
	const char *ns_flag;           /* -n given explicitly: a Secret in another namespace is
	                                  an error (except cluster-wide) */
	const char *default_namespace; /* for a Secret without one (kubeconfig, else "default");
	                                  NULL: such a Secret is an error unless cluster-wide */
	const char *force_name;        /* --merge-into: the file's name and namespace */
	const char *force_namespace;
	int allow_empty_data;          /* accept a Secret with neither data nor stringData */
};

/*
 * Seal one Secret (a document root of any tree) into a new SealedSecret tree
 * *out (one document). Errors: CK_EINVAL (not a Secret, missing name, bad
 * base64 in data, a non-string value, empty data, namespace mismatch),
 * CK_ENOMEM, and the errors of ck_seal_hybrid_seal.
 */
int ck_seal_secret_seal(struct ck_doc **out, const struct ck_doc_node *secret,
                        const struct ck_rsa *pub, const struct ck_seal_opts *opts) CK_WUR;

/*
 * Seal every Secret of a YAML stream or JSON text and append the manifests
 * in `fmt` to out (YAML: each starts with "---"; JSON: pretty, one per
 * Secret). Empty documents are skipped; no Secret at all is CK_EINVAL
 * "no secrets found". Nothing is appended on failure.
 */
int ck_seal_stream_seal(struct ck_buf *out, const char *text, size_t n, const struct ck_rsa *pub,
                        const struct ck_seal_opts *opts, enum ck_seal_format fmt) CK_WUR;

/*
 * Write a tree root as kubeseal prints resources: JSON with 2-space indent,
 * Go's HTML escaping and a final newline; or YAML starting with "---", keys
 * sorted as sigs.k8s.io/yaml sorts them, sequences not indented.
 */
int ck_seal_manifest_write(struct ck_buf *out, const struct ck_doc_node *root,
                           enum ck_seal_format fmt) CK_WUR;

/* A SealedSecret read from a tree. Pointers borrow from that tree. */
struct ck_seal_sealed {
	const struct ck_doc_node *root;
	const char *name;
	const char *ns;                           /* "" when absent */
	const char *uid;                          /* metadata.uid or NULL */
	enum ck_seal_scope scope;                 /* from metadata.annotations */
	const struct ck_doc_node *encrypted_data; /* map, or NULL when absent / not a map */
	const struct ck_doc_node *tmpl;           /* spec.template map or NULL */
	const char *legacy_data;                  /* spec.data (base64) or NULL */
};

/*
 * Check a document root is a SealedSecret and fill *out. kind must be
 * SealedSecret and apiVersion bitnami.com/v1alpha1 when present (the
 * controller's /v1/rotate answer carries neither); metadata.name is required.
 * encryptedData entries that are not strings are ignored, as upstream.
 * Errors: CK_EINVAL naming source and path.
 */
int ck_seal_sealed_read(struct ck_seal_sealed *out, const struct ck_doc_node *root,
                        const char *source) CK_WUR;

struct ck_seal_unseal_opts {
	const char *uid;    /* ownerReference uid; NULL: the SealedSecret's metadata.uid or "" */
	int refuse_v1_data; /* 1: the deprecated spec.data form is an error */
};

/*
 * Unseal to a v1 Secret tree *out (CK_DOC_SECURE; free with ck_doc_free).
 * Each item is opened with the keyring (which remembers the key that worked).
 * Errors: CK_ENOKEY "seal: no key could decrypt secret (KEY, ...)" naming the
 * items that failed; CK_EINVAL for bad base64, framing, templates or the
 * legacy form's content; CK_ENOMEM. No partial Secret is returned.
 */
int ck_seal_unseal(struct ck_doc **out, const struct ck_seal_sealed *ss,
                   struct ck_seal_keyring *kr, const struct ck_seal_unseal_opts *opts) CK_WUR;

/*
 * kubeseal --recovery-unseal: unseal every SealedSecret of a YAML stream or
 * JSON text and append the Secrets in `fmt` to out (make it secure). Nothing
 * is appended on failure.
 */
int ck_seal_stream_unseal(struct ck_buf *out, const char *text, size_t n, const char *source,
                          struct ck_seal_keyring *kr, enum ck_seal_format fmt) CK_WUR;

/*
 * kubeseal --merge-into: seal the one Secret in `text` for the name and
 * namespace of the SealedSecret in `file` (and its scope unless
 * opts->scope_set; a different explicit scope is CK_EUSAGE), then add or
 * replace those encryptedData items and template labels/annotations in the
 * file's tree. Every other item keeps its exact text; comments and key order
 * of a YAML file are kept. The result is appended to out in `fmt`, or in the
 * file's own format when fmt < 0 (kubeseal itself always defaults to JSON).
 */
int ck_seal_merge(struct ck_buf *out, const char *file, size_t filelen, const char *file_name,
                  const char *text, size_t n, const struct ck_rsa *pub,
                  const struct ck_seal_opts *opts, int fmt) CK_WUR;

/*
 * The namespace kubeseal would use for a Secret without one: the namespace
 * of the kubeconfig context `context` (NULL: the current-context), "default"
 * when unset. `paths` is a ':'-separated list merged as client-go does (first
 * file to set current-context wins; first definition of a context wins);
 * missing files are skipped unless `explicit_file` (the --kubeconfig flag).
 * No file at all gives "default". Appends to out. Errors: CK_EINVAL for an
 * unreadable kubeconfig, CK_ENOTFOUND for an explicit file or context that
 * does not exist.
 */
int ck_seal_kubeconfig_namespace(struct ck_buf *out, const char *paths, int explicit_file,
                                 const char *context) CK_WUR;

#endif
