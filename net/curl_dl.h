/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Private to net/curl.c: libcurl is loaded with dlopen() the first time a
 * client is made, not linked. libcurl drags in some thirty shared libraries
 * (GnuTLS, Kerberos, LDAP, ...) whose relocation was most of the start-up
 * cost of every cloak command, including the many that never touch the
 * network (seal, age, sops with age keys). Every call goes through this
 * table; the macros keep curl.c reading like ordinary libcurl code.
 */
#ifndef CK_NET_CURL_DL_H
#define CK_NET_CURL_DL_H

#define CURL_DISABLE_TYPECHECK 1
#include <curl/curl.h>

struct ck_curl_api {
	CURLcode (*global_init)(long flags);
	void (*global_cleanup)(void);
	CURL *(*easy_init)(void);
	void (*easy_cleanup)(CURL *c);
	void (*easy_reset)(CURL *c);
	CURLcode (*easy_setopt)(CURL *c, CURLoption opt, ...);
	const char *(*easy_strerror)(CURLcode code);
	void (*free)(void *p);
	CURLM *(*multi_init)(void);
	CURLMcode (*multi_cleanup)(CURLM *m);
	CURLMcode (*multi_add_handle)(CURLM *m, CURL *c);
	CURLMcode (*multi_remove_handle)(CURLM *m, CURL *c);
	CURLMcode (*multi_perform)(CURLM *m, int *running);
	CURLMcode (*multi_poll)(CURLM *m, struct curl_waitfd *extra, unsigned n, int timeout_ms,
	                        int *numfds);
	CURLMcode (*multi_wakeup)(CURLM *m);
	CURLMsg *(*multi_info_read)(CURLM *m, int *left);
	const char *(*multi_strerror)(CURLMcode code);
	struct curl_slist *(*slist_append)(struct curl_slist *l, const char *s);
	void (*slist_free_all)(struct curl_slist *l);
	CURLU *(*url)(void);
	void (*url_cleanup)(CURLU *u);
	CURLUcode (*url_get)(const CURLU *u, CURLUPart what, char **part, unsigned flags);
	CURLUcode (*url_set)(CURLU *u, CURLUPart what, const char *part, unsigned flags);
};

extern struct ck_curl_api ck__curl;

/* dlopen libcurl and fill ck__curl; returns 0, or -1 with a reason in why. */
int ck__curl_load(char *why, size_t n);

#define curl_global_init ck__curl.global_init
#define curl_global_cleanup ck__curl.global_cleanup
#define curl_easy_init ck__curl.easy_init
#define curl_easy_cleanup ck__curl.easy_cleanup
#define curl_easy_reset ck__curl.easy_reset
#undef curl_easy_setopt /* curl.h checks the argument count with a macro */
#define curl_easy_setopt ck__curl.easy_setopt
#define curl_easy_strerror ck__curl.easy_strerror
#define curl_free ck__curl.free
#define curl_multi_init ck__curl.multi_init
#define curl_multi_cleanup ck__curl.multi_cleanup
#define curl_multi_add_handle ck__curl.multi_add_handle
#define curl_multi_remove_handle ck__curl.multi_remove_handle
#define curl_multi_perform ck__curl.multi_perform
#define curl_multi_poll ck__curl.multi_poll
#define curl_multi_wakeup ck__curl.multi_wakeup
#define curl_multi_info_read ck__curl.multi_info_read
#define curl_multi_strerror ck__curl.multi_strerror
#define curl_slist_append ck__curl.slist_append
#define curl_slist_free_all ck__curl.slist_free_all
#define curl_url ck__curl.url
#define curl_url_cleanup ck__curl.url_cleanup
#define curl_url_get ck__curl.url_get
#define curl_url_set ck__curl.url_set

#endif
