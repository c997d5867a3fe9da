/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ENC[AES256_GCM,data:<b64>,iv:<b64>,tag:<b64>,type:<t>] values: parsing,
 * formatting and the AES-256-GCM value cipher with 32-byte IVs.
 */
#include <string.h>

#include "ck/aead.h"
#include "ck/alloc.h"
#include "ck/rand.h"
#include "ck/secret.h"
#include "ck/sops_internal.h"
#include "ck/sops_cipher.h"

#define ENC_PREFIX "ENC[AES256_GCM,data:"
#define ENC_PREFIX_LEN (sizeof(ENC_PREFIX) - 1)

int ck_sops__is_enc(const char *s, size_t n)
{
	return n > ENC_PREFIX_LEN && memcmp(s, ENC_PREFIX, ENC_PREFIX_LEN) == 0;
}

/* Last occurrence of needle in [s, s+n), or NULL. */
static const char *rfind(const char *s, size_t n, const char *needle, size_t nl)
{
	size_t i;

	if (n < nl)
		return NULL;
	for (i = n - nl + 1; i-- > 0;)
		if (s[i] == needle[0] && memcmp(s + i, needle, nl) == 0)
			return s + i;
	return NULL;
}

/*
 * SOPS matches ^ENC\[AES256_GCM,data:(.+),iv:(.+),tag:(.+),type:(.+)\] with
 * greedy groups that cannot cross a newline and ignores text after the last
 * ']'. Greedy groups put every separator at its last possible position, so
 * searching backwards from the last ']' gives the same split.
 */
int ck_sops__enc_parse(struct ck_sops_enc *out, const char *s, size_t n)
{
	const char *p, *end, *type, *tag, *iv, *nl;

	if (!ck_sops__is_enc(s, n))
		return CK_EINVAL;
	p = s + ENC_PREFIX_LEN;
	if ((nl = memchr(s, '\n', n)) != NULL)
		n = (size_t)(nl - s);
	if ((end = rfind(p, n - ENC_PREFIX_LEN, "]", 1)) == NULL)
		return CK_EINVAL;
	if ((type = rfind(p, (size_t)(end - p), ",type:", 6)) == NULL)
		return CK_EINVAL;
	if ((tag = rfind(p, (size_t)(type - p), ",tag:", 5)) == NULL)
		return CK_EINVAL;
	if ((iv = rfind(p, (size_t)(tag - p), ",iv:", 4)) == NULL)
		return CK_EINVAL;
	out->data = p;
	out->data_len = (size_t)(iv - p);
	out->iv = iv + 4;
	out->iv_len = (size_t)(tag - out->iv);
	out->tag = tag + 5;
	out->tag_len = (size_t)(type - out->tag);
	out->type = type + 6;
	out->type_len = (size_t)(end - out->type);
	if (out->data_len == 0 || out->iv_len == 0 || out->tag_len == 0 || out->type_len == 0)
		return CK_EINVAL;
	return CK_OK;
}

static const char b64chars[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static const uint8_t *b64rev(void)
{
	static uint8_t rev[256];
	static int done;
	int i;

	if (!done) {
		memset(rev, 0xff, sizeof(rev));
		for (i = 0; i < 64; i++)
			rev[(uint8_t)b64chars[i]] = (uint8_t)i;
		done = 1;
	}
	return rev;
}

/*
 * Standard base64 as Go's base64.StdEncoding decodes it: padding required,
 * unused bits of the last group ignored (Go is not strict about them). Only
 * for public data (ciphertext, IVs, tags): table-driven, not constant time.
 */
size_t ck_sops__b64_decode(uint8_t *out, size_t cap, const char *in, size_t n)
{
	const uint8_t *rev = b64rev();
	size_t i, o = 0, pad = 0;
	uint32_t v;

	if (n % 4 != 0)
		return (size_t)-1;
	if (n >= 1 && in[n - 1] == '=')
		pad++;
	if (n >= 2 && in[n - 2] == '=')
		pad++;
	/* exactly what the text decodes to, checked before anything is written */
	if (n / 4 * 3 - pad > cap)
		return (size_t)-1;
	for (i = 0; i < n; i += 4) {
		uint8_t a = rev[(uint8_t)in[i]], b = rev[(uint8_t)in[i + 1]];
		uint8_t c = rev[(uint8_t)in[i + 2]], d = rev[(uint8_t)in[i + 3]];

		if (i + 4 == n && pad > 0) {
			if (a > 63 || b > 63)
				return (size_t)-1;
			if (pad == 2) {
				if (in[i + 2] != '=')
					return (size_t)-1;
				out[o++] = (uint8_t)(a << 2 | b >> 4);
			} else {
				if (c > 63)
					return (size_t)-1;
				out[o++] = (uint8_t)(a << 2 | b >> 4);
				out[o++] = (uint8_t)(b << 4 | c >> 2);
			}
			break;
		}
		if ((a | b | c | d) > 63)
			return (size_t)-1;
		v = (uint32_t)a << 18 | (uint32_t)b << 12 | (uint32_t)c << 6 | d;
		out[o++] = (uint8_t)(v >> 16);
		out[o++] = (uint8_t)(v >> 8);
		out[o++] = (uint8_t)v;
	}
	return o;
}

size_t ck_sops__b64_encode(char *out, const uint8_t *in, size_t n)
{
	size_t i, o = 0;

	for (i = 0; i + 3 <= n; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];

		out[o++] = b64chars[v >> 18];
		out[o++] = b64chars[(v >> 12) & 63];
		out[o++] = b64chars[(v >> 6) & 63];
		out[o++] = b64chars[v & 63];
	}
	if (n - i == 1) {
		out[o++] = b64chars[in[i] >> 2];
		out[o++] = b64chars[(in[i] & 3) << 4];
		out[o++] = '=';
		out[o++] = '=';
	} else if (n - i == 2) {
		out[o++] = b64chars[in[i] >> 2];
		out[o++] = b64chars[(in[i] & 3) << 4 | in[i + 1] >> 4];
		out[o++] = b64chars[(in[i + 1] & 15) << 2];
		out[o++] = '=';
	}
	return o;
}

/* ---- IV cache: (aad, plaintext) -> IV, for minimal diffs ---- */

struct ivent {
	uint64_t h;
	char *aad, *pt; /* in secret memory */
	size_t aadlen, ptlen;
	int type;
	uint8_t iv[CK_SOPS_IV_LEN];
};

struct ck_sops_ivcache {
	struct ivent *tab; /* secret memory */
	size_t cap, n;
	struct ck_sops_arena *mem;
};

static uint64_t ivhash(int type, const uint8_t *aad, size_t an, const uint8_t *pt, size_t pn)
{
	uint64_t h = 1469598103934665603ull ^ (uint64_t)type;
	size_t i;

	for (i = 0; i < an; i++)
		h = (h ^ aad[i]) * 1099511628211ull;
	h = (h ^ 0xff) * 1099511628211ull;
	for (i = 0; i < pn; i++)
		h = (h ^ pt[i]) * 1099511628211ull;
	return h | 1;
}

struct ck_sops_ivcache *ck_sops__ivcache_new(void)
{
	struct ck_sops_ivcache *c = ck_calloc(1, sizeof(*c));

	if (c == NULL || (c->mem = ck_sops__arena_new(1)) == NULL) {
		ck_free(c);
		ck_err_set(CK_ENOMEM, "sops: out of memory");
		return NULL;
	}
	return c;
}

void ck_sops__ivcache_free(struct ck_sops_ivcache *c)
{
	if (c == NULL)
		return;
	ck_secret_free(c->tab);
	ck_sops__arena_free(c->mem);
	ck_free(c);
}

static struct ivent *ivlookup(const struct ck_sops_ivcache *c, uint64_t h, int type,
                              const uint8_t *aad, size_t an, const uint8_t *pt, size_t pn)
{
	size_t i;

	for (i = h & (c->cap - 1);; i = (i + 1) & (c->cap - 1)) {
		struct ivent *e = &c->tab[i];

		if (e->h == 0)
			return e;
		if (e->h == h && e->type == type && e->aadlen == an && e->ptlen == pn &&
		    memcmp(e->aad, aad, an) == 0 && ck_memeq(e->pt, pt, pn))
			return e;
	}
}

static int ivgrow(struct ck_sops_ivcache *c)
{
	size_t nc = c->cap ? c->cap * 2 : 64, oc = c->cap, i, j;
	struct ivent *old = c->tab, *nt = ck_secret_alloc(nc * sizeof(*nt));

	if (nt == NULL)
		return ck_err_set(CK_ENOMEM, "sops: out of memory");
	for (i = 0; i < oc; i++) {
		if (old[i].h == 0)
			continue;
		for (j = old[i].h & (nc - 1); nt[j].h != 0; j = (j + 1) & (nc - 1))
			;
		nt[j] = old[i];
	}
	ck_secret_free(old);
	c->tab = nt;
	c->cap = nc;
	return CK_OK;
}

int ck_sops__ivcache_put(struct ck_sops_ivcache *c, int type, const uint8_t *aad, size_t an,
                         const uint8_t *pt, size_t pn, const uint8_t *iv, size_t ivlen)
{
	uint64_t h = ivhash(type, aad, an, pt, pn);
	struct ivent *e;
	int rc;

	if (ivlen != CK_SOPS_IV_LEN)
		return CK_OK; /* only 32-byte IVs are re-used */
	if ((c->n + 1) * 2 > c->cap && (rc = ivgrow(c)) < 0)
		return rc;
	e = ivlookup(c, h, type, aad, an, pt, pn);
	if (e->h != 0)
		return CK_OK;
	e->aad = ck_sops__arena_alloc(c->mem, an + 1);
	e->pt = ck_sops__arena_alloc(c->mem, pn + 1);
	if (e->aad == NULL || e->pt == NULL)
		return ck_err_set(CK_ENOMEM, "sops: out of memory");
	memcpy(e->aad, aad, an);
	memcpy(e->pt, pt, pn);
	e->aadlen = an;
	e->ptlen = pn;
	e->type = type;
	memcpy(e->iv, iv, CK_SOPS_IV_LEN);
	e->h = h;
	c->n++;
	return CK_OK;
}

const uint8_t *ck_sops__ivcache_get(const struct ck_sops_ivcache *c, int type,
                                    const uint8_t *aad, size_t an, const uint8_t *pt, size_t pn)
{
	struct ivent *e;

	if (c == NULL || c->n == 0)
		return NULL;
	e = ivlookup(c, ivhash(type, aad, an, pt, pn), type, aad, an, pt, pn);
	return e->h != 0 ? e->iv : NULL;
}

/* ---- the value cipher ---- */

int ck_sops__cipher_init(struct ck_sops_cipher *c, const uint8_t key[static 32])
{
	memset(c, 0, sizeof(*c));
	if ((c->aead = ck_aead_new(CK_AES256_GCM, key)) == NULL)
		return ck_err_last()->code ? ck_err_last()->code : CK_ECRYPTO;
	c->pool_off = sizeof(c->pool);
	return CK_OK;
}

void ck_sops__cipher_dispose(struct ck_sops_cipher *c)
{
	ck_aead_free(c->aead);
	ck_memzero(c, sizeof(*c));
}

/* Fresh IVs come from a pool refilled 4 KiB at a time: one CSPRNG call per
 * 128 values instead of one per value. */
static void fresh_iv(struct ck_sops_cipher *c, uint8_t iv[CK_SOPS_IV_LEN])
{
	if (c->pool_off + CK_SOPS_IV_LEN > sizeof(c->pool)) {
		ck_random(c->pool, sizeof(c->pool));
		c->pool_off = 0;
	}
	memcpy(iv, c->pool + c->pool_off, CK_SOPS_IV_LEN);
	ck_memzero(c->pool + c->pool_off, CK_SOPS_IV_LEN);
	c->pool_off += CK_SOPS_IV_LEN;
}

size_t ck_sops__enc_len(size_t ptlen, size_t typelen)
{
	return ENC_PREFIX_LEN + CK_SOPS_B64_LEN(ptlen) + 4 + CK_SOPS_B64_LEN(CK_SOPS_IV_LEN) + 5 +
	       CK_SOPS_B64_LEN(CK_AEAD_TAG_LEN) + 6 + typelen + 1;
}

int ck_sops__encrypt_value(struct ck_sops_cipher *c, char *out, uint8_t *scratch,
                           const uint8_t *pt, size_t n, int vtype, const uint8_t *aad,
                           size_t aadlen)
{
	uint8_t iv[CK_SOPS_IV_LEN], tag[CK_AEAD_TAG_LEN];
	const uint8_t *cached = NULL;
	const char *type = ck_sops__enc_type_name(vtype);
	size_t o = 0, tl = strlen(type);
	int rc;

	if (c->cache != NULL)
		cached = ck_sops__ivcache_get(c->cache, vtype, aad, aadlen, pt, n);
	if (cached != NULL)
		memcpy(iv, cached, sizeof(iv));
	else
		fresh_iv(c, iv);
	if ((rc = ck_aead_seal(c->aead, scratch, tag, sizeof(tag), iv, sizeof(iv), aad, aadlen,
	                       pt, n)) < 0)
		return ck_err_set_exit(rc, CK_SOPS_EXIT_ERROR_ENCRYPTING_TREE,
		                       "sops: could not encrypt value");
	memcpy(out, ENC_PREFIX, ENC_PREFIX_LEN);
	o = ENC_PREFIX_LEN;
	o += ck_sops__b64_encode(out + o, scratch, n);
	memcpy(out + o, ",iv:", 4);
	o += 4;
	o += ck_sops__b64_encode(out + o, iv, sizeof(iv));
	memcpy(out + o, ",tag:", 5);
	o += 5;
	o += ck_sops__b64_encode(out + o, tag, sizeof(tag));
	memcpy(out + o, ",type:", 6);
	o += 6;
	memcpy(out + o, type, tl);
	o += tl;
	out[o++] = ']';
	CK_ASSERT(o == ck_sops__enc_len(n, tl));
	return CK_OK;
}

int ck_sops__encrypt_value_bin(struct ck_sops_cipher *c, uint8_t *rec, const uint8_t *pt, size_t n,
                               int vtype, const uint8_t *aad, size_t aadlen)
{
	const uint8_t *cached = NULL;
	uint8_t *iv = rec + 1, *tag = rec + 1 + CK_SOPS_IV_LEN;
	int rc;

	if (c->cache != NULL)
		cached = ck_sops__ivcache_get(c->cache, vtype, aad, aadlen, pt, n);
	if (cached != NULL)
		memcpy(iv, cached, CK_SOPS_IV_LEN);
	else
		fresh_iv(c, iv);
	rec[0] = (uint8_t)vtype;
	if ((rc = ck_aead_seal(c->aead, rec + CK_SOPS_ENCBIN_HDR, tag, CK_AEAD_TAG_LEN, iv,
	                       CK_SOPS_IV_LEN, aad, aadlen, pt, n)) < 0)
		return ck_err_set_exit(rc, CK_SOPS_EXIT_ERROR_ENCRYPTING_TREE,
		                       "sops: could not encrypt value");
	return CK_OK;
}

size_t ck_sops__encbin_text_len(const struct ck_sops_node *n)
{
	const uint8_t *rec = (const uint8_t *)n->u.s;

	return ck_sops__enc_len(n->len - CK_SOPS_ENCBIN_HDR, strlen(ck_sops__enc_type_name(rec[0])));
}

int ck_sops__encbin_text(struct ck_buf *out, const struct ck_sops_node *n)
{
	const uint8_t *rec = (const uint8_t *)n->u.s;
	const char *type = ck_sops__enc_type_name(rec[0]);
	size_t tl = strlen(type), el = ck_sops__encbin_text_len(n), o;
	uint8_t *dst;
	char *d;
	int rc;

	if ((rc = ck_buf_reserve(out, el, &dst)) < 0)
		return rc;
	d = (char *)dst;
	memcpy(d, ENC_PREFIX, ENC_PREFIX_LEN);
	o = ENC_PREFIX_LEN;
	o += ck_sops__b64_encode(d + o, rec + CK_SOPS_ENCBIN_HDR, n->len - CK_SOPS_ENCBIN_HDR);
	memcpy(d + o, ",iv:", 4);
	o += 4;
	o += ck_sops__b64_encode(d + o, rec + 1, CK_SOPS_IV_LEN);
	memcpy(d + o, ",tag:", 5);
	o += 5;
	o += ck_sops__b64_encode(d + o, rec + 1 + CK_SOPS_IV_LEN, CK_AEAD_TAG_LEN);
	memcpy(d + o, ",type:", 6);
	o += 6;
	memcpy(d + o, type, tl);
	o += tl;
	d[o++] = ']';
	CK_ASSERT(o == el);
	return CK_OK;
}

int ck_sops__decrypt_value(struct ck_sops_cipher *c, uint8_t *pt, size_t *ptlen,
                           const struct ck_sops_enc *e, const uint8_t *aad, size_t aadlen,
                           uint8_t *iv, size_t *ivlen)
{
	uint8_t tag[64];
	size_t ivn, tagn, dn;
	int rc;

	/* pt has room for data_len/4*3 bytes; decode the ciphertext into it. */
	if ((dn = ck_sops__b64_decode(pt, e->data_len / 4 * 3, e->data, e->data_len)) == (size_t)-1 ||
	    (ivn = ck_sops__b64_decode(iv, CK_SOPS_MAX_IV, e->iv, e->iv_len)) == (size_t)-1 ||
	    (tagn = ck_sops__b64_decode(tag, sizeof(tag), e->tag, e->tag_len)) == (size_t)-1)
		return CK_EINVAL;
	if (ivn == 0)
		return CK_EINVAL;
	if (tagn != CK_AEAD_TAG_LEN)
		return CK_EAUTH; /* Go's GCM splits a 16-byte tag off data||tag */
	if ((rc = ck_aead_open(c->aead, pt, tag, tagn, iv, ivn, aad, aadlen, pt, dn)) < 0)
		return rc;
	*ptlen = dn;
	*ivlen = ivn;
	return CK_OK;
}

const char *ck_sops__enc_type_name(int type)
{
	switch (type) {
	case CK_SOPS_INT: return "int";
	case CK_SOPS_FLOAT: return "float";
	case CK_SOPS_BOOL: return "bool";
	case CK_SOPS_TIME: return "time";
	case CK_SOPS_COMMENT: return "comment";
	default: return "str";
	}
}
