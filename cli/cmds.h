/* SPDX-License-Identifier: Apache-2.0 */
/* Entry points of the commands listed in cmds.def. */
#ifndef CK_CLI_CMDS_H
#define CK_CLI_CMDS_H

#define CK_CMD(name, fn, needs, summary) int fn(int argc, char **argv);
#include "cmds.def"
#undef CK_CMD

/* One-time setup for the needs of a command (net, git); see cli.h. */
int cli_setup_needs(unsigned needs);
void cli_teardown(void);

#endif
