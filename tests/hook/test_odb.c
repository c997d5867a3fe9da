/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The hook's own object reader and repository opener against real git:
 * every object of repositories packed with offset deltas, with reference
 * deltas, left loose, and reached through alternates reads back exactly as
 * `git cat-file` prints it, with libdeflate and with zlib; HEAD's tree as
 * `git rev-parse` says, through loose refs, packed refs, a detached HEAD
 * and an unborn branch; and every repository layout the opener must leave
 * to libgit2 is CK_EUNSUPPORTED.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ck/buf.h"
#include "ck/hook_internal.h"
#include "ck_test.h"

static const char *tmp;
static char cwd0[4096];

static void sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void sh(const char *fmt, ...)
{
	struct ck_buf cmd;
	va_list ap;
	int rc;

	ck_buf_init(&cmd, 0);
	va_start(ap, fmt);
	assert_int_equal(ck_buf_vprintf(&cmd, fmt, ap), CK_OK);
	va_end(ap);
	rc = system(ck_buf_cstr(&cmd));
	if (rc != 0)
		fail_msg("command failed (%d): %s", rc, ck_buf_cstr(&cmd));
	ck_buf_dispose(&cmd);
}

/* Output of a command, as it is. */
static void raw_out_of(struct ck_buf *out, const char *cmd)
{
	char b[4096];
	size_t n;
	FILE *f = popen(cmd, "r");

	assert_non_null(f);
	ck_buf_reset(out);
	while ((n = fread(b, 1, sizeof(b), f)) > 0)
		assert_int_equal(ck_buf_put(out, b, n), CK_OK);
	assert_int_equal(pclose(f), 0);
}

/* Output of a command (trailing newline dropped). */
static void out_of(struct ck_buf *out, const char *cmd)
{
	char b[4096];
	size_t n;
	FILE *f = popen(cmd, "r");

	assert_non_null(f);
	ck_buf_reset(out);
	while ((n = fread(b, 1, sizeof(b), f)) > 0)
		assert_int_equal(ck_buf_put(out, b, n), CK_OK);
	assert_int_equal(pclose(f), 0);
	while (ck_buf_len(out) > 0 && ck_buf_cstr(out)[ck_buf_len(out) - 1] == '\n')
		ck_buf_truncate(out, ck_buf_len(out) - 1);
}

static int setup(void **state)
{
	(void)state;
	if (!ckt_have_program("git"))
		ckt_skip_all("git not installed");
	tmp = ckt_tmpdir();
	assert_non_null(getcwd(cwd0, sizeof(cwd0)));
	setenv("HOME", tmp, 1);
	setenv("GIT_CONFIG_NOSYSTEM", "1", 1);
	setenv("GIT_AUTHOR_NAME", "t", 1);
	setenv("GIT_AUTHOR_EMAIL", "t@example.org", 1);
	setenv("GIT_COMMITTER_NAME", "t", 1);
	setenv("GIT_COMMITTER_EMAIL", "t@example.org", 1);
	unsetenv("GIT_DIR");
	unsetenv("GIT_WORK_TREE");
	unsetenv("GIT_INDEX_FILE");
	unsetenv("CLOAK_HOOK_INFLATE");
	sh("git config --global init.defaultBranch main && git config --global gc.auto 0");
	/*
	 * A repository whose history gives git's delta search something to do:
	 * similar manifests, an empty file, a binary, a 300 kB file, a symlink,
	 * an executable, nested directories, three commits.
	 */
	sh("cd %s && git init -q src && cd src && mkdir -p a/b/c d && : > empty && "
	   "head -c 5000 /dev/urandom > bin.dat && chmod +x bin.dat && ln -s a/b link && "
	   "awk 'BEGIN { for (i = 1; i <= 60; i++) { l = \"\"; for (k = 1; k <= i %% 7 * 40; k++) l = l k \",\"; "
	   "s = \"apiVersion: v1\\nkind: ConfigMap\\nmetadata:\\n  name: c\" i \"\\ndata:\\n  k: \\\"\" i "
	   "\"\\\"\\n  long: \\\"\" l \"\\\"\\n\"; printf \"%%s\", s > (\"a/b/f\" i \".yaml\"); "
	   "printf \"%%s# copy %%d\\n\", s, i > (\"d/g\" i \".yaml\") } "
	   "for (i = 1; i <= 60000; i++) print i > \"a/b/c/big.txt\" }' && "
	   "git add -A && git commit -q -m one && "
	   "awk 'BEGIN { for (i = 3; i <= 60; i += 3) print \"extra: \" i >> (\"a/b/f\" i \".yaml\") }' && "
	   "echo tail >> a/b/c/big.txt && git add -A && git commit -q -m two", tmp);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	if (chdir(cwd0) != 0)
		return -1;
	return 0;
}

/*
 * Every object `git cat-file --batch-all-objects --batch` prints for dir
 * (in all) reads back the same through the hook's reader.
 */
static size_t same_objects(const char *dir, const struct ck_buf *all, const char *inflate)
{
	struct ck_hook__odb *db = NULL;
	struct ck_hook__odbr *r = NULL;
	struct ck_buf objs;
	const char *p = ck_buf_cstr(all), *end = p + ck_buf_len(all);
	size_t n = 0;

	ck_buf_init(&objs, 0);
	if (inflate != NULL)
		setenv("CLOAK_HOOK_INFLATE", inflate, 1);
	else
		unsetenv("CLOAK_HOOK_INFLATE");
	assert_int_equal(ck_buf_printf(&objs, "%s/.git/objects", dir), CK_OK);
	assert_int_equal(ck_hook__odb_open(&db, ck_buf_cstr(&objs)), CK_OK);
	assert_int_equal(ck_hook__odbr_new(&r, db), CK_OK);
	while (p < end) {
		char hex[41], type[16];
		unsigned long size;
		uint8_t oid[20];
		struct ck_hook__obj *o = NULL;
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		int t;

		assert_non_null(nl);
		assert_int_equal(sscanf(p, "%40s %15s %lu", hex, type, &size), 3);
		assert_true((size_t)(end - nl - 1) >= size + 1);
		assert_int_equal(ck_hook__oid_parse(oid, hex), 0);
		t = strcmp(type, "commit") == 0 ? 1 : strcmp(type, "tree") == 0 ? 2 : strcmp(type, "blob") == 0 ? 3 : 4;
		assert_int_equal(ck_hook__odb_read(r, oid, 0, SIZE_MAX, &o), CK_OK);
		assert_int_equal(o->type, t);
		assert_int_equal(o->len, size);
		assert_memory_equal(nl + 1, o->data, size);
		ck_hook__obj_unref(o);
		/* a second read (from the cache where it was kept) is the same */
		o = NULL;
		assert_int_equal(ck_hook__odb_read(r, oid, t, SIZE_MAX, &o), CK_OK);
		assert_int_equal(o->len, size);
		assert_memory_equal(nl + 1, o->data, size);
		ck_hook__obj_unref(o);
		n++;
		p = nl + 1 + size + 1;
	}
	ck_hook__odbr_free(r);
	ck_hook__odb_free(db);
	ck_buf_dispose(&objs);
	unsetenv("CLOAK_HOOK_INFLATE");
	return n;
}

static void both_inflaters(const char *dir)
{
	struct ck_buf cmd, all;
	size_t a, b;

	ck_buf_init(&cmd, 0);
	ck_buf_init(&all, 0);
	assert_int_equal(ck_buf_printf(&cmd, "git -C %s cat-file --batch-all-objects --batch", dir), CK_OK);
	raw_out_of(&all, ck_buf_cstr(&cmd));
	a = same_objects(dir, &all, NULL);
	b = same_objects(dir, &all, "zlib");
	assert_true(a > 100);
	assert_int_equal(a, b);
	print_message("%s: %zu objects read back the same with both inflaters\n", dir, a);
	ck_buf_dispose(&cmd);
	ck_buf_dispose(&all);
}

/* One repository, read loose, then packed with offset deltas, then with reference deltas. */
static void t_layouts(void **state)
{
	struct ck_buf d;

	(void)state;
	ck_buf_init(&d, 0);
	assert_int_equal(ck_buf_printf(&d, "%s/src", tmp), CK_OK);
	both_inflaters(ck_buf_cstr(&d));
	/* offset deltas, chains of several */
	sh("cd %s/src && git repack -q -a -d -f --depth=50 --window=50 && "
	   "test $(git verify-pack -v .git/objects/pack/*.idx | awk 'NF >= 7 && $6 > 2' | wc -l) -gt 5", tmp);
	both_inflaters(ck_buf_cstr(&d));
	/* objects through alternates, plus loose ones of its own */
	sh("git clone -q --shared %s/src %s/alt && cd %s/alt && echo x > new.txt && git add new.txt && "
	   "git commit -q -m alt", tmp, tmp, tmp);
	ck_buf_reset(&d);
	assert_int_equal(ck_buf_printf(&d, "%s/alt", tmp), CK_OK);
	both_inflaters(ck_buf_cstr(&d));
	/* reference deltas, and a loose commit on top of the pack */
	sh("cd %s/src && git -c repack.useDeltaBaseOffset=false repack -q -a -d -f --depth=20 && "
	   "test $(git verify-pack -v .git/objects/pack/*.idx | awk 'NF >= 7' | wc -l) -gt 5 && "
	   "echo more >> empty && git commit -q -am three", tmp);
	ck_buf_reset(&d);
	assert_int_equal(ck_buf_printf(&d, "%s/src", tmp), CK_OK);
	both_inflaters(ck_buf_cstr(&d));
	ck_buf_dispose(&d);
}

/* Size limits, types, absent objects, pack order. */
static void t_limits(void **state)
{
	struct ck_hook__odb *db = NULL;
	struct ck_hook__odbr *r = NULL;
	struct ck_hook__obj *o = NULL;
	struct ck_buf hex, dir;
	uint8_t big[20], tree[20], none[20];

	(void)state;
	ck_buf_init(&hex, 0);
	ck_buf_init(&dir, 0);
	assert_int_equal(ck_buf_printf(&dir, "git -C %s/src rev-parse HEAD:a/b/c/big.txt", tmp), CK_OK);
	out_of(&hex, ck_buf_cstr(&dir));
	assert_int_equal(ck_hook__oid_parse(big, ck_buf_cstr(&hex)), 0);
	ck_buf_reset(&dir);
	assert_int_equal(ck_buf_printf(&dir, "git -C %s/src rev-parse HEAD~1^{tree}", tmp), CK_OK);
	out_of(&hex, ck_buf_cstr(&dir));
	assert_int_equal(ck_hook__oid_parse(tree, ck_buf_cstr(&hex)), 0);
	memset(none, 0x5a, sizeof(none));
	ck_buf_reset(&dir);
	assert_int_equal(ck_buf_printf(&dir, "%s/src/.git/objects", tmp), CK_OK);
	assert_int_equal(ck_hook__odb_open(&db, ck_buf_cstr(&dir)), CK_OK);
	assert_int_equal(ck_hook__odbr_new(&r, db), CK_OK);
	/* the big file is a delta of its first version: refused by size before any work */
	assert_int_equal(ck_hook__odb_read(r, big, CK_HOOK__OBJ_BLOB, 1000, &o), CK_ETOOBIG);
	assert_null(o);
	assert_int_equal(ck_hook__odb_read(r, big, CK_HOOK__OBJ_BLOB, SIZE_MAX, &o), CK_OK);
	assert_true(o->len > 300000);
	ck_hook__obj_unref(o);
	o = NULL;
	/* a tree read as a blob is an error, not a blob */
	assert_int_equal(ck_hook__odb_read(r, tree, CK_HOOK__OBJ_BLOB, SIZE_MAX, &o), CK_EIO);
	assert_int_equal(ck_hook__odb_read(r, none, 0, SIZE_MAX, &o), CK_ENOTFOUND);
	assert_non_null(strstr(ck_err_last()->msg, "5a5a5a"));
	assert_true(ck_hook__odb_order(db, tree) < UINT64_MAX); /* packed; HEAD's own tree is loose */
	assert_int_equal(ck_hook__odb_order(db, none), UINT64_MAX);
	ck_hook__odbr_free(r);
	ck_hook__odb_free(db);
	/* not an objects directory */
	assert_int_equal(ck_hook__odb_open(&db, "/nonexistent/objects"), CK_ENOTFOUND);
	ck_buf_dispose(&hex);
	ck_buf_dispose(&dir);
}

/* A tree's entries as libgit2 gives them (modes normalised). */
static void t_tree(void **state)
{
	static const uint8_t t[] = "100664 a\0aaaaaaaaaaaaaaaaaaaa"
	                           "40000 d\0dddddddddddddddddddd"
	                           "120000 l\0llllllllllllllllllll"
	                           "160000 s\0ssssssssssssssssssss"
	                           "100755 x\0xxxxxxxxxxxxxxxxxxxx";
	static const uint32_t modes[] = { 0100644, 0040000, 0120000, 0160000, 0100755 };
	struct ck_hook__tentry e;
	size_t off = 0, k = 0;

	(void)state;
	while (ck_hook__tree_next(t, sizeof(t) - 1, &off, &e) == 1) {
		assert_true(k < 5);
		assert_int_equal(e.namelen, 1);
		assert_int_equal(e.mode, modes[k]);
		assert_int_equal(e.oid[0], (uint8_t)e.name[0]);
		k++;
	}
	assert_int_equal(k, 5);
	off = 0;
	assert_int_equal(ck_hook__tree_next((const uint8_t *)"100644 a\0short", 14, &off, &e), CK_EIO);
	off = 0;
	assert_int_equal(ck_hook__tree_next((const uint8_t *)"x00644 a\0aaaaaaaaaaaaaaaaaaaa", 29, &off, &e), CK_EIO);
}

/* HEAD's tree id, as git says, through the hook's opener (from the current directory). */
static void head_is(const char *expect_hex)
{
	struct ck_hook__repo rp;
	struct ck_hook__odbr *r = NULL;
	uint8_t tree[20], want[20];
	int unborn = -1;

	assert_int_equal(ck_hook__repo_open(&rp, NULL), CK_OK);
	assert_int_equal(ck_hook__odbr_new(&r, rp.odb), CK_OK);
	assert_int_equal(ck_hook__repo_head_tree(&rp, r, tree, &unborn), CK_OK);
	if (expect_hex == NULL) {
		assert_int_equal(unborn, 1);
	} else {
		assert_int_equal(unborn, 0);
		assert_int_equal(ck_hook__oid_parse(want, expect_hex), 0);
		assert_memory_equal(tree, want, 20);
	}
	ck_hook__odbr_free(r);
	ck_hook__repo_dispose(&rp);
}

static void unsupported(const char *path)
{
	struct ck_hook__repo rp;

	assert_int_equal(ck_hook__repo_open(&rp, path), CK_EUNSUPPORTED);
	ck_err_clear();
}

static void t_repo(void **state)
{
	struct ck_buf want, p;
	struct ck_hook__repo rp;

	(void)state;
	ck_buf_init(&want, 0);
	ck_buf_init(&p, 0);
	sh("rm -rf %s/r && git init -q %s/r && mkdir -p %s/r/sub/dir", tmp, tmp, tmp);
	assert_int_equal(ck_buf_printf(&p, "%s/r/sub/dir", tmp), CK_OK);
	assert_int_equal(chdir(ck_buf_cstr(&p)), 0);
	head_is(NULL); /* unborn, searched upwards */
	assert_int_equal(ck_hook__repo_open(&rp, NULL), CK_OK);
	assert_non_null(strstr(rp.gitdir, "/r/.git/"));
	assert_string_equal(rp.gitdir, rp.common);
	assert_non_null(strstr(rp.workdir, "/r/"));
	assert_non_null(strstr(rp.index, "/r/.git/index"));
	ck_hook__repo_dispose(&rp);
	sh("cd %s/r && echo a > a && git add a && git commit -q -m a", tmp);
	out_of(&want, "git rev-parse HEAD^{tree}");
	head_is(ck_buf_cstr(&want));
	/* packed refs only, then a detached HEAD, then a tag as HEAD */
	sh("cd %s/r && git pack-refs --all && test ! -e .git/refs/heads/main", tmp);
	head_is(ck_buf_cstr(&want));
	sh("cd %s/r && git checkout -q --detach", tmp);
	head_is(ck_buf_cstr(&want));
	sh("cd %s/r && git tag -a -m t v1 && h=$(git rev-parse v1) && echo $h > .git/HEAD", tmp);
	head_is(ck_buf_cstr(&want));
	sh("cd %s/r && git checkout -q main", tmp);
	/* GIT_DIR and GIT_INDEX_FILE, as git runs a hook in a linked worktree */
	sh("cd %s/r && git worktree add -q %s/wt && cd %s/wt && echo b > b && git add b && git commit -q -m b",
	   tmp, tmp, tmp);
	ck_buf_reset(&p);
	assert_int_equal(ck_buf_printf(&p, "%s/wt", tmp), CK_OK);
	assert_int_equal(chdir(ck_buf_cstr(&p)), 0);
	out_of(&want, "git rev-parse HEAD^{tree}");
	head_is(ck_buf_cstr(&want));
	ck_buf_reset(&p);
	assert_int_equal(ck_buf_printf(&p, "%s/r/.git/worktrees/wt", tmp), CK_OK);
	setenv("GIT_DIR", ck_buf_cstr(&p), 1);
	setenv("GIT_INDEX_FILE", "/some/index", 1);
	assert_int_equal(chdir(tmp), 0);
	head_is(ck_buf_cstr(&want));
	assert_int_equal(ck_hook__repo_open(&rp, NULL), CK_OK);
	assert_string_equal(rp.index, "/some/index");
	assert_non_null(strstr(rp.common, "/r/.git/"));
	assert_non_null(strstr(rp.workdir, "/wt/"));
	ck_hook__repo_dispose(&rp);
	/* what is left to libgit2 */
	setenv("GIT_WORK_TREE", tmp, 1);
	unsupported(NULL);
	unsetenv("GIT_WORK_TREE");
	setenv("GIT_OBJECT_DIRECTORY", tmp, 1);
	unsupported(NULL);
	unsetenv("GIT_OBJECT_DIRECTORY");
	unsetenv("GIT_DIR");
	unsetenv("GIT_INDEX_FILE");
	ck_buf_reset(&p);
	assert_int_equal(ck_buf_printf(&p, "%s/r", tmp), CK_OK);
	assert_int_equal(ck_hook__repo_open(&rp, ck_buf_cstr(&p)), CK_OK); /* --repo DIR */
	ck_hook__repo_dispose(&rp);
	sh("git init -q --bare %s/bare.git", tmp);
	ck_buf_reset(&p);
	assert_int_equal(ck_buf_printf(&p, "%s/bare.git", tmp), CK_OK);
	unsupported(ck_buf_cstr(&p));
	ck_buf_reset(&p);
	assert_int_equal(ck_buf_printf(&p, "%s/r/.git", tmp), CK_OK);
	unsupported(ck_buf_cstr(&p)); /* a search from inside the git directory */
	ck_buf_reset(&p);
	assert_int_equal(ck_buf_printf(&p, "%s/r", tmp), CK_OK);
	sh("git -C %s/r config core.worktree /elsewhere", tmp);
	unsupported(ck_buf_cstr(&p));
	sh("git -C %s/r config --unset core.worktree && git -C %s/r config include.path x.inc", tmp, tmp);
	unsupported(ck_buf_cstr(&p));
	sh("git -C %s/r config --unset include.path && git -C %s/r config core.repositoryformatversion 1 && "
	   "git -C %s/r config extensions.objectformat sha256", tmp, tmp, tmp);
	unsupported(ck_buf_cstr(&p));
	sh("git -C %s/r config --unset extensions.objectformat && git -C %s/r config extensions.worktreeConfig true",
	   tmp, tmp);
	assert_int_equal(ck_hook__repo_open(&rp, ck_buf_cstr(&p)), CK_OK);
	ck_hook__repo_dispose(&rp);
	sh("git -C %s/r config --worktree core.bare true", tmp);
	unsupported(ck_buf_cstr(&p));
	/* a .git file (git init --separate-git-dir) */
	sh("git init -q --separate-git-dir %s/sep.git %s/sepwt && cd %s/sepwt && echo s > s && git add s && "
	   "git commit -q -m s", tmp, tmp, tmp);
	ck_buf_reset(&p);
	assert_int_equal(ck_buf_printf(&p, "%s/sepwt", tmp), CK_OK);
	assert_int_equal(chdir(ck_buf_cstr(&p)), 0);
	out_of(&want, "git rev-parse HEAD^{tree}");
	head_is(ck_buf_cstr(&want));
	assert_int_equal(chdir(cwd0), 0);
	ck_buf_dispose(&want);
	ck_buf_dispose(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(t_tree),
		cmocka_unit_test(t_layouts),
		cmocka_unit_test(t_limits),
		cmocka_unit_test(t_repo),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
