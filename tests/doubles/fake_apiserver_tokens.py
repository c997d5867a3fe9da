#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""fake_apiserver.py plus the TokenRequest subresource of ServiceAccounts.

POST /api/v1/namespaces/{ns}/serviceaccounts/{name}/token with an
authentication.k8s.io/v1 TokenRequest answers 201 with status.token and
status.expirationTimestamp, as the real API server does (404 when the
ServiceAccount does not exist, expirationSeconds below 600 raised to 600).
The token is not a signed JWT: it is the fixed string

    fake-sa-token:<ns>:<name>:<audience,audience...>

so tests can configure the Vault double's kubernetes/jwt auth with the
token the controller will present. It also sets TCP_NODELAY on accepted
connections: without it every answer waits ~40 ms for the client's delayed
ACK (Nagle), which caps a keep-alive connection at ~25 requests/s.
Everything else is fake_apiserver.py unchanged (same flags, same control API).
"""
import json
import os
import socket
import sys


sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fake_apiserver as fa  # noqa: E402

_route = fa.Handler._route


def _token_route(self, method, u, body, fault):
    parts = [p for p in u.path.split("/") if p]
    if (len(parts) == 7 and parts[:3] == ["api", "v1", "namespaces"] and
            parts[4] == "serviceaccounts" and parts[6] == "token"):
        ns, name = parts[3], parts[5]
        if method != "POST":
            raise fa.ApiError(405, "MethodNotAllowed",
                              "the server does not allow this method on the requested resource")
        store = self.server.store
        with store.lock:
            res = store.lookup("", "v1", "serviceaccounts")
            store.get(res, ns, name)  # 404 NotFound when absent
            now = store.now()
        req = json.loads(body) if body else {}
        spec = req.get("spec") or {}
        aud = [str(a) for a in (spec.get("audiences") or [])]
        exp = int(spec.get("expirationSeconds") or 3600)
        exp = max(exp, 600)
        out = {
            "kind": "TokenRequest",
            "apiVersion": "authentication.k8s.io/v1",
            "metadata": {"name": name, "namespace": ns,
                         "creationTimestamp": fa.fmt_time(now)},
            "spec": {"audiences": aud, "expirationSeconds": exp},
            "status": {"token": "fake-sa-token:%s:%s:%s" % (ns, name, ",".join(aud)),
                       "expirationTimestamp": fa.fmt_time(now + exp)},
        }
        return self._send(201, out)
    return _route(self, method, u, body, fault)


fa.Handler._route = _token_route

_setup = fa.Handler.setup


def _setup_nodelay(self):
    _setup(self)
    try:
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    except OSError:
        pass


fa.Handler.setup = _setup_nodelay

if __name__ == "__main__":

    sys.exit(fa.main())
