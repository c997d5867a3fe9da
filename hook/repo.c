/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Opening an ordinary repository without libgit2: where its git directory,
 * common directory, work tree, index and objects are, and HEAD's tree.
 * ck/hook_internal.h lists what is left to libgit2; the rule is that
 * anything this file does not fully understand is CK_EUNSUPPORTED, never a
 * guess.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ck/alloc.h"
#include "ck/buf.h"
#include "ck/file.h"
#include "ck/hook_internal.h"

static int unsup(const char *why)
{
	return ck_err_set(CK_EUNSUPPORTED, "hook: %s", why);
}

static const char *env(const char *name)
{
	const char *v = getenv(name);

	return v != NULL && v[0] != '\0' ? v : NULL;
}

static int is_dir(const char *p)
{
	struct stat st;

	return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static int is_file(const char *p)
{
	struct stat st;

	return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

/* dir + "/" + name (dir may end in '/'), into a fresh string. */
static char *join(const char *dir, const char *name)
{
	struct ck_buf b;
	size_t dl = strlen(dir);
	char *s;

	ck_buf_init(&b, 0);
	if (ck_buf_printf(&b, "%s%s%s", dir, dl > 0 && dir[dl - 1] == '/' ? "" : "/", name) < 0) {
		ck_buf_dispose(&b);
		return NULL;
	}
	s = ck_strdup(ck_buf_cstr(&b));
	ck_buf_dispose(&b);
	return s;
}

/* realpath with a trailing '/'. */
static char *real_dir(const char *p)
{
	char rp[PATH_MAX + 2];
	size_t l;

	if (realpath(p, rp) == NULL)
		return NULL;
	l = strlen(rp);
	if (l == 0 || rp[l - 1] != '/') {
		rp[l] = '/';
		rp[l + 1] = 0;
	}
	return ck_strdup(rp);
}

/* First line of a small file (without the newline), or NULL. */
static char *first_line(const char *path)
{
	struct ck_buf b;
	char *s = NULL;
	const char *p, *nl;
	size_t l;

	ck_buf_init(&b, 0);
	if (ck_file_read(&b, path, 1 << 16) == CK_OK) {
		p = ck_buf_cstr(&b);
		nl = memchr(p, '\n', ck_buf_len(&b));
		l = nl != NULL ? (size_t)(nl - p) : ck_buf_len(&b);
		while (l > 0 && (p[l - 1] == '\r' || p[l - 1] == ' '))
			l--;
		if (memchr(p, 0, l) == NULL)
			s = ck_strndup(p, l);
	}
	ck_err_clear();
	ck_buf_dispose(&b);
	return s;
}

/* A path read from a file, relative to that file's directory when not absolute. */
static char *rel_to(const char *dir, const char *p)
{
	return p[0] == '/' ? ck_strdup(p) : join(dir, p);
}

/*
 * libgit2's test of a git directory: HEAD, and objects/ and refs/ in its
 * common directory (the "commondir" file of a linked worktree). On success
 * *common is the common directory (real path, trailing '/').
 */
static int valid_gitdir(const char *gd, char **common)
{
	char *cf = join(gd, "commondir"), *c = NULL, *head = join(gd, "HEAD"), *o = NULL, *rf = NULL;
	int ok = 0;

	*common = NULL;
	if (cf == NULL || head == NULL)
		goto out;
	if (is_file(cf)) {
		char *l = first_line(cf), *abs;

		if (l == NULL)
			goto out;
		abs = rel_to(gd, l);
		ck_free(l);
		if (abs == NULL)
			goto out;
		c = real_dir(abs);
		ck_free(abs);
	} else {
		c = ck_strdup(gd);
	}
	if (c == NULL || !is_file(head) || (o = join(c, "objects")) == NULL || (rf = join(c, "refs")) == NULL)
		goto out;
	ok = is_dir(o) && is_dir(rf);
out:
	if (ok) {
		*common = c;
		c = NULL;
	}
	ck_free(cf);
	ck_free(c);
	ck_free(head);
	ck_free(o);
	ck_free(rf);
	return ok;
}

/* "gitdir: PATH" of a .git file, resolved (real path, trailing '/'), or NULL. */
static char *gitfile_target(const char *file, const char *dir)
{
	char *l = first_line(file), *abs, *rd = NULL;

	if (l == NULL)
		return NULL;
	if (strncmp(l, "gitdir: ", 8) == 0 && l[8] != 0 && (abs = rel_to(dir, l + 8)) != NULL) {
		rd = real_dir(abs);
		ck_free(abs);
	}
	ck_free(l);
	return rd;
}

static int owned(const char *p)
{
	struct stat st;

	return stat(p, &st) == 0 && st.st_uid == geteuid();
}

/* ---- config: only what decides whether this opener may continue ---- */

static int lower_eq(const char *a, size_t al, const char *b)
{
	size_t i;

	if (al != strlen(b))
		return 0;
	for (i = 0; i < al; i++) {
		char c = a[i];

		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if (c != b[i])
			return 0;
	}
	return 1;
}

/* git's boolean: 1 true, 0 false, -1 not a boolean. */
static int git_bool(const char *v, size_t n, int has_eq)
{
	if (!has_eq)
		return 1;
	if (lower_eq(v, n, "true") || lower_eq(v, n, "yes") || lower_eq(v, n, "on") || lower_eq(v, n, "1"))
		return 1;
	if (n == 0 || lower_eq(v, n, "false") || lower_eq(v, n, "no") || lower_eq(v, n, "off") ||
	    lower_eq(v, n, "0"))
		return 0;
	return -1;
}

/*
 * CK_EUNSUPPORTED for: include sections, core.worktree, core.bare true,
 * repositoryformatversion > 1, an extension other than noop and
 * worktreeConfig (*wtcfg set), or a line this reader cannot follow.
 */
static int check_config(const char *path, int *wtcfg)
{
	struct ck_buf b;
	const char *p, *e;
	char sect[32] = "";
	int rc;

	ck_buf_init(&b, 0);
	rc = ck_file_read(&b, path, 1 << 20);
	if (rc == CK_ENOTFOUND) {
		ck_err_clear();
		ck_buf_dispose(&b);
		return CK_OK;
	}
	if (rc < 0) {
		ck_buf_dispose(&b);
		return unsup("unreadable config");
	}
	rc = CK_OK;
	p = ck_buf_cstr(&b);
	e = p + ck_buf_len(&b);
	while (p < e && rc == CK_OK) {
		const char *nl = memchr(p, '\n', (size_t)(e - p)), *le = nl != NULL ? nl : e, *k, *v;
		size_t kl, vl, ll;
		int has_eq = 0;

		while (p < le && (*p == ' ' || *p == '\t' || *p == '\r'))
			p++;
		if (p >= le || *p == '#' || *p == ';')
			goto next;
		ll = (size_t)(le - p);
		if (memchr(p, 0, ll) != NULL || le[-1] == '\\' || (ll >= 2 && le[-1] == '\r' && le[-2] == '\\')) {
			rc = unsup("config line this reader cannot follow");
			break;
		}
		if (*p == '[') {
			const char *q = p + 1;
			size_t sl = 0;

			while (q < le && ((*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z') ||
			                  (*q >= '0' && *q <= '9') || *q == '-' || *q == '.')) {
				if (sl + 1 < sizeof(sect))
					sect[sl++] = (char)(*q >= 'A' && *q <= 'Z' ? *q - 'A' + 'a' : *q);
				q++;
			}
			sect[sl] = 0;
			if (strncmp(sect, "include", 7) == 0) {
				rc = unsup("config includes");
				break;
			}
			/* a subsection ([core "x"], [core.x]) is another section */
			if (q < le && *q != ']')
				sect[0] = '#';
			if ((q = memchr(p, ']', ll)) == NULL) {
				rc = unsup("config line this reader cannot follow");
				break;
			}
			q++;
			while (q < le && (*q == ' ' || *q == '\t' || *q == '\r'))
				q++;
			if (q < le && *q != '#' && *q != ';') {
				rc = unsup("config line this reader cannot follow");
				break;
			}
			goto next;
		}
		k = p;
		while (p < le && ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		                  (*p >= '0' && *p <= '9') || *p == '-'))
			p++;
		kl = (size_t)(p - k);
		while (p < le && (*p == ' ' || *p == '\t'))
			p++;
		if (p < le && *p == '=') {
			has_eq = 1;
			p++;
		}
		while (p < le && (*p == ' ' || *p == '\t'))
			p++;
		v = p;
		while (p < le && *p != '#' && *p != ';')
			p++;
		vl = (size_t)(p - v);
		while (vl > 0 && (v[vl - 1] == ' ' || v[vl - 1] == '\t' || v[vl - 1] == '\r'))
			vl--;
		if (strcmp(sect, "core") == 0) {
			if (lower_eq(k, kl, "worktree")) {
				rc = unsup("core.worktree is set");
			} else if (lower_eq(k, kl, "bare")) {
				int bv = memchr(v, '"', vl) == NULL ? git_bool(v, vl, has_eq) : -1;

				if (bv != 0)
					rc = unsup("a bare repository");
			} else if (lower_eq(k, kl, "repositoryformatversion")) {
				if (!(vl == 1 && (v[0] == '0' || v[0] == '1')))
					rc = unsup("repository format version");
			}
		} else if (strcmp(sect, "extensions") == 0) {
			if (lower_eq(k, kl, "worktreeconfig")) {
				int bv = memchr(v, '"', vl) == NULL ? git_bool(v, vl, has_eq) : -1;

				if (bv < 0)
					rc = unsup("extensions.worktreeConfig");
				else
					*wtcfg = bv;
			} else if (!lower_eq(k, kl, "noop")) {
				rc = unsup("repository extensions");
			}
		}
next:
		p = nl != NULL ? nl + 1 : e;
	}
	ck_buf_dispose(&b);
	return rc;
}

void ck_hook__repo_dispose(struct ck_hook__repo *r)
{
	ck_free(r->gitdir);
	ck_free(r->common);
	ck_free(r->workdir);
	ck_free(r->index);
	ck_hook__odb_free(r->odb);
	memset(r, 0, sizeof(*r));
}

/* The work tree of a git directory named by $GIT_DIR, as libgit2 derives it. */
static int workdir_of(struct ck_hook__repo *r)
{
	char *gl = join(r->gitdir, "gitdir"), *l = NULL;
	size_t n;
	int rc = CK_OK;

	if (gl == NULL)
		return ck_err_set(CK_ENOMEM, "hook: out of memory");
	if (is_file(gl)) {
		/* a linked worktree: "gitdir" names <worktree>/.git */
		char *abs;

		if ((l = first_line(gl)) == NULL || (abs = rel_to(r->gitdir, l)) == NULL) {
			rc = unsup("unreadable worktree link");
			goto out;
		}
		n = strlen(abs);
		while (n > 0 && abs[n - 1] == '/')
			abs[--n] = 0;
		if (n < 5 || strcmp(abs + n - 5, "/.git") != 0) {
			ck_free(abs);
			rc = unsup("unusual worktree link");
			goto out;
		}
		abs[n - 4] = 0;
		r->workdir = real_dir(abs);
		ck_free(abs);
	} else {
		/* the parent of the git directory */
		char *d = ck_strdup(r->gitdir);

		if (d == NULL) {
			rc = ck_err_set(CK_ENOMEM, "hook: out of memory");
			goto out;
		}
		n = strlen(d);
		while (n > 1 && d[n - 1] == '/')
			d[--n] = 0;
		while (n > 1 && d[n - 1] != '/')
			d[--n] = 0;
		r->workdir = d;
	}
	if (r->workdir == NULL)
		rc = unsup("work tree not found");
out:
	ck_free(gl);
	ck_free(l);
	return rc;
}

/* Search upwards from start as libgit2 does (without ceilings, not across file systems). */
static int search(struct ck_hook__repo *r, const char *start)
{
	char *cur = real_dir(start), *dotgit = NULL;
	struct stat st;
	dev_t dev;
	int rc = CK_EINTERNAL;

	if (cur == NULL || stat(cur, &st) < 0 || !S_ISDIR(st.st_mode)) {
		rc = unsup("start directory");
		goto out;
	}
	dev = st.st_dev;
	for (;;) {
		size_t n;

		if (valid_gitdir(cur, &r->common)) {
			rc = unsup("a bare repository or a search from inside a git directory");
			goto out;
		}
		ck_free(dotgit);
		if ((dotgit = join(cur, ".git")) == NULL) {
			rc = ck_err_set(CK_ENOMEM, "hook: out of memory");
			goto out;
		}
		if (lstat(dotgit, &st) == 0) {
			if (S_ISDIR(st.st_mode))
				r->gitdir = real_dir(dotgit);
			else if (S_ISREG(st.st_mode))
				r->gitdir = gitfile_target(dotgit, cur);
			if (r->gitdir == NULL || !valid_gitdir(r->gitdir, &r->common)) {
				rc = unsup("an unusual .git");
				goto out;
			}
			r->workdir = cur;
			cur = NULL;
			rc = CK_OK;
			goto out;
		}
		n = strlen(cur);
		if (n <= 1) {
			rc = unsup("no repository found");
			goto out;
		}
		cur[--n] = 0; /* the trailing '/' */
		while (n > 1 && cur[n - 1] != '/')
			cur[--n] = 0;
		if (stat(cur, &st) < 0 || st.st_dev != dev) {
			rc = unsup("the search reached another file system");
			goto out;
		}
	}
out:
	ck_free(cur);
	ck_free(dotgit);
	return rc;
}

int ck_hook__repo_open(struct ck_hook__repo *r, const char *path)
{
	static const char *const moved[] = { "GIT_WORK_TREE", "GIT_COMMON_DIR", "GIT_OBJECT_DIRECTORY",
		                             "GIT_ALTERNATE_OBJECT_DIRECTORIES", "GIT_NAMESPACE",
		                             "GIT_CEILING_DIRECTORIES", "GIT_DISCOVERY_ACROSS_FILESYSTEM" };
	char *cfg = NULL, *obj = NULL;
	size_t i;
	int rc = CK_EINTERNAL, wtcfg = 0;

	memset(r, 0, sizeof(*r));
	if (path == NULL) {
		const char *gd = env("GIT_DIR");

		for (i = 0; i < sizeof(moved) / sizeof(moved[0]); i++)
			if (env(moved[i]) != NULL) {
				rc = unsup(moved[i]);
				goto out;
			}
		if (gd != NULL) {
			struct stat st;

			if (stat(gd, &st) == 0 && S_ISREG(st.st_mode)) {
				rc = unsup("$GIT_DIR names a .git file");
				goto out;
			}
			if ((r->gitdir = real_dir(gd)) == NULL || !valid_gitdir(r->gitdir, &r->common)) {
				rc = unsup("$GIT_DIR is not a git directory");
				goto out;
			}
			if ((rc = workdir_of(r)) < 0)
				goto out;
		} else if ((rc = search(r, ".")) < 0) {
			goto out;
		}
		if (env("GIT_INDEX_FILE") != NULL && (r->index = ck_strdup(env("GIT_INDEX_FILE"))) == NULL) {
			rc = ck_err_set(CK_ENOMEM, "hook: out of memory");
			goto out;
		}
	} else if ((rc = search(r, path)) < 0) {
		goto out;
	}
	if (r->index == NULL && (r->index = join(r->gitdir, "index")) == NULL) {
		rc = ck_err_set(CK_ENOMEM, "hook: out of memory");
		goto out;
	}
	/* libgit2 refuses repositories owned by someone else (safe.directory): its call */
	if (!owned(r->gitdir) || !owned(r->common) || !owned(r->workdir)) {
		rc = unsup("a repository owned by another user");
		goto out;
	}
	if ((cfg = join(r->common, "config")) == NULL) {
		rc = ck_err_set(CK_ENOMEM, "hook: out of memory");
		goto out;
	}
	if ((rc = check_config(cfg, &wtcfg)) < 0)
		goto out;
	if (wtcfg) {
		ck_free(cfg);
		if ((cfg = join(r->gitdir, "config.worktree")) == NULL) {
			rc = ck_err_set(CK_ENOMEM, "hook: out of memory");
			goto out;
		}
		if ((rc = check_config(cfg, &wtcfg)) < 0)
			goto out;
	}
	if ((obj = join(r->common, "objects")) == NULL) {
		rc = ck_err_set(CK_ENOMEM, "hook: out of memory");
		goto out;
	}
	rc = ck_hook__odb_open(&r->odb, obj);
out:
	ck_free(cfg);
	ck_free(obj);
	if (rc < 0)
		ck_hook__repo_dispose(r);
	return rc;
}

/* ---- refs ---- */

static int per_worktree(const char *name)
{
	return strchr(name, '/') == NULL || strncmp(name, "refs/bisect/", 12) == 0 ||
	       strncmp(name, "refs/worktree/", 14) == 0 || strncmp(name, "refs/rewritten/", 15) == 0;
}

/* packed-refs: 1 found, 0 absent. */
static int packed_ref(struct ck_hook__repo *r, const char *name, uint8_t oid[20])
{
	struct ck_buf b;
	char *path = join(r->common, "packed-refs");
	const char *p, *e;
	size_t nl = strlen(name);
	int found = 0;

	ck_buf_init(&b, 0);
	if (path == NULL || ck_file_read(&b, path, (size_t)1 << 30) < 0) {
		ck_err_clear();
		goto out;
	}
	p = ck_buf_cstr(&b);
	e = p + ck_buf_len(&b);
	while (p < e) {
		const char *le = memchr(p, '\n', (size_t)(e - p));
		size_t l;

		if (le == NULL)
			le = e;
		l = (size_t)(le - p);
		if (l > 0 && p[l - 1] == '\r')
			l--;
		if (l == 41 + nl && p[40] == ' ' && memcmp(p + 41, name, nl) == 0 && ck_hook__oid_parse(oid, p) == 0) {
			found = 1;
			break;
		}
		p = le + 1;
	}
out:
	ck_free(path);
	ck_buf_dispose(&b);
	return found;
}

/* A ref to an object id: 1, 0 when it does not exist, CK_EIO when malformed. */
static int resolve(struct ck_hook__repo *r, const char *name, uint8_t oid[20], int depth)
{
	char *path, *l;
	int rc;

	if (depth > 5)
		return ck_err_set(CK_EIO, "hook: symbolic refs nest too deep");
	if (strstr(name, "..") != NULL || name[0] == '/' || name[0] == 0)
		return ck_err_set(CK_EIO, "hook: bad ref name %s", name);
	if ((path = join(per_worktree(name) ? r->gitdir : r->common, name)) == NULL)
		return ck_err_set(CK_ENOMEM, "hook: out of memory");
	if (!is_file(path)) {
		ck_free(path);
		return strchr(name, '/') == NULL ? 0 : packed_ref(r, name, oid);
	}
	l = first_line(path);
	ck_free(path);
	if (l == NULL)
		return ck_err_set(CK_EIO, "hook: cannot read ref %s", name);
	if (strncmp(l, "ref: ", 5) == 0)
		rc = resolve(r, l + 5, oid, depth + 1);
	else if (strlen(l) == 40 && ck_hook__oid_parse(oid, l) == 0)
		rc = 1;
	else
		rc = ck_err_set(CK_EIO, "hook: malformed ref %s", name);
	ck_free(l);
	return rc;
}

int ck_hook__repo_head_tree(struct ck_hook__repo *r, struct ck_hook__odbr *rd, uint8_t tree[20],
                            int *unborn)
{
	uint8_t oid[20];
	int rc;

	*unborn = 0;
	if ((rc = resolve(r, "HEAD", oid, 0)) < 0)
		return rc;
	if (rc == 0) {
		*unborn = 1;
		return CK_OK;
	}
	return ck_hook__peel_tree(rd, oid, tree);
}
