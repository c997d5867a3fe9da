/* SPDX-License-Identifier: Apache-2.0 */
/*
 * End-to-end helpers: run the real cloak-controller binary against the fake
 * API server, apply manifests (YAML or JSON), read objects back, wait for
 * conditions. Header-only.
 */
#ifndef CK_TEST_CTL_H
#define CK_TEST_CTL_H

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fake.h"
#include "ck/ctl_clock.h"
#include "ck/kube.h"
#include "ck/alloc.h"
#include "ck/enc.h"
#include "ck/rsa.h"
#include "ck/seal.h"

struct ctl {
	pid_t pid;
	int port;
	int mport;
	int exit_status; /* wait status once ctl_running() saw it exit */
	char log[700];
};

/*
 * Deadlines are for conditions that must come true, so a long one costs
 * nothing when all is well; a short one only makes the test fail on a loaded
 * machine (2 cores, load 10). Every wait gets at least CKT_WAIT_MIN_MS
 * (CLOAK_TEST_WAIT_MS overrides it). Tests that check timing measure it
 * themselves.
 */
#define CKT_WAIT_MIN_MS 60000

static inline int64_t ckt_wait_ms(int64_t ms)
{
	const char *e = getenv("CLOAK_TEST_WAIT_MS");
	int64_t floor_ms = CKT_WAIT_MIN_MS;

	if (e != NULL && *e)
		floor_ms = strtoll(e, NULL, 10);
	return ms > floor_ms ? ms : floor_ms;
}

/* Wait for cond (re-evaluated every 50 ms), at least ckt_wait_ms(ms). */
#define WAIT_UNTIL(ms, cond)                                                      \
	do {                                                                      \
		int64_t start_ = ck_ctl_now_ms();                                 \
		int64_t end_ = start_ + ckt_wait_ms(ms);                          \
		int ok_;                                                          \
		while (!(ok_ = !!(cond)) && ck_ctl_now_ms() < end_)               \
			ck_ctl_sleep_ms(50);                                      \
		if (!ok_)                                                         \
			fail_msg("timed out after %lld ms waiting for: %s",       \
			         (long long)(ck_ctl_now_ms() - start_), #cond);   \
	} while (0)

/* Every controller started and not yet reaped, killed when the test exits. */
static pid_t ctl_children[16];

static void ctl_kill_children(void)
{
	size_t i;

	for (i = 0; i < sizeof(ctl_children) / sizeof(ctl_children[0]); i++) {
		if (ctl_children[i] > 0) {
			kill(ctl_children[i], SIGKILL);
			(void)waitpid(ctl_children[i], NULL, 0);
			ctl_children[i] = 0;
		}
	}
}

static void ctl_track(pid_t pid, int add)
{
	static int registered;
	size_t i;

	if (add && !registered) {
		registered = 1;
		atexit(ctl_kill_children);
	}
	for (i = 0; i < sizeof(ctl_children) / sizeof(ctl_children[0]); i++) {
		if (add ? ctl_children[i] == 0 : ctl_children[i] == pid) {
			ctl_children[i] = add ? pid : 0;
			return;
		}
	}
}

/*
 * A loopback port for the controller to listen on. Taken below the kernel's
 * ephemeral range when there is room: a port bind(0) hands out is free only
 * until the kernel gives it to someone else's connect() or bind(0) (other
 * tests run in parallel), which happened before the controller bound it.
 * Never the same port twice in one test process.
 */
static inline int free_port(void)
{
	static int given[64];
	static size_t ngiven;
	struct sockaddr_in sa;
	socklen_t sl = sizeof(sa);
	int lo = 32768, hi = 60999, attempt, port = 0;
	FILE *f = fopen("/proc/sys/net/ipv4/ip_local_port_range", "r");

	if (f != NULL) {
		if (fscanf(f, "%d %d", &lo, &hi) != 2)
			lo = 32768;
		fclose(f);
	}
	for (attempt = 0; attempt < 200 && port == 0; attempt++) {
		int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1, cand = 0;
		size_t i;

		assert_true(fd >= 0);
		/* 10000 .. lo-1 when that range is wide enough, else bind(0). */
		if (lo > 12000 && attempt < 150)
			cand = 10000 + (int)ck_random_uniform((uint32_t)(lo - 10000));
		(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		memset(&sa, 0, sizeof(sa));
		sa.sin_family = AF_INET;
		sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		sa.sin_port = htons((uint16_t)cand);
		if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 &&
		    getsockname(fd, (struct sockaddr *)&sa, &sl) == 0) {
			port = ntohs(sa.sin_port);
			for (i = 0; i < ngiven; i++)
				if (given[i] == port)
					port = 0;
		}
		close(fd);
	}
	assert_true(port > 0);
	if (ngiven < sizeof(given) / sizeof(given[0]))
		given[ngiven++] = port;
	return port;
}

static const char *ctl_binary(void)
{
	static char path[1024];
	const char *b = getenv("CLOAK_BUILD_DIR");

	if (b == NULL)
		ckt_skip_all("CLOAK_BUILD_DIR not set: cannot find cloak-controller");
	snprintf(path, sizeof(path), "%s/controller/cloak-controller", b);
	if (access(path, X_OK) != 0)
		ckt_skip_all("%s not built", path);
	return path;
}

/*
 * Start cloak-controller with the kubeconfig and extra arguments
 * (NULL-terminated); stderr goes to a log file in the test's tmpdir.
 */
static inline void ctl_start(struct ctl *c, const char *kubeconfig, ...)
{
	const char *argv[48];
	char listen[64], metrics[64];
	int n = 0, fd;
	va_list ap;
	const char *a;
	pid_t parent;

	memset(c, 0, sizeof(*c));
	c->port = free_port();
	snprintf(listen, sizeof(listen), "127.0.0.1:%d", c->port);
	c->mport = free_port();
	snprintf(metrics, sizeof(metrics), "127.0.0.1:%d", c->mport);
	snprintf(c->log, sizeof(c->log), "%s/ctl-%d-%d.log", ckt_tmpdir(), c->port,
	         ck_random_uniform(100000));
	argv[n++] = ctl_binary();
	argv[n++] = "--listen-addr";
	argv[n++] = listen;
	argv[n++] = "--listen-metrics-addr";
	argv[n++] = metrics;
	if (kubeconfig != NULL) {
		argv[n++] = "--kubeconfig";
		argv[n++] = kubeconfig;
	}
	argv[n++] = "--namespace";
	argv[n++] = "kube-system";
	argv[n++] = "--watch-min-seconds";
	argv[n++] = "2";
	argv[n++] = "--watch-max-seconds";
	argv[n++] = "4";
	argv[n++] = "--kubeclient-qps";
	argv[n++] = "0";
	va_start(ap, kubeconfig);
	while ((a = va_arg(ap, const char *)) != NULL && n < 46)
		argv[n++] = a;
	va_end(ap);
	argv[n] = NULL;
	fflush(NULL);
	parent = getpid();
	c->pid = fork();
	assert_true(c->pid >= 0);
	if (c->pid == 0) {
		int i;

		/*
		 * Die with the test (however it ends: failed assertion, crash, ctest
		 * timeout), and hold none of its pipes (the fake exits on stdin EOF).
		 * If the test died before prctl, the parent is already someone else.
		 */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(127);
		fd = open(c->log, O_WRONLY | O_CREAT | O_APPEND, 0600);
		if (fd >= 0) {
			dup2(fd, 2);
			dup2(fd, 1);
		}
		for (i = 3; i < 1024; i++)
			close(i);
		execv(argv[0], (char **)argv);
		_exit(127);
	}
	ctl_track(c->pid, 1);
}

static inline long http_to(int port, const char *method, const char *path, const char *body,
                           struct ck_buf *out);

/* A request to the controller's HTTP port; returns the status (0: no answer). */
static inline long ctl_http(struct ctl *c, const char *method, const char *path, const char *body,
                     struct ck_buf *out)
{
	return http_to(c->port, method, path, body, out);
}

/* The value of a metric line prefix on the metrics port (-1 when absent). */
static inline double ctl_metric(struct ctl *c, const char *series)
{
	struct ck_buf b = CK_BUF_INIT;
	const char *p;
	double v = -1;

	if (http_to(c->mport, "GET", "/metrics", NULL, &b) == 200) {
		for (p = ck_buf_cstr(&b); (p = strstr(p, series)) != NULL; p++) {
			if ((p == ck_buf_cstr(&b) || p[-1] == '\n') && p[strlen(series)] == ' ') {
				v = strtod(p + strlen(series) + 1, NULL);
				break;
			}
		}
	}
	ck_buf_dispose(&b);
	return v;
}

static inline long http_to(int port, const char *method, const char *path, const char *body,
                           struct ck_buf *out)
{
	struct ck_http_client *h = NULL;
	struct ck_http_response r = CK_HTTP_RESPONSE_INIT;
	struct ck_http_request q;
	struct ck_http_opts o;
	char url[256];
	long st = 0;

	memset(&o, 0, sizeof(o));
	o.timeout_ms = 5000;
	if (ck_http_client_new(&h, &o) < 0)
		return 0;
	snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", port, path);
	memset(&q, 0, sizeof(q));
	q.method = method;
	q.url = url;
	q.body = body;
	q.body_len = body ? strlen(body) : 0;
	if (ck_http_send(h, &q, &r) == CK_OK) {
		st = r.status;
		if (out != NULL)
			(void)ck_buf_putb(out, &r.body);
	}
	ck_http_response_dispose(&r);
	ck_http_client_free(h);
	return st;
}

static inline int ctl_ready(struct ctl *c)
{
	return ctl_http(c, "GET", "/readyz", NULL, NULL) == 200;
}

/* 1 while the controller runs; once it has exited it is reaped (pid 0, exit_status set). */
static inline int ctl_running(struct ctl *c)
{
	pid_t r;

	if (c->pid <= 0)
		return 0;
	r = waitpid(c->pid, &c->exit_status, WNOHANG);
	if (r == 0 || (r < 0 && errno == EINTR))
		return 1;
	ctl_track(c->pid, 0);
	c->pid = 0; /* reaped: its pid may belong to someone else now */
	return 0;
}

static inline void ctl_print_log(struct ctl *c)
{
	struct ck_buf b = CK_BUF_INIT;

	if (ck_file_read(&b, c->log, 1 << 20) == CK_OK)
		fprintf(stderr, "--- controller log %s ---\n%s---\n", c->log, ck_buf_cstr(&b));
	ck_buf_dispose(&b);
}

/*
 * Stop with sig; with SIGTERM expect a clean exit (0: no leak, no error)
 * within the wait deadline, else SIGKILL it and fail with its log.
 */
static inline void ctl_stop(struct ctl *c, int sig)
{
	int status = 0, done = 0;
	int64_t end;
	pid_t r;

	if (c->pid <= 0)
		return;
	kill(c->pid, sig);
	end = ck_ctl_now_ms() + ckt_wait_ms(0);
	while (!done) {
		r = waitpid(c->pid, &status, WNOHANG);
		if (r == c->pid || (r < 0 && errno != EINTR))
			done = 1;
		else if (ck_ctl_now_ms() >= end)
			break;
		else
			ck_ctl_sleep_ms(20);
	}
	if (!done) {
		kill(c->pid, SIGKILL);
		while (waitpid(c->pid, &status, 0) < 0 && errno == EINTR)
			;
		ctl_track(c->pid, 0);
		c->pid = 0;
		ctl_print_log(c);
		fail_msg("cloak-controller did not exit after signal %d", sig);
	}
	ctl_track(c->pid, 0);
	c->pid = 0;
	if (sig == SIGTERM && !(WIFEXITED(status) && WEXITSTATUS(status) == 0)) {
		ctl_print_log(c);
		fail_msg("cloak-controller did not stop cleanly (status %d)", status);
	}
}

/* Count lines of the controller log containing s. */
static inline int ctl_log_count(struct ctl *c, const char *s)
{
	struct ck_buf b = CK_BUF_INIT;
	const char *p;
	int n = 0;

	if (ck_file_read(&b, c->log, 16 << 20) == CK_OK)
		for (p = ck_buf_cstr(&b); (p = strstr(p, s)) != NULL; p++)
			n++;
	ck_buf_dispose(&b);
	return n;
}

/* The collection path of an object from its apiVersion, kind and namespace. */
static inline void collection(char *out, size_t n, const struct ck_doc_node *obj)
{
	const char *av = ck_kube_str(obj, "apiVersion");
	const char *kind = ck_kube_str(obj, "kind");
	const char *ns = ck_kube_str(obj, "metadata.namespace");
	const char *plural = strcmp(kind, "Secret") == 0 ? "secrets" :
	                     strcmp(kind, "SealedSecret") == 0 ? "sealedsecrets" :
	                     strcmp(kind, "Namespace") == 0 ? "namespaces" : "unknown";

	if (strcmp(kind, "Namespace") == 0)
		snprintf(out, n, "/api/v1/namespaces");
	else if (strchr(av, '/') == NULL)
		snprintf(out, n, "/api/%s/namespaces/%s/%s", av, ns ? ns : "default", plural);
	else
		snprintf(out, n, "/apis/%s/namespaces/%s/%s", av, ns ? ns : "default", plural);
}

/* POST every document of a YAML/JSON text; returns the last status. */
static inline long kube_create_text(struct ck_kube_conn *kc, const char *text, size_t len)
{
	struct ck_doc *d = NULL;
	struct ck_kube_resp r = CK_KUBE_RESP_INIT;
	size_t i;
	long st = 0;

	assert_int_equal(ck_doc_parse(&d, text, len, CK_DOC_NO_COMMENTS), CK_OK);
	for (i = 0; i < d->ndocs; i++) {
		struct ck_buf js = CK_BUF_INIT;
		struct ck_doc_json_opts jo = { "", 0, 0 };
		char path[512];

		if (d->docs[i] == NULL)
			continue;
		collection(path, sizeof(path), d->docs[i]);
		assert_int_equal(ck_doc_write_json(&js, d->docs[i], &jo), CK_OK);
		(void)ck_kube_request(kc, &r, "POST", path, NULL, ck_buf_data(&js), ck_buf_len(&js),
		                      NULL, 0);
		st = r.status;
		ck_buf_dispose(&js);
	}
	ck_kube_resp_dispose(&r);
	ck_doc_free(d);
	return st;
}

static inline long kube_create_file(struct ck_kube_conn *kc, const char *path)
{
	struct ck_buf b = CK_BUF_INIT;
	long st;

	ckt_read(&b, path);
	st = kube_create_text(kc, (const char *)ck_buf_data(&b), ck_buf_len(&b));
	ck_buf_dispose(&b);
	return st;
}

static inline void kube_namespace(struct ck_kube_conn *kc, const char *ns)
{
	char body[256];

	snprintf(body, sizeof(body), "{\"apiVersion\":\"v1\",\"kind\":\"Namespace\","
	         "\"metadata\":{\"name\":\"%s\"}}", ns);
	(void)kube_create_text(kc, body, strlen(body));
}

/* GET path into r; returns the HTTP status. */
static inline long kube_get(struct ck_kube_conn *kc, struct ck_kube_resp *r, const char *path)
{
	(void)ck_kube_request(kc, r, "GET", path, NULL, NULL, 0, NULL, 0);
	return r->status;
}

static inline int kube_exists(struct ck_kube_conn *kc, const char *path)
{
	struct ck_kube_resp r = CK_KUBE_RESP_INIT;
	long st = kube_get(kc, &r, path);

	ck_kube_resp_dispose(&r);
	return st == 200;
}

/* A string field of the object at path ("" when absent). */
static inline void kube_field(struct ck_kube_conn *kc, const char *path, const char *field,
                              char *out, size_t n)
{
	struct ck_kube_resp r = CK_KUBE_RESP_INIT;
	const char *v = NULL;

	if (kube_get(kc, &r, path) == 200)
		v = ck_kube_str(r.obj, field);
	snprintf(out, n, "%s", v ? v : "");
	ck_kube_resp_dispose(&r);
}

static inline int kube_field_is(struct ck_kube_conn *kc, const char *path, const char *field,
                                const char *want)
{
	char v[1024];

	kube_field(kc, path, field, v, sizeof(v));
	return strcmp(v, want) == 0;
}

/* 1 if the SealedSecret at path has a Synced condition with this status (and observedGeneration current). */
static inline int ss_condition(struct ck_kube_conn *kc, const char *path, const char *want)
{
	struct ck_kube_resp r = CK_KUBE_RESP_INIT;
	const struct ck_doc_node *conds;
	int ok = 0;
	size_t i;

	if (kube_get(kc, &r, path) == 200 &&
	    (conds = ck_doc_get_path(r.obj, "status.conditions")) != NULL &&
	    conds->kind == CK_DOC_SEQ &&
	    ck_kube_int(r.obj, "status.observedGeneration", -1) ==
	        ck_kube_int(r.obj, "metadata.generation", -2)) {
		for (i = 0; i < conds->nkids; i++) {
			const struct ck_doc_node *c = ck_doc_resolve(conds->kids[i]);

			if (ck_doc_scalar_is(ck_doc_map_get(c, "type"), "Synced") &&
			    ck_doc_scalar_is(ck_doc_map_get(c, "status"), want))
				ok = 1;
		}
	}
	ck_kube_resp_dispose(&r);
	return ok;
}

/* The message of the Synced condition ("" if none). */
static inline void ss_message(struct ck_kube_conn *kc, const char *path, char *out, size_t n)
{
	struct ck_kube_resp r = CK_KUBE_RESP_INIT;
	const struct ck_doc_node *conds;
	size_t i;

	out[0] = '\0';
	if (kube_get(kc, &r, path) == 200 &&
	    (conds = ck_doc_get_path(r.obj, "status.conditions")) != NULL &&
	    conds->kind == CK_DOC_SEQ)
		for (i = 0; i < conds->nkids; i++) {
			const char *m = ck_doc_map_get_str(ck_doc_resolve(conds->kids[i]), "message");

			if (m != NULL)
				snprintf(out, n, "%s", m);
		}
	ck_kube_resp_dispose(&r);
}

/* 1 if the Secret's controller ownerReference points at the SealedSecret's uid. */
static inline int owned_by(struct ck_kube_conn *kc, const char *secret_path, const char *ss_path)
{
	struct ck_kube_resp r = CK_KUBE_RESP_INIT;
	const struct ck_doc_node *refs;
	char uid[128];
	int ok = 0;

	kube_field(kc, ss_path, "metadata.uid", uid, sizeof(uid));
	if (kube_get(kc, &r, secret_path) == 200 &&
	    (refs = ck_doc_get_path(r.obj, "metadata.ownerReferences")) != NULL &&
	    refs->kind == CK_DOC_SEQ && refs->nkids == 1) {
		const struct ck_doc_node *ref = ck_doc_resolve(refs->kids[0]);

		ok = uid[0] && ck_doc_scalar_is(ck_doc_map_get(ref, "uid"), uid) &&
		     ck_doc_scalar_is(ck_doc_map_get(ref, "controller"), "true") &&
		     ck_doc_scalar_is(ck_doc_map_get(ref, "kind"), "SealedSecret");
	}
	ck_kube_resp_dispose(&r);
	return ok;
}

static inline long kube_send(struct ck_kube_conn *kc, const char *method, const char *path,
                             const char *body, const char *ctype)
{
	struct ck_kube_resp r = CK_KUBE_RESP_INIT;
	long st;

	(void)ck_kube_request(kc, &r, method, path, NULL, body, body ? strlen(body) : 0, ctype, 0);
	st = r.status;
	ck_kube_resp_dispose(&r);
	return st;
}

/* A kubeconfig file for the fake with a token; returns its path (static storage per slot). */
static const char *fake_kubeconfig_file(struct fake *f, const char *token, int slot)
{
	static char paths[4][700];
	char user[256];

	snprintf(paths[slot], sizeof(paths[slot]), "%s/kc-%s-%d.json", ckt_tmpdir(), token, slot);
	snprintf(user, sizeof(user), "{\"token\":\"%s\"}", token);
	fake_kubeconfig(f, paths[slot], user, "default");
	return paths[slot];
}

/* Seal one value for (scope, ns, name) with the public key of a PEM certificate. */
static inline void seal_value(struct ck_buf *out, const char *cert_pem, enum ck_seal_scope scope,
                              const char *ns, const char *name, const char *pt)
{
	struct ck_rsa *pub = NULL;
	struct ck_seal_cert_info info;

	assert_int_equal(ck_seal_cert_parse(&pub, &info, cert_pem, strlen(cert_pem),
	                                    (time_t)(ck_ctl_wall_us() / 1000000)), CK_OK);
	assert_int_equal(ck_seal_value_seal(out, pub, scope, ns, name, pt, strlen(pt)), CK_OK);
	ck_rsa_free(pub);
}

/*
 * A SealedSecret JSON with items "k=v,k=v" sealed (strict unless annotated
 * scope) and an optional template fragment (JSON members inside "template").
 */
static inline void make_ss(struct ck_buf *out, const char *cert_pem, const char *ns,
                           const char *name, enum ck_seal_scope scope, const char *items,
                           const char *template_members)
{
	char *copy = ck_strdup(items), *save = NULL, *tok;
	int first = 1;

	assert_non_null(copy);
	assert_int_equal(ck_buf_printf(out, "{\"apiVersion\":\"bitnami.com/v1alpha1\","
	                               "\"kind\":\"SealedSecret\",\"metadata\":{\"name\":\"%s\","
	                               "\"namespace\":\"%s\"%s},\"spec\":{\"template\":{%s},"
	                               "\"encryptedData\":{", name, ns,
	                               scope == CK_SEAL_SCOPE_NAMESPACE_WIDE ?
	                               ",\"annotations\":{\"sealedsecrets.bitnami.com/namespace-wide\":\"true\"}" :
	                               scope == CK_SEAL_SCOPE_CLUSTER_WIDE ?
	                               ",\"annotations\":{\"sealedsecrets.bitnami.com/cluster-wide\":\"true\"}" : "",
	                               template_members ? template_members : ""), CK_OK);
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(tok, '=');

		assert_non_null(eq);
		*eq = '\0';
		assert_int_equal(ck_buf_printf(out, "%s\"%s\":\"", first ? "" : ",", tok), CK_OK);
		seal_value(out, cert_pem, scope, ns, name, eq + 1);
		assert_int_equal(ck_buf_putc(out, '"'), CK_OK);
		first = 0;
	}
	assert_int_equal(ck_buf_puts(out, "}}}"), CK_OK);
	ck_free(copy);
}

/* The TEST-ONLY certificate of the shared vectors. */
static inline void test_cert(struct ck_buf *out)
{
	char p[1024];

	snprintf(p, sizeof(p), "%s/TEST-ONLY-sealed-secrets-cert.pem", ckt_vectors("sealed-secrets"));
	ckt_read(out, p);
}

/* Install the TEST-ONLY key Secret in kube-system. */
static inline void install_test_key(struct ck_kube_conn *kc)
{
	char p[1024];

	snprintf(p, sizeof(p), "%s/TEST-ONLY-sealed-secrets-key-secret.yaml",
	         ckt_vectors("sealed-secrets"));
	assert_int_equal(kube_create_file(kc, p), 201);
}

/* Value of data[key] of a Secret, base64-decoded ("" if absent). */
static inline void secret_value(struct ck_kube_conn *kc, const char *ns, const char *name,
                                const char *key, char *out, size_t n)
{
	struct ck_kube_resp r = CK_KUBE_RESP_INIT;
	struct ck_buf b = CK_BUF_INIT;
	char path[512];
	const char *v;

	out[0] = '\0';
	snprintf(path, sizeof(path), "/api/v1/namespaces/%s/secrets/%s", ns, name);
	if (kube_get(kc, &r, path) == 200 &&
	    (v = ck_doc_map_get_str(ck_doc_map_get(r.obj, "data"), key)) != NULL &&
	    ck_b64_decode(&b, v, strlen(v), CK_B64_STD, 0) == CK_OK)
		snprintf(out, n, "%s", ck_buf_cstr(&b));
	ck_buf_dispose(&b);
	ck_kube_resp_dispose(&r);
}

static inline int secret_value_is(struct ck_kube_conn *kc, const char *ns, const char *name,
                                  const char *key, const char *want)
{
	char v[4096];

	secret_value(kc, ns, name, key, v, sizeof(v));
	return strcmp(v, want) == 0;
}

#endif
