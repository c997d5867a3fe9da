/* SPDX-License-Identifier: Apache-2.0 */
/* AWS: credential chain, endpoints, STS, KMS, Secrets Manager (see ck/aws.h). */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "ck/alloc.h"
#include "ck/aws.h"
#include "ck/doc.h"
#include "ck/enc.h"
#include "ck/file.h"
#include "ck/secret.h"
#include "json_int.h"

#define MAX_FILE (1u << 20)
#define REFRESH_BEFORE 300      /* refresh temporary credentials 5 minutes early */
#define MAX_PROFILE_DEPTH 4

struct creds {
	char *akid;
	char *secret;               /* secret memory */
	char *token;                /* secret memory */
	time_t expires;             /* 0: long-term */
};

struct ck_aws {
	struct ck_http_client *http;
	char *profile;
	char *region;
	char *endpoint;             /* config.endpoint_url */
	char *role_arn, *role_session, *external_id;
	char *wi_token;             /* config.web_identity_token (secret memory) */
	char *wi_role;              /* config.web_identity_role_arn */
	struct creds fixed;         /* config.creds */
	struct creds cur;
	char where[96];
	int no_env;
	int max_retries;
	time_t (*now)(void *);
	void (*sleep_ms)(void *, long);
	void *seam;
	struct ck_http_response resp; /* kept between calls: its secure body is reused */
};

/* ---- helpers ------------------------------------------------------------ */

static time_t now_of(const struct ck_aws *a)
{
	return a->now ? a->now(a->seam) : time(NULL);
}

static const char *env(const struct ck_aws *a, const char *name)
{
	const char *e;

	if (a->no_env)
		return NULL;
	e = getenv(name);
	return e != NULL && e[0] != '\0' ? e : NULL;
}

static char *sdup(const char *s, int secret)
{
	size_t n;
	char *d;

	if (s == NULL)
		return NULL;
	n = strlen(s);
	d = secret ? ck_secret_alloc(n + 1) : ck_alloc(n + 1);
	if (d != NULL)
		memcpy(d, s, n + 1);
	return d;
}

static void sfree(char *s)
{
	if (s != NULL)
		ck_freezero(s, strlen(s));
}

static void creds_clear(struct creds *c)
{
	sfree(c->akid);
	ck_secret_free(c->secret);
	ck_secret_free(c->token);
	memset(c, 0, sizeof(*c));
}

static int creds_set(struct creds *c, const char *akid, const char *secret, const char *token,
                     time_t expires)
{
	struct creds n = { NULL, NULL, NULL, expires };

	if (akid == NULL || secret == NULL || akid[0] == '\0' || secret[0] == '\0')
		return ck_err_set(CK_EINVAL, "aws: incomplete credentials (access key id and secret "
		                  "access key are both needed)");
	n.akid = sdup(akid, 0);
	n.secret = sdup(secret, 1);
	n.token = token && token[0] ? sdup(token, 1) : NULL;
	if (n.akid == NULL || n.secret == NULL || (token && token[0] && n.token == NULL)) {
		creds_clear(&n);
		return ck_err_set(CK_ENOMEM, "aws: out of memory");
	}
	creds_clear(c);
	*c = n;
	return CK_OK;
}

/* ---- shared config files (INI) ------------------------------------------ */

/*
 * Value of key in [section] of an INI text, appended to out; 1 found, 0 not.
 * Indented lines (nested sub-sections such as s3 settings) are skipped;
 * '#' and ';' start comments at the beginning of a line.
 */
static int ini_get(struct ck_buf *out, const char *text, const char *section, const char *key,
                   int *section_seen)
{
	const char *p = text;
	int in = 0;

	while (p != NULL && *p) {
		const char *e = strchr(p, '\n'), *s = p;
		size_t n = e ? (size_t)(e - p) : strlen(p);

		p = e ? e + 1 : NULL;
		while (n > 0 && (s[n - 1] == '\r' || s[n - 1] == ' ' || s[n - 1] == '\t'))
			n--;
		if (n == 0 || s[0] == '#' || s[0] == ';')
			continue;
		if (s[0] == '[') {
			const char *b = s + 1, *c = memchr(s, ']', n);
			size_t bl;

			if (c == NULL) {
				in = 0;
				continue;
			}
			while (b < c && (*b == ' ' || *b == '\t'))
				b++;
			bl = (size_t)(c - b);
			while (bl > 0 && (b[bl - 1] == ' ' || b[bl - 1] == '\t'))
				bl--;
			/* "[profile  name]" may have several blanks */
			in = 0;
			if (strncmp(section, "profile ", 8) == 0 && bl > 8 && strncmp(b, "profile", 7) == 0 &&
			    (b[7] == ' ' || b[7] == '\t')) {
				const char *nm = b + 7;
				size_t nl;

				while (*nm == ' ' || *nm == '\t')
					nm++;
				nl = bl - (size_t)(nm - b);
				in = nl == strlen(section + 8) && strncmp(nm, section + 8, nl) == 0;
			} else {
				in = bl == strlen(section) && strncmp(b, section, bl) == 0;
			}
			if (in && section_seen)
				*section_seen = 1;
			continue;
		}
		if (!in || s[0] == ' ' || s[0] == '\t')
			continue;
		{
			const char *eq = memchr(s, '=', n), *k = s, *v;
			size_t kl, vl;

			if (eq == NULL)
				continue;
			kl = (size_t)(eq - s);
			while (kl > 0 && (k[kl - 1] == ' ' || k[kl - 1] == '\t'))
				kl--;
			if (kl != strlen(key) || strncasecmp(k, key, kl) != 0)
				continue;
			v = eq + 1;
			vl = n - (size_t)(v - s);
			while (vl > 0 && (*v == ' ' || *v == '\t')) {
				v++;
				vl--;
			}
			return ck_buf_put(out, v, vl) == CK_OK ? 1 : -1;
		}
	}
	return 0;
}

struct files {
	struct ck_buf cred;         /* secure: holds keys */
	struct ck_buf conf;
	char cred_path[4096];
	char conf_path[4096];
};

static void files_init(struct files *f)
{
	ck_buf_init_secure(&f->cred, MAX_FILE);
	ck_buf_init(&f->conf, MAX_FILE);
	f->cred_path[0] = f->conf_path[0] = '\0';
}

static void files_dispose(struct files *f)
{
	ck_buf_dispose(&f->cred);
	ck_buf_dispose(&f->conf);
}

static int files_load(const struct ck_aws *a, struct files *f)
{
	const char *home = getenv("HOME"), *e;
	int rc;

	if (a->no_env)
		return CK_OK;
	if ((e = env(a, "AWS_SHARED_CREDENTIALS_FILE")) != NULL)
		snprintf(f->cred_path, sizeof(f->cred_path), "%s", e);
	else if (home != NULL)
		snprintf(f->cred_path, sizeof(f->cred_path), "%s/.aws/credentials", home);
	if ((e = env(a, "AWS_CONFIG_FILE")) != NULL)
		snprintf(f->conf_path, sizeof(f->conf_path), "%s", e);
	else if (home != NULL)
		snprintf(f->conf_path, sizeof(f->conf_path), "%s/.aws/config", home);
	if (f->cred_path[0] && ck_file_exists(f->cred_path) &&
	    (rc = ck_file_read(&f->cred, f->cred_path, MAX_FILE)) < 0)
		return ck_err_set(rc, "aws: cannot read %s", f->cred_path);
	if (f->conf_path[0] && ck_file_exists(f->conf_path) &&
	    (rc = ck_file_read(&f->conf, f->conf_path, MAX_FILE)) < 0)
		return ck_err_set(rc, "aws: cannot read %s", f->conf_path);
	return CK_OK;
}

/* Profile key: credentials file [P] first, then config [profile P] / [default]. */
static int profile_get(struct ck_buf *out, const struct files *f, const char *profile,
                       const char *key, int *seen)
{
	char sect[600];
	int r;

	ck_buf_reset(out);
	if ((r = ini_get(out, ck_buf_cstr(&f->cred), profile, key, seen)) != 0)
		return r;
	if (strcmp(profile, "default") == 0) {
		if ((r = ini_get(out, ck_buf_cstr(&f->conf), "default", key, seen)) != 0)
			return r;
	}
	snprintf(sect, sizeof(sect), "profile %s", profile);
	return ini_get(out, ck_buf_cstr(&f->conf), sect, key, seen);
}

static const char *profile_name(const struct ck_aws *a)
{
	const char *p;

	if (a->profile != NULL)
		return a->profile;
	if ((p = env(a, "AWS_PROFILE")) != NULL || (p = env(a, "AWS_DEFAULT_PROFILE")) != NULL)
		return p;
	return "default";
}

/* ---- endpoints ---------------------------------------------------------- */

static int endpoint_for(const struct ck_aws *a, struct ck_buf *out, const char *svc_env,
                        const char *host_prefix, const char *region)
{
	char name[64];
	const char *e;

	snprintf(name, sizeof(name), "AWS_ENDPOINT_URL_%s", svc_env);
	if ((e = env(a, name)) != NULL)
		return ck_buf_puts(out, e);
	if (a->endpoint != NULL)
		return ck_buf_puts(out, a->endpoint);
	if ((e = env(a, "AWS_ENDPOINT_URL")) != NULL)
		return ck_buf_puts(out, e);
	if (region == NULL || region[0] == '\0') {
		if (strcmp(host_prefix, "sts") == 0)
			return ck_buf_puts(out, "https://sts.amazonaws.com");
		return ck_err_set(CK_EINVAL, "aws: no region: set AWS_REGION or a profile region");
	}
	for (const char *p = region; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '-')
			return ck_err_set(CK_EINVAL, "aws: malformed region '%s'", region);
	return ck_buf_printf(out, "https://%s.%s.amazonaws.com%s", host_prefix, region,
	                     strncmp(region, "cn-", 3) == 0 ? ".cn" : "");
}

/* Split an endpoint URL into Host header value and path (default "/"). */
static int split_url(const char *url, struct ck_buf *host, struct ck_buf *path)
{
	const char *p = strstr(url, "://"), *h, *e, *at;
	size_t hl;

	if (p == NULL || (strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0))
		return ck_err_set(CK_EINVAL, "aws: endpoint '%s' is not an http(s) URL", url);
	h = p + 3;
	hl = strcspn(h, "/?#");
	at = memchr(h, '@', hl);
	if (at != NULL) {
		hl -= (size_t)(at + 1 - h);
		h = at + 1;
	}
	if (hl == 0)
		return ck_err_set(CK_EINVAL, "aws: endpoint '%s' has no host", url);
	e = h + hl;
	if (ck_buf_put(host, h, hl) < 0)
		return CK_ENOMEM;
	if (*e == '/')
		return ck_buf_put(path, e, strcspn(e, "?#"));
	return ck_buf_putc(path, '/');
}

/* Region field of an ARN (arn:partition:service:region:account:resource), or NULL. */
static int arn_region(char *out, size_t cap, const char *arn)
{
	const char *p = arn;

	if (arn == NULL || strncmp(arn, "arn:", 4) != 0)
		return 0;
	for (int i = 0; i < 3; i++) {
		p = strchr(p, ':');
		if (p == NULL)
			return 0;
		p++;
	}
	{
		size_t n = strcspn(p, ":");

		if (n == 0 || n >= cap)
			return 0;
		memcpy(out, p, n);
		out[n] = '\0';
	}
	return 1;
}

/* ---- errors ------------------------------------------------------------- */

static int code_for(const char *type, long status)
{
	static const struct {
		const char *frag;
		int code;
	} tbl[] = {
		{ "NotFound", CK_ENOTFOUND },
		{ "AccessDenied", CK_EDENIED },
		{ "UnrecognizedClient", CK_EDENIED },
		{ "InvalidSignature", CK_EDENIED },
		{ "SignatureDoesNotMatch", CK_EDENIED },
		{ "IncompleteSignature", CK_EDENIED },
		{ "ExpiredToken", CK_EDENIED },
		{ "InvalidClientTokenId", CK_EDENIED },
		{ "InvalidIdentityToken", CK_EDENIED },
		{ "Disabled", CK_EDENIED },
		{ "InvalidCiphertext", CK_EAUTH },
		{ "IncorrectKey", CK_EAUTH },
		{ "Throttl", CK_ENET },
		{ "TooManyRequests", CK_ENET },
		{ "RequestLimitExceeded", CK_ENET },
		{ "Validation", CK_EINVAL },
		{ "InvalidParameter", CK_EINVAL },
		{ "InvalidRequest", CK_EINVAL },
		{ "Serialization", CK_EINVAL },
		{ "UnknownOperation", CK_EINVAL },
		{ "MalformedPolicyDocument", CK_EINVAL },
	};

	for (size_t i = 0; type != NULL && i < sizeof(tbl) / sizeof(tbl[0]); i++)
		if (strstr(type, tbl[i].frag) != NULL)
			return tbl[i].code;
	if (status >= 500 || status == 429)
		return CK_ENET;
	if (status == 401 || status == 403)
		return CK_EDENIED;
	if (status == 404)
		return CK_ENOTFOUND;
	return CK_EINVAL;
}

/* Error type: after the last '#', before any ':' (x-amzn-ErrorType has ":http..."). */
static void clean_type(char *out, size_t cap, const char *t)
{
	const char *h;
	size_t n;

	out[0] = '\0';
	if (t == NULL)
		return;
	if ((h = strrchr(t, '#')) != NULL)
		t = h + 1;
	n = strcspn(t, ":");
	ck_net__oneline(out, cap, t, n);
}

int ck_aws_error_from_response(const char *what, long status, const char *body, size_t n,
                               const char *error_type_header)
{
	struct ck_doc *doc = NULL;
	const struct ck_doc_node *root = NULL;
	const char *type = NULL, *msg = NULL;
	char t[128], m[400];
	int code;

	if (body != NULL && n > 0 &&
	    ck_doc_parse_json(&doc, body, n, CK_DOC_SECURE | CK_DOC_NO_COMMENTS) == CK_OK &&
	    doc->ndocs == 1 && doc->docs[0] != NULL) {
		root = ck_doc_resolve(doc->docs[0]);
		if (root->kind == CK_DOC_MAP) {
			type = ck_net__get_str(root, "__type");
			if ((msg = ck_net__get_str(root, "message")) == NULL)
				msg = ck_net__get_str(root, "Message");
		}
	}
	if (type == NULL)
		type = error_type_header;
	clean_type(t, sizeof(t), type);
	m[0] = '\0';
	if (msg != NULL)
		ck_net__oneline(m, sizeof(m), msg, strlen(msg));
	code = code_for(t[0] ? t : NULL, status);
	if (t[0] == '\0')
		ck_err_set(code, "aws: %s: HTTP %ld%s", what, status,
		           root == NULL && n > 0 ? " (body is not JSON)" : "");
	else if (m[0] == '\0')
		ck_err_set(code, "aws: %s: %s (HTTP %ld)", what, t, status);
	else
		ck_err_set(code, "aws: %s: %s: %s", what, t, m);
	ck_doc_free(doc);
	return code;
}

static int retryable_type(const char *t)
{
	static const char *const kinds[] = {
		"Throttl", "TooManyRequests", "RequestLimitExceeded", "RequestTimeout",
		"KMSInternal", "DependencyTimeout", "InternalServiceError", "InternalFailure",
		"ServiceUnavailable", "IDPCommunicationError", "SlowDown", "PriorRequestNotComplete",
		"EC2ThrottledException", "TransactionInProgress",
	};

	for (size_t i = 0; t != NULL && i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (strstr(t, kinds[i]) != NULL)
			return 1;
	return 0;
}

static int aws_retryable(void *arg, int rc, const struct ck_http_response *r)
{
	const char *b;
	const char *h;

	(void)arg;
	if (rc < 0)
		return r->failure == CK_HTTP_FAIL_CONNECT || r->failure == CK_HTTP_FAIL_TIMEOUT ||
		       r->failure == CK_HTTP_FAIL_RESET;
	if (r->status >= 500 || r->status == 429)
		return r->status != 501;
	if (r->status < 400)
		return 0;
	/* 400 with a throttling type: the JSON "__type" or the XML <Code>, or the header */
	h = ck_http_response_header(r, "x-amzn-ErrorType");
	if (h != NULL && retryable_type(h))
		return 1;
	b = ck_buf_cstr(&r->body);
	{
		const char *p = strstr(b, "\"__type\"");
		char t[160];

		if (p != NULL) {
			p = strchr(p + 8, '"');
			if (p != NULL) {
				ck_net__oneline(t, sizeof(t), p + 1, strcspn(p + 1, "\""));
				return retryable_type(t);
			}
		}
		p = strstr(b, "<Code>");
		if (p != NULL) {
			ck_net__oneline(t, sizeof(t), p + 6, strcspn(p + 6, "<"));
			return retryable_type(t);
		}
	}
	return 0;
}

/* ---- XML (STS answers) -------------------------------------------------- */

/* Text of the first <tag>...</tag> in xml[0..n), entities decoded; 1 found. */
static int xml_text(struct ck_buf *out, const char *xml, size_t n, const char *tag)
{
	char open[80], close[80];
	const char *s, *e, *end = xml + n;
	size_t ol, cl;

	snprintf(open, sizeof(open), "<%s>", tag);
	snprintf(close, sizeof(close), "</%s>", tag);
	ol = strlen(open);
	cl = strlen(close);
	for (s = xml; s + ol <= end; s++)
		if (memcmp(s, open, ol) == 0)
			break;
	if (s + ol > end)
		return 0;
	s += ol;
	for (e = s; e + cl <= end; e++)
		if (memcmp(e, close, cl) == 0)
			break;
	if (e + cl > end)
		return 0;
	while (s < e) {
		if (*s == '&') {
			static const struct {
				const char *ent;
				char c;
			} ents[] = { { "&amp;", '&' }, { "&lt;", '<' }, { "&gt;", '>' },
				     { "&quot;", '"' }, { "&apos;", '\'' } };
			size_t k, done = 0;

			for (k = 0; k < 5 && !done; k++) {
				size_t l = strlen(ents[k].ent);

				if ((size_t)(e - s) >= l && memcmp(s, ents[k].ent, l) == 0) {
					if (ck_buf_putc(out, ents[k].c) < 0)
						return -1;
					s += l;
					done = 1;
				}
			}
			if (!done && (size_t)(e - s) > 3 && s[1] == '#') {
				const char *semi = memchr(s, ';', (size_t)(e - s));
				unsigned long cp;
				char *stop;

				if (semi != NULL && semi - s < 12) {
					if (s[2] == 'x' || s[2] == 'X')
						cp = strtoul(s + 3, &stop, 16);
					else
						cp = strtoul(s + 2, &stop, 10);
					if (stop == semi && cp > 0 && cp < 0x80) {
						if (ck_buf_putc(out, (int)cp) < 0)
							return -1;
						s = semi + 1;
						done = 1;
					}
				}
			}
			if (done)
				continue;
		}
		if (ck_buf_putc(out, (unsigned char)*s) < 0)
			return -1;
		s++;
	}
	return 1;
}

int ck_aws_sts_parse_credentials(struct ck_buf *akid, struct ck_buf *secret,
                                 struct ck_buf *token, time_t *expiration, const char *xml,
                                 size_t n)
{
	struct ck_buf exp;
	const char *c = NULL, *ce = NULL, *end = xml + n;
	int rc = CK_EINTERNAL;

	ck_buf_init(&exp, 256);
	/* look inside <Credentials> only */
	for (const char *p = xml; p + 13 <= end; p++)
		if (memcmp(p, "<Credentials>", 13) == 0) {
			c = p + 13;
			break;
		}
	if (c != NULL)
		for (const char *p = c; p + 14 <= end; p++)
			if (memcmp(p, "</Credentials>", 14) == 0) {
				ce = p;
				break;
			}
	if (c == NULL || ce == NULL) {
		rc = ck_err_set(CK_EINVAL, "aws: sts: response without <Credentials>");
		goto out;
	}
	if (xml_text(akid, c, (size_t)(ce - c), "AccessKeyId") != 1 ||
	    xml_text(secret, c, (size_t)(ce - c), "SecretAccessKey") != 1 ||
	    xml_text(token, c, (size_t)(ce - c), "SessionToken") != 1 ||
	    xml_text(&exp, c, (size_t)(ce - c), "Expiration") != 1) {
		rc = ck_err_set(CK_EINVAL, "aws: sts: incomplete <Credentials> (AccessKeyId, "
		                "SecretAccessKey, SessionToken, Expiration)");
		goto out;
	}
	if (ck_buf_len(akid) == 0 || ck_buf_len(secret) == 0 ||
	    memchr(ck_buf_data(akid), '\n', ck_buf_len(akid)) != NULL) {
		rc = ck_err_set(CK_EINVAL, "aws: sts: empty or malformed credentials");
		goto out;
	}
	if ((rc = ck_net__parse_rfc3339(expiration, ck_buf_cstr(&exp))) < 0) {
		rc = ck_err_set(CK_EINVAL, "aws: sts: malformed Expiration");
		goto out;
	}
	rc = CK_OK;
out:
	ck_buf_dispose(&exp);
	return rc;
}

/* ---- STS ---------------------------------------------------------------- */

static int form_put(struct ck_buf *b, const char *name, const char *value)
{
	int rc;

	if ((rc = ck_buf_printf(b, "&%s=", name)) < 0)
		return rc;
	return ck_sigv4_uri_encode(b, value, strlen(value), 0);
}

static const struct creds *ensure_creds(struct ck_aws *a, int *rc);

/*
 * POST an STS Query-protocol action and take the credentials it returns.
 * signer == NULL: unsigned (AssumeRoleWithWebIdentity).
 */
static int sts_call(struct ck_aws *a, const char *action, const struct ck_buf *form,
                    const struct creds *signer, struct creds *out)
{
	struct ck_buf url, host, path, akid, secret, token, body, hostline, authline;
	struct ck_http_request req = { 0 };
	struct ck_http_response *resp = &a->resp;
	struct ck_http_retry rt;
	struct ck_sigv4_out so;
	const char *hdrs[8];
	char region[64];
	time_t exp;
	int rc = CK_EINTERNAL, nh = 0;

	ck_buf_init(&url, 0);
	ck_buf_init(&host, 0);
	ck_buf_init(&path, 0);
	ck_buf_init(&akid, 0);
	ck_buf_init_secure(&secret, 0);
	ck_buf_init_secure(&token, 0);
	ck_buf_init_secure(&body, 0);
	ck_buf_init(&hostline, 0);
	ck_buf_init_secure(&authline, 0);
	ck_sigv4_out_init(&so);
	snprintf(region, sizeof(region), "%s", a->region && a->region[0] ? a->region : "us-east-1");
	if ((rc = endpoint_for(a, &url, "STS", "sts", a->region)) < 0 ||
	    (rc = split_url(ck_buf_cstr(&url), &host, &path)) < 0)
		goto out;
	if ((rc = ck_buf_printf(&body, "Action=%s&Version=2011-06-15", action)) < 0 ||
	    (rc = ck_buf_putb(&body, form)) < 0)
		goto out;
	if ((rc = ck_buf_printf(&hostline, "Host:%s", ck_buf_cstr(&host))) < 0)
		goto out;
	hdrs[nh++] = ck_buf_cstr(&hostline);
	hdrs[nh++] = "Content-Type:application/x-www-form-urlencoded; charset=utf-8";
	if (signer != NULL) {
		struct ck_sigv4_request sr = { "POST", ck_buf_cstr(&path), NULL, hdrs,
		                               ck_buf_data(&body), ck_buf_len(&body) };
		struct ck_aws_creds cr = { signer->akid, signer->secret, signer->token };
		struct ck_sigv4_params sp = { region, "sts", now_of(a), 1, 0, 0, 0 };

		hdrs[nh] = NULL;
		if ((rc = ck_sigv4_sign(&so, &sr, &cr, &sp)) < 0)
			goto out;
		/* add_headers holds "Name:value\n" lines: split them in place */
		for (char *l = (char *)ck_buf_mutable(&so.add_headers); l && *l && nh < 6;) {
			char *e = strchr(l, '\n');

			if (e != NULL)
				*e = '\0';
			hdrs[nh++] = l;
			l = e ? e + 1 : NULL;
		}
		if ((rc = ck_buf_printf(&authline, "Authorization:%s",
		                        ck_buf_cstr(&so.authorization))) < 0)
			goto out;
		hdrs[nh++] = ck_buf_cstr(&authline);
	}
	hdrs[nh] = NULL;
	req.method = "POST";
	req.url = ck_buf_cstr(&url);
	req.headers = hdrs;
	req.body = ck_buf_data(&body);
	req.body_len = ck_buf_len(&body);
	req.flags = CK_HTTP_SECURE_BODY | CK_HTTP_NO_AUTH;
	memset(&rt, 0, sizeof(rt));
	rt.max_retries = a->max_retries;
	rt.base_ms = 100;
	rt.max_ms = 20000;
	rt.retryable = aws_retryable;
	rt.sleep_ms = a->sleep_ms;
	rt.arg = a->seam;
	if ((rc = ck_http_send_retry(a->http, &req, &rt, resp)) < 0) {
		ck_err_context("aws: sts %s", action);
		goto out;
	}
	if (resp->status != 200) {
		struct ck_buf code, msg;
		char c[128], m[400];

		ck_buf_init(&code, 256);
		ck_buf_init(&msg, 1024);
		c[0] = m[0] = '\0';
		if (xml_text(&code, ck_buf_cstr(&resp->body), ck_buf_len(&resp->body), "Code") == 1)
			ck_net__oneline(c, sizeof(c), ck_buf_cstr(&code), ck_buf_len(&code));
		if (xml_text(&msg, ck_buf_cstr(&resp->body), ck_buf_len(&resp->body), "Message") == 1)
			ck_net__oneline(m, sizeof(m), ck_buf_cstr(&msg), ck_buf_len(&msg));
		ck_buf_dispose(&code);
		ck_buf_dispose(&msg);
		rc = code_for(c[0] ? c : NULL, resp->status);
		if (c[0])
			ck_err_set(rc, "aws: sts %s: %s%s%s", action, c, m[0] ? ": " : "", m);
		else
			ck_err_set(rc, "aws: sts %s: HTTP %ld", action, resp->status);
		goto out;
	}
	if ((rc = ck_aws_sts_parse_credentials(&akid, &secret, &token, &exp,
	                                        ck_buf_cstr(&resp->body),
	                                        ck_buf_len(&resp->body))) < 0)
		goto out;
	rc = creds_set(out, ck_buf_cstr(&akid), ck_buf_cstr(&secret), ck_buf_cstr(&token), exp);
out:
	ck_http_response_dispose(resp);
	ck_sigv4_out_dispose(&so);
	ck_buf_dispose(&url);
	ck_buf_dispose(&host);
	ck_buf_dispose(&path);
	ck_buf_dispose(&akid);
	ck_buf_dispose(&secret);
	ck_buf_dispose(&token);
	ck_buf_dispose(&body);
	ck_buf_dispose(&hostline);
	ck_buf_dispose(&authline);
	return rc;
}

static void session_name(const struct ck_aws *a, char *out, size_t cap, const char *given)
{
	if (given != NULL && given[0] != '\0')
		snprintf(out, cap, "%s", given);
	else
		snprintf(out, cap, "cloak-%lld", (long long)now_of(a));
}

static int web_identity(struct ck_aws *a, const char *role, const char *token_file,
                        const char *token, const char *session, struct creds *out)
{
	struct ck_buf tok, form;
	char sn[128];
	int rc = CK_EINTERNAL;
	size_t n;

	ck_buf_init_secure(&tok, MAX_FILE);
	ck_buf_init_secure(&form, 0);
	if (token_file == NULL) {
		if ((rc = ck_buf_puts(&tok, token)) < 0)
			goto out;
		token_file = "(given token)";
	} else if ((rc = ck_file_read(&tok, token_file, MAX_FILE)) < 0) {
		/* re-read every time: the projected token rotates */
		rc = ck_err_set(CK_ENOTFOUND, "aws: cannot read web identity token file %s",
		                token_file);
		goto out;
	}
	n = ck_buf_len(&tok);
	while (n > 0 && isspace(ck_buf_data(&tok)[n - 1]))
		n--;
	ck_buf_truncate(&tok, n);
	if (n == 0) {
		rc = ck_err_set(CK_EINVAL, "aws: web identity token file %s is empty", token_file);
		goto out;
	}
	session_name(a, sn, sizeof(sn), session);
	if ((rc = form_put(&form, "RoleArn", role)) < 0 ||
	    (rc = form_put(&form, "RoleSessionName", sn)) < 0 ||
	    (rc = form_put(&form, "WebIdentityToken", ck_buf_cstr(&tok))) < 0)
		goto out;
	rc = sts_call(a, "AssumeRoleWithWebIdentity", &form, NULL, out);
out:
	ck_buf_dispose(&tok);
	ck_buf_dispose(&form);
	return rc;
}

static int assume_role(struct ck_aws *a, const struct creds *base, const char *role,
                       const char *session, const char *external_id, struct creds *out)
{
	struct ck_buf form;
	char sn[128];
	int rc;

	ck_buf_init(&form, 0);
	session_name(a, sn, sizeof(sn), session);
	if ((rc = form_put(&form, "RoleArn", role)) == CK_OK &&
	    (rc = form_put(&form, "RoleSessionName", sn)) == CK_OK &&
	    (external_id == NULL || (rc = form_put(&form, "ExternalId", external_id)) == CK_OK))
		rc = sts_call(a, "AssumeRole", &form, base, out);
	ck_buf_dispose(&form);
	return rc;
}

/* ---- the chain ---------------------------------------------------------- */

static int from_profile(struct ck_aws *a, const struct files *f, const char *profile, int depth,
                        struct creds *out, int explicit_profile)
{
	struct ck_buf k, s, t, role, wif, src, ext, csrc;
	struct creds base = { 0 };
	int seen = 0, rc = CK_EINTERNAL, r;

	ck_buf_init(&k, 0);
	ck_buf_init_secure(&s, 0);
	ck_buf_init_secure(&t, 0);
	ck_buf_init(&role, 0);
	ck_buf_init(&wif, 0);
	ck_buf_init(&src, 0);
	ck_buf_init(&ext, 0);
	ck_buf_init(&csrc, 0);
	if (depth > MAX_PROFILE_DEPTH) {
		rc = ck_err_set(CK_EINVAL, "aws: profile '%s': source_profile chain too deep", profile);
		goto out;
	}
	r = profile_get(&role, f, profile, "role_arn", &seen);
	if (r < 0 || (r == 1 && ck_buf_len(&role) == 0))
		ck_buf_reset(&role);
	if (profile_get(&wif, f, profile, "web_identity_token_file", &seen) < 0 ||
	    profile_get(&src, f, profile, "source_profile", &seen) < 0 ||
	    profile_get(&ext, f, profile, "external_id", &seen) < 0 ||
	    profile_get(&csrc, f, profile, "credential_source", &seen) < 0 ||
	    profile_get(&k, f, profile, "aws_access_key_id", &seen) < 0 ||
	    profile_get(&s, f, profile, "aws_secret_access_key", &seen) < 0 ||
	    profile_get(&t, f, profile, "aws_session_token", &seen) < 0) {
		rc = ck_err_set(CK_ENOMEM, "aws: out of memory");
		goto out;
	}
	if (ck_buf_len(&role) > 0 && depth == 0) {
		if (ck_buf_len(&wif) > 0) {
			rc = web_identity(a, ck_buf_cstr(&role), ck_buf_cstr(&wif), NULL, NULL, out);
			if (rc == CK_OK)
				snprintf(a->where, sizeof(a->where), "profile %s (web identity)", profile);
			goto out;
		}
		if (ck_buf_len(&src) > 0) {
			if ((rc = from_profile(a, f, ck_buf_cstr(&src), depth + 1, &base, 1)) < 0)
				goto out;
		} else if (ck_buf_len(&csrc) > 0 && strcmp(ck_buf_cstr(&csrc), "Environment") == 0) {
			const char *ek = env(a, "AWS_ACCESS_KEY_ID"), *es = env(a, "AWS_SECRET_ACCESS_KEY");

			if ((rc = creds_set(&base, ek, es, env(a, "AWS_SESSION_TOKEN"), 0)) < 0)
				goto out;
		} else {
			rc = ck_err_set(CK_EUNSUPPORTED, "aws: profile '%s': role_arn needs "
			                "source_profile, web_identity_token_file or credential_source "
			                "Environment here", profile);
			goto out;
		}
		rc = assume_role(a, &base, ck_buf_cstr(&role), NULL,
		                 ck_buf_len(&ext) ? ck_buf_cstr(&ext) : NULL, out);
		if (rc == CK_OK)
			snprintf(a->where, sizeof(a->where), "profile %s (assumed role)", profile);
		goto out;
	}
	if (ck_buf_len(&k) > 0 || ck_buf_len(&s) > 0) {
		if ((rc = creds_set(out, ck_buf_cstr(&k), ck_buf_cstr(&s), ck_buf_cstr(&t), 0)) < 0) {
			ck_err_context("aws: profile '%s'", profile);
			goto out;
		}
		snprintf(a->where, sizeof(a->where), "profile %s", profile);
		rc = CK_OK;
		goto out;
	}
	if (seen || explicit_profile) {
		rc = ck_err_set(seen ? CK_EINVAL : CK_ENOTFOUND,
		                seen ? "aws: profile '%s' has no credentials (%s, %s)"
		                     : "aws: profile '%s' not found in %s or %s",
		                profile, f->cred_path[0] ? f->cred_path : "~/.aws/credentials",
		                f->conf_path[0] ? f->conf_path : "~/.aws/config");
		goto out;
	}
	rc = 1; /* nothing here */
out:
	creds_clear(&base);
	ck_buf_dispose(&k);
	ck_buf_dispose(&s);
	ck_buf_dispose(&t);
	ck_buf_dispose(&role);
	ck_buf_dispose(&wif);
	ck_buf_dispose(&src);
	ck_buf_dispose(&ext);
	ck_buf_dispose(&csrc);
	return rc;
}

static int resolve(struct ck_aws *a, struct creds *out)
{
	struct files f;
	struct creds base = { 0 };
	const char *k, *s, *role, *wif;
	int rc = CK_EINTERNAL, explicit_profile;

	files_init(&f);
	if (a->fixed.akid != NULL) {
		rc = creds_set(&base, a->fixed.akid, a->fixed.secret, a->fixed.token, 0);
		snprintf(a->where, sizeof(a->where), "configuration");
		goto assume;
	}
	if (a->wi_token != NULL) {
		if ((rc = web_identity(a, a->wi_role, NULL, a->wi_token, a->role_session, &base)) < 0)
			goto out;
		snprintf(a->where, sizeof(a->where), "web identity (given token)");
		goto assume;
	}
	k = env(a, "AWS_ACCESS_KEY_ID");
	s = env(a, "AWS_SECRET_ACCESS_KEY");
	if (k == NULL && s == NULL) {
		k = env(a, "AWS_ACCESS_KEY");
		s = env(a, "AWS_SECRET_KEY");
	}
	if (k != NULL || s != NULL) {
		if ((rc = creds_set(&base, k, s, env(a, "AWS_SESSION_TOKEN"), 0)) < 0) {
			ck_err_context("aws: environment");
			goto out;
		}
		snprintf(a->where, sizeof(a->where), "environment");
		goto assume;
	}
	role = env(a, "AWS_ROLE_ARN");
	wif = env(a, "AWS_WEB_IDENTITY_TOKEN_FILE");
	if (role != NULL && wif != NULL) {
		if ((rc = web_identity(a, role, wif, NULL, env(a, "AWS_ROLE_SESSION_NAME"), &base)) < 0)
			goto out;
		snprintf(a->where, sizeof(a->where), "web identity");
		goto assume;
	}
	if ((rc = files_load(a, &f)) < 0)
		goto out;
	explicit_profile = a->profile != NULL || env(a, "AWS_PROFILE") != NULL ||
	                   env(a, "AWS_DEFAULT_PROFILE") != NULL;
	rc = a->no_env && a->profile == NULL ? 1
	     : from_profile(a, &f, profile_name(a), 0, &base, explicit_profile);
	if (rc < 0)
		goto out;
	if (rc == 1) {
		rc = ck_err_set(CK_ENOTFOUND, "aws: no credentials: set AWS_ACCESS_KEY_ID and "
		                "AWS_SECRET_ACCESS_KEY, AWS_PROFILE, or AWS_ROLE_ARN with "
		                "AWS_WEB_IDENTITY_TOKEN_FILE");
		goto out;
	}
assume:
	if (rc < 0)
		goto out;
	if (a->role_arn != NULL) {
		rc = assume_role(a, &base, a->role_arn, a->role_session, a->external_id, out);
		if (rc == CK_OK) {
			size_t l = strlen(a->where);

			snprintf(a->where + l, sizeof(a->where) - l, " + assumed role");
		}
		goto out;
	}
	*out = base;
	memset(&base, 0, sizeof(base)); /* transferred */
	rc = CK_OK;
out:
	creds_clear(&base);
	files_dispose(&f);
	return rc;
}

static const struct creds *ensure_creds(struct ck_aws *a, int *rc)
{
	struct creds n = { 0 };
	time_t now = now_of(a);

	if (a->cur.akid != NULL && (a->cur.expires == 0 || now < a->cur.expires - REFRESH_BEFORE)) {
		*rc = CK_OK;
		return &a->cur;
	}
	if ((*rc = resolve(a, &n)) < 0) {
		creds_clear(&n);
		/* still-valid temporary credentials beat none at all */
		if (a->cur.akid != NULL && now < a->cur.expires) {
			*rc = CK_OK;
			return &a->cur;
		}
		return NULL;
	}
	creds_clear(&a->cur);
	a->cur = n;
	return &a->cur;
}

int ck_aws_credentials(struct ck_aws *a, struct ck_aws_creds *out, const char **where)
{
	const struct creds *c;
	int rc;

	if ((c = ensure_creds(a, &rc)) == NULL)
		return rc;
	if (out != NULL) {
		out->access_key_id = c->akid;
		out->secret_access_key = c->secret;
		out->session_token = c->token;
	}
	if (where != NULL)
		*where = a->where;
	return CK_OK;
}

/* ---- client ------------------------------------------------------------- */

int ck_aws_new(struct ck_aws **out, const struct ck_aws_config *c)
{
	static const struct ck_aws_config none = { 0 };
	struct ck_http_opts o = { 0 };
	struct ck_aws *a = NULL;
	struct files f;
	int rc = CK_EINTERNAL;

	*out = NULL;
	files_init(&f);
	if (c == NULL)
		c = &none;
	if ((a = ck_calloc(1, sizeof(*a))) == NULL) {
		rc = ck_err_set(CK_ENOMEM, "aws: out of memory");
		goto out;
	}
	a->no_env = c->no_env;
	a->max_retries = c->max_retries < 0 ? 3 : c->max_retries;
	a->now = c->now;
	a->sleep_ms = c->sleep_ms;
	a->seam = c->seam_arg;
	if ((c->profile && !(a->profile = sdup(c->profile, 0))) ||
	    (c->endpoint_url && !(a->endpoint = sdup(c->endpoint_url, 0))) ||
	    (c->role_arn && !(a->role_arn = sdup(c->role_arn, 0))) ||
	    (c->role_session_name && !(a->role_session = sdup(c->role_session_name, 0))) ||
	    (c->external_id && !(a->external_id = sdup(c->external_id, 0))) ||
	    (c->web_identity_token && !(a->wi_token = sdup(c->web_identity_token, 1))) ||
	    (c->web_identity_role_arn && !(a->wi_role = sdup(c->web_identity_role_arn, 0)))) {
		rc = ck_err_set(CK_ENOMEM, "aws: out of memory");
		goto out;
	}
	if (a->wi_token != NULL && a->wi_role == NULL) {
		rc = ck_err_set(CK_EINVAL, "aws: a web identity token needs web_identity_role_arn");
		goto out;
	}
	if (c->creds.access_key_id != NULL &&
	    (rc = creds_set(&a->fixed, c->creds.access_key_id, c->creds.secret_access_key,
	                    c->creds.session_token, 0)) < 0)
		goto out;
	if (a->endpoint != NULL && strncmp(a->endpoint, "http://", 7) != 0 &&
	    strncmp(a->endpoint, "https://", 8) != 0) {
		rc = ck_err_set(CK_EINVAL, "aws: endpoint '%s' is not an http(s) URL", a->endpoint);
		goto out;
	}
	/* region: config, environment, profile */
	{
		const char *r = c->region;
		struct ck_buf pr;

		ck_buf_init(&pr, 0);
		if (r == NULL || r[0] == '\0')
			r = env(a, "AWS_REGION");
		if (r == NULL)
			r = env(a, "AWS_DEFAULT_REGION");
		if (r == NULL && !a->no_env && files_load(a, &f) == CK_OK &&
		    profile_get(&pr, &f, profile_name(a), "region", NULL) == 1 && ck_buf_len(&pr) > 0)
			r = ck_buf_cstr(&pr);
		a->region = sdup(r ? r : "", 0);
		ck_buf_dispose(&pr);
		if (a->region == NULL) {
			rc = ck_err_set(CK_ENOMEM, "aws: out of memory");
			goto out;
		}
	}
	o.tls = c->tls;
	if (o.tls.ca_file == NULL && o.tls.ca_pem == NULL)
		o.tls.ca_file = env(a, "AWS_CA_BUNDLE");
	o.timeout_ms = c->timeout_ms ? c->timeout_ms : 30000;
	o.max_response = (size_t)8 << 20;
	o.transport = c->transport;
	if ((rc = ck_http_client_new(&a->http, &o)) < 0)
		goto out;
	*out = a;
	a = NULL; /* transferred */
	rc = CK_OK;
out:
	files_dispose(&f);
	ck_aws_free(a);
	return rc;
}

void ck_aws_free(struct ck_aws *a)
{
	if (a == NULL)
		return;
	ck_http_client_free(a->http);
	ck_http_response_dispose(&a->resp);
	sfree(a->profile);
	sfree(a->region);
	sfree(a->endpoint);
	sfree(a->role_arn);
	sfree(a->role_session);
	sfree(a->external_id);
	if (a->wi_token != NULL)
		ck_secret_free(a->wi_token);
	sfree(a->wi_role);
	creds_clear(&a->fixed);
	creds_clear(&a->cur);
	ck_free(a);
}

const char *ck_aws_region(const struct ck_aws *a)
{
	return a && a->region ? a->region : "";
}

/* ---- JSON protocol calls ------------------------------------------------ */

struct jcall {
	const char *service;        /* signing name */
	const char *svc_env;        /* AWS_ENDPOINT_URL_<svc_env> */
	const char *host_prefix;
	const char *target;         /* X-Amz-Target */
	const char *what;           /* "kms Decrypt" */
	const char *region;         /* NULL: the client's */
};

static int json_call(struct ck_aws *a, const struct jcall *j, const struct ck_buf *body,
                     struct ck_doc **out)
{
	struct ck_buf url, host, path, hostline, targetline, authline;
	struct ck_http_request req = { 0 };
	struct ck_http_response *resp = &a->resp;
	struct ck_http_retry rt;
	struct ck_sigv4_out so;
	const struct creds *cr;
	const char *hdrs[10];
	const char *region = j->region && j->region[0] ? j->region : a->region;
	int rc = CK_EINTERNAL, nh = 0;

	*out = NULL;
	ck_buf_init(&url, 0);
	ck_buf_init(&host, 0);
	ck_buf_init(&path, 0);
	ck_buf_init(&hostline, 0);
	ck_buf_init(&targetline, 0);
	ck_buf_init_secure(&authline, 0);
	ck_sigv4_out_init(&so);
	if (region == NULL || region[0] == '\0') {
		rc = ck_err_set(CK_EINVAL, "aws: %s: no region (set AWS_REGION, a profile region, "
		                "or use a key ARN)", j->what);
		goto out;
	}
	if ((rc = endpoint_for(a, &url, j->svc_env, j->host_prefix, region)) < 0 ||
	    (rc = split_url(ck_buf_cstr(&url), &host, &path)) < 0)
		goto out;
	if ((cr = ensure_creds(a, &rc)) == NULL)
		goto out;
	if ((rc = ck_buf_printf(&hostline, "Host:%s", ck_buf_cstr(&host))) < 0 ||
	    (rc = ck_buf_printf(&targetline, "X-Amz-Target:%s", j->target)) < 0)
		goto out;
	hdrs[nh++] = ck_buf_cstr(&hostline);
	hdrs[nh++] = "Content-Type:application/x-amz-json-1.1";
	hdrs[nh++] = ck_buf_cstr(&targetline);
	hdrs[nh] = NULL;
	{
		struct ck_sigv4_request sr = { "POST", ck_buf_cstr(&path), NULL, hdrs,
		                               ck_buf_data(body), ck_buf_len(body) };
		struct ck_aws_creds c = { cr->akid, cr->secret, cr->token };
		struct ck_sigv4_params sp = { region, j->service, now_of(a), 1, 0, 0, 0 };

		if ((rc = ck_sigv4_sign(&so, &sr, &c, &sp)) < 0)
			goto out;
	}
	for (char *l = (char *)ck_buf_mutable(&so.add_headers); l && *l && nh < 8;) {
		char *e = strchr(l, '\n');

		if (e != NULL)
			*e = '\0';
		hdrs[nh++] = l;
		l = e ? e + 1 : NULL;
	}
	if ((rc = ck_buf_printf(&authline, "Authorization:%s", ck_buf_cstr(&so.authorization))) < 0)
		goto out;
	hdrs[nh++] = ck_buf_cstr(&authline);
	hdrs[nh] = NULL;
	req.method = "POST";
	req.url = ck_buf_cstr(&url);
	req.headers = hdrs;
	req.body = ck_buf_data(body);
	req.body_len = ck_buf_len(body);
	req.flags = CK_HTTP_SECURE_BODY | CK_HTTP_NO_AUTH;
	memset(&rt, 0, sizeof(rt));
	rt.max_retries = a->max_retries;
	rt.base_ms = 100;
	rt.max_ms = 20000;
	rt.retryable = aws_retryable;
	rt.sleep_ms = a->sleep_ms;
	rt.arg = a->seam;
	if ((rc = ck_http_send_retry(a->http, &req, &rt, resp)) < 0) {
		ck_err_context("aws: %s", j->what);
		goto out;
	}
	if (resp->status != 200) {
		rc = ck_aws_error_from_response(j->what, resp->status, ck_buf_cstr(&resp->body),
		                                ck_buf_len(&resp->body),
		                                ck_http_response_header(resp, "x-amzn-ErrorType"));
		goto out;
	}
	if ((rc = ck_doc_parse_json(out, ck_buf_cstr(&resp->body), ck_buf_len(&resp->body),
	                            CK_DOC_SECURE | CK_DOC_NO_COMMENTS)) < 0 ||
	    (*out)->ndocs != 1 || (*out)->docs[0] == NULL ||
	    ck_doc_resolve((*out)->docs[0])->kind != CK_DOC_MAP) {
		ck_doc_free(*out);
		*out = NULL;
		rc = ck_err_set(CK_EINVAL, "aws: %s: response is not a JSON object", j->what);
		goto out;
	}
	rc = CK_OK;
out:
	ck_http_response_dispose(resp);
	ck_sigv4_out_dispose(&so);
	ck_buf_dispose(&url);
	ck_buf_dispose(&host);
	ck_buf_dispose(&path);
	ck_buf_dispose(&hostline);
	ck_buf_dispose(&targetline);
	ck_buf_dispose(&authline);
	return rc;
}

static const struct ck_doc_node *root_of(const struct ck_doc *d)
{
	return ck_doc_resolve(d->docs[0]);
}

static int put_context(struct ck_buf *b, const struct ck_aws_pair *ctx, size_t nctx)
{
	int rc;

	if (nctx == 0)
		return CK_OK;
	if ((rc = ck_buf_puts(b, ",\"EncryptionContext\":{")) < 0)
		return rc;
	for (size_t i = 0; i < nctx; i++) {
		if (ctx[i].key == NULL || ctx[i].value == NULL)
			return ck_err_set(CK_EINVAL, "aws: encryption context entry %zu is incomplete", i);
		if ((i && (rc = ck_buf_putc(b, ',')) < 0) ||
		    (rc = ck_net__json_cstr(b, ctx[i].key)) < 0 || (rc = ck_buf_putc(b, ':')) < 0 ||
		    (rc = ck_net__json_cstr(b, ctx[i].value)) < 0)
			return rc;
	}
	return ck_buf_putc(b, '}');
}

static int kms_region(char *out, size_t cap, const char *key_id)
{
	out[0] = '\0';
	return arn_region(out, cap, key_id);
}

int ck_aws_kms_encrypt(struct ck_aws *a, struct ck_buf *blob, struct ck_buf *key_arn_out,
                       const char *key_id, const void *pt, size_t n,
                       const struct ck_aws_pair *ctx, size_t nctx)
{
	struct ck_buf body;
	struct ck_doc *d = NULL;
	const char *b64, *kid;
	char region[64];
	struct jcall j = { "kms", "KMS", "kms", "TrentService.Encrypt", "kms Encrypt", NULL };
	int rc = CK_EINTERNAL;

	ck_buf_init_secure(&body, 0);
	if (key_id == NULL || key_id[0] == '\0') {
		rc = ck_err_set(CK_EINVAL, "aws: kms Encrypt: a key id, ARN or alias is required");
		goto out;
	}
	if (n == 0 || n > 4096) {
		rc = ck_err_set(CK_EINVAL, "aws: kms Encrypt: plaintext must be 1 to 4096 bytes (%zu)",
		                n);
		goto out;
	}
	if (kms_region(region, sizeof(region), key_id))
		j.region = region;
	if ((rc = ck_buf_puts(&body, "{\"KeyId\":")) < 0 ||
	    (rc = ck_net__json_cstr(&body, key_id)) < 0 ||
	    (rc = ck_buf_puts(&body, ",\"Plaintext\":\"")) < 0 ||
	    (rc = ck_b64_encode(&body, pt, n, CK_B64_STD)) < 0 || (rc = ck_buf_putc(&body, '"')) < 0 ||
	    (rc = put_context(&body, ctx, nctx)) < 0 || (rc = ck_buf_putc(&body, '}')) < 0)
		goto out;
	if ((rc = json_call(a, &j, &body, &d)) < 0)
		goto out;
	b64 = ck_net__get_str(root_of(d), "CiphertextBlob");
	kid = ck_net__get_str(root_of(d), "KeyId");
	if (b64 == NULL || b64[0] == '\0') {
		rc = ck_err_set(CK_EINVAL, "aws: kms Encrypt: response without CiphertextBlob");
		goto out;
	}
	if ((rc = ck_b64_decode(blob, b64, strlen(b64), CK_B64_STD, 0)) < 0) {
		rc = ck_err_set(CK_EINVAL, "aws: kms Encrypt: CiphertextBlob is not base64");
		goto out;
	}
	if (key_arn_out != NULL && kid != NULL && (rc = ck_buf_puts(key_arn_out, kid)) < 0)
		goto out;
	rc = CK_OK;
out:
	ck_doc_free(d);
	ck_buf_dispose(&body);
	return rc;
}

int ck_aws_kms_decrypt(struct ck_aws *a, struct ck_buf *out, const char *key_id,
                       const void *blob, size_t n, const struct ck_aws_pair *ctx, size_t nctx)
{
	struct ck_buf body;
	struct ck_doc *d = NULL;
	const char *b64;
	char region[64];
	struct jcall j = { "kms", "KMS", "kms", "TrentService.Decrypt", "kms Decrypt", NULL };
	int rc = CK_EINTERNAL;

	ck_buf_init(&body, 0);
	if (n == 0) {
		rc = ck_err_set(CK_EINVAL, "aws: kms Decrypt: empty ciphertext");
		goto out;
	}
	if (key_id != NULL && key_id[0] != '\0' && kms_region(region, sizeof(region), key_id))
		j.region = region;
	if ((rc = ck_buf_puts(&body, "{\"CiphertextBlob\":\"")) < 0 ||
	    (rc = ck_b64_encode(&body, blob, n, CK_B64_STD)) < 0 || (rc = ck_buf_putc(&body, '"')) < 0)
		goto out;
	if (key_id != NULL && key_id[0] != '\0' &&
	    ((rc = ck_buf_puts(&body, ",\"KeyId\":")) < 0 ||
	     (rc = ck_net__json_cstr(&body, key_id)) < 0))
		goto out;
	if ((rc = put_context(&body, ctx, nctx)) < 0 || (rc = ck_buf_putc(&body, '}')) < 0)
		goto out;
	if ((rc = json_call(a, &j, &body, &d)) < 0)
		goto out;
	b64 = ck_net__get_str(root_of(d), "Plaintext");
	if (b64 == NULL) {
		rc = ck_err_set(CK_EINVAL, "aws: kms Decrypt: response without Plaintext");
		goto out;
	}
	if ((rc = ck_b64_decode(out, b64, strlen(b64), CK_B64_STD, 0)) < 0) {
		rc = ck_err_set(CK_EINVAL, "aws: kms Decrypt: Plaintext is not base64");
		goto out;
	}
	rc = CK_OK;
out:
	ck_doc_free(d);
	ck_buf_dispose(&body);
	return rc;
}

/* ---- Secrets Manager ---------------------------------------------------- */

void ck_aws_secret_init(struct ck_aws_secret *s)
{
	memset(s, 0, sizeof(*s));
	ck_buf_init_secure(&s->value, 0);
}

void ck_aws_secret_dispose(struct ck_aws_secret *s)
{
	if (s == NULL)
		return;
	ck_buf_dispose(&s->value);
	memset(s, 0, sizeof(*s));
	ck_buf_init_secure(&s->value, 0);
}

static void copy_str(char *dst, size_t cap, const struct ck_doc_node *root, const char *key)
{
	const char *s = ck_net__get_str(root, key);

	if (s != NULL)
		ck_net__oneline(dst, cap, s, strlen(s));
}

static int sm_from_root(struct ck_aws_secret *out, const struct ck_doc_node *root)
{
	const struct ck_doc_node *st, *stages;
	size_t k = 0;
	int rc;

	st = ck_doc_map_get(root, "SecretString");
	if (st != NULL && ck_net__is_str(st)) {
		st = ck_doc_resolve(st);
		if ((rc = ck_buf_put(&out->value, st->text, st->len)) < 0)
			return rc;
	} else {
		const char *b = ck_net__get_str(root, "SecretBinary");

		if (b == NULL)
			return ck_err_set(CK_EINVAL, "aws: secretsmanager GetSecretValue: response has "
			                  "neither SecretString nor SecretBinary");
		if (ck_b64_decode(&out->value, b, strlen(b), CK_B64_STD, 0) < 0)
			return ck_err_set(CK_EINVAL, "aws: secretsmanager GetSecretValue: SecretBinary "
			                  "is not base64");
		out->binary = 1;
	}
	copy_str(out->arn, sizeof(out->arn), root, "ARN");
	copy_str(out->name, sizeof(out->name), root, "Name");
	copy_str(out->version_id, sizeof(out->version_id), root, "VersionId");
	if (ck_net__get_num(root, "CreatedDate", &out->created_date) < 0)
		out->created_date = 0;
	stages = ck_net__get_seq(root, "VersionStages");
	for (size_t i = 0; stages != NULL && i < stages->nkids; i++) {
		const struct ck_doc_node *sn = ck_doc_resolve(stages->kids[i]);

		if (!ck_net__is_str(sn) || k + sn->len + 2 > sizeof(out->stages))
			continue;
		k += (size_t)snprintf(out->stages + k, sizeof(out->stages) - k, "%s%s", k ? "," : "",
		                      sn->text);
	}
	return CK_OK;
}

int ck_aws_sm_parse(struct ck_aws_secret *out, const char *json, size_t n)
{
	struct ck_doc *d = NULL;
	int rc = CK_EINTERNAL;

	ck_aws_secret_dispose(out);
	if (ck_doc_parse_json(&d, json, n, CK_DOC_SECURE | CK_DOC_NO_COMMENTS) < 0 ||
	    d->ndocs != 1 || d->docs[0] == NULL || ck_doc_resolve(d->docs[0])->kind != CK_DOC_MAP) {
		rc = ck_err_set(CK_EINVAL, "aws: secretsmanager GetSecretValue: response is not a "
		                "JSON object");
		goto out;
	}
	rc = sm_from_root(out, root_of(d));
out:
	if (rc < 0)
		ck_aws_secret_dispose(out);
	ck_doc_free(d);
	return rc;
}

int ck_aws_sm_get_secret_value(struct ck_aws *a, struct ck_aws_secret *out,
                               const char *secret_id, const char *version_id,
                               const char *version_stage)
{
	struct ck_buf body;
	struct ck_doc *d = NULL;
	char region[64];
	struct jcall j = { "secretsmanager", "SECRETS_MANAGER", "secretsmanager",
	                   "secretsmanager.GetSecretValue", "secretsmanager GetSecretValue", NULL };
	int rc = CK_EINTERNAL;

	ck_buf_init(&body, 0);
	ck_aws_secret_dispose(out); /* nothing stale survives a failure */
	if (secret_id == NULL || secret_id[0] == '\0') {
		rc = ck_err_set(CK_EINVAL, "aws: secretsmanager GetSecretValue: a secret name or "
		                "ARN is required");
		goto out;
	}
	if (arn_region(region, sizeof(region), secret_id))
		j.region = region;
	if ((rc = ck_buf_puts(&body, "{\"SecretId\":")) < 0 ||
	    (rc = ck_net__json_cstr(&body, secret_id)) < 0)
		goto out;
	if (version_id != NULL && version_id[0] &&
	    ((rc = ck_buf_puts(&body, ",\"VersionId\":")) < 0 ||
	     (rc = ck_net__json_cstr(&body, version_id)) < 0))
		goto out;
	if (version_stage != NULL && version_stage[0] &&
	    ((rc = ck_buf_puts(&body, ",\"VersionStage\":")) < 0 ||
	     (rc = ck_net__json_cstr(&body, version_stage)) < 0))
		goto out;
	if ((rc = ck_buf_putc(&body, '}')) < 0)
		goto out;
	if ((rc = json_call(a, &j, &body, &d)) < 0)
		goto out;
	ck_aws_secret_dispose(out);
	if ((rc = sm_from_root(out, root_of(d))) < 0) {
		ck_aws_secret_dispose(out);
		goto out;
	}
	rc = CK_OK;
out:
	ck_doc_free(d);
	ck_buf_dispose(&body);
	return rc;
}
