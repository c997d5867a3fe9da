/* SPDX-License-Identifier: Apache-2.0 */
/* Internals shared between kube.c and kube_config.c. */
#ifndef CK_KUBE_INT_H
#define CK_KUBE_INT_H

#include "ck/err.h"

/* Read a token file (trailing blanks removed) into secret memory (ck_secret_free). */
int ck_kube__read_token(char **out, const char *path) CK_WUR;

#endif
