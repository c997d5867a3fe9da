/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Helpers shared by the ExternalSecret and SopsSecret reconcilers (not a
 * public header): Events, status patches, Ready conditions, and writing a
 * Secret (create, update, merge, adopt) with GET + PUT and the
 * resourceVersion, never writing when nothing changed.
 */
#ifndef CK_CTL_RECON_INT_H
#define CK_CTL_RECON_INT_H

#include <stddef.h>
#include <stdint.h>

#include "ck/buf.h"
#include "ck/kube.h"
#include "ck/doc.h"
#include "ck/err.h"
#include "ck/ext.h"

/* An object an Event or an ownerReference points at. */
struct ck_ctl__ref {
	const char *api_version;
	const char *kind;
	const char *ns;
	const char *name;
	const char *uid;
};

/* "ns/name" -> ns and name ("" ns for a cluster-scoped key). */
void ck_ctl__split_key(const char *key, char *ns, size_t nsl, char *name, size_t nl);

/*
 * Post an events.k8s.io/v1 Event (best effort: a failure is logged). note is
 * cut to 1000 bytes; it must never hold a secret value.
 */
void ck_ctl__event(struct ck_kube_conn *c, const char *controller, const char *instance,
                   const struct ck_ctl__ref *regarding, const char *action, const char *type,
                   const char *reason, const char *note);

/*
 * JSON merge patch of {"status": status} on <obj_path>/status. CK_OK, or the
 * request's error (resp status in *http_status when not NULL).
 */
int ck_ctl__status_patch(struct ck_kube_conn *c, const char *obj_path,
                         const struct ck_doc_node *status, long *http_status) CK_WUR;

/*
 * Set condition `type` in the sequence conds (created in d): status, reason,
 * message, lastTransitionTime (kept from old_conds when the status did not
 * change, else now), and observedGeneration when >= 0. CK_ENOMEM.
 */
int ck_ctl__condition_put(struct ck_doc *d, struct ck_doc_node *conds,
                          const struct ck_doc_node *old_conds, const char *type,
                          const char *status, const char *reason, const char *message,
                          const char *now, int64_t observed_gen) CK_WUR;

/* The condition `type` of obj's status (NULL when absent). */
const struct ck_doc_node *ck_ctl__condition_get(const struct ck_doc_node *obj, const char *type);

/* A copy of obj as compact JSON without managedFields and kubectl's last-applied annotation. */
int ck_ctl__object_json(char **out, const struct ck_doc_node *obj, int drop_status) CK_WUR;

/* What a Secret should look like. Maps from ck/ext.h: labels and annotations plain, data secure. */
struct ck_ctl__want {
	const char *ns, *name;
	const char *type;                  /* NULL: Opaque when created, kept on update */
	const struct ck_ext_map *data;
	const struct ck_ext_map *labels;   /* merged over the live Secret's */
	const struct ck_ext_map *annotations;
	int immutable;
	const struct ck_ctl__ref *owner;   /* controller ownerReference (replaces another), or NULL */
	int merge;                         /* keep data keys of the live Secret not in data */
	const char *const *remove;         /* with merge: data keys to drop (NULL-terminated) */
	int create;                        /* 0: never create (a missing Secret is reported) */
	/*
	 * May the live Secret (not yet written by us) be changed? Return 1, or 0
	 * with a one-line reason in msg. NULL: always.
	 */
	int (*adopt)(void *arg, const struct ck_doc_node *live, char *msg, size_t n);
	/* Called on the final object before the comparison (e.g. a hash annotation of data). */
	int (*finish)(void *arg, struct ck_doc *d, struct ck_doc_node *secret);
	void *arg;
};

struct ck_ctl__applied {
	int missing;        /* create == 0 and there is no Secret */
	int created;
	int wrote;          /* created or updated */
	int refused;        /* adopt() said no: msg in the error */
	int immutable;      /* the live Secret is immutable and differs */
	char rv[64];        /* resourceVersion after the call */
};

/*
 * Make the Secret match w. known_absent 1 tries a create first (the
 * informer has no such Secret); a 409 falls back to GET + PUT. Writes only
 * when data, type, labels, annotations, ownerReferences or immutable differ.
 * Errors: the API's (a 409 Conflict is CK_EINVAL with "Conflict" in the
 * message: retry), CK_EDENIED when adopt() refused or the Secret is
 * immutable (out->refused / out->immutable set), CK_ENOMEM.
 */
int ck_ctl__secret_apply(struct ck_kube_conn *c, const struct ck_ctl__want *w, int known_absent,
                         struct ck_ctl__applied *out) CK_WUR;

/* Delete a Secret if its uid is still `uid` (precondition); 404 is success. */
int ck_ctl__secret_delete(struct ck_kube_conn *c, const char *ns, const char *name,
                          const char *uid) CK_WUR;

/* SHA-256 (hex) of a Secret's data map {key: base64} in key order: our drift check. */
int ck_ctl__data_digest(char out[65], const struct ck_doc_node *data) CK_WUR;

#endif
