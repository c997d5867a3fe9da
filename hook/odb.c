/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A read-only git object reader: pack index v2 + pack files mapped once,
 * loose objects, alternates. ck/hook_internal.h says why and what it
 * leaves to libgit2. zlib is loaded with dlopen when the first reader is made (like
 * libgit2, which needs it too): cloak commands that never read a
 * repository do not link it.
 *
 * Pack entries are inflated by libdeflate when it is installed (a pack
 * entry's inflated size is known before it is read, which is what
 * libdeflate's whole-buffer decoder wants; it builds its Huffman tables in
 * about half zlib's time, and most objects are small enough for that to be
 * most of the cost), by zlib otherwise or with CLOAK_HOOK_INFLATE=zlib.
 *
 * Objects are not hash-verified on read, as libgit2 is configured for the
 * hook (ck_hook_git_init) and as git itself does not re-check on read.
 */
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <libdeflate.h>
#include <zlib.h>

#include "ck/alloc.h"
#include "ck/buf.h"
#include "ck/file.h"
#include "ck/hook_internal.h"

/* ---- zlib, loaded on first use ---- */

static struct {
	int (*init2)(z_streamp, int, const char *, int);
	int (*inflate)(z_streamp, int);
	int (*reset)(z_streamp);
	int (*end)(z_streamp);
	int ok;
	char why[200];
} zl;

static struct {
	struct libdeflate_decompressor *(*alloc)(void);
	enum libdeflate_result (*zlib)(struct libdeflate_decompressor *, const void *, size_t, void *,
	                               size_t, size_t *, size_t *);
	void (*release)(struct libdeflate_decompressor *);
	int ok;
} ld;

static pthread_once_t zl_once = PTHREAD_ONCE_INIT;

/* libdeflate is optional: zlib reads the same streams. */
static void ld_load(void)
{
	void *h, *s[3];

	if ((h = dlopen("libdeflate.so.0", RTLD_NOW | RTLD_LOCAL)) == NULL)
		return;
	if ((s[0] = dlsym(h, "libdeflate_alloc_decompressor")) == NULL ||
	    (s[1] = dlsym(h, "libdeflate_zlib_decompress_ex")) == NULL ||
	    (s[2] = dlsym(h, "libdeflate_free_decompressor")) == NULL)
		return;
	memcpy(&ld.alloc, &s[0], sizeof(s[0]));
	memcpy(&ld.zlib, &s[1], sizeof(s[1]));
	memcpy(&ld.release, &s[2], sizeof(s[2]));
	ld.ok = 1;
}

static void zl_load(void)
{
	void *h = dlopen("libz.so.1", RTLD_NOW | RTLD_LOCAL), *s[4];
	static const char *const names[] = { "inflateInit2_", "inflate", "inflateReset", "inflateEnd" };
	size_t i;

	if (h == NULL) {
		snprintf(zl.why, sizeof(zl.why), "cannot load libz.so.1: %s", dlerror());
		return;
	}
	for (i = 0; i < 4; i++) {
		if ((s[i] = dlsym(h, names[i])) == NULL) {
			snprintf(zl.why, sizeof(zl.why), "libz.so.1 lacks %s", names[i]);
			return;
		}
	}
	memcpy(&zl.init2, &s[0], sizeof(s[0]));
	memcpy(&zl.inflate, &s[1], sizeof(s[1]));
	memcpy(&zl.reset, &s[2], sizeof(s[2]));
	memcpy(&zl.end, &s[3], sizeof(s[3]));
	zl.ok = 1;
	ld_load();
}

/* ---- objects ---- */

static struct ck_hook__obj *obj_new(int type, size_t len)
{
	struct ck_hook__obj *o;

	if (len > SIZE_MAX - sizeof(*o) - 1 || (o = ck_alloc(sizeof(*o) + len + 1)) == NULL)
		return NULL;
	o->refs = 1;
	o->type = type;
	o->len = len;
	o->data = (uint8_t *)(o + 1);
	o->data[len] = 0;
	return o;
}

void ck_hook__obj_unref(struct ck_hook__obj *o)
{
	if (o != NULL && --o->refs == 0)
		ck_free(o);
}

static const char *type_name(int t)
{
	static const char *const n[] = { "?", "commit", "tree", "blob", "tag" };

	return t >= 1 && t <= 4 ? n[t] : n[0];
}

void ck_hook__oid_hex(char out[41], const uint8_t oid[20])
{
	static const char hx[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < 20; i++) {
		out[2 * i] = hx[oid[i] >> 4];
		out[2 * i + 1] = hx[oid[i] & 15];
	}
	out[40] = 0;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int ck_hook__oid_parse(uint8_t out[20], const char *hex)
{
	size_t i;

	for (i = 0; i < 20; i++) {
		int a = hexval(hex[2 * i]), b = a < 0 ? -1 : hexval(hex[2 * i + 1]);

		if (a < 0 || b < 0)
			return -1;
		out[i] = (uint8_t)(a << 4 | b);
	}
	return 0;
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint64_t be64(const uint8_t *p)
{
	return (uint64_t)be32(p) << 32 | be32(p + 4);
}

/* ---- packs ---- */

struct pack {
	struct pack *next;   /* packs found by a later rescan */
	char *name;          /* the .pack path, for messages */
	unsigned num;
	const uint8_t *idx;
	size_t idxlen;
	const uint8_t *data;
	size_t len;
	uint32_t n;
	const uint8_t *sha, *off32, *off64;
	size_t n64;
};

struct ck_hook__odb {
	char **dirs;         /* the objects directory, then its alternates */
	size_t ndirs;
	struct pack **packs;
	size_t npacks, cap;
	pthread_mutex_t lock;   /* rescans */
	struct pack *extra;     /* packs added by rescans (prepended, never removed) */
	unsigned next_num;
};

static void pack_free(struct pack *p)
{
	if (p == NULL)
		return;
	if (p->idx != NULL)
		munmap((void *)p->idx, p->idxlen);
	if (p->data != NULL)
		munmap((void *)p->data, p->len);
	ck_free(p->name);
	ck_free(p);
}

static int map_file(const char *path, const uint8_t **out, size_t *len)
{
	struct stat st;
	void *m;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	*out = NULL;
	*len = 0;
	if (fd < 0)
		return errno == ENOENT ? CK_ENOTFOUND : ck_err_set(CK_EIO, "hook: %s: %s", path, strerror(errno));
	if (fstat(fd, &st) < 0 || st.st_size <= 0) {
		close(fd);
		return ck_err_set(CK_EIO, "hook: %s: empty or unreadable", path);
	}
	m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (m == MAP_FAILED)
		return ck_err_set(CK_EIO, "hook: cannot map %s: %s", path, strerror(errno));
	*out = m;
	*len = (size_t)st.st_size;
	return CK_OK;
}

/* Map pack-X.idx and pack-X.pack; CK_ENOTFOUND when either is gone (a concurrent repack). */
static int pack_open(struct pack **out, const char *idxpath)
{
	struct pack *p = ck_calloc(1, sizeof(*p));
	size_t il = strlen(idxpath), k, need;
	uint32_t prev = 0;
	int rc = CK_EINTERNAL;

	*out = NULL;
	if (p == NULL || (p->name = ck_alloc(il + 2)) == NULL) {
		rc = ck_err_set(CK_ENOMEM, "hook: out of memory");
		goto out;
	}
	memcpy(p->name, idxpath, il - 4);
	memcpy(p->name + il - 4, ".pack", 6);
	if ((rc = map_file(idxpath, &p->idx, &p->idxlen)) < 0)
		goto out;
	if ((rc = map_file(p->name, &p->data, &p->len)) < 0)
		goto out;
	rc = CK_EUNSUPPORTED;
	if (p->idxlen < 8 + 1024 + 40 || memcmp(p->idx, "\377tOc", 4) != 0 || be32(p->idx + 4) != 2) {
		rc = ck_err_set(CK_EUNSUPPORTED, "hook: %s: not a version 2 pack index", idxpath);
		goto out;
	}
	for (k = 0; k < 256; k++) {
		uint32_t f = be32(p->idx + 8 + 4 * k);

		if (f < prev)
			goto corrupt;
		prev = f;
	}
	p->n = prev;
	need = 8 + 1024 + (size_t)p->n * 28 + 40;
	if (p->idxlen < need || (p->idxlen - need) % 8 != 0)
		goto corrupt;
	p->sha = p->idx + 8 + 1024;
	p->off32 = p->sha + (size_t)p->n * 24; /* after the SHA-1s and the CRCs */
	p->off64 = p->off32 + (size_t)p->n * 4;
	p->n64 = (p->idxlen - need) / 8;
	if (p->len < 12 + 20 || memcmp(p->data, "PACK", 4) != 0 ||
	    (be32(p->data + 4) != 2 && be32(p->data + 4) != 3) || be32(p->data + 8) != p->n)
		goto corrupt;
	*out = p;
	p = NULL;
	rc = CK_OK;
	goto out;
corrupt:
	rc = ck_err_set(CK_EIO, "hook: %s: corrupt pack or index", idxpath);
out:
	pack_free(p);
	return rc;
}

/* Offset of oid in p; 1 found, 0 not, CK_EIO on a bad 64-bit offset. */
static int pack_find(const struct pack *p, const uint8_t *oid, uint64_t *off)
{
	uint32_t lo = oid[0] ? be32(p->idx + 8 + 4 * (oid[0] - 1)) : 0;
	uint32_t hi = be32(p->idx + 8 + 4 * oid[0]);
	uint64_t want = be64(oid);

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		const uint8_t *sha = p->sha + (size_t)mid * 20;
		uint64_t have = be64(sha);
		int c = have != want ? (have < want ? -1 : 1) : memcmp(sha + 8, oid + 8, 12);

		if (c == 0) {
			uint32_t o = be32(p->off32 + (size_t)mid * 4);

			if (o & 0x80000000u) {
				size_t k = o & 0x7fffffffu;

				if (k >= p->n64)
					return ck_err_set(CK_EIO, "hook: %s: corrupt index", p->name);
				*off = (uint64_t)be32(p->off64 + 8 * k) << 32 | be32(p->off64 + 8 * k + 4);
			} else {
				*off = o;
			}
			if (*off < 12 || *off >= p->len - 20)
				return ck_err_set(CK_EIO, "hook: %s: corrupt index", p->name);
			return 1;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

static int add_pack(struct ck_hook__odb *db, struct pack *p)
{
	if (db->npacks == db->cap) {
		size_t nc = db->cap ? db->cap * 2 : 8;
		struct pack **nv = ck_calloc(nc, sizeof(*nv));

		if (nv == NULL)
			return ck_err_set(CK_ENOMEM, "hook: out of memory");
		if (db->npacks > 0)
			memcpy(nv, db->packs, db->npacks * sizeof(*nv));
		ck_free(db->packs);
		db->packs = nv;
		db->cap = nc;
	}
	p->num = db->next_num++;
	db->packs[db->npacks++] = p;
	return CK_OK;
}

/* A pack of this name is mapped already. */
static int have_pack(struct ck_hook__odb *db, const char *idxpath)
{
	struct pack *p;
	size_t i, l = strlen(idxpath) - 4;

	for (i = 0; i < db->npacks; i++)
		if (strncmp(db->packs[i]->name, idxpath, l) == 0 && strcmp(db->packs[i]->name + l, ".pack") == 0)
			return 1;
	for (p = __atomic_load_n(&db->extra, __ATOMIC_ACQUIRE); p != NULL; p = p->next)
		if (strncmp(p->name, idxpath, l) == 0 && strcmp(p->name + l, ".pack") == 0)
			return 1;
	return 0;
}

/* Map every pack of dir/pack not mapped yet; into the array (open) or the extra list (rescan). */
static int scan_packs(struct ck_hook__odb *db, const char *dir, int rescan)
{
	struct ck_buf path;
	DIR *d;
	struct dirent *de;
	int rc = CK_OK;

	ck_buf_init(&path, 0);
	if (ck_buf_printf(&path, "%s/pack", dir) < 0)
		return ck_err_set(CK_ENOMEM, "hook: out of memory");
	if ((d = opendir(ck_buf_cstr(&path))) == NULL) {
		ck_buf_dispose(&path);
		return CK_OK; /* no packs */
	}
	while (rc == CK_OK && (de = readdir(d)) != NULL) {
		size_t nl = strlen(de->d_name);
		struct pack *p = NULL;

		if (nl < 5 || strcmp(de->d_name + nl - 4, ".idx") != 0 || strncmp(de->d_name, "pack-", 5) != 0)
			continue;
		ck_buf_reset(&path);
		if (ck_buf_printf(&path, "%s/pack/%s", dir, de->d_name) < 0) {
			rc = ck_err_set(CK_ENOMEM, "hook: out of memory");
			break;
		}
		if (rescan && have_pack(db, ck_buf_cstr(&path)))
			continue;
		rc = pack_open(&p, ck_buf_cstr(&path));
		if (rc == CK_ENOTFOUND) {
			rc = CK_OK; /* a pack being written or removed */
			continue;
		}
		if (rc < 0)
			break;
		if (rescan) {
			p->num = db->next_num++;
			p->next = db->extra;
			__atomic_store_n(&db->extra, p, __ATOMIC_RELEASE);
		} else if ((rc = add_pack(db, p)) < 0) {
			pack_free(p);
		}
	}
	closedir(d);
	ck_buf_dispose(&path);
	return rc;
}

/* objdir/info/alternates, recursively (git's limit: 5 levels). */
static int add_dir(struct ck_hook__odb *db, const char *dir, int depth)
{
	struct ck_buf alt, p;
	char **nv;
	size_t i, off;
	int rc = CK_OK;

	for (i = 0; i < db->ndirs; i++)
		if (strcmp(db->dirs[i], dir) == 0)
			return CK_OK;
	if ((nv = ck_calloc(db->ndirs + 1, sizeof(*nv))) == NULL)
		return ck_err_set(CK_ENOMEM, "hook: out of memory");
	if (db->ndirs > 0)
		memcpy(nv, db->dirs, db->ndirs * sizeof(*nv));
	ck_free(db->dirs);
	db->dirs = nv;
	if ((db->dirs[db->ndirs] = ck_strdup(dir)) == NULL)
		return ck_err_set(CK_ENOMEM, "hook: out of memory");
	db->ndirs++;
	if ((rc = scan_packs(db, dir, 0)) < 0 || depth >= 5)
		return rc;
	ck_buf_init(&alt, 0);
	ck_buf_init(&p, 0);
	if (ck_buf_printf(&p, "%s/info/alternates", dir) < 0) {
		rc = ck_err_set(CK_ENOMEM, "hook: out of memory");
		goto out;
	}
	rc = ck_file_read(&alt, ck_buf_cstr(&p), 1 << 20);
	if (rc == CK_ENOTFOUND) {
		ck_err_clear();
		rc = CK_OK;
		goto out;
	}
	if (rc < 0)
		goto out;
	for (off = 0; off < ck_buf_len(&alt) && rc == CK_OK;) {
		const char *s = (const char *)ck_buf_data(&alt) + off;
		const char *nl = memchr(s, '\n', ck_buf_len(&alt) - off);
		size_t l = nl != NULL ? (size_t)(nl - s) : ck_buf_len(&alt) - off;

		off += l + 1;
		while (l > 0 && (s[l - 1] == '\r' || s[l - 1] == ' '))
			l--;
		if (l == 0 || s[0] == '#')
			continue;
		if (s[0] == '"') {
			rc = ck_err_set(CK_EUNSUPPORTED, "hook: quoted alternates path");
			break;
		}
		ck_buf_reset(&p);
		if ((s[0] == '/' ? ck_buf_printf(&p, "%.*s", (int)l, s)
		                 : ck_buf_printf(&p, "%s/%.*s", dir, (int)l, s)) < 0) {
			rc = ck_err_set(CK_ENOMEM, "hook: out of memory");
			break;
		}
		rc = add_dir(db, ck_buf_cstr(&p), depth + 1);
	}
out:
	ck_buf_dispose(&alt);
	ck_buf_dispose(&p);
	return rc;
}

int ck_hook__odb_open(struct ck_hook__odb **out, const char *objdir)
{
	struct ck_hook__odb *db = ck_calloc(1, sizeof(*db));
	struct stat st;
	int rc;

	*out = NULL;
	if (db == NULL)
		return ck_err_set(CK_ENOMEM, "hook: out of memory");
	pthread_mutex_init(&db->lock, NULL);
	if (stat(objdir, &st) < 0 || !S_ISDIR(st.st_mode)) {
		ck_hook__odb_free(db);
		return ck_err_set(CK_ENOTFOUND, "hook: %s is not an object directory", objdir);
	}
	if ((rc = add_dir(db, objdir, 0)) < 0) {
		ck_hook__odb_free(db);
		return rc;
	}
	*out = db;
	return CK_OK;
}

void ck_hook__odb_free(struct ck_hook__odb *db)
{
	struct pack *p, *nx;
	size_t i;

	if (db == NULL)
		return;
	for (i = 0; i < db->npacks; i++)
		pack_free(db->packs[i]);
	for (p = db->extra; p != NULL; p = nx) {
		nx = p->next;
		pack_free(p);
	}
	for (i = 0; i < db->ndirs; i++)
		ck_free(db->dirs[i]);
	ck_free(db->dirs);
	ck_free(db->packs);
	pthread_mutex_destroy(&db->lock);
	ck_free(db);
}

/* The pack holding oid: 1 (*pp, *off), 0 absent, < 0 error. */
static int locate(struct ck_hook__odb *db, const uint8_t *oid, const struct pack **pp, uint64_t *off)
{
	struct pack *p;
	size_t i;
	int f;

	for (i = 0; i < db->npacks; i++) {
		if ((f = pack_find(db->packs[i], oid, off)) != 0) {
			*pp = db->packs[i];
			return f;
		}
	}
	for (p = __atomic_load_n(&db->extra, __ATOMIC_ACQUIRE); p != NULL; p = p->next) {
		if ((f = pack_find(p, oid, off)) != 0) {
			*pp = p;
			return f;
		}
	}
	return 0;
}

uint64_t ck_hook__odb_order(struct ck_hook__odb *db, const uint8_t oid[20])
{
	const struct pack *p = NULL;
	uint64_t off = 0;

	if (locate(db, oid, &p, &off) != 1) {
		ck_err_clear();
		return UINT64_MAX;
	}
	if (off >= (uint64_t)1 << 44)
		off = ((uint64_t)1 << 44) - 1;
	return (uint64_t)(p->num < 0xfffff ? p->num : 0xfffff) << 44 | off;
}

/* ---- readers ---- */

#define CACHE_SLOTS 1024
#define CACHE_MAX_BYTES ((size_t)64 << 20)
#define CACHE_MAX_OBJ ((size_t)8 << 20)
#define MAX_CHAIN 10000
#define TREE_SLOTS 256

struct centry {
	const struct pack *p;
	uint64_t off;
	struct ck_hook__obj *o;
};

struct ck_hook__odbr {
	struct ck_hook__odb *db;
	z_stream z;
	int zinit;
	struct libdeflate_decompressor *ldd; /* NULL: zlib */
	struct centry cache[CACHE_SLOTS];
	size_t cached;
	uint8_t *loose;       /* a loose object's compressed bytes */
	size_t loosecap;
	/* deltas are inflated into these (the top one of a chain, the others): no allocation each */
	struct ck_hook__obj *scr[2];
	size_t scrcap[2];
	/* trees by id: path lookups walk down from the root again and again */
	struct {
		uint8_t oid[20];
		struct ck_hook__obj *o;
	} trees[TREE_SLOTS];
};

int ck_hook__odbr_new(struct ck_hook__odbr **out, struct ck_hook__odb *db)
{
	struct ck_hook__odbr *r;
	const char *e;

	*out = NULL;
	pthread_once(&zl_once, zl_load);
	if (!zl.ok)
		return ck_err_set(CK_EUNSUPPORTED, "hook: %s", zl.why);
	if ((r = ck_calloc(1, sizeof(*r))) == NULL)
		return ck_err_set(CK_ENOMEM, "hook: out of memory");
	r->db = db;
	if (zl.init2(&r->z, 15, ZLIB_VERSION, (int)sizeof(z_stream)) != Z_OK) {
		ck_free(r);
		return ck_err_set(CK_ENOMEM, "hook: cannot start zlib");
	}
	r->zinit = 1;
	e = getenv("CLOAK_HOOK_INFLATE");
	if (ld.ok && (e == NULL || strcmp(e, "zlib") != 0) && (r->ldd = ld.alloc()) == NULL) {
		ck_hook__odbr_free(r);
		return ck_err_set(CK_ENOMEM, "hook: out of memory");
	}
	*out = r;
	return CK_OK;
}

static void cache_clear(struct ck_hook__odbr *r)
{
	size_t i;

	for (i = 0; i < CACHE_SLOTS; i++) {
		ck_hook__obj_unref(r->cache[i].o);
		r->cache[i].o = NULL;
	}
	r->cached = 0;
}

static size_t tslot(const uint8_t *oid)
{
	return ((size_t)oid[0] | (size_t)oid[1] << 8) & (TREE_SLOTS - 1);
}

void ck_hook__odbr_free(struct ck_hook__odbr *r)
{
	size_t i;

	if (r == NULL)
		return;
	cache_clear(r);
	for (i = 0; i < TREE_SLOTS; i++)
		ck_hook__obj_unref(r->trees[i].o);
	ck_free(r->scr[0]);
	ck_free(r->scr[1]);
	if (r->zinit)
		zl.end(&r->z);
	if (r->ldd != NULL)
		ld.release(r->ldd);
	ck_free(r->loose);
	ck_free(r);
}

static size_t slot(const struct pack *p, uint64_t off)
{
	return (size_t)(((off ^ ((uint64_t)p->num << 40)) * 0x9E3779B97F4A7C15ull) >> 54) & (CACHE_SLOTS - 1);
}

static struct ck_hook__obj *cache_get(struct ck_hook__odbr *r, const struct pack *p, uint64_t off)
{
	struct centry *c = &r->cache[slot(p, off)];

	if (c->o != NULL && c->p == p && c->off == off) {
		c->o->refs++;
		return c->o;
	}
	return NULL;
}

static void cache_put(struct ck_hook__odbr *r, const struct pack *p, uint64_t off, struct ck_hook__obj *o)
{
	struct centry *c = &r->cache[slot(p, off)];

	if (o->len > CACHE_MAX_OBJ)
		return;
	if (c->o != NULL) {
		r->cached -= c->o->len;
		ck_hook__obj_unref(c->o);
		c->o = NULL;
	}
	if (r->cached + o->len > CACHE_MAX_BYTES)
		cache_clear(r);
	c->p = p;
	c->off = off;
	c->o = o;
	o->refs++;
	r->cached += o->len;
}

/* Inflate exactly outlen bytes from in (the stream must end there). */
static int inflate_exact(struct ck_hook__odbr *r, const uint8_t *in, size_t inlen, uint8_t *out,
                         size_t outlen, const char *what)
{
	z_stream *z = &r->z;
	size_t in_left = inlen, out_left = outlen + 1; /* one spare byte: too much data is caught */
	int ret;

	if (r->ldd != NULL) {
		size_t ain = 0, aout = 0;

		if (ld.zlib(r->ldd, in, inlen, out, outlen, &ain, &aout) != LIBDEFLATE_SUCCESS || aout != outlen)
			return ck_err_set(CK_EIO, "hook: %s: corrupt compressed data", what);
		return CK_OK;
	}
	if (zl.reset(z) != Z_OK)
		return ck_err_set(CK_EINTERNAL, "hook: zlib reset failed");
	z->next_in = (Bytef *)(uintptr_t)in;
	z->avail_in = 0;
	z->next_out = out;
	z->avail_out = 0;
	do {
		if (z->avail_in == 0 && in_left > 0) {
			uInt c = in_left > (1u << 30) ? (1u << 30) : (uInt)in_left;

			z->avail_in = c;
			in_left -= c;
		}
		if (z->avail_out == 0 && out_left > 0) {
			uInt c = out_left > (1u << 30) ? (1u << 30) : (uInt)out_left;

			z->avail_out = c;
			out_left -= c;
		}
		ret = zl.inflate(z, Z_NO_FLUSH);
	} while (ret == Z_OK);
	if (ret != Z_STREAM_END || z->total_out != outlen)
		return ck_err_set(CK_EIO, "hook: %s: corrupt compressed data", what);
	return CK_OK;
}

struct hdr {
	int type;
	size_t size;         /* inflated size of this entry (the delta's size for deltas) */
	uint64_t data;       /* offset of the compressed data */
	uint64_t base;       /* OFS_DELTA: the base's offset */
	const uint8_t *base_oid; /* REF_DELTA */
};

static int entry_hdr(const struct pack *p, uint64_t off, struct hdr *h)
{
	const uint8_t *d = p->data;
	uint64_t end = p->len - 20, pos = off, sz;
	unsigned shift = 4;
	uint8_t c;

	memset(h, 0, sizeof(*h));
	if (pos >= end)
		goto corrupt;
	c = d[pos++];
	h->type = (c >> 4) & 7;
	sz = c & 15;
	while (c & 0x80) {
		if (pos >= end || shift > 57)
			goto corrupt;
		c = d[pos++];
		sz |= (uint64_t)(c & 0x7f) << shift;
		shift += 7;
	}
	if (sz > SIZE_MAX / 2)
		goto corrupt;
	h->size = (size_t)sz;
	if (h->type == 6) {
		uint64_t b;

		if (pos >= end)
			goto corrupt;
		c = d[pos++];
		b = c & 127;
		while (c & 128) {
			if (pos >= end || b >= ((uint64_t)1 << 56))
				goto corrupt;
			c = d[pos++];
			b = ((b + 1) << 7) | (c & 127);
		}
		if (b == 0 || b > off)
			goto corrupt;
		h->base = off - b;
	} else if (h->type == 7) {
		if (end - pos < 20)
			goto corrupt;
		h->base_oid = d + pos;
		pos += 20;
	} else if (h->type < 1 || h->type > 4) {
		goto corrupt;
	}
	h->data = pos;
	return CK_OK;
corrupt:
	return ck_err_set(CK_EIO, "hook: %s: corrupt object header at offset %llu", p->name,
	                  (unsigned long long)off);
}

static int delta_varint(const uint8_t *d, size_t n, size_t *pos, size_t *out)
{
	uint64_t v = 0;
	unsigned shift = 0;
	uint8_t c;

	do {
		if (*pos >= n || shift > 56)
			return -1;
		c = d[(*pos)++];
		v |= (uint64_t)(c & 0x7f) << shift;
		shift += 7;
	} while (c & 0x80);
	if (v > SIZE_MAX / 2)
		return -1;
	*out = (size_t)v;
	return 0;
}

/* The size a delta produces (its second header varint). */
static int delta_result_size(const struct ck_hook__obj *delta, size_t *out)
{
	size_t pos = 0, src;

	if (delta_varint(delta->data, delta->len, &pos, &src) < 0 ||
	    delta_varint(delta->data, delta->len, &pos, out) < 0)
		return -1;
	return 0;
}

/* What a delta's operations from pos produce in all; SIZE_MAX when they cannot be read. */
static size_t delta_output(const uint8_t *d, size_t n, size_t pos)
{
	size_t total = 0;

	while (pos < n) {
		uint8_t op = d[pos++];
		size_t sz = 0;
		unsigned k;

		if (op & 0x80) {
			for (k = 0; k < 4; k++)
				if (op & (1u << k) && pos++ >= n)
					return SIZE_MAX;
			for (k = 0; k < 3; k++)
				if (op & (0x10u << k)) {
					if (pos >= n)
						return SIZE_MAX;
					sz |= (size_t)d[pos++] << (8 * k);
				}
			if (sz == 0)
				sz = 0x10000;
		} else if (op != 0) {
			if (op > n - pos)
				return SIZE_MAX;
			sz = op;
			pos += op;
		} else {
			return SIZE_MAX;
		}
		if (sz > SIZE_MAX / 2 - total)
			return SIZE_MAX;
		total += sz;
	}
	return total;
}

static int apply_delta(struct ck_hook__obj **out, const struct ck_hook__obj *base,
                       const struct ck_hook__obj *delta, const char *what)
{
	const uint8_t *d = delta->data;
	size_t n = delta->len, pos = 0, src, dst, w = 0;
	struct ck_hook__obj *o;

	*out = NULL;
	if (delta_varint(d, n, &pos, &src) < 0 || delta_varint(d, n, &pos, &dst) < 0 || src != base->len ||
	    delta_output(d, n, pos) != dst)
		goto corrupt; /* the header's size is believed only once the operations add up to it */
	if ((o = obj_new(base->type, dst)) == NULL)
		return ck_err_set(CK_ENOMEM, "hook: out of memory");
	while (pos < n) {
		uint8_t op = d[pos++];

		if (op & 0x80) {
			size_t cp_off = 0, cp_size = 0;
			unsigned k;

			for (k = 0; k < 4; k++)
				if (op & (1u << k)) {
					if (pos >= n)
						goto bad;
					cp_off |= (size_t)d[pos++] << (8 * k);
				}
			for (k = 0; k < 3; k++)
				if (op & (0x10u << k)) {
					if (pos >= n)
						goto bad;
					cp_size |= (size_t)d[pos++] << (8 * k);
				}
			if (cp_size == 0)
				cp_size = 0x10000;
			if (cp_off > base->len || cp_size > base->len - cp_off || cp_size > dst - w)
				goto bad;
			memcpy(o->data + w, base->data + cp_off, cp_size);
			w += cp_size;
		} else if (op != 0) {
			if (op > n - pos || op > dst - w)
				goto bad;
			memcpy(o->data + w, d + pos, op);
			w += op;
			pos += op;
		} else {
			goto bad;
		}
	}
	if (w != dst)
		goto bad;
	*out = o;
	return CK_OK;
bad:
	ck_hook__obj_unref(o);
corrupt:
	return ck_err_set(CK_EIO, "hook: %s: corrupt delta", what);
}

/* Inflate one pack entry's own data (an object, or a delta). */
/*
 * Deflate expands 1032 times at most: a header claiming more than the
 * compressed bytes left could hold is a lie, refused before allocating it.
 */
static int plausible(size_t size, size_t compressed)
{
	return size <= 1024 || size / 1100 <= compressed;
}

static int inflate_entry(struct ck_hook__odbr *r, const struct pack *p, const struct hdr *h,
                         struct ck_hook__obj **out)
{
	struct ck_hook__obj *o;
	int rc;

	*out = NULL;
	if (!plausible(h->size, (size_t)(p->len - 20 - h->data)))
		return ck_err_set(CK_EIO, "hook: %s: corrupt object size", p->name);
	if ((o = obj_new(h->type, h->size)) == NULL)
		return ck_err_set(CK_ENOMEM, "hook: out of memory");
	if ((rc = inflate_exact(r, p->data + h->data, (size_t)(p->len - 20 - h->data), o->data, h->size,
	                        p->name)) < 0) {
		ck_hook__obj_unref(o);
		return rc;
	}
	*out = o;
	return CK_OK;
}

static int read_loose(struct ck_hook__odbr *r, const uint8_t *oid, int type, size_t max,
                      struct ck_hook__obj **out);

/* Inflate a delta into the reader's scratch k (valid until the next use of k). */
static int inflate_scratch(struct ck_hook__odbr *r, int k, const struct pack *p, const struct hdr *h,
                           const struct ck_hook__obj **out)
{
	int rc;

	*out = NULL;
	if (!plausible(h->size, (size_t)(p->len - 20 - h->data)))
		return ck_err_set(CK_EIO, "hook: %s: corrupt object size", p->name);
	if (r->scr[k] == NULL || r->scrcap[k] < h->size) {
		/* doubling: a run of slightly bigger deltas does not reallocate each time */
		size_t cap = r->scrcap[k] > SIZE_MAX / 4 ? h->size : 2 * r->scrcap[k];

		if (cap < h->size)
			cap = h->size;
		if (cap < 4096)
			cap = 4096;

		ck_free(r->scr[k]);
		r->scrcap[k] = 0;
		if ((r->scr[k] = obj_new(h->type, cap)) == NULL)
			return ck_err_set(CK_ENOMEM, "hook: out of memory");
		r->scrcap[k] = cap;
	}
	r->scr[k]->type = h->type;
	r->scr[k]->len = h->size;
	if ((rc = inflate_exact(r, p->data + h->data, (size_t)(p->len - 20 - h->data), r->scr[k]->data, h->size,
	                        p->name)) < 0)
		return rc;
	r->scr[k]->data[h->size] = 0;
	*out = r->scr[k];
	return CK_OK;
}

/* A scratch grown past SCRATCH_KEEP by one big delta is not kept for the reader's life. */
#define SCRATCH_KEEP ((size_t)1 << 20)

static void scratch_trim(struct ck_hook__odbr *r)
{
	int k;

	for (k = 0; k < 2; k++)
		if (r->scrcap[k] > SCRATCH_KEEP) {
			ck_free(r->scr[k]);
			r->scr[k] = NULL;
			r->scrcap[k] = 0;
		}
}

/* A delta waiting for its base. */
struct link {
	const struct pack *p;
	uint64_t off;
	struct hdr h;
};

/*
 * The object at p/off: its delta chain is followed down to a cached entry
 * or a whole object (noting the type), the top delta is inflated first so a
 * too-big result is refused before any real work, then the chain is applied
 * upwards, each step cached as a base for later reads.
 */
static int read_packed(struct ck_hook__odbr *r, const struct pack *p, uint64_t off, int type,
                       size_t max, struct ck_hook__obj **out, int depth)
{
	struct link local[16], *chain = local; /* most chains are short: no allocation */
	size_t nchain = 0, cap = 16, i;
	struct ck_hook__obj *base = NULL, *next = NULL;
	const struct ck_hook__obj *top = NULL;
	const struct pack *bp = p;
	uint64_t boff = off;
	struct hdr bh;
	int rc = CK_EINTERNAL, btype = 0, loose_base = 0;
	const uint8_t *loose_oid = NULL;

	*out = NULL;
	if (depth > 8)
		return ck_err_set(CK_EIO, "hook: %s: delta bases nest too deep", p->name);
	for (;;) {
		if ((base = cache_get(r, bp, boff)) != NULL) {
			btype = base->type;
			break;
		}
		if ((rc = entry_hdr(bp, boff, &bh)) < 0)
			goto out;
		if (bh.type >= 1 && bh.type <= 4) {
			btype = bh.type;
			break;
		}
		if (nchain == cap) {
			size_t nc = cap ? cap * 2 : 16;
			struct link *nv;

			if (nc > MAX_CHAIN) {
				rc = ck_err_set(CK_EIO, "hook: %s: delta chain too long", p->name);
				goto out;
			}
			if ((nv = ck_calloc(nc, sizeof(*nv))) == NULL) {
				rc = ck_err_set(CK_ENOMEM, "hook: out of memory");
				goto out;
			}
			memcpy(nv, chain, nchain * sizeof(*nv));
			if (chain != local)
				ck_free(chain);
			chain = nv;
			cap = nc;
		}
		chain[nchain].p = bp;
		chain[nchain].off = boff;
		chain[nchain].h = bh;
		nchain++;
		if (bh.type == 6) {
			boff = bh.base;
			continue;
		}
		/* REF_DELTA: the base may be anywhere, loose included */
		{
			const struct pack *np = NULL;
			uint64_t noff = 0;
			int f = locate(r->db, bh.base_oid, &np, &noff);

			if (f < 0) {
				rc = f;
				goto out;
			}
			if (f == 1) {
				bp = np;
				boff = noff;
				continue;
			}
			loose_base = 1;
			loose_oid = bh.base_oid;
			break;
		}
	}
	if (loose_base) {
		if ((rc = read_loose(r, loose_oid, 0, SIZE_MAX, &base)) <= 0) {
			char hex[41];

			ck_hook__oid_hex(hex, loose_oid);
			if (rc == 0)
				rc = ck_err_set(CK_EIO, "hook: %s: delta base %s not found", p->name, hex);
			goto out;
		}
		btype = base->type;
	}
	if (type != 0 && btype != type) {
		rc = ck_err_set(CK_EIO, "hook: object at %s:%llu is a %s, not a %s", p->name,
		                (unsigned long long)off, type_name(btype), type_name(type));
		goto out;
	}
	/* the size check before anything is inflated or applied */
	if (nchain == 0 && base == NULL && bh.size > max) {
		rc = ck_err_set(CK_ETOOBIG, "hook: object too big");
		goto out;
	}
	if (nchain > 0) {
		size_t sz = 0;

		if ((rc = inflate_scratch(r, 0, chain[0].p, &chain[0].h, &top)) < 0)
			goto out;
		if (delta_result_size(top, &sz) < 0) {
			rc = ck_err_set(CK_EIO, "hook: %s: corrupt delta", chain[0].p->name);
			goto out;
		}
		if (sz > max) {
			rc = ck_err_set(CK_ETOOBIG, "hook: object too big");
			goto out;
		}
	} else if (base != NULL && base->len > max) {
		rc = ck_err_set(CK_ETOOBIG, "hook: object too big");
		goto out;
	}
	if (base == NULL) {
		if ((rc = inflate_entry(r, bp, &bh, &base)) < 0)
			goto out;
		cache_put(r, bp, boff, base);
	}
	for (i = nchain; i-- > 0;) {
		const struct ck_hook__obj *delta = i == 0 ? top : NULL;

		if (delta == NULL && (rc = inflate_scratch(r, 1, chain[i].p, &chain[i].h, &delta)) < 0)
			goto out;
		if ((rc = apply_delta(&next, base, delta, chain[i].p->name)) < 0)
			goto out;
		ck_hook__obj_unref(base);
		base = next;
		next = NULL;
		cache_put(r, chain[i].p, chain[i].off, base);
	}
	*out = base;
	base = NULL;
	rc = CK_OK;
out:
	ck_hook__obj_unref(base);
	if (chain != local)
		ck_free(chain);
	scratch_trim(r);
	return rc;
}

/* A whole file into r->loose: 1, 0 when absent, < 0 error. */
static int slurp(struct ck_hook__odbr *r, const char *path, size_t *len)
{
	struct stat st;
	size_t got = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return errno == ENOENT || errno == ENOTDIR ? 0 : ck_err_set(CK_EIO, "hook: %s: %s", path, strerror(errno));
	if (fstat(fd, &st) < 0 || st.st_size < 0 || (uint64_t)st.st_size >= (uint64_t)1 << 31) {
		close(fd);
		return ck_err_set(CK_EIO, "hook: %s: unreadable or too big", path);
	}
	if ((size_t)st.st_size + 1 > r->loosecap) {
		uint8_t *nb = ck_alloc((size_t)st.st_size + 1);

		if (nb == NULL) {
			close(fd);
			return ck_err_set(CK_ENOMEM, "hook: out of memory");
		}
		ck_free(r->loose);
		r->loose = nb;
		r->loosecap = (size_t)st.st_size + 1;
	}
	while (got < (size_t)st.st_size) {
		ssize_t k = read(fd, r->loose + got, (size_t)st.st_size - got);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0) {
			close(fd);
			return ck_err_set(CK_EIO, "hook: %s: short read", path);
		}
		got += (size_t)k;
	}
	close(fd);
	*len = got;
	return 1;
}

/* A loose object: 1 read, 0 absent (in every objects directory), < 0 error. */
static int read_loose(struct ck_hook__odbr *r, const uint8_t *oid, int type, size_t max,
                      struct ck_hook__obj **out)
{
	struct ck_buf path;
	char hex[41];
	size_t i;
	int rc = 0;

	*out = NULL;
	ck_hook__oid_hex(hex, oid);
	ck_buf_init(&path, 0);
	for (i = 0; i < r->db->ndirs; i++) {
		uint8_t hb[64];
		z_stream *z = &r->z;
		const uint8_t *nul;
		size_t got, hl, sz = 0, k;
		int ret, t = 0;
		struct ck_hook__obj *o = NULL;

		size_t flen = 0;

		ck_buf_reset(&path);
		if (ck_buf_printf(&path, "%s/%.2s/%s", r->db->dirs[i], hex, hex + 2) < 0) {
			rc = ck_err_set(CK_ENOMEM, "hook: out of memory");
			break;
		}
		if ((rc = slurp(r, ck_buf_cstr(&path), &flen)) == 0)
			continue;
		if (rc < 0)
			break;
		/* the header first: "<type> <size>\0" */
		if (zl.reset(z) != Z_OK) {
			rc = ck_err_set(CK_EINTERNAL, "hook: zlib reset failed");
			break;
		}
		z->next_in = r->loose;
		z->avail_in = flen > (1u << 30) ? (1u << 30) : (uInt)flen;
		z->next_out = hb;
		z->avail_out = sizeof(hb);
		ret = zl.inflate(z, Z_NO_FLUSH);
		got = sizeof(hb) - z->avail_out;
		if ((ret != Z_OK && ret != Z_STREAM_END) || (nul = memchr(hb, 0, got)) == NULL)
			goto corrupt;
		hl = (size_t)(nul - hb);
		for (k = 1; k <= 4; k++) {
			size_t tl = strlen(type_name((int)k));

			if (hl > tl && memcmp(hb, type_name((int)k), tl) == 0 && hb[tl] == ' ') {
				t = (int)k;
				break;
			}
		}
		if (t == 0)
			goto corrupt;
		for (k = strlen(type_name(t)) + 1; k < hl; k++) {
			if (hb[k] < '0' || hb[k] > '9' || sz > (SIZE_MAX / 2 - 9) / 10)
				goto corrupt;
			sz = sz * 10 + (size_t)(hb[k] - '0');
		}
		if (type != 0 && t != type) {
			rc = ck_err_set(CK_EIO, "hook: object %s is a %s, not a %s", hex, type_name(t), type_name(type));
			break;
		}
		if (sz > max) {
			rc = ck_err_set(CK_ETOOBIG, "hook: object too big");
			break;
		}
		if (!plausible(sz, flen))
			goto corrupt;
		if ((o = obj_new(t, sz)) == NULL) {
			rc = ck_err_set(CK_ENOMEM, "hook: out of memory");
			break;
		}
		if (got - hl - 1 > sz) {
			ck_hook__obj_unref(o);
			goto corrupt;
		}
		memcpy(o->data, nul + 1, got - hl - 1);
		if (ret != Z_STREAM_END) {
			z->next_out = o->data + (got - hl - 1);
			z->avail_out = (uInt)(sz - (got - hl - 1) + 1);
			if (sz >= (1u << 30)) {
				ck_hook__obj_unref(o);
				rc = ck_err_set(CK_EUNSUPPORTED, "hook: loose object %s too big", hex);
				break;
			}
			do
				ret = zl.inflate(z, Z_NO_FLUSH);
			while (ret == Z_OK);
		}
		if (ret != Z_STREAM_END || z->total_out != hl + 1 + sz) {
			ck_hook__obj_unref(o);
			goto corrupt;
		}
		*out = o;
		rc = 1;
		break;
corrupt:
		rc = ck_err_set(CK_EIO, "hook: %s: corrupt loose object", ck_buf_cstr(&path));
		break;
	}
	ck_buf_dispose(&path);
	return rc;
}

static int read_any(struct ck_hook__odbr *r, const uint8_t oid[20], int type, size_t max,
                    struct ck_hook__obj **out);

int ck_hook__odb_read_at(struct ck_hook__odbr *r, const uint8_t oid[20], uint64_t order, int type,
                         size_t max, struct ck_hook__obj **out)
{
	const uint64_t omask = ((uint64_t)1 << 44) - 1;
	size_t num = (size_t)(order >> 44);

	/* the key names the pack and the offset, unless it was clamped or names a rescanned pack */
	if (order != UINT64_MAX && (order & omask) != omask && num < r->db->npacks &&
	    r->db->packs[num]->num == num) {
		*out = NULL;
		return read_packed(r, r->db->packs[num], order & omask, type, max, out, 0);
	}
	return ck_hook__odb_read(r, oid, type, max, out);
}

int ck_hook__odb_read(struct ck_hook__odbr *r, const uint8_t oid[20], int type, size_t max,
                      struct ck_hook__obj **out)
{
	int f;

	*out = NULL;
	if (type == CK_HOOK__OBJ_TREE) {
		size_t k = tslot(oid);

		if (r->trees[k].o != NULL && memcmp(r->trees[k].oid, oid, 20) == 0) {
			r->trees[k].o->refs++;
			*out = r->trees[k].o;
			return CK_OK;
		}
		if ((f = read_any(r, oid, type, max, out)) == CK_OK && (*out)->len <= CACHE_MAX_OBJ) {
			ck_hook__obj_unref(r->trees[k].o);
			memcpy(r->trees[k].oid, oid, 20);
			r->trees[k].o = *out;
			(*out)->refs++;
		}
		return f;
	}
	return read_any(r, oid, type, max, out);
}

static int read_any(struct ck_hook__odbr *r, const uint8_t oid[20], int type, size_t max,
                    struct ck_hook__obj **out)
{
	const struct pack *p = NULL;
	uint64_t off = 0;
	char hex[41];
	int f, pass;

	for (pass = 0; pass < 2; pass++) {
		if ((f = locate(r->db, oid, &p, &off)) < 0)
			return f;
		if (f == 1)
			return read_packed(r, p, off, type, max, out, 0);
		if ((f = read_loose(r, oid, type, max, out)) != 0)
			return f < 0 ? f : CK_OK;
		if (pass == 0) {
			/* packed since the packs were listed (git gc running now): look again */
			size_t i;
			int rc = CK_OK;

			pthread_mutex_lock(&r->db->lock);
			for (i = 0; i < r->db->ndirs && rc == CK_OK; i++)
				rc = scan_packs(r->db, r->db->dirs[i], 1);
			pthread_mutex_unlock(&r->db->lock);
			if (rc < 0)
				return rc;
		}
	}
	ck_hook__oid_hex(hex, oid);
	return ck_err_set(CK_ENOTFOUND, "hook: object %s not found", hex);
}

/* ---- trees, commits, tags ---- */

/* libgit2's view of a tree entry's mode (git_tree_entry_filemode). */
static uint32_t norm_mode(uint32_t m)
{
	if ((m & 0170000) == 0040000)
		return 0040000;
	if (m & 0100)
		return 0100755;
	if ((m & 0170000) == 0160000)
		return 0160000;
	if ((m & 0170000) == 0120000)
		return 0120000;
	return 0100644;
}

int ck_hook__tree_next(const uint8_t *p, size_t n, size_t *off, struct ck_hook__tentry *e)
{
	size_t i = *off, k = 0;
	uint32_t mode = 0;
	const uint8_t *nul;

	if (i >= n)
		return 0;
	while (i < n && p[i] >= '0' && p[i] <= '7' && k < 7) {
		mode = mode << 3 | (uint32_t)(p[i] - '0');
		i++;
		k++;
	}
	if (k == 0 || i >= n || p[i] != ' ')
		return ck_err_set(CK_EIO, "hook: malformed tree entry");
	i++;
	if ((nul = memchr(p + i, 0, n - i)) == NULL || nul == p + i || (size_t)(p + n - nul) < 21)
		return ck_err_set(CK_EIO, "hook: malformed tree entry");
	e->name = (const char *)p + i;
	e->namelen = (size_t)(nul - (p + i));
	e->mode = norm_mode(mode);
	e->oid = nul + 1;
	*off = (size_t)(nul + 21 - p);
	return 1;
}

int ck_hook__peel_tree(struct ck_hook__odbr *r, const uint8_t oid[20], uint8_t tree[20])
{
	uint8_t cur[20];
	int k, rc;

	memcpy(cur, oid, 20);
	for (k = 0; k < 16; k++) {
		struct ck_hook__obj *o = NULL;
		const char *s;

		if ((rc = ck_hook__odb_read(r, cur, 0, SIZE_MAX, &o)) < 0)
			return rc;
		s = (const char *)o->data;
		if (o->type == CK_HOOK__OBJ_TREE) {
			memcpy(tree, cur, 20);
			ck_hook__obj_unref(o);
			return CK_OK;
		}
		rc = CK_EIO;
		if (o->type == CK_HOOK__OBJ_COMMIT && o->len >= 46 && memcmp(s, "tree ", 5) == 0 && s[45] == '\n')
			rc = ck_hook__oid_parse(tree, s + 5) == 0 ? CK_OK : CK_EIO;
		else if (o->type == CK_HOOK__OBJ_TAG && o->len >= 48 && memcmp(s, "object ", 7) == 0 && s[47] == '\n')
			rc = ck_hook__oid_parse(cur, s + 7) == 0 ? 1 : CK_EIO;
		ck_hook__obj_unref(o);
		if (rc == CK_OK)
			return CK_OK;
		if (rc != 1)
			break;
	}
	return ck_err_set(CK_EIO, "hook: the revision names no tree");
}
