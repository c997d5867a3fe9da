/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cloak-controller: the in-cluster controller, a drop-in for the Sealed
 * Secrets controller. The only place in the controller that prints, exits
 * or maps errors to exit statuses.
 *
 * Threads: informers (list/watch), workers (reconcile, only while leading),
 * the leader elector, the HTTP servers, and this main loop, which handles
 * signals, key reloads and renewals, and periodic resyncs.
 */
#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "ck/alloc.h"
#include "ck/ctl_clock.h"
#include "ck/ctl_ext.h"
#include "ck/ctl_httpd.h"
#include "ck/ctl_informer.h"
#include "ck/ctl_keys.h"
#include "ck/kube.h"
#include "ck/ctl_lease.h"
#include "ck/ctl_leader.h"
#include "ck/ctl_metrics.h"
#include "ck/ctl_queue.h"
#include "ck/ctl_sealed.h"
#include "ck/ctl_sops.h"
#include "ck/err.h"
#include "ck/http.h"
#include "ck/log.h"
#include "ck/rand.h"
#include "ck/secret.h"
#include "ck/version.h"

/* ------------------------------------------------------------------ flags */

enum ftype { F_BOOL, F_STR, F_DUR, F_INT, F_NUM };

struct flag {
	const char *name;
	enum ftype type;
	void *ptr;
	const char *help;
};

static struct {
	int help, version;
	char *kubeconfig, *context, *listen, *listen_metrics;
	char *key_prefix, *my_cn, *cutoff, *order, *pk_labels, *pk_annos;
	int64_t key_ttl_ms, renew_ms, rotate_ms;
	int key_size;
	int update_status, accept_v1, skip_recreate, max_retries;
	int all_ns;
	char *additional_ns, *label_selector;
	double qps;
	int burst;
	char *log_level, *log_format;
	int log_info_stdout;
	int leader_elect;
	int64_t lease_ms, renew_deadline_ms, retry_ms;
	char *lease_name, *namespace;
	int workers;
	int64_t resync_ms;
	int watch_min_s, watch_max_s;
	double verify_rate;
	int verify_burst;
	int external, sops;
	char *controller_class, *sops_keys;
	double rc_qps;
	int rc_burst;
} opt;

static struct flag flags[] = {
	{ "kubeconfig", F_STR, &opt.kubeconfig, "Path to a kubeconfig (out of cluster)" },
	{ "context", F_STR, &opt.context, "Kubeconfig context to use" },
	{ "listen-addr", F_STR, &opt.listen, "HTTP address for the API and probes (:8080)" },
	{ "listen-metrics-addr", F_STR, &opt.listen_metrics, "HTTP address for /metrics (:8081)" },
	{ "key-prefix", F_STR, &opt.key_prefix, "Prefix of the key Secrets (sealed-secrets-key)" },
	{ "key-size", F_INT, &opt.key_size, "Size of new RSA keys in bits (4096)" },
	{ "key-ttl", F_DUR, &opt.key_ttl_ms, "Validity of new certificates (87600h)" },
	{ "my-cn", F_STR, &opt.my_cn, "Common name of new certificates (empty)" },
	{ "key-renew-period", F_DUR, &opt.renew_ms, "New key every this long; 0 disables (720h)" },
	{ "rotate-period", F_DUR, &opt.rotate_ms, "Deprecated alias of --key-renew-period" },
	{ "key-cutoff-time", F_STR, &opt.cutoff, "New key at start if the newest is older (RFC1123Z)" },
	{ "key-order-priority", F_STR, &opt.order,
	  "CertNotBefore or SecretCreationTimestamp (CertNotBefore)" },
	{ "privatekey-labels", F_STR, &opt.pk_labels, "Extra labels of key Secrets (k=v,k=v)" },
	{ "privatekey-annotations", F_STR, &opt.pk_annos, "Annotations of key Secrets (k=v,k=v)" },
	{ "update-status", F_BOOL, &opt.update_status, "Write SealedSecret status (true)" },
	{ "accept-deprecated-v1-data", F_BOOL, &opt.accept_v1, "Accept spec.data (true)" },
	{ "skip-recreate", F_BOOL, &opt.skip_recreate, "Do not recreate deleted Secrets (false)" },
	{ "max-unseal-retries", F_INT, &opt.max_retries, "Retries of a failing SealedSecret (5)" },
	{ "all-namespaces", F_BOOL, &opt.all_ns, "Watch every namespace (true)" },
	{ "additional-namespaces", F_STR, &opt.additional_ns,
	  "With --all-namespaces=false: more namespaces to watch (a,b)" },
	{ "label-selector", F_STR, &opt.label_selector, "Only SealedSecrets matching this" },
	{ "kubeclient-qps", F_NUM, &opt.qps, "API requests per second (5)" },
	{ "kubeclient-burst", F_INT, &opt.burst, "API request burst (10)" },
	{ "log-level", F_STR, &opt.log_level, "error, warn, info or debug (info)" },
	{ "log-format", F_STR, &opt.log_format, "text or json (text)" },
	{ "log-info-stdout", F_BOOL, &opt.log_info_stdout, "Accepted for compatibility" },
	{ "leader-elect", F_BOOL, &opt.leader_elect, "Elect a leader through a Lease (false)" },
	{ "leader-elect-lease-duration", F_DUR, &opt.lease_ms, "Lease duration (15s)" },
	{ "leader-elect-renew-deadline", F_DUR, &opt.renew_deadline_ms, "Renew deadline (10s)" },
	{ "leader-elect-retry-period", F_DUR, &opt.retry_ms, "Retry period (2s)" },
	{ "leader-elect-id", F_STR, &opt.lease_name, "Name of the Lease (cloak-controller)" },
	{ "namespace", F_STR, &opt.namespace,
	  "The controller's namespace (POD_NAMESPACE, the service account's, or default)" },
	{ "workers", F_INT, &opt.workers, "Reconcile workers (two per CPU)" },
	{ "resync-period", F_DUR, &opt.resync_ms, "Full resync period; 0 disables (10h)" },
	{ "watch-min-seconds", F_INT, &opt.watch_min_s, "Shortest watch timeout (300)" },
	{ "watch-max-seconds", F_INT, &opt.watch_max_s, "Longest watch timeout (600)" },
	{ "rate-limit", F_NUM, &opt.verify_rate, "/v1/verify requests per second and client (2)" },
	{ "rate-limit-burst", F_INT, &opt.verify_burst, "/v1/verify burst (2)" },
	{ "external-secrets", F_BOOL, &opt.external,
	  "Sync ExternalSecrets when the cluster serves external-secrets.io (true)" },
	{ "controller-class", F_STR, &opt.controller_class,
	  "Stores whose spec.controller names this class are ours (default)" },
	{ "sops-secrets", F_BOOL, &opt.sops, "Decrypt SopsSecrets (cloak.dev) (true)" },
	{ "sops-keys-secret", F_STR, &opt.sops_keys,
	  "Secret in the controller's namespace with the SOPS keys (sops-keys)" },
	{ "reconciler-qps", F_NUM, &opt.rc_qps,
	  "API requests per second of the ExternalSecret/SopsSecret reconcilers (50, as ESO)" },
	{ "reconciler-burst", F_INT, &opt.rc_burst, "Their request burst (100)" },
	{ "version", F_BOOL, &opt.version, "Print the version" },
	{ "help", F_BOOL, &opt.help, "Print this help" },
};
#define NFLAGS (sizeof(flags) / sizeof(flags[0]))

static void usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: cloak-controller [OPTIONS]\n\n"
	           "Unseals SealedSecrets (bitnami.com/v1alpha1) into Secrets; a drop-in for the\n"
	           "Sealed Secrets controller. Also syncs ExternalSecrets (external-secrets.io,\n"
	           "Vault and AWS Secrets Manager) and decrypts SopsSecrets (cloak.dev) where the\n"
	           "cluster serves them. Every option can also be set as an environment\n"
	           "variable SEALED_SECRETS_<OPTION> (upper case, '-' as '_').\n\noptions:\n");
	for (i = 0; i < NFLAGS; i++)
		fprintf(f, "  --%-30s %s\n", flags[i].name, flags[i].help);
}

static int set_flag(const struct flag *fl, const char *v, const char *from)
{
	switch (fl->type) {
	case F_BOOL:
		if (v == NULL || strcasecmp(v, "true") == 0 || strcmp(v, "1") == 0)
			*(int *)fl->ptr = 1;
		else if (strcasecmp(v, "false") == 0 || strcmp(v, "0") == 0)
			*(int *)fl->ptr = 0;
		else
			return ck_err_set(CK_EUSAGE, "%s: --%s takes true or false, not '%s'", from,
			                  fl->name, v);
		return CK_OK;
	case F_STR:
		if (v == NULL)
			return ck_err_set(CK_EUSAGE, "%s: --%s needs a value", from, fl->name);
		*(char **)fl->ptr = (char *)v;
		return CK_OK;
	case F_DUR:
		if (v == NULL || ck_ctl_duration_parse((int64_t *)fl->ptr, v) < 0)
			return ck_err_set(CK_EUSAGE, "%s: --%s takes a duration like 720h or 30s", from,
			                  fl->name);
		return CK_OK;
	case F_INT: {
		char *end;
		long n;

		if (v == NULL)
			return ck_err_set(CK_EUSAGE, "%s: --%s needs a number", from, fl->name);
		n = strtol(v, &end, 10);
		if (*v == '\0' || *end != '\0' || n < 0 || n > 1000000)
			return ck_err_set(CK_EUSAGE, "%s: --%s takes a number, not '%s'", from,
			                  fl->name, v);
		*(int *)fl->ptr = (int)n;
		return CK_OK;
	}
	case F_NUM: {
		char *end;
		double n;

		if (v == NULL)
			return ck_err_set(CK_EUSAGE, "%s: --%s needs a number", from, fl->name);
		n = strtod(v, &end);
		if (*v == '\0' || *end != '\0' || n < 0)
			return ck_err_set(CK_EUSAGE, "%s: --%s takes a number, not '%s'", from,
			                  fl->name, v);
		*(double *)fl->ptr = n;
		return CK_OK;
	}
	}
	return CK_EINTERNAL;
}

static int parse_flags(int argc, char **argv)
{
	static char envbuf[NFLAGS][128];
	size_t i;
	int a, rc;

	/* Defaults (the Bitnami controller's). */
	opt.listen = ":8080";
	opt.listen_metrics = ":8081";
	opt.key_prefix = "sealed-secrets-key";
	opt.key_size = 4096;
	opt.key_ttl_ms = 87600LL * 3600 * 1000;
	opt.renew_ms = 720LL * 3600 * 1000;
	opt.rotate_ms = -1;
	opt.my_cn = "";
	opt.order = "CertNotBefore";
	opt.update_status = 1;
	opt.accept_v1 = 1;
	opt.max_retries = 5;
	opt.all_ns = 1;
	opt.qps = 5;
	opt.burst = 10;
	opt.log_level = "info";
	opt.log_format = "text";
	opt.lease_ms = 15000;
	opt.renew_deadline_ms = 10000;
	opt.retry_ms = 2000;
	opt.lease_name = "cloak-controller";
	opt.resync_ms = 10LL * 3600 * 1000;
	opt.verify_rate = 2;
	opt.verify_burst = 2;
	opt.external = 1;
	opt.sops = 1;
	opt.controller_class = "default";
	opt.sops_keys = "sops-keys";
	opt.rc_qps = 50;
	opt.rc_burst = 100;
	/* Environment: SEALED_SECRETS_<FLAG>. */
	for (i = 0; i < NFLAGS; i++) {
		char *p = envbuf[i];
		const char *v;

		snprintf(envbuf[i], sizeof(envbuf[i]), "SEALED_SECRETS_%s", flags[i].name);
		for (; *p; p++)
			*p = *p == '-' ? '_' : (char)toupper((unsigned char)*p);
		v = getenv(envbuf[i]);
		if (v != NULL && (rc = set_flag(&flags[i], v, envbuf[i])) < 0)
			return rc;
	}
	for (a = 1; a < argc; a++) {
		const char *arg = argv[a], *eq, *v = NULL;
		size_t n;

		if (strncmp(arg, "--", 2) != 0 && !(arg[0] == '-' && arg[1] == 'h' && !arg[2]))
			return ck_err_set(CK_EUSAGE, "unexpected argument '%s'", arg);
		if (arg[1] == 'h' && !arg[2]) {
			opt.help = 1;
			continue;
		}
		arg += 2;
		eq = strchr(arg, '=');
		n = eq ? (size_t)(eq - arg) : strlen(arg);
		for (i = 0; i < NFLAGS; i++)
			if (strlen(flags[i].name) == n && strncmp(flags[i].name, arg, n) == 0)
				break;
		if (i == NFLAGS)
			return ck_err_set(CK_EUSAGE, "unknown option '--%.*s' (see --help)", (int)n, arg);
		if (eq != NULL)
			v = eq + 1;
		else if (flags[i].type != F_BOOL && a + 1 < argc)
			v = argv[++a];
		if ((rc = set_flag(&flags[i], v, "flag")) < 0)
			return rc;
	}
	if (opt.rotate_ms >= 0)
		opt.renew_ms = opt.rotate_ms;
	return CK_OK;
}

/* --------------------------------------------------------------- runtime */

static volatile sig_atomic_t sig_stop, sig_usr1, sig_hup;

static void on_signal(int sig)
{
	if (sig == SIGUSR1)
		sig_usr1 = 1;
	else if (sig == SIGHUP)
		sig_hup = 1;
	else
		sig_stop = 1;
}

struct ctl {
	struct ck_kube *kube;
	struct ck_kube *rc_kube;   /* the reconcilers' own client (its own rate limit) */
	struct ck_kube_conn *conn; /* main loop's connection */
	struct ck_ctl_metrics *metrics;
	struct ck_ctl_keys *keys;
	struct ck_ctl_sealed *sealed;
	struct ck_ctl_ext *ext;          /* NULL: ExternalSecrets off */
	struct ck_ctl_sops *sops;        /* NULL: SopsSecrets off */
	struct ck_ctl_informer *key_inf;
	struct ck_ctl_leader *leader;
	char ns[254];
	char identity[256];
	atomic_int keys_dirty;
	atomic_int leading;
	atomic_int lost;
	/* /v1/verify rate limit per client */
	pthread_mutex_t rl_lock;
	struct {
		char key[300];
		double tokens;
		int64_t at;
	} buckets[64];
};

static void key_changed(void *arg, enum ck_ctl_change what, const char *key, const void *o,
                        const void *n)
{
	struct ctl *c = arg;

	(void)key;
	(void)o;
	(void)n;
	if (what != CK_CTL_RESYNC)
		atomic_store(&c->keys_dirty, 1);
}

/* Token bucket per (path, X-Forwarded-For), as upstream's rate limiter. */
static int verify_allowed(struct ctl *c, const char *client)
{
	int64_t now = ck_ctl_now_ms();
	size_t i, slot = 0, oldest = 0;
	int ok;

	pthread_mutex_lock(&c->rl_lock);
	for (i = 0; i < 64; i++) {
		if (strcmp(c->buckets[i].key, client) == 0 && c->buckets[i].at) {
			slot = i;
			break;
		}
		if (c->buckets[i].at < c->buckets[oldest].at)
			oldest = i;
	}
	if (i == 64) {
		slot = oldest;
		snprintf(c->buckets[slot].key, sizeof(c->buckets[slot].key), "%s", client);
		c->buckets[slot].tokens = opt.verify_burst;
		c->buckets[slot].at = now;
	}
	c->buckets[slot].tokens += (double)(now - c->buckets[slot].at) * opt.verify_rate / 1000.0;
	if (c->buckets[slot].tokens > opt.verify_burst)
		c->buckets[slot].tokens = opt.verify_burst;
	c->buckets[slot].at = now ? now : 1;
	ok = c->buckets[slot].tokens >= 1;
	if (ok)
		c->buckets[slot].tokens -= 1;
	pthread_mutex_unlock(&c->rl_lock);
	return ok;
}

/* Replies are best effort: a body that cannot be written is left empty. */
static void reply(struct ck_ctl_http_resp *resp, const char *text)
{
	if (ck_buf_puts(&resp->body, text) < 0)
		ck_buf_reset(&resp->body);
}

static int healthy(struct ctl *c)
{
	if (atomic_load(&c->lost))
		return 0;
	return c->leader == NULL || ck_ctl_leader_healthy(c->leader, ck_ctl_now_ms(), 20000);
}

static void handle(void *arg, const struct ck_ctl_http_req *req, struct ck_ctl_http_resp *resp)
{
	struct ctl *c = arg;
	int get = strcmp(req->method, "GET") == 0, post = strcmp(req->method, "POST") == 0;

	if (get && strcmp(req->path, "/healthz") == 0) {
		if (healthy(c)) {
			reply(resp, "ok\n");
		} else {
			resp->status = 500;
			reply(resp, "leader election lease not renewed\n");
		}
	} else if (get && strcmp(req->path, "/readyz") == 0) {
		if (ck_ctl_sealed_synced(c->sealed) && ck_ctl_keys_count(c->keys) > 0 &&
		    (c->ext == NULL || ck_ctl_ext_synced(c->ext)) &&
		    (c->sops == NULL || ck_ctl_sops_synced(c->sops))) {
			reply(resp, "ok\n");
		} else {
			resp->status = 500;
			reply(resp, ck_ctl_keys_count(c->keys) == 0 ?
			                  "no sealing key loaded\n" : "caches not synced\n");
		}
	} else if (get && strcmp(req->path, "/metrics") == 0) {
		resp->content_type = "text/plain; version=0.0.4; charset=utf-8";
		if (ck_ctl_metrics_format(&resp->body, c->metrics) < 0)
			resp->status = 500;
	} else if (get && strcmp(req->path, "/v1/cert.pem") == 0) {
		if (ck_ctl_keys_cert_pem(c->keys, &resp->body) == CK_OK) {
			resp->content_type = "application/x-pem-file";
		} else {
			resp->status = 500;
			ck_buf_reset(&resp->body);
			reply(resp, "cannot get certificate\n");
		}
	} else if (post && strcmp(req->path, "/v1/verify") == 0) {
		char client[300];

		snprintf(client, sizeof(client), "%s|%s", req->path,
		         req->forwarded_for[0] ? req->forwarded_for : req->remote);
		if (!verify_allowed(c, client)) {
			resp->status = 429;
			reply(resp, "Too Many Requests\n");
			return;
		}
		if (ck_ctl_sealed_verify(c->keys, req->body, req->body_len, &resp->status,
		                         &resp->body) < 0)
			resp->status = 500;
	} else if (post && strcmp(req->path, "/v1/rotate") == 0) {
		resp->content_type = "application/json";
		if (ck_ctl_sealed_rotate(c->keys, req->body, req->body_len, &resp->status,
		                         &resp->body) < 0)
			resp->status = 500;
		if (resp->status != 200)
			resp->content_type = NULL;
	} else {
		resp->status = 404;
		reply(resp, "404 page not found\n");
	}
}

static void *elect(void *p)
{
	struct ctl *c = p;
	struct ck_kube_conn *conn = NULL;
	struct ck_ctl_kube_lease kl;
	struct ck_ctl_lease_ops ops;
	int64_t next = 0;

	while (!sig_stop && ck_kube_conn_new(&conn, c->kube) < 0)
		ck_ctl_sleep_ms(1000);
	if (conn == NULL)
		return NULL;
	kl.conn = conn;
	kl.ns = c->ns;
	kl.name = opt.lease_name;
	ck_ctl_kube_lease_ops(&ops, &kl);
	/* The elector's ops are bound to this thread's connection. */
	ck_ctl_leader_set_ops(c->leader, &ops);
	while (!sig_stop) {
		int64_t now = ck_ctl_now_ms();
		enum ck_ctl_leader_state st;

		if (now < next) {
			ck_ctl_sleep_ms(next - now < 100 ? next - now : 100);
			continue;
		}
		st = ck_ctl_leader_step(c->leader, now, ck_ctl_wall_us(), &next);
		ck_ctl_metrics_set(c->metrics, "leader_election_master_status",
		                   st == CK_CTL_LEADER ? 1 : 0, "name", opt.lease_name, NULL);
		if (st == CK_CTL_LEADER)
			atomic_store(&c->leading, 1);
		if (st == CK_CTL_LOST) {
			atomic_store(&c->leading, 0);
			atomic_store(&c->lost, 1);
			break;
		}
	}
	if (sig_stop && ck_ctl_leader_state(c->leader) == CK_CTL_LEADER &&
	    ck_ctl_leader_release(c->leader, ck_ctl_wall_us()) == CK_OK)
		ck_log_info("controller: released the lease");
	ck_kube_conn_free(conn);
	return NULL;
}

static void build_info(struct ck_ctl_metrics *m)
{
	if (ck_ctl_metrics_define(m, CK_CTL_METRIC_PREFIX "build_info", CK_CTL_GAUGE,
	                          "Build information.", NULL, 0) == CK_OK)
		ck_ctl_metrics_set(m, CK_CTL_METRIC_PREFIX "build_info", 1, "revision", CK_VERSION,
		                   NULL);
	if (ck_ctl_metrics_define(m, "leader_election_master_status", CK_CTL_GAUGE,
	                          "Gauge of if the reporting system is master of the relevant "
	                          "lease, 0 indicates backup, 1 indicates master.", NULL, 0) ==
	    CK_OK)
		ck_ctl_metrics_set(m, "leader_election_master_status", 0, "name", "cloak-controller",
		                   NULL);
}

static int read_namespace(char *out, size_t n, const struct ck_kube *kube)
{
	const char *ns = opt.namespace;

	if (ns == NULL || !*ns)
		ns = getenv("POD_NAMESPACE");
	if ((ns == NULL || !*ns) && strcmp(ck_kube_config(kube)->source, "in-cluster") == 0)
		ns = ck_kube_namespace(kube);
	if (ns == NULL || !*ns)
		ns = "default";
	snprintf(out, n, "%s", ns);
	return CK_OK;
}

/* Leader duties once: make sure a key exists (and is not past the cut-off). */
static void lead_keys(struct ctl *c)
{
	int gen = 0;

	if (ck_ctl_keys_ensure(c->keys, c->conn, &gen) < 0)
		ck_log_error("controller: %s", ck_err_last()->msg);
}

int main(int argc, char **argv)
{
	struct ctl c;
	struct ck_kube_config *cfg = NULL;
	struct ck_kube_opts ko;
	struct ck_ctl_keys_opts kopts;
	struct ck_ctl_sealed_opts sopts;
	struct ck_ctl_informer_opts io;
	struct ck_ctl_httpd *http = NULL, *mhttp = NULL;
	struct ck_buf path = CK_BUF_INIT, lsel = CK_BUF_INIT;
	char **nslist = NULL, *nscopy = NULL, hostname[128];
	pthread_t elector;
	int started_elector = 0, workers = 0, rc = CK_EINTERNAL;
	int64_t next_resync, next_keycheck = 0;
	uint8_t rnd[8];
	size_t i;

	memset(&c, 0, sizeof(c));
	pthread_mutex_init(&c.rl_lock, NULL);
	if ((rc = parse_flags(argc, argv)) < 0)
		goto out;
	if (opt.help) {
		usage(stdout);
		return fflush(stdout) == 0 ? 0 : 1;
	}
	if (opt.version) {
		printf("cloak-controller version %s\n", CK_VERSION);
		return fflush(stdout) == 0 ? 0 : 1;
	}
	(void)ck_process_harden();
	if ((rc = ck_core_init()) < 0 || (rc = ck_net_init()) < 0)
		goto out;
	ck_log_set_json(strcmp(opt.log_format, "json") == 0);
	if (strcmp(opt.log_level, "debug") == 0)
		ck_log_set_level(CK_LOG_DEBUG);
	else if (strcmp(opt.log_level, "warn") == 0 || strcmp(opt.log_level, "warning") == 0)
		ck_log_set_level(CK_LOG_WARN);
	else if (strcmp(opt.log_level, "error") == 0)
		ck_log_set_level(CK_LOG_ERROR);
	signal(SIGPIPE, SIG_IGN);
	{
		struct sigaction sa;

		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_signal;
		sigaction(SIGTERM, &sa, NULL);
		sigaction(SIGINT, &sa, NULL);
		sigaction(SIGUSR1, &sa, NULL);
		sigaction(SIGHUP, &sa, NULL);
	}

	if ((rc = ck_kube_config_load(&cfg, opt.kubeconfig, opt.context)) < 0)
		goto out;
	ck_log_info("cloak-controller %s starting; API server %s (%s)", CK_VERSION, cfg->server,
	            cfg->source);
	c.metrics = ck_ctl_metrics_new();
	if (c.metrics == NULL) {
		rc = CK_ENOMEM;
		goto out;
	}
	build_info(c.metrics);
	memset(&ko, 0, sizeof(ko));
	ko.qps = opt.qps > 0 ? opt.qps : -1;
	ko.burst = opt.burst;
	ko.user_agent = "cloak-controller/" CK_VERSION;
	if ((rc = ck_ctl_kube_hooks(&ko, c.metrics)) < 0)
		goto out;
	rc = ck_kube_new(&c.kube, cfg, &ko);
	cfg = NULL; /* transferred */
	if (rc < 0)
		goto out;
	read_namespace(c.ns, sizeof(c.ns), c.kube);
	if (gethostname(hostname, sizeof(hostname)) != 0)
		snprintf(hostname, sizeof(hostname), "cloak-controller");
	hostname[sizeof(hostname) - 1] = '\0';
	ck_random(rnd, sizeof(rnd));
	snprintf(c.identity, sizeof(c.identity), "%s_%02x%02x%02x%02x%02x%02x%02x%02x",
	         getenv("POD_NAME") ? getenv("POD_NAME") : hostname, rnd[0], rnd[1], rnd[2], rnd[3],
	         rnd[4], rnd[5], rnd[6], rnd[7]);
	if ((rc = ck_kube_conn_new(&c.conn, c.kube)) < 0)
		goto out;

	/* Keys. */
	memset(&kopts, 0, sizeof(kopts));
	kopts.ns = c.ns;
	kopts.prefix = opt.key_prefix;
	kopts.bits = (unsigned)opt.key_size;
	kopts.ttl_days = (unsigned)(opt.key_ttl_ms / (24LL * 3600 * 1000));
	kopts.cn = opt.my_cn;
	if (strcmp(opt.order, "SecretCreationTimestamp") == 0) {
		kopts.order_by_creation = 1;
	} else if (strcmp(opt.order, "CertNotBefore") != 0) {
		rc = ck_err_set(CK_EUSAGE, "--key-order-priority: CertNotBefore or "
		                "SecretCreationTimestamp, not '%s'", opt.order);
		goto out;
	}
	kopts.labels = opt.pk_labels;
	kopts.annotations = opt.pk_annos;
	kopts.renew_ms = opt.renew_ms;
	if (opt.cutoff != NULL && *opt.cutoff &&
	    (rc = ck_ctl_time_parse_rfc1123z(&kopts.cutoff_us, opt.cutoff)) < 0) {
		ck_err_context("--key-cutoff-time");
		goto out;
	}
	if ((rc = ck_ctl_keys_new(&c.keys, &kopts)) < 0)
		goto out;
	for (i = 0; !sig_stop; i++) {
		if (ck_ctl_keys_load(c.keys, c.conn) == CK_OK)
			break;
		ck_log_error("controller: cannot read the key Secrets: %s", ck_err_last()->msg);
		ck_ctl_sleep_ms(i < 5 ? 1000 : 5000);
	}

	/* Watch the key Secrets so new, restored or retired keys apply without a restart. */
	if ((rc = ck_buf_printf(&path, "/api/v1/namespaces/%s/secrets", c.ns)) < 0 ||
	    (rc = ck_buf_puts(&lsel, CK_CTL_KEY_LABEL)) < 0)
		goto out;
	memset(&io, 0, sizeof(io));
	io.name = "key-secrets";
	io.path = ck_buf_cstr(&path);
	io.label_selector = ck_buf_cstr(&lsel);
	io.flags = CK_KUBE_METADATA;
	io.watch_min_s = opt.watch_min_s;
	io.watch_max_s = opt.watch_max_s;
	io.on_change = key_changed;
	io.arg = &c;
	if ((rc = ck_ctl_informer_new(&c.key_inf, c.kube, &io)) < 0 ||
	    (rc = ck_ctl_informer_start(c.key_inf)) < 0)
		goto out;

	/* The reconciler: informers now, workers when leading. */
	memset(&sopts, 0, sizeof(sopts));
	sopts.instance = c.identity;
	sopts.update_status = opt.update_status;
	sopts.accept_v1_data = opt.accept_v1;
	sopts.skip_recreate = opt.skip_recreate;
	sopts.max_retries = opt.max_retries;
	sopts.workers = opt.workers;
	sopts.label_selector = opt.label_selector;
	sopts.watch_min_s = opt.watch_min_s;
	sopts.watch_max_s = opt.watch_max_s;
	if (!opt.all_ns) {
		char *save = NULL, *tok;
		size_t n = 2;

		nscopy = ck_strdup(opt.additional_ns ? opt.additional_ns : "");
		for (i = 0; nscopy && nscopy[i]; i++)
			n += nscopy[i] == ',';
		nslist = ck_calloc(n + 1, sizeof(char *));
		if (nscopy == NULL || nslist == NULL) {
			rc = ck_err_set(CK_ENOMEM, "controller: out of memory");
			goto out;
		}
		n = 0;
		nslist[n++] = c.ns;
		for (tok = strtok_r(nscopy, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
			if (*tok && strcmp(tok, c.ns) != 0)
				nslist[n++] = tok;
		sopts.namespaces = (const char *const *)nslist;
	}
	if ((rc = ck_ctl_sealed_new(&c.sealed, c.kube, c.keys, c.metrics, &sopts)) < 0 ||
	    (rc = ck_ctl_sealed_start_informers(c.sealed)) < 0)
		goto out;
	/* ExternalSecrets and SopsSecrets: only where the cluster serves their kinds */
	if (opt.external || opt.sops) {
		struct ck_kube_config *rcfg = NULL;

		memset(&ko, 0, sizeof(ko));
		ko.qps = opt.rc_qps > 0 ? opt.rc_qps : -1;
		ko.burst = opt.rc_burst;
		ko.user_agent = "cloak-controller/" CK_VERSION;
		if ((rc = ck_ctl_kube_hooks(&ko, c.metrics)) < 0 ||
		    (rc = ck_kube_config_load(&rcfg, opt.kubeconfig, opt.context)) < 0 ||
		    (rc = ck_kube_new(&c.rc_kube, rcfg, &ko)) < 0)
			goto out;
	}
	if (opt.external) {
		struct ck_ctl_ext_opts eo;

		memset(&eo, 0, sizeof(eo));
		eo.instance = c.identity;
		eo.controller_class = opt.controller_class;
		eo.namespaces = sopts.namespaces;
		eo.vault_max_retries = -1;
		eo.watch_min_s = opt.watch_min_s;
		eo.watch_max_s = opt.watch_max_s;
		if ((rc = ck_ctl_ext_new(&c.ext, c.rc_kube, c.metrics, &eo)) == CK_OK)
			rc = ck_ctl_ext_start_informers(c.ext);
		if (rc == CK_ENOTFOUND) {
			ck_log_info("controller: ExternalSecrets off: %s", ck_err_last()->msg);
			ck_ctl_ext_free(c.ext);
			c.ext = NULL;
		} else if (rc < 0) {
			goto out;
		}
	}
	if (opt.sops) {
		struct ck_ctl_sops_opts so;

		memset(&so, 0, sizeof(so));
		so.instance = c.identity;
		so.ns = c.ns;
		so.keys_secret = opt.sops_keys;
		so.namespaces = sopts.namespaces;
		so.watch_min_s = opt.watch_min_s;
		so.watch_max_s = opt.watch_max_s;
		if ((rc = ck_ctl_sops_new(&c.sops, c.rc_kube, c.metrics, &so)) == CK_OK)
			rc = ck_ctl_sops_start_informers(c.sops);
		if (rc == CK_ENOTFOUND) {
			ck_log_info("controller: SopsSecrets off: %s", ck_err_last()->msg);
			ck_ctl_sops_free(c.sops);
			c.sops = NULL;
		} else if (rc < 0) {
			goto out;
		}
	}

	/* HTTP. */
	if ((rc = ck_ctl_httpd_new(&http, opt.listen, handle, &c, c.metrics,
	                           CK_CTL_METRIC_PREFIX)) < 0 ||
	    (rc = ck_ctl_httpd_start(http)) < 0)
		goto out;
	if (opt.listen_metrics && *opt.listen_metrics &&
	    strcmp(opt.listen_metrics, opt.listen) != 0 &&
	    ((rc = ck_ctl_httpd_new(&mhttp, opt.listen_metrics, handle, &c, NULL, NULL)) < 0 ||
	     (rc = ck_ctl_httpd_start(mhttp)) < 0))
		goto out;
	ck_log_info("controller: HTTP on %s (port %d), metrics on %s; namespace %s; identity %s",
	            opt.listen, ck_ctl_httpd_port(http), opt.listen_metrics, c.ns, c.identity);

	/* Leadership. */
	if (opt.leader_elect) {
		struct ck_ctl_leader_opts lo = { c.identity, opt.lease_ms, opt.renew_deadline_ms,
		                                 opt.retry_ms };
		struct ck_ctl_lease_ops none = { NULL, NULL, NULL, NULL };

		if ((rc = ck_ctl_leader_new(&c.leader, &lo, &none)) < 0)
			goto out;
		if (pthread_create(&elector, NULL, elect, &c) != 0) {
			rc = ck_err_set(CK_EINTERNAL, "controller: cannot start the elector");
			goto out;
		}
		started_elector = 1;
	} else {
		atomic_store(&c.leading, 1);
	}

	next_resync = opt.resync_ms > 0 ? ck_ctl_now_ms() + opt.resync_ms : -1;
	while (!sig_stop) {
		int64_t now = ck_ctl_now_ms();

		if (atomic_load(&c.lost)) {
			rc = ck_err_set(CK_ENET, "controller: lost the leader election lease");
			goto out;
		}
		if (atomic_load(&c.leading) && !workers) {
			ck_log_info("controller: leading: starting the workers");
			lead_keys(&c);
			if ((rc = ck_ctl_sealed_start_workers(c.sealed)) < 0 ||
			    (c.ext != NULL && (rc = ck_ctl_ext_start_workers(c.ext)) < 0) ||
			    (c.sops != NULL && (rc = ck_ctl_sops_start_workers(c.sops)) < 0))
				goto out;
			workers = 1;
		}
		if (atomic_exchange(&c.keys_dirty, 0)) {
			if (ck_ctl_keys_load(c.keys, c.conn) < 0) {
				ck_log_warn("controller: key reload: %s", ck_err_last()->msg);
				atomic_store(&c.keys_dirty, 1);
			} else if (workers) {
				/* New keys may open what failed before. */
				ck_ctl_sealed_resync(c.sealed);
			}
		}
		if (sig_usr1) {
			sig_usr1 = 0;
			if (workers && ck_ctl_keys_generate(c.keys, c.conn) < 0)
				ck_log_error("controller: %s", ck_err_last()->msg);
		}
		if (workers && now >= next_keycheck) {
			int64_t due = ck_ctl_keys_next_renewal_us(c.keys);

			next_keycheck = now + 1000;
			if (ck_ctl_keys_count(c.keys) == 0 || (due >= 0 && ck_ctl_wall_us() >= due)) {
				if (ck_ctl_keys_count(c.keys) > 0)
					ck_log_info("controller: key renewal period elapsed");
				if (ck_ctl_keys_generate(c.keys, c.conn) < 0) {
					ck_log_error("controller: %s", ck_err_last()->msg);
					next_keycheck = now + 10000;
				}
			}
		}
		if ((next_resync >= 0 && now >= next_resync) || sig_hup) {
			/* Periodic, or SIGHUP: every SealedSecret once more (cheap when unchanged). */
			sig_hup = 0;
			if (next_resync >= 0)
				next_resync = now + opt.resync_ms;
			if (workers) {
				ck_ctl_sealed_resync(c.sealed);
				if (c.ext != NULL)
					ck_ctl_ext_resync(c.ext);
				if (c.sops != NULL)
					ck_ctl_sops_resync(c.sops);
			}
		}
		ck_ctl_sleep_ms(100);
	}
	ck_log_info("controller: shutting down");
	rc = CK_OK;
out:
	if (rc < 0)
		fprintf(stderr, "cloak-controller: %s\n", ck_err_last()->msg);
	sig_stop = 1;
	if (started_elector)
		pthread_join(elector, NULL);
	ck_ctl_httpd_free(http);
	ck_ctl_httpd_free(mhttp);
	ck_ctl_sealed_free(c.sealed);
	ck_ctl_ext_free(c.ext);
	ck_ctl_sops_free(c.sops);
	ck_ctl_informer_free(c.key_inf);
	ck_ctl_leader_free(c.leader);
	ck_ctl_keys_free(c.keys);
	ck_kube_conn_free(c.conn);
	ck_kube_free(c.rc_kube);
	ck_kube_free(c.kube);
	ck_kube_config_free(cfg);
	ck_ctl_metrics_free(c.metrics);
	ck_buf_dispose(&path);
	ck_buf_dispose(&lsel);
	ck_free(nslist);
	ck_free(nscopy);
	pthread_mutex_destroy(&c.rl_lock);
	ck_net_cleanup();
	return rc < 0 ? ck_err_exit_code(rc) : 0;
}
