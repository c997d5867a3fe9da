/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A SOPS file: read (tree + metadata), data key recovery, decrypt with MAC
 * check, encrypt, and emit in any store format.
 */
#include <string.h>

#include "ck/alloc.h"
#include "ck/rand.h"
#include "ck/secret.h"
#include "ck/sops.h"
#include "ck/sops_keysource.h"
#include "ck/sops_internal.h"
#include "stores.h"
#include "ck/sops_cipher.h"
#include "walk.h"
#include "yaml.h"

enum ck_sops_format ck_sops_format_from_path(const char *path)
{
	size_t n = strlen(path);

	if ((n >= 5 && strcmp(path + n - 5, ".yaml") == 0) || (n >= 4 && strcmp(path + n - 4, ".yml") == 0))
		return CK_SOPS_FMT_YAML;
	if (n >= 5 && strcmp(path + n - 5, ".json") == 0)
		return CK_SOPS_FMT_JSON;
	if (n >= 4 && strcmp(path + n - 4, ".env") == 0)
		return CK_SOPS_FMT_DOTENV;
	if (n >= 4 && strcmp(path + n - 4, ".ini") == 0)
		return CK_SOPS_FMT_INI;
	return CK_SOPS_FMT_BINARY;
}

static const char *const fmt_names[] = { "", "yaml", "json", "dotenv", "ini", "binary" };

int ck_sops_format_from_name(enum ck_sops_format *out, const char *name)
{
	int i;

	for (i = 1; i <= CK_SOPS_FMT_BINARY; i++) {
		if (strcmp(name, fmt_names[i]) == 0) {
			*out = (enum ck_sops_format)i;
			return CK_OK;
		}
	}
	return ck_err_set_exit(CK_EUSAGE, CK_SOPS_EXIT_ERROR_GENERIC,
	                       "sops: unknown format '%s' (yaml, json, dotenv, ini or binary)", name);
}

const char *ck_sops_format_name(enum ck_sops_format f)
{
	return f >= CK_SOPS_FMT_YAML && f <= CK_SOPS_FMT_BINARY ? fmt_names[f] : "?";
}

void ck_sops_file_free(struct ck_sops_file *f)
{
	if (f == NULL)
		return;
	ck_sops_tree_free(f->tree);
	ck_sops_meta_dispose(&f->meta);
	ck_secret_free(f->datakey);
	ck_sops__ivcache_free(f->ivcache);
	ck_free(f);
}

static int is_key(const struct ck_sops_node *k, const char *s)
{
	return k->type == CK_SOPS_STR && ck_sops_node_is(k, s);
}

static int has_prefix(const struct ck_sops_node *k, const char *p)
{
	size_t n = strlen(p);

	return k->type == CK_SOPS_STR && k->len >= n && memcmp(k->u.s, p, n) == 0;
}

static int already_encrypted(void)
{
	return ck_err_set_exit(CK_EINVAL, CK_SOPS_EXIT_FILE_ALREADY_ENCRYPTED,
	                       "sops: the file already has a top-level 'sops' key: it is already "
	                       "encrypted");
}

static int check_plain(const struct ck_sops_file *f)
{
	const struct ck_sops_node *r;
	size_t d;
	uint32_t i;

	if (f->tree->ndocs == 0)
		return ck_err_set_exit(CK_EINVAL, CK_SOPS_EXIT_NEED_AT_LEAST_ONE_DOCUMENT,
		                       "sops: file cannot be completely empty, it must contain at least "
		                       "one document");
	/* sops checks the first document only, but the reader of the encrypted
	 * file drops a `sops` key from every document: refuse it anywhere */
	for (d = 0; d < f->tree->ndocs; d++) {
		r = &f->tree->docs[d];
		for (i = 0; i + 1 < r->len; i += 2) {
			const struct ck_sops_node *k = &r->u.kids[i];

			if (f->fmt == CK_SOPS_FMT_DOTENV ? has_prefix(k, "sops_") : is_key(k, "sops"))
				return already_encrypted();
		}
	}
	return CK_OK;
}

static int not_found(void)
{
	return ck_err_set_exit(CK_EINVAL, CK_SOPS_EXIT_COULD_NOT_READ_INPUT_FILE,
	                       "sops metadata not found");
}

/* YAML/JSON/binary: the `sops` map of the first document; removed from all. */
static int extract_nested(struct ck_sops_file *f, const struct ck_sops_node **meta)
{
	size_t d;
	uint32_t i;

	*meta = NULL;
	for (d = 0; d < f->tree->ndocs; d++) {
		struct ck_sops_node *r = &f->tree->docs[d];

		for (i = 0; i + 1 < r->len;) {
			if (!is_key(&r->u.kids[i], "sops")) {
				i += 2;
				continue;
			}
			if (d == 0) {
				struct ck_sops_node *copy;

				if (*meta != NULL)
					return ck_err_set_exit(CK_EINVAL, CK_SOPS_EXIT_COULD_NOT_READ_INPUT_FILE,
					                       "Found duplicate sops entry");
				if (r->u.kids[i + 1].type != CK_SOPS_MAP)
					return ck_err_set_exit(CK_EINVAL, CK_SOPS_EXIT_COULD_NOT_READ_INPUT_FILE,
					                       "Found sops entry that is not a mapping");
				if ((copy = ck_sops_tree_alloc(f->tree, sizeof(*copy), 0)) == NULL)
					return CK_ENOMEM;
				*copy = r->u.kids[i + 1];
				*meta = copy;
			}
			ck_sops_node_remove(r, i, 2);
		}
	}
	return *meta != NULL ? CK_OK : not_found();
}

static int extract_dotenv(struct ck_sops_file *f, struct ck_sops_node *meta)
{
	struct ck_sops_node *r = &f->tree->docs[0], flat;
	uint32_t i;
	int rc;

	ck_sops_node_empty(&flat, CK_SOPS_MAP);
	for (i = 0; i + 1 < r->len;) {
		struct ck_sops_node k = r->u.kids[i];

		if (!has_prefix(&k, "sops_")) {
			i += 2;
			continue;
		}
		k.u.s += 5;
		k.len -= 5;
		if ((rc = ck_sops_map_append(f->tree, &flat, &k, &r->u.kids[i + 1])) < 0)
			return rc;
		ck_sops_node_remove(r, i, 2);
	}
	if (flat.len == 0)
		return not_found();
	return ck_sops_meta_unflatten(f->tree, meta, &flat, 0);
}

static int extract_ini(struct ck_sops_file *f, struct ck_sops_node *meta)
{
	struct ck_sops_node *r = &f->tree->docs[0];
	long i = ck_sops_map_find(r, "sops", 4);
	struct ck_sops_node sec;

	if (i < 0)
		return not_found();
	sec = r->u.kids[i + 1];
	ck_sops_node_remove(r, (size_t)i, 2);
	return ck_sops_meta_unflatten(f->tree, meta, &sec, 1);
}

int ck_sops_file_read(struct ck_sops_file **out, struct ck_buf *text, enum ck_sops_format fmt,
                      unsigned flags)
{
	struct ck_sops_file *f = ck_calloc(1, sizeof(*f));
	int plain = (flags & CK_SOPS_PLAINTEXT) != 0, rc;
	struct ck_buf tmp;

	if (f == NULL)
		return ck_err_set(CK_ENOMEM, "sops: out of memory");
	f->fmt = fmt;
	ck_sops_meta_init(&f->meta);
	if ((f->tree = ck_sops_tree_new()) == NULL) {
		rc = CK_ENOMEM;
		goto fail;
	}
	/* take the text over without copying it; a read-only view (no NUL
	 * after its end, which the readers rely on) is copied */
	if (ck_buf_mutable(text) == NULL && ck_buf_len(text) > 0) {
		struct ck_buf copy;

		if (ck_buf_is_secure(text) || plain)
			ck_buf_init_secure(&copy, 0);
		else
			ck_buf_init(&copy, 0);
		if (ck_buf_putb(&copy, text) < 0) {
			ck_buf_dispose(&copy);
			rc = ck_err_set(CK_ENOMEM, "sops: out of memory");
			goto fail;
		}
		ck_buf_dispose(text);
		*text = copy;
	}
	tmp = f->tree->src;
	f->tree->src = *text;
	/* an encrypted file in ordinary memory: decryption releases it as it goes */
	f->tree->src_public = !plain && !ck_buf_is_secure(text);
	*text = tmp;
	switch (fmt) {
	case CK_SOPS_FMT_YAML:
		rc = ck_sops__yaml_read(f->tree, plain);
		break;
	case CK_SOPS_FMT_JSON:
		rc = ck_sops__json_read(f->tree, plain);
		break;
	case CK_SOPS_FMT_DOTENV:
		rc = ck_sops__dotenv_read(f->tree, plain);
		break;
	case CK_SOPS_FMT_INI:
		rc = ck_sops__ini_read(f->tree, plain);
		break;
	case CK_SOPS_FMT_BINARY:
		if (plain) {
			struct ck_sops_node root, v;

			ck_sops_node_empty(&root, CK_SOPS_MAP);
			ck_sops_node_empty(&v, CK_SOPS_STR);
			v.u.s = (const char *)ck_buf_data(&f->tree->src);
			v.len = (uint32_t)ck_buf_len(&f->tree->src);
			v.flags = CK_SOPS_F_SECRET;
			if ((rc = ck_sops_map_append_str(f->tree, &root, "data", &v)) == CK_OK)
				rc = ck_sops_tree_add_doc(f->tree, &root);
		} else {
			rc = ck_sops__json_read(f->tree, 0);
		}
		break;
	default:
		rc = ck_err_set(CK_EUSAGE, "sops: no format given");
	}
	if (rc < 0)
		goto fail;
	if (plain) {
		if ((rc = check_plain(f)) < 0)
			goto fail;
	} else {
		const struct ck_sops_node *mp = NULL;
		struct ck_sops_node m;

		if (f->tree->ndocs == 0) {
			rc = not_found();
			goto fail;
		}
		if (fmt == CK_SOPS_FMT_DOTENV) {
			rc = extract_dotenv(f, &m);
			mp = &m;
		} else if (fmt == CK_SOPS_FMT_INI) {
			rc = extract_ini(f, &m);
			mp = &m;
		} else {
			rc = extract_nested(f, &mp);
		}
		if (rc < 0 || (rc = ck_sops_meta_from_node(&f->meta, mp)) < 0)
			goto fail;
		f->has_meta = 1;
		f->encrypted = 1;
	}
	*out = f;
	return CK_OK;
fail:
	ck_sops_file_free(f);
	return rc;
}

/* ---- data key ---- */

static int priority(const struct ck_sops_keyctx *ctx, enum ck_sops_ktype t)
{
	const char *name = ck_sops_keysource_get(t)->name;
	size_t i;

	for (i = 0; i < ctx->norder; i++)
		if (strcmp(ctx->order[i], name) == 0)
			return (int)i;
	return (int)ctx->norder;
}

/* Try the keys of one group in decryption order; the part goes to out. */
static int unwrap_group(struct ck_sops_keyctx *ctx, const struct ck_sops_group *g, size_t gi,
                        struct ck_buf *out)
{
	size_t order[256], n = g->n < 256 ? g->n : 256, i, j;
	int rc = CK_ENOKEY;

	for (i = 0; i < n; i++)
		order[i] = i;
	/* stable insertion sort by priority */
	for (i = 1; i < n; i++) {
		size_t v = order[i];

		for (j = i; j > 0 && priority(ctx, g->keys[order[j - 1]]->type) >
		                         priority(ctx, g->keys[v]->type);
		     j--)
			order[j] = order[j - 1];
		order[j] = v;
	}
	for (i = 0; i < n; i++) {
		const struct ck_sops_key *k = g->keys[order[i]];
		const struct ck_sops_keysource *ks = ck_sops_keysource_get(k->type);
		struct ck_buf d;

		ck_buf_reset(out);
		if ((rc = ks->unwrap(k, out, ctx)) == CK_OK)
			return CK_OK;
		/* the report is best effort: without memory it is only shorter */
		ck_buf_init(&d, 0);
		if (ck_sops_key_describe(k, &d) < 0 ||
		    ck_buf_printf(&ctx->report, "%sgroup %zu: %s %s: %s",
		                  ck_buf_len(&ctx->report) ? "; " : "", gi, ks->name, ck_buf_cstr(&d),
		                  ck_err_last()->msg) < 0)
			ck_buf_reset(&d);
		ck_buf_dispose(&d);
	}
	if (n == 0 && ck_buf_printf(&ctx->report, "%sgroup %zu: no keys",
	                            ck_buf_len(&ctx->report) ? "; " : "", gi) < 0)
		return CK_ENOMEM;
	return rc < 0 ? rc : CK_ENOKEY;
}

int ck_sops_file_datakey(struct ck_sops_file *f, struct ck_sops_keyctx *ctx)
{
	struct ck_buf parts[255];
	const uint8_t *pp[255];
	size_t g, got = 0, threshold;
	uint8_t *dk = NULL;
	int rc = CK_OK;

	if (f->datakey != NULL)
		return CK_OK;
	if (!f->has_meta || f->meta.ngroups == 0 || f->meta.ngroups > 255)
		return ck_err_set_exit(CK_ENOKEY, CK_SOPS_EXIT_COULD_NOT_RETRIEVE_KEY,
		                       "sops: the file has no key groups");
	ck_buf_reset(&ctx->report);
	for (g = 0; g < f->meta.ngroups; g++)
		ck_buf_init_secure(&parts[g], 4096);
	for (g = 0; g < f->meta.ngroups; g++)
		if (unwrap_group(ctx, &f->meta.groups[g], g, &parts[got]) == CK_OK)
			pp[got] = ck_buf_data(&parts[got]), got++;
	threshold = f->meta.ngroups > 1 ? (size_t)f->meta.shamir_threshold : 1;
	if (f->meta.ngroups > 1 && threshold == 0)
		threshold = 2;
	if (got < threshold || got == 0) {
		rc = ck_err_set_exit(CK_ENOKEY, CK_SOPS_EXIT_COULD_NOT_RETRIEVE_KEY,
		                     "Failed to get the data key required to decrypt the SOPS file "
		                     "(%zu of %zu key groups needed): %s",
		                     threshold, f->meta.ngroups, ck_buf_cstr(&ctx->report));
		goto out;
	}
	if ((dk = ck_secret_alloc(32)) == NULL) {
		rc = ck_err_set(CK_ENOMEM, "sops: out of memory");
		goto out;
	}
	if (f->meta.ngroups > 1) {
		size_t plen = ck_buf_len(&parts[0]), i;

		for (i = 1; i < got; i++)
			if (ck_buf_len(&parts[i]) != plen)
				plen = 0;
		if (plen != 33) {
			rc = ck_err_set_exit(CK_EINVAL, CK_SOPS_EXIT_COULD_NOT_RETRIEVE_KEY,
			                     "could not get data key from shamir parts: bad part length");
			goto out;
		}
		if ((rc = ck_sops__shamir_combine(dk, pp, got, plen)) < 0) {
			rc = ck_err_set_exit(rc, CK_SOPS_EXIT_COULD_NOT_RETRIEVE_KEY,
			                     "could not get data key from shamir parts: %s", ck_err_last()->msg);
			goto out;
		}
	} else {
		if (ck_buf_len(&parts[0]) != 32) {
			rc = ck_err_set_exit(CK_EINVAL, CK_SOPS_EXIT_COULD_NOT_RETRIEVE_KEY,
			                     "sops: the data key is %zu bytes, not 32", ck_buf_len(&parts[0]));
			goto out;
		}
		memcpy(dk, ck_buf_data(&parts[0]), 32);
	}
	f->datakey = dk;
	dk = NULL;
out:
	for (g = 0; g < f->meta.ngroups; g++)
		ck_buf_dispose(&parts[g]);
	ck_secret_free(dk);
	return rc;
}

int ck_sops_file_wrap_keys(struct ck_sops_file *f, struct ck_sops_keyctx *ctx)
{
	uint8_t *shares = NULL;
	size_t g, i, ng = f->meta.ngroups;
	int rc = CK_OK, th;

	if (ng == 0 || ck_sops_meta_key_count(&f->meta) == 0)
		return ck_err_set_exit(CK_EINVAL, CK_SOPS_EXIT_NO_ENCRYPTION_KEY_FOUND,
		                       "sops: no master keys: give --age/--pgp keys or a .sops.yaml "
		                       "creation rule");
	for (g = 0; g < ng; g++)
		if (f->meta.groups[g].n == 0)
			return ck_err_set_exit(CK_EINVAL, CK_SOPS_EXIT_NO_ENCRYPTION_KEY_FOUND,
			                       "sops: key group %zu is empty", g);
	CK_ASSERT(f->datakey != NULL);
	if (ng > 1) {
		if (ng > 255)
			return ck_err_set(CK_EINVAL, "sops: too many key groups");
		th = f->meta.shamir_threshold > 0 ? f->meta.shamir_threshold : (int)ng;
		if ((shares = ck_secret_alloc(ng * 33)) == NULL)
			return ck_err_set(CK_ENOMEM, "sops: out of memory");
		if ((rc = ck_sops__shamir_split(shares, f->datakey, 32, (int)ng, th)) < 0)
			goto out;
		f->meta.shamir_threshold = th;
	}
	for (g = 0; g < ng && rc == CK_OK; g++) {
		const uint8_t *part = ng > 1 ? shares + g * 33 : f->datakey;
		size_t plen = ng > 1 ? 33 : 32;

		for (i = 0; i < f->meta.groups[g].n && rc == CK_OK; i++) {
			struct ck_sops_key *k = f->meta.groups[g].keys[i];

			if ((rc = ck_sops_keysource_get(k->type)->wrap(k, part, plen, ctx)) < 0)
				rc = ck_err_set_exit(rc, CK_SOPS_EXIT_COULD_NOT_RETRIEVE_KEY,
				                     "Could not generate data key: %s", ck_err_last()->msg);
		}
	}
out:
	ck_secret_free(shares);
	return rc;
}

/* The AAD of the MAC: lastmodified re-formatted as Go RFC 3339 (seconds). */
static int mac_aad(struct ck_buf *out, const char *lastmodified)
{
	struct ck_sops_time t;

	if (lastmodified == NULL ||
	    ck_sops__parse_time(lastmodified, strlen(lastmodified), 1, &t) < 0)
		return ck_err_set_exit(CK_EINVAL, CK_SOPS_EXIT_MAC_MISMATCH,
		                       "sops: lastmodified is not an RFC 3339 time");
	t.nsec = 0;
	return ck_sops__fmt_time(out, &t);
}

/* The MACs themselves are hashes of the plaintext: not shown. */
static int mac_mismatch(void)
{
	return ck_err_set_exit(CK_EAUTH, CK_SOPS_EXIT_MAC_MISMATCH,
	                       "sops: MAC mismatch: the values or the metadata were modified after "
	                       "encryption (--ignore-mac to decrypt anyway)");
}

int ck_sops_file_decrypt(struct ck_sops_file *f, struct ck_sops_keyctx *ctx, unsigned flags)
{
	struct ck_sops_cipher c;
	struct ck_sops_walk_opts o;
	char mac[129];
	struct ck_buf aad;
	int rc, have_cipher = 0;

	ck_buf_init(&aad, 0);
	if (!f->encrypted)
		return ck_err_set(CK_EINVAL, "sops: the file is not encrypted");
	if ((rc = ck_sops_file_datakey(f, ctx)) < 0)
		goto out;
	if ((rc = ck_sops__cipher_init(&c, f->datakey)) < 0)
		goto out;
	have_cipher = 1;
	if ((flags & CK_SOPS_KEEP_IVS) && f->ivcache == NULL &&
	    (f->ivcache = ck_sops__ivcache_new()) == NULL) {
		rc = CK_ENOMEM;
		goto out;
	}
	c.cache = (flags & CK_SOPS_KEEP_IVS) ? f->ivcache : NULL;
	memset(&o, 0, sizeof(o));
	o.decrypt = 1;
	o.mac_only = f->meta.mac_only_encrypted;
	o.rule = f->meta.rule;
	o.rule_value = f->meta.rule_value;
	o.cipher = &c;
	o.growth = &f->growth;
	if ((rc = ck_sops__walk(f->tree, &o, mac)) < 0)
		goto out;
	f->encrypted = 0;
	if (!(flags & CK_SOPS_IGNORE_MAC)) {
		struct ck_sops_enc e;
		uint8_t *pt = NULL, iv[CK_SOPS_MAX_IV];
		size_t ptlen = 0, ivlen = 0;

		if (f->meta.mac == NULL) {
			rc = ck_err_set_exit(CK_EAUTH, CK_SOPS_EXIT_MAC_MISMATCH,
			                     "sops: MAC mismatch: the file has no MAC (--ignore-mac to "
			                     "decrypt anyway)");
			goto out;
		}
		if ((rc = mac_aad(&aad, f->meta.lastmodified)) < 0)
			goto out;
		if (ck_sops__enc_parse(&e, f->meta.mac, strlen(f->meta.mac)) < 0 ||
		    (pt = ck_sops_tree_alloc(f->tree, e.data_len / 4 * 3 + 1, 1)) == NULL ||
		    ck_sops__decrypt_value(&c, pt, &ptlen, &e, ck_buf_data(&aad), ck_buf_len(&aad), iv,
		                           &ivlen) < 0) {
			rc = ck_err_set_exit(CK_EAUTH, CK_SOPS_EXIT_MAC_MISMATCH,
			                     "sops: MAC mismatch: the stored MAC does not decrypt (file or "
			                     "lastmodified modified)");
			goto out;
		}
		if (!(ptlen == 128 && ck_memeq(pt, mac, 128))) {
			rc = mac_mismatch();
			goto out;
		}
	}
	rc = CK_OK;
out:
	if (have_cipher)
		ck_sops__cipher_dispose(&c);
	ck_buf_dispose(&aad);
	ck_memzero(mac, sizeof(mac));
	return rc;
}

int ck_sops_file_encrypt(struct ck_sops_file *f, struct ck_sops_keyctx *ctx, unsigned flags)
{
	struct ck_sops_cipher c;
	struct ck_sops_walk_opts o;
	char mac[129];
	struct ck_buf now, aad;
	char *menc = NULL, *ver = NULL, *lm = NULL;
	uint8_t *scratch = NULL;
	int rc, have_cipher = 0;

	ck_buf_init(&now, 0);
	ck_buf_init(&aad, 0);
	if (f->encrypted)
		return ck_err_set(CK_EINVAL, "sops: the file is already encrypted");
	if (f->datakey == NULL || (flags & CK_SOPS_NEW_DATAKEY)) {
		if (f->datakey == NULL && (f->datakey = ck_secret_alloc(32)) == NULL)
			return ck_err_set(CK_ENOMEM, "sops: out of memory");
		ck_random(f->datakey, 32);
		if ((rc = ck_sops_file_wrap_keys(f, ctx)) < 0)
			goto out;
		/* cached IVs belong to the old key: never re-use them under a new one */
		ck_sops__ivcache_free(f->ivcache);
		f->ivcache = NULL;
	}
	/* a binary file has a single `data` value: sops 3.11+ encrypts it
	 * without any selection rule and writes none (getsops/sops#1927) */
	if (f->meta.rule == CK_SOPS_RULE_NONE && f->fmt != CK_SOPS_FMT_BINARY) {
		f->meta.rule = CK_SOPS_RULE_UNENCRYPTED_SUFFIX;
		ck_free(f->meta.rule_value);
		if ((f->meta.rule_value = ck_strdup(CK_SOPS_DEFAULT_UNENCRYPTED_SUFFIX)) == NULL) {
			rc = ck_err_set(CK_ENOMEM, "sops: out of memory");
			goto out;
		}
	}
	if ((rc = ck_sops__cipher_init(&c, f->datakey)) < 0)
		goto out;
	have_cipher = 1;
	c.cache = f->ivcache;
	memset(&o, 0, sizeof(o));
	o.mac_only = f->meta.mac_only_encrypted;
	o.rule = f->meta.rule;
	o.rule_value = f->meta.rule_value;
	o.cipher = &c;
	o.growth = &f->growth;
	if ((rc = ck_sops__walk(f->tree, &o, mac)) < 0)
		goto out;
	/* lastmodified is set after the tree, and is the MAC's AAD */
	if ((rc = ck_sops_now_rfc3339(&now)) < 0 || (rc = mac_aad(&aad, ck_buf_cstr(&now))) < 0)
		goto out;
	{
		size_t el = ck_sops__enc_len(128, 3);

		menc = ck_calloc(1, el + 1);
		scratch = ck_alloc(128);
		if (menc == NULL || scratch == NULL) {
			rc = ck_err_set(CK_ENOMEM, "sops: out of memory");
			goto out;
		}
		c.cache = NULL;
		if ((rc = ck_sops__encrypt_value(&c, menc, scratch, (const uint8_t *)mac, 128, CK_SOPS_STR,
		                                 ck_buf_data(&aad), ck_buf_len(&aad))) < 0) {
			rc = ck_err_set_exit(rc, CK_SOPS_EXIT_ERROR_ENCRYPTING_MAC, "sops: could not encrypt the MAC");
			goto out;
		}
	}
	if ((ver = ck_strdup(CK_SOPS_VERSION)) == NULL || (lm = ck_strdup(ck_buf_cstr(&now))) == NULL) {
		rc = ck_err_set(CK_ENOMEM, "sops: out of memory");
		goto out;
	}
	ck_free(f->meta.mac);
	f->meta.mac = menc;
	menc = NULL;
	ck_free(f->meta.version);
	f->meta.version = ver;
	ver = NULL;
	ck_free(f->meta.lastmodified);
	f->meta.lastmodified = lm;
	lm = NULL;
	f->has_meta = 1;
	f->encrypted = 1;
	rc = CK_OK;
out:
	if (have_cipher)
		ck_sops__cipher_dispose(&c);
	ck_free(menc);
	ck_free(ver);
	ck_free(lm);
	ck_free(scratch);
	ck_buf_dispose(&now);
	ck_buf_dispose(&aad);
	ck_memzero(mac, sizeof(mac));
	return rc;
}

/* ---- emit ---- */

static int plain_binary(struct ck_buf *out, const struct ck_sops_file *f)
{
	const struct ck_sops_node *v = f->tree->ndocs > 0 ? ck_sops_map_get(&f->tree->docs[0], "data")
	                                                  : NULL;

	if (v == NULL)
		return ck_err_set_exit(CK_EINVAL, CK_SOPS_EXIT_ERROR_DUMPING_TREE,
		                       "error emitting binary store: no binary data found in tree");
	if (v->type != CK_SOPS_STR)
		return ck_err_set_exit(CK_EINVAL, CK_SOPS_EXIT_ERROR_DUMPING_TREE,
		                       "error emitting binary store: 'data' key in tree does not have "
		                       "a string value");
	return ck_buf_put(out, v->u.s, v->len) < 0 ? ck_err_set(CK_ENOMEM, "sops: out of memory")
	                                           : CK_OK;
}

int ck_sops_file_emit(struct ck_buf *out, const struct ck_sops_file *f, enum ck_sops_format fmt,
                      const struct ck_sops_emit_opts *o)
{
	static const struct ck_sops_emit_opts def = CK_SOPS_EMIT_OPTS_INIT;
	struct ck_sops_tree *mt = NULL;
	struct ck_sops_node key, meta, flat;
	const struct ck_sops_node *root;
	size_t start = ck_buf_len(out);
	int rc = CK_OK;

	if (o == NULL)
		o = &def;
	if (f->tree->ndocs == 0)
		return ck_err_set_exit(CK_EINVAL, CK_SOPS_EXIT_NEED_AT_LEAST_ONE_DOCUMENT,
		                       "sops: no document to write");
	if (start == 0 && !(o->flush != NULL && fmt == CK_SOPS_FMT_YAML)) {
		/* about the source's size plus what encryption added (or minus what
		 * decryption removed), plus the metadata: one allocation instead of
		 * a doubling series of copies (secure buffers are locked in RAM) */
		long long hint = (long long)ck_buf_len(&f->tree->src) + f->growth +
		                 (f->encrypted ? (long long)(f->tree->ndocs * (1024 + 1024 *
		                                  ck_sops_meta_key_count(&f->meta))) : 0);

		if (hint > 4096 && hint < ((long long)1 << 32) && ck_buf_grow(out, (size_t)hint) < 0)
			return CK_ENOMEM;
	}
	root = &f->tree->docs[0];
	if (f->encrypted) {
		if ((mt = ck_sops_tree_new()) == NULL)
			return CK_ENOMEM;
		if ((rc = ck_sops_node_text(mt, &key, CK_SOPS_STR, "sops", 4, 0)) < 0 ||
		    (rc = ck_sops_meta_to_node(mt, &meta, &f->meta)) < 0)
			goto out;
	}
	switch (fmt) {
	case CK_SOPS_FMT_YAML:
		rc = ck_sops__yaml_emit(out, f->tree, (unsigned)o->yaml_indent, mt ? &key : NULL,
		                        mt ? &meta : NULL, o->flush, o->flush_ctx);
		break;
	case CK_SOPS_FMT_JSON:
		rc = ck_sops__json_emit(out, root, o->json_indent, mt ? &key : NULL, mt ? &meta : NULL, 1);
		break;
	case CK_SOPS_FMT_BINARY:
		if (mt != NULL)
			rc = ck_sops__json_emit(out, root, o->json_indent, &key, &meta, 1);
		else
			rc = plain_binary(out, f);
		break;
	case CK_SOPS_FMT_DOTENV:
		if (mt != NULL) {
			uint32_t i;

			for (i = 0; i + 1 < root->len; i += 2)
				if (has_prefix(&root->u.kids[i], "sops_")) {
					rc = ck_err_set_exit(CK_EINVAL, CK_SOPS_EXIT_ERROR_DUMPING_TREE,
					                     "Found key \"%.*s\" in encrypted data, which starts with "
					                     "the reserved key prefix \"sops_\" for SOPS metadata",
					                     (int)root->u.kids[i].len, root->u.kids[i].u.s);
					goto out;
				}
			if ((rc = ck_sops_meta_flatten(mt, &flat, &meta, "sops_", 0)) < 0)
				goto out;
			rc = ck_sops__dotenv_emit(out, root, flat.u.kids, flat.len / 2);
		} else {
			rc = ck_sops__dotenv_emit(out, root, NULL, 0);
		}
		break;
	case CK_SOPS_FMT_INI:
		if (mt != NULL) {
			if ((rc = ck_sops_meta_flatten(mt, &flat, &meta, "", 1)) < 0)
				goto out;
			rc = ck_sops__ini_emit(out, root, &key, &flat);
		} else {
			rc = ck_sops__ini_emit(out, root, NULL, NULL);
		}
		break;
	default:
		rc = ck_err_set(CK_EUSAGE, "sops: no output format");
	}
out:
	if (rc < 0)
		ck_buf_truncate(out, start);
	ck_sops_tree_free(mt);
	return rc;
}
