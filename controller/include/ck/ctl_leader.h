/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Leader election on a coordination.k8s.io/v1 Lease, the client-go way
 * (tools/leaderelection): acquire by create or by an optimistic-concurrency
 * update once the current holder's lease has expired *by our own clock*
 * (time since we last saw the record change, never a comparison of
 * renewTime with our clock); renew every retry period; lose leadership when
 * no renewal succeeded within the renew deadline; release on clean shutdown.
 *
 * The elector is a step function driven by its caller with explicit times,
 * so tests run it on a synthetic clock. The Lease itself is reached through
 * struct ck_ctl_lease_ops (the kube client in production, a map in tests).
 * Thread-safe: one thread steps, others may ask is_leader/healthy.
 */
#ifndef CK_CTL_LEADER_H
#define CK_CTL_LEADER_H

#include <stdint.h>

#include "ck/err.h"

#define CK_CTL_LEASE_STR 256

/* The fields of a Lease the election uses (spec.* and metadata.resourceVersion). */
struct ck_ctl_lease {
	char holder[CK_CTL_LEASE_STR];     /* spec.holderIdentity; "" when released */
	int duration_s;                    /* spec.leaseDurationSeconds */
	char acquire_time[48];             /* spec.acquireTime (MicroTime) */
	char renew_time[48];               /* spec.renewTime (MicroTime) */
	int transitions;                   /* spec.leaseTransitions */
	char rv[64];                       /* metadata.resourceVersion */
};

struct ck_ctl_lease_ops {
	/* Read the Lease: CK_OK, CK_ENOTFOUND when absent, other codes on failure. */
	int (*get)(void *arg, struct ck_ctl_lease *out);
	/* Create it; fills in rv. CK_OK or a failure (AlreadyExists included). */
	int (*create)(void *arg, struct ck_ctl_lease *lease);
	/* Update it with lease->rv as precondition; fills in the new rv. */
	int (*update)(void *arg, struct ck_ctl_lease *lease);
	void *arg;
};

struct ck_ctl_leader_opts {
	const char *identity;  /* unique per process: "<hostname>_<uuid>" */
	int64_t lease_ms;      /* 0: 15000 */
	int64_t renew_ms;      /* 0: 10000 */
	int64_t retry_ms;      /* 0: 2000 */
};

enum ck_ctl_leader_state {
	CK_CTL_FOLLOWER = 0,
	CK_CTL_LEADER = 1,
	CK_CTL_LOST = 2,       /* was leader, renewal failed: stop all work (exit) */
};

struct ck_ctl_leader;

/* CK_EINVAL unless lease > renew > 1.2 * retry (client-go's check). */
int ck_ctl_leader_new(struct ck_ctl_leader **out, const struct ck_ctl_leader_opts *opts,
                      const struct ck_ctl_lease_ops *ops) CK_WUR;
void ck_ctl_leader_free(struct ck_ctl_leader *le);
/* Replace the Lease operations (bound to the stepping thread's connection). */
void ck_ctl_leader_set_ops(struct ck_ctl_leader *le, const struct ck_ctl_lease_ops *ops);

/*
 * One attempt to acquire or renew at monotonic time now_ms (wall_us gives the
 * MicroTime written into the Lease). Returns the state after it and sets
 * *next_ms to when the next step is due (retry period, jittered while
 * following).
 */
enum ck_ctl_leader_state ck_ctl_leader_step(struct ck_ctl_leader *le, int64_t now_ms,
                                            int64_t wall_us, int64_t *next_ms);

/*
 * Give the lease up if held: holderIdentity "", leaseDurationSeconds 1, so a
 * standby takes over in about a second. CK_OK when released or not held.
 */
int ck_ctl_leader_release(struct ck_ctl_leader *le, int64_t wall_us) CK_WUR;

enum ck_ctl_leader_state ck_ctl_leader_state(struct ck_ctl_leader *le);

/*
 * client-go's HealthzAdaptor: unhealthy (0) only when this process believes
 * it leads but has not renewed for lease + tolerance; otherwise 1.
 */
int ck_ctl_leader_healthy(struct ck_ctl_leader *le, int64_t now_ms, int64_t tolerance_ms);

/* The holder named by the last record seen ("" if none); for logs and tests. */
void ck_ctl_leader_holder(struct ck_ctl_leader *le, char *out, size_t n);

#endif
