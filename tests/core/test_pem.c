/* SPDX-License-Identifier: Apache-2.0 */
/* PEM armour: round trips, bundles, and everything the strict reader refuses. */
#include <stdio.h>
#include <string.h>

#include "ck/pem.h"
#include "ck/rand.h"
#include "ck_test.h"

static void round_trip(void **state)
{
	uint8_t data[200];
	size_t n, used = 0;

	ck_random(data, sizeof(data));
	for (n = 0; n <= sizeof(data); n += 7) {
		struct ck_buf pem = CK_BUF_INIT, der = CK_BUF_INIT, label = CK_BUF_INIT;
		const char *s, *nl;

		assert_int_equal(ck_pem_encode(&pem, "TEST DATA", data, n), CK_OK);
		s = ck_buf_cstr(&pem);
		assert_int_equal(strncmp(s, "-----BEGIN TEST DATA-----\n", 26), 0);
		/* Every body line is at most 64 characters. */
		for (s = strchr(s, '\n') + 1; (nl = strchr(s, '\n')) != NULL; s = nl + 1)
			assert_true(nl - s <= 64);
		assert_int_equal(ck_pem_decode(&der, &label, NULL, ck_buf_cstr(&pem), ck_buf_len(&pem),
		                               &used),
		                 CK_OK);
		assert_int_equal(used, ck_buf_len(&pem));
		assert_string_equal(ck_buf_cstr(&label), "TEST DATA");
		assert_int_equal(ck_buf_len(&der), n);
		assert_memory_equal(ck_buf_data(&der), data, n);
		ck_buf_dispose(&pem);
		ck_buf_dispose(&der);
		ck_buf_dispose(&label);
	}
}

/* Iterate a bundle with explanatory text around and between blocks. */
static void bundle(void **state)
{
	struct ck_buf text = CK_BUF_INIT, der = CK_BUF_INIT, label = CK_BUF_INIT;
	const char *labels[] = { "CERTIFICATE", "RSA PRIVATE KEY", "CERTIFICATE" };
	size_t off = 0, used, i = 0;
	int rc;

	assert_int_equal(ck_buf_puts(&text, "Subject: test\n"), CK_OK);
	assert_int_equal(ck_pem_encode(&text, labels[0], "one", 3), CK_OK);
	assert_int_equal(ck_buf_puts(&text, "between\n\n"), CK_OK);
	assert_int_equal(ck_pem_encode(&text, labels[1], "two", 3), CK_OK);
	assert_int_equal(ck_pem_encode(&text, labels[2], "three", 5), CK_OK);
	assert_int_equal(ck_buf_puts(&text, "trailer"), CK_OK);
	for (;;) {
		ck_buf_reset(&der);
		ck_buf_reset(&label);
		rc = ck_pem_decode(&der, &label, NULL, ck_buf_cstr(&text) + off,
		                   ck_buf_len(&text) - off, &used);
		if (rc == CK_ENOTFOUND)
			break;
		assert_int_equal(rc, CK_OK);
		assert_string_equal(ck_buf_cstr(&label), labels[i]);
		off += used;
		i++;
	}
	assert_int_equal(i, 3);
	/* A label filter skips other blocks. */
	ck_buf_reset(&der);
	assert_int_equal(ck_pem_decode(&der, NULL, "RSA PRIVATE KEY", ck_buf_cstr(&text),
	                               ck_buf_len(&text), NULL),
	                 CK_OK);
	assert_memory_equal(ck_buf_data(&der), "two", 3);
	assert_int_equal(ck_pem_decode(&der, NULL, "PUBLIC KEY", ck_buf_cstr(&text),
	                               ck_buf_len(&text), NULL),
	                 CK_ENOTFOUND);
	ck_buf_dispose(&text);
	ck_buf_dispose(&der);
	ck_buf_dispose(&label);
}

static int decode(const char *text, size_t *used)
{
	struct ck_buf der = CK_BUF_INIT;
	int rc;

	assert_int_equal(ck_buf_puts(&der, "keep"), CK_OK);
	rc = ck_pem_decode(&der, NULL, NULL, text, strlen(text), used);
	if (rc != CK_OK) /* failure leaves the output alone */
		assert_string_equal(ck_buf_cstr(&der), "keep");
	ck_buf_dispose(&der);
	return rc;
}

#define B "-----BEGIN X-----\n"
#define E "-----END X-----\n"

static void lax_where_real_files_differ(void **state)
{
	size_t used = 0;
	char line76[200];

	assert_int_equal(decode("-----BEGIN X-----\r\nZm9v\r\n-----END X-----\r\n", &used), CK_OK);
	assert_int_equal(used, strlen("-----BEGIN X-----\r\nZm9v\r\n-----END X-----\r\n"));
	assert_int_equal(decode("-----BEGIN X----- \nZm9v \t\n-----END X-----  \n", NULL), CK_OK);
	assert_int_equal(decode(B "Zm9v\n-----END X-----", &used), CK_OK); /* END at EOF */
	assert_int_equal(used, strlen(B "Zm9v\n-----END X-----"));
	assert_int_equal(decode(B "Zm9vYmFy\nYg==\n" E, NULL), CK_OK);
	assert_int_equal(decode(B E, NULL), CK_OK); /* empty body */
	memset(line76, 'A', 76);
	snprintf(line76 + 76, sizeof(line76) - 76, "\n");
	{
		struct ck_buf t = CK_BUF_INIT;

		assert_int_equal(ck_buf_printf(&t, B "%s" E, line76), CK_OK);
		assert_int_equal(decode(ck_buf_cstr(&t), NULL), CK_OK);
		ck_buf_dispose(&t);
	}
	assert_int_equal(decode("-----BEGIN X509 CRL-----\nZm9v\n-----END X509 CRL-----\n", NULL),
	                 CK_OK);
}

static void strict(void **state)
{
	assert_int_equal(decode("", NULL), CK_ENOTFOUND);
	assert_int_equal(decode("no pem here\n", NULL), CK_ENOTFOUND);
	assert_int_equal(decode(" -----BEGIN X-----\nZm9v\n" E, NULL), CK_ENOTFOUND);
	assert_int_equal(decode(B "Zm9v\n-----END Y-----\n", NULL), CK_EINVAL);
	assert_int_equal(decode(B "Zm9v\n", NULL), CK_EINVAL);           /* no END */
	assert_int_equal(decode(B "Zm9v", NULL), CK_EINVAL);
	assert_int_equal(decode("-----BEGIN X-----", NULL), CK_EINVAL);   /* BEGIN at EOF */
	assert_int_equal(decode("-----BEGIN X----\nZm9v\n" E, NULL), CK_EINVAL);
	assert_int_equal(decode("-----BEGIN x--y-----\nZm9v\n-----END x--y-----\n", NULL),
	                 CK_EINVAL);
	assert_int_equal(decode(B "Zm9v!\n" E, NULL), CK_EINVAL);
	assert_int_equal(decode(B "Zm 9v\n" E, NULL), CK_EINVAL);         /* space inside */
	assert_int_equal(decode(B "Zm9v\n\nYmFy\n" E, NULL), CK_EINVAL);  /* blank line */
	assert_int_equal(decode(B "Zg==\nZm9v\n" E, NULL), CK_EINVAL);    /* '=' mid-body */
	assert_int_equal(decode(B "Zh==\n" E, NULL), CK_EINVAL);          /* unused bits */
	assert_int_equal(decode(B "Zg\n" E, NULL), CK_EINVAL);            /* no padding */
	assert_int_equal(decode(B "-_8=\n" E, NULL), CK_EINVAL);          /* URL alphabet */
	assert_int_equal(decode(B "Zm9v\r\r\n" E, NULL), CK_EINVAL);
	assert_int_equal(decode(B "Comment: x\n\nZm9v\n" E, NULL), CK_EINVAL);
	assert_int_equal(decode("-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\n"
	                        "DEK-Info: AES-128-CBC,00\n\nZm9v\n-----END RSA PRIVATE KEY-----\n",
	                        NULL),
	                 CK_EUNSUPPORTED);
	assert_non_null(strstr(ck_err_last()->msg, "encrypted"));
	assert_int_equal(decode(B "Zm9v\n" "-----END X-----trailing\n", NULL), CK_EINVAL);
	assert_int_equal(decode(B "Zm9v\0\n" E, NULL), CK_EINVAL);
}

static void encode_labels(void **state)
{
	struct ck_buf b = CK_BUF_INIT;

	assert_int_equal(ck_buf_puts(&b, "keep"), CK_OK);
	assert_int_equal(ck_pem_encode(&b, "bad--label", "x", 1), CK_EINVAL);
	assert_int_equal(ck_pem_encode(&b, "-x", "x", 1), CK_EINVAL);
	assert_int_equal(ck_pem_encode(&b, "x ", "x", 1), CK_EINVAL);
	assert_string_equal(ck_buf_cstr(&b), "keep");
	assert_int_equal(ck_pem_encode(&b, "", "x", 1), CK_OK); /* RFC 7468 allows empty */
	ck_buf_dispose(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(round_trip),
		cmocka_unit_test(bundle),
		cmocka_unit_test(lax_where_real_files_differ),
		cmocka_unit_test(strict),
		cmocka_unit_test(encode_labels),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
