/* SPDX-License-Identifier: Apache-2.0 */
/*
 * STREAM: the age payload. 16-byte nonce, payload key = HKDF(file key, nonce,
 * "payload"), then 64 KiB chunks sealed with ChaCha20-Poly1305 under the
 * nonce (11-byte big-endian counter || final flag).
 *
 * Data moves in batches of BATCH chunk slots of CT_CHUNK bytes each: reads go
 * straight into the slots (plaintext at the slot start, the tag after it),
 * chunks are sealed or opened in place, and the batch leaves with one
 * gathered write. Memory is two batches, whatever the stream length: while
 * up to MAX_THREADS - 1 helpers work on one, the calling thread reads the
 * next into the other, then helps (chunks are independent).
 *
 * The bulk cipher is OpenSSL's ChaCha20-Poly1305 (AVX-512/AVX2 code paths,
 * about 2.5x libsodium 1.0.18's on the same core); the result is the same
 * IETF construction.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <sodium.h>

#include "age_internal.h"
#include "ck/alloc.h"
#include "ck/rand.h"
#include "ck/secret.h"

#define CHUNK CK_AGE_CHUNK_SIZE
#define TAG CK_AGE__TAG_LEN
#define CT CK_AGE__CT_CHUNK
#define BATCH 16
#define MAX_THREADS 4
#define SMALL (4 * CT) /* up to here: one thread, libsodium, buffer on the stack */
#define STACK_BUF 4096 /* payload buffers this small live on the stack (wiped) */

#define PAYLOAD_FAIL(...)                                                                          \
	ck_age__fail(CK_AGE_PAYLOAD_FAILURE, CK_EAUTH, "age: payload: " __VA_ARGS__)

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
	atomic_size_t next; /* next job to claim */
	unsigned gen;
	int busy, quit, posted;
};

static void nonce_of(uint8_t n[12], uint64_t ctr, int final)
{
	int i;

	memset(n, 0, 3);
	for (i = 0; i < 8; i++)
		n[3 + i] = (uint8_t)(ctr >> (56 - 8 * i));
	n[11] = final ? 1 : 0;
}

static int seal_evp(EVP_CIPHER_CTX *c, uint8_t *p, size_t len, const uint8_t nonce[12])
{
	int n = 0;

	return EVP_EncryptInit_ex(c, NULL, NULL, NULL, nonce) == 1 &&
	       (len == 0 || EVP_EncryptUpdate(c, p, &n, p, (int)len) == 1) &&
	       EVP_EncryptFinal_ex(c, p + len, &n) == 1 &&
	       EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_GET_TAG, TAG, p + len) == 1;
}

/* Open in place; on failure the ciphertext is put back (XOR is its own inverse). */
static int open_evp(EVP_CIPHER_CTX *c, uint8_t *p, size_t len, const uint8_t nonce[12])
{
	uint8_t tag[TAG];
	int n = 0;

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

/* Small payloads (a sops data key) skip the EVP set-up: libsodium, same construction. */
static int seal_chunk(struct engine *e, int id, uint8_t *p, size_t len, uint64_t ctr, int final)
{
	uint8_t nonce[12];
	unsigned long long tl = 0;

	nonce_of(nonce, ctr, final);
	if (e->ctx[id] != NULL)
		return seal_evp(e->ctx[id], p, len, nonce);
	crypto_aead_chacha20poly1305_ietf_encrypt_detached(p, p + len, &tl, p, len, NULL, 0, NULL,
	                                                   nonce, e->key);
	return 1;
}

static int open_chunk(struct engine *e, int id, uint8_t *p, size_t len, uint64_t ctr, int final)
{
	uint8_t nonce[12];

	nonce_of(nonce, ctr, final);
	if (e->ctx[id] != NULL)
		return open_evp(e->ctx[id], p, len, nonce);
	/*
	 * libsodium zeroes the output on a bad tag, which in place would destroy
	 * the chunk before the final-flag retry: verify alone (NULL output) first.
	 */
	if (crypto_aead_chacha20poly1305_ietf_decrypt_detached(NULL, NULL, p, len, p + len, NULL, 0,
	                                                       nonce, e->key) != 0)
		return 0;
	return crypto_aead_chacha20poly1305_ietf_decrypt_detached(p, NULL, p, len, p + len, NULL, 0,
	                                                          nonce, e->key) == 0;
}

static void run_job(struct engine *e, int id, struct job *j)
{
	switch (j->mode) {
	case M_SEAL:
	case M_SEAL_FINAL:
		j->result = seal_chunk(e, id, j->p, j->len, j->ctr, j->mode == M_SEAL_FINAL)
		                ? RES_OK
		                : RES_FAIL;
		break;
	case M_OPEN_FINAL:
		j->result = open_chunk(e, id, j->p, j->len, j->ctr, 1) ? RES_FINAL : RES_FAIL;
		break;
	case M_OPEN_TRY:
		/* As the reference: a full chunk may still be the last one. */
		if (open_chunk(e, id, j->p, j->len, j->ctr, 0))
			j->result = RES_OK;
		else
			j->result =
			    open_chunk(e, id, j->p, j->len, j->ctr, 1) ? RES_FINAL : RES_FAIL;
		break;
	case M_SKIP:
		j->result = RES_FAIL;
		break;
	}
}

/* Claim jobs until none are left: whoever is free takes the next chunk. */
static void run_share(struct engine *e, int id)
{
	size_t i;

	while ((i = atomic_fetch_add(&e->next, 1)) < e->njobs)
		run_job(e, id, &e->jobs[i]);
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

/* The provider's cipher, fetched once instead of implicitly per context. */
static EVP_CIPHER *chacha;
static pthread_once_t chacha_once = PTHREAD_ONCE_INIT;

static void fetch_chacha(void)
{
	chacha = EVP_CIPHER_fetch(NULL, "ChaCha20-Poly1305", NULL);
}

static long ncpu;
static pthread_once_t ncpu_once = PTHREAD_ONCE_INIT;

static void count_cpus(void)
{
	/* glibc reads sysfs for this: once per process, not per file. */
	ncpu = sysconf(_SC_NPROCESSORS_ONLN);
}

static int threads_wanted(size_t hint)
{
	/* Small inputs (sops data keys) are not worth a thread. */
	if (hint != 0 && hint <= SMALL)
		return 1;
	pthread_once(&ncpu_once, count_cpus);
	if (ncpu < 1)
		return 1;
	return ncpu > MAX_THREADS ? MAX_THREADS : (int)ncpu;
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
	ck_freezero(e, sizeof(*e));
}

static int engine_new(struct engine **out, const uint8_t key[32], int enc, size_t hint)
{
	/* Short-lived like a stack key: plain heap, wiped on free (no mlock'ed pages per file). */
	struct engine *e = ck_calloc(1, sizeof(*e));
	int i, rc = CK_EINTERNAL, want, made = 1;

	*out = NULL;
	if (e == NULL)
		return ck_age__fail(CK_AGE_OTHER, CK_ENOMEM, "out of memory");
	memcpy(e->key, key, 32);
	want = threads_wanted(hint);
	e->nthreads = 1;
	if (hint != 0 && hint <= SMALL)
		goto done; /* libsodium path: no EVP contexts */
	pthread_once(&chacha_once, fetch_chacha);
	for (i = 0; i < want; i++) {
		if (chacha == NULL || (e->ctx[i] = EVP_CIPHER_CTX_new()) == NULL ||
		    EVP_CipherInit_ex(e->ctx[i], chacha, NULL, e->key, NULL, enc) != 1) {
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
done:
	rc = CK_OK;
out:
	if (rc < 0)
		engine_free(e);
	else
		*out = e;
	return rc;
}

/*
 * Hand a batch to the helpers and return at once, so the caller can read the
 * next batch meanwhile; engine_finish() then joins in and waits.
 */
static void engine_post(struct engine *e, struct job *jobs, size_t n)
{
	e->jobs = jobs;
	e->njobs = n;
	atomic_store(&e->next, 0);
	e->posted = e->nthreads > 1 && n > 1;
	if (!e->posted)
		return;
	pthread_mutex_lock(&e->mu);
	e->busy = e->nthreads - 1;
	e->gen++;
	pthread_cond_broadcast(&e->go);
	pthread_mutex_unlock(&e->mu);
}

static void engine_finish(struct engine *e)
{
	run_share(e, 0);
	if (!e->posted)
		return;
	pthread_mutex_lock(&e->mu);
	while (e->busy > 0)
		pthread_cond_wait(&e->done, &e->mu);
	pthread_mutex_unlock(&e->mu);
}

/* Wait for the posted batch, check it and write it out. */
static int seal_finish(const struct ck_age_sink *dst, struct engine *e, struct job *jobs,
                       size_t nch, uint8_t *buf)
{
	size_t k;

	engine_finish(e);
	for (k = 0; k < nch; k++)
		if (jobs[k].result != RES_OK)
			return ck_age__fail(CK_AGE_OTHER, CK_ECRYPTO,
			                    "age: ChaCha20-Poly1305 encryption failed");
	/* Chunks before the last are full, so the batch is contiguous. */
	return ck_age__write(dst, buf, (nch - 1) * CT + jobs[nch - 1].len + TAG);
}

/* Fill the free plaintext areas of buf's slots from `filled` on. */
static int fill_slots(const struct ck_age_source *src, uint8_t *buf, size_t *filled)
{
	struct iovec iov[BATCH];
	size_t j, off, got;
	int niov = 0, rc;

	for (j = *filled / CHUNK; j < BATCH; j++) {
		off = j == *filled / CHUNK ? *filled % CHUNK : 0;
		iov[niov].iov_base = buf + j * CT + off;
		iov[niov++].iov_len = CHUNK - off;
	}
	if ((rc = ck_age__read_full(src, iov, niov, &got)) < 0)
		return rc;
	*filled += got;
	return CK_OK;
}

/*
 * Input of unknown length: a full batch keeps its last chunk back, it may be
 * the final one; it moves to the other buffer, which is filled while this
 * batch is sealed.
 */
static int seal_unknown(const struct ck_age_sink *dst, const struct ck_age_source *src,
                        struct engine *e, uint8_t *bufs[2])
{
	struct job jobs[BATCH];
	size_t filled = 0, next_filled = 0, nch, k;
	uint64_t ctr = 0;
	uint8_t *buf = bufs[0], *other = bufs[1];
	int rc, rc2, eof;

	if ((rc = fill_slots(src, buf, &filled)) < 0)
		return rc;
	for (;;) {
		eof = filled < BATCH * CHUNK;
		nch = !eof ? BATCH - 1 : filled == 0 ? 1 : (filled + CHUNK - 1) / CHUNK;
		for (k = 0; k < nch; k++) {
			jobs[k].p = buf + k * CT;
			jobs[k].len = k + 1 < nch || !eof ? CHUNK : filled - k * CHUNK;
			jobs[k].ctr = ctr + k;
			jobs[k].mode = eof && k + 1 == nch ? M_SEAL_FINAL : M_SEAL;
		}
		engine_post(e, jobs, nch);
		rc = CK_OK;
		if (!eof) {
			/* The held-back chunk is in no job: safe to move while they run. */
			memcpy(other, buf + (BATCH - 1) * CT, CHUNK);
			next_filled = CHUNK;
			rc = fill_slots(src, other, &next_filled);
		}
		if ((rc2 = seal_finish(dst, e, jobs, nch, buf)) < 0)
			return rc2;
		if (rc < 0 || eof)
			return rc;
		ctr += nch;
		filled = next_filled;
		other = buf;
		buf = buf == bufs[0] ? bufs[1] : bufs[0];
	}
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
			return ck_age__fail(CK_AGE_OTHER, CK_EIO,
			                    "age: input shorter than announced");
		engine_post(e, jobs, nch);
		if ((rc = seal_finish(dst, e, jobs, nch, buf)) < 0)
			return rc;
		left -= want;
		ctr += nch;
	}
	return CK_OK;
}

int ck_age__stream_seal(const struct ck_age_sink *dst, const struct ck_age_source *src,
                        const uint8_t fk[16], const size_t *known_len)
{
	uint8_t nonce[CK_AGE__NONCE_LEN], key[32], *buf = NULL, small[STACK_BUF];
	struct engine *e = NULL;
	size_t batch = BATCH, bufsize, nchunks;
	int rc = CK_EINTERNAL;

	if (known_len != NULL) {
		nchunks = *known_len == 0 ? 1 : (*known_len + CHUNK - 1) / CHUNK;
		batch = nchunks < BATCH ? nchunks : BATCH;
		bufsize = nchunks == 1 ? *known_len + TAG : batch * CT;
	} else {
		bufsize = 2 * BATCH * CT; /* one batch in work, one being read */
	}
	ck_random(nonce, sizeof(nonce));
	if ((rc = ck_age__hkdf(key, fk, 16, nonce, sizeof(nonce), "payload")) < 0)
		goto out;
	if ((rc = engine_new(&e, key, 1, known_len ? *known_len : 0)) < 0)
		goto out;
	if ((buf = bufsize <= sizeof(small) ? small : ck_secret_alloc(bufsize)) == NULL) {
		rc = ck_age__fail(CK_AGE_OTHER, CK_ENOMEM, "out of memory");
		goto out;
	}
	if ((rc = ck_age__write(dst, nonce, sizeof(nonce))) < 0)
		goto out;
	if (known_len != NULL)
		rc = seal_known(dst, src, e, buf, batch, *known_len);
	else
		rc = seal_unknown(dst, src, e, (uint8_t *[2]){buf, buf + BATCH * CT});
out:
	ck_memzero(key, sizeof(key));
	engine_free(e);
	if (buf == small)
		ck_memzero(small, sizeof(small));
	else
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
	uint8_t nonce[CK_AGE__NONCE_LEN], key[32], *buf = NULL, small[STACK_BUF], *cur, *other;
	struct job jobs[BATCH];
	struct iovec v;
	struct engine *e = NULL;
	size_t cap = BATCH * CT, got, next_got, nwin, k, wlen;
	uint64_t ctr = 0;
	int rc = CK_EINTERNAL, read_rc, eof, next_eof, dbl;

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
	/* With a bound on the length, one read past it proves the end: one buffer will do. */
	if (known_len != NULL && *known_len < cap)
		cap = *known_len + 1;
	dbl = cap == BATCH * CT;
	if ((rc = engine_new(&e, key, 0, known_len ? *known_len : 0)) < 0)
		goto out;
	if ((buf = cap <= sizeof(small) ? small : ck_secret_alloc(dbl ? 2 * cap : cap)) == NULL) {
		rc = ck_age__fail(CK_AGE_OTHER, CK_ENOMEM, "out of memory");
		goto out;
	}
	cur = buf;
	v.iov_base = cur;
	v.iov_len = cap;
	if ((rc = ck_age__read_full(src, &v, 1, &got)) < 0) {
		ck_age__set_failure(CK_AGE_OTHER);
		goto out;
	}
	eof = got < cap;
	for (;;) {
		if (!eof && !dbl) {
			rc = ck_age__fail(CK_AGE_OTHER, CK_EINTERNAL,
			                  "age: payload longer than announced");
			goto out;
		}
		if (got == 0) {
			rc = PAYLOAD_FAIL("truncated: no final chunk");
			goto out;
		}
		nwin = (got + CT - 1) / CT;
		for (k = 0; k < nwin; k++) {
			wlen = got - k * CT < CT ? got - k * CT : CT;
			jobs[k].p = cur + k * CT;
			jobs[k].ctr = ctr + k;
			jobs[k].len = wlen >= TAG ? wlen - TAG : 0;
			if (wlen == CT)
				jobs[k].mode = M_OPEN_TRY;
			else if (wlen < TAG || (wlen == TAG && ctr + k != 0))
				jobs[k].mode = M_SKIP;
			else
				jobs[k].mode = M_OPEN_FINAL;
		}
		engine_post(e, jobs, nwin);
		/* Read ahead into the other buffer while the chunks are opened. */
		other = cur == buf ? buf + cap : buf;
		next_got = 0;
		next_eof = 1;
		read_rc = CK_OK;
		if (!eof) {
			v.iov_base = other;
			v.iov_len = cap;
			read_rc = ck_age__read_full(src, &v, 1, &next_got);
			next_eof = next_got < cap;
		}
		engine_finish(e);
		for (k = 0; k < nwin; k++) {
			if (jobs[k].result == RES_FAIL) {
				if ((rc = release(dst, jobs, k, written)) < 0)
					goto out;
				wlen = got - k * CT < CT ? got - k * CT : CT;
				if (wlen < TAG)
					rc = PAYLOAD_FAIL(
					    "truncated: chunk %llu is shorter than its tag",
					    (unsigned long long)(ctr + k));
				else if (jobs[k].mode == M_SKIP)
					rc = PAYLOAD_FAIL("empty final chunk after data");
				else
					rc = PAYLOAD_FAIL(
					    "chunk %llu failed authentication (tampered or "
					    "truncated)",
					    (unsigned long long)(ctr + k));
				goto out;
			}
			if (jobs[k].result == RES_FINAL)
				break;
		}
		if (k < nwin) {
			/* A final chunk: release it (as the reference does), then the input must
			 * end. */
			if ((rc = release(dst, jobs, k + 1, written)) < 0)
				goto out;
			if (k + 1 < nwin || next_got > 0) {
				rc = PAYLOAD_FAIL("data after the final chunk");
				goto out;
			}
			if ((rc = read_rc) < 0) {
				ck_age__set_failure(CK_AGE_OTHER);
				goto out;
			}
			break;
		}
		if ((rc = release(dst, jobs, nwin, written)) < 0)
			goto out;
		if ((rc = read_rc) < 0) {
			ck_age__set_failure(CK_AGE_OTHER);
			goto out;
		}
		if (eof) {
			rc = PAYLOAD_FAIL("truncated: no final chunk");
			goto out;
		}
		ctr += nwin;
		cur = other;
		got = next_got;
		eof = next_eof;
	}
	rc = CK_OK;
out:
	ck_memzero(key, sizeof(key));
	engine_free(e);
	if (buf == small)
		ck_memzero(small, sizeof(small));
	else
		ck_secret_free(buf);
	return rc;
}
