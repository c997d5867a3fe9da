/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Crypto core throughput on one core (CPU time), through the public API the other
 * modules use:
 *   - AES-256-GCM and ChaCha20-Poly1305 seal/open on 1 MiB buffers (MB/s,
 *     MB = 10^6 bytes, as openssl speed counts), one ck_aead per key;
 *   - AES-256-GCM on sops-shaped values (64 bytes, 32-byte IV), calls/s;
 *   - RSA-4096 OAEP-SHA256 decrypt (ops/s), the controller's unseal step.
 * For reference it also times libsodium's ChaCha20-Poly1305, which the core
 * no longer uses for bulk data. bench/crypto/run.sh prints these beside
 * `openssl speed` from the same run.
 *
 * Usage: bench_crypto [-s SECONDS] RSA4096_PRIVATE_KEY.pem
 * Output: one "key value unit" line per figure (run.sh parses them).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "ck/aead.h"
#include "ck/file.h"
#include "ck/rand.h"
#include "ck/rsa.h"
#include "ck/secret.h"

#define MIB (1u << 20)

/*
 * CPU time of this process, as `openssl speed` counts by default (user time;
 * it has -elapsed for wall time): on a shared machine, wall time would charge
 * us for other processes' turns on the core.
 */
static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static double seconds = 3.0;

static void die(const char *what)
{
	fprintf(stderr, "bench_crypto: %s: %s\n", what, ck_err_last()->msg);
	exit(1);
}

/* Seal (or open) 1 MiB again and again for `seconds`; MB/s. */
static double aead_mbps(enum ck_aead_alg alg, int seal)
{
	uint8_t key[32], iv[24], tag[16];
	uint8_t *pt = malloc(MIB), *ct = malloc(MIB);
	size_t ivlen = alg == CK_XCHACHA20_POLY1305 ? 24 : 12;
	struct ck_aead *a;
	double t0, t;
	long n = 0;

	if (pt == NULL || ct == NULL)
		exit(1);
	ck_random(key, sizeof(key));
	ck_random(iv, sizeof(iv));
	ck_random(pt, MIB);
	if ((a = ck_aead_new(alg, key)) == NULL)
		die("aead");
	if (ck_aead_seal(a, ct, tag, 16, iv, ivlen, NULL, 0, pt, MIB) != CK_OK)
		die("seal");
	t0 = now();
	do {
		int rc = seal ? ck_aead_seal(a, ct, tag, 16, iv, ivlen, NULL, 0, pt, MIB)
		              : ck_aead_open(a, pt, tag, 16, iv, ivlen, NULL, 0, ct, MIB);

		if (rc != CK_OK)
			die(seal ? "seal" : "open");
		n++;
	} while ((t = now() - t0) < seconds);
	ck_aead_free(a);
	free(pt);
	free(ct);
	return (double)n * MIB / t / 1e6;
}

/* sops: many small values under one data key, 32-byte IVs; calls/s. */
static double gcm_small_calls(void)
{
	uint8_t key[32], iv[32], pt[64], ct[64], tag[16];
	struct ck_aead *a;
	double t0, t;
	long n = 0;

	ck_random(key, sizeof(key));
	ck_random(iv, sizeof(iv));
	ck_random(pt, sizeof(pt));
	if ((a = ck_aead_new(CK_AES256_GCM, key)) == NULL)
		die("aead");
	t0 = now();
	do {
		int i;

		for (i = 0; i < 1000; i++) {
			iv[0] = (uint8_t)i;
			if (ck_aead_seal(a, ct, tag, 16, iv, 32, (const uint8_t *)"data:key:", 9, pt,
			                 sizeof(pt)) != CK_OK)
				die("seal");
		}
		n += 1000;
	} while ((t = now() - t0) < seconds);
	ck_aead_free(a);
	return (double)n / t;
}

static double sodium_chacha_mbps(void)
{
	uint8_t key[32], nonce[12], tag[16];
	uint8_t *pt = malloc(MIB), *ct = malloc(MIB);
	unsigned long long tl;
	double t0, t;
	long n = 0;

	if (pt == NULL || ct == NULL || sodium_init() < 0)
		exit(1);
	randombytes_buf(key, sizeof(key));
	randombytes_buf(nonce, sizeof(nonce));
	randombytes_buf(pt, MIB);
	t0 = now();
	do {
		crypto_aead_chacha20poly1305_ietf_encrypt_detached(ct, tag, &tl, pt, MIB, NULL, 0, NULL,
		                                                   nonce, key);
		n++;
	} while ((t = now() - t0) < seconds);
	free(pt);
	free(ct);
	return (double)n * MIB / t / 1e6;
}

static double rsa_decrypt_ops(const char *keyfile, unsigned *bits)
{
	struct ck_buf pem, ct = CK_BUF_INIT, pt;
	struct ck_rsa *k = NULL;
	uint8_t sk[32];
	double t0, t;
	long n = 0;

	ck_buf_init_secure(&pem, 0);
	ck_buf_init_secure(&pt, 0);
	if (ck_file_read(&pem, keyfile, 1 << 20) != CK_OK ||
	    ck_rsa_private_parse(&k, ck_buf_cstr(&pem), ck_buf_len(&pem)) != CK_OK)
		die(keyfile);
	*bits = ck_rsa_bits(k);
	ck_random(sk, sizeof(sk));
	/* A Sealed Secrets session key under a strict-scope label. */
	if (ck_rsa_oaep_encrypt(&ct, k, "default/mysecret", 16, sk, sizeof(sk)) != CK_OK)
		die("encrypt");
	t0 = now();
	do {
		ck_buf_reset(&pt);
		if (ck_rsa_oaep_decrypt(&pt, k, "default/mysecret", 16, ck_buf_data(&ct),
		                        ck_buf_len(&ct)) != CK_OK)
			die("decrypt");
		n++;
	} while ((t = now() - t0) < seconds);
	ck_rsa_free(k);
	ck_buf_dispose(&pem);
	ck_buf_dispose(&pt);
	ck_buf_dispose(&ct);
	return (double)n / t;
}

int main(int argc, char **argv)
{
	const char *keyfile;
	unsigned bits = 0;
	int i = 1;

	if (argc > 2 && strcmp(argv[1], "-s") == 0) {
		seconds = strtod(argv[2], NULL);
		i = 3;
	}
	if (i != argc - 1 || seconds <= 0) {
		fprintf(stderr, "usage: bench_crypto [-s SECONDS] RSA4096_PRIVATE_KEY.pem\n");
		return 2;
	}
	keyfile = argv[i];
	if (ck_core_init() != CK_OK)
		die("init");
	printf("aes-256-gcm-seal %.1f MB/s\n", aead_mbps(CK_AES256_GCM, 1));
	printf("aes-256-gcm-open %.1f MB/s\n", aead_mbps(CK_AES256_GCM, 0));
	printf("chacha20-poly1305-seal %.1f MB/s\n", aead_mbps(CK_CHACHA20_POLY1305, 1));
	printf("chacha20-poly1305-open %.1f MB/s\n", aead_mbps(CK_CHACHA20_POLY1305, 0));
	printf("xchacha20-poly1305-seal %.1f MB/s\n", aead_mbps(CK_XCHACHA20_POLY1305, 1));
	printf("libsodium-chacha20-poly1305-seal %.1f MB/s\n", sodium_chacha_mbps());
	printf("aes-256-gcm-sops-64B %.0f calls/s\n", gcm_small_calls());
	printf("rsa-oaep-decrypt %.1f ops/s\n", rsa_decrypt_ops(keyfile, &bits));
	printf("rsa-bits %u bits\n", bits);
	return 0;
}
