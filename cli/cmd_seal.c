/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cloak seal / kubeseal: seal Secrets into SealedSecrets with kubeseal's flag
 * names, --raw values, --merge-into, --recovery-unseal, and `keygen`; talk to
 * the controller through the API server's service proxy for --fetch-cert,
 * --validate, --re-encrypt and sealing without --cert. The work is done by
 * the seal module; this file reads inputs, resolves the certificate and the
 * kubeconfig namespace, and writes outputs.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "ck/file.h"
#include "ck/http.h"
#include "ck/seal.h"
#include "ck/seal_controller.h"
#include "ck/seal_manifest.h"
#include "ck/secret.h"
#include "ck/version.h"
#include "cli.h"
#include "cmds.h"

#define INPUT_MAX ((size_t)64 << 20)
#define CERT_MAX ((size_t)1 << 20)
#define KEYFILE_MAX ((size_t)16 << 20)
#define MAX_KEYFILES 64

enum {
	O_CERT = 256,
	O_SCOPE,
	O_NAME,
	O_RAW,
	O_FROM_FILE,
	O_MERGE_INTO,
	O_RECOVERY_UNSEAL,
	O_RECOVERY_KEY,
	O_ALLOW_EMPTY,
	O_FETCH_CERT,
	O_VALIDATE,
	O_REENCRYPT,
	O_CTRL_NAME,
	O_CTRL_NS,
	O_KUBECONFIG,
	O_CONTEXT,
	O_VERSION,
};

static const struct option long_opts[] = {
	{ "cert", required_argument, NULL, O_CERT },
	{ "secret-file", required_argument, NULL, 'f' },
	{ "sealed-secret-file", required_argument, NULL, 'w' },
	{ "format", required_argument, NULL, 'o' },
	{ "scope", required_argument, NULL, O_SCOPE },
	{ "name", required_argument, NULL, O_NAME },
	{ "namespace", required_argument, NULL, 'n' },
	{ "raw", no_argument, NULL, O_RAW },
	{ "from-file", required_argument, NULL, O_FROM_FILE },
	{ "merge-into", required_argument, NULL, O_MERGE_INTO },
	{ "recovery-unseal", no_argument, NULL, O_RECOVERY_UNSEAL },
	{ "recovery-private-key", required_argument, NULL, O_RECOVERY_KEY },
	{ "allow-empty-data", no_argument, NULL, O_ALLOW_EMPTY },
	{ "fetch-cert", no_argument, NULL, O_FETCH_CERT },
	{ "validate", no_argument, NULL, O_VALIDATE },
	{ "re-encrypt", no_argument, NULL, O_REENCRYPT },
	{ "rotate", no_argument, NULL, O_REENCRYPT },
	{ "controller-name", required_argument, NULL, O_CTRL_NAME },
	{ "controller-namespace", required_argument, NULL, O_CTRL_NS },
	{ "kubeconfig", required_argument, NULL, O_KUBECONFIG },
	{ "context", required_argument, NULL, O_CONTEXT },
	{ "version", no_argument, NULL, O_VERSION },
	{ "help", no_argument, NULL, 'h' },
	{ 0 },
};

struct args {
	const char *prog;
	const char *cert, *secret_file, *out_file, *format, *scope, *name, *ns;
	const char *from_file, *merge_into, *kubeconfig, *context;
	const char *ctrl_name, *ctrl_ns;
	const char *keyfiles[MAX_KEYFILES];
	size_t nkeyfiles;
	int raw, recovery, allow_empty, fetch_cert, validate, reencrypt, nfrom;
};

static void usage(FILE *f, const char *prog)
{
	fprintf(
	    f,
	    "usage: %s [flags] < secret.yaml > sealedsecret.json\n"
	    "       %s --raw [--from-file [KEY=]FILE] --scope S [--name N] [-n NS]\n"
	    "       %s --merge-into FILE [flags] < secret.yaml\n"
	    "       %s --recovery-unseal --recovery-private-key KEY[,KEY...] < sealed.yaml\n"
	    "       cloak seal keygen --key-out FILE --cert-out FILE [--secret-out FILE]\n"
	    "\n"
	    "Seal a Kubernetes Secret into a SealedSecret (bitnami.com/v1alpha1) that only\n"
	    "the Sealed Secrets controller holding the private key can open. Flags follow\n"
	    "kubeseal; each may also come from SEALED_SECRETS_<FLAG> (e.g. SEALED_SECRETS_CERT).\n"
	    "\n"
	    "  --cert FILE|URL            certificate to seal with (http(s):// or file:// URL)\n"
	    "  -f, --secret-file FILE     input (default stdin; YAML stream or JSON)\n"
	    "  -w, --sealed-secret-file FILE  output file, written atomically (.yaml/.yml: YAML)\n"
	    "  -o, --format json|yaml     output format (default json, as kubeseal)\n"
	    "  --scope strict|namespace-wide|cluster-wide\n"
	    "                             binding of the sealed values (default: the Secret's\n"
	    "                             sealedsecrets.bitnami.com/* annotations, else strict)\n"
	    "  --name NAME                Secret name (overrides the input's; --raw: the label)\n"
	    "  -n, --namespace NS         namespace for a Secret without one (a different one\n"
	    "                             in the input is an error); default: kubeconfig context\n"
	    "  --raw                      seal one value (stdin or --from-file), print base64\n"
	    "  --from-file [KEY=]FILE     the value for --raw\n"
	    "  --merge-into FILE          add/replace the Secret's keys in an existing\n"
	    "                             SealedSecret; other keys keep their exact ciphertext\n"
	    "  --recovery-unseal          decrypt SealedSecrets offline with private keys\n"
	    "  --recovery-private-key F   PEM key or key Secret/List backup; comma list or repeat\n"
	    "  --allow-empty-data         accept a Secret with no data\n"
	    "\n"
	    "The controller (reached through the Kubernetes API server's service proxy,\n"
	    "/api/v1/namespaces/NS/services/http:NAME:PORT/proxy/..., with the kubeconfig\n"
	    "context's credentials; needs get on services and services/proxy):\n"
	    "  --fetch-cert               print the controller's certificate (PEM) and exit;\n"
	    "                             with --cert FILE|URL, print that one instead\n"
	    "  (no --cert)                sealing fetches the certificate from the controller\n"
	    "  --validate                 ask the controller whether it can decrypt the\n"
	    "                             SealedSecrets of the input; exit 0 if so\n"
	    "  --re-encrypt               re-seal the input's SealedSecrets with the\n"
	    "                             controller's newest key (plaintext never leaves the\n"
	    "                             cluster); output as -o, -w's suffix, else the input's\n"
	    "                             format; with -f and no -w the file is rewritten in\n"
	    "                             place, as kubeseal does (--rotate: old name)\n"
	    "  --controller-name NAME     the controller's Service (default\n"
	    "                             sealed-secrets-controller)\n"
	    "  --controller-namespace NS  its namespace (default kube-system)\n"
	    "  --kubeconfig FILE          kubeconfig (default $KUBECONFIG, in-cluster, then\n"
	    "                             ~/.kube/config); also gives the default namespace\n"
	    "  --context NAME             kubeconfig context (default: current-context)\n"
	    "  --version, -h/--help\n",
	    prog, prog, prog, prog);
}

/* SEALED_SECRETS_<FLAG> for a flag the command line did not set. */
static const char *env_flag(const char *flag)
{
	char name[64];
	size_t i, n = 0;

	n = (size_t)snprintf(name, sizeof(name), "SEALED_SECRETS_");
	for (i = 0; flag[i] && n + 1 < sizeof(name); i++)
		name[n++] = flag[i] == '-' ? '_' : (char)toupper((unsigned char)flag[i]);
	name[n] = 0;
	return getenv(name);
}

static void env_str(const char **slot, const char *flag)
{
	const char *v;

	if (*slot == NULL && (v = env_flag(flag)) != NULL && v[0])
		*slot = v;
}

static void env_bool(int *slot, const char *flag)
{
	const char *v = env_flag(flag);

	if (!*slot && v != NULL && (strcmp(v, "true") == 0 || strcmp(v, "1") == 0))
		*slot = 1;
}

static int add_keyfiles(struct args *a, char *list)
{
	char *save = NULL, *tok;

	for (tok = strtok_r(list, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
		if (tok[0] == '\0')
			continue;
		if (a->nkeyfiles == MAX_KEYFILES)
			return ck_err_set(CK_EUSAGE, "%s: too many --recovery-private-key files",
			                  a->prog);
		a->keyfiles[a->nkeyfiles++] = tok;
	}
	return CK_OK;
}

static int parse_args(struct args *a, int argc, char **argv)
{
	int c, rc;

	while ((c = cli_getopt(argc, argv, "hf:w:o:n:", long_opts, a->prog)) != -1) {
		switch (c) {
		case 'h':
			usage(stdout, a->prog);
			return 1;
		case O_VERSION:
			printf("kubeseal version: v%s (cloak)\n", CK_VERSION);
			return 1;
		case O_CERT: a->cert = optarg; break;
		case 'f': a->secret_file = optarg; break;
		case 'w': a->out_file = optarg; break;
		case 'o': a->format = optarg; break;
		case O_SCOPE: a->scope = optarg; break;
		case O_NAME: a->name = optarg; break;
		case 'n': a->ns = optarg; break;
		case O_RAW: a->raw = 1; break;
		case O_FROM_FILE:
			a->from_file = optarg;
			a->nfrom++;
			break;
		case O_MERGE_INTO: a->merge_into = optarg; break;
		case O_RECOVERY_UNSEAL: a->recovery = 1; break;
		case O_RECOVERY_KEY:
			if ((rc = add_keyfiles(a, optarg)) < 0)
				return rc;
			break;
		case O_ALLOW_EMPTY: a->allow_empty = 1; break;
		case O_FETCH_CERT: a->fetch_cert = 1; break;
		case O_VALIDATE: a->validate = 1; break;
		case O_REENCRYPT: a->reencrypt = 1; break;
		case O_CTRL_NAME: a->ctrl_name = optarg; break;
		case O_CTRL_NS: a->ctrl_ns = optarg; break;
		case O_KUBECONFIG: a->kubeconfig = optarg; break;
		case O_CONTEXT: a->context = optarg; break;
		default:
			return CK_EUSAGE;
		}
	}
	if (optind < argc)
		return ck_err_set(CK_EUSAGE, "%s: unexpected argument '%s'", a->prog, argv[optind]);
	env_str(&a->cert, "cert");
	env_str(&a->format, "format");
	env_str(&a->scope, "scope");
	env_str(&a->ctrl_name, "controller-name");
	env_str(&a->ctrl_ns, "controller-namespace");
	env_bool(&a->allow_empty, "allow-empty-data");
	return CK_OK;
}

/* kubeseal's isFilename: no URL scheme, or a one-letter one (a drive letter). */
static int is_filename(const char *s)
{
	size_t i = 0;

	if (!isalpha((unsigned char)s[0]))
		return 1;
	while (isalnum((unsigned char)s[i]) || s[i] == '+' || s[i] == '-' || s[i] == '.')
		i++;
	return s[i] != ':' || i == 1;
}

/* GET a certificate URL (proxy variables honoured by libcurl), as kubeseal's openCertURI. */
static int fetch_cert_url(struct ck_buf *out, const char *prog, const char *url)
{
	struct ck_http_opts ho;
	struct ck_http_request req;
	struct ck_http_response resp = CK_HTTP_RESPONSE_INIT;
	struct ck_http_client *c = NULL;
	struct ck_buf where = CK_BUF_INIT;
	static const char *const accept[] = { "Accept: application/x-pem-file, */*", NULL };
	int rc = CK_EINTERNAL;

	memset(&ho, 0, sizeof(ho));
	memset(&req, 0, sizeof(req));
	ho.max_redirects = 10; /* Go's http.Client default */
	ho.max_response = CERT_MAX;
	req.url = url;
	req.headers = accept;
	if ((rc = ck_http_url_redact(&where, NULL, url)) < 0)
		goto out;
	if ((rc = ck_http_client_new(&c, &ho)) < 0 || (rc = ck_http_send(c, &req, &resp)) < 0) {
		ck_err_context("%s: cannot fetch %s", prog, ck_buf_cstr(&where));
		goto out;
	}
	if (resp.status != 200) {
		rc = ck_err_set(ck_http_status_err(resp.status) < 0 ? ck_http_status_err(resp.status)
		                                                     : CK_ENET,
		                "%s: cannot fetch %s: HTTP %ld", prog, ck_buf_cstr(&where),
		                resp.status);
		goto out;
	}
	rc = ck_buf_putb(out, &resp.body);
out:
	ck_http_response_dispose(&resp);
	ck_http_client_free(c);
	/* The command does not ask main for net setup (most seals need none). */
	ck_net_cleanup();
	ck_buf_dispose(&where);
	return rc;
}

static int ctl_open(struct ck_seal_ctl **out, const struct args *a)
{
	struct ck_seal_ctl_opts o;

	memset(&o, 0, sizeof(o));
	o.kubeconfig = a->kubeconfig;
	o.context = a->context;
	o.name = a->ctrl_name;
	o.ns = a->ctrl_ns;
	return ck_seal_ctl_new(out, &o);
}

/* The certificate's bytes: --cert FILE|URL, else the controller, as kubeseal's OpenCert. */
static int read_cert(struct ck_buf *pem, const struct args *a)
{
	struct ck_seal_ctl *ctl = NULL;
	int rc = CK_EINTERNAL;

	if (a->cert == NULL) {
		if ((rc = ctl_open(&ctl, a)) == CK_OK)
			rc = ck_seal_ctl_cert(ctl, pem);
		ck_seal_ctl_free(ctl);
		ck_net_cleanup();
		if (rc < 0)
			ck_err_context("%s%s", a->prog, a->fetch_cert ? "" : ": no --cert");
		return rc;
	}
	if (is_filename(a->cert))
		rc = ck_file_read(pem, a->cert, CERT_MAX);
	else if (strncasecmp(a->cert, "file://", 7) == 0)
		rc = ck_file_read(pem, a->cert + 7, CERT_MAX);
	else
		return fetch_cert_url(pem, a->prog, a->cert);
	if (rc < 0)
		ck_err_context("%s: --cert %s", a->prog, a->cert);
	return rc;
}

static int load_cert(struct ck_rsa **out, const struct args *a)
{
	struct ck_buf pem = CK_BUF_INIT;
	struct ck_seal_cert_info info;
	const char *cert = a->cert ? a->cert : "the controller's certificate";
	char when[64];
	int rc = CK_EINTERNAL;

	if ((rc = read_cert(&pem, a)) < 0)
		goto out;
	if ((rc = ck_seal_cert_parse(out, &info, ck_buf_cstr(&pem), ck_buf_len(&pem),
	                             time(NULL))) < 0) {
		ck_err_context("%s: %s", a->prog,
		               a->cert == NULL        ? cert
		               : is_filename(a->cert) ? a->cert
		                                      : "--cert");
		goto out;
	}
	if (info.expired) {
		struct tm tm;

		char month[32];

		gmtime_r(&info.not_after, &tm);
		/* Go's "January 2, 2006" */
		strftime(month, sizeof(month), "%B", &tm);
		snprintf(when, sizeof(when), "%s %d, %d", month, tm.tm_mday, tm.tm_year + 1900);
		/* kubeseal refuses; values sealed now still open, so warn and go on. */
		fprintf(stderr,
		        "%s: warning: certificate %s expired on %s; sealing anyway (fetch "
		        "the controller's current certificate)\n",
		        a->prog, cert, when);
	}
	rc = CK_OK;
out:
	ck_buf_dispose(&pem);
	return rc;
}

/* The namespace for a Secret without one: kubeconfig context, in-cluster file, "default". */
static int default_namespace(struct ck_buf *out, const struct args *a)
{
	struct ck_buf paths = CK_BUF_INIT, sa = CK_BUF_INIT;
	const char *env = getenv("KUBECONFIG"), *home = getenv("HOME");
	static const char sa_ns[] = "/var/run/secrets/kubernetes.io/serviceaccount/namespace";
	int rc = CK_EINTERNAL, explicit_file = 0;

	if (a->kubeconfig != NULL) {
		rc = ck_buf_puts(&paths, a->kubeconfig);
		explicit_file = 1;
	} else if (env != NULL && env[0]) {
		rc = ck_buf_puts(&paths, env);
	} else if (home != NULL && home[0]) {
		rc = ck_buf_printf(&paths, "%s/.kube/config", home);
	} else {
		rc = CK_OK;
	}
	if (rc < 0)
		goto out;
	if (!explicit_file && (env == NULL || !env[0]) &&
	    (home == NULL || !home[0] || !ck_file_exists(ck_buf_cstr(&paths))) &&
	    getenv("KUBERNETES_SERVICE_HOST") != NULL) {
		/* In a pod without kubeconfig, client-go uses the service account's namespace. */
		const char *pod = getenv("POD_NAMESPACE");

		if (pod != NULL && pod[0]) {
			rc = ck_buf_puts(out, pod);
			goto out;
		}
		if (ck_file_read(&sa, sa_ns, 4096) == CK_OK && ck_buf_len(&sa) > 0) {
			rc = ck_buf_puts(out, ck_buf_cstr(&sa));
			goto out;
		}
		ck_err_clear();
	}
	rc = ck_seal_kubeconfig_namespace(out, ck_buf_cstr(&paths), explicit_file, a->context);
out:
	ck_buf_dispose(&paths);
	ck_buf_dispose(&sa);
	return rc;
}

/* Reading a Secret from a terminal looks like a hang: say so, as kubeseal does. */
static void tty_hint(const struct args *a)
{
	if (a->secret_file == NULL && isatty(STDIN_FILENO))
		fprintf(stderr, "(tty detected: expecting json/yaml k8s resource in stdin)\n");
}

static int has_suffix(const char *s, const char *suf)
{
	size_t l = strlen(s), m = strlen(suf);

	return l >= m && strcasecmp(s + l - m, suf) == 0;
}

/* Output to -w (atomically; plaintext files are created 0600) or stdout. */
static int emit(const struct args *a, const struct ck_buf *out, mode_t mode)
{
	int rc;

	if (a->out_file != NULL) {
		if ((rc = ck_file_write_atomic(a->out_file, ck_buf_data(out), ck_buf_len(out), mode)) <
		    0)
			ck_err_context("%s", a->out_file);
		return rc;
	}
	if (fwrite(ck_buf_data(out), 1, ck_buf_len(out), stdout) != ck_buf_len(out))
		return ck_err_set(CK_EIO, "%s: cannot write output", a->prog);
	return CK_OK;
}

static int run_raw(const struct args *a, const struct ck_rsa *pub, const char *dns)
{
	struct ck_buf in = CK_BUF_INIT, out = CK_BUF_INIT;
	enum ck_seal_scope scope;
	const char *path = "-", *eq;
	int rc = CK_EINTERNAL;

	ck_buf_init_secure(&in, INPUT_MAX);
	if ((rc = ck_seal_scope_parse(&scope, a->scope)) < 0)
		goto out;
	if (scope == CK_SEAL_SCOPE_STRICT && (a->name == NULL || !a->name[0])) {
		rc = ck_err_set(CK_EUSAGE, "%s: must provide the --name flag with --raw and --scope "
		                "strict", a->prog);
		goto out;
	}
	if (a->from_file != NULL) {
		/* kubectl's [KEY=]PATH; the key is not part of a raw value. */
		eq = strchr(a->from_file, '=');
		path = eq ? eq + 1 : a->from_file;
	}
	if (strcmp(path, "-") == 0)
		tty_hint(a);
	if ((rc = ck_file_read(&in, path, INPUT_MAX)) < 0) {
		ck_err_context("%s: %s", a->prog, strcmp(path, "-") ? path : "stdin");
		goto out;
	}
	if ((rc = ck_seal_value_seal(&out, pub, scope, a->ns ? a->ns : dns, a->name,
	                             ck_buf_data(&in), ck_buf_len(&in))) < 0)
		goto out;
	rc = emit(a, &out, 0644); /* no trailing newline, as kubeseal */
out:
	ck_buf_dispose(&in);
	ck_buf_dispose(&out);
	return rc;
}

static int run_recovery(const struct args *a, enum ck_seal_format fmt)
{
	struct ck_seal_keyring *kr = NULL;
	struct ck_buf in = CK_BUF_INIT, key = CK_BUF_INIT, out = CK_BUF_INIT;
	const char *src = a->secret_file ? a->secret_file : "stdin";
	size_t i;
	int rc = CK_EINTERNAL;

	ck_buf_init_secure(&key, KEYFILE_MAX);
	ck_buf_init_secure(&out, 0);
	if (a->nkeyfiles == 0) {
		rc = ck_err_set(CK_EUSAGE, "%s: --recovery-unseal needs --recovery-private-key FILE",
		                a->prog);
		goto out;
	}
	if ((rc = ck_seal_keyring_new(&kr)) < 0)
		goto out;
	for (i = 0; i < a->nkeyfiles; i++) {
		ck_buf_reset(&key);
		if ((rc = ck_file_read(&key, a->keyfiles[i], KEYFILE_MAX)) < 0) {
			ck_err_context("%s: --recovery-private-key %s", a->prog, a->keyfiles[i]);
			goto out;
		}
		if ((rc = ck_seal_keyring_load(kr, ck_buf_cstr(&key), ck_buf_len(&key),
		                               a->keyfiles[i])) < 0)
			goto out;
	}
	tty_hint(a);
	if ((rc = ck_file_read(&in, a->secret_file ? a->secret_file : "-", INPUT_MAX)) < 0) {
		ck_err_context("%s: %s", a->prog, src);
		goto out;
	}
	if ((rc = ck_seal_stream_unseal(&out, ck_buf_cstr(&in), ck_buf_len(&in), src, kr, fmt)) < 0)
		goto out;
	if (a->out_file == NULL)
		cli_warn_if_world_readable_stdout();
	rc = emit(a, &out, 0600);
out:
	ck_seal_keyring_free(kr);
	ck_buf_dispose(&in);
	ck_buf_dispose(&key);
	ck_buf_dispose(&out);
	return rc;
}

static int run_seal(const struct args *a, const struct ck_rsa *pub, const char *dns, int fmt,
                    int fmt_given)
{
	struct ck_seal_opts o;
	struct ck_buf in = CK_BUF_INIT, file = CK_BUF_INIT, out = CK_BUF_INIT;
	const char *src = a->secret_file ? a->secret_file : "stdin";
	enum ck_seal_scope scope = CK_SEAL_SCOPE_STRICT;
	int rc = CK_EINTERNAL;

	ck_buf_init_secure(&in, INPUT_MAX);
	memset(&o, 0, sizeof(o));
	if (a->scope != NULL && a->scope[0]) {
		if ((rc = ck_seal_scope_parse(&scope, a->scope)) < 0)
			goto out;
		o.scope_set = 1;
		o.scope = scope;
	}
	o.source = src;
	o.name = a->name;
	o.ns_flag = a->ns;
	o.default_namespace = dns;
	o.allow_empty_data = a->allow_empty;
	tty_hint(a);
	if ((rc = ck_file_read(&in, a->secret_file ? a->secret_file : "-", INPUT_MAX)) < 0) {
		ck_err_context("%s: %s", a->prog, src);
		goto out;
	}
	if (a->merge_into != NULL) {
		if ((rc = ck_file_read(&file, a->merge_into, INPUT_MAX)) < 0) {
			ck_err_context("%s: --merge-into %s", a->prog, a->merge_into);
			goto out;
		}
		if ((rc = ck_seal_merge(&out, ck_buf_cstr(&file), ck_buf_len(&file), a->merge_into,
		                        ck_buf_cstr(&in), ck_buf_len(&in), pub, &o,
		                        fmt_given ? fmt : -1)) < 0)
			goto out;
		if ((rc = ck_file_write_atomic(a->merge_into, ck_buf_data(&out), ck_buf_len(&out),
		                               0644)) < 0)
			ck_err_context("%s", a->merge_into);
		goto out;
	}
	if ((rc = ck_seal_stream_seal(&out, ck_buf_cstr(&in), ck_buf_len(&in), pub, &o,
	                              (enum ck_seal_format)fmt)) < 0)
		goto out;
	rc = emit(a, &out, 0644);
out:
	ck_buf_dispose(&in);
	ck_buf_dispose(&file);
	ck_buf_dispose(&out);
	return rc;
}

/* --fetch-cert: the certificate's bytes unchanged, no parsing (kubeseal). */
static int run_fetch_cert(const struct args *a)
{
	struct ck_buf pem = CK_BUF_INIT;
	int rc;

	if ((rc = read_cert(&pem, a)) == CK_OK)
		rc = emit(a, &pem, 0644);
	ck_buf_dispose(&pem);
	return rc;
}

/* The input's own format: JSON when it starts with '{', else YAML. */
static enum ck_seal_format format_of(const struct ck_buf *in)
{
	const uint8_t *p = ck_buf_data(in);
	size_t i = 0, n = ck_buf_len(in);

	while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' || p[i] == '\n'))
		i++;
	return i < n && p[i] == '{' ? CK_SEAL_FORMAT_JSON : CK_SEAL_FORMAT_YAML;
}

/* --validate and --re-encrypt: SealedSecrets in, the controller's verdict or answers out. */
static int run_controller(const struct args *a, enum ck_seal_format fmt, int fmt_fixed)
{
	struct ck_seal_ctl *ctl = NULL;
	struct ck_buf in = CK_BUF_INIT, out = CK_BUF_INIT;
	const char *src = a->secret_file ? a->secret_file : "stdin";
	int rc = CK_EINTERNAL;

	tty_hint(a);
	if ((rc = ck_file_read(&in, a->secret_file ? a->secret_file : "-", INPUT_MAX)) < 0) {
		ck_err_context("%s: %s", a->prog, src);
		goto out;
	}
	if ((rc = ctl_open(&ctl, a)) < 0)
		goto out;
	if (a->validate) {
		rc = ck_seal_ctl_validate(ctl, ck_buf_cstr(&in), ck_buf_len(&in), src);
		goto out;
	}
	if (!fmt_fixed)
		fmt = format_of(&in);
	if ((rc = ck_seal_ctl_reencrypt(ctl, &out, ck_buf_cstr(&in), ck_buf_len(&in), src, fmt)) <
	    0)
		goto out;
	if (a->out_file == NULL && a->secret_file != NULL && strcmp(a->secret_file, "-") != 0) {
		/* kubeseal rewrites the -f file in place when there is no -w (issue #405). */
		if ((rc = ck_file_write_atomic(a->secret_file, ck_buf_data(&out), ck_buf_len(&out),
		                               0644)) < 0)
			ck_err_context("%s", a->secret_file);
		goto out;
	}
	rc = emit(a, &out, 0644);
out:
	if (rc < 0 && rc != CK_ENOMEM)
		ck_err_context("%s", a->prog);
	ck_seal_ctl_free(ctl);
	ck_net_cleanup();
	ck_buf_dispose(&in);
	ck_buf_dispose(&out);
	return rc;
}

static int cmd_keygen(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "key-out", required_argument, NULL, 'k' },
		{ "cert-out", required_argument, NULL, 'c' },
		{ "secret-out", required_argument, NULL, 's' },
		{ "bits", required_argument, NULL, 'b' },
		{ "days", required_argument, NULL, 'd' },
		{ "cn", required_argument, NULL, 'C' },
		{ "name", required_argument, NULL, 'N' },
		{ "namespace", required_argument, NULL, 'n' },
		{ "force", no_argument, NULL, 'F' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	struct ck_buf key = CK_BUF_INIT, cert = CK_BUF_INIT, secret = CK_BUF_INIT;
	const char *key_out = NULL, *cert_out = NULL, *secret_out = NULL, *cn = "";
	const char *name = "sealed-secrets-key", *ns = "kube-system";
	unsigned long bits = 4096, days = 3650;
	char *end;
	int c, rc = CK_EINTERNAL, force = 0;

	ck_buf_init_secure(&key, 0);
	ck_buf_init_secure(&secret, 0);
	while ((c = cli_getopt(argc, argv, "hn:", opts, "cloak seal keygen")) != -1) {
		switch (c) {
		case 'h':
			printf("usage: cloak seal keygen --key-out FILE --cert-out FILE [--secret-out "
			       "FILE]\n"
			       "                        [--bits 4096] [--days 3650] [--cn NAME] "
			       "[--name N] [-n NS] [--force]\n\n"
			       "Make a sealing key pair of the controller's shape: RSA key (PKCS#1 "
			       "PEM,\nmode 0600) and self-signed certificate (mode 0644) with an empty "
			       "subject\nunless --cn. --secret-out also writes the controller's key "
			       "Secret\n(kubernetes.io/tls, label sealedsecrets.bitnami.com/"
			       "sealed-secrets-key: active)\nfor bring-your-own-key setups.\n");
			rc = CK_EXIT_OK;
			goto out;
		case 'k': key_out = optarg; break;
		case 'c': cert_out = optarg; break;
		case 's': secret_out = optarg; break;
		case 'C': cn = optarg; break;
		case 'N': name = optarg; break;
		case 'n': ns = optarg; break;
		case 'F': force = 1; break;
		case 'b':
		case 'd': {
			unsigned long v = strtoul(optarg, &end, 10);

			if (*optarg == '\0' || *end != '\0' || (c == 'b' && v != 2048 && v != 3072 &&
			                                         v != 4096) ||
			    (c == 'd' && (v == 0 || v > 36500))) {
				rc = ck_err_set(CK_EUSAGE, "cloak seal keygen: invalid --%s '%s'",
				                c == 'b' ? "bits (2048, 3072 or 4096)" : "days", optarg);
				goto out;
			}
			if (c == 'b')
				bits = v;
			else
				days = v;
			break;
		}
		default:
			rc = CK_EUSAGE;
			goto out;
		}
	}
	if (optind < argc) {
		rc = ck_err_set(CK_EUSAGE, "cloak seal keygen: unexpected argument '%s'", argv[optind]);
		goto out;
	}
	if (key_out == NULL || cert_out == NULL) {
		rc = ck_err_set(CK_EUSAGE, "cloak seal keygen: --key-out and --cert-out are required");
		goto out;
	}
	if (!force && (ck_file_exists(key_out) || ck_file_exists(cert_out) ||
	               (secret_out && ck_file_exists(secret_out)))) {
		rc = ck_err_set(CK_EIO, "cloak seal keygen: %s exists (use --force to replace)",
		                ck_file_exists(key_out) ? key_out
		                                        : ck_file_exists(cert_out) ? cert_out
		                                                                   : secret_out);
		goto out;
	}
	if ((rc = ck_seal_keygen(&key, &cert, (unsigned)bits, cn, time(NULL), (unsigned)days)) < 0)
		goto out;
	if (secret_out != NULL &&
	    (rc = ck_seal_key_secret_format(&secret, ck_buf_cstr(&key), ck_buf_len(&key),
	                                    ck_buf_cstr(&cert), ck_buf_len(&cert), name, ns)) < 0)
		goto out;
	/* Private material first and exclusively; the certificate last. */
	rc = force ? ck_file_write_atomic(key_out, ck_buf_data(&key), ck_buf_len(&key), 0600)
	           : ck_file_write_new(key_out, ck_buf_data(&key), ck_buf_len(&key), 0600);
	if (rc < 0) {
		ck_err_context("cloak seal keygen: %s", key_out);
		goto out;
	}
	if (secret_out != NULL) {
		rc = force ? ck_file_write_atomic(secret_out, ck_buf_data(&secret),
		                                  ck_buf_len(&secret), 0600)
		           : ck_file_write_new(secret_out, ck_buf_data(&secret), ck_buf_len(&secret),
		                               0600);
		if (rc < 0) {
			ck_err_context("cloak seal keygen: %s", secret_out);
			goto out;
		}
	}
	if ((rc = ck_file_write_atomic(cert_out, ck_buf_data(&cert), ck_buf_len(&cert), 0644)) < 0) {
		ck_err_context("cloak seal keygen: %s", cert_out);
		goto out;
	}
	rc = CK_EXIT_OK;
out:
	ck_buf_dispose(&key);
	ck_buf_dispose(&cert);
	ck_buf_dispose(&secret);
	return rc;
}

int cmd_seal(int argc, char **argv)
{
	struct args a;
	struct ck_rsa *pub = NULL;
	struct ck_buf dns = CK_BUF_INIT;
	enum ck_seal_format fmt = CK_SEAL_FORMAT_JSON;
	int rc = CK_EINTERNAL, fmt_given;

	memset(&a, 0, sizeof(a));
	a.prog = strcmp(argv[0], "kubeseal") == 0 ? "kubeseal" : "cloak seal";
	if (argc >= 2 && strcmp(argv[1], "keygen") == 0) {
		cli_opt_reset();
		return cmd_keygen(argc - 1, argv + 1);
	}
	if ((rc = parse_args(&a, argc, argv)) != CK_OK) {
		if (rc == 1)
			rc = CK_EXIT_OK;
		goto out;
	}
	if (a.fetch_cert + a.validate + a.reencrypt + a.recovery + a.raw + (a.merge_into != NULL) >
	    1) {
		rc = ck_err_set(CK_EUSAGE,
		                "%s: --fetch-cert, --validate, --re-encrypt, "
		                "--recovery-unseal, --raw and --merge-into exclude each other",
		                a.prog);
		goto out;
	}
	fmt_given = a.format != NULL;
	if ((rc = ck_seal_format_parse(&fmt, a.format)) < 0)
		goto out;
	if (!fmt_given && a.out_file != NULL &&
	    (has_suffix(a.out_file, ".yaml") || has_suffix(a.out_file, ".yml")))
		fmt = CK_SEAL_FORMAT_YAML;
	if (a.fetch_cert) {
		rc = run_fetch_cert(&a);
		goto done;
	}
	if (a.validate || a.reencrypt) {
		rc = run_controller(&a, fmt, fmt_given || a.out_file != NULL);
		goto done;
	}
	if (a.nfrom > 0 && !a.raw) {
		rc = ck_err_set(CK_EUSAGE, "%s: --from-file requires --raw", a.prog);
		goto out;
	}
	if (a.nfrom > 1) {
		rc = ck_err_set(CK_EUSAGE, "%s: must provide only one --from-file when encrypting a "
		                "single item with --raw", a.prog);
		goto out;
	}
	if (a.recovery) {
		rc = run_recovery(&a, fmt);
		goto out;
	}
	if (a.nkeyfiles > 0)
		fprintf(stderr, "%s: warning: --recovery-private-key is only used with "
		        "--recovery-unseal\n", a.prog);
	if (a.raw && a.merge_into != NULL) {
		rc = ck_err_set(CK_EUSAGE, "%s: --raw and --merge-into cannot be combined", a.prog);
		goto out;
	}
	if ((rc = load_cert(&pub, &a)) < 0)
		goto out;
	if ((rc = default_namespace(&dns, &a)) < 0)
		goto out;
	if (a.raw)
		rc = run_raw(&a, pub, ck_buf_cstr(&dns));
	else
		rc = run_seal(&a, pub, ck_buf_cstr(&dns), (int)fmt, fmt_given);
done:
	if (rc == CK_OK)
		rc = CK_EXIT_OK;
out:
	ck_rsa_free(pub);
	ck_buf_dispose(&dns);
	return rc;
}
