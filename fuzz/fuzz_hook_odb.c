/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The hook's own object reader on hostile repository data: the input is a
 * pack's body (objects of every type, offset and reference deltas, chains,
 * truncated or lying headers, bad zlib), with a few entry offsets in front
 * that an index is written for, and the same bytes again as a loose object.
 * Every object is read with both inflaters, as any type and as a blob under
 * a size limit, then peeled and parsed as a tree. Invariants: no crash, no
 * hang, and an object read whole always has the size its header gave.
 *
 * Input: byte 0 = n (entries, at most 8), then n little-endian 16-bit
 * offsets into the body, then the body.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ck/err.h"
#include "ck/hook_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[64];

static void cleanup(void)
{
	static const char *const files[] = { "pack/pack-1.pack", "pack/pack-1.idx",
		                             "ff/00000000000000000000000000000000000000", "pack", "ff", "" };
	char path[160];
	size_t i;

	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		if (unlink(path) < 0)
			rmdir(path);
	}
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static int write_file(const char *path, const void *p, size_t n)
{
	FILE *f = fopen(path, "wb");
	int ok;

	if (f == NULL)
		return -1;
	ok = fwrite(p, 1, n, f) == n;
	return fclose(f) == 0 && ok ? 0 : -1;
}

static void read_all(struct ck_hook__odbr *r, const uint8_t oid[20])
{
	struct ck_hook__obj *o = NULL;
	uint8_t tree[20];

	if (ck_hook__odb_read(r, oid, 0, (size_t)1 << 20, &o) == CK_OK) {
		if (o->type == CK_HOOK__OBJ_TREE) {
			struct ck_hook__tentry e;
			size_t off = 0;

			while (ck_hook__tree_next(o->data, o->len, &off, &e) == 1)
				if (e.namelen == 0 || e.oid < o->data || e.oid + 20 > o->data + o->len)
					abort();
		}
		ck_hook__obj_unref(o);
	}
	o = NULL;
	if (ck_hook__odb_read(r, oid, CK_HOOK__OBJ_BLOB, 64, &o) == CK_OK) {
		if (o->type != CK_HOOK__OBJ_BLOB || o->len > 64)
			abort();
		ck_hook__obj_unref(o);
	}
	(void)ck_hook__peel_tree(r, oid, tree);
	ck_err_clear();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t idx[8 + 1024 + 8 * 28 + 40], pack[12 + 65536 + 20];
	struct ck_hook__odb *db = NULL;
	struct ck_hook__odbr *r = NULL;
	char path[128];
	const uint8_t *body;
	size_t n, i, blen, k;
	uint8_t oids[8][20];

	if (size < 1)
		return 0;
	if (dir[0] == 0) {
		snprintf(dir, sizeof(dir), "/tmp/ck-fuzz-odb.%d", (int)getpid());
		mkdir(dir, 0700);
		snprintf(path, sizeof(path), "%s/pack", dir);
		mkdir(path, 0700);
		snprintf(path, sizeof(path), "%s/ff", dir);
		mkdir(path, 0700);
		atexit(cleanup);
	}
	n = data[0] % 9;
	if (size < 1 + 2 * n)
		return 0;
	body = data + 1 + 2 * n;
	blen = size - 1 - 2 * n;
	if (blen > 65536)
		blen = 65536;
	/* the pack: header, body, a trailer git would check (this reader does not) */
	memcpy(pack, "PACK", 4);
	put32(pack + 4, 2);
	put32(pack + 8, (uint32_t)n);
	memcpy(pack + 12, body, blen);
	memset(pack + 12 + blen, 0, 20);
	/* the index: entry i has id (i + 1, 0, ...) so the ids are sorted */
	memset(idx, 0, sizeof(idx));
	memcpy(idx, "\377tOc", 4);
	put32(idx + 4, 2);
	for (k = 0; k < 256; k++) {
		size_t c = 0;

		for (i = 0; i < n; i++)
			c += i + 1 <= k;
		put32(idx + 8 + 4 * k, (uint32_t)c);
	}
	for (i = 0; i < n; i++) {
		uint32_t off = 12 + (uint32_t)(data[1 + 2 * i] | data[2 + 2 * i] << 8);

		memset(oids[i], 0, 20);
		oids[i][0] = (uint8_t)(i + 1);
		memcpy(idx + 8 + 1024 + 20 * i, oids[i], 20);
		put32(idx + 8 + 1024 + 24 * n + 4 * i, off);
	}
	snprintf(path, sizeof(path), "%s/pack/pack-1.pack", dir);
	if (write_file(path, pack, 12 + blen + 20) < 0)
		return 0;
	snprintf(path, sizeof(path), "%s/pack/pack-1.idx", dir);
	if (write_file(path, idx, 8 + 1024 + 28 * n + 40) < 0)
		return 0;
	/* the body once more as a loose object, id ff00...00 */
	snprintf(path, sizeof(path), "%s/ff/00000000000000000000000000000000000000", dir);
	if (write_file(path, body, blen) < 0)
		return 0;
	if (ck_hook__odb_open(&db, dir) == CK_OK) {
		static const uint8_t loose[20] = { 0xff };
		int pass;

		for (pass = 0; pass < 2; pass++) {
			if (pass == 1)
				setenv("CLOAK_HOOK_INFLATE", "zlib", 1);
			if (ck_hook__odbr_new(&r, db) == CK_OK) {
				for (i = 0; i < n; i++)
					read_all(r, oids[i]);
				read_all(r, loose);
				(void)ck_hook__odb_order(db, loose);
				ck_hook__odbr_free(r);
				r = NULL;
			}
			unsetenv("CLOAK_HOOK_INFLATE");
		}
		ck_hook__odb_free(db);
	}
	ck_err_clear();
	return 0;
}
