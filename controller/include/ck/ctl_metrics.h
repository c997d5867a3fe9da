/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A small Prometheus registry: counters, gauges and histograms with labels,
 * written in the text exposition format 0.0.4. Thread-safe. Updates are best
 * effort: an update that cannot allocate is dropped (metrics never fail a
 * reconcile). Label values are escaped; they are object names and reasons,
 * never secret values.
 */
#ifndef CK_CTL_METRICS_H
#define CK_CTL_METRICS_H

#include <stddef.h>

#include "ck/buf.h"

enum ck_ctl_metric_type { CK_CTL_COUNTER, CK_CTL_GAUGE, CK_CTL_HISTOGRAM };

struct ck_ctl_metrics;

/* Prometheus DefBuckets (.005 ... 10 s). */
extern const double ck_ctl_default_buckets[];
extern const size_t ck_ctl_default_nbuckets;

struct ck_ctl_metrics *ck_ctl_metrics_new(void);
void ck_ctl_metrics_free(struct ck_ctl_metrics *m);

/*
 * Declare a family. Buckets (ascending upper bounds, without +Inf) are for
 * histograms; NULL means the default buckets. Defining a name twice keeps
 * the first definition. CK_ENOMEM.
 */
int ck_ctl_metrics_define(struct ck_ctl_metrics *m, const char *name,
                          enum ck_ctl_metric_type type, const char *help,
                          const double *buckets, size_t nbuckets) CK_WUR;

/*
 * Updates of the series with the given labels: a NULL-terminated list of
 * name, value pairs ("namespace", ns, "name", n, NULL). An undefined family
 * is ignored.
 */
void ck_ctl_metrics_add(struct ck_ctl_metrics *m, const char *name, double v, ...);
void ck_ctl_metrics_set(struct ck_ctl_metrics *m, const char *name, double v, ...);
void ck_ctl_metrics_observe(struct ck_ctl_metrics *m, const char *name, double v, ...);
/* Remove one series (e.g. condition_info of a deleted object). */
void ck_ctl_metrics_delete(struct ck_ctl_metrics *m, const char *name, ...);
/* Remove every series whose labels include all the given pairs. */
void ck_ctl_metrics_delete_matching(struct ck_ctl_metrics *m, const char *name, ...);

/*
 * The current value of a series: the counter or gauge value, or a
 * histogram's count; 0 when absent. For tests and health checks.
 */
double ck_ctl_metrics_value(struct ck_ctl_metrics *m, const char *name, ...);

/*
 * A callback run (without the registry lock) before every format, to set
 * gauges that are computed on demand. The registry keeps arg until
 * ck_ctl_metrics_collector_remove(): whoever frees arg removes it first.
 * CK_ENOMEM.
 */
int ck_ctl_metrics_collector(struct ck_ctl_metrics *m,
                             void (*fn)(void *arg, struct ck_ctl_metrics *m),
                             void *arg) CK_WUR;
/*
 * Forget the collector (fn, arg); on return no format is running it, so arg
 * may be freed. Not from inside a collector. A pair never added: no-op.
 * NULL-safe.
 */
void ck_ctl_metrics_collector_remove(struct ck_ctl_metrics *m,
                                     void (*fn)(void *arg, struct ck_ctl_metrics *m),
                                     void *arg);

/* Append the exposition text. CK_ENOMEM / CK_ETOOBIG. */
int ck_ctl_metrics_format(struct ck_buf *out, struct ck_ctl_metrics *m) CK_WUR;

/*
 * Point a Kubernetes client's hooks at the controller: its clock (tests move
 * it) and, when m is not NULL, rest_client_requests_total{code,method,host}
 * (defined here). Call before ck_kube_new(). CK_ENOMEM.
 */
struct ck_kube_opts;
int ck_ctl_kube_hooks(struct ck_kube_opts *o, struct ck_ctl_metrics *m) CK_WUR;

#endif
