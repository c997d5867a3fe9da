/* SPDX-License-Identifier: Apache-2.0 */
/* Helpers shared by cmd_hook.c and cmd_audit.c. */
#ifndef CK_CLI_HOOK_CLI_H
#define CK_CLI_HOOK_CLI_H

#include "ck/hook.h"

/* A negative code keeps its message but exits 2 (the hook's "usage or internal error"). */
int cli_hook_fail(int rc);
/* --color auto|always|never (NULL: auto; NO_COLOR honoured) into CK_HOOK_OUT_COLOR. */
int cli_hook_color(const char *when, unsigned *flags);
/* Print the report on stdout; 1 with findings, 0 without, or a negative code. */
int cli_hook_print(const struct ck_hook_report *r, enum ck_hook_format fmt, unsigned flags,
                   const char *what);

#endif
