/* SPDX-License-Identifier: Apache-2.0 */
/* The Lease operations of leader election on the kube client. */
#include <stdio.h>
#include <string.h>

#include "ck/ctl_lease.h"
#include "ctl_int.h"

static void copy_str(char *dst, size_t n, const char *s)
{
	snprintf(dst, n, "%s", s ? s : "");
}

static void from_obj(struct ck_ctl_lease *l, const struct ck_doc_node *obj)
{
	memset(l, 0, sizeof(*l));
	copy_str(l->holder, sizeof(l->holder), ck_kube_str(obj, "spec.holderIdentity"));
	l->duration_s = (int)ck_kube_int(obj, "spec.leaseDurationSeconds", 0);
	copy_str(l->acquire_time, sizeof(l->acquire_time), ck_kube_str(obj, "spec.acquireTime"));
	copy_str(l->renew_time, sizeof(l->renew_time), ck_kube_str(obj, "spec.renewTime"));
	l->transitions = (int)ck_kube_int(obj, "spec.leaseTransitions", 0);
	copy_str(l->rv, sizeof(l->rv), ck_kube_str(obj, "metadata.resourceVersion"));
}

static int body(struct ck_buf *out, const struct ck_ctl_kube_lease *kl,
                const struct ck_ctl_lease *l)
{
	struct ck_doc *d = ck_doc_new(0);
	struct ck_doc_node *root, *md, *spec;
	char num[32];
	int rc = CK_ENOMEM;

	if (d == NULL || (root = ck_doc_map(d)) == NULL || ck_doc_add_root(d, root) < 0 ||
	    (md = ck_ctl__put_map(d, root, "metadata")) == NULL ||
	    (spec = ck_ctl__put_map(d, root, "spec")) == NULL)
		goto out;
	if ((rc = ck_ctl__put_str(d, root, "apiVersion", "coordination.k8s.io/v1")) < 0 ||
	    (rc = ck_ctl__put_str(d, root, "kind", "Lease")) < 0 ||
	    (rc = ck_ctl__put_str(d, md, "name", kl->name)) < 0 ||
	    (rc = ck_ctl__put_str(d, md, "namespace", kl->ns)) < 0 ||
	    (l->rv[0] && (rc = ck_ctl__put_str(d, md, "resourceVersion", l->rv)) < 0) ||
	    (rc = ck_ctl__put_str(d, spec, "holderIdentity", l->holder)) < 0)
		goto out;
	snprintf(num, sizeof(num), "%d", l->duration_s);
	if ((rc = ck_ctl__put_raw(d, spec, "leaseDurationSeconds", num)) < 0 ||
	    (l->acquire_time[0] &&
	     (rc = ck_ctl__put_str(d, spec, "acquireTime", l->acquire_time)) < 0) ||
	    (l->renew_time[0] && (rc = ck_ctl__put_str(d, spec, "renewTime", l->renew_time)) < 0))
		goto out;
	snprintf(num, sizeof(num), "%d", l->transitions);
	if ((rc = ck_ctl__put_raw(d, spec, "leaseTransitions", num)) < 0)
		goto out;
	rc = ck_ctl__write_json(out, root);
out:
	if (rc == CK_ENOMEM)
		ck_err_set(CK_ENOMEM, "controller: out of memory");
	ck_doc_free(d);
	return rc;
}

static int get(void *arg, struct ck_ctl_lease *out)
{
	struct ck_ctl_kube_lease *kl = arg;
	struct ck_kube_resp resp = CK_KUBE_RESP_INIT;
	struct ck_buf path = CK_BUF_INIT;
	int rc;

	if ((rc = ck_buf_printf(&path, "/apis/coordination.k8s.io/v1/namespaces/%s/leases/%s",
	                        kl->ns, kl->name)) < 0)
		goto out;
	rc = ck_kube_request(kl->conn, &resp, "GET", ck_buf_cstr(&path), NULL, NULL, 0, NULL, 0);
	if (rc < 0 && resp.status == 404)
		rc = CK_ENOTFOUND;
	if (rc == CK_OK)
		from_obj(out, resp.obj);
out:
	ck_kube_resp_dispose(&resp);
	ck_buf_dispose(&path);
	return rc;
}

static int put_lease(void *arg, struct ck_ctl_lease *l, int create)
{
	struct ck_ctl_kube_lease *kl = arg;
	struct ck_kube_resp resp = CK_KUBE_RESP_INIT;
	struct ck_buf path = CK_BUF_INIT, b = CK_BUF_INIT;
	int rc;

	if ((rc = ck_buf_printf(&path, "/apis/coordination.k8s.io/v1/namespaces/%s/leases",
	                        kl->ns)) < 0 ||
	    (!create && (rc = ck_buf_printf(&path, "/%s", kl->name)) < 0) ||
	    (rc = body(&b, kl, l)) < 0)
		goto out;
	rc = ck_kube_request(kl->conn, &resp, create ? "POST" : "PUT", ck_buf_cstr(&path), NULL,
	                     ck_buf_data(&b), ck_buf_len(&b), NULL, 0);
	if (rc == CK_OK)
		copy_str(l->rv, sizeof(l->rv), ck_kube_str(resp.obj, "metadata.resourceVersion"));
out:
	ck_kube_resp_dispose(&resp);
	ck_buf_dispose(&path);
	ck_buf_dispose(&b);
	return rc;
}

static int create(void *arg, struct ck_ctl_lease *l)
{
	return put_lease(arg, l, 1);
}

static int update(void *arg, struct ck_ctl_lease *l)
{
	return put_lease(arg, l, 0);
}

void ck_ctl_kube_lease_ops(struct ck_ctl_lease_ops *ops, struct ck_ctl_kube_lease *kl)
{
	ops->get = get;
	ops->create = create;
	ops->update = update;
	ops->arg = kl;
}
