/* SPDX-License-Identifier: Apache-2.0 */
/* The Lease operations of leader election (ck/ctl_leader.h) on the kube client. */
#ifndef CK_CTL_LEASE_H
#define CK_CTL_LEASE_H

#include "ck/kube.h"
#include "ck/ctl_leader.h"

struct ck_ctl_kube_lease {
	struct ck_kube_conn *conn; /* used by the elector's thread only */
	const char *ns;
	const char *name;
};

/* Fill ops to act on coordination.k8s.io/v1 Lease ns/name through kl->conn. */
void ck_ctl_kube_lease_ops(struct ck_ctl_lease_ops *ops, struct ck_ctl_kube_lease *kl);

#endif
