/* SPDX-License-Identifier: Apache-2.0 */
#include <string.h>

#include "ck/enc.h"
#include "ck/pem.h"

#define DASHES "-----"
#define BEGIN "-----BEGIN "
#define END "-----END "

static int is_labelchar(unsigned char c)
{
	return c >= 0x21 && c <= 0x7e && c != '-';
}

/* RFC 7468: labelchar *( ["-" / SP] labelchar ), possibly empty. */
static int label_ok(const char *s, size_t n)
{
	size_t i;

	if (n > CK_PEM_LABEL_MAX)
		return 0;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (is_labelchar(c))
			continue;
		if ((c == '-' || c == ' ') && i > 0 && i + 1 < n &&
		    is_labelchar((unsigned char)s[i - 1]) && is_labelchar((unsigned char)s[i + 1]))
			continue;
		return 0;
	}
	return 1;
}

int ck_pem_encode(struct ck_buf *out, const char *label, const void *der, size_t n)
{
	const uint8_t *p = der;
	size_t keep = ck_buf_len(out), off, take;
	int rc = CK_EINTERNAL;

	if (!label_ok(label, strlen(label))) {
		rc = ck_err_set(CK_EINVAL, "pem: invalid label");
		goto out;
	}
	if ((rc = ck_buf_printf(out, BEGIN "%s" DASHES "\n", label)) < 0)
		goto out;
	for (off = 0; off < n; off += take) {
		take = n - off < 48 ? n - off : 48; /* 48 bytes: one 64-character line */
		if ((rc = ck_b64_encode(out, p + off, take, CK_B64_STD)) < 0 ||
		    (rc = ck_buf_putc(out, '\n')) < 0)
			goto out;
	}
	if ((rc = ck_buf_printf(out, END "%s" DASHES "\n", label)) < 0)
		goto out;
	rc = CK_OK;
out:
	if (rc < 0)
		ck_buf_truncate(out, keep);
	return rc;
}

/* Offset of the next line start at or after i, or n. */
static size_t next_line(const char *t, size_t n, size_t i)
{
	const char *nl = memchr(t + i, '\n', n - i);

	return nl == NULL ? n : (size_t)(nl - t) + 1;
}

static int starts(const char *t, size_t n, size_t i, const char *lit)
{
	size_t l = strlen(lit);

	return n - i >= l && memcmp(t + i, lit, l) == 0;
}

/*
 * The rest of a BEGIN/END line from i: label, "-----", spaces/tabs, then a
 * line break or (only when eof_ok) the end of the text. Sets the label span
 * and *after to the next line start. 0 if the line is malformed.
 */
static int armour_line(const char *t, size_t n, size_t i, int eof_ok, size_t *lab,
                       size_t *lablen, size_t *after)
{
	size_t e = next_line(t, n, i), stop = e, d;

	if (e == n && (e == i || t[e - 1] != '\n') && !eof_ok)
		return 0;
	if (stop > i && t[stop - 1] == '\n')
		stop--;
	if (stop > i && t[stop - 1] == '\r')
		stop--;
	while (stop > i && (t[stop - 1] == ' ' || t[stop - 1] == '\t'))
		stop--;
	if (stop - i < 5 || memcmp(t + stop - 5, DASHES, 5) != 0)
		return 0;
	d = stop - 5;
	if (!label_ok(t + i, d - i))
		return 0;
	*lab = i;
	*lablen = d - i;
	*after = e;
	return 1;
}

static int b64char(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '+' || c == '/' || c == '=';
}

/*
 * Check the body lines from i up to the END line. On success *end_line is
 * where the END line starts. Errors carry the block's label.
 */
static int body_lines(const char *t, size_t n, size_t i, const char *lab, size_t lablen,
                      size_t *end_line)
{
	size_t e, j, k;

	for (; i < n; i = e) {
		e = next_line(t, n, i);
		if (starts(t, n, i, END)) {
			*end_line = i;
			return CK_OK;
		}
		for (j = i; j < e && b64char((unsigned char)t[j]); j++)
			;
		k = j; /* end of the base64 run */
		while (j < e && (t[j] == ' ' || t[j] == '\t'))
			j++;
		if (j < e && t[j] == '\r')
			j++;
		if (j < e && t[j] == '\n')
			j++;
		if (j == e && k > i)
			continue; /* a good line (at the end of text: no END line follows) */
		if (memchr(t + i, ':', e - i) != NULL) {
			if (starts(t, n, i, "Proc-Type:") && memmem(t + i, e - i, "ENCRYPTED", 9))
				return ck_err_set(CK_EUNSUPPORTED,
				                  "pem: %.*s block is encrypted (legacy PEM "
				                  "encryption); decrypt it first, e.g. with "
				                  "openssl pkey",
				                  (int)lablen, lab);
			return ck_err_set(CK_EINVAL, "pem: %.*s block: headers are not supported",
			                  (int)lablen, lab);
		}
		if (k == i && j == e)
			return ck_err_set(CK_EINVAL, "pem: %.*s block: blank line in body",
			                  (int)lablen, lab);
		return ck_err_set(CK_EINVAL, "pem: %.*s block: invalid character in body",
		                  (int)lablen, lab);
	}
	return ck_err_set(CK_EINVAL, "pem: %.*s block: missing END line", (int)lablen, lab);
}

int ck_pem_decode(struct ck_buf *der, struct ck_buf *label_out, const char *label,
                  const char *text, size_t n, size_t *consumed)
{
	size_t keep = ck_buf_len(der), i = 0, lab = 0, lablen = 0, body = 0, end_line = 0;
	size_t elab = 0, elablen = 0, after = 0;
	int rc = CK_EINTERNAL;

	for (;;) {
		/* Next line that starts with "-----BEGIN ". */
		while (i < n && !starts(text, n, i, BEGIN))
			i = next_line(text, n, i);
		if (i >= n) {
			if (label != NULL)
				rc = ck_err_set(CK_ENOTFOUND, "pem: no %s block found", label);
			else
				rc = ck_err_set(CK_ENOTFOUND, "pem: no PEM block found");
			goto out;
		}
		if (!armour_line(text, n, i + strlen(BEGIN), 0, &lab, &lablen, &body)) {
			rc = ck_err_set(CK_EINVAL, "pem: malformed BEGIN line");
			goto out;
		}
		if (label == NULL ||
		    (strlen(label) == lablen && memcmp(text + lab, label, lablen) == 0))
			break;
		i = body; /* another kind of block: skip its BEGIN line */
	}
	if ((rc = body_lines(text, n, body, text + lab, lablen, &end_line)) < 0)
		goto out;
	if (!armour_line(text, n, end_line + strlen(END), 1, &elab, &elablen, &after)) {
		rc = ck_err_set(CK_EINVAL, "pem: %.*s block: malformed END line", (int)lablen,
		                text + lab);
		goto out;
	}
	if (elablen != lablen || memcmp(text + elab, text + lab, lablen) != 0) {
		rc = ck_err_set(CK_EINVAL, "pem: END label does not match BEGIN %.*s", (int)lablen,
		                text + lab);
		goto out;
	}
	if (ck_b64_decode(der, text + body, end_line - body, CK_B64_STD, CK_B64_IGNORE_WS) < 0) {
		rc = ck_err_last()->code == CK_EINVAL
		             ? ck_err_set(CK_EINVAL, "pem: %.*s block: invalid base64", (int)lablen,
		                          text + lab)
		             : ck_err_last()->code;
		goto out;
	}
	if (label_out != NULL) {
		if ((rc = ck_buf_put(label_out, text + lab, lablen)) < 0)
			goto out;
	}
	if (consumed != NULL)
		*consumed = after;
	rc = CK_OK;
out:
	if (rc < 0)
		ck_buf_truncate(der, keep);
	return rc;
}
