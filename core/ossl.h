/* SPDX-License-Identifier: Apache-2.0 */
/* Private to core: turn OpenSSL's error queue into a ck_err message. */
#ifndef CK_CORE_OSSL_H
#define CK_CORE_OSSL_H

#include "ck/err.h"

/* Drain the OpenSSL error queue into the message "<what>: <reason>". */
int ck__ossl_err(int code, const char *what);

#endif
