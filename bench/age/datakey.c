/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The sops path: ck_age_encrypt / ck_age_decrypt of a 32-byte data key
 * (armoured, one X25519 recipient), beside the X25519 scalar multiplications
 * they cannot avoid (encrypt 2, decrypt 1), measured in the same run.
 * Built and run by bench/age/run.sh against the release libraries.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "ck/age.h"
#include "ck/rand.h"
#include "ck/secret.h"
#include "ck/x25519.h"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(void)
{
	struct ck_age_identities *ids = NULL;
	struct ck_age_recipients *rs = NULL;
	struct ck_buf sk, pk = CK_BUF_INIT, ct = CK_BUF_INIT, pt;
	uint8_t key[32], a[32], b[32], out[32];
	int i, n = 2000;
	double t0, enc, dec, mult;

	ck_buf_init_secure(&sk, 0);
	ck_buf_init_secure(&pt, 0);
	if (ck_core_init() != CK_OK || ck_age_keygen(&sk, &pk) != CK_OK ||
	    ck_age_identities_add_text(&ids, ck_buf_cstr(&sk), ck_buf_len(&sk)) != CK_OK ||
	    ck_age_recipients_add(&rs, ck_buf_cstr(&pk), ck_buf_len(&pk)) != CK_OK)
		return 1;
	ck_random(key, sizeof(key));
	t0 = now();
	for (i = 0; i < n; i++) {
		ck_buf_reset(&ct);
		if (ck_age_encrypt(&ct, rs, key, sizeof(key), 1) != CK_OK)
			return 1;
	}
	enc = (now() - t0) / n;
	t0 = now();
	for (i = 0; i < n; i++) {
		ck_buf_reset(&pt);
		if (ck_age_decrypt(&pt, ids, ck_buf_data(&ct), ck_buf_len(&ct)) != CK_OK ||
		    ck_buf_len(&pt) != 32 || memcmp(ck_buf_data(&pt), key, 32) != 0)
			return 1;
	}
	dec = (now() - t0) / n;
	ck_random(a, sizeof(a));
	if (ck_x25519_base(b, a) != CK_OK)
		return 1;
	t0 = now();
	for (i = 0; i < n; i++)
		if (ck_x25519(out, a, b) != CK_OK)
			return 1;
	mult = (now() - t0) / n;
	printf("data key (32 B, armored, 1 X25519 recipient): encrypt %.1f us, decrypt %.1f us\n",
	       enc * 1e6, dec * 1e6);
	printf("floor (X25519 scalar mult %.1f us): encrypt >= %.1f us (2 mults), "
	       "decrypt >= %.1f us (1 mult)\n",
	       mult * 1e6, 2 * mult * 1e6, mult * 1e6);
	ck_age_identities_free(ids);
	ck_age_recipients_free(rs);
	ck_buf_dispose(&sk);
	ck_buf_dispose(&pk);
	ck_buf_dispose(&ct);
	ck_buf_dispose(&pt);
	return 0;
}
