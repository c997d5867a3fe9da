/* SPDX-License-Identifier: Apache-2.0 */
/*
 * STREAM: the age payload. 16-byte nonce, payload key = HKDF(file key, nonce,
 * "payload"), then 64 KiB chunks sealed with ChaCha20-Poly1305 under the
 * nonce (11-byte big-endian counter || final flag).
 *
 * Data moves in batches of BATCH chunk slots of CT_CHUNK bytes each: reads go
 * straight into the slots (plaintext at the slot start, the tag after it),
 * chunks are sealed or opened in place, and the batch leaves with one
 * gathered write. Memory is the batch, whatever the stream length. Chunks of
 * a batch are independent, so they are shared between the calling thread
 * and up to MAX_THREADS - 1 helpers.
 *
 * The bulk cipher is OpenSSL's ChaCha20-Poly1305 (AVX-512/AVX2 code paths,
 * about 2.5x libsodium 1.0.18's on the same core); the result is the same
 * IETF construction.
 */
#include <pthread.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "age_internal.h"
#include "ck/rand.h"
#include "ck/secret.h"

#define CHUNK CK_AGE_CHUNK_SIZE
#define TAG CK_AGE__TAG_LEN
#define CT CK_AGE__CT_CHUNK
#define BATCH 32
#define MAX_THREADS 4

#define PAYLOAD_FAIL(...) ck_age__fail(CK_AGE_PAYLOAD_FAILURE, CK_EAUTH, "age: payload: " __VA_ARGS__)

enum mode { M_SEAL, M_SEAL_FINAL, M_OPEN_FINAL, M_OPEN_TRY, M_SKIP };
enum result { RES_FAIL = 0, RES_OK, RES_FINAL };

struct job {
	uint8_t *p;
	size_t len; /* plaintext bytes (the tag follows them) */
	uint64_t ctr;
	enum mode mode;
	enum result result;
};

struct engine;
struct worker_arg {
	struct engine *e;
	int id;
};

struct engine {
	uint8_t key[32];
	EVP_CIPHER_CTX *ctx[MAX_THREADS];
	int nthreads, started;
	pthread_t th[MAX_THREADS];
	struct worker_arg wargs[MAX_THREADS];
	pthread_mutex_t mu;
	pthread_cond_t go, done;
	struct job *jobs;
	size_t njobs;
	unsigned gen;
	int busy, quit;
};

static void nonce_of(uint8_t n[12], uint64_t ctr, int final)
{
	int i;

	memset(n, 0, 3);
	for (i = 0; i < 8; i++)
		n[3 + i] = (uint8_t)(ctr >> (56 - 8 * i));
	n[11] = final ? 1 : 0;
}

static int seal(EVP_CIPHER_CTX *c, uint8_t *p, size_t len, uint64_t ctr, int final)
{
	uint8_t nonce[12];
	int n = 0;

	nonce_of(nonce, ctr, final);
	if (EVP_EncryptInit_ex(c, NULL, NULL, NULL, nonce) != 1 ||
	    (len > 0 && EVP_EncryptUpdate(c, p, &n, p, (int)len) != 1) ||
	    EVP_EncryptFinal_ex(c, p + len, &n) != 1 ||
	    EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_GET_TAG, TAG, p + len) != 1)
		return 0;
	return 1;
}

/* Open in place; on failure the ciphertext is put back (XOR is its own inverse). */
static int open_chunk(EVP_CIPHER_CTX *c, uint8_t *p, size_t len, uint64_t ctr, int final)
{
	uint8_t nonce[12], tag[TAG];
	int n = 0;

	nonce_of(nonce, ctr, final);
	memcpy(tag, p + len, TAG);
	if (EVP_DecryptInit_ex(c, NULL, NULL, NULL, nonce) != 1 ||
	    (len > 0 && EVP_DecryptUpdate(c, p, &n, p, (int)len) != 1) ||
	    EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_SET_TAG, TAG, tag) != 1)
		return 0;
	if (EVP_DecryptFinal_ex(c, p + len, &n) == 1)
		return 1;
	if (len > 0 && (EVP_DecryptInit_ex(c, NULL, NULL, NULL, nonce) != 1 ||
	                EVP_DecryptUpdate(c, p, &n, p, (int)len) != 1))
		CK_ASSERT(!"chacha20-poly1305: cannot restore a chunk");
	return 0;
}

static void run_job(EVP_CIPHER_CTX *c, struct job *j)
{
	switch (j->mode) {
	case M_SEAL:
	case M_SEAL_FINAL:
		j->result = seal(c, j->p, j->len, j->ctr, j->mode == M_SEAL_FINAL) ? RES_OK : RES_FAIL;
		break;
	case M_OPEN_FINAL:
		j->result = open_chunk(c, j->p, j->len, j->ctr, 1) ? RES_FINAL : RES_FAIL;
		break;
	case M_OPEN_TRY:
		/* As the reference: a full chunk may still be the last one. */
		if (open_chunk(c, j->p, j->len, j->ctr, 0))
			j->result = RES_OK;
		else
			j->result = open_chunk(c, j->p, j->len, j->ctr, 1) ? RES_FINAL : RES_FAIL;
		break;
	case M_SKIP:
		j->result = RES_FAIL;
		break;
	}
}

static void run_share(struct engine *e, int id)
{
	size_t i;

	for (i = (size_t)id; i < e->njobs; i += (size_t)e->nthreads)
		run_job(e->ctx[id], &e->jobs[i]);
}

static void *worker(void *arg)
{
	struct worker_arg *wa = arg;
	struct engine *e = wa->e;
	int id = wa->id;
	unsigned seen = 0; /* workers start before the first batch is posted */

	pthread_mutex_lock(&e->mu);
	for (;;) {
		while (e->gen == seen && !e->quit)
			pthread_cond_wait(&e->go, &e->mu);
		if (e->quit)
			break;
		seen = e->gen;
		pthread_mutex_unlock(&e->mu);
		run_share(e, id);
		pthread_mutex_lock(&e->mu);
		if (--e->busy == 0)
			pthread_cond_signal(&e->done);
	}
	pthread_mutex_unlock(&e->mu);
	return NULL;
}

static int threads_wanted(size_t hint)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	/* Small inputs (sops data keys) are not worth a thread. */
	if (hint != 0 && hint < 4 * (size_t)CHUNK)
		return 1;
	if (n < 1)
		n = 1;
	return n > MAX_THREADS ? MAX_THREADS : (int)n;
}

static void engine_free(struct engine *e)
{
	int i;

	if (e == NULL)
		return;
	if (e->started) {
		pthread_mutex_lock(&e->mu);
		e->quit = 1;
		pthread_cond_broadcast(&e->go);
		pthread_mutex_unlock(&e->mu);
		for (i = 1; i < e->nthreads; i++)
			pthread_join(e->th[i], NULL);
		pthread_mutex_destroy(&e->mu);
		pthread_cond_destroy(&e->go);
		pthread_cond_destroy(&e->done);
	}
	for (i = 0; i < MAX_THREADS; i++)
		EVP_CIPHER_CTX_free(e->ctx[i]);
	ck_secret_free(e);
}

static int engine_new(struct engine **out, const uint8_t key[32], int enc, size_t hint)
{
	struct engine *e = ck_secret_alloc(sizeof(*e));
	int i, rc = CK_EINTERNAL, want, made = 1;

	*out = NULL;
	if (e == NULL)
		return ck_age__fail(CK_AGE_OTHER, CK_ENOMEM, "out of memory");
	memcpy(e->key, key, 32);
	want = threads_wanted(hint);
	e->nthreads = 1;
	for (i = 0; i < want; i++) {
		if ((e->ctx[i] = EVP_CIPHER_CTX_new()) == NULL ||
		    EVP_CipherInit_ex(e->ctx[i], EVP_chacha20_poly1305(), NULL, e->key, NULL,
		                      enc) != 1) {
			rc = ck_age__fail(CK_AGE_OTHER, CK_ENOMEM,
			                  "age: cannot set up ChaCha20-Poly1305");
			goto out;
		}
	}
	if (want > 1) {
		if (pthread_mutex_init(&e->mu, NULL) != 0 || pthread_cond_init(&e->go, NULL) != 0 ||
		    pthread_cond_init(&e->done, NULL) != 0) {
			rc = ck_age__fail(CK_AGE_OTHER, CK_ENOMEM, "age: cannot set up threads");
			goto out;
		}
		e->started = 1;
		for (i = 1; i < want; i++) {
			e->wargs[i].e = e;
			e->wargs[i].id = i;
			/* Fewer helpers than wanted is fine: the work is just shared less. */
			if (pthread_create(&e->th[i], NULL, worker, &e->wargs[i]) != 0)
				break;
			made++;
		}
	}
	/* Workers read nthreads only once a batch is posted, after this. */
	e->nthreads = made;
	rc = CK_OK;
out:
	if (rc < 0)
		engine_free(e);
	else
		*out = e;
	return rc;
}

static void engine_run(struct engine *e, struct job *jobs, size_t n)
{
	size_t i;

	if (e->nthreads == 1 || n < 2) {
		for (i = 0; i < n; i++)
			run_job(e->ctx[0], &jobs[i]);
		return;
	}
	pthread_mutex_lock(&e->mu);
	e->jobs = jobs;
	e->njobs = n;
	e->busy = e->nthreads - 1;
	e->gen++;
	pthread_cond_broadcast(&e->go);
	pthread_mutex_unlock(&e->mu);
	run_share(e, 0);
	pthread_mutex_lock(&e->mu);
	while (e->busy > 0)
		pthread_cond_wait(&e->done, &e->mu);
	pthread_mutex_unlock(&e->mu);
}

static int seal_batch(const struct ck_age_sink *dst, struct engine *e, struct job *jobs,
                      size_t nch, uint8_t *buf)
{
	size_t k;

	engine_run(e, jobs, nch);
	for (k = 0; k < nch; k++)
		if (jobs[k].result != RES_OK)
			return ck_age__fail(CK_AGE_OTHER, CK_ECRYPTO,
			                    "age: ChaCha20-Poly1305 encryption failed");
	/* Chunks before the last are full, so the batch is contiguous. */
	return ck_age__write(dst, buf, (nch - 1) * CT + jobs[nch - 1].len + TAG);
}

/* Input of unknown length: a full batch keeps its last chunk back, it may be the final one. */
static int seal_unknown(const struct ck_age_sink *dst, const struct ck_age_source *src,
                        struct engine *e, uint8_t *buf)
{
	struct job jobs[BATCH];
	struct iovec iov[BATCH];
	size_t filled = 0, got, j, nch, k, off;
	uint64_t ctr = 0;
	int rc, eof = 0, niov;

	while (!eof) {
		niov = 0;
		for (j = filled / CHUNK; j < BATCH; j++) {
			off = j == filled / CHUNK ? filled % CHUNK : 0;
			iov[niov].iov_base = buf + j * CT + off;
			iov[niov++].iov_len = CHUNK - off;
		}
		if ((rc = ck_age__read_full(src, iov, niov, &got)) < 0)
			return rc;
		filled += got;
		eof = filled < BATCH * CHUNK;
		nch = !eof ? BATCH - 1 : filled == 0 ? 1 : (filled + CHUNK - 1) / CHUNK;
		for (k = 0; k < nch; k++) {
			jobs[k].p = buf + k * CT;
			jobs[k].len = k + 1 < nch || !eof ? CHUNK : filled - k * CHUNK;
			jobs[k].ctr = ctr + k;
			jobs[k].mode = eof && k + 1 == nch ? M_SEAL_FINAL : M_SEAL;
		}
		if ((rc = seal_batch(dst, e, jobs, nch, buf)) < 0)
			return rc;
		ctr += nch;
		if (!eof) {
			memcpy(buf, buf + (BATCH - 1) * CT, CHUNK);
			filled = CHUNK;
		}
	}
	return CK_OK;
}

/* Input of known length n: the final chunk is known by counting. */
static int seal_known(const struct ck_age_sink *dst, const struct ck_age_source *src,
                      struct engine *e, uint8_t *buf, size_t batch, size_t n)
{
	struct job jobs[BATCH];
	struct iovec iov[BATCH];
	uint64_t total = n == 0 ? 1 : (n + CHUNK - 1) / CHUNK, ctr = 0;
	size_t left = n, want, got, nch, k;
	int rc;

	while (ctr < total) {
		nch = total - ctr < batch ? (size_t)(total - ctr) : batch;
		want = 0;
		for (k = 0; k < nch; k++) {
			jobs[k].p = buf + k * CT;
			jobs[k].len = left - want < CHUNK ? left - want : CHUNK;
			jobs[k].ctr = ctr + k;
			jobs[k].mode = ctr + k + 1 == total ? M_SEAL_FINAL : M_SEAL;
			iov[k].iov_base = jobs[k].p;
			iov[k].iov_len = jobs[k].len;
			want += jobs[k].len;
		}
		if ((rc = ck_age__read_full(src, iov, (int)nch, &got)) < 0)
			return rc;
		if (got != want)
			return ck_age__fail(CK_AGE_OTHER, CK_EIO, "age: input shorter than announced");
		if ((rc = seal_batch(dst, e, jobs, nch, buf)) < 0)
			return rc;
		left -= want;
		ctr += nch;
	}
	return CK_OK;
}

int ck_age__stream_seal(const struct ck_age_sink *dst, const struct ck_age_source *src,
                        const uint8_t fk[16], const size_t *known_len)
{
	uint8_t nonce[CK_AGE__NONCE_LEN], key[32], *buf = NULL;
	struct engine *e = NULL;
	size_t batch = BATCH, bufsize, nchunks;
	int rc = CK_EINTERNAL;

	if (known_len != NULL) {
		nchunks = *known_len == 0 ? 1 : (*known_len + CHUNK - 1) / CHUNK;
		batch = nchunks < BATCH ? nchunks : BATCH;
		bufsize = nchunks == 1 ? *known_len + TAG : batch * CT;
	} else {
		bufsize = BATCH * CT;
	}
	ck_random(nonce, sizeof(nonce));
	if ((rc = ck_age__hkdf(key, fk, 16, nonce, sizeof(nonce), "payload")) < 0)
		goto out;
	if ((rc = engine_new(&e, key, 1, known_len ? *known_len : 0)) < 0)
		goto out;
	if ((buf = ck_secret_alloc(bufsize)) == NULL) {
		rc = ck_age__fail(CK_AGE_OTHER, CK_ENOMEM, "out of memory");
		goto out;
	}
	if ((rc = ck_age__write(dst, nonce, sizeof(nonce))) < 0)
		goto out;
	if (known_len != NULL)
		rc = seal_known(dst, src, e, buf, batch, *known_len);
	else
		rc = seal_unknown(dst, src, e, buf);
out:
	ck_memzero(key, sizeof(key));
	engine_free(e);
	ck_secret_free(buf);
	return rc;
}

static int release(const struct ck_age_sink *dst, struct job *jobs, size_t n, uint64_t *written)
{
	struct iovec iov[BATCH];
	size_t k, total = 0;
	int rc;

	if (n == 0)
		return CK_OK;
	for (k = 0; k < n; k++) {
		iov[k].iov_base = jobs[k].p;
		iov[k].iov_len = jobs[k].len;
		total += jobs[k].len;
	}
	if ((rc = dst->write(dst->ctx, iov, (int)n)) < 0) {
		ck_age__set_failure(CK_AGE_OTHER);
		return rc;
	}
	*written += total;
	return CK_OK;
}

int ck_age__stream_open(const struct ck_age_sink *dst, const struct ck_age_source *src,
                        const uint8_t fk[16], const size_t *known_len, uint64_t *written)
{
	uint8_t nonce[CK_AGE__NONCE_LEN], key[32], probe[1], *buf = NULL;
	struct job jobs[BATCH];
	struct iovec v;
	struct engine *e = NULL;
	size_t cap = BATCH * CT, got, nwin, k, wlen;
	uint64_t ctr = 0;
	int rc = CK_EINTERNAL, eof = 0;

	*written = 0;
	v.iov_base = nonce;
	v.iov_len = sizeof(nonce);
	if ((rc = ck_age__read_full(src, &v, 1, &got)) < 0) {
		ck_age__set_failure(CK_AGE_OTHER);
		goto out;
	}
	if (got < sizeof(nonce)) {
		rc = ck_age__fail(CK_AGE_HEADER_FAILURE, CK_EINVAL,
		                  "age: bad header: payload nonce missing or truncated");
		goto out;
	}
	if ((rc = ck_age__hkdf(key, fk, 16, nonce, sizeof(nonce), "payload")) < 0)
		goto out;
	/* With the length known, one read past it proves the end: no probe needed. */
	if (known_len != NULL && *known_len < cap)
		cap = *known_len + 1;
	if ((rc = engine_new(&e, key, 0, known_len ? *known_len : 0)) < 0)
		goto out;
	if ((buf = ck_secret_alloc(cap)) == NULL) {
		rc = ck_age__fail(CK_AGE_OTHER, CK_ENOMEM, "out of memory");
		goto out;
	}
	for (;;) {
		v.iov_base = buf;
		v.iov_len = cap;
		if ((rc = ck_age__read_full(src, &v, 1, &got)) < 0) {
			ck_age__set_failure(CK_AGE_OTHER);
			goto out;
		}
		eof = got < cap;
		if (!eof && cap % CT != 0) {
			rc = ck_age__fail(CK_AGE_OTHER, CK_EINTERNAL, "age: payload longer than announced");
			goto out;
		}
		if (got == 0) {
			rc = PAYLOAD_FAIL("truncated: no final chunk");
			goto out;
		}
		nwin = (got + CT - 1) / CT;
		for (k = 0; k < nwin; k++) {
			wlen = got - k * CT < CT ? got - k * CT : CT;
			jobs[k].p = buf + k * CT;
			jobs[k].ctr = ctr + k;
			jobs[k].len = wlen >= TAG ? wlen - TAG : 0;
			if (wlen == CT)
				jobs[k].mode = M_OPEN_TRY;
			else if (wlen < TAG || (wlen == TAG && ctr + k != 0))
				jobs[k].mode = M_SKIP;
			else
				jobs[k].mode = M_OPEN_FINAL;
		}
		engine_run(e, jobs, nwin);
		for (k = 0; k < nwin; k++) {
			if (jobs[k].result == RES_FAIL) {
				if ((rc = release(dst, jobs, k, written)) < 0)
					goto out;
				wlen = got - k * CT < CT ? got - k * CT : CT;
				if (wlen < TAG)
					rc = PAYLOAD_FAIL("truncated: chunk %llu is shorter than its tag",
					                  (unsigned long long)(ctr + k));
				else if (jobs[k].mode == M_SKIP)
					rc = PAYLOAD_FAIL("empty final chunk after data");
				else
					rc = PAYLOAD_FAIL("chunk %llu failed authentication (tampered or "
					                  "truncated)", (unsigned long long)(ctr + k));
				goto out;
			}
			if (jobs[k].result == RES_FINAL)
				break;
		}
		if (k < nwin) {
			/* A final chunk: release it, then the input must end. */
			if ((rc = release(dst, jobs, k + 1, written)) < 0)
				goto out;
			if (k + 1 < nwin) {
				rc = PAYLOAD_FAIL("data after the final chunk");
				goto out;
			}
			if (!eof) {
				v.iov_base = probe;
				v.iov_len = 1;
				if ((rc = ck_age__read_full(src, &v, 1, &got)) < 0) {
					ck_age__set_failure(CK_AGE_OTHER);
					goto out;
				}
				if (got > 0) {
					rc = PAYLOAD_FAIL("data after the final chunk");
					goto out;
				}
			}
			break;
		}
		if ((rc = release(dst, jobs, nwin, written)) < 0)
			goto out;
		if (eof) {
			rc = PAYLOAD_FAIL("truncated: no final chunk");
			goto out;
		}
		ctr += nwin;
	}
	rc = CK_OK;
out:
	ck_memzero(key, sizeof(key));
	engine_free(e);
	ck_secret_free(buf);
	return rc;
}
