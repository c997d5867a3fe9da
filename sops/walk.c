/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The tree walk of sops's Tree.Encrypt / Tree.Decrypt: depth first in
 * document order over every document, deciding per leaf with the encryption
 * rule whether it is encrypted, feeding the plaintext bytes of leaves into
 * one SHA-512 (the MAC), and en/decrypting with the path as AAD.
 *
 * Per leaf the work is O(1): the rule result for each path component and
 * the comment-rule state are kept on a stack as the walk descends, and the
 * AAD ("a:b:") is one buffer grown and truncated in place.
 */
#include <stdio.h>
#include <string.h>

#include "ck/alloc.h"
#include "ck/hash.h"
#include "ck/secret.h"
#include "rules.h"
#include "ck/sops_internal.h"
#include "ck/sops_cipher.h"
#include "walk.h"

struct clevel {
	uint32_t nmatch;
	int last_match;
};

struct walk {
	struct ck_sops_tree *t;
	struct ck_sops_rules rules;
	struct ck_sops_cipher *c;
	struct ck_hash *mac;
	int decrypt, mac_only;
	struct ck_buf aad;
	size_t path_match;
	struct clevel *cl;
	size_t ncl, capcl;
	size_t com_total;
	uint8_t *scratch;
	size_t scratchcap;
	unsigned depth;
	long long growth;
};

static const uint8_t mac_only_init[32] = {
	0x8a, 0x3f, 0xd2, 0xad, 0x54, 0xce, 0x66, 0x52, 0x7b, 0x10, 0x34, 0xf3, 0xd1, 0x47, 0xbe, 0x0b,
	0x0b, 0x97, 0x5b, 0x3b, 0xf4, 0x4f, 0x72, 0xc6, 0xfd, 0xad, 0xec, 0x81, 0x76, 0xf2, 0x7d, 0x69,
};

static void hash2(struct walk *w, const void *p, size_t n)
{
	if (n > 0)
		ck_hash_update(w->mac, p, n);
}

/* The document path for messages: "a.b.c" from the AAD "a:b:c:". */
static void path_of(const struct walk *w, char *out, size_t outlen)
{
	const char *a = ck_buf_cstr(&w->aad);
	size_t n = ck_buf_len(&w->aad), i, o = 0;

	if (n > 0)
		n--; /* trailing ':' */
	for (i = 0; i < n && o + 1 < outlen; i++)
		out[o++] = a[i] == ':' ? '.' : a[i];
	if (o == 0 && outlen > 1)
		out[o++] = '.';
	out[o] = 0;
}

static int fail(struct walk *w, int code, int exit, const char *what)
{
	char p[256];

	path_of(w, p, sizeof(p));
	return ck_err_set_exit(code, exit, "sops: %s: %s", p, what);
}

static int should_encrypt(const struct walk *w, int is_comment)
{
	switch (w->rules.kind) {
	case CK_SOPS_RULE_UNENCRYPTED_SUFFIX:
	case CK_SOPS_RULE_UNENCRYPTED_REGEX:
		return w->path_match == 0;
	case CK_SOPS_RULE_ENCRYPTED_SUFFIX:
	case CK_SOPS_RULE_ENCRYPTED_REGEX:
		return w->path_match > 0;
	case CK_SOPS_RULE_UNENCRYPTED_COMMENT_REGEX:
		return w->com_total == 0;
	case CK_SOPS_RULE_ENCRYPTED_COMMENT_REGEX: {
		size_t total = w->com_total;

		/* the comment being decided is not its own reason to be encrypted */
		if (is_comment && w->ncl > 0 && w->cl[w->ncl - 1].last_match)
			total--;
		return total > 0;
	}
	default:
		return 1;
	}
}

static int comment_rule(const struct walk *w)
{
	return w->rules.kind == CK_SOPS_RULE_UNENCRYPTED_COMMENT_REGEX ||
	       w->rules.kind == CK_SOPS_RULE_ENCRYPTED_COMMENT_REGEX;
}

static int push_level(struct walk *w)
{
	if (w->ncl == w->capcl) {
		size_t nc = w->capcl ? w->capcl * 2 : 32;
		struct clevel *n = ck_calloc(nc, sizeof(*n));

		if (n == NULL)
			return ck_err_set(CK_ENOMEM, "sops: out of memory");
		if (w->cl != NULL) {
			memcpy(n, w->cl, w->ncl * sizeof(*n));
			ck_free(w->cl);
		}
		w->cl = n;
		w->capcl = nc;
	}
	w->cl[w->ncl].nmatch = 0;
	w->cl[w->ncl].last_match = 0;
	w->ncl++;
	return CK_OK;
}

static void pop_level(struct walk *w)
{
	w->ncl--;
	w->com_total -= w->cl[w->ncl].nmatch;
}

/* A comment joins the run of active comments of the current level. */
static void add_comment(struct walk *w, const struct ck_sops_node *c)
{
	struct clevel *l = &w->cl[w->ncl - 1];
	int m;

	if (!comment_rule(w))
		return;
	m = ck_sops__rules_match(&w->rules, c->u.s, c->len);
	l->nmatch += (uint32_t)m;
	l->last_match = m;
	w->com_total += (size_t)m;
}

/* A non-comment item ends the run. */
static void end_run(struct walk *w)
{
	struct clevel *l = &w->cl[w->ncl - 1];

	w->com_total -= l->nmatch;
	l->nmatch = 0;
	l->last_match = 0;
}

static const uint8_t *cur_aad(const struct walk *w, size_t *n)
{
	if (ck_buf_len(&w->aad) == 0) {
		*n = 1;
		return (const uint8_t *)":";
	}
	*n = ck_buf_len(&w->aad);
	return ck_buf_data(&w->aad);
}

static int encrypt_leaf(struct walk *w, struct ck_sops_node *n, int is_comment, int in_seq)
{
	const uint8_t *aad;
	size_t an, el;
	int enc, rc, vtype;
	char *out;

	if (n->type == CK_SOPS_UINT)
		return fail(w, CK_EINVAL, CK_SOPS_EXIT_ERROR_ENCRYPTING_TREE,
		            "Cannot walk value, unknown type: uint64");
	enc = should_encrypt(w, is_comment);
	if ((!w->mac_only || enc) && !is_comment)
		hash2(w, n->u.s, n->len);
	if (!enc || n->len == 0)
		return CK_OK; /* empty strings and comments stay as they are */
	vtype = n->type;
	el = ck_sops__enc_len(n->len, strlen(ck_sops__enc_type_name(vtype)));
	if (!is_comment) {
		/* a binary record: half the memory of the text, formatted on output */
		uint8_t *rec = ck_sops__arena_alloc_raw(w->t->pub, CK_SOPS_ENCBIN_HDR + n->len);

		if (rec == NULL)
			return ck_err_set(CK_ENOMEM, "sops: out of memory");
		aad = cur_aad(w, &an);
		if ((rc = ck_sops__encrypt_value_bin(w->c, rec, (const uint8_t *)n->u.s, n->len, vtype,
		                                     aad, an)) < 0)
			return fail(w, rc, CK_SOPS_EXIT_ERROR_ENCRYPTING_TREE, "could not encrypt value");
		w->growth += (long long)el - (long long)n->len;
		n->u.s = (const char *)rec;
		n->len = (uint32_t)(CK_SOPS_ENCBIN_HDR + n->len);
		n->type = CK_SOPS_STR;
		n->flags = (uint8_t)((n->flags & ~(CK_SOPS_F_SECRET)) | CK_SOPS_F_ENC | CK_SOPS_F_ENCBIN);
		return CK_OK;
	}
	if (n->len > w->scratchcap) {
		size_t nc = n->len * 2;
		uint8_t *ns = ck_alloc(nc);

		if (ns == NULL)
			return ck_err_set(CK_ENOMEM, "sops: out of memory");
		ck_free(w->scratch);
		w->scratch = ns;
		w->scratchcap = nc;
	}
	if ((out = ck_sops_tree_alloc(w->t, el + 1, 0)) == NULL)
		return CK_ENOMEM;
	aad = cur_aad(w, &an);
	if ((rc = ck_sops__encrypt_value(w->c, out, w->scratch, (const uint8_t *)n->u.s, n->len, vtype,
	                                 aad, an)) < 0)
		return fail(w, rc, CK_SOPS_EXIT_ERROR_ENCRYPTING_TREE, "could not encrypt value");
	w->growth += (long long)el - (long long)n->len;
	n->u.s = out;
	n->len = (uint32_t)el;
	n->flags = (uint8_t)((n->flags & ~(CK_SOPS_F_SECRET)) | CK_SOPS_F_ENC);
	if (is_comment) {
		/* sops 3.13 turns an encrypted comment inside a list into a list item */
		n->type = in_seq ? CK_SOPS_STR : CK_SOPS_COMMENT;
		if (w->rules.kind == CK_SOPS_RULE_UNENCRYPTED_COMMENT_REGEX &&
		    ck_sops__rules_match(&w->rules, out, el))
			return fail(w, CK_EINVAL, CK_SOPS_EXIT_ERROR_ENCRYPTING_TREE,
			            "an encrypted comment matches unencrypted_comment_regex");
	} else {
		n->type = CK_SOPS_STR;
	}
	return CK_OK;
}

static int type_of(const struct ck_sops_enc *e)
{
	static const struct {
		const char *name;
		int type;
	} t[] = {
		{ "str", CK_SOPS_STR },     { "int", CK_SOPS_INT },   { "float", CK_SOPS_FLOAT },
		{ "bool", CK_SOPS_BOOL },   { "time", CK_SOPS_TIME }, { "comment", CK_SOPS_COMMENT },
		{ "bytes", CK_SOPS_STR },
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (strlen(t[i].name) == e->type_len && memcmp(t[i].name, e->type, e->type_len) == 0)
			return t[i].type;
	return -1;
}

/*
 * Decrypt one ENC[] string into n. Returns CK_OK, or a negative code with
 * the message set (the caller decides whether a comment may stay clear).
 */
static int decrypt_value(struct walk *w, struct ck_sops_node *n)
{
	struct ck_sops_enc e;
	uint8_t iv[CK_SOPS_MAX_IV];
	size_t ptlen = 0, ivlen = 0, an;
	const uint8_t *aad = cur_aad(w, &an);
	uint8_t *pt;
	int type, rc;

	if (n->flags & CK_SOPS_F_ENCBIN) {
		/* encrypted in this process and not written yet: back to text */
		struct ck_buf t;
		char *txt;

		ck_buf_init(&t, 0);
		rc = ck_sops__encbin_text(&t, n);
		txt = rc < 0 ? NULL : ck_sops_tree_strdup(w->t, ck_buf_cstr(&t), ck_buf_len(&t), 0);
		if (txt != NULL) {
			n->u.s = txt;
			n->len = (uint32_t)ck_buf_len(&t);
			n->flags &= (uint8_t)~CK_SOPS_F_ENCBIN;
		}
		ck_buf_dispose(&t);
		if (txt == NULL)
			return ck_err_set(CK_ENOMEM, "sops: out of memory");
	}
	if (ck_sops__enc_parse(&e, n->u.s, n->len) < 0)
		return fail(w, CK_EINVAL, CK_SOPS_EXIT_ERROR_DECRYPTING_TREE,
		            "Could not decrypt value: input string does not match sops' data format");
	if ((type = type_of(&e)) < 0) {
		char msg[96];

		snprintf(msg, sizeof(msg), "Unknown datatype: %.*s", (int)(e.type_len > 40 ? 40 : e.type_len),
		         e.type);
		return fail(w, CK_EINVAL, CK_SOPS_EXIT_ERROR_DECRYPTING_TREE, msg);
	}
	if ((pt = ck_sops_tree_alloc(w->t, e.data_len / 4 * 3 + 1, 1)) == NULL)
		return CK_ENOMEM;
	rc = ck_sops__decrypt_value(w->c, pt, &ptlen, &e, aad, an, iv, &ivlen);
	if (rc == CK_EINVAL)
		return fail(w, CK_EINVAL, CK_SOPS_EXIT_ERROR_DECRYPTING_TREE,
		            "Could not decrypt value: bad base64 in ENC[] value");
	if (rc < 0)
		return fail(w, rc == CK_EAUTH ? CK_EAUTH : rc, CK_SOPS_EXIT_ERROR_DECRYPTING_TREE,
		            "Could not decrypt value: authentication failed (wrong key, path or "
		            "tampered value)");
	/* the typed value's canonical text is what is hashed and re-encrypted */
	{
		struct ck_buf canon;
		int64_t iv64;
		double d;
		int b;
		struct ck_sops_time tm;
		const char *txt = (const char *)pt;
		size_t tl = ptlen;

		ck_buf_init_secure(&canon, 0);
		switch (type) {
		case CK_SOPS_INT:
			if (ck_sops__parse_int10(txt, tl, &iv64) < 0)
				rc = fail(w, CK_EINVAL, CK_SOPS_EXIT_ERROR_DECRYPTING_TREE,
				          "Could not decrypt value: int plaintext is not an integer");
			else
				rc = ck_buf_printf(&canon, "%lld", (long long)iv64);
			break;
		case CK_SOPS_FLOAT:
			if (ck_sops__parse_float(txt, tl, &d) < 0)
				rc = fail(w, CK_EINVAL, CK_SOPS_EXIT_ERROR_DECRYPTING_TREE,
				          "Could not decrypt value: float plaintext is not a number");
			else
				rc = ck_sops__fmt_float(&canon, d, 'f');
			break;
		case CK_SOPS_BOOL:
			if (ck_sops__parse_bool(txt, tl, &b) < 0)
				rc = fail(w, CK_EINVAL, CK_SOPS_EXIT_ERROR_DECRYPTING_TREE,
				          "Could not decrypt value: bool plaintext is not a boolean");
			else
				rc = ck_buf_puts(&canon, b ? "True" : "False");
			break;
		case CK_SOPS_TIME:
			if (ck_sops__parse_time(txt, tl, 1, &tm) < 0)
				rc = fail(w, CK_EINVAL, CK_SOPS_EXIT_ERROR_DECRYPTING_TREE,
				          "Could not decrypt value: time plaintext is not RFC 3339");
			else
				rc = ck_sops__fmt_time(&canon, &tm);
			break;
		default:
			break;
		}
		if (rc == CK_OK && ck_buf_len(&canon) > 0) {
			int same = ck_buf_len(&canon) == tl && memcmp(ck_buf_data(&canon), txt, tl) == 0;

			if (!same) {
				char *c = ck_sops_tree_strdup(w->t, (const char *)ck_buf_data(&canon),
				                              ck_buf_len(&canon), 1);

				if (c == NULL)
					rc = CK_ENOMEM;
				txt = c;
				tl = ck_buf_len(&canon);
			}
			/* an IV may only be re-used for the very same plaintext bytes */
			if (!same)
				ivlen = 0;
		}
		ck_buf_dispose(&canon);
		if (rc < 0)
			return rc;
		if (w->c->cache != NULL && ivlen > 0 &&
		    (rc = ck_sops__ivcache_put(w->c->cache, type, aad, an, (const uint8_t *)txt, tl, iv,
		                               ivlen)) < 0)
			return rc;
		w->growth += (long long)tl - (long long)n->len;
		/* values come in document order and everything else was moved out
		 * of the source (own_texts): what lies before this one is dead */
		if (w->t->src_public && ck_sops__in_src(w->t, n->u.s))
			ck_sops__release_src(w->t, n->u.s);
		n->type = (uint8_t)type;
		n->u.s = txt;
		n->len = (uint32_t)tl;
		n->flags = (uint8_t)((n->flags & ~(CK_SOPS_F_ENC | CK_SOPS_F_INLINE)) | CK_SOPS_F_SECRET);
	}
	return CK_OK;
}

static int decrypt_leaf(struct walk *w, struct ck_sops_node *n, int is_comment)
{
	int enc = should_encrypt(w, is_comment), rc;

	if (n->type == CK_SOPS_UINT && !enc)
		return fail(w, CK_EINVAL, CK_SOPS_EXIT_ERROR_DECRYPTING_TREE,
		            "Cannot walk value, unknown type: uint64");
	if (is_comment && !enc)
		return CK_OK; /* comments are never part of the MAC */
	if (enc) {
		if (is_comment) {
			if (ck_sops__is_enc(n->u.s, n->len)) {
				struct ck_sops_node save = *n;

				if (decrypt_value(w, n) < 0) {
					/* a comment that does not decrypt was written in clear */
					*n = save;
					ck_err_clear();
				}
			}
			n->type = CK_SOPS_COMMENT;
			n->flags &= (uint8_t)~CK_SOPS_F_INLINE;
			return CK_OK;
		}
		if (n->type != CK_SOPS_STR)
			return fail(w, CK_EINVAL, CK_SOPS_EXIT_ERROR_DECRYPTING_TREE,
			            "Expected encrypted value as string");
		if (n->len > 0 && (rc = decrypt_value(w, n)) < 0)
			return rc;
		/* a comment sops 3.13 stored as a list item is, like every comment,
		 * not part of the MAC (sops 3.13.2's decrypt counts it: #2243) */
		if (n->type == CK_SOPS_COMMENT)
			return CK_OK;
	}
	if (!enc && w->t->src_public && ck_sops__in_src(w->t, n->u.s) &&
	    (n->u.s = ck_sops_tree_strdup(w->t, n->u.s, n->len, 0)) == NULL)
		return CK_ENOMEM; /* an ENC[]-looking clear value: keep it (own_texts) */
	if (!w->mac_only || enc)
		hash2(w, n->u.s, n->len);
	return CK_OK;
}

static int walk_node(struct walk *w, struct ck_sops_node *n, int in_seq);

static int walk_leaf(struct walk *w, struct ck_sops_node *n, int is_comment, int in_seq)
{
	if (n->type == CK_SOPS_NULL)
		return CK_OK;
	return w->decrypt ? decrypt_leaf(w, n, is_comment) : encrypt_leaf(w, n, is_comment, in_seq);
}

static int walk_map(struct walk *w, struct ck_sops_node *m)
{
	uint32_t i;
	int rc;

	if ((rc = push_level(w)) < 0)
		return rc;
	for (i = 0; i + 1 < m->len; i += 2) {
		struct ck_sops_node *k = &m->u.kids[i], *v = &m->u.kids[i + 1];
		size_t alen;
		int match;

		if (k->type == CK_SOPS_COMMENT) {
			add_comment(w, k);
			if ((rc = walk_leaf(w, k, 1, 0)) < 0)
				return rc;
			continue;
		}
		if ((k->flags & CK_SOPS_F_BADKEY) || k->type != CK_SOPS_STR)
			return fail(w, CK_EINVAL, w->decrypt ? CK_SOPS_EXIT_ERROR_DECRYPTING_TREE
			                                     : CK_SOPS_EXIT_ERROR_ENCRYPTING_TREE,
			            "Tree contains a non-string key; only string keys are supported");
		alen = ck_buf_len(&w->aad);
		if (ck_buf_put(&w->aad, k->u.s, k->len) < 0 || ck_buf_putc(&w->aad, ':') < 0)
			return ck_err_set(CK_ENOMEM, "sops: out of memory");
		match = w->rules.kind != CK_SOPS_RULE_NONE && !comment_rule(w) &&
		        ck_sops__rules_match(&w->rules, k->u.s, k->len);
		w->path_match += (size_t)match;
		rc = walk_node(w, v, 0);
		w->path_match -= (size_t)match;
		ck_buf_truncate(&w->aad, alen);
		if (rc < 0)
			return rc;
		end_run(w);
	}
	pop_level(w);
	return CK_OK;
}

static int walk_seq(struct walk *w, struct ck_sops_node *s)
{
	uint32_t i;
	int rc;

	if ((rc = push_level(w)) < 0)
		return rc;
	for (i = 0; i < s->len; i++) {
		struct ck_sops_node *v = &s->u.kids[i];

		if (v->type == CK_SOPS_COMMENT) {
			add_comment(w, v);
			if ((rc = walk_leaf(w, v, 1, 1)) < 0)
				return rc;
			continue;
		}
		if ((rc = walk_node(w, v, 1)) < 0)
			return rc;
		end_run(w);
	}
	pop_level(w);
	return CK_OK;
}

static int walk_node(struct walk *w, struct ck_sops_node *n, int in_seq)
{
	int rc;

	if (++w->depth > CK_SOPS_MAX_DEPTH + 8)
		return ck_err_set(CK_ETOOBIG, "sops: document nested too deep");
	if (n->type == CK_SOPS_MAP)
		rc = walk_map(w, n);
	else if (n->type == CK_SOPS_SEQ)
		rc = walk_seq(w, n);
	else
		rc = walk_leaf(w, n, 0, in_seq);
	w->depth--;
	return rc;
}

/*
 * Before decrypting a public source in place: move every text the walk will
 * not replace (keys, comments, clear values) out of the source, so that the
 * only references left are the ENC[] values, which the walk meets in
 * document order and can release behind itself. Comments are moved too
 * because they are not always in document order (inline ones).
 */
static int own_texts(struct ck_sops_tree *t, struct ck_sops_node *n, unsigned depth)
{
	uint32_t i;
	int rc;

	if (depth > CK_SOPS_MAX_DEPTH + 8)
		return ck_err_set(CK_ETOOBIG, "sops: document nested too deep");
	if (n->type == CK_SOPS_MAP || n->type == CK_SOPS_SEQ) {
		for (i = 0; i < n->len; i++)
			if ((rc = own_texts(t, &n->u.kids[i], depth + 1)) < 0)
				return rc;
		return CK_OK;
	}
	if (n->type == CK_SOPS_NULL || !ck_sops__in_src(t, n->u.s))
		return CK_OK;
	if (n->type == CK_SOPS_STR && ck_sops__is_enc(n->u.s, n->len))
		return CK_OK;
	if ((n->u.s = ck_sops_tree_strdup(t, n->u.s, n->len, 0)) == NULL)
		return CK_ENOMEM;
	return CK_OK;
}

static int hexmac(struct ck_hash *h, char out[129])
{
	static const char hex[] = "0123456789ABCDEF";
	uint8_t d[CK_SHA512_LEN];
	int i;

	ck_hash_final(h, d);
	for (i = 0; i < CK_SHA512_LEN; i++) {
		out[2 * i] = hex[d[i] >> 4];
		out[2 * i + 1] = hex[d[i] & 15];
	}
	out[128] = 0;
	ck_memzero(d, sizeof(d));
	return CK_OK;
}

int ck_sops__walk(struct ck_sops_tree *t, const struct ck_sops_walk_opts *o, char mac[129])
{
	struct walk w;
	size_t d;
	int rc;

	memset(&w, 0, sizeof(w));
	w.t = t;
	w.c = o->cipher;
	w.decrypt = o->decrypt;
	w.mac_only = o->mac_only;
	ck_buf_init(&w.aad, 0);
	if ((rc = ck_sops__rules_init(&w.rules, o->rule, o->rule_value)) < 0)
		goto out;
	if ((w.mac = ck_hash_new(CK_SHA512)) == NULL) {
		rc = ck_err_set(CK_ENOMEM, "sops: out of memory");
		goto out;
	}
	if (w.mac_only)
		hash2(&w, mac_only_init, sizeof(mac_only_init));
	for (d = 0; w.decrypt && t->src_public && d < t->ndocs; d++)
		if ((rc = own_texts(t, &t->docs[d], 0)) < 0)
			goto out;
	for (d = 0; d < t->ndocs; d++) {
		w.depth = 0;
		ck_buf_reset(&w.aad);
		if ((rc = walk_node(&w, &t->docs[d], 0)) < 0)
			goto out;
	}
	hexmac(w.mac, mac);
	if (o->growth != NULL)
		*o->growth += w.growth;
	rc = CK_OK;
out:
	ck_hash_free(w.mac);
	ck_sops__rules_dispose(&w.rules);
	ck_buf_dispose(&w.aad);
	ck_free(w.cl);
	ck_free(w.scratch);
	return rc;
}
