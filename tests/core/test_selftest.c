/* SPDX-License-Identifier: Apache-2.0 */
#include <string.h>

#include "ck/selftest.h"
#include "ck_test.h"

static void selftest_passes(void **state)
{
	struct ck_buf r = CK_BUF_INIT;

	assert_int_equal(ck_core_selftest(&r), CK_OK);
	assert_null(strstr(ck_buf_cstr(&r), "FAILED"));
	assert_non_null(strstr(ck_buf_cstr(&r), "X25519 (RFC 7748)"));
	ck_buf_dispose(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = { cmocka_unit_test(selftest_passes) };
	return cmocka_run_group_tests(tests, NULL, NULL);
}
