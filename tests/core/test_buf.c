/* SPDX-License-Identifier: Apache-2.0 */
#include <string.h>

#include "ck/alloc.h"
#include "ck/buf.h"
#include "ck/rand.h"
#include "ck_test.h"

static void put_get(void **state)
{
	struct ck_buf b = CK_BUF_INIT;
	uint32_t v32;
	uint64_t v64;
	uint16_t v16;
	uint8_t v8, raw[3];

	assert_int_equal(ck_buf_put_u32be(&b, 0xdeadbeef), CK_OK);
	assert_int_equal(ck_buf_put_u64be(&b, 0x0102030405060708ull), CK_OK);
	assert_int_equal(ck_buf_put_u16be(&b, 0xabcd), CK_OK);
	assert_int_equal(ck_buf_put_u8(&b, 7), CK_OK);
	assert_int_equal(ck_buf_puts(&b, "xyz"), CK_OK);
	assert_int_equal(ck_buf_len(&b), 18);
	assert_int_equal(ck_buf_data(&b)[0], 0xde);
	assert_int_equal(ck_buf_get_u32be(&b, &v32), CK_OK);
	assert_int_equal(v32, 0xdeadbeef);
	assert_int_equal(ck_buf_get_u64be(&b, &v64), CK_OK);
	assert_true(v64 == 0x0102030405060708ull);
	assert_int_equal(ck_buf_get_u16be(&b, &v16), CK_OK);
	assert_int_equal(v16, 0xabcd);
	assert_int_equal(ck_buf_get_u8(&b, &v8), CK_OK);
	assert_int_equal(v8, 7);
	assert_string_equal(ck_buf_cstr(&b), "xyz");
	/* A failed get leaves the buffer unchanged. */
	assert_int_equal(ck_buf_get_u32be(&b, &v32), CK_EINVAL);
	assert_int_equal(ck_buf_len(&b), 3);
	assert_int_equal(ck_buf_get(&b, raw, 3), CK_OK);
	assert_int_equal(ck_buf_len(&b), 0);
	assert_string_equal(ck_buf_cstr(&b), "");
	ck_buf_dispose(&b);
}

static void limit(void **state)
{
	struct ck_buf b;

	ck_buf_init(&b, 8);
	assert_int_equal(ck_buf_puts(&b, "12345678"), CK_OK);
	assert_int_equal(ck_buf_putc(&b, '9'), CK_ETOOBIG);
	assert_int_equal(ck_buf_len(&b), 8);
	assert_string_equal(ck_buf_cstr(&b), "12345678");
	/* Reading frees room: the limit is on live bytes. */
	assert_int_equal(ck_buf_consume(&b, 4), CK_OK);
	assert_int_equal(ck_buf_puts(&b, "abcd"), CK_OK);
	assert_string_equal(ck_buf_cstr(&b), "5678abcd");
	ck_buf_dispose(&b);
}

static void printf_and_detach(void **state)
{
	struct ck_buf b = CK_BUF_INIT;
	size_t n = 0;
	uint8_t *p;
	int i;

	for (i = 0; i < 1000; i++)
		assert_int_equal(ck_buf_printf(&b, "%d,", i), CK_OK);
	assert_int_equal(strncmp(ck_buf_cstr(&b), "0,1,2,", 6), 0);
	assert_int_equal(ck_buf_consume(&b, 2), CK_OK);
	p = ck_buf_detach(&b, &n);
	assert_non_null(p);
	assert_int_equal(strncmp((char *)p, "1,2,", 4), 0);
	assert_int_equal(strlen((char *)p), n);
	assert_int_equal(ck_buf_len(&b), 0);
	ck_free(p);
	ck_buf_dispose(&b);
}

static void secure_and_views(void **state)
{
	struct ck_buf s, v, *h = ck_buf_new_secure(0);
	const char text[] = "borrowed";
	uint8_t four[4];

	ck_buf_init_secure(&s, 0);
	assert_true(ck_buf_is_secure(&s));
	assert_int_equal(ck_buf_puts(&s, "private key material"), CK_OK);
	assert_int_equal(ck_buf_puts(h, "x"), CK_OK);
	ck_buf_view(&v, text, 8);
	assert_int_equal(ck_buf_get(&v, four, 4), CK_OK);
	assert_memory_equal(four, "borr", 4);
	assert_int_equal(ck_buf_len(&v), 4);
	assert_int_equal(ck_buf_putc(&v, 'x'), CK_EINTERNAL);
	assert_null(ck_buf_mutable(&v));
	assert_true(ck_buf_eq(&s, &s));
	assert_false(ck_buf_eq(&s, h));
	ck_buf_truncate(&s, 7);
	assert_string_equal(ck_buf_cstr(&s), "private");
	ck_buf_dispose(&s);
	ck_buf_free(h);
	ck_buf_free(NULL);
}

/* Random put/consume sequences keep the invariants (test_sshbuf_fuzz). */
static void random_ops(void **state)
{
	struct ck_buf b, mirror;
	uint8_t chunk[300];
	size_t i, n;

	ck_buf_init(&b, 4096);
	ck_buf_init(&mirror, 0);
	for (i = 0; i < 20000; i++) {
		n = ck_random_uniform(sizeof(chunk));
		if (ck_random_uniform(2)) {
			size_t before = ck_buf_len(&b);
			int rc;

			ck_random(chunk, n);
			rc = ck_buf_put(&b, chunk, n);
			if (rc == CK_OK)
				assert_int_equal(ck_buf_put(&mirror, chunk, n), CK_OK);
			else
				assert_int_equal(ck_buf_len(&b), before);
		} else if (n <= ck_buf_len(&b)) {
			assert_int_equal(ck_buf_consume(&b, n), CK_OK);
			assert_int_equal(ck_buf_consume(&mirror, n), CK_OK);
		}
		assert_int_equal(ck_buf_len(&b), ck_buf_len(&mirror));
		assert_memory_equal(ck_buf_data(&b), ck_buf_data(&mirror), ck_buf_len(&b));
		assert_int_equal(ck_buf_data(&b)[ck_buf_len(&b)], 0);
	}
	ck_buf_dispose(&b);
	ck_buf_dispose(&mirror);
}

/* Appending a buffer's own bytes survives the move that growing makes. */
static void self_append(void **state)
{
	struct ck_buf b = CK_BUF_INIT;
	int i;

	assert_int_equal(ck_buf_puts(&b, "ab"), CK_OK);
	for (i = 0; i < 12; i++)
		assert_int_equal(ck_buf_putb(&b, &b), CK_OK);
	assert_int_equal(ck_buf_len(&b), 2u << 12);
	for (i = 0; i < (2 << 12); i += 2)
		assert_memory_equal(ck_buf_data(&b) + i, "ab", 2);
	/* After a consume the live bytes start later; compaction moves them. */
	ck_buf_reset(&b);
	assert_int_equal(ck_buf_puts(&b, "0123456789"), CK_OK);
	assert_int_equal(ck_buf_consume(&b, 6), CK_OK);
	assert_int_equal(ck_buf_put(&b, ck_buf_data(&b) + 1, 3), CK_OK);
	assert_string_equal(ck_buf_cstr(&b), "6789789");
	ck_buf_dispose(&b);
	/* Truncating an empty, never-allocated buffer is fine. */
	ck_buf_truncate(&b, 0);
	assert_string_equal(ck_buf_cstr(&b), "");
}

/* Every allocation failure is reported as CK_ENOMEM and nothing changes. */
static void oom_loop(void **state)
{
	size_t n;

	for (n = 1;; n++) {
		struct ck_buf b = CK_BUF_INIT;
		int rc = CK_OK, i;

		ck_alloc_fail_after(n);
		for (i = 0; i < 50 && rc == CK_OK; i++)
			rc = ck_buf_printf(&b, "line %d of a growing buffer\n", i);
		ck_alloc_fail_after(0);
		ck_buf_dispose(&b);
		if (rc == CK_OK)
			break;
		assert_int_equal(rc, CK_ENOMEM);
	}
	assert_true(n > 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(put_get),
		cmocka_unit_test(limit),
		cmocka_unit_test(printf_and_detach),
		cmocka_unit_test(secure_and_views),
		cmocka_unit_test(random_ops),
		cmocka_unit_test(self_append),
		cmocka_unit_test(oom_loop),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
