/* SPDX-License-Identifier: Apache-2.0 */
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/decoder.h>
#include <openssl/encoder.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "ck/alloc.h"
#include "ck/enc.h"
#include "ck/hash.h"
#include "ck/pem.h"
#include "ck/rsa.h"
#include "ck/secret.h"
#include "ossl.h"
#include "rsa_int.h"

/* Longest PEM/DER key we look at: a 16384-bit PKCS#8 key is under 10 KiB. */
#define KEY_DER_MAX (64 * 1024)

struct ck_rsa {
	EVP_PKEY *pkey;
	atomic_uint refs;
	int priv;
	/*
	 * OAEP contexts made once and reused (the label is set per call): the
	 * key is logically const, these are a cache, hence the lock.
	 */
	pthread_mutex_t lock;
	EVP_PKEY_CTX *enc;
	EVP_PKEY_CTX *dec;
};

static int check_policy(EVP_PKEY *pkey)
{
	BIGNUM *e = NULL;
	int bits, rc = CK_EINTERNAL;

	if (!EVP_PKEY_is_a(pkey, "RSA")) {
		const char *t = EVP_PKEY_get0_type_name(pkey);

		rc = ck_err_set(CK_EUNSUPPORTED, "rsa: a %s key, not an RSA key", t ? t : "non-RSA");
		goto out;
	}
	bits = EVP_PKEY_get_bits(pkey);
	if (bits < CK_RSA_MIN_BITS || bits > CK_RSA_MAX_BITS) {
		rc = ck_err_set(CK_EUNSUPPORTED, "rsa: %d-bit key not supported (%d to %d bits)",
		                bits, CK_RSA_MIN_BITS, CK_RSA_MAX_BITS);
		goto out;
	}
	if (EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_RSA_E, &e) != 1) {
		rc = ck__ossl_err(CK_EINVAL, "rsa: key without a public exponent");
		goto out;
	}
	if (!BN_is_odd(e) || BN_num_bits(e) > 32 || BN_get_word(e) < 3) {
		rc = ck_err_set(CK_EUNSUPPORTED, "rsa: unsupported public exponent");
		goto out;
	}
	rc = CK_OK;
out:
	BN_free(e);
	return rc;
}

/*
 * Do the CRT parts belong together? n = p*q, dP = d mod (p-1),
 * dQ = d mod (q-1), qInv*q = 1 mod p. Cheap (no primality tests, which make
 * OpenSSL's own pairwise check cost ~50 private operations), and needed:
 * OpenSSL quietly falls back to d when a CRT result does not verify, so a
 * corrupted p or dP would otherwise only show as slow decryption.
 * Multi-prime keys are left to the round trip.
 */
static int crt_check(EVP_PKEY *pkey)
{
	static const char *const names[] = { OSSL_PKEY_PARAM_RSA_N, OSSL_PKEY_PARAM_RSA_D,
		                              OSSL_PKEY_PARAM_RSA_FACTOR1,
		                              OSSL_PKEY_PARAM_RSA_FACTOR2,
		                              OSSL_PKEY_PARAM_RSA_EXPONENT1,
		                              OSSL_PKEY_PARAM_RSA_EXPONENT2,
		                              OSSL_PKEY_PARAM_RSA_COEFFICIENT1 };
	BIGNUM *v[7] = { NULL }, *t = NULL, *pm1 = NULL, *extra = NULL;
	BN_CTX *bc = NULL;
	int ok = 0, i;

	if (EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_RSA_FACTOR3, &extra) == 1) {
		ok = 1;
		goto out;
	}
	for (i = 0; i < 7; i++)
		if (EVP_PKEY_get_bn_param(pkey, names[i], &v[i]) != 1)
			goto out;
	if ((bc = BN_CTX_secure_new()) == NULL || (t = BN_secure_new()) == NULL ||
	    (pm1 = BN_secure_new()) == NULL)
		goto out;
	/* v: 0 n, 1 d, 2 p, 3 q, 4 dP, 5 dQ, 6 qInv */
	if (BN_mul(t, v[2], v[3], bc) != 1 || BN_cmp(t, v[0]) != 0)
		goto out;
	if (BN_sub(pm1, v[2], BN_value_one()) != 1 || BN_mod(t, v[1], pm1, bc) != 1 ||
	    BN_cmp(t, v[4]) != 0)
		goto out;
	if (BN_sub(pm1, v[3], BN_value_one()) != 1 || BN_mod(t, v[1], pm1, bc) != 1 ||
	    BN_cmp(t, v[5]) != 0)
		goto out;
	if (BN_mod_mul(t, v[6], v[3], v[2], bc) != 1 || !BN_is_one(t))
		goto out;
	ok = 1;
out:
	for (i = 0; i < 7; i++)
		BN_clear_free(v[i]);
	BN_clear_free(t);
	BN_clear_free(pm1);
	BN_clear_free(extra);
	BN_CTX_free(bc);
	ERR_clear_error();
	return ok;
}

/*
 * Then one raw RSA round trip (m = 2) checks d and e against each other.
 * Together: a private key whose parts do not belong together fails here,
 * once, with a clear message.
 */
static int pair_check(EVP_PKEY *pkey)
{
	uint8_t m[CK_RSA_MAX_BITS / 8], c[CK_RSA_MAX_BITS / 8], back[CK_RSA_MAX_BITS / 8];
	size_t size = (size_t)EVP_PKEY_get_size(pkey), clen = sizeof(c), blen = sizeof(back);
	EVP_PKEY_CTX *ctx = NULL;
	int rc = CK_EINTERNAL;

	memset(m, 0, sizeof(m));
	m[size - 1] = 2;
	if (!crt_check(pkey) || (ctx = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL)) == NULL ||
	    EVP_PKEY_encrypt_init(ctx) != 1 ||
	    EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_NO_PADDING) != 1 ||
	    EVP_PKEY_encrypt(ctx, c, &clen, m, size) != 1 || EVP_PKEY_decrypt_init(ctx) != 1 ||
	    EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_NO_PADDING) != 1 ||
	    EVP_PKEY_decrypt(ctx, back, &blen, c, clen) != 1 || blen != size ||
	    memcmp(back, m, size) != 0) {
		ERR_clear_error();
		rc = ck_err_set(CK_EINVAL, "rsa: inconsistent private key (its parts do not match)");
		goto out;
	}
	rc = CK_OK;
out:
	EVP_PKEY_CTX_free(ctx);
	ck_memzero(back, sizeof(back));
	return rc;
}

int ck__rsa_from_pkey(struct ck_rsa **out, EVP_PKEY *pkey, int priv, int check_pair)
{
	struct ck_rsa *k = NULL;
	int rc = CK_EINTERNAL;

	if ((rc = check_policy(pkey)) < 0)
		goto out;
	if (priv && check_pair && (rc = pair_check(pkey)) < 0)
		goto out;
	if ((k = ck_calloc(1, sizeof(*k))) == NULL) {
		rc = ck_err_set(CK_ENOMEM, "out of memory");
		goto out;
	}
	if (pthread_mutex_init(&k->lock, NULL) != 0) {
		ck_free(k);
		k = NULL;
		rc = ck_err_set(CK_ENOMEM, "rsa: cannot create a lock");
		goto out;
	}
	if (EVP_PKEY_up_ref(pkey) != 1) {
		pthread_mutex_destroy(&k->lock);
		ck_free(k);
		k = NULL;
		rc = ck_err_set(CK_EINTERNAL, "rsa: cannot reference the key");
		goto out;
	}
	k->pkey = pkey;
	k->priv = priv;
	atomic_init(&k->refs, 1);
	*out = k;
	rc = CK_OK;
out:
	return rc;
}

EVP_PKEY *ck__rsa_pkey(const struct ck_rsa *k)
{
	return k->pkey;
}

struct ck_rsa *ck_rsa_ref(struct ck_rsa *k)
{
	if (k != NULL)
		atomic_fetch_add(&k->refs, 1);
	return k;
}

void ck_rsa_free(struct ck_rsa *k)
{
	if (k == NULL || atomic_fetch_sub(&k->refs, 1) != 1)
		return;
	EVP_PKEY_CTX_free(k->enc);
	EVP_PKEY_CTX_free(k->dec);
	EVP_PKEY_free(k->pkey); /* OpenSSL wipes the private parts */
	pthread_mutex_destroy(&k->lock);
	ck_free(k);
}

int ck_rsa_generate(struct ck_rsa **out, unsigned bits)
{
	EVP_PKEY_CTX *ctx = NULL;
	EVP_PKEY *pkey = NULL;
	int rc = CK_EINTERNAL;

	if (bits != 2048 && bits != 3072 && bits != 4096) {
		rc = ck_err_set(CK_EINVAL, "rsa: key size %u not one of 2048, 3072, 4096", bits);
		goto out;
	}
	if ((ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL)) == NULL ||
	    EVP_PKEY_keygen_init(ctx) != 1 || EVP_PKEY_CTX_set_rsa_keygen_bits(ctx, (int)bits) != 1 ||
	    EVP_PKEY_generate(ctx, &pkey) != 1) {
		rc = ck__ossl_err(CK_ECRYPTO, "rsa: key generation failed");
		goto out;
	}
	rc = ck__rsa_from_pkey(out, pkey, 1, 0);
out:
	EVP_PKEY_free(pkey);
	EVP_PKEY_CTX_free(ctx);
	return rc;
}

/* DER -> key through an OpenSSL decoder; all n bytes must be used. */
static EVP_PKEY *decode_der(const uint8_t *der, size_t n, const char *structure, int selection)
{
	OSSL_DECODER_CTX *d = NULL;
	EVP_PKEY *pkey = NULL;
	const unsigned char *p = der;
	size_t left = n;

	d = OSSL_DECODER_CTX_new_for_pkey(&pkey, "DER", structure, "RSA", selection, NULL, NULL);
	if (d == NULL || OSSL_DECODER_from_data(d, &p, &left) != 1 || left != 0) {
		EVP_PKEY_free(pkey);
		pkey = NULL;
	}
	OSSL_DECODER_CTX_free(d);
	return pkey;
}

static int pkcs1_private(EVP_PKEY **out, const uint8_t *der, size_t n)
{
	if ((*out = decode_der(der, n, "type-specific", EVP_PKEY_KEYPAIR)) == NULL)
		return ck__ossl_err(CK_EINVAL, "rsa: malformed PKCS#1 private key");
	return CK_OK;
}

static int pkcs8_private(EVP_PKEY **out, const uint8_t *der, size_t n)
{
	const unsigned char *p = der;
	PKCS8_PRIV_KEY_INFO *p8 = d2i_PKCS8_PRIV_KEY_INFO(NULL, &p, (long)n);
	const ASN1_OBJECT *alg = NULL;
	char name[64] = "";
	int rc = CK_EINTERNAL;

	if (p8 == NULL || p != der + n || PKCS8_pkey_get0(&alg, NULL, NULL, NULL, p8) != 1) {
		rc = ck__ossl_err(CK_EINVAL, "rsa: malformed PKCS#8 private key");
		goto out;
	}
	if (OBJ_obj2nid(alg) != NID_rsaEncryption) {
		OBJ_obj2txt(name, sizeof(name), alg, 0);
		rc = ck_err_set(CK_EUNSUPPORTED, "rsa: PKCS#8 key is %s, not RSA", name);
		goto out;
	}
	if ((*out = EVP_PKCS82PKEY(p8)) == NULL) {
		rc = ck__ossl_err(CK_EINVAL, "rsa: malformed PKCS#8 RSA private key");
		goto out;
	}
	rc = CK_OK;
out:
	PKCS8_PRIV_KEY_INFO_free(p8); /* cleanses the key octets */
	return rc;
}

static int spki_public(EVP_PKEY **out, const uint8_t *der, size_t n)
{
	const unsigned char *p = der;

	*out = d2i_PUBKEY_ex(NULL, &p, (long)n, NULL, NULL);
	if (*out != NULL && p != der + n) {
		EVP_PKEY_free(*out);
		*out = NULL;
	}
	if (*out == NULL)
		return ck__ossl_err(CK_EINVAL, "rsa: malformed SubjectPublicKeyInfo");
	return CK_OK;
}

static int pkcs1_public(EVP_PKEY **out, const uint8_t *der, size_t n)
{
	if ((*out = decode_der(der, n, "type-specific", EVP_PKEY_PUBLIC_KEY)) == NULL)
		return ck__ossl_err(CK_EINVAL, "rsa: malformed PKCS#1 public key");
	return CK_OK;
}

typedef int (*der_loader)(EVP_PKEY **out, const uint8_t *der, size_t n);

struct pem_kind {
	const char *label;
	der_loader load; /* NULL: a kind we recognise but refuse */
	const char *why;
};

static const struct pem_kind private_kinds[] = {
	{ "RSA PRIVATE KEY", pkcs1_private, NULL },
	{ "PRIVATE KEY", pkcs8_private, NULL },
	{ "ENCRYPTED PRIVATE KEY", NULL, "encrypted PKCS#8 keys are not supported; "
	                                 "decrypt it first, e.g. with openssl pkey" },
	{ "EC PRIVATE KEY", NULL, "an EC key, not an RSA key" },
	{ "OPENSSH PRIVATE KEY", NULL, "an OpenSSH-format key; convert it to PEM first "
	                               "(ssh-keygen -p -m PEM)" },
	{ NULL, NULL, NULL },
};

static const struct pem_kind public_kinds[] = {
	{ "PUBLIC KEY", spki_public, NULL },
	{ "RSA PUBLIC KEY", pkcs1_public, NULL },
	{ NULL, NULL, NULL },
};

/* Walk the PEM blocks of text and load the first one of a kind listed. */
static int load_pem(struct ck_rsa **out, const char *text, size_t n,
                    const struct pem_kind *kinds, int priv)
{
	struct ck_buf der, label = CK_BUF_INIT;
	const struct pem_kind *k = NULL;
	EVP_PKEY *pkey = NULL;
	size_t off = 0, used = 0;
	int rc = CK_EINTERNAL;

	ck_buf_init_secure(&der, KEY_DER_MAX);
	while (k == NULL) {
		ck_buf_reset(&der);
		ck_buf_reset(&label);
		rc = ck_pem_decode(&der, &label, NULL, text + off, n - off, &used);
		if (rc == CK_ENOTFOUND) {
			rc = ck_err_set(CK_EINVAL, "rsa: no %s key PEM block found (expected %s)",
			                priv ? "private" : "public",
			                priv ? "RSA PRIVATE KEY or PRIVATE KEY"
			                     : "PUBLIC KEY or RSA PUBLIC KEY");
			goto out;
		}
		if (rc < 0)
			goto out;
		off += used;
		for (k = kinds; k->label != NULL; k++)
			if (strcmp(k->label, ck_buf_cstr(&label)) == 0)
				break;
		if (k->label == NULL)
			k = NULL; /* a certificate or other block: keep looking */
	}
	if (k->load == NULL) {
		rc = ck_err_set(CK_EUNSUPPORTED, "rsa: %s block: %s", k->label, k->why);
		goto out;
	}
	if ((rc = k->load(&pkey, ck_buf_data(&der), ck_buf_len(&der))) < 0)
		goto out;
	rc = ck__rsa_from_pkey(out, pkey, priv, 1);
out:
	EVP_PKEY_free(pkey);
	ck_buf_dispose(&der);
	ck_buf_dispose(&label);
	return rc;
}

int ck_rsa_private_parse(struct ck_rsa **out, const char *pem, size_t n)
{
	return load_pem(out, pem, n, private_kinds, 1);
}

int ck_rsa_public_parse(struct ck_rsa **out, const char *pem, size_t n)
{
	return load_pem(out, pem, n, public_kinds, 0);
}

int ck_rsa_public_from_der(struct ck_rsa **out, const uint8_t *der, size_t n)
{
	EVP_PKEY *pkey = NULL;
	int rc = CK_EINTERNAL;

	/* SPKI first; a PKCS#1 RSAPublicKey is not a valid SPKI and vice versa. */
	if (spki_public(&pkey, der, n) < 0 && pkcs1_public(&pkey, der, n) < 0) {
		rc = ck_err_set(CK_EINVAL, "rsa: malformed DER public key "
		                           "(neither SubjectPublicKeyInfo nor PKCS#1)");
		goto out;
	}
	rc = ck__rsa_from_pkey(out, pkey, 0, 0);
out:
	EVP_PKEY_free(pkey);
	return rc;
}

/* Key -> DER through an OpenSSL encoder, appended to out. */
static int encode_der(struct ck_buf *out, EVP_PKEY *pkey, int selection, const char *structure)
{
	OSSL_ENCODER_CTX *e = NULL;
	unsigned char *data = NULL;
	size_t len = 0;
	int rc = CK_EINTERNAL;

	e = OSSL_ENCODER_CTX_new_for_pkey(pkey, selection, "DER", structure, NULL);
	if (e == NULL || OSSL_ENCODER_CTX_get_num_encoders(e) == 0 ||
	    OSSL_ENCODER_to_data(e, &data, &len) != 1) {
		rc = ck__ossl_err(CK_ECRYPTO, "rsa: cannot encode the key");
		goto out;
	}
	rc = ck_buf_put(out, data, len);
out:
	OPENSSL_clear_free(data, len);
	OSSL_ENCODER_CTX_free(e);
	return rc;
}

int ck_rsa_private_format(struct ck_buf *out, const struct ck_rsa *k, int pkcs1)
{
	struct ck_buf der;
	int rc = CK_EINTERNAL;

	ck_buf_init_secure(&der, 0);
	if (!k->priv) {
		rc = ck_err_set(CK_EINVAL, "rsa: not a private key");
		goto out;
	}
	if ((rc = encode_der(&der, k->pkey, EVP_PKEY_KEYPAIR,
	                     pkcs1 ? "type-specific" : "PrivateKeyInfo")) < 0)
		goto out;
	rc = ck_pem_encode(out, pkcs1 ? "RSA PRIVATE KEY" : "PRIVATE KEY", ck_buf_data(&der),
	                   ck_buf_len(&der));
out:
	ck_buf_dispose(&der);
	return rc;
}

int ck_rsa_public_der(struct ck_buf *out, const struct ck_rsa *k, int spki)
{
	return encode_der(out, k->pkey, EVP_PKEY_PUBLIC_KEY,
	                  spki ? "SubjectPublicKeyInfo" : "type-specific");
}

int ck_rsa_public_format(struct ck_buf *out, const struct ck_rsa *k)
{
	struct ck_buf der = CK_BUF_INIT;
	int rc = CK_EINTERNAL;

	if ((rc = ck_rsa_public_der(&der, k, 1)) < 0)
		goto out;
	rc = ck_pem_encode(out, "PUBLIC KEY", ck_buf_data(&der), ck_buf_len(&der));
out:
	ck_buf_dispose(&der);
	return rc;
}

int ck_rsa_has_private(const struct ck_rsa *k)
{
	return k->priv;
}

unsigned ck_rsa_bits(const struct ck_rsa *k)
{
	return (unsigned)EVP_PKEY_get_bits(k->pkey);
}

size_t ck_rsa_size(const struct ck_rsa *k)
{
	return (size_t)EVP_PKEY_get_size(k->pkey);
}

size_t ck_rsa_oaep_max(const struct ck_rsa *k)
{
	return ck_rsa_size(k) - 2 * CK_SHA256_LEN - 2;
}

/* SSH mpint: 4-byte length, big-endian magnitude, a 0x00 if the top bit is set. */
static int put_mpint(struct ck_buf *b, const BIGNUM *v)
{
	uint8_t tmp[CK_RSA_MAX_BITS / 8 + 1];
	int len = BN_num_bytes(v), rc;

	if (len > (int)sizeof(tmp) - 1)
		return ck_err_set(CK_EINTERNAL, "rsa: number too large");
	tmp[0] = 0;
	BN_bn2bin(v, tmp + 1);
	if (len > 0 && (tmp[1] & 0x80)) {
		if ((rc = ck_buf_put_u32be(b, (uint32_t)len + 1)) < 0)
			return rc;
		return ck_buf_put(b, tmp, (size_t)len + 1);
	}
	if ((rc = ck_buf_put_u32be(b, (uint32_t)len)) < 0)
		return rc;
	return ck_buf_put(b, tmp + 1, (size_t)len);
}

int ck_rsa_fingerprint(struct ck_buf *out, const struct ck_rsa *k)
{
	struct ck_buf wire = CK_BUF_INIT;
	BIGNUM *n = NULL, *e = NULL;
	uint8_t h[CK_SHA256_LEN];
	size_t keep = ck_buf_len(out);
	int rc = CK_EINTERNAL;

	if (EVP_PKEY_get_bn_param(k->pkey, OSSL_PKEY_PARAM_RSA_N, &n) != 1 ||
	    EVP_PKEY_get_bn_param(k->pkey, OSSL_PKEY_PARAM_RSA_E, &e) != 1) {
		rc = ck__ossl_err(CK_ENOMEM, "rsa: cannot read the public key");
		goto out;
	}
	if ((rc = ck_buf_put_u32be(&wire, 7)) < 0 || (rc = ck_buf_put(&wire, "ssh-rsa", 7)) < 0 ||
	    (rc = put_mpint(&wire, e)) < 0 || (rc = put_mpint(&wire, n)) < 0)
		goto out;
	ck_sha256(h, ck_buf_data(&wire), ck_buf_len(&wire));
	if ((rc = ck_buf_puts(out, "SHA256:")) < 0 ||
	    (rc = ck_b64_encode(out, h, sizeof(h), CK_B64_STD_RAW)) < 0)
		goto out;
	rc = CK_OK;
out:
	if (rc < 0)
		ck_buf_truncate(out, keep);
	BN_free(n);
	BN_free(e);
	ck_buf_dispose(&wire);
	return rc;
}

static EVP_PKEY_CTX *oaep_ctx(EVP_PKEY *pkey, int dec)
{
	EVP_PKEY_CTX *c = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL);
	OSSL_PARAM p[4];

	p[0] = OSSL_PARAM_construct_utf8_string(OSSL_ASYM_CIPHER_PARAM_PAD_MODE,
	                                        (char *)OSSL_PKEY_RSA_PAD_MODE_OAEP, 0);
	p[1] = OSSL_PARAM_construct_utf8_string(OSSL_ASYM_CIPHER_PARAM_OAEP_DIGEST,
	                                        (char *)"SHA2-256", 0);
	p[2] = OSSL_PARAM_construct_utf8_string(OSSL_ASYM_CIPHER_PARAM_MGF1_DIGEST,
	                                        (char *)"SHA2-256", 0);
	p[3] = OSSL_PARAM_construct_end();
	if (c == NULL ||
	    (dec ? EVP_PKEY_decrypt_init_ex(c, p) : EVP_PKEY_encrypt_init_ex(c, p)) != 1) {
		EVP_PKEY_CTX_free(c);
		return NULL;
	}
	return c;
}

/*
 * The cached context for one direction, locked; or, when another thread
 * holds it, a fresh one (*cached = 0) that ctx_put frees.
 */
static EVP_PKEY_CTX *ctx_get(const struct ck_rsa *ck, int dec, int *cached)
{
	struct ck_rsa *k = (struct ck_rsa *)ck; /* the cache is not part of the value */
	EVP_PKEY_CTX **slot = dec ? &k->dec : &k->enc;

	*cached = 0;
	if (pthread_mutex_trylock(&k->lock) == 0) {
		if (*slot == NULL)
			*slot = oaep_ctx(k->pkey, dec);
		if (*slot != NULL) {
			*cached = 1;
			return *slot;
		}
		pthread_mutex_unlock(&k->lock);
	}
	return oaep_ctx(k->pkey, dec);
}

static void ctx_put(const struct ck_rsa *ck, EVP_PKEY_CTX *c, int cached)
{
	if (cached)
		pthread_mutex_unlock(&((struct ck_rsa *)ck)->lock);
	else
		EVP_PKEY_CTX_free(c);
}

static int set_label(EVP_PKEY_CTX *c, const void *label, size_t n)
{
	OSSL_PARAM p[2];

	/* OpenSSL copies it; a zero-length label gives lHash = SHA-256(""). */
	p[0] = OSSL_PARAM_construct_octet_string(OSSL_ASYM_CIPHER_PARAM_OAEP_LABEL,
	                                         (void *)(n ? label : ""), n);
	p[1] = OSSL_PARAM_construct_end();
	return EVP_PKEY_CTX_set_params(c, p) == 1;
}

int ck_rsa_oaep_encrypt(struct ck_buf *out, const struct ck_rsa *k, const void *label,
                        size_t labellen, const void *pt, size_t ptlen)
{
	size_t keep = ck_buf_len(out), size = ck_rsa_size(k), outlen = size;
	EVP_PKEY_CTX *c = NULL;
	int cached = 0, rc = CK_EINTERNAL;
	uint8_t *dst;

	if (ptlen > ck_rsa_oaep_max(k)) {
		rc = ck_err_set(CK_EINVAL, "rsa: %zu bytes too long for OAEP with a %u-bit key",
		                ptlen, ck_rsa_bits(k));
		goto out;
	}
	if ((rc = ck_buf_reserve(out, size, &dst)) < 0)
		goto out;
	if ((c = ctx_get(k, 0, &cached)) == NULL || !set_label(c, label, labellen) ||
	    EVP_PKEY_encrypt(c, dst, &outlen, pt ? pt : (const void *)"", ptlen) != 1 ||
	    outlen != size) {
		rc = ck__ossl_err(CK_ECRYPTO, "rsa: encryption failed");
		goto out;
	}
	rc = CK_OK;
out:
	if (c != NULL)
		ctx_put(k, c, cached);
	if (rc < 0)
		ck_buf_truncate(out, keep);
	return rc;
}

int ck_rsa_oaep_decrypt(struct ck_buf *out, const struct ck_rsa *k, const void *label,
                        size_t labellen, const void *ct, size_t ctlen)
{
	size_t keep = ck_buf_len(out), size = ck_rsa_size(k), outlen = size;
	EVP_PKEY_CTX *c = NULL;
	int cached = 0, rc = CK_EINTERNAL;
	uint8_t *dst;

	if (!k->priv) {
		rc = ck_err_set(CK_EINVAL, "rsa: decryption needs the private key");
		goto out;
	}
	if ((rc = ck_buf_reserve(out, size, &dst)) < 0)
		goto out;
	if ((c = ctx_get(k, 1, &cached)) == NULL) {
		rc = ck__ossl_err(CK_ECRYPTO, "rsa: cannot set up OAEP");
		goto out;
	}
	/* Every way the ciphertext can be wrong looks the same to the caller. */
	if (ctlen != size || !set_label(c, label, labellen) ||
	    EVP_PKEY_decrypt(c, dst, &outlen, ct, ctlen) != 1 || outlen > size) {
		ERR_clear_error();
		rc = ck_err_set(CK_EAUTH, "rsa: decryption failed");
		goto out;
	}
	ck_buf_truncate(out, keep + outlen);
	rc = CK_OK;
out:
	if (c != NULL)
		ctx_put(k, c, cached);
	if (rc < 0)
		ck_buf_truncate(out, keep);
	return rc;
}
