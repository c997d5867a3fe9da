/* SPDX-License-Identifier: Apache-2.0 */
/* Internals shared by http.c and curl.c; not part of the public API. */
#ifndef CK_NET_HTTP_INT_H
#define CK_NET_HTTP_INT_H

#include <stdatomic.h>

#include "ck/http.h"

struct ck_net__curl;

struct ck_http_client {
	struct ck_net__curl *curl;      /* libcurl state; NULL with a custom transport */
	const struct ck_http_transport *transport;
	long timeout_ms;                /* 0: none */
	long connect_timeout_ms;
	size_t max_response;
	int max_redirects;
	char *bearer_line;              /* "Authorization: Bearer ..." in secret memory */
	char **headers;                 /* client header lines (copies) */
	size_t nheaders;
	char *user_agent;
	/* TLS copies */
	char *ca_file, *cert_file, *key_file, *server_name;
	char *ca_pem, *cert_pem;
	size_t ca_pem_len, cert_pem_len;
	char *key_pem;                  /* secret memory */
	size_t key_pem_len;
	int insecure;
	atomic_int cancel;
};

struct ck_http_exchange {
	struct ck_http_client *c;
	const struct ck_http_request *req;
	struct ck_http_response *resp;
	const char *method;
	const char **lines;             /* merged header lines, NULL-terminated */
	size_t nlines;
	long timeout_ms;                /* 0: none */
	size_t max_response;
	size_t header_bytes;
	int sink_rc;                    /* code that stopped the body sink */
	char what[512];                 /* "GET https://host/path" for messages */
};

int ck_net__curl_new(struct ck_net__curl **out);
void ck_net__curl_free(struct ck_net__curl *k);
void ck_net__curl_wakeup(struct ck_net__curl *k);
int ck_net__curl_send(struct ck_net__curl *k, struct ck_http_exchange *x);

#endif
