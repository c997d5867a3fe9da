/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Files the nearest .sops.yaml says must be encrypted. A creation rule with a
 * path_regex that matches the file says so; a catch-all rule (no path_regex)
 * only names default keys and says nothing about which files are secret, so
 * it and every rule after it are left out. Three findings:
 *
 *   sops-unencrypted  no sops metadata, but values the rule would encrypt
 *                     (Kubernetes objects other than Secrets are exempt, so
 *                     Flux's usual `.*\.yaml` + encrypted_regex config does
 *                     not flag every Deployment);
 *   sops-partial      metadata present, but a value that the metadata's rule
 *                     or the config's rule selects is not ENC[], or no MAC;
 *   sops-wrong-keys   the metadata names none of the rule's master keys.
 *
 * Which values a rule selects is exactly what the sops module's encryption
 * walk does (suffixes, RE2 regexes, comment regexes): the sops module has no
 * public "is this leaf selected" call, so a fresh read of the file is
 * encrypted under a throw-away data key and the leaves the walk marked
 * CK_SOPS_F_ENC are the selected ones. Nothing leaves this file.
 */
#include <stdio.h>
#include <stdlib.h>
#include <regex.h>
#include <string.h>

#include "ck/alloc.h"
#include "ck/rand.h"
#include "ck/secret.h"
#include "ck/sops.h"
#include "ck/sops_config.h"
#include "hook_int.h"

#define MAX_LITS 4
#define MAX_MEMO 16

struct ck_hook__sopscfg {
	char *path;  /* "apps/.sops.yaml" */
	char *vdir;  /* "/apps": the config's directory in a virtual absolute tree */
	struct ck_sops_config *must; /* rules before the first catch-all; NULL when none */
	/*
	 * A prefilter: the must rules' path_regex values compiled once, when all
	 * of them use only syntax POSIX EREs read the same way as Go's RE2. A
	 * path none of them matches needs no ck_sops_config_rule_for() call,
	 * which compiles every regex again for every file.
	 */
	regex_t *pre;
	size_t npre;
	int have_pre;
	/* per pre regex: literals every match contains (checked with memmem first) */
	char *(*lits)[MAX_LITS];
	/*
	 * rule_for() results by which pre regexes match: sops takes the first
	 * matching rule, and a rule's metadata depends on the rule alone, so
	 * paths with the same matches get the same answer.
	 */
	struct memo {
		uint64_t mask;
		int rc;
		struct ck_sops_meta m;
	} memo[MAX_MEMO];
	size_t nmemo;
};

void ck_hook__sopscfg_free(void *p)
{
	struct ck_hook__sopscfg *c = p;

	if (c == NULL)
		return;
	while (c->nmemo > 0)
		ck_sops_meta_dispose(&c->memo[--c->nmemo].m);
	if (c->lits != NULL) {
		size_t i, k;

		for (i = 0; i < c->npre; i++)
			for (k = 0; k < MAX_LITS; k++)
				ck_free(c->lits[i][k]);
		ck_free(c->lits);
	}
	while (c->npre > 0)
		regfree(&c->pre[--c->npre]);
	ck_free(c->pre);
	ck_sops_config_free(c->must);
	ck_free(c->path);
	ck_free(c->vdir);
	ck_free(c);
}

/*
 * 1 if RE2 and POSIX ERE agree on this regex: literals, . * + ? | ( ) ^ $
 * [...] without backslashes inside, {m,n}, and backslash before punctuation;
 * one quantifier per atom.
 */
static int ere_safe(const char *re)
{
	int in_br = 0;

	for (; *re; re++) {
		unsigned char c = (unsigned char)*re;

		if (in_br) {
			if (c == '\\' || (c == '[' && (re[1] == ':' || re[1] == '=' || re[1] == '.')))
				return 0;
			if (c == ']')
				in_br = 0;
			continue;
		}
		if (c == '[') {
			in_br = 1;
			if (re[1] == '^')
				re++;
			if (re[1] == ']')
				re++;
			continue;
		}
		if (c == '\\') {
			unsigned char e = (unsigned char)re[1];

			if (e == 0 || (e >= 'a' && e <= 'z') || (e >= 'A' && e <= 'Z') || (e >= '0' && e <= '9'))
				return 0;
			re++;
			continue;
		}
		if (c == '(' && re[1] == '?')
			return 0;
		if ((c == '*' || c == '+' || c == '?' || c == '}') && re[1] == '?')
			return 0; /* lazy quantifiers */
		if ((c == '*' || c == '+' || c == '?' || c == '}') && (re[1] == '*' || re[1] == '+' || re[1] == '{'))
			return 0; /* stacked ones ("a*{1,2}"): RE2 refuses them, POSIX leaves them undefined */
		if (c < 0x20 || c >= 0x80)
			return 0;
	}
	return !in_br;
}

/* memmem for a path and a short literal (memmem's set-up costs more than a path). */
static int has(const char *s, size_t n, const char *lit)
{
	size_t ll = strlen(lit);
	const char *p = s, *e = s + n;

	while (ll <= (size_t)(e - p) && (p = memchr(p, lit[0], (size_t)(e - p) - ll + 1)) != NULL) {
		if (memcmp(p + 1, lit + 1, ll - 1) == 0)
			return 1;
		p++;
	}
	return 0;
}

/* re[i] is '[': the index after its closing ']' (ere_safe: no escapes or classes inside). */
static size_t skip_bracket(const char *re, size_t i)
{
	i++;
	if (re[i] == '^')
		i++;
	if (re[i] == ']')
		i++;
	while (re[i] && re[i] != ']')
		i++;
	return re[i] ? i + 1 : i;
}

/* re[i] is '(': the index after its closing ')', or 0 when unbalanced. */
static size_t skip_group(const char *re, size_t i)
{
	size_t d = 0;

	while (re[i]) {
		if (re[i] == '\\' && re[i + 1]) {
			i += 2;
			continue;
		}
		if (re[i] == '[') {
			i = skip_bracket(re, i);
			continue;
		}
		if (re[i] == '(')
			d++;
		else if (re[i] == ')' && --d == 0)
			return i + 1;
		i++;
	}
	return 0;
}

/*
 * Literals every match of an ere_safe() regex contains: runs of plain or
 * escaped characters that are neither optional nor repeated, at the top
 * level; none when the regex has a top-level alternation or anything this
 * reader does not follow. Runs shorter than 2 characters are not worth a
 * memmem. Unknown syntax ends a run, which only loses filtering.
 */
static int req_lits(char *out[MAX_LITS], const char *re)
{
	char run[256];
	size_t rl = 0, nout = 0, i;
	int rc = CK_OK;

	/* a top-level '|': any of several alternatives, no common literal */
	for (i = 0; re[i];) {
		if (re[i] == '|') {
			return CK_OK;
		} else if (re[i] == '\\' && re[i + 1]) {
			i += 2;
		} else if (re[i] == '[') {
			i = skip_bracket(re, i);
		} else if (re[i] == '(') {
			if ((i = skip_group(re, i)) == 0)
				return CK_OK;
		} else {
			i++;
		}
	}
	for (i = 0; re[i] && rc == CK_OK;) {
		char lit = 0;
		size_t next = i + 1;
		int is_lit = 0, opt, rep;

		if (re[i] == '\\' && re[i + 1]) {
			lit = re[i + 1];
			is_lit = 1;
			next = i + 2;
		} else if (re[i] == '(') {
			if ((next = skip_group(re, i)) == 0)
				break;
		} else if (re[i] == '[') {
			next = skip_bracket(re, i);
		} else if (strchr(".^$*+?{}|)", re[i]) == NULL) {
			lit = re[i];
			is_lit = 1;
		}
		opt = re[next] == '*' || re[next] == '?' || (re[next] == '{' && re[next + 1] == '0');
		rep = re[next] == '+' || re[next] == '{' || opt;
		if (is_lit && !opt && rl + 1 < sizeof(run))
			run[rl++] = lit;
		if (!is_lit || rep) {
			if (rl >= 2 && nout < MAX_LITS && (out[nout++] = ck_strndup(run, rl)) == NULL)
				rc = ck_err_set(CK_ENOMEM, "hook: out of memory");
			rl = 0;
		}
		/* skip the quantifier */
		if (re[next] == '{') {
			while (re[next] && re[next] != '}')
				next++;
			if (re[next])
				next++;
		} else if (re[next] == '*' || re[next] == '+' || re[next] == '?') {
			next++;
		}
		i = next;
	}
	if (rc == CK_OK && rl >= 2 && nout < MAX_LITS && (out[nout++] = ck_strndup(run, rl)) == NULL)
		rc = ck_err_set(CK_ENOMEM, "hook: out of memory");
	return rc;
}

/* creation_rules up to (not including) the first one without a path_regex, as YAML. */
static int must_rules(struct ck_buf *out, struct ck_hook__sopscfg *c, const char *text, size_t n,
                      size_t *nrules)
{
	struct ck_doc *in = NULL, *o = NULL;
	const struct ck_doc_node *root, *rules;
	struct ck_doc_node *seq, *map;
	size_t i;
	int rc;

	*nrules = 0;
	if ((rc = ck_doc_parse_yaml(&in, text, n, CK_DOC_NO_COMMENTS)) < 0)
		return rc;
	rc = CK_ENOMEM;
	if ((o = ck_doc_new(0)) == NULL || (seq = ck_doc_seq(o)) == NULL || (map = ck_doc_map(o)) == NULL)
		goto out;
	root = in->ndocs > 0 ? ck_doc_resolve(in->docs[0]) : NULL;
	rules = root != NULL && root->kind == CK_DOC_MAP
	            ? ck_doc_resolve(ck_doc_map_get(root, "creation_rules")) : NULL;
	c->have_pre = 1;
	if (rules != NULL && rules->kind == CK_DOC_SEQ && rules->nkids > 0 &&
	    ((c->pre = ck_calloc(rules->nkids, sizeof(*c->pre))) == NULL ||
	     (c->lits = ck_calloc(rules->nkids, sizeof(*c->lits))) == NULL))
		goto out;
	for (i = 0; rules != NULL && rules->kind == CK_DOC_SEQ && i < rules->nkids; i++) {
		const struct ck_doc_node *r = ck_doc_resolve(rules->kids[i]);
		const char *re = r != NULL && r->kind == CK_DOC_MAP ? ck_hook__str(ck_doc_map_get(r, "path_regex")) : NULL;
		struct ck_doc_node *cl;

		if (re == NULL || re[0] == '\0')
			break;
		if ((cl = ck_doc_clone(o, r)) == NULL || ck_doc_seq_append(o, seq, cl) < 0)
			goto out;
		(*nrules)++;
		if (c->have_pre && ere_safe(re) &&
		    regcomp(&c->pre[c->npre], re, REG_EXTENDED | REG_NOSUB) == 0) {
			c->npre++;
			if (req_lits(c->lits[c->npre - 1], re) < 0) {
				rc = CK_ENOMEM;
				goto out;
			}
		} else {
			c->have_pre = 0;
		}
	}
	if (ck_doc_map_set(o, map, "creation_rules", seq) < 0 || ck_doc_add_root(o, map) < 0)
		goto out;
	{
		struct ck_doc_yaml_opts yo = CK_DOC_YAML_OPTS_INIT;

		yo.no_comments = 1;
		if ((rc = ck_doc_write_yaml(out, o, &yo)) < 0)
			goto out;
	}
	rc = CK_OK;
out:
	if (rc == CK_ENOMEM)
		ck_err_set(CK_ENOMEM, "hook: out of memory");
	ck_doc_free(in);
	ck_doc_free(o);
	return rc;
}

static int load_cfg(struct ck_hook__sopscfg **out, const char *dir, const char *path,
                    const struct ck_buf *text)
{
	struct ck_hook__sopscfg *c = ck_calloc(1, sizeof(*c));
	struct ck_sops_config *full = NULL;
	struct ck_buf yml, vdir;
	size_t nr = 0;
	int rc = CK_ENOMEM;

	*out = NULL;
	ck_buf_init(&yml, 0);
	ck_buf_init(&vdir, 0);
	if (c == NULL || (c->path = ck_strdup(path)) == NULL || ck_buf_printf(&vdir, "/%s", dir) < 0 ||
	    (c->vdir = ck_strdup(ck_buf_cstr(&vdir))) == NULL)
		goto out;
	/* a config sops cannot read checks nothing (the file itself is reported when staged) */
	rc = ck_sops_config_parse(&full, (const char *)ck_buf_data(text), ck_buf_len(text), c->vdir);
	if (rc == CK_OK)
		rc = must_rules(&yml, c, (const char *)ck_buf_data(text), ck_buf_len(text), &nr);
	if (rc == CK_OK && nr > 0)
		rc = ck_sops_config_parse(&c->must, (const char *)ck_buf_data(&yml), ck_buf_len(&yml), c->vdir);
	if (rc == CK_ENOMEM)
		goto out;
	if (rc < 0) {
		ck_sops_config_free(c->must);
		c->must = NULL;
	}
	if (c->must == NULL)
		c->have_pre = 0;
	ck_err_clear();
	*out = c;
	c = NULL; /* transferred */
	rc = CK_OK;
out:
	if (rc == CK_ENOMEM)
		ck_err_set(CK_ENOMEM, "hook: out of memory");
	ck_sops_config_free(full);
	ck_hook__sopscfg_free(c);
	ck_buf_dispose(&yml);
	ck_buf_dispose(&vdir);
	return rc;
}

/* The nearest .sops.yaml at or above the file's directory (cached per directory). */
static int find_cfg(struct ck_hook__sopscfg **out, struct ck_hook_scanner *s, const char *file)
{
	struct ck_buf dir, p, text, visited;
	struct ck_hook__sopscfg *found = NULL;
	const char *sl = strrchr(file, '/');
	size_t off;
	int rc = CK_OK;

	*out = NULL;
	/* the common case: this directory was seen before (no allocation) */
	if (sl == NULL || (size_t)(sl - file) < sizeof(s->last_dir)) {
		char d[sizeof(s->last_dir)];
		size_t dl = sl != NULL ? (size_t)(sl - file) : 0;
		void *v;

		/* the same directory as the file before: no lookup at all */
		if (s->last_set && dl == s->last_len && memcmp(file, s->last_dir, dl) == 0) {
			*out = s->last_cfg;
			return CK_OK;
		}
		memcpy(d, file, dl);
		d[dl] = '\0';
		if (ck_hook__strmap_get(&s->sops, d, &v)) {
			memcpy(s->last_dir, d, dl);
			s->last_len = dl;
			s->last_cfg = v;
			s->last_set = 1;
			*out = v;
			return CK_OK;
		}
	}
	ck_buf_init(&dir, 0);
	ck_buf_init(&p, 0);
	ck_buf_init(&text, 0);
	ck_buf_init(&visited, 0);
	if (sl != NULL && ck_buf_put(&dir, file, (size_t)(sl - file)) < 0)
		goto nomem;
	for (;;) {
		void *v;
		char *slash;

		if (ck_hook__strmap_get(&s->sops, ck_buf_cstr(&dir), &v)) {
			found = v;
			break;
		}
		if (ck_buf_put(&visited, ck_buf_cstr(&dir), ck_buf_len(&dir) + 1) < 0)
			goto nomem;
		ck_buf_reset(&p);
		ck_buf_reset(&text);
		if (ck_buf_printf(&p, "%s%s.sops.yaml", ck_buf_cstr(&dir), ck_buf_len(&dir) ? "/" : "") < 0)
			goto nomem;
		rc = ck_hook__src_read(s, ck_buf_cstr(&p), &text);
		if (rc == CK_ENOMEM)
			goto out;
		if (rc == CK_OK) {
			if ((rc = load_cfg(&found, ck_buf_cstr(&dir), ck_buf_cstr(&p), &text)) < 0)
				goto out;
			if ((rc = ck_hook__strmap_put(&s->sops_own, ck_buf_cstr(&dir), found)) < 0) {
				ck_hook__sopscfg_free(found);
				goto out;
			}
			break;
		}
		rc = CK_OK;
		ck_err_clear();
		if (ck_buf_len(&dir) == 0)
			break;
		slash = strrchr((char *)ck_buf_mutable(&dir), '/');
		ck_buf_truncate(&dir, slash != NULL ? (size_t)(slash - (char *)ck_buf_mutable(&dir)) : 0);
	}
	for (off = 0; off < ck_buf_len(&visited);) {
		const char *d = (const char *)ck_buf_data(&visited) + off;

		if ((rc = ck_hook__strmap_put(&s->sops, d, found)) < 0)
			goto out;
		off += strlen(d) + 1;
	}
	*out = found;
	rc = CK_OK;
	goto out;
nomem:
	rc = ck_err_set(CK_ENOMEM, "hook: out of memory");
out:
	ck_buf_dispose(&dir);
	ck_buf_dispose(&p);
	ck_buf_dispose(&text);
	ck_buf_dispose(&visited);
	return rc;
}

/* ---- which leaves a rule selects ---- */

struct leaf {
	struct ck_sops_node *n;
	uint32_t line;
	unsigned char enc, sel, empty;
	char *path;  /* server.token */
	char *tpath; /* ["server"]["token"] (sops tree path) */
};

struct leaves {
	struct leaf *v;
	size_t n, cap;
};

static void leaves_dispose(struct leaves *l)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		ck_free(l->v[i].path);
		ck_free(l->v[i].tpath);
	}
	ck_free(l->v);
	memset(l, 0, sizeof(*l));
}

static int add_leaf(struct leaves *l, struct ck_sops_node *n, const struct ck_buf *path,
                    const struct ck_buf *tpath)
{
	struct leaf *x;

	if (l->n == l->cap) {
		size_t nc = l->cap ? l->cap * 2 : 32;
		struct leaf *nv = ck_calloc(nc, sizeof(*nv));

		if (nv == NULL)
			return ck_err_set(CK_ENOMEM, "hook: out of memory");
		if (l->n > 0)
			memcpy(nv, l->v, l->n * sizeof(*nv));
		ck_free(l->v);
		l->v = nv;
		l->cap = nc;
	}
	x = &l->v[l->n];
	memset(x, 0, sizeof(*x));
	x->n = n;
	x->line = n->line;
	x->empty = n->len == 0;
	x->enc = n->type == CK_SOPS_STR && ck_hook__is_enc(n->u.s, n->len);
	if ((x->path = ck_strdup(ck_buf_len(path) ? ck_buf_cstr(path) : "(value)")) == NULL ||
	    (x->tpath = ck_strdup(ck_buf_cstr(tpath))) == NULL)
		return ck_err_set(CK_ENOMEM, "hook: out of memory");
	/* sops cannot walk a uint64; it is plaintext whatever the rule says */
	if (n->type == CK_SOPS_UINT)
		n->type = CK_SOPS_STR;
	l->n++;
	return CK_OK;
}

/*
 * The walk also writes the tree's skeleton to sk: every map key (type,
 * flags, bytes), where maps and sequences open and close, and every leaf
 * (type, empty or not), unambiguously. Which leaves sops's walk encrypts
 * under a path or suffix rule depends on nothing else (the keys on each
 * leaf's path, and an empty value is never encrypted), so two trees with
 * one skeleton get one selection (see selmemo below).
 */
static int walk(struct leaves *l, struct ck_sops_node *n, struct ck_buf *path, struct ck_buf *tpath,
                struct ck_buf *sk, int depth)
{
	size_t keep = ck_buf_len(path), tkeep = ck_buf_len(tpath);
	uint32_t i;
	int rc = CK_OK;

	if (depth > CK_SOPS_MAX_DEPTH)
		return ck_err_set(CK_ETOOBIG, "hook: document nested too deep");
	if (n->type == CK_SOPS_MAP) {
		if (ck_buf_putc(sk, 'M') < 0)
			return ck_err_set(CK_ENOMEM, "hook: out of memory");
		for (i = 0; i + 1 < n->len && rc == CK_OK; i += 2) {
			struct ck_sops_node *k = &n->u.kids[i];
			uint8_t kh[7];

			if (k->type == CK_SOPS_COMMENT)
				continue;
			kh[0] = 'K';
			kh[1] = k->type;
			kh[2] = k->flags;
			kh[3] = (uint8_t)(k->len >> 24);
			kh[4] = (uint8_t)(k->len >> 16);
			kh[5] = (uint8_t)(k->len >> 8);
			kh[6] = (uint8_t)k->len;
			if ((keep && ck_buf_putc(path, '.') < 0) || ck_buf_put(path, k->u.s, k->len) < 0 ||
			    ck_buf_puts(tpath, "[\"") < 0 || ck_buf_put(tpath, k->u.s, k->len) < 0 ||
			    ck_buf_puts(tpath, "\"]") < 0 || ck_buf_put(sk, kh, sizeof(kh)) < 0 ||
			    ck_buf_put(sk, k->u.s, k->len) < 0)
				return ck_err_set(CK_ENOMEM, "hook: out of memory");
			rc = walk(l, &n->u.kids[i + 1], path, tpath, sk, depth + 1);
			ck_buf_truncate(path, keep);
			ck_buf_truncate(tpath, tkeep);
		}
		if (rc == CK_OK && ck_buf_putc(sk, 'm') < 0)
			return ck_err_set(CK_ENOMEM, "hook: out of memory");
	} else if (n->type == CK_SOPS_SEQ) {
		uint32_t idx = 0;

		if (ck_buf_putc(sk, 'S') < 0)
			return ck_err_set(CK_ENOMEM, "hook: out of memory");
		for (i = 0; i < n->len && rc == CK_OK; i++) {
			if (n->u.kids[i].type == CK_SOPS_COMMENT)
				continue;
			if (ck_buf_printf(path, "[%u]", (unsigned)idx) < 0 ||
			    ck_buf_printf(tpath, "[%u]", (unsigned)idx) < 0)
				return ck_err_set(CK_ENOMEM, "hook: out of memory");
			idx++;
			rc = walk(l, &n->u.kids[i], path, tpath, sk, depth + 1);
			ck_buf_truncate(path, keep);
			ck_buf_truncate(tpath, tkeep);
		}
		if (rc == CK_OK && ck_buf_putc(sk, 's') < 0)
			return ck_err_set(CK_ENOMEM, "hook: out of memory");
	} else if (n->type != CK_SOPS_NULL && n->type != CK_SOPS_COMMENT) {
		uint8_t lh[3] = { 'L', n->type, n->len == 0 };

		if (ck_buf_put(sk, lh, sizeof(lh)) < 0)
			return ck_err_set(CK_ENOMEM, "hook: out of memory");
		rc = add_leaf(l, n, path, tpath);
	} else if (ck_buf_putc(sk, n->type == CK_SOPS_NULL ? 'N' : 'C') < 0) {
		return ck_err_set(CK_ENOMEM, "hook: out of memory");
	}
	return rc;
}

/* ---- selections remembered ---- */

/*
 * What a rule selects in a tree, by (format, plain or not, rule, rule
 * value, skeleton): the encryption walk that answers costs a cipher set-up
 * (secret memory, a 4 KiB IV pool from the system's generator) and a walk
 * per file, and a repository's SOPS files mostly share a few shapes.
 * Comment rules are not remembered: comments decide for them.
 */
#define SEL_SLOTS 8
#define SEL_MAX_SKEL ((size_t)64 << 10)

struct selent {
	enum ck_sops_format fmt;
	int plain;
	enum ck_sops_rule rule;
	char *value;    /* NULL: none */
	uint8_t *skel;  /* NULL: slot unused */
	size_t skel_n;
	uint8_t *sel;   /* per leaf: sops's walk flagged it CK_SOPS_F_ENC */
	size_t nsel;
	uint64_t used;  /* for replacing the least recently used slot */
};

struct ck_hook__selmemo {
	struct selent e[SEL_SLOTS];
	uint64_t tick;
};

static void selent_clear(struct selent *e)
{
	ck_free(e->value);
	ck_free(e->skel);
	ck_free(e->sel);
	memset(e, 0, sizeof(*e));
}

void ck_hook__selmemo_free(struct ck_hook__selmemo *m)
{
	size_t i;

	if (m == NULL)
		return;
	for (i = 0; i < SEL_SLOTS; i++)
		selent_clear(&m->e[i]);
	ck_free(m);
}

static int memo_rule(enum ck_sops_rule rule)
{
	return rule != CK_SOPS_RULE_ENCRYPTED_COMMENT_REGEX && rule != CK_SOPS_RULE_UNENCRYPTED_COMMENT_REGEX;
}

static struct selent *memo_find(struct ck_hook__selmemo *m, enum ck_sops_format fmt, int plain,
                                enum ck_sops_rule rule, const char *value, const struct ck_buf *sk)
{
	size_t i;

	if (m == NULL)
		return NULL;
	for (i = 0; i < SEL_SLOTS; i++) {
		struct selent *e = &m->e[i];

		if (e->skel != NULL && e->fmt == fmt && e->plain == plain && e->rule == rule &&
		    (e->value == NULL) == (value == NULL) && (value == NULL || strcmp(e->value, value) == 0) &&
		    e->skel_n == ck_buf_len(sk) && memcmp(e->skel, ck_buf_data(sk), e->skel_n) == 0) {
			e->used = ++m->tick;
			return e;
		}
	}
	return NULL;
}

/* Remember l's selection; failing to (no memory) only loses the shortcut. */
static void memo_put(struct ck_hook_scanner *s, enum ck_sops_format fmt, int plain, enum ck_sops_rule rule,
                     const char *value, const struct ck_buf *sk, const struct leaves *l)
{
	struct ck_hook__selmemo *m = s->selmemo;
	struct selent *e;
	size_t i;

	if (ck_buf_len(sk) > SEL_MAX_SKEL)
		return;
	if (m == NULL && (m = s->selmemo = ck_calloc(1, sizeof(*m))) == NULL)
		return;
	e = &m->e[0];
	for (i = 1; i < SEL_SLOTS && e->skel != NULL; i++)
		if (m->e[i].skel == NULL || m->e[i].used < e->used)
			e = &m->e[i];
	selent_clear(e);
	if ((value != NULL && (e->value = ck_strdup(value)) == NULL) ||
	    (e->skel = ck_alloc(ck_buf_len(sk) ? ck_buf_len(sk) : 1)) == NULL ||
	    (e->sel = ck_alloc(l->n ? l->n : 1)) == NULL) {
		selent_clear(e);
		return;
	}
	memcpy(e->skel, ck_buf_data(sk), ck_buf_len(sk));
	e->skel_n = ck_buf_len(sk);
	for (i = 0; i < l->n; i++)
		e->sel[i] = (l->v[i].n->flags & CK_SOPS_F_ENC) != 0;
	e->nsel = l->n;
	e->fmt = fmt;
	e->plain = plain;
	e->rule = rule;
	e->used = ++m->tick;
}

/* CLOAK_HOOK_NOMEMO=1: every selection from sops's walk (tests compare the two ways). */
static int nomemo(const struct ck_hook_scanner *s)
{
	const char *e;

	(void)s;
	e = getenv("CLOAK_HOOK_NOMEMO");
	return e != NULL && strcmp(e, "1") == 0;
}

/*
 * Read the file (plain: as plaintext) and mark the leaves `rule` selects.
 * *ok 0 when the file cannot be evaluated (read error, a tree sops cannot
 * encrypt); the error is cleared. pre (may be NULL): the same file already
 * read as encrypted, taken over instead of reading it again.
 */
static int select_leaves(struct ck_hook_scanner *s, struct leaves *l, int *ok, const char *data,
                         size_t n, enum ck_sops_format fmt, int plain, enum ck_sops_rule rule,
                         const char *value, struct ck_sops_file **pre)
{
	struct ck_sops_file *sf = NULL;
	int borrowed = 0;
	struct ck_sops_keyctx ctx;
	struct ck_buf text, path, tpath, sk;
	const struct selent *hit;
	size_t d, i;
	int rc;

	*ok = 0;
	/*
	 * ck_sops_file_read wants plaintext in secret memory; a file read as
	 * encrypted needs none. Either way the bytes are a copy of the blob,
	 * which is ordinary memory already.
	 */
	if (plain)
		ck_buf_init_secure(&text, 0);
	else
		ck_buf_init(&text, 0);
	ck_buf_init(&path, 0);
	ck_buf_init(&tpath, 0);
	ck_buf_init(&sk, 0);
	ck_sops_keyctx_init(&ctx);
	if (pre != NULL && *pre != NULL && !plain) {
		sf = *pre;
		*pre = NULL;
	} else if (ck_buf_put(&text, data, n) < 0) {
		rc = ck_err_set(CK_ENOMEM, "hook: out of memory");
		goto out;
	} else if ((rc = ck_sops_file_read(&sf, &text, fmt, plain ? CK_SOPS_PLAINTEXT : 0)) < 0) {
		goto soft;
	}
	for (d = 0; d < sf->tree->ndocs; d++)
		if (ck_buf_putc(&sk, 'D') < 0 || (rc = walk(l, &sf->tree->docs[d], &path, &tpath, &sk, 0)) < 0)
			goto soft;
	if (memo_rule(rule) && !nomemo(s) &&
	    (hit = memo_find(s->selmemo, fmt, plain, rule, value, &sk)) != NULL && hit->nsel == l->n) {
		for (i = 0; i < l->n; i++)
			l->v[i].sel = hit->sel[i] && !l->v[i].empty;
		*ok = 1;
		rc = CK_OK;
		goto out;
	}
	sf->encrypted = 0;
	if (sf->datakey == NULL) {
		/*
		 * One throw-away data key per scanner, lent to every file: what
		 * the encryption selects does not depend on the key, and a key
		 * in secret memory per file cost a mapping, a lock and guard
		 * pages each.
		 */
		if (s->tkey == NULL) {
			if ((s->tkey = ck_secret_alloc(32)) == NULL) {
				rc = ck_err_set(CK_ENOMEM, "hook: out of memory");
				goto out;
			}
			ck_random(s->tkey, 32);
		}
		sf->datakey = s->tkey;
		borrowed = 1;
	}
	ck_free(sf->meta.rule_value);
	sf->meta.rule_value = NULL;
	sf->meta.rule = rule;
	if (value != NULL && (sf->meta.rule_value = ck_strdup(value)) == NULL) {
		rc = ck_err_set(CK_ENOMEM, "hook: out of memory");
		goto out;
	}
	if ((rc = ck_sops_file_encrypt(sf, &ctx, 0)) < 0)
		goto soft;
	for (i = 0; i < l->n; i++)
		l->v[i].sel = (l->v[i].n->flags & CK_SOPS_F_ENC) != 0 && !l->v[i].empty;
	if (memo_rule(rule) && !nomemo(s))
		memo_put(s, fmt, plain, rule, value, &sk, l);
	*ok = 1;
	rc = CK_OK;
	goto out;
soft:
	if (rc == CK_ENOMEM)
		goto out;
	ck_err_clear();
	rc = CK_OK;
out:
	for (i = 0; i < l->n; i++)
		l->v[i].n = NULL; /* the tree goes away now */
	if (borrowed)
		sf->datakey = NULL; /* the scanner's, not the file's */
	ck_sops_file_free(sf);
	ck_sops_keyctx_dispose(&ctx);
	ck_buf_dispose(&text);
	ck_buf_dispose(&path);
	ck_buf_dispose(&tpath);
	ck_buf_dispose(&sk);
	return rc;
}

/*
 * Line of a flat store's key ("KEY=" in dotenv, "key =" in INI): their
 * readers keep no lines.
 */
static uint32_t key_line(const char *data, size_t n, const char *key)
{
	size_t kl = strlen(key), off = 0;
	uint32_t line = 1;

	if (kl == 0)
		return 0;
	while (off < n) {
		const char *nl = memchr(data + off, '\n', n - off);
		size_t end = nl != NULL ? (size_t)(nl - data) : n, j = off;

		while (j < end && (data[j] == ' ' || data[j] == '\t'))
			j++;
		if (end - j > kl && memcmp(data + j, key, kl) == 0) {
			j += kl;
			while (j < end && (data[j] == ' ' || data[j] == '\t'))
				j++;
			if (j < end && (data[j] == '=' || data[j] == ':'))
				return line;
		}
		off = end + 1;
		line++;
	}
	return 0;
}

/* Line of the sops metadata: `sops:` (YAML), "sops" (JSON), sops_ (dotenv), [sops] (INI). */
static uint32_t meta_line(const char *data, size_t n, enum ck_sops_format fmt)
{
	static const char *const mk[] = { "sops:", "\"sops\"", "sops_", "[sops]" };
	size_t k = fmt == CK_SOPS_FMT_DOTENV ? 2 : fmt == CK_SOPS_FMT_INI ? 3 : fmt == CK_SOPS_FMT_YAML ? 0 : 1;
	size_t ml = strlen(mk[k]), off = 0;
	uint32_t line = 1;

	while (off < n) {
		const char *nl = memchr(data + off, '\n', n - off);
		size_t end = nl != NULL ? (size_t)(nl - data) : n, j = off;

		while (k == 1 && j < end && (data[j] == ' ' || data[j] == '\t'))
			j++;
		if (end - j >= ml && memcmp(data + j, mk[k], ml) == 0)
			return line;
		off = end + 1;
		line++;
	}
	return 0;
}

static uint32_t leaf_line(const struct leaf *x, const char *data, size_t n)
{
	return x->line != 0 ? x->line : key_line(data, n, x->path);
}

/* Every document is a Kubernetes object (apiVersion and kind). */
static int all_k8s(const char *data, size_t n, int json)
{
	struct ck_doc *d = NULL;
	size_t i;
	int all = 1;

	if ((json ? ck_doc_parse_json(&d, data, n, CK_DOC_NO_COMMENTS)
	          : ck_doc_parse_yaml(&d, data, n, CK_DOC_NO_COMMENTS)) < 0) {
		ck_err_clear();
		return 0;
	}
	for (i = 0; i < d->ndocs && all; i++) {
		const struct ck_doc_node *r = ck_doc_resolve(d->docs[i]);

		if (r == NULL)
			continue;
		all = r->kind == CK_DOC_MAP && ck_hook__str(ck_doc_map_get(r, "apiVersion")) != NULL &&
		      ck_hook__str(ck_doc_map_get(r, "kind")) != NULL;
	}
	ck_doc_free(d);
	return all && i > 0;
}

static int rule_desc(struct ck_buf *b, enum ck_sops_rule rule, const char *value)
{
	ck_buf_reset(b);
	if (rule == CK_SOPS_RULE_NONE)
		return ck_buf_printf(b, "unencrypted_suffix '%s'", CK_SOPS_DEFAULT_UNENCRYPTED_SUFFIX);
	return ck_buf_printf(b, "%s '%s'", ck_sops_rule_name(rule), value ? value : "");
}

static int plaintext(struct ck_hook__file *f, const struct ck_hook__sopscfg *c,
                     const struct ck_sops_meta *rm, enum ck_sops_format fmt)
{
	struct leaves l;
	struct ck_buf fix;
	size_t i, cnt = 0, first = 0;
	int ok = 0, rc;

	if (f->secret_reported)
		return CK_OK;
	if (fmt == CK_SOPS_FMT_BINARY || f->cls.kind == CK_HOOK_K_BINARY) {
		if (f->n == 0)
			return CK_OK;
		ck_buf_init(&fix, 0);
		rc = ck_buf_printf(&fix, "cloak sops encrypt --in-place %s", f->path) < 0
		         ? ck_err_set(CK_ENOMEM, "hook: out of memory")
		         : ck_hook_report_add(f->r, CK_HOOK_SOPS_UNENCRYPTED, f->path, 0, c->path,
		                              strlen(c->path), ck_buf_cstr(&fix),
		                              "%s matches a creation rule of %s but is not a SOPS file",
		                              f->path, c->path);
		ck_buf_dispose(&fix);
		return rc;
	}
	if ((fmt == CK_SOPS_FMT_YAML || fmt == CK_SOPS_FMT_JSON) &&
	    all_k8s(f->data, f->n, fmt == CK_SOPS_FMT_JSON))
		return CK_OK; /* Secrets have their own rule; other objects are not secrets */
	memset(&l, 0, sizeof(l));
	ck_buf_init(&fix, 0);
	if ((rc = select_leaves(f->s, &l, &ok, f->data, f->n, fmt, 1, rm->rule, rm->rule_value, NULL)) < 0 ||
	    !ok)
		goto out;
	for (i = 0; i < l.n; i++) {
		if (!l.v[i].sel)
			continue;
		if (cnt++ == 0)
			first = i;
	}
	if (cnt == 0)
		goto out;
	if (ck_buf_printf(&fix, "cloak sops encrypt --in-place %s", f->path) < 0) {
		rc = ck_err_set(CK_ENOMEM, "hook: out of memory");
		goto out;
	}
	rc = ck_hook_report_add(f->r, CK_HOOK_SOPS_UNENCRYPTED, f->path,
	                        leaf_line(&l.v[first], f->data, f->n), c->path,
	                        strlen(c->path), ck_buf_cstr(&fix),
	                        "%s matches a creation rule of %s but is not encrypted: %zu value%s in "
	                        "plaintext (first: %s)", f->path, c->path, cnt, cnt == 1 ? "" : "s",
	                        l.v[first].path);
	for (i = 0; i < l.n && rc == CK_OK; i++)
		if (l.v[i].sel)
			rc = ck_hook__cover_add(&f->cover, leaf_line(&l.v[i], f->data, f->n));
out:
	leaves_dispose(&l);
	ck_buf_dispose(&fix);
	return rc;
}

static int keys_overlap(const struct ck_sops_meta *a, const struct ck_sops_meta *b)
{
	size_t g, i, h, j;

	for (g = 0; g < a->ngroups; g++)
		for (i = 0; i < a->groups[g].n; i++)
			for (h = 0; h < b->ngroups; h++)
				for (j = 0; j < b->groups[h].n; j++)
					if (ck_sops_key_same(a->groups[g].keys[i], b->groups[h].keys[j]))
						return 1;
	return 0;
}

/* *sfp: the file as read; select_leaves takes it over (no second read), so its rule is kept here. */
static int encrypted(struct ck_hook__file *f, const struct ck_hook__sopscfg *c,
                     const struct ck_sops_meta *rm, struct ck_sops_file **sfp,
                     enum ck_sops_format fmt)
{
	const struct ck_sops_file *sf = *sfp;
	struct leaves lm, lc;
	struct ck_buf fix, desc, names;
	size_t i, cnt = 0, first = 0;
	int okm = 0, okc = 0, rc = CK_OK, same;
	enum ck_sops_rule mrule = sf->meta.rule;
	char *mval = NULL;

	memset(&lm, 0, sizeof(lm));
	memset(&lc, 0, sizeof(lc));
	ck_buf_init(&fix, 0);
	ck_buf_init(&desc, 0);
	ck_buf_init(&names, 0);
	if (sf->meta.mac == NULL || sf->meta.mac[0] == '\0') {
		if ((rc = ck_hook_report_add(f->r, CK_HOOK_SOPS_PARTIAL, f->path,
		                             meta_line(f->data, f->n, fmt), "no-mac", 6,
		                             "encrypt the file again (cloak sops decrypt --ignore-mac, then "
		                             "cloak sops encrypt)",
		                             "%s has sops metadata without a MAC", f->path)) < 0)
			goto out;
	}
	if (!keys_overlap(rm, &sf->meta)) {
		for (i = 0; i < rm->ngroups && ck_buf_len(&names) < 200; i++) {
			size_t k;

			for (k = 0; k < rm->groups[i].n; k++) {
				if ((ck_buf_len(&names) && ck_buf_puts(&names, ", ") < 0) ||
				    ck_sops_key_describe(rm->groups[i].keys[k], &names) < 0) {
					rc = ck_err_set(CK_ENOMEM, "hook: out of memory");
					goto out;
				}
			}
		}
		if (ck_buf_printf(&fix, "cloak sops updatekeys %s", f->path) < 0) {
			rc = ck_err_set(CK_ENOMEM, "hook: out of memory");
			goto out;
		}
		if ((rc = ck_hook_report_add(f->r, CK_HOOK_SOPS_KEYS, f->path,
		                             meta_line(f->data, f->n, fmt), ck_buf_cstr(&names),
		                             ck_buf_len(&names), ck_buf_cstr(&fix),
		                             "%s is encrypted for none of the keys its %s rule names (%.200s)",
		                             f->path, c->path, ck_buf_cstr(&names))) < 0)
			goto out;
	}
	/* the values either rule selects must all be ENC[] */
	if (sf->meta.rule_value != NULL && (mval = ck_strdup(sf->meta.rule_value)) == NULL) {
		rc = ck_err_set(CK_ENOMEM, "hook: out of memory");
		goto out;
	}
	sf = NULL; /* taken over by the first select_leaves */
	if ((rc = select_leaves(f->s, &lm, &okm, f->data, f->n, fmt, 0, mrule, mval, sfp)) < 0)
		goto out;
	same = rm->rule == mrule &&
	       ((rm->rule_value == NULL && mval == NULL) ||
	        (rm->rule_value != NULL && mval != NULL && strcmp(rm->rule_value, mval) == 0));
	if (!same &&
	    (rc = select_leaves(f->s, &lc, &okc, f->data, f->n, fmt, 0, rm->rule, rm->rule_value, NULL)) < 0)
		goto out;
	if (okc && lc.n != lm.n)
		okc = 0;
	for (i = 0; i < lm.n; i++) {
		int sel = (okm && lm.v[i].sel) || (okc && lc.v[i].sel);

		if (!sel || lm.v[i].enc || ck_hook__cover_has(&f->cover, leaf_line(&lm.v[i], f->data, f->n)))
			continue;
		if (cnt++ == 0)
			first = i;
	}
	if (cnt == 0)
		goto out;
	{
		int from_meta = okm && lm.v[first].sel;

		if (rule_desc(&desc, from_meta ? mrule : rm->rule, from_meta ? mval : rm->rule_value) < 0) {
			rc = ck_err_set(CK_ENOMEM, "hook: out of memory");
			goto out;
		}
		ck_buf_reset(&fix);
		if (ck_buf_printf(&fix, "cloak sops set %s '%s' '\"VALUE\"' (or decrypt and encrypt "
		                  "the file again)", f->path, lm.v[first].tpath) < 0) {
			rc = ck_err_set(CK_ENOMEM, "hook: out of memory");
			goto out;
		}
		rc = ck_hook_report_add(f->r, CK_HOOK_SOPS_PARTIAL, f->path,
		                        leaf_line(&lm.v[first], f->data, f->n),
		                        lm.v[first].path, strlen(lm.v[first].path), ck_buf_cstr(&fix),
		                        "%s is only partly encrypted: %zu value%s that %s (%s) encrypts "
		                        "%s plaintext (first: %s)", f->path, cnt, cnt == 1 ? "" : "s",
		                        ck_buf_cstr(&desc), from_meta ? "its metadata" : c->path,
		                        cnt == 1 ? "is" : "are", lm.v[first].path);
	}
out:
	ck_free(mval);
	leaves_dispose(&lm);
	leaves_dispose(&lc);
	ck_buf_dispose(&fix);
	ck_buf_dispose(&desc);
	ck_buf_dispose(&names);
	return rc;
}

int ck_hook__check_sops(struct ck_hook__file *f)
{
	struct ck_hook__sopscfg *c = NULL;
	struct ck_sops_meta rm;
	struct ck_sops_file *sf = NULL;
	struct ck_buf abs, text;
	enum ck_sops_format fmt;
	int rc;

	switch (f->cls.kind) {
	case CK_HOOK_K_SOPS_CONFIG:
	case CK_HOOK_K_CLOAK_CONFIG:
	case CK_HOOK_K_KUSTOMIZATION:
	case CK_HOOK_K_TOO_BIG:
		return CK_OK;
	default:
		break;
	}
	if ((rc = find_cfg(&c, f->s, f->path)) < 0 || c == NULL || c->must == NULL)
		return rc;
	ck_sops_meta_init(&rm);
	ck_buf_init(&abs, 0);
	/* read as encrypted: ordinary memory, like the blob it copies (see select_leaves) */
	ck_buf_init(&text, 0);
	if (c->have_pre) {
		size_t k, m, pl = strlen(c->vdir) - 1; /* "/a/b" -> relative to "a/b" */
		const char *rel = pl == 0 ? f->path : f->path + pl + 1;
		size_t rell = strlen(rel);
		uint64_t mask = 0;
		int any = 0;

		if (pl > 0 && (strncmp(f->path, c->vdir + 1, pl) != 0 || f->path[pl] != '/'))
			goto out; /* cannot happen: the config is above the file */
		for (k = 0; k < c->npre && (c->npre <= 64 || !any); k++) {
			int hit = 1;

			for (m = 0; m < MAX_LITS && c->lits[k][m] != NULL && hit; m++)
				hit = has(rel, rell, c->lits[k][m]);
			if (hit && regexec(&c->pre[k], rel, 0, NULL, 0) == 0) {
				any = 1;
				if (k < 64)
					mask |= (uint64_t)1 << k;
			}
		}
		if (!any)
			goto out;
		if (c->npre <= 64) {
			for (m = 0; m < c->nmemo && c->memo[m].mask != mask; m++)
				;
			if (m < c->nmemo) {
				rc = c->memo[m].rc;
				if (rc == CK_OK && (rc = ck_sops_meta_copy(&rm, &c->memo[m].m)) < 0)
					goto out;
				goto ruled;
			}
			if (ck_buf_printf(&abs, "/%s", f->path) < 0) {
				rc = ck_err_set(CK_ENOMEM, "hook: out of memory");
				goto out;
			}
			rc = ck_sops_config_rule_for(c->must, ck_buf_cstr(&abs), &rm);
			if (rc == CK_ENOMEM)
				goto out;
			if (c->nmemo < MAX_MEMO) {
				struct memo *e = &c->memo[c->nmemo];

				ck_sops_meta_init(&e->m);
				e->mask = mask;
				e->rc = rc < 0 ? rc : CK_OK;
				if (rc == CK_OK && ck_sops_meta_copy(&e->m, &rm) < 0) {
					ck_sops_meta_dispose(&e->m);
					rc = ck_err_set(CK_ENOMEM, "hook: out of memory");
					goto out;
				}
				c->nmemo++;
			}
			goto ruled;
		}
	}
	if (ck_buf_printf(&abs, "/%s", f->path) < 0) {
		rc = ck_err_set(CK_ENOMEM, "hook: out of memory");
		goto out;
	}
	rc = ck_sops_config_rule_for(c->must, ck_buf_cstr(&abs), &rm);
	if (rc == CK_ENOMEM)
		goto out;
ruled:
	if (rc < 0 || ck_sops_meta_key_count(&rm) == 0) {
		/* no rule says so (or an unusable one: the config is reported on its own) */
		ck_err_clear();
		rc = CK_OK;
		goto out;
	}
	fmt = ck_sops_format_from_path(f->path);
	if (f->cls.kind == CK_HOOK_K_BINARY) {
		rc = plaintext(f, c, &rm, CK_SOPS_FMT_BINARY);
		goto out;
	}
	if (ck_buf_put(&text, f->data, f->n) < 0) {
		rc = ck_err_set(CK_ENOMEM, "hook: out of memory");
		goto out;
	}
	rc = ck_sops_file_read(&sf, &text, fmt, 0);
	if (rc == CK_ENOMEM)
		goto out;
	if (rc == CK_OK) {
		rc = encrypted(f, c, &rm, &sf, fmt);
		goto out;
	}
	{
		char msg[CK_ERR_MSG_MAX];

		snprintf(msg, sizeof(msg), "%s", ck_err_last()->msg);
		ck_err_clear();
		if (strstr(msg, "metadata not found") != NULL || fmt == CK_SOPS_FMT_BINARY) {
			rc = plaintext(f, c, &rm, fmt);
		} else if (ck_hook__err_line(msg) > 0 || strstr(msg, "yaml") != NULL ||
		           strstr(msg, "json") != NULL) {
			rc = f->malformed_reported
			         ? CK_OK
			         : ck_hook_report_add(f->r, CK_HOOK_MALFORMED, f->path, ck_hook__err_line(msg),
			                              "parse", 5, "fix the syntax, then check again: cloak "
			                              "audit --worktree FILE", "cannot parse %s: %s",
			                              ck_sops_format_name(fmt), ck_hook__err_text(msg));
		} else {
			rc = ck_hook_report_add(f->r, CK_HOOK_SOPS_PARTIAL, f->path, 0, "meta", 4,
			                        "encrypt the file again with cloak sops encrypt",
			                        "%s has unusable sops metadata: %s", f->path, msg);
		}
	}
out:
	ck_sops_file_free(sf);
	ck_sops_meta_dispose(&rm);
	ck_buf_dispose(&abs);
	ck_buf_dispose(&text);
	return rc;
}
