/* SPDX-License-Identifier: Apache-2.0 */
/*
 * AWS KMS master keys (kms) as sops 3.13 makes them; contract in
 * ck/sops_net.h. One AWS client per wrap/unwrap, configured like sops's
 * per-key config: the ARN's region, the key's profile, then its role.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ck/alloc.h"
#include "ck/sops.h"
#include "ck/aws.h"
#include "ck/enc.h"
#include "ks_net.h"

#define ROLE_MARK "+arn:aws:iam::"
#define SESSION_MAX 64

int ck_sops__kms_parse(struct ck_sops_key *k, const char *s, size_t n)
{
	struct ck_buf a;
	const char *t, *role;
	size_t i, len;
	int rc = CK_OK;

	ck_buf_init(&a, 0);
	/* sops removes every space, then splits at the role ARN */
	for (i = 0; i < n && rc == CK_OK; i++)
		if (s[i] != ' ')
			rc = ck_buf_putc(&a, s[i]);
	if (rc < 0)
		goto out;
	t = ck_buf_cstr(&a);
	len = ck_buf_len(&a);
	if (len == 0) {
		rc = ck_err_set_exit(CK_EINVAL, CK_SOPS_EXIT_ERROR_GENERIC, "sops: empty KMS ARN");
		goto out;
	}
	role = strstr(t, ROLE_MARK);
	if (role == t)
		role = NULL;
	if ((rc = ck_sops__net_set_fieldn(k, "arn", t, role ? (size_t)(role - t) : len)) < 0)
		goto out;
	if (role != NULL &&
	    (rc = ck_sops__net_set_fieldn(k, "role", role + 1, len - (size_t)(role + 1 - t))) < 0)
		goto out;
	if (ck_sops_key_field(k, "aws_profile") == NULL)
		rc = ck_sops_key_set_field(k, "aws_profile", "");
out:
	ck_buf_dispose(&a);
	return rc;
}

/*
 * The region of a key ARN as sops finds it with
 * ^arn:aws[\w-]*:kms:(.+):[0-9]+:(key|alias)/.+$ (the region group is
 * greedy: the last ":<account>:key/" wins).
 */
static int arn_region(char *out, size_t cap, const char *arn)
{
	const char *p = arn, *r, *j;
	size_t n = strlen(arn);

	if (strncmp(p, "arn:aws", 7) != 0 || memchr(arn, '\n', n) != NULL)
		goto bad;
	for (p += 7; (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
	             (*p >= '0' && *p <= '9') || *p == '_' || *p == '-';
	     p++)
		;
	if (strncmp(p, ":kms:", 5) != 0)
		goto bad;
	r = p + 5;
	for (j = arn + n; j-- > r + 1;) {
		const char *d = j + 1, *res;

		if (*j != ':' || *d < '0' || *d > '9')
			continue;
		while (*d >= '0' && *d <= '9')
			d++;
		if (*d != ':')
			continue;
		res = d + 1;
		if ((strncmp(res, "key/", 4) == 0 && res[4] != '\0') ||
		    (strncmp(res, "alias/", 6) == 0 && res[6] != '\0')) {
			if ((size_t)(j - r) >= cap)
				goto bad;
			memcpy(out, r, (size_t)(j - r));
			out[j - r] = '\0';
			return CK_OK;
		}
	}
bad:
	return ck_err_set(CK_EINVAL, "no valid ARN found in '%s'", arn);
}

/* sops@<hostname>, with the characters sops's session-name filter keeps. */
static void session_name(char *out, size_t cap)
{
	char host[256];
	size_t n = 0, i;

	if (gethostname(host, sizeof(host)) != 0)
		host[0] = '\0';
	host[sizeof(host) - 1] = '\0';
	n = (size_t)snprintf(out, cap, "sops@");
	for (i = 0; host[i] != '\0' && n + 1 < cap && n < SESSION_MAX; i++) {
		char c = host[i];

		/* Go's [^a-zA-Z0-9=,.@-_]: "@-_" is the range 0x40..0x5f */
		if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '=' || c == ',' ||
		    c == '.' || (c >= '@' && c <= '_'))
			out[n++] = c;
	}
	out[n] = '\0';
}

static int ctx_cmp(const void *a, const void *b)
{
	return strcmp(((const struct ck_sops_kv *)a)->name, ((const struct ck_sops_kv *)b)->name);
}

/*
 * The context as a sorted map (sops keeps a Go map: one value per name, the
 * last one given, written sorted). Done in place on a key being wrapped.
 */
static void normalise_context(struct ck_sops_key *k)
{
	size_t i, w = 0;

	for (i = 0; i < k->ncontext; i++) {
		size_t j;
		int later = 0;

		for (j = i + 1; j < k->ncontext; j++)
			if (strcmp(k->context[i].name, k->context[j].name) == 0)
				later = 1;
		if (later) {
			ck_free(k->context[i].name);
			ck_free(k->context[i].value);
			continue;
		}
		k->context[w++] = k->context[i];
	}
	k->ncontext = w;
	if (w > 1)
		qsort(k->context, w, sizeof(*k->context), ctx_cmp);
}

/* Pairs for the request (last value per name, like the map sops would have read). */
static int pairs_of(struct ck_aws_pair **out, size_t *np, const struct ck_sops_key *k)
{
	struct ck_aws_pair *p;
	size_t i, j, n = 0;

	*out = NULL;
	*np = 0;
	if (k->ncontext == 0)
		return CK_OK;
	if ((p = ck_calloc(k->ncontext, sizeof(*p))) == NULL)
		return ck_err_set(CK_ENOMEM, "sops: out of memory");
	for (i = 0; i < k->ncontext; i++) {
		for (j = 0; j < n; j++)
			if (strcmp(p[j].key, k->context[i].name) == 0)
				break;
		p[j].key = k->context[i].name;
		p[j].value = k->context[i].value;
		if (j == n)
			n++;
	}
	*out = p;
	*np = n;
	return CK_OK;
}

static int client(struct ck_aws **out, const struct ck_sops_key *k, const char *region,
                  struct ck_sops_keyctx *ctx)
{
	const struct ck_sops_net_opts *o = ck_sops__net_opts(ctx);
	const char *prof = ck_sops_key_field(k, "aws_profile");
	const char *role = ck_sops_key_field(k, "role");
	struct ck_aws_config c;
	char session[SESSION_MAX + 8];

	memset(&c, 0, sizeof(c));
	session_name(session, sizeof(session));
	c.region = region;
	c.profile = prof != NULL && prof[0] != '\0' ? prof : NULL;
	c.role_arn = role != NULL && role[0] != '\0' ? role : NULL;
	c.role_session_name = session;
	c.endpoint_url = o->aws_endpoint_url;
	if (o->aws_creds != NULL)
		c.creds = *o->aws_creds;
	c.max_retries = o->aws_max_retries;
	c.timeout_ms = o->timeout_ms;
	return ck_aws_new(out, &c);
}

int ck_sops__kms_wrap(struct ck_sops_key *k, const uint8_t *dk, size_t n,
                      struct ck_sops_keyctx *ctx)
{
	const char *arn = ck_sops_key_field(k, "arn");
	struct ck_aws_pair *pairs = NULL;
	struct ck_aws *a = NULL;
	struct ck_buf blob, b64;
	char region[64];
	size_t np = 0;
	int rc;

	ck_buf_init(&blob, 0);
	ck_buf_init(&b64, 0);
	if (arn == NULL)
		arn = "";
	normalise_context(k);
	if ((rc = arn_region(region, sizeof(region), arn)) < 0 ||
	    (rc = pairs_of(&pairs, &np, k)) < 0 || (rc = client(&a, k, region, ctx)) < 0 ||
	    (rc = ck_aws_kms_encrypt(a, &blob, NULL, arn, dk, n, pairs, np)) < 0) {
		rc = ck_err_set(rc, "kms key %s: %s", arn, ck_err_last()->msg);
		goto out;
	}
	if ((rc = ck_b64_encode(&b64, ck_buf_data(&blob), ck_buf_len(&blob), CK_B64_STD)) < 0)
		goto out;
	rc = ck_sops__net_set_enc(k, ck_buf_cstr(&b64), ck_buf_len(&b64));
out:
	ck_aws_free(a);
	ck_free(pairs);
	ck_buf_dispose(&blob);
	ck_buf_dispose(&b64);
	return rc;
}

int ck_sops__kms_unwrap(const struct ck_sops_key *k, struct ck_buf *out, struct ck_sops_keyctx *ctx)
{
	const char *arn = ck_sops_key_field(k, "arn");
	struct ck_aws_pair *pairs = NULL;
	struct ck_aws *a = NULL;
	struct ck_buf blob;
	char region[64];
	size_t np = 0;
	int rc;

	ck_buf_init(&blob, 0);
	if (arn == NULL)
		arn = "";
	if (k->enc == NULL || k->enc[0] == '\0') {
		rc = ck_err_set(CK_ENOKEY, "kms key has no encrypted data key");
		goto out;
	}
	if (ck_b64_decode(&blob, k->enc, strlen(k->enc), CK_B64_STD, 0) < 0) {
		rc = ck_err_set(CK_EINVAL, "error base64-decoding encrypted data key");
		goto out;
	}
	if ((rc = arn_region(region, sizeof(region), arn)) < 0 ||
	    (rc = pairs_of(&pairs, &np, k)) < 0 || (rc = client(&a, k, region, ctx)) < 0)
		goto out;
	rc = ck_aws_kms_decrypt(a, out, arn, ck_buf_data(&blob), ck_buf_len(&blob), pairs, np);
out:
	ck_aws_free(a);
	ck_free(pairs);
	ck_buf_dispose(&blob);
	return rc;
}
