/* SPDX-License-Identifier: Apache-2.0 */
#include <string.h>

#include "ck/enc.h"
#include "ck_test.h"

struct b64_case {
	const char *bin;
	const char *std, *raw, *url;
};

/* RFC 4648 section 10. */
static const struct b64_case rfc[] = {
	{ "", "", "", "" },
	{ "f", "Zg==", "Zg", "Zg==" },
	{ "fo", "Zm8=", "Zm8", "Zm8=" },
	{ "foo", "Zm9v", "Zm9v", "Zm9v" },
	{ "foob", "Zm9vYg==", "Zm9vYg", "Zm9vYg==" },
	{ "fooba", "Zm9vYmE=", "Zm9vYmE", "Zm9vYmE=" },
	{ "foobar", "Zm9vYmFy", "Zm9vYmFy", "Zm9vYmFy" },
};

static void check_round(const char *bin, const char *txt, enum ck_b64 v)
{
	struct ck_buf e = CK_BUF_INIT, d = CK_BUF_INIT;

	assert_int_equal(ck_b64_encode(&e, bin, strlen(bin), v), CK_OK);
	assert_string_equal(ck_buf_cstr(&e), txt);
	assert_int_equal(ck_b64_encoded_len(strlen(bin), v), strlen(txt));
	assert_int_equal(ck_b64_decode(&d, txt, strlen(txt), v, 0), CK_OK);
	assert_int_equal(ck_buf_len(&d), strlen(bin));
	assert_memory_equal(ck_buf_data(&d), bin, strlen(bin));
	ck_buf_dispose(&e);
	ck_buf_dispose(&d);
}

static void rfc4648(void **state)
{
	size_t i;

	for (i = 0; i < sizeof(rfc) / sizeof(rfc[0]); i++) {
		check_round(rfc[i].bin, rfc[i].std, CK_B64_STD);
		check_round(rfc[i].bin, rfc[i].raw, CK_B64_STD_RAW);
		check_round(rfc[i].bin, rfc[i].url, CK_B64_URL);
	}
}

static int decodes(const char *txt, enum ck_b64 v, unsigned flags)
{
	struct ck_buf d = CK_BUF_INIT;
	int rc;

	assert_int_equal(ck_buf_puts(&d, "keep"), CK_OK);
	rc = ck_b64_decode(&d, txt, strlen(txt), v, flags);
	if (rc != CK_OK) /* failure leaves earlier content alone */
		assert_string_equal(ck_buf_cstr(&d), "keep");
	ck_buf_dispose(&d);
	return rc == CK_OK;
}

static void strictness(void **state)
{
	assert_false(decodes("Zg", CK_B64_STD, 0));          /* missing padding */
	assert_true(decodes("Zg", CK_B64_STD, CK_B64_PAD_OPTIONAL));
	assert_false(decodes("Zg==", CK_B64_STD_RAW, 0));    /* padding where none */
	assert_false(decodes("Zh==", CK_B64_STD, 0));        /* non-zero unused bits */
	assert_false(decodes("Zm9v\n", CK_B64_STD, 0));      /* stray newline */
	assert_true(decodes("Zm9v\nYmFy\n", CK_B64_STD, CK_B64_IGNORE_WS));
	assert_false(decodes("Zm9v!", CK_B64_STD, 0));
	assert_false(decodes("Z", CK_B64_STD_RAW, 0));       /* 1 mod 4 */
	assert_false(decodes("-_8=", CK_B64_STD, 0));        /* URL alphabet in std */
	assert_true(decodes("-_8=", CK_B64_URL, 0));
	assert_false(decodes("+/8=", CK_B64_URL, 0));
	assert_false(decodes("Zg=", CK_B64_STD, 0));
}

static void hex(void **state)
{
	struct ck_buf e = CK_BUF_INIT, d = CK_BUF_INIT;
	const uint8_t bin[] = { 0x00, 0xab, 0xff, 0x10 };

	assert_int_equal(ck_hex_encode(&e, bin, 4), CK_OK);
	assert_string_equal(ck_buf_cstr(&e), "00abff10");
	ck_buf_reset(&e);
	assert_int_equal(ck_hex_encode_upper(&e, bin, 4), CK_OK);
	assert_string_equal(ck_buf_cstr(&e), "00ABFF10");
	assert_int_equal(ck_hex_decode(&d, "00AbfF10", 8), CK_OK);
	assert_memory_equal(ck_buf_data(&d), bin, 4);
	ck_buf_reset(&d);
	assert_int_equal(ck_hex_decode(&d, "abc", 3), CK_EINVAL);
	assert_int_equal(ck_hex_decode(&d, "zz", 2), CK_EINVAL);
	assert_int_equal(ck_buf_len(&d), 0);
	ck_buf_dispose(&e);
	ck_buf_dispose(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(rfc4648),
		cmocka_unit_test(strictness),
		cmocka_unit_test(hex),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
