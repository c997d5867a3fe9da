/* SPDX-License-Identifier: Apache-2.0 */
/*
 * HashiCorp Vault transit master keys (hc_vault) as sops 3.13 makes them;
 * contract in ck/sops_net.h. One Vault client per wrap/unwrap: a file has a
 * handful of keys and sops itself builds a client per call.
 */
#include <stdlib.h>
#include <string.h>

#include "ck/alloc.h"
#include "ck/sops.h"
#include "ck/vault.h"
#include "ks_net.h"

#define VAULT_URI_EXAMPLE "https://vault.example.com:8200/v1/transit/keys/keyName"
#define MAX_SEGS 64
/* A key string sops refuses: its generic exit status. */
#define bad_uri(...) ck_err_set_exit(CK_EINVAL, CK_SOPS_EXIT_ERROR_GENERIC, __VA_ARGS__)

struct seg {
	const char *p;
	size_t n;
};

/* "v" and one or more digits: the API version segment sops looks for. */
static int is_version_seg(const struct seg *s)
{
	size_t i;

	if (s->n < 2 || s->p[0] != 'v')
		return 0;
	for (i = 1; i < s->n; i++)
		if (s->p[i] < '0' || s->p[i] > '9')
			return 0;
	return 1;
}

/*
 * sops checks the request path with two unanchored regular expressions:
 * /v<N>/<a>/<b>/<c> must occur, and /<x>/v<N>/<a>/<b>/<c> (a prefix before
 * the version) must not. On the segment list that is: some version segment
 * followed by three non-empty ones, and none of those preceded by a
 * non-empty segment.
 */
static int check_path(const struct seg *segs, size_t ns, int *prefixed)
{
	size_t i;
	int ok = 0;

	*prefixed = 0;
	for (i = 0; i + 3 < ns; i++) {
		if (!is_version_seg(&segs[i]) || segs[i + 1].n == 0 || segs[i + 2].n == 0 ||
		    segs[i + 3].n == 0)
			continue;
		ok = 1;
		if (i > 0 && segs[i - 1].n > 0)
			*prefixed = 1;
	}
	return ok;
}

int ck_sops__vault_parse(struct ck_sops_key *k, const char *s, size_t n)
{
	struct seg segs[MAX_SEGS], dirs[MAX_SEGS];
	const char *host, *path, *end = s + n, *p;
	struct ck_buf engine;
	size_t ns = 0, nd = 0, i;
	int prefixed = 0, rc;

	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] <= ' ' || s[i] == 0x7f)
			return bad_uri("sops: hc_vault: invalid character in Vault URI '%.*s'",
			               (int)n, s);
	host = NULL;
	for (p = s; p + 3 <= end; p++)
		if (memcmp(p, "://", 3) == 0) {
			host = p + 3;
			break;
		}
	if (host == NULL || host == s + 3)
		return bad_uri("sops: hc_vault: missing scheme in vault URL (should be "
		               "like this: " VAULT_URI_EXAMPLE "), got: %.*s",
		               (int)n, s);
	for (p = s; p < host - 3; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (p > s && ((*p >= '0' && *p <= '9') || *p == '+' || *p == '-' || *p == '.'))))
			return bad_uri("sops: hc_vault: bad scheme in Vault URI '%.*s'", (int)n, s);
	path = memchr(host, '/', (size_t)(end - host));
	if (path == NULL)
		path = end;
	if (path == host || memchr(s, '?', n) != NULL || memchr(s, '#', n) != NULL)
		goto bad;
	/* segments of the path after its leading '/' */
	for (p = path + (path < end); p <= end && path < end;) {
		const char *e = memchr(p, '/', (size_t)(end - p));

		if (ns == MAX_SEGS)
			goto bad;
		segs[ns].p = p;
		segs[ns].n = e ? (size_t)(e - p) : (size_t)(end - p);
		ns++;
		if (e == NULL)
			break;
		p = e + 1;
	}
	if (!check_path(segs, ns, &prefixed))
		goto bad;
	if (prefixed)
		return bad_uri("sops: hc_vault: '%.*s': running Vault with a prefixed url "
		               "is not supported! (Format has to be like " VAULT_URI_EXAMPLE ")",
		               (int)n, s);
	/*
	 * sops trims the slashes around the path, takes the last segment as the
	 * key name and path.Join()s the ones between the first and the
	 * next-to-last as the engine path.
	 */
	for (i = 0; i < ns; i++)
		dirs[nd++] = segs[i];
	while (nd > 0 && dirs[nd - 1].n == 0)
		nd--;
	for (i = 0; i < nd && dirs[i].n == 0; i++)
		;
	memmove(dirs, dirs + i, (nd - i) * sizeof(*dirs));
	nd -= i;
	/* sops assumes the version comes first; junk before it would land in the engine path */
	if (nd < 4 || !is_version_seg(&dirs[0]))
		goto bad;
	/*
	 * Stricter than sops: an empty segment ("//") would vanish from the
	 * engine path (path.Join) and describe() would name another key.
	 */
	for (i = 0; i < nd; i++)
		if (dirs[i].n == 0)
			goto bad;
	ck_buf_init(&engine, 0);
	rc = CK_OK;
	for (i = 1; i + 2 < nd && rc == CK_OK; i++) {
		if ((dirs[i].n == 1 && dirs[i].p[0] == '.') ||
		    (dirs[i].n == 2 && memcmp(dirs[i].p, "..", 2) == 0)) {
			ck_buf_dispose(&engine);
			goto bad;
		}
		if (ck_buf_len(&engine) > 0)
			rc = ck_buf_putc(&engine, '/');
		if (rc == CK_OK)
			rc = ck_buf_put(&engine, dirs[i].p, dirs[i].n);
	}
	if (rc == CK_OK && ck_buf_len(&engine) == 0) {
		ck_buf_dispose(&engine);
		goto bad;
	}
	if (rc == CK_OK)
		rc = ck_sops__net_set_fieldn(k, "vault_address", s, (size_t)(path - s));
	if (rc == CK_OK)
		rc = ck_sops__net_set_fieldn(k, "engine_path", ck_buf_cstr(&engine),
		                             ck_buf_len(&engine));
	if (rc == CK_OK)
		rc = ck_sops__net_set_fieldn(k, "key_name", dirs[nd - 1].p, dirs[nd - 1].n);
	ck_buf_dispose(&engine);
	return rc;
bad:
	return bad_uri("sops: hc_vault: '%.*s': vault path does not seem to be "
	               "formatted correctly: (eg. " VAULT_URI_EXAMPLE ")",
	               (int)n, s);
}

/* SOPS_HC_VAULT_ALLOWLIST (sops >= 3.13): all, none, or address prefixes. */
static int allowlisted(const char *addr)
{
	const char *al = getenv("SOPS_HC_VAULT_ALLOWLIST"), *p;

	if (al == NULL || al[0] == '\0' || strcmp(al, "all") == 0)
		return CK_OK;
	if (strcmp(al, "none") != 0) {
		for (p = al; *p != '\0';) {
			const char *e = strchr(p, ',');
			size_t len = e ? (size_t)(e - p) : strlen(p);

			while (len > 0 && *p == ' ')
				p++, len--;
			while (len > 0 && p[len - 1] == ' ')
				len--;
			if (len > 0 && strncmp(addr, p, len) == 0)
				return CK_OK;
			if (e == NULL)
				break;
			p = e + 1;
		}
	}
	return ck_err_set(CK_EDENIED,
	                  "sops: hc_vault: Vault address %s is not allowed by "
	                  "SOPS_HC_VAULT_ALLOWLIST",
	                  addr);
}

struct vkey {
	const char *addr, *engine, *name;
};

static int vkey_of(struct vkey *vk, const struct ck_sops_key *k)
{
	vk->addr = ck_sops_key_field(k, "vault_address");
	vk->engine = ck_sops_key_field(k, "engine_path");
	vk->name = ck_sops_key_field(k, "key_name");
	if (vk->addr == NULL || vk->addr[0] == '\0' || vk->engine == NULL ||
	    vk->engine[0] == '\0' || vk->name == NULL || vk->name[0] == '\0')
		return ck_err_set(CK_EINVAL,
		                  "sops: hc_vault key without vault_address, engine_path "
		                  "or key_name");
	return CK_OK;
}

/* A client for the key's server, logged in with the token sops would use. */
static int client(struct ck_vault **out, const struct vkey *vk, struct ck_sops_keyctx *ctx)
{
	const struct ck_sops_net_opts *o = ck_sops__net_opts(ctx);
	struct ck_vault_config c;
	struct ck_vault_auth a;
	int rc;

	*out = NULL;
	if ((rc = allowlisted(vk->addr)) < 0)
		return rc;
	memset(&c, 0, sizeof(c));
	memset(&a, 0, sizeof(a));
	c.addr = vk->addr;
	c.max_retries = o->vault_max_retries;
	c.retry_wait_ms = o->vault_retry_wait_ms;
	c.timeout_ms = o->timeout_ms;
	ck_vault_config_env(&c);
	a.method = CK_VAULT_AUTH_TOKEN;
	a.token = o->vault_token;
	if ((rc = ck_vault_new(out, &c)) < 0)
		return rc;
	if ((rc = ck_vault_login(*out, &a)) < 0) {
		ck_vault_free(*out);
		*out = NULL;
	}
	return rc;
}

int ck_sops__vault_wrap(struct ck_sops_key *k, const uint8_t *dk, size_t n,
                        struct ck_sops_keyctx *ctx)
{
	struct ck_vault *v = NULL;
	struct ck_buf ct;
	struct vkey vk;
	int rc;

	ck_buf_init(&ct, 0);
	if ((rc = vkey_of(&vk, k)) < 0)
		goto out;
	/* the transit API takes base64; the client encodes the raw key once, as sops does */
	if ((rc = client(&v, &vk, ctx)) < 0 ||
	    (rc = ck_vault_transit_encrypt(v, &ct, vk.engine, vk.name, dk, n, NULL, 0)) < 0) {
		rc = ck_err_set(rc, "hc_vault key %s/v1/%s/keys/%s: %s", vk.addr, vk.engine,
		                vk.name, ck_err_last()->msg);
		goto out;
	}
	rc = ck_sops__net_set_enc(k, ck_buf_cstr(&ct), ck_buf_len(&ct));
out:
	ck_vault_free(v);
	ck_buf_dispose(&ct);
	return rc;
}

int ck_sops__vault_unwrap(const struct ck_sops_key *k, struct ck_buf *out,
                          struct ck_sops_keyctx *ctx)
{
	struct ck_vault *v = NULL;
	struct vkey vk;
	int rc;

	if (k->enc == NULL || k->enc[0] == '\0')
		return ck_err_set(CK_ENOKEY, "hc_vault key has no encrypted data key");
	if ((rc = vkey_of(&vk, k)) < 0)
		return rc;
	if ((rc = client(&v, &vk, ctx)) == CK_OK)
		rc = ck_vault_transit_decrypt(v, out, vk.engine, vk.name, k->enc, NULL, 0);
	ck_vault_free(v);
	return rc;
}
