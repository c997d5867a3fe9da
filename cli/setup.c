/* SPDX-License-Identifier: Apache-2.0 */
/* One-time library setup named by a command's `needs` (git's run_builtin). */
#include "ck/hook_git.h"
#include "ck/http.h"
#include "ck/sops_net.h"
#include "cli.h"
#include "cmds.h"

static unsigned done;

int cli_setup_needs(unsigned needs)
{
	int rc;

	if ((needs & CK_NEEDS_NET) && !(done & CK_NEEDS_NET)) {
		/*
		 * libcurl itself loads when the first HTTP client is made, so a
		 * command that ends up not using the network never pays for it.
		 */
		/* the sops key sources that need the network (Vault transit, AWS KMS) */
		ck_sops_net_register();
		done |= CK_NEEDS_NET;
	}
	if ((needs & CK_NEEDS_GIT) && !(done & CK_NEEDS_GIT)) {
		if ((rc = ck_hook_git_init()) < 0)
			return rc;
		done |= CK_NEEDS_GIT;
	}
	return CK_OK;
}

void cli_teardown(void)
{
	if (done & CK_NEEDS_NET)
		ck_net_cleanup();
	if (done & CK_NEEDS_GIT)
		ck_hook_git_shutdown();
	done &= ~(CK_NEEDS_NET | CK_NEEDS_GIT);
}
