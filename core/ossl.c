/* SPDX-License-Identifier: Apache-2.0 */
#include <openssl/err.h>

#include "ossl.h"

int ck__ossl_err(int code, const char *what)
{
	unsigned long e, first = 0;
	char reason[256] = "";

	while ((e = ERR_get_error()) != 0) {
		if (first == 0)
			first = e;
	}
	if (first != 0)
		ERR_error_string_n(first, reason, sizeof(reason));
	if (reason[0] != '\0')
		return ck_err_set(code, "%s: %s", what, reason);
	return ck_err_set(code, "%s", what);
}
