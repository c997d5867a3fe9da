#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Tests of the fake API server itself: each behaviour of
shared/specs/controller.md section 1.14 that a naive fake would get wrong."""

import http.client
import json
import os
import socket
import ssl
import sys
import tempfile
import threading
import time
import unittest
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fake_apiserver as fk  # noqa: E402

TOKEN = "t0ken"


class Client:
    def __init__(self, srv, token=TOKEN, ctx=None):
        self.srv = srv
        self.token = token
        self.ctx = ctx

    def conn(self, timeout=10):
        if self.ctx:
            return http.client.HTTPSConnection("127.0.0.1", self.srv.port, context=self.ctx,
                                               timeout=timeout)
        return http.client.HTTPConnection("127.0.0.1", self.srv.port, timeout=timeout)

    def req(self, method, path, body=None, ctype="application/json", token=None):
        c = self.conn()
        hdrs = {}
        tok = self.token if token is None else token
        if tok:
            hdrs["Authorization"] = "Bearer " + tok
        data = None
        if body is not None:
            data = body if isinstance(body, bytes) else json.dumps(body).encode()
            hdrs["Content-Type"] = ctype
        c.request(method, path, body=data, headers=hdrs)
        r = c.getresponse()
        raw = r.read()
        c.close()
        try:
            js = json.loads(raw) if raw else None
        except ValueError:
            js = raw.decode()
        return r.status, js, r

    def ctl(self, what, body=None, method="POST"):
        return self.req(method, "/__fake/" + what, body if body is not None else {}, token="")

    def watch(self, path, timeout=10):
        """Open a watch; returns (response, iterator of events)."""
        c = self.conn(timeout)
        c.request("GET", path, headers={"Authorization": "Bearer " + self.token})
        r = c.getresponse()
        return c, r

    @staticmethod
    def events(r, n=None):
        out = []
        buf = b""
        while n is None or len(out) < n:
            try:
                chunk = r.read1(65536) if hasattr(r, "read1") else r.read(1)
            except http.client.IncompleteRead:
                out.append("INCOMPLETE")
                break
            except (ConnectionError, socket.timeout):
                out.append("INCOMPLETE")
                break
            if not chunk:
                break
            buf += chunk
            while b"\n" in buf:
                line, buf = buf.split(b"\n", 1)
                if line.strip():
                    out.append(json.loads(line))
        return out


def secret(name, ns="default", labels=None, data=None, **kw):
    o = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": name, "namespace": ns}}
    if labels:
        o["metadata"]["labels"] = labels
    o["data"] = data or {"k": "dg=="}
    o.update(kw)
    return o


def sealed(name, ns="default", spec=None):
    return {"apiVersion": "bitnami.com/v1alpha1", "kind": "SealedSecret",
            "metadata": {"name": name, "namespace": ns},
            "spec": spec or {"encryptedData": {"a": "AgA="}}}


SS = "/apis/bitnami.com/v1alpha1/namespaces/default/sealedsecrets"
SEC = "/api/v1/namespaces/default/secrets"


class Base(unittest.TestCase):
    def setUp(self):
        self.srv = fk.FakeAPIServer(tokens=[TOKEN], history=50, bookmark_interval=3600).start()
        self.c = Client(self.srv)

    def tearDown(self):
        self.srv.stop()


class StorageTest(Base):
    def test_global_rv_and_server_fields(self):
        st, a, _ = self.c.req("POST", SEC, secret("a"))
        self.assertEqual(st, 201)
        st, b, _ = self.c.req("POST", SS, sealed("b"))
        self.assertEqual(st, 201)
        ra, rb = int(a["metadata"]["resourceVersion"]), int(b["metadata"]["resourceVersion"])
        self.assertIsInstance(a["metadata"]["resourceVersion"], str)
        self.assertGreater(rb, ra)  # one counter across kinds
        for o in (a, b):
            self.assertRegex(o["metadata"]["uid"], r"^[0-9a-f-]{36}$")
            self.assertRegex(o["metadata"]["creationTimestamp"], r"Z$")
        self.assertNotIn("generation", a["metadata"])
        self.assertEqual(b["metadata"]["generation"], 1)
        self.assertEqual(a["type"], "Opaque")

    def test_get_404_status(self):
        st, body, _ = self.c.req("GET", SEC + "/nope")
        self.assertEqual(st, 404)
        self.assertEqual(body["kind"], "Status")
        self.assertEqual(body["reason"], "NotFound")
        self.assertEqual(body["code"], 404)
        self.assertEqual(body["message"], 'secrets "nope" not found')

    def test_create_conflict_and_generate_name(self):
        self.assertEqual(self.c.req("POST", SEC, secret("a"))[0], 201)
        st, body, _ = self.c.req("POST", SEC, secret("a"))
        self.assertEqual((st, body["reason"]), (409, "AlreadyExists"))
        o = secret("")
        o["metadata"] = {"generateName": "sealed-secrets-key"}
        st, body, _ = self.c.req("POST", SEC, o)
        self.assertEqual(st, 201)
        self.assertRegex(body["metadata"]["name"], r"^sealed-secrets-key[a-z0-9]{5}$")

    def test_namespace_must_exist(self):
        st, body, _ = self.c.req("POST", "/api/v1/namespaces/nons/secrets", secret("a", "nons"))
        self.assertEqual(st, 404)
        self.assertIn('namespaces "nons" not found', body["message"])
        st, body, _ = self.c.req("POST", "/api/v1/namespaces/default/secrets",
                                 secret("a", "other"))
        self.assertEqual(st, 400)

    def test_put_conflict_and_rv_required_on_cr(self):
        _, a, _ = self.c.req("POST", SEC, secret("a"))
        stale = dict(a)
        a["data"] = {"k": "eA=="}
        st, a2, _ = self.c.req("PUT", SEC + "/a", a)
        self.assertEqual(st, 200)
        self.assertNotEqual(a2["metadata"]["resourceVersion"], a["metadata"]["resourceVersion"])
        st, body, _ = self.c.req("PUT", SEC + "/a", stale)
        self.assertEqual((st, body["reason"]), (409, "Conflict"))
        self.assertIn("the object has been modified", body["message"])
        # Built-ins accept an unconditional update; custom resources do not.
        del a2["metadata"]["resourceVersion"]
        self.assertEqual(self.c.req("PUT", SEC + "/a", a2)[0], 200)
        _, s, _ = self.c.req("POST", SS, sealed("s"))
        del s["metadata"]["resourceVersion"]
        st, body, _ = self.c.req("PUT", SS + "/s", s)
        self.assertEqual((st, body["reason"]), (422, "Invalid"))
        self.assertEqual(body["details"]["causes"][0]["field"], "metadata.resourceVersion")

    def test_noop_update_keeps_rv(self):
        _, a, _ = self.c.req("POST", SEC, secret("a"))
        st, b, _ = self.c.req("PUT", SEC + "/a", a)
        self.assertEqual(st, 200)
        self.assertEqual(a["metadata"]["resourceVersion"], b["metadata"]["resourceVersion"])

    def test_generation_and_status_subresource(self):
        _, s, _ = self.c.req("POST", SS, dict(sealed("s"), status={"x": 1}))
        self.assertNotIn("status", s)  # status dropped on create
        s["status"] = {"observedGeneration": 1}
        s["metadata"]["labels"] = {"l": "1"}
        st, s2, _ = self.c.req("PUT", SS + "/s", s)
        self.assertEqual(st, 200)
        self.assertNotIn("status", s2)          # main endpoint ignores status
        self.assertEqual(s2["metadata"]["generation"], 1)  # metadata-only change
        s2["status"] = {"observedGeneration": 1, "conditions": [{"type": "Synced"}]}
        s2["spec"]["encryptedData"]["b"] = "AgB="
        st, s3, _ = self.c.req("PUT", SS + "/s/status", s2)
        self.assertEqual(st, 200)
        self.assertEqual(s3["status"]["observedGeneration"], 1)
        self.assertNotIn("b", s3["spec"]["encryptedData"])  # status endpoint: status only
        self.assertEqual(s3["metadata"]["generation"], 1)
        s3["spec"]["encryptedData"]["b"] = "AgB="
        _, s4, _ = self.c.req("PUT", SS + "/s", s3)
        self.assertEqual(s4["metadata"]["generation"], 2)
        self.assertEqual(s4["status"]["observedGeneration"], 1)  # kept

    def test_secret_validation(self):
        st, body, _ = self.c.req("POST", SEC, secret("a", data={"k": "!!notb64"}))
        self.assertEqual(st, 400)
        st, body, _ = self.c.req("POST", SEC, secret("t", type="kubernetes.io/tls"))
        self.assertEqual((st, body["reason"]), (422, "Invalid"))
        _, im, _ = self.c.req("POST", SEC, secret("im", immutable=True))
        im["data"] = {"k": "eQ=="}
        st, body, _ = self.c.req("PUT", SEC + "/im", im)
        self.assertEqual(st, 422)
        self.assertIn("field is immutable when `immutable` is set", body["message"])
        st, body, _ = self.c.req("POST", SEC, {"metadata": {"name": "sd"},
                                               "stringData": {"x": "hello"}})
        self.assertEqual(st, 201)
        self.assertEqual(body["data"], {"x": "aGVsbG8="})
        self.assertNotIn("stringData", body)
        st, body, _ = self.c.req("POST", SEC, secret("Bad_Name"))
        self.assertEqual(st, 422)

    def test_owner_references_validation(self):
        o = secret("a")
        o["metadata"]["ownerReferences"] = [
            {"apiVersion": "v1", "kind": "X", "name": "n", "uid": "1", "controller": True},
            {"apiVersion": "v1", "kind": "Y", "name": "m", "uid": "2", "controller": True}]
        st, body, _ = self.c.req("POST", SEC, o)
        self.assertEqual(st, 422)
        self.assertIn("only one reference can have Controller", body["message"])


class ListTest(Base):
    def test_selectors(self):
        for name, labels in (("a", {"app": "x", "tier": "db"}), ("b", {"app": "y"}),
                             ("c", {})):
            self.c.req("POST", SEC, secret(name, labels=labels))

        def names(q):
            st, body, _ = self.c.req("GET", SEC + "?" + q)
            self.assertEqual(st, 200, body)
            return [i["metadata"]["name"] for i in body["items"]]
        self.assertEqual(names("labelSelector=app%3Dx"), ["a"])
        self.assertEqual(names("labelSelector=app%3D%3Dx"), ["a"])
        self.assertEqual(names("labelSelector=app!%3Dx"), ["b", "c"])
        self.assertEqual(names("labelSelector=app+in+(x,y)"), ["a", "b"])
        self.assertEqual(names("labelSelector=app+notin+(x)"), ["b", "c"])
        self.assertEqual(names("labelSelector=tier"), ["a"])
        self.assertEqual(names("labelSelector=!tier"), ["b", "c"])
        self.assertEqual(names("labelSelector=app,!tier"), ["b"])
        self.assertEqual(names("fieldSelector=metadata.name%3Db"), ["b"])
        self.assertEqual(names("fieldSelector=metadata.name!%3Db"), ["a", "c"])
        self.assertEqual(names("fieldSelector=metadata.namespace%3Ddefault"), ["a", "b", "c"])
        self.assertEqual(self.c.req("GET", SEC + "?fieldSelector=spec.foo%3D1")[0], 400)
        self.assertEqual(self.c.req("GET", SEC + "?labelSelector=a+in+b")[0], 400)

    def test_list_items_omit_kind_for_builtins(self):
        self.c.req("POST", SEC, secret("a"))
        self.c.req("POST", SS, sealed("s"))
        _, body, _ = self.c.req("GET", SEC)
        self.assertEqual(body["kind"], "SecretList")
        self.assertNotIn("kind", body["items"][0])
        _, body, _ = self.c.req("GET", SS)
        self.assertEqual(body["items"][0]["kind"], "SealedSecret")

    def test_metadata_only(self):
        self.c.req("POST", SEC, secret("m", data={"k": "c2VjcmV0"}))
        acc = ("application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,"
               "application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1,application/json")
        c = self.c.conn()
        c.request("GET", SEC, headers={"Authorization": "Bearer " + TOKEN, "Accept": acc})
        body = json.loads(c.getresponse().read())
        c.close()
        self.assertEqual(body["kind"], "PartialObjectMetadataList")
        self.assertEqual(body["items"][0]["metadata"]["name"], "m")
        self.assertNotIn("data", body["items"][0])
        c = self.c.conn()
        c.request("GET", SEC + "?watch=1&timeoutSeconds=1",
                  headers={"Authorization": "Bearer " + TOKEN, "Accept": acc})
        evs = Client.events(c.getresponse())
        c.close()
        self.assertEqual(evs[0]["object"]["kind"], "PartialObjectMetadata")
        self.assertNotIn("data", evs[0]["object"])

    def test_pagination_stable_rv_and_expiry(self):
        for i in range(5):
            self.c.req("POST", SEC, secret("s%d" % i))
        _, p1, _ = self.c.req("GET", SEC + "?limit=2")
        rv = p1["metadata"]["resourceVersion"]
        self.assertEqual(len(p1["items"]), 2)
        self.assertEqual(p1["metadata"]["remainingItemCount"], 3)
        self.c.req("POST", SEC, secret("s9"))  # a write between pages
        _, p2, _ = self.c.req("GET", SEC + "?limit=2&continue=" + p1["metadata"]["continue"])
        self.assertEqual(p2["metadata"]["resourceVersion"], rv)
        _, p3, _ = self.c.req("GET", SEC + "?limit=2&continue=" + p2["metadata"]["continue"])
        self.assertNotIn("continue", p3["metadata"])
        got = [i["metadata"]["name"] for p in (p1, p2, p3) for i in p["items"]]
        self.assertEqual(got, ["s0", "s1", "s2", "s3", "s4"])  # the snapshot, not s9
        _, q1, _ = self.c.req("GET", SEC + "?limit=2")
        self.c.ctl("expire-continue")
        st, body, _ = self.c.req("GET", SEC + "?limit=2&continue=" + q1["metadata"]["continue"])
        self.assertEqual((st, body["reason"], body["code"]), (410, "Expired", 410))


class WatchTest(Base):
    def test_replay_from_rv_and_selector_leave(self):
        _, a, _ = self.c.req("POST", SEC, secret("a", labels={"app": "x"}))
        rv = a["metadata"]["resourceVersion"]
        a["metadata"]["labels"] = {"app": "y"}
        self.c.req("PUT", SEC + "/a", a)
        self.c.req("POST", SS, sealed("other"))
        self.c.req("POST", SEC, secret("b", labels={"app": "x"}))
        conn, r = self.c.watch(SEC + "?watch=1&labelSelector=app%3Dx&resourceVersion=" + rv)
        evs = Client.events(r, 2)
        conn.close()
        self.assertEqual([(e["type"], e["object"]["metadata"]["name"]) for e in evs],
                         [("DELETED", "a"), ("ADDED", "b")])  # a left the selector
        self.assertEqual(evs[0]["object"]["kind"], "Secret")

    def test_initial_state_when_no_rv(self):
        self.c.req("POST", SEC, secret("a"))
        conn, r = self.c.watch(SEC + "?watch=true&timeoutSeconds=1")
        evs = Client.events(r)
        conn.close()
        self.assertEqual([(e["type"], e["object"]["metadata"]["name"]) for e in evs],
                         [("ADDED", "a")])

    def test_timeout_ends_cleanly_and_live_events(self):
        _, body, _ = self.c.req("GET", SEC)
        rv = body["metadata"]["resourceVersion"]
        conn, r = self.c.watch(SEC + "?watch=1&timeoutSeconds=1&resourceVersion=" + rv)
        threading.Timer(0.2, lambda: self.c.req("POST", SEC, secret("live"))).start()
        t0 = time.time()
        evs = Client.events(r)
        conn.close()
        self.assertLess(time.time() - t0, 3)
        self.assertEqual([e["type"] for e in evs], ["ADDED"])  # and no INCOMPLETE

    def test_410_event_and_http(self):
        _, a, _ = self.c.req("POST", SEC, secret("a"))
        old = a["metadata"]["resourceVersion"]
        self.c.req("POST", SEC, secret("b"))
        self.c.ctl("compact")
        conn, r = self.c.watch(SEC + "?watch=1&resourceVersion=" + old)
        self.assertEqual(r.status, 200)
        evs = Client.events(r)
        conn.close()
        self.assertEqual(len(evs), 1)
        self.assertEqual(evs[0]["type"], "ERROR")
        self.assertEqual((evs[0]["object"]["code"], evs[0]["object"]["reason"]), (410, "Expired"))
        self.c.ctl("watch-410", {"mode": "http"})
        conn, r = self.c.watch(SEC + "?watch=1&resourceVersion=" + old)
        self.assertEqual(r.status, 410)
        self.assertEqual(json.loads(r.read())["reason"], "Expired")
        conn.close()
        # From the current RV the watch is fine.
        _, body, _ = self.c.req("GET", SEC)
        conn, r = self.c.watch(SEC + "?watch=1&timeoutSeconds=1&resourceVersion=" +
                               body["metadata"]["resourceVersion"])
        self.assertEqual(r.status, 200)
        self.assertEqual(Client.events(r), [])
        conn.close()

    def test_history_ring_bounded(self):
        _, a, _ = self.c.req("POST", SEC, secret("a"))
        old = a["metadata"]["resourceVersion"]
        for i in range(80):  # history=50
            self.c.req("POST", SEC, secret("x%d" % i))
        conn, r = self.c.watch(SEC + "?watch=1&resourceVersion=" + old)
        evs = Client.events(r)
        conn.close()
        self.assertEqual(evs[-1]["type"], "ERROR")

    def test_bookmarks(self):
        _, body, _ = self.c.req("GET", SEC)
        rv = body["metadata"]["resourceVersion"]
        conn, r = self.c.watch(SEC + "?watch=1&allowWatchBookmarks=true&timeoutSeconds=2"
                               "&resourceVersion=" + rv)
        self.c.req("POST", SS, sealed("elsewhere"))  # advances the RV, not this kind
        time.sleep(0.3)
        self.c.ctl("bookmark")
        evs = Client.events(r, 1)
        conn.close()
        self.assertEqual(evs[0]["type"], "BOOKMARK")
        self.assertEqual(set(evs[0]["object"]["metadata"]), {"resourceVersion"})
        self.assertGreater(int(evs[0]["object"]["metadata"]["resourceVersion"]), int(rv))
        # Without allowWatchBookmarks no bookmark is sent.
        conn, r = self.c.watch(SEC + "?watch=1&timeoutSeconds=1&resourceVersion=" + rv)
        time.sleep(0.2)
        self.c.ctl("bookmark")
        self.assertEqual(Client.events(r), [])
        conn.close()

    def test_drop_watch_mid_stream(self):
        conn, r = self.c.watch(SEC + "?watch=1&resourceVersion=1")
        threading.Timer(0.3, lambda: self.c.ctl("drop-watches")).start()
        evs = Client.events(r)
        conn.close()
        self.assertEqual(evs[-1], "INCOMPLETE")  # no terminating chunk
        self.c.ctl("faults", {"watch": True, "drop_after": 1, "count": 1})
        self.c.req("POST", SEC, secret("a"))
        self.c.req("POST", SEC, secret("b"))
        conn, r = self.c.watch(SEC + "?watch=1&resourceVersion=1")
        evs = Client.events(r)
        conn.close()
        self.assertEqual(len(evs), 2)
        self.assertEqual(evs[1], "INCOMPLETE")

    def test_namespace_scope(self):
        self.c.req("POST", "/api/v1/namespaces", {"metadata": {"name": "other"}})
        self.c.req("POST", "/api/v1/namespaces/other/secrets", secret("o", "other"))
        self.c.req("POST", SEC, secret("d"))
        conn, r = self.c.watch(SEC + "?watch=1&timeoutSeconds=1&resourceVersion=1")
        evs = Client.events(r)
        conn.close()
        self.assertEqual([e["object"]["metadata"]["name"] for e in evs], ["d"])
        conn, r = self.c.watch("/api/v1/secrets?watch=1&timeoutSeconds=1&resourceVersion=1")
        evs = Client.events(r)
        conn.close()
        self.assertEqual(sorted(e["object"]["metadata"]["name"] for e in evs), ["d", "o"])


class DeleteTest(Base):
    def test_finalizers(self):
        o = sealed("f")
        o["metadata"]["finalizers"] = ["example.com/cleanup"]
        _, s, _ = self.c.req("POST", SS, o)
        rv = s["metadata"]["resourceVersion"]
        st, d, _ = self.c.req("DELETE", SS + "/f")
        self.assertEqual(st, 200)
        self.assertIn("deletionTimestamp", d["metadata"])
        st, g, _ = self.c.req("GET", SS + "/f")
        self.assertEqual(st, 200)  # still there
        g2 = json.loads(json.dumps(g))
        g2["metadata"]["finalizers"].append("late")
        st, body, _ = self.c.req("PUT", SS + "/f", g2)
        self.assertEqual(st, 422)
        self.assertIn("no new finalizers can be added", body["message"])
        st, _, _ = self.c.req("PATCH", SS + "/f", {"metadata": {"finalizers": None}},
                              ctype="application/merge-patch+json")
        self.assertEqual(st, 200)
        self.assertEqual(self.c.req("GET", SS + "/f")[0], 404)
        conn, r = self.c.watch(SS + "?watch=1&resourceVersion=" + rv)
        evs = Client.events(r, 2)
        conn.close()
        self.assertEqual([e["type"] for e in evs], ["MODIFIED", "DELETED"])

    def _owned(self, owner, name, controller=True):
        o = secret(name)
        o["metadata"]["ownerReferences"] = [{
            "apiVersion": "bitnami.com/v1alpha1", "kind": "SealedSecret",
            "name": owner["metadata"]["name"], "uid": owner["metadata"]["uid"],
            "controller": controller, "blockOwnerDeletion": True}]
        self.assertEqual(self.c.req("POST", SEC, o)[0], 201)

    def test_garbage_collection(self):
        _, s, _ = self.c.req("POST", SS, sealed("own"))
        self._owned(s, "child")
        self.c.req("POST", SEC, secret("bystander"))
        self.c.req("DELETE", SS + "/own")
        self.assertEqual(self.c.req("GET", SEC + "/child")[0], 404)
        self.assertEqual(self.c.req("GET", SEC + "/bystander")[0], 200)

    def test_delayed_gc_and_orphan(self):
        self.c.ctl("gc", {"delay": True})
        _, s, _ = self.c.req("POST", SS, sealed("own"))
        self._owned(s, "child")
        self.c.req("DELETE", SS + "/own")
        self.assertEqual(self.c.req("GET", SEC + "/child")[0], 200)  # owner gone, child left
        self.c.ctl("gc", {"run": True})
        self.assertEqual(self.c.req("GET", SEC + "/child")[0], 404)
        self.c.ctl("gc", {"delay": False})
        _, s, _ = self.c.req("POST", SS, sealed("own2"))
        self._owned(s, "kept")
        self.c.req("DELETE", SS + "/own2?propagationPolicy=Orphan")
        st, k, _ = self.c.req("GET", SEC + "/kept")
        self.assertEqual(st, 200)
        self.assertNotIn("ownerReferences", k["metadata"])

    def test_dangling_owner_collected(self):
        o = secret("orphan")
        o["metadata"]["ownerReferences"] = [{"apiVersion": "v1", "kind": "X", "name": "gone",
                                             "uid": "00000000-0000-0000-0000-000000000000",
                                             "controller": True}]
        self.assertEqual(self.c.req("POST", SEC, o)[0], 201)
        self.assertEqual(self.c.req("GET", SEC + "/orphan")[0], 404)

    def test_recreated_owner_same_name_does_not_keep_child(self):
        _, s, _ = self.c.req("POST", SS, sealed("own"))
        self._owned(s, "child")
        self.c.ctl("gc", {"delay": True})
        self.c.req("DELETE", SS + "/own")
        self.c.req("POST", SS, sealed("own"))  # new uid
        self.c.ctl("gc", {"run": True})
        self.assertEqual(self.c.req("GET", SEC + "/child")[0], 404)


class MiscTest(Base):
    def test_patch_kinds(self):
        self.c.req("POST", SS, sealed("p"))
        st, _, _ = self.c.req("PATCH", SS + "/p", {"metadata": {"labels": {"a": "b"}}},
                              ctype="application/strategic-merge-patch+json")
        self.assertEqual(st, 415)
        st, o, _ = self.c.req("PATCH", SS + "/p", [{"op": "add", "path": "/metadata/labels",
                                                   "value": {"x": "y"}}],
                              ctype="application/json-patch+json")
        self.assertEqual((st, o["metadata"]["labels"]), (200, {"x": "y"}))
        st, _, _ = self.c.req("PATCH", SS + "/p", [{"op": "test", "path": "/metadata/labels/x",
                                                   "value": "z"}],
                              ctype="application/json-patch+json")
        self.assertEqual(st, 422)
        st, o, _ = self.c.req("PATCH", SS + "/p", {"metadata": {"resourceVersion": "1"}},
                              ctype="application/merge-patch+json")
        self.assertEqual(st, 409)  # RV in a patch is a precondition
        self.c.req("POST", SEC, secret("s"))
        st, o, _ = self.c.req("PATCH", SEC + "/s", {"data": {"n": "bg=="}},
                              ctype="application/strategic-merge-patch+json")
        self.assertEqual((st, sorted(o["data"])), (200, ["k", "n"]))

    def test_events_validation(self):
        ev = "/apis/events.k8s.io/v1/namespaces/default/events"
        good = {"metadata": {"name": "x.1"}, "eventTime": "2024-01-01T00:00:00.000000Z",
                "reportingController": "cloak.dev/controller", "reportingInstance": "pod-1",
                "action": "Unseal", "reason": "Unsealed", "type": "Normal",
                "regarding": {"kind": "SealedSecret", "name": "s", "namespace": "default"},
                "note": "SealedSecret unsealed successfully"}
        self.assertEqual(self.c.req("POST", ev, good)[0], 201)
        for drop in ("reportingController", "reportingInstance", "action", "reason",
                     "eventTime"):
            bad = dict(good, metadata={"name": "y-" + drop.lower()})
            del bad[drop]
            st, body, _ = self.c.req("POST", ev, bad)
            self.assertEqual(st, 422, drop)
            self.assertEqual(body["details"]["causes"][0]["field"], drop)
        st, _, _ = self.c.req("POST", ev, dict(good, metadata={"name": "z"}, type="Info"))
        self.assertEqual(st, 422)

    def test_leases_and_clock(self):
        lp = "/apis/coordination.k8s.io/v1/namespaces/default/leases"
        lease = {"metadata": {"name": "cloak"}, "spec": {"holderIdentity": "a",
                                                         "leaseDurationSeconds": 15}}
        _, l1, _ = self.c.req("POST", lp, lease)
        a = json.loads(json.dumps(l1))
        b = json.loads(json.dumps(l1))
        a["spec"]["holderIdentity"] = "x"
        b["spec"]["holderIdentity"] = "y"
        self.assertEqual(self.c.req("PUT", lp + "/cloak", a)[0], 200)
        self.assertEqual(self.c.req("PUT", lp + "/cloak", b)[0], 409)  # the takeover race
        _, clk, _ = self.c.ctl("clock", {"advance": 3600})
        _, l2, _ = self.c.req("POST", lp, dict(lease, metadata={"name": "later"}))
        t1 = time.strptime(l1["metadata"]["creationTimestamp"], "%Y-%m-%dT%H:%M:%SZ")
        t2 = time.strptime(l2["metadata"]["creationTimestamp"], "%Y-%m-%dT%H:%M:%SZ")
        self.assertGreaterEqual(time.mktime(t2) - time.mktime(t1), 3599)
        st, _, _ = self.c.req("POST", lp, {"metadata": {"name": "bad"},
                                           "spec": {"leaseDurationSeconds": 0}})
        self.assertEqual(st, 422)

    def test_tokens(self):
        self.assertEqual(self.c.req("GET", SEC)[0], 200)
        st, body, _ = self.c.req("GET", SEC, token="wrong")
        self.assertEqual((st, body["reason"]), (401, "Unauthorized"))
        self.assertEqual(self.c.req("GET", SEC, token="")[0], 401)
        self.c.ctl("tokens", {"add": ["new"], "revoke": [TOKEN]})
        self.assertEqual(self.c.req("GET", SEC)[0], 401)
        self.assertEqual(self.c.req("GET", SEC, token="new")[0], 200)

    def test_faults_and_log(self):
        self.c.ctl("log", method="DELETE")
        self.c.ctl("faults", {"method": "GET", "path": "/secrets$", "status": 429,
                              "retry_after": 2, "count": 2})
        for _ in range(2):
            st, body, r = self.c.req("GET", SEC)
            self.assertEqual(st, 429)
            self.assertEqual(r.getheader("Retry-After"), "2")
            self.assertEqual(body["details"]["retryAfterSeconds"], 2)
            self.assertEqual(body["reason"], "TooManyRequests")
        self.assertEqual(self.c.req("GET", SEC)[0], 200)
        self.c.ctl("faults", {"status": 503, "count": 1})
        self.assertEqual(self.c.req("GET", SEC + "/x")[0], 503)
        self.c.ctl("faults", {"latency": 0.3, "count": 1})
        t0 = time.time()
        self.c.req("GET", SEC)
        self.assertGreaterEqual(time.time() - t0, 0.3)
        self.c.req("POST", SEC, secret("logged"))
        _, log, _ = self.c.ctl("log", method="GET")
        posts = [e for e in log["entries"] if e["method"] == "POST"]
        self.assertEqual(len(posts), 1)
        self.assertEqual(posts[0]["path"], SEC)
        self.assertEqual(posts[0]["content_type"], "application/json")
        self.assertEqual(json.loads(posts[0]["body"])["metadata"]["name"], "logged")
        self.assertEqual([e["status"] for e in log["entries"]][:3], [429, 429, 200])

    def test_crd_registration(self):
        crd = fk._crd("cloak.dev", ["v1alpha1"], "sopssecrets", "SopsSecret")
        st, _, _ = self.c.req("POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions",
                              crd)
        self.assertEqual(st, 201)
        path = "/apis/cloak.dev/v1alpha1/namespaces/default/sopssecrets"
        st, o, _ = self.c.req("POST", path, {"apiVersion": "cloak.dev/v1alpha1",
                                             "kind": "SopsSecret",
                                             "metadata": {"name": "s"}, "spec": {}})
        self.assertEqual((st, o["metadata"]["generation"]), (201, 1))
        _, apis, _ = self.c.req("GET", "/apis")
        self.assertIn("cloak.dev", [g["name"] for g in apis["groups"]])
        self.c.req("DELETE", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/"
                   "sopssecrets.cloak.dev")
        self.assertEqual(self.c.req("GET", path)[0], 404)

    def test_multi_version_crd(self):
        es = {"apiVersion": "external-secrets.io/v1beta1", "kind": "ExternalSecret",
              "metadata": {"name": "e"}, "spec": {}}
        self.assertEqual(self.c.req(
            "POST", "/apis/external-secrets.io/v1beta1/namespaces/default/externalsecrets",
            es)[0], 201)
        st, o, _ = self.c.req(
            "GET", "/apis/external-secrets.io/v1/namespaces/default/externalsecrets/e")
        self.assertEqual((st, o["apiVersion"]), (200, "external-secrets.io/v1"))

    def test_service_proxy(self):
        class H(BaseHTTPRequestHandler):
            def do_GET(self):
                b = b"-----BEGIN CERTIFICATE-----\n"
                self.send_response(200)
                self.send_header("Content-Type", "application/x-pem-file")
                self.send_header("Content-Length", str(len(b)))
                self.end_headers()
                self.wfile.write(b)

            def log_message(self, *a):
                pass
        be = ThreadingHTTPServer(("127.0.0.1", 0), H)
        threading.Thread(target=be.serve_forever, daemon=True).start()
        try:
            svc = {"metadata": {"name": "sealed-secrets-controller"},
                   "spec": {"ports": [{"name": "http", "port": 8080}]}}
            self.c.req("POST", "/api/v1/namespaces/kube-system/services", svc)
            self.c.ctl("proxy", {"namespace": "kube-system", "name": "sealed-secrets-controller",
                                 "url": "http://127.0.0.1:%d" % be.server_address[1]})
            st, body, r = self.c.req("GET", "/api/v1/namespaces/kube-system/services/"
                                     "http:sealed-secrets-controller:/proxy/v1/cert.pem")
            self.assertEqual(st, 200)
            self.assertEqual(r.getheader("Content-Type"), "application/x-pem-file")
            self.assertIn("BEGIN CERTIFICATE", body)
        finally:
            be.shutdown()
            be.server_close()


class TLSTest(unittest.TestCase):
    def test_tls_token_and_client_cert(self):
        d = tempfile.mkdtemp()
        srv = fk.FakeAPIServer(tokens=[TOKEN], tls_dir=d).start()
        try:
            ctx = ssl.create_default_context(cafile=os.path.join(d, "ca.crt"))
            c = Client(srv, ctx=ctx)
            self.assertEqual(c.req("GET", SEC)[0], 200)
            self.assertEqual(c.req("GET", SEC, token="bad")[0], 401)
            self.assertEqual(c.req("GET", SEC, token="")[0], 401)
            ctx2 = ssl.create_default_context(cafile=os.path.join(d, "ca.crt"))
            ctx2.load_cert_chain(os.path.join(d, "client.crt"), os.path.join(d, "client.key"))
            self.assertEqual(Client(srv, token="", ctx=ctx2).req("GET", SEC)[0], 200)
            # An unknown CA is refused by the client.
            with self.assertRaises(ssl.SSLError):
                Client(srv, ctx=ssl.create_default_context()).req("GET", SEC)
        finally:
            srv.stop()


if __name__ == "__main__":
    unittest.main(verbosity=1)
