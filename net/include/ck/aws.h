/* SPDX-License-Identifier: Apache-2.0 */
/*
 * AWS clients: the default credential chain, region and endpoint
 * resolution, KMS Encrypt/Decrypt, Secrets Manager GetSecretValue, STS
 * AssumeRoleWithWebIdentity / AssumeRole. JSON protocol 1.1 signed with
 * SigV4 (ck/sigv4.h) over one HTTP client (connections are reused).
 *
 * Credentials, first match wins (as the SDKs do):
 *   1. config static keys (ESO's auth.secretRef), else a config web identity
 *      token + role (ESO's auth.jwt: a TokenRequest token) -> STS
 *      AssumeRoleWithWebIdentity;
 *   2. AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY [/ AWS_SESSION_TOKEN]
 *      (legacy AWS_ACCESS_KEY / AWS_SECRET_KEY);
 *   3. web identity: AWS_ROLE_ARN + AWS_WEB_IDENTITY_TOKEN_FILE
 *      [+ AWS_ROLE_SESSION_NAME] -> STS AssumeRoleWithWebIdentity (unsigned),
 *      the token file re-read at every refresh;
 *   4. the profile (config.profile, AWS_PROFILE, AWS_DEFAULT_PROFILE,
 *      "default") in ~/.aws/credentials (AWS_SHARED_CREDENTIALS_FILE) and
 *      ~/.aws/config (AWS_CONFIG_FILE, sections "[profile NAME]"/"[default]"):
 *      static keys (credentials file wins), role_arn + web_identity_token_file,
 *      role_arn + source_profile (AssumeRole signed with the source profile).
 * Then, if config.role_arn is set (sops `role`, ESO `role`), those
 * credentials assume it with STS AssumeRole. Temporary credentials are
 * refreshed 5 minutes before Expiration.
 *
 * Region: config.region, AWS_REGION, AWS_DEFAULT_REGION, the profile's
 * region. For KMS a key ARN's region wins. Endpoints:
 * AWS_ENDPOINT_URL_<SERVICE> (KMS, SECRETS_MANAGER, STS), then
 * config.endpoint_url / AWS_ENDPOINT_URL, then https://<svc>.<region>.amazonaws.com
 * (.amazonaws.com.cn for cn-*). STS uses the regional endpoint when a region
 * is known, else sts.amazonaws.com.
 *
 * Retries: ThrottlingException (and the other throttling codes),
 * RequestTimeout, KMSInternalException, DependencyTimeoutException,
 * InternalServiceError, IDPCommunicationError, HTTP 5xx and connection
 * failures, max_retries times (default 3) with exponential backoff and
 * jitter (base 100 ms), honouring Retry-After.
 *
 * Errors: the AWS error type maps to a code: *NotFound* -> CK_ENOTFOUND;
 * AccessDenied, UnrecognizedClient, InvalidSignature, SignatureDoesNotMatch,
 * ExpiredToken, IncompleteSignature, InvalidIdentityToken, Disabled ->
 * CK_EDENIED; InvalidCiphertext, IncorrectKey -> CK_EAUTH; Validation,
 * InvalidParameter, InvalidRequest, Serialization, UnknownOperation ->
 * CK_EINVAL; throttling and 5xx (after retries) -> CK_ENET. Messages read
 * "aws: kms Decrypt: InvalidCiphertextException: <message>"; no key, token
 * or plaintext ever appears.
 */
#ifndef CK_AWS_H
#define CK_AWS_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "ck/buf.h"
#include "ck/err.h"
#include "ck/http.h"
#include "ck/sigv4.h"

struct ck_aws_config {
	const char *profile;         /* NULL: AWS_PROFILE, AWS_DEFAULT_PROFILE, "default" */
	const char *region;          /* NULL: resolved as above */
	const char *endpoint_url;    /* NULL: AWS_ENDPOINT_URL; per-service variables win */
	struct ck_aws_creds creds;   /* static credentials (copied); NULL fields: the chain */
	const char *role_arn;        /* assume this role on top of the chain's credentials */
	const char *role_session_name; /* NULL: "cloak-<unix time>" */
	const char *external_id;     /* for role_arn */
	const char *web_identity_token;    /* a JWT (copied into secret memory) ... */
	const char *web_identity_role_arn; /* ... exchanged for this role's credentials */
	struct ck_http_tls tls;      /* e.g. a CA for a private endpoint (AWS_CA_BUNDLE if unset) */
	int max_retries;             /* < 0: default 3 */
	long timeout_ms;             /* 0: 30000 */
	int no_env;                  /* 1: ignore the environment and shared files (tests, ESO) */
	const struct ck_http_transport *transport; /* NULL: libcurl */
	/* test seams */
	time_t (*now)(void *arg);
	void (*sleep_ms)(void *arg, long ms);
	void *seam_arg;
};

struct ck_aws;

/*
 * A client. Credentials are resolved lazily, at the first call that needs
 * them. CK_ENOMEM, CK_EINVAL (bad endpoint URL), http client errors.
 */
int ck_aws_new(struct ck_aws **out, const struct ck_aws_config *c) CK_WUR;
void ck_aws_free(struct ck_aws *a);

/* The resolved region ("" when none could be found). */
const char *ck_aws_region(const struct ck_aws *a);

/*
 * Resolve (or refresh) the credentials now. out (may be NULL) receives
 * pointers valid until the next call on a; where (may be NULL) a short
 * description of the source ("environment", "profile dev", "web identity",
 * "assumed role"). CK_ENOTFOUND when the chain finds nothing; CK_EINVAL for
 * malformed files; STS errors.
 */
int ck_aws_credentials(struct ck_aws *a, struct ck_aws_creds *out, const char **where) CK_WUR;

/* Encryption context: key/value pairs (sent as a JSON map). */
struct ck_aws_pair {
	const char *key;
	const char *value;
};

/*
 * KMS Encrypt: appends the raw CiphertextBlob bytes to blob; key_arn_out
 * (may be NULL) receives the KeyId the service returned (the key ARN).
 * key_id: key id, key ARN, alias name ("alias/x") or alias ARN.
 * 1..4096 bytes of plaintext.
 */
int ck_aws_kms_encrypt(struct ck_aws *a, struct ck_buf *blob, struct ck_buf *key_arn_out,
                       const char *key_id, const void *pt, size_t n,
                       const struct ck_aws_pair *ctx, size_t nctx) CK_WUR;

/*
 * KMS Decrypt: appends the plaintext to out (use a secure buffer). key_id
 * may be NULL (symmetric blobs name their key); when given, its ARN's region
 * selects the endpoint and the service checks it matches. The context must
 * equal the one used to encrypt (CK_EAUTH otherwise).
 */
int ck_aws_kms_decrypt(struct ck_aws *a, struct ck_buf *out, const char *key_id,
                       const void *blob, size_t n, const struct ck_aws_pair *ctx,
                       size_t nctx) CK_WUR;

struct ck_aws_secret {
	struct ck_buf value;         /* SecretString, or the decoded SecretBinary (secure) */
	int binary;                  /* 1: value came from SecretBinary */
	char arn[2048];
	char name[512];
	char version_id[128];
	char stages[512];            /* VersionStages joined with ',' */
	double created_date;         /* epoch seconds, 0 when absent */
};

void ck_aws_secret_init(struct ck_aws_secret *s);
void ck_aws_secret_dispose(struct ck_aws_secret *s);

/*
 * Secrets Manager GetSecretValue by name or ARN; version_id and
 * version_stage may be NULL (AWSCURRENT). A secret ARN's region selects the
 * endpoint.
 */
int ck_aws_sm_get_secret_value(struct ck_aws *a, struct ck_aws_secret *out,
                               const char *secret_id, const char *version_id,
                               const char *version_stage) CK_WUR;

/*
 * Parsers of the service answers, exposed for tests and fuzzers. They never
 * fail on unknown fields; CK_EINVAL for malformed input.
 *  - error: status + JSON body (+ x-amzn-ErrorType header value, may be
 *    NULL) -> sets the mapped code and message, returns it.
 *  - STS XML credentials: fills creds strings (secure buffers) and expiry.
 */
int ck_aws_error_from_response(const char *what, long status, const char *body, size_t n,
                               const char *error_type_header);
int ck_aws_sts_parse_credentials(struct ck_buf *akid, struct ck_buf *secret,
                                 struct ck_buf *token, time_t *expiration, const char *xml,
                                 size_t n) CK_WUR;
int ck_aws_sm_parse(struct ck_aws_secret *out, const char *json, size_t n) CK_WUR;

#endif
