/* SPDX-License-Identifier: Apache-2.0 */
/* One-time library setup named by a command's `needs` (git's run_builtin). */
#include "cli.h"
#include "cmds.h"

int cli_setup_needs(unsigned needs)
{
	(void)needs;
	return CK_OK;
}

void cli_teardown(void)
{
}
