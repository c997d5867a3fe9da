#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""A faithful-enough Kubernetes API server double for cloak-controller tests.

Python 3 standard library only. It reproduces what the controller relies on
(shared/specs/controller.md section 1.14):

- one global, strictly increasing resourceVersion (like the etcd revision);
- uid, creationTimestamp, generation, deletionTimestamp set by the server;
- GET/LIST (label and field selectors, limit + continue with a stable list RV,
  continue tokens expirable on demand -> 410), WATCH (bounded history ring,
  410 as HTTP status or in-stream ERROR event, bookmarks on a timer and on
  demand, timeoutSeconds, objects leaving a selector delivered as DELETED),
  POST (201 / 409 AlreadyExists, generateName), PUT with optimistic
  concurrency (409 Conflict; RV required on custom resources), PATCH
  (merge-patch, json-patch, strategic-merge on built-ins only, a minimal
  server-side apply), DELETE with finalizers and garbage collection of
  dependents (Background / Foreground / Orphan, optionally delayed), the
  status subresource, Secret validation (base64, immutable, typed keys),
  events.k8s.io Event validation, Leases, CRD registration, namespaces,
  service proxy;
- bearer tokens that tests can add and revoke at run time (and client
  certificates when TLS is on);
- fault injection (status codes with Retry-After, latency, dropped watches),
  a settable clock and a request log, through the test-only control API under
  /__fake/ (no authentication).

Run: fake_apiserver.py [--port 0] [--port-file F] [--tls-dir D]
                       [--token T]... [--kubeconfig-out F] [--history N]
The chosen port is printed as "PORT <n>" on stdout once serving.
"""

import argparse
import base64
import bisect
import copy
import http.client
import json
import os
import random
import re
import socket
import ssl
import string
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

# --------------------------------------------------------------------------
# Speed (the controller benchmark runs this server on the same two cores as
# the controller, so its CPU per request counts)


def _jcopy(x):
    """A deep copy of JSON data, several times faster than copy.deepcopy."""
    t = type(x)
    if t is dict:
        return {k: _jcopy(v) for k, v in x.items()}
    if t is list:
        return [_jcopy(v) for v in x]
    if t is str or t is int or t is float or t is bool or x is None:
        return x
    return copy.deepcopy(x)


class _Headers:
    """Request headers: what the handlers and http.server use of
    http.client.HTTPMessage, without the email parser behind it (a quarter of
    this server's CPU per request)."""

    def __init__(self, pairs):
        self._pairs = pairs
        self._map = {}
        for k, v in pairs:
            self._map.setdefault(k.lower(), v)

    def get(self, name, default=None):
        return self._map.get(name.lower(), default)

    def __getitem__(self, name):
        return self._map.get(name.lower())

    def __contains__(self, name):
        return name.lower() in self._map

    def get_all(self, name, failobj=None):
        n = name.lower()
        vals = [v for k, v in self._pairs if k.lower() == n]
        return vals or failobj

    def keys(self):
        return [k for k, _ in self._pairs]

    def values(self):
        return [v for _, v in self._pairs]

    def items(self):
        return list(self._pairs)

    def __iter__(self):
        return iter(self.keys())

    def __len__(self):
        return len(self._pairs)

    def __str__(self):
        return "".join("%s: %s\r\n" % kv for kv in self._pairs) + "\r\n"


_parse_headers = http.client.parse_headers


def _fast_parse_headers(fp, _class=http.client.HTTPMessage):
    if _class is not _Headers:
        return _parse_headers(fp, _class)
    pairs = []
    # _read_headers enforces the line length and count limits of http.client.
    for raw in http.client._read_headers(fp):
        line = raw.decode("iso-8859-1").rstrip("\r\n")
        if line[:1] in (" ", "\t") and pairs:
            k, v = pairs[-1]
            pairs[-1] = (k, (v + " " + line.strip()).strip())
            continue
        k, sep, v = line.partition(":")
        if sep:
            pairs.append((k.strip(), v.strip()))
    return _Headers(pairs)


# http.server calls http.client.parse_headers(rfile, _class=MessageClass):
# only our handler's MessageClass takes the fast path (Python >= 3.10).
_FAST_HEADERS = hasattr(http.client, "_read_headers")
if _FAST_HEADERS:
    http.client.parse_headers = _fast_parse_headers

# --------------------------------------------------------------------------
# Resource registry


class Resource:
    def __init__(self, group, versions, plural, kind, namespaced=True,
                 status=False, crd=False, singular=None, short=None,
                 generation=None):
        self.group = group
        self.versions = list(versions)
        self.plural = plural
        self.kind = kind
        self.namespaced = namespaced
        self.status = status          # status subresource enabled
        self.crd = crd
        self.singular = singular or kind.lower()
        self.short = short or []
        # metadata.generation is maintained for CRs and kinds with a spec.
        self.generation = crd if generation is None else generation

    def api_version(self, version=None):
        v = version or self.versions[0]
        return v if not self.group else "%s/%s" % (self.group, v)

    @property
    def gkey(self):
        return (self.group, self.plural)


def builtin_resources():
    return [
        Resource("", ["v1"], "namespaces", "Namespace", namespaced=False,
                 status=True, short=["ns"], generation=False),
        Resource("", ["v1"], "secrets", "Secret", generation=False),
        Resource("", ["v1"], "configmaps", "ConfigMap", short=["cm"], generation=False),
        Resource("", ["v1"], "services", "Service", status=True, short=["svc"],
                 generation=False),
        Resource("", ["v1"], "serviceaccounts", "ServiceAccount", short=["sa"],
                 generation=False),
        Resource("", ["v1"], "events", "Event", short=["ev"], generation=False),
        Resource("coordination.k8s.io", ["v1"], "leases", "Lease", generation=False),
        Resource("events.k8s.io", ["v1"], "events", "Event", short=["ev"],
                 generation=False),
        Resource("apps", ["v1"], "deployments", "Deployment", status=True, short=["deploy"],
                 generation=True),
        Resource("rbac.authorization.k8s.io", ["v1"], "roles", "Role", generation=False),
        Resource("rbac.authorization.k8s.io", ["v1"], "rolebindings", "RoleBinding",
                 generation=False),
        Resource("rbac.authorization.k8s.io", ["v1"], "clusterroles", "ClusterRole",
                 namespaced=False, generation=False),
        Resource("rbac.authorization.k8s.io", ["v1"], "clusterrolebindings",
                 "ClusterRoleBinding", namespaced=False, generation=False),
        Resource("apiextensions.k8s.io", ["v1"], "customresourcedefinitions",
                 "CustomResourceDefinition", namespaced=False, status=True,
                 short=["crd", "crds"], generation=True),
    ]


def _crd(group, versions, plural, kind, namespaced=True, short=None):
    """A CustomResourceDefinition object with a status subresource."""
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": "%s.%s" % (plural, group)},
        "spec": {
            "group": group,
            "names": {"plural": plural, "singular": kind.lower(), "kind": kind,
                      "listKind": kind + "List", "shortNames": short or []},
            "scope": "Namespaced" if namespaced else "Cluster",
            "versions": [{"name": v, "served": True, "storage": i == 0,
                          "subresources": {"status": {}},
                          "schema": {"openAPIV3Schema": {
                              "type": "object",
                              "x-kubernetes-preserve-unknown-fields": True}}}
                         for i, v in enumerate(versions)],
        },
    }


def default_crds():
    return [
        _crd("bitnami.com", ["v1alpha1"], "sealedsecrets", "SealedSecret"),
        _crd("external-secrets.io", ["v1", "v1beta1"], "externalsecrets",
             "ExternalSecret", short=["es"]),
        _crd("external-secrets.io", ["v1", "v1beta1"], "secretstores",
             "SecretStore", short=["ss"]),
        _crd("external-secrets.io", ["v1", "v1beta1"], "clustersecretstores",
             "ClusterSecretStore", namespaced=False, short=["css"]),
    ]


# --------------------------------------------------------------------------
# Errors and helpers


class ApiError(Exception):
    def __init__(self, code, reason, message, details=None, headers=None):
        super().__init__(message)
        self.code = code
        self.reason = reason
        self.message = message
        self.details = details
        self.headers = headers or {}

    def status(self):
        st = {"kind": "Status", "apiVersion": "v1", "metadata": {},
              "status": "Failure", "message": self.message,
              "reason": self.reason, "code": self.code}
        if self.details is not None:
            st["details"] = self.details
        return st


def not_found(res, name):
    what = res.plural if not res.group else "%s.%s" % (res.plural, res.group)
    return ApiError(404, "NotFound", '%s "%s" not found' % (what, name),
                    {"name": name, "group": res.group, "kind": res.plural})


def invalid(res, name, causes):
    kind = res.kind
    msg = '%s "%s" is invalid: %s' % (
        kind, name, ", ".join("%s: %s" % (c["field"], c["message"]) for c in causes))
    return ApiError(422, "Invalid", msg, {
        "name": name, "group": res.group, "kind": kind,
        "causes": [{"reason": c.get("reason", "FieldValueInvalid"),
                    "message": c["message"], "field": c["field"]} for c in causes]})


def bad_request(msg):
    return ApiError(400, "BadRequest", msg)


DNS1123_SUB = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
DNS1123_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
SECRET_KEY = re.compile(r"^[-._a-zA-Z0-9]+$")
GEN_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"


def fmt_time(t):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


def canon(obj):
    return json.dumps(obj, sort_keys=True, separators=(",", ":"))


def meta(obj):
    m = obj.get("metadata")
    if not isinstance(m, dict):
        m = {}
        obj["metadata"] = m
    return m


# --------------------------------------------------------------------------
# Selectors


def _split_top(s):
    out, depth, cur = [], 0, ""
    for ch in s:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == "," and depth == 0:
            out.append(cur)
            cur = ""
        else:
            cur += ch
    out.append(cur)
    return [p.strip() for p in out if p.strip()]


LABEL_KEY = re.compile(r"^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?"
                       r"[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$")


def parse_label_selector(s):
    """Returns a predicate over a labels dict; raises ApiError 400 on syntax errors."""
    reqs = []
    for part in _split_top(s or ""):
        m = re.match(r"^(\S+)\s+(in|notin)\s*\(([^)]*)\)$", part)
        if m:
            key, op, vals = m.group(1), m.group(2), m.group(3)
            vals = {v.strip() for v in vals.split(",") if v.strip() != ""}
            reqs.append((key, op, vals))
        elif part.startswith("!"):
            reqs.append((part[1:].strip(), "!exists", None))
        else:
            m = re.match(r"^([^=!<>\s]+)\s*(==|=|!=)\s*(\S*)$", part)
            if m:
                op = {"==": "=", "=": "=", "!=": "!="}[m.group(2)]
                reqs.append((m.group(1), op, m.group(3)))
            elif re.match(r"^[^=!<>\s()]+$", part):
                reqs.append((part, "exists", None))
            else:
                raise bad_request("unable to parse requirement: %s" % part)
    for key, _, _ in reqs:
        if not LABEL_KEY.match(key):
            raise bad_request("unable to parse requirement: invalid label key \"%s\"" % key)

    def pred(labels):
        labels = labels or {}
        for key, op, val in reqs:
            have = key in labels
            v = labels.get(key)
            if op == "=" and (not have or v != val):
                return False
            if op == "!=" and have and v == val:
                return False
            if op == "in" and (not have or v not in val):
                return False
            if op == "notin" and have and v in val:
                return False
            if op == "exists" and not have:
                return False
            if op == "!exists" and have:
                return False
        return True
    return pred


def parse_field_selector(s, res):
    allowed = {"metadata.name", "metadata.namespace"}
    if res.plural == "secrets" and not res.group:
        allowed.add("type")
    reqs = []
    for part in _split_top(s or ""):
        m = re.match(r"^([^=!]+?)\s*(==|=|!=)\s*(.*)$", part)
        if not m:
            raise bad_request("invalid selector: '%s'; can't understand '%s'" % (s, part))
        field = m.group(1).strip()
        if field not in allowed:
            raise bad_request('"%s" is not a known field selector: only "%s"' % (
                field, '", "'.join(sorted(allowed))))
        reqs.append((field, m.group(2) != "!=", m.group(3).strip()))

    def pred(obj):
        md = obj.get("metadata", {})
        for field, eq, val in reqs:
            if field == "metadata.name":
                v = md.get("name", "")
            elif field == "metadata.namespace":
                v = md.get("namespace", "")
            else:
                v = obj.get("type", "")
            if (v == val) != eq:
                return False
        return True
    return pred


# --------------------------------------------------------------------------
# Patches


def merge_patch(target, patch):
    """RFC 7386."""
    if not isinstance(patch, dict):
        return _jcopy(patch)
    out = _jcopy(target) if isinstance(target, dict) else {}
    for k, v in patch.items():
        if v is None:
            out.pop(k, None)
        else:
            out[k] = merge_patch(out.get(k), v)
    return out


def strategic_merge_patch(target, patch):
    """Strategic merge for the built-in kinds we serve: maps merge like RFC
    7386; lists are replaced, except that directive keys ($patch,
    $retainKeys, $setElementOrder/..., $deleteFromPrimitiveList/...) are
    honoured or dropped."""
    if not isinstance(patch, dict):
        return _jcopy(patch)
    if patch.get("$patch") == "replace":
        p = {k: v for k, v in patch.items() if not k.startswith("$")}
        return _jcopy(p)
    if patch.get("$patch") == "delete":
        return None
    out = _jcopy(target) if isinstance(target, dict) else {}
    for k, v in patch.items():
        if k.startswith("$setElementOrder/") or k == "$retainKeys" or k == "$patch":
            continue
        if k.startswith("$deleteFromPrimitiveList/"):
            key = k.split("/", 1)[1]
            if isinstance(out.get(key), list):
                out[key] = [x for x in out[key] if x not in v]
            continue
        if v is None:
            out.pop(k, None)
        else:
            r = strategic_merge_patch(out.get(k), v)
            if r is None:
                out.pop(k, None)
            else:
                out[k] = r
    return out


def _ptr(path):
    if path == "":
        return []
    if not path.startswith("/"):
        raise bad_request("json patch: invalid path %r" % path)
    return [p.replace("~1", "/").replace("~0", "~") for p in path[1:].split("/")]


def json_patch(doc, ops):
    """RFC 6902."""
    doc = _jcopy(doc)
    if not isinstance(ops, list):
        raise bad_request("json patch: the patch must be a list of operations")

    def parent(d, toks):
        for t in toks[:-1]:
            if isinstance(d, list):
                d = d[int(t)]
            elif isinstance(d, dict) and t in d:
                d = d[t]
            else:
                raise ApiError(422, "Invalid", "doc is missing path: %s" % "/".join(toks))
        return d

    def get(d, toks):
        for t in toks:
            if isinstance(d, list):
                d = d[int(t)]
            elif isinstance(d, dict) and t in d:
                d = d[t]
            else:
                raise ApiError(422, "Invalid", "doc is missing path: /%s" % "/".join(toks))
        return d

    def add(d, toks, val):
        if not toks:
            return val
        p = parent(d, toks)
        last = toks[-1]
        if isinstance(p, list):
            if last == "-":
                p.append(val)
            else:
                p.insert(int(last), val)
        else:
            p[last] = val
        return d

    def remove(d, toks):
        p = parent(d, toks)
        last = toks[-1]
        try:
            if isinstance(p, list):
                return p.pop(int(last))
            return p.pop(last)
        except (KeyError, IndexError, ValueError):
            raise ApiError(422, "Invalid", "unable to remove nonexistent key: %s" % last)

    try:
        for op in ops:
            kind = op.get("op")
            toks = _ptr(op.get("path", ""))
            if kind == "add":
                doc = add(doc, toks, _jcopy(op["value"]))
            elif kind == "remove":
                remove(doc, toks)
            elif kind == "replace":
                remove(doc, toks)
                doc = add(doc, toks, _jcopy(op["value"]))
            elif kind == "move":
                val = remove(doc, _ptr(op["from"]))
                doc = add(doc, toks, val)
            elif kind == "copy":
                doc = add(doc, toks, _jcopy(get(doc, _ptr(op["from"]))))
            elif kind == "test":
                if get(doc, toks) != op.get("value"):
                    raise ApiError(422, "Invalid", "testing value %s failed" % op.get("path"))
            else:
                raise bad_request("json patch: unexpected kind of operation %r" % kind)
    except (ValueError, IndexError, TypeError, KeyError) as e:
        raise ApiError(422, "Invalid", "json patch: %s" % e)
    return doc


# --------------------------------------------------------------------------
# Protobuf request bodies (kubectl >= 1.32 sends typed built-ins as
# application/vnd.kubernetes.protobuf): a wire decoder and the field numbers
# of the few kinds kubectl creates that way here.


def _pb_fields(buf):
    i, n = 0, len(buf)
    while i < n:
        key, i = _pb_varint(buf, i)
        num, wt = key >> 3, key & 7
        if wt == 0:
            val, i = _pb_varint(buf, i)
        elif wt == 2:
            ln, i = _pb_varint(buf, i)
            val = buf[i:i + ln]
            i += ln
        elif wt == 1:
            val = buf[i:i + 8]
            i += 8
        elif wt == 5:
            val = buf[i:i + 4]
            i += 4
        else:
            raise bad_request("protobuf: unsupported wire type %d" % wt)
        yield num, wt, val


def _pb_varint(buf, i):
    shift = val = 0
    while True:
        if i >= len(buf):
            raise bad_request("protobuf: truncated varint")
        b = buf[i]
        i += 1
        val |= (b & 0x7F) << shift
        shift += 7
        if not b & 0x80:
            return val, i


def _pb_map(raw, bytes_val=False):
    k = v = None
    for num, _, val in _pb_fields(raw):
        if num == 1:
            k = val.decode()
        elif num == 2:
            v = base64.b64encode(val).decode() if bytes_val else val.decode()
    return k, v if v is not None else ""


def _pb_time(raw):
    secs = 0
    for num, _, val in _pb_fields(raw):
        if num == 1:
            secs = val
    return fmt_time(secs) if secs else None


def _pb_meta(raw):
    md = {}
    strs = {1: "name", 2: "generateName", 3: "namespace", 5: "uid", 6: "resourceVersion"}
    for num, _, val in _pb_fields(raw):
        if num in strs and val:
            md[strs[num]] = val.decode()
        elif num in (11, 12):
            k, v = _pb_map(val)
            md.setdefault("labels" if num == 11 else "annotations", {})[k] = v
        elif num == 13:
            ref = {}
            for rn, _, rv in _pb_fields(val):
                if rn in (1, 3, 4, 5):
                    ref[{1: "kind", 3: "name", 4: "uid", 5: "apiVersion"}[rn]] = rv.decode()
                elif rn in (6, 7):
                    ref["controller" if rn == 6 else "blockOwnerDeletion"] = bool(rv)
            md.setdefault("ownerReferences", []).append(ref)
        elif num == 14:
            md.setdefault("finalizers", []).append(val.decode())
    return md


def protobuf_to_json(body):
    if not body.startswith(b"k8s\x00"):
        raise bad_request("protobuf: missing the k8s envelope magic")
    av = kind = ""
    raw = b""
    for num, _, val in _pb_fields(body[4:]):
        if num == 1:
            for tn, _, tv in _pb_fields(val):
                if tn == 1:
                    av = tv.decode()
                elif tn == 2:
                    kind = tv.decode()
        elif num == 2:
            raw = val
    obj = {"apiVersion": av, "kind": kind}
    for num, wt, val in _pb_fields(raw):
        if num == 1:
            obj["metadata"] = _pb_meta(val)
        elif kind == "Secret" and num in (2, 4):
            k, v = _pb_map(val, bytes_val=(num == 2))
            obj.setdefault("data" if num == 2 else "stringData", {})[k] = v
        elif kind == "Secret" and num == 3 and val:
            obj["type"] = val.decode()
        elif kind in ("Secret", "ConfigMap") and num == (5 if kind == "Secret" else 4):
            obj["immutable"] = bool(val)
        elif kind == "ConfigMap" and num in (2, 3):
            k, v = _pb_map(val, bytes_val=(num == 3))
            obj.setdefault("data" if num == 2 else "binaryData", {})[k] = v
        elif kind == "Namespace" and num == 2:
            fins = [fv.decode() for fn, _, fv in _pb_fields(val) if fn == 1]
            if fins:
                obj["spec"] = {"finalizers": fins}
    return obj


# --------------------------------------------------------------------------
# The store


class Watcher:
    def __init__(self, res, ns, lsel, fsel, bookmarks):
        self.res = res
        self.ns = ns
        self.lsel = lsel
        self.fsel = fsel
        self.bookmarks = bookmarks
        self.bookmark_gen = 0
        self.drop_gen = 0


class Store:
    def __init__(self, history=1000):
        self.lock = threading.Condition()
        self.rv = 1
        self.history_size = history
        self.history = []             # [(rv, gkey, type, obj, prev)]
        self.history_rvs = []         # the rvs of history, for bisect
        self.min_rv = 1               # watch from rv >= min_rv can be served
        self.objects = {}             # gkey -> {(ns, name): obj}
        self.uids = {}                # uid -> (gkey, ns, name)
        self.resources = {}           # (group, version, plural) -> Resource
        self.by_gkey = {}             # gkey -> Resource
        self.continues = {}           # token id -> (list rv, [objs])
        self.continue_seq = 0
        self.clock_offset = 0.0
        self.gc_delay = False
        self.gc_pending = []          # uids of deleted owners awaiting GC
        self.bookmark_gen = 0
        self.drop_gen = 0
        self.watch_410_mode = "event"
        self.watchers = 0
        with self.lock:
            self._bootstrap()

    def _bootstrap(self):
        for r in builtin_resources():
            self.register(r)
        for ns in ("default", "kube-system", "kube-public", "kube-node-lease"):
            self._put_new(self.by_gkey[("", "namespaces")], {
                "apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns},
                "spec": {"finalizers": ["kubernetes"]}, "status": {"phase": "Active"}})
        for crd in default_crds():
            self.create(self.by_gkey[("apiextensions.k8s.io", "customresourcedefinitions")],
                        None, crd)

    # -- clock
    def now(self):
        return time.time() + self.clock_offset

    # -- registry
    def register(self, res):
        for v in res.versions:
            self.resources[(res.group, v, res.plural)] = res
        self.by_gkey[res.gkey] = res
        self.objects.setdefault(res.gkey, {})

    def unregister(self, res):
        for v in res.versions:
            self.resources.pop((res.group, v, res.plural), None)
        self.by_gkey.pop(res.gkey, None)

    def lookup(self, group, version, plural):
        return self.resources.get((group, version, plural))

    def _crd_resources(self, crd):
        spec = crd.get("spec", {})
        names = spec.get("names", {})
        vers = [v["name"] for v in spec.get("versions", []) if v.get("served", True)]
        storage = [v["name"] for v in spec.get("versions", []) if v.get("storage")]
        vers = storage + [v for v in vers if v not in storage]
        status = any("status" in (v.get("subresources") or {})
                     for v in spec.get("versions", []))
        return Resource(spec.get("group", ""), vers, names.get("plural", ""),
                        names.get("kind", ""), spec.get("scope") != "Cluster",
                        status=status, crd=True, singular=names.get("singular"),
                        short=names.get("shortNames") or [])

    # -- events
    def _bump(self):
        self.rv += 1
        return self.rv

    def _record(self, rv, gkey, etype, obj, prev):
        self.history.append((rv, gkey, etype, obj, prev))
        self.history_rvs.append(rv)
        # Trim in batches so appends stay O(1) amortised.
        if len(self.history) > self.history_size + self.history_size // 4 + 1:
            drop = len(self.history) - self.history_size
            self.min_rv = self.history[drop - 1][0]
            del self.history[:drop]
            del self.history_rvs[:drop]
        self.lock.notify_all()

    def events_after(self, rv, gkey):
        i = bisect.bisect_right(self.history_rvs, rv)
        return [e for e in self.history[i:] if e[1] == gkey]

    def compact(self):
        """End the history: only watches from the current RV can be served."""
        with self.lock:
            self.history = []
            self.history_rvs = []
            self.min_rv = self.rv
            self.continues.clear()
            self.lock.notify_all()

    # -- internal put/delete
    def _put_new(self, res, obj):
        md = meta(obj)
        rv = self._bump()
        md["resourceVersion"] = str(rv)
        md.setdefault("uid", str(uuid.uuid4()))
        md.setdefault("creationTimestamp", fmt_time(self.now()))
        if res.generation:
            md["generation"] = 1
        key = (md.get("namespace", ""), md["name"])
        self.objects[res.gkey][key] = obj
        self.uids[md["uid"]] = (res.gkey, key[0], key[1])
        self._record(rv, res.gkey, "ADDED", obj, None)
        return obj

    def _replace(self, res, old, new):
        rv = self._bump()
        meta(new)["resourceVersion"] = str(rv)
        md = new["metadata"]
        key = (md.get("namespace", ""), md["name"])
        self.objects[res.gkey][key] = new
        self._record(rv, res.gkey, "MODIFIED", new, old)
        return new

    def _remove(self, res, obj):
        md = obj["metadata"]
        key = (md.get("namespace", ""), md["name"])
        rv = self._bump()
        gone = _jcopy(obj)
        gone["metadata"]["resourceVersion"] = str(rv)
        self.objects[res.gkey].pop(key, None)
        self.uids.pop(md.get("uid"), None)
        self._record(rv, res.gkey, "DELETED", gone, obj)
        if res.gkey == ("apiextensions.k8s.io", "customresourcedefinitions"):
            cres = self.by_gkey.get((obj["spec"]["group"], obj["spec"]["names"]["plural"]))
            if cres is not None:
                for o in list(self.objects.get(cres.gkey, {}).values()):
                    self._remove(cres, o)
                self.unregister(cres)
        if res.gkey == ("", "namespaces"):
            ns = md["name"]
            for gk, objs in list(self.objects.items()):
                r = self.by_gkey.get(gk)
                if r is None or not r.namespaced:
                    continue
                for (ons, _), o in list(objs.items()):
                    if ons == ns:
                        self._remove(r, o)
        self._owner_gone(md.get("uid"))
        return gone

    # -- garbage collection
    def _owner_gone(self, uid):
        if uid is None:
            return
        if self.gc_delay:
            self.gc_pending.append(uid)
            return
        self._collect(uid)

    def _dependents(self, uid):
        out = []
        for gk, objs in self.objects.items():
            res = self.by_gkey.get(gk)
            for o in objs.values():
                for ref in o["metadata"].get("ownerReferences") or []:
                    if ref.get("uid") == uid:
                        out.append((res, o))
                        break
        return out

    def _collect(self, uid):
        for res, o in self._dependents(uid):
            cur = self.objects[res.gkey].get((o["metadata"].get("namespace", ""),
                                               o["metadata"]["name"]))
            if cur is None:
                continue
            refs = cur["metadata"].get("ownerReferences") or []
            alive = [r for r in refs if r.get("uid") in self.uids]
            if not alive:
                self._delete_obj(res, cur, "Background")

    def _dangling(self, res, obj):
        """The garbage collector also removes an object written with
        ownerReferences whose owners are all gone (e.g. created from a stale
        cache after its owner was deleted): the client sees the write
        succeed, then a DELETED event."""
        refs = obj["metadata"].get("ownerReferences") or []
        if not refs or any(r.get("uid") in self.uids for r in refs):
            return
        if self.gc_delay:
            for r in refs:
                self.gc_pending.append(r.get("uid"))
            return
        self._delete_obj(res, obj, "Background")

    def run_gc(self):
        with self.lock:
            pending, self.gc_pending = self.gc_pending, []
            for uid in pending:
                self._collect(uid)

    def _delete_obj(self, res, obj, policy):
        md = obj["metadata"]
        fins = list(md.get("finalizers") or [])
        if policy == "Foreground":
            # Dependents go first, then the owner (synchronously here).
            for dres, dep in self._dependents(md.get("uid")):
                self._delete_obj(dres, dep, "Foreground")
        if policy == "Orphan":
            for dres, dep in self._dependents(md.get("uid")):
                new = _jcopy(dep)
                new["metadata"]["ownerReferences"] = [
                    r for r in dep["metadata"].get("ownerReferences", [])
                    if r.get("uid") != md.get("uid")]
                if not new["metadata"]["ownerReferences"]:
                    del new["metadata"]["ownerReferences"]
                self._replace(dres, dep, new)
        if fins:
            if md.get("deletionTimestamp"):
                return obj
            new = _jcopy(obj)
            new["metadata"]["deletionTimestamp"] = fmt_time(self.now())
            new["metadata"]["deletionGracePeriodSeconds"] = 0
            return self._replace(res, obj, new)
        if policy == "Orphan":
            # Orphaned dependents must not be collected.
            self.uids.pop(md.get("uid"), None)
            md_key = (md.get("namespace", ""), md["name"])
            rv = self._bump()
            gone = _jcopy(obj)
            gone["metadata"]["resourceVersion"] = str(rv)
            self.objects[res.gkey].pop(md_key, None)
            self._record(rv, res.gkey, "DELETED", gone, obj)
            return gone
        return self._remove(res, obj)

    # -- validation
    def _validate_common(self, res, obj, name):
        md = obj["metadata"]
        causes = []
        if not DNS1123_SUB.match(name or "") or len(name) > 253:
            causes.append({"field": "metadata.name", "message":
                           'Invalid value: "%s": a lowercase RFC 1123 subdomain must '
                           "consist of lower case alphanumeric characters, '-' or '.', "
                           "and must start and end with an alphanumeric character" % name})
        refs = md.get("ownerReferences")
        if refs is not None:
            if not isinstance(refs, list):
                causes.append({"field": "metadata.ownerReferences", "message": "must be a list"})
            else:
                ctl = 0
                for i, r in enumerate(refs):
                    for f in ("apiVersion", "kind", "name", "uid"):
                        if not isinstance(r, dict) or not r.get(f):
                            causes.append({"field": "metadata.ownerReferences[%d].%s" % (i, f),
                                           "message": "Required value"})
                    if isinstance(r, dict) and r.get("controller") is True:
                        ctl += 1
                if ctl > 1:
                    causes.append({"field": "metadata.ownerReferences", "message":
                                   "Invalid value: only one reference can have "
                                   "Controller set to true"})
        for f in ("labels", "annotations"):
            v = md.get(f)
            if v is not None and (not isinstance(v, dict) or
                                  any(not isinstance(x, str) for x in v.values())):
                causes.append({"field": "metadata." + f, "message":
                               "Invalid value: values must be strings"})
        fins = md.get("finalizers")
        if fins is not None and (not isinstance(fins, list) or
                                 any(not isinstance(x, str) for x in fins)):
            causes.append({"field": "metadata.finalizers", "message": "must be a list of strings"})
        if res.gkey == ("", "secrets"):
            causes += self._validate_secret(obj)
        if res.gkey == ("events.k8s.io", "events"):
            for f in ("reportingController", "reportingInstance", "action", "reason",
                      "eventTime"):
                if not obj.get(f):
                    causes.append({"field": f, "message": "Required value", "reason":
                                   "FieldValueRequired"})
            if obj.get("type") not in ("Normal", "Warning"):
                causes.append({"field": "type", "message":
                               'Unsupported value: "%s": supported values: "Normal", '
                               '"Warning"' % obj.get("type", "")})
            note = obj.get("note")
            if isinstance(note, str) and len(note.encode()) > 1024:
                causes.append({"field": "note", "message":
                               "Too long: must have at most 1024 bytes"})
            if not isinstance(obj.get("regarding"), dict) and obj.get("regarding") is not None:
                causes.append({"field": "regarding", "message": "must be an object"})
        if res.gkey == ("", "events"):
            if not isinstance(obj.get("involvedObject"), dict):
                causes.append({"field": "involvedObject", "message": "Required value"})
        if res.gkey == ("coordination.k8s.io", "leases"):
            d = (obj.get("spec") or {}).get("leaseDurationSeconds")
            if d is not None and (not isinstance(d, int) or d <= 0):
                causes.append({"field": "spec.leaseDurationSeconds", "message":
                               "Invalid value: %s: must be greater than 0" % d})
        if causes:
            raise invalid(res, name, causes)

    def _validate_secret(self, obj):
        causes = []
        data = obj.get("data")
        if data is not None and not isinstance(data, dict):
            raise bad_request("Secret in version \"v1\" cannot be handled as a Secret: "
                              "json: cannot unmarshal into Go struct field Secret.data")
        for k, v in (data or {}).items():
            if not isinstance(v, str):
                raise bad_request("Secret in version \"v1\" cannot be handled as a Secret: "
                                  "json: cannot unmarshal into Go struct field "
                                  "Secret.data of type []uint8")
            try:
                base64.b64decode(v, validate=True)
            except Exception:
                raise bad_request("Secret in version \"v1\" cannot be handled as a Secret: "
                                  "illegal base64 data at input byte 0")
            if not SECRET_KEY.match(k) or len(k) > 253:
                causes.append({"field": "data[%s]" % k, "message":
                               "Invalid value: \"%s\": a valid config key must consist of "
                               "alphanumeric characters, '-', '_' or '.'" % k})
        t = obj.get("type", "Opaque")
        keys = set((data or {}).keys())
        need = {"kubernetes.io/tls": ["tls.crt", "tls.key"],
                "kubernetes.io/dockerconfigjson": [".dockerconfigjson"],
                "kubernetes.io/dockercfg": [".dockercfg"],
                "kubernetes.io/ssh-auth": ["ssh-privatekey"]}.get(t, [])
        for k in need:
            if k not in keys:
                causes.append({"field": "data[%s]" % k, "message": "Required value"})
        if t == "kubernetes.io/basic-auth" and not ({"username", "password"} & keys):
            causes.append({"field": "data[username]", "message": "Required value"})
        return causes

    def _prepare_secret(self, obj):
        sd = obj.pop("stringData", None)
        if isinstance(sd, dict):
            data = obj.setdefault("data", {}) or {}
            for k, v in sd.items():
                data[k] = base64.b64encode(str(v).encode()).decode()
            obj["data"] = data
        if not obj.get("type"):
            obj["type"] = "Opaque"

    # -- verbs (called with the lock held by the caller)
    def get(self, res, ns, name):
        obj = self.objects[res.gkey].get((ns or "", name))
        if obj is None:
            raise not_found(res, name)
        return obj

    def _ns_exists(self, res, ns):
        if res.namespaced and ("", ns) not in self.objects[("", "namespaces")]:
            raise ApiError(404, "NotFound", 'namespaces "%s" not found' % ns,
                           {"name": ns, "kind": "namespaces"})

    def create(self, res, ns, obj, dry_run=False):
        if not isinstance(obj, dict):
            raise bad_request("the body of the request was in an unknown format")
        obj = _jcopy(obj)
        md = meta(obj)
        if res.namespaced:
            bns = md.get("namespace")
            if bns and ns and bns != ns:
                raise bad_request("the namespace of the provided object does not match "
                                  "the namespace sent on the request")
            md["namespace"] = ns
        else:
            md.pop("namespace", None)
        name = md.get("name")
        if not name and md.get("generateName"):
            for _ in range(20):
                name = md["generateName"] + "".join(random.choice(GEN_ALPHABET)
                                                    for _ in range(5))
                if (md.get("namespace", ""), name) not in self.objects[res.gkey]:
                    break
            md["name"] = name
        if not name:
            raise invalid(res, "", [{"field": "metadata.name", "message":
                                     "Required value: name or generateName is required",
                                     "reason": "FieldValueRequired"}])
        for f in ("resourceVersion", "uid", "creationTimestamp", "deletionTimestamp",
                  "deletionGracePeriodSeconds", "generation", "selfLink", "managedFields"):
            md.pop(f, None)
        obj["apiVersion"] = obj.get("apiVersion") or res.api_version()
        obj["kind"] = obj.get("kind") or res.kind
        if res.status and res.crd:
            obj.pop("status", None)
        if res.gkey == ("", "secrets"):
            self._prepare_secret(obj)
        if res.gkey == ("", "namespaces"):
            obj.setdefault("spec", {"finalizers": ["kubernetes"]})
            obj["status"] = {"phase": "Active"}
        self._validate_common(res, obj, name)
        if res.namespaced:
            self._ns_exists(res, ns)
        if (md.get("namespace", ""), name) in self.objects[res.gkey]:
            what = res.plural if not res.group else "%s.%s" % (res.plural, res.group)
            raise ApiError(409, "AlreadyExists", '%s "%s" already exists' % (what, name),
                           {"name": name, "group": res.group, "kind": res.plural})
        if res.gkey == ("apiextensions.k8s.io", "customresourcedefinitions"):
            cres = self._crd_resources(obj)
            want = "%s.%s" % (cres.plural, cres.group)
            if name != want:
                raise invalid(res, name, [{"field": "metadata.name", "message":
                                           'Invalid value: "%s": must be spec.names.plural+'
                                           '"."+spec.group' % name}])
            obj["status"] = {"conditions": [
                {"type": "NamesAccepted", "status": "True", "reason": "NoConflicts",
                 "lastTransitionTime": fmt_time(self.now()), "message": "no conflicts found"},
                {"type": "Established", "status": "True", "reason": "InitialNamesAccepted",
                 "lastTransitionTime": fmt_time(self.now()),
                 "message": "the initial names have been accepted"}],
                "acceptedNames": obj["spec"]["names"], "storedVersions": cres.versions[:1]}
        if dry_run:
            md["uid"] = str(uuid.uuid4())
            md["creationTimestamp"] = fmt_time(self.now())
            return obj
        out = self._put_new(res, obj)
        if res.gkey == ("apiextensions.k8s.io", "customresourcedefinitions"):
            self.register(self._crd_resources(out))
        self._dangling(res, out)
        return out

    def update(self, res, ns, name, obj, sub=None, dry_run=False, require_rv=None):
        if not isinstance(obj, dict):
            raise bad_request("the body of the request was in an unknown format")
        old = self.get(res, ns, name)
        obj = _jcopy(obj)
        md = meta(obj)
        if md.get("name") and md["name"] != name:
            raise bad_request("the name of the object (%s) does not match the name on the "
                              "URL (%s)" % (md["name"], name))
        if res.namespaced and md.get("namespace") and md["namespace"] != ns:
            raise bad_request("the namespace of the provided object does not match the "
                              "namespace sent on the request")
        rv = md.get("resourceVersion")
        if require_rv is None:
            require_rv = res.crd
        if not rv and require_rv:
            raise invalid(res, name, [{"field": "metadata.resourceVersion", "message":
                                       "Invalid value: 0x0: must be specified for an update"}])
        if rv and rv != old["metadata"]["resourceVersion"]:
            what = res.plural if not res.group else "%s.%s" % (res.plural, res.group)
            raise ApiError(409, "Conflict",
                           'Operation cannot be fulfilled on %s "%s": the object has been '
                           "modified; please apply your changes to the latest version and "
                           "try again" % (what, name),
                           {"name": name, "group": res.group, "kind": res.plural})
        if sub == "status":
            new = _jcopy(old)
            if "status" in obj:
                new["status"] = obj["status"]
            else:
                new.pop("status", None)
        else:
            new = obj
            nmd = new["metadata"]
            omd = old["metadata"]
            for f in ("uid", "creationTimestamp", "deletionTimestamp",
                      "deletionGracePeriodSeconds", "generation"):
                if f in omd:
                    nmd[f] = omd[f]
                else:
                    nmd.pop(f, None)
            nmd["name"] = name
            if res.namespaced:
                nmd["namespace"] = ns
            new["apiVersion"] = old["apiVersion"]
            new["kind"] = old["kind"]
            if res.status:
                if "status" in old:
                    new["status"] = old["status"]
                else:
                    new.pop("status", None)
            if res.gkey == ("", "secrets"):
                self._prepare_secret(new)
                if old.get("immutable") is True:
                    causes = []
                    if new.get("data") != old.get("data"):
                        causes.append({"field": "data", "message":
                                       "Forbidden: field is immutable when `immutable` is set"})
                    if new.get("immutable") is not True:
                        causes.append({"field": "immutable", "message":
                                       "Forbidden: field is immutable when `immutable` is set"})
                    if causes:
                        raise invalid(res, name, causes)
                if new.get("type") != old.get("type"):
                    raise invalid(res, name, [{"field": "type", "message":
                                               "Invalid value: \"%s\": field is immutable"
                                               % new.get("type")}])
            self._validate_common(res, new, name)
            if omd.get("deletionTimestamp"):
                added = set(nmd.get("finalizers") or []) - set(omd.get("finalizers") or [])
                if added:
                    raise invalid(res, name, [{"field": "metadata.finalizers", "message":
                                               "Forbidden: no new finalizers can be added if "
                                               "the object is being deleted, found new "
                                               "finalizers %s" % json.dumps(sorted(added))}])
            if res.generation:
                def body(o):
                    return {k: v for k, v in o.items()
                            if k not in ("metadata", "status", "apiVersion", "kind")}
                if canon(body(old)) != canon(body(new)):
                    nmd["generation"] = int(omd.get("generation", 1)) + 1
        # A no-op write changes nothing and sends no event (as etcd/apiserver).
        a = _jcopy(old)
        b = _jcopy(new)
        a["metadata"].pop("resourceVersion", None)
        b["metadata"].pop("resourceVersion", None)
        if canon(a) == canon(b):
            return old
        if dry_run:
            new["metadata"]["resourceVersion"] = old["metadata"]["resourceVersion"]
            return new
        if new["metadata"].get("deletionTimestamp") and not new["metadata"].get("finalizers"):
            # The last finalizer went away: the object is deleted instead of
            # updated (watchers see DELETED only), as the registry store does.
            return self._remove(res, old)
        out = self._replace(res, old, new)
        self._dangling(res, out)
        return out

    def patch(self, res, ns, name, ctype, body, sub=None, query=None):
        query = query or {}
        ctype = (ctype or "").split(";")[0].strip()
        try:
            patch = json.loads(body or b"null")
        except ValueError:
            if ctype == "application/apply-patch+yaml":
                raise ApiError(415, "UnsupportedMediaType",
                               "the fake API server accepts apply patches in JSON only")
            raise bad_request("error decoding patch: invalid JSON")
        exists = (ns or "", name) in self.objects[res.gkey]
        if ctype == "application/apply-patch+yaml":
            if not query.get("fieldManager"):
                raise bad_request("PatchOptions.meta.k8s.io \"\" is invalid: fieldManager: "
                                  "Required value: is required for apply patch")
            if not exists:
                if sub:
                    raise not_found(res, name)
                return self.create(res, ns, patch), 201
            cur = self.get(res, ns, name)
            new = merge_patch(cur, patch)
            meta(new)["resourceVersion"] = cur["metadata"]["resourceVersion"]
            return self.update(res, ns, name, new, sub=sub, require_rv=False), 200
        cur = self.get(res, ns, name)
        if ctype == "application/merge-patch+json":
            new = merge_patch(cur, patch)
        elif ctype == "application/json-patch+json":
            new = json_patch(cur, patch)
        elif ctype == "application/strategic-merge-patch+json":
            if res.crd:
                raise ApiError(415, "UnsupportedMediaType",
                               "the body of the request was in an unknown format - accepted "
                               "media types include: application/json-patch+json, "
                               "application/merge-patch+json, application/apply-patch+yaml")
            new = strategic_merge_patch(cur, patch)
        else:
            raise ApiError(415, "UnsupportedMediaType",
                           "the body of the request was in an unknown format - accepted media "
                           "types include: application/json-patch+json, "
                           "application/merge-patch+json, application/apply-patch+yaml")
        if not isinstance(new, dict):
            raise bad_request("patch result is not an object")
        # A patch carrying metadata.resourceVersion is a precondition.
        prv = (patch.get("metadata") or {}).get("resourceVersion") if isinstance(patch, dict) \
            else None
        meta(new)["resourceVersion"] = prv or cur["metadata"]["resourceVersion"]
        return self.update(res, ns, name, new, sub=sub, require_rv=False), 200

    def delete(self, res, ns, name, opts):
        obj = self.get(res, ns, name)
        pre = (opts or {}).get("preconditions") or {}
        if pre.get("uid") and pre["uid"] != obj["metadata"].get("uid"):
            raise ApiError(409, "Conflict", "Precondition failed: UID in precondition: %s, "
                           "UID in object meta: %s" % (pre["uid"], obj["metadata"].get("uid")))
        if pre.get("resourceVersion") and pre["resourceVersion"] != \
                obj["metadata"]["resourceVersion"]:
            raise ApiError(409, "Conflict", "Precondition failed: ResourceVersion in "
                           "precondition: %s, ResourceVersion in object meta: %s" % (
                               pre["resourceVersion"], obj["metadata"]["resourceVersion"]))
        policy = (opts or {}).get("propagationPolicy") or "Background"
        if policy not in ("Background", "Foreground", "Orphan"):
            raise invalid(res, name, [{"field": "propagationPolicy", "message":
                                       'Unsupported value: "%s"' % policy}])
        if (opts or {}).get("dryRun"):
            return obj
        return self._delete_obj(res, obj, policy)

    def list(self, res, ns, lsel, fsel):
        out = []
        for (ons, _), o in sorted(self.objects[res.gkey].items()):
            if ns and ons != ns:
                continue
            if not lsel(o["metadata"].get("labels")) or not fsel(o):
                continue
            out.append(o)
        return out


# --------------------------------------------------------------------------
# HTTP


def discovery_resources(store, group, version):
    out = []
    for (g, v, _), r in sorted(store.resources.items()):
        if g != group or v != version:
            continue
        verbs = ["create", "delete", "deletecollection", "get", "list", "patch",
                 "update", "watch"]
        out.append({"name": r.plural, "singularName": r.singular,
                    "namespaced": r.namespaced, "kind": r.kind, "verbs": verbs,
                    "shortNames": r.short, "storageVersionHash": ""})
        if r.status:
            out.append({"name": r.plural + "/status", "singularName": "",
                        "namespaced": r.namespaced, "kind": r.kind,
                        "verbs": ["get", "patch", "update"]})
        if r.gkey == ("", "services"):
            out.append({"name": "services/proxy", "singularName": "", "namespaced": True,
                        "kind": "ServiceProxyOptions",
                        "verbs": ["create", "delete", "get", "patch", "update"]})
    return out


def groups(store):
    gv = {}
    for (g, v, _), r in store.resources.items():
        if g:
            gv.setdefault(g, [])
            if v not in gv[g]:
                gv[g].append(v)
    # storage/preferred version first as registered
    out = []
    for g in sorted(gv):
        res = [r for (gg, _, _), r in store.resources.items() if gg == g]
        pref = res[0].versions[0] if res else gv[g][0]
        vers = sorted(gv[g], key=lambda v: (v != pref, v))
        out.append({"name": g, "versions": [{"groupVersion": "%s/%s" % (g, v), "version": v}
                                            for v in vers],
                    "preferredVersion": {"groupVersion": "%s/%s" % (g, pref), "version": pref}})
    return out


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, addr, handler, opts):
        super().__init__(addr, handler)
        self.store = Store(history=opts.get("history", 1000))
        self.tokens = set(opts.get("tokens") or [])
        self.auth = opts.get("auth", True)
        self.faults = []
        self.faults_lock = threading.Lock()
        self.log = []
        self.log_seq = 0
        self.log_bodies = opts.get("log_bodies", True)
        self.log_max = opts.get("log_max", 200000)
        self.log_lock = threading.Lock()
        self.bookmark_interval = opts.get("bookmark_interval", 60.0)
        self.proxies = {}
        self.ssl_ctx = None
        self.stopping = False
        self.client_cas = None

    def handle_error(self, request, client_address):
        # Clients dropping connections mid-stream are normal here.
        pass


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    MessageClass = _Headers if _FAST_HEADERS else http.client.HTTPMessage
    server_version = "fake-kube-apiserver/1.0"

    def log_message(self, fmt, *args):
        pass

    def setup(self):
        super().setup()
        # Headers and body go out in two writes: without this, Nagle's
        # algorithm and the client's delayed ACK stall every reply by ~40 ms.
        try:
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            pass

    # -- plumbing
    def _read_body(self):
        n = int(self.headers.get("Content-Length") or 0)
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            data = b""
            while True:
                line = self.rfile.readline()
                size = int(line.strip().split(b";")[0] or b"0", 16)
                if size == 0:
                    self.rfile.readline()
                    break
                data += self.rfile.read(size)
                self.rfile.readline()
            return data
        return self.rfile.read(n) if n > 0 else b""

    def _send(self, code, body, ctype="application/json", headers=None):
        if isinstance(body, (dict, list)):
            body = json.dumps(body, separators=(",", ":")).encode()
        elif isinstance(body, str):
            body = body.encode()
        self._status = code
        if not self.path.startswith("/__fake/"):
            self._log(self._req_body)  # before the reply: a test may read the log next
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-cache, private")
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        # Headers and body in one write (one syscall, one segment), as
        # end_headers() would flush the headers alone.
        if not hasattr(self, "_headers_buffer"):  # HTTP/0.9: no headers
            self._headers_buffer = []
        else:
            self._headers_buffer.append(b"\r\n")
        if self.command != "HEAD":
            self._headers_buffer.append(body)
        self.wfile.write(b"".join(self._headers_buffer))
        self._headers_buffer = []
        self._status = code

    def _send_error(self, e):
        self._send(e.code, e.status(), headers=e.headers)

    def _log(self, body):
        if self._logged:
            return
        self._logged = True
        srv = self.server
        if srv.log_max <= 0:
            return
        u = urlsplit(self.path)
        entry = {"method": self.command, "path": u.path, "query": u.query,
                 "content_type": self.headers.get("Content-Type", ""),
                 "status": getattr(self, "_status", 0),
                 "auth": self._who, "time": time.time()}
        if srv.log_bodies:
            entry["body"] = body.decode("utf-8", "replace") if body else ""
        with srv.log_lock:
            srv.log_seq += 1
            entry["seq"] = srv.log_seq
            srv.log.append(entry)
            if len(srv.log) > srv.log_max:
                del srv.log[:len(srv.log) - srv.log_max]

    def _authenticate(self):
        srv = self.server
        self._who = None
        auth = self.headers.get("Authorization", "")
        if auth.startswith("Bearer "):
            tok = auth[7:].strip()
            if tok in srv.tokens:
                self._who = "token:" + tok[:6]
                return True
            return False
        if isinstance(self.connection, ssl.SSLSocket):
            cert = self.connection.getpeercert()
            if cert:
                for rdn in cert.get("subject", ()):
                    for k, v in rdn:
                        if k == "commonName":
                            self._who = "cert:" + v
                            return True
        return not srv.auth

    def _fault(self):
        """First matching fault rule with count left, or None."""
        srv = self.server
        u = urlsplit(self.path)
        q = parse_qs(u.query)
        is_watch = q.get("watch", [""])[0] in ("1", "true")
        with srv.faults_lock:
            for rule in srv.faults:
                if rule.get("count", 1) == 0:
                    continue
                if rule.get("method") and rule["method"] != self.command:
                    continue
                if rule.get("path") and not re.search(rule["path"], u.path):
                    continue
                if "watch" in rule and bool(rule["watch"]) != is_watch:
                    continue
                if rule.get("count", 1) > 0:
                    rule["count"] = rule.get("count", 1) - 1
                rule["hits"] = rule.get("hits", 0) + 1
                return dict(rule)
        return None

    def do_GET(self):
        self._dispatch("GET")

    def do_HEAD(self):
        self._dispatch("GET")

    def do_POST(self):
        self._dispatch("POST")

    def do_PUT(self):
        self._dispatch("PUT")

    def do_PATCH(self):
        self._dispatch("PATCH")

    def do_DELETE(self):
        self._dispatch("DELETE")

    def _dispatch(self, method):
        self._status = 0
        self._who = None
        self._logged = False
        self._req_body = body = b""
        try:
            self._req_body = body = self._read_body()
        except (ValueError, OSError):
            self.close_connection = True
            return
        u = urlsplit(self.path)
        if u.path.startswith("/__fake/"):
            try:
                self._control(method, u, body)
            except ApiError as e:
                self._send_error(e)
            except Exception as e:  # noqa: BLE001 - report, never die
                self._send(500, {"error": repr(e)})
            return
        try:
            if not self._authenticate():
                raise ApiError(401, "Unauthorized", "Unauthorized")
            fault = self._fault()
            if fault:
                if fault.get("latency"):
                    time.sleep(float(fault["latency"]))
                if fault.get("status"):
                    code = int(fault["status"])
                    hdrs = {}
                    details = None
                    if fault.get("retry_after") is not None:
                        hdrs["Retry-After"] = str(fault["retry_after"])
                        details = {"causes": [{"message": "fake: injected"}],
                                   "retryAfterSeconds": int(fault["retry_after"])}
                    reason = {429: "TooManyRequests", 500: "InternalError",
                              503: "ServiceUnavailable", 504: "Timeout",
                              410: "Expired", 403: "Forbidden", 401: "Unauthorized",
                              409: "Conflict"}.get(code, "Unknown")
                    raise ApiError(code, reason, fault.get("message") or
                                   "fake: injected %d" % code, details, hdrs)
                if fault.get("drop"):
                    # Close the connection without any response.
                    self.close_connection = True
                    try:
                        self.connection.shutdown(socket.SHUT_RDWR)
                    except OSError:
                        pass
                    self._status = -1
                    return
            self._route(method, u, body, fault)
        except ApiError as e:
            try:
                self._send_error(e)
            except OSError:
                self.close_connection = True
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
        except Exception as e:  # noqa: BLE001
            try:
                self._send_error(ApiError(500, "InternalError", "fake: %r" % e))
            except OSError:
                self.close_connection = True
        finally:
            if not u.path.startswith("/__fake/"):
                self._log(body)

    # -- routing
    def _route(self, method, u, body, fault):
        store = self.server.store
        path = u.path.rstrip("/") or "/"
        q = {k: v[-1] for k, v in parse_qs(u.query, keep_blank_values=True).items()}
        if method == "GET" and path in ("/healthz", "/readyz", "/livez"):
            return self._send(200, "ok", "text/plain; charset=utf-8")
        if method == "GET" and path == "/version":
            return self._send(200, {"major": "1", "minor": "32", "gitVersion": "v1.32.0-fake",
                                    "gitCommit": "0" * 40, "gitTreeState": "clean",
                                    "buildDate": "2025-01-01T00:00:00Z", "goVersion": "go1.23",
                                    "compiler": "gc", "platform": "linux/amd64"})
        if method == "GET" and path == "/api":
            return self._send(200, {"kind": "APIVersions", "versions": ["v1"],
                                    "serverAddressByClientCIDRs": [
                                        {"clientCIDR": "0.0.0.0/0",
                                         "serverAddress": "127.0.0.1"}]})
        if method == "GET" and path == "/apis":
            with store.lock:
                gl = groups(store)
            return self._send(200, {"kind": "APIGroupList", "apiVersion": "v1", "groups": gl})
        if method == "GET" and path == "/openapi/v3":
            # An OpenAPI v3 index whose per-group documents list only the
            # operations (no schemas): enough for kubectl to see that the
            # server validates fields itself (fieldValidation=Strict).
            with store.lock:
                gvs = sorted({(g, v) for (g, v, _) in store.resources})
            return self._send(200, {"paths": {
                ("api/%s" % v if not g else "apis/%s/%s" % (g, v)):
                    {"serverRelativeURL": "/openapi/v3/%s?hash=0" %
                     ("api/%s" % v if not g else "apis/%s/%s" % (g, v))}
                for g, v in gvs}})
        if method == "GET" and path.startswith("/openapi/v3/"):
            return self._send(200, self._openapi_v3(path[len("/openapi/v3/"):]))
        if path.startswith("/openapi"):
            raise ApiError(404, "NotFound", "the server could not find the requested resource")
        parts = [p for p in path.split("/") if p]
        if not parts or parts[0] not in ("api", "apis"):
            raise ApiError(404, "NotFound", "the server could not find the requested resource")
        if parts[0] == "api":
            group = ""
            if len(parts) < 2:
                raise ApiError(404, "NotFound", "the server could not find the requested resource")
            version, rest = parts[1], parts[2:]
        else:
            if len(parts) == 2:
                with store.lock:
                    for g in groups(store):
                        if g["name"] == parts[1]:
                            return self._send(200, dict(g, kind="APIGroup", apiVersion="v1"))
                raise ApiError(404, "NotFound", "the server could not find the requested resource")
            if len(parts) < 3:
                raise ApiError(404, "NotFound", "the server could not find the requested resource")
            group, version, rest = parts[1], parts[2], parts[3:]
        if not rest:
            with store.lock:
                rl = discovery_resources(store, group, version)
            if not rl:
                raise ApiError(404, "NotFound", "the server could not find the requested resource")
            gv = version if not group else "%s/%s" % (group, version)
            return self._send(200, {"kind": "APIResourceList", "apiVersion": "v1",
                                    "groupVersion": gv, "resources": rl})
        watch = q.get("watch", "") in ("1", "true")
        if rest[0] == "watch":
            watch = True
            rest = rest[1:]
        ns = None
        with store.lock:
            if rest[0] == "namespaces" and len(rest) >= 3 and \
                    store.lookup(group, version, rest[2]) is not None and \
                    store.lookup(group, version, rest[2]).namespaced:
                ns = rest[1]
                rest = rest[2:]
            res = store.lookup(group, version, rest[0])
        if res is None:
            raise ApiError(404, "NotFound", "the server could not find the requested resource")
        name = rest[1] if len(rest) > 1 else None
        sub = rest[2] if len(rest) > 2 else None
        if res.namespaced and ns is None and name is not None:
            raise ApiError(404, "NotFound", "the server could not find the requested resource")
        if sub == "proxy" and res.gkey == ("", "services"):
            return self._proxy(method, ns, name, "/" + "/".join(rest[3:]), u.query, body)
        if sub is not None and (sub != "status" or not res.status or len(rest) > 3):
            raise ApiError(404, "NotFound", "the server could not find the requested resource")
        dry = q.get("dryRun") == "All"
        ctype = (self.headers.get("Content-Type") or "application/json").split(";")[0].strip()
        if method in ("POST", "PUT") and ctype == "application/vnd.kubernetes.protobuf" and \
                res.gkey in (("", "secrets"), ("", "configmaps"), ("", "namespaces")):
            body = json.dumps(protobuf_to_json(body)).encode()
        elif method in ("POST", "PUT") and ctype not in ("application/json", "application/yaml",
                                                         "*/*", ""):
            raise ApiError(415, "UnsupportedMediaType",
                           'the body of the request was in an unknown format - accepted media '
                           'types include: application/json, application/yaml')
        if name is None:
            if method == "GET" and watch:
                return self._watch(res, version, ns, q, fault)
            if method == "GET":
                return self._list(res, version, ns, q)
            if method == "POST":
                obj = self._json(body)
                self._check_gvk(res, version, obj)
                with store.lock:
                    out = store.create(res, ns, obj, dry_run=dry)
                return self._send(201, self._out(res, version, out))
            if method == "DELETE":
                with store.lock:
                    lsel = parse_label_selector(q.get("labelSelector"))
                    fsel = parse_field_selector(q.get("fieldSelector"), res)
                    opts = self._json(body) if body else {}
                    if q.get("propagationPolicy"):
                        opts["propagationPolicy"] = q["propagationPolicy"]
                    items = []
                    for o in store.list(res, ns, lsel, fsel):
                        items.append(self._out(res, version, store.delete(
                            res, o["metadata"].get("namespace"), o["metadata"]["name"], opts),
                            strip=True))
                    return self._send(200, {"kind": res.kind + "List",
                                            "apiVersion": res.api_version(version),
                                            "metadata": {"resourceVersion": str(store.rv)},
                                            "items": items})
            raise ApiError(405, "MethodNotAllowed", "the server does not allow this method on "
                           "the requested resource")
        if method == "GET":
            with store.lock:
                obj = store.get(res, ns, name)
                return self._send(200, self._out(res, version, obj))
        if method == "PUT":
            obj = self._json(body)
            self._check_gvk(res, version, obj)
            with store.lock:
                out = store.update(res, ns, name, obj, sub=sub, dry_run=dry)
            return self._send(200, self._out(res, version, out))
        if method == "PATCH":
            with store.lock:
                out, code = store.patch(res, ns, name, self.headers.get("Content-Type"),
                                        body, sub=sub, query=q)
            return self._send(code, self._out(res, version, out))
        if method == "DELETE":
            opts = self._json(body) if body else {}
            if q.get("propagationPolicy"):
                opts["propagationPolicy"] = q["propagationPolicy"]
            if dry:
                opts["dryRun"] = True
            with store.lock:
                out = store.delete(res, ns, name, opts)
            return self._send(200, self._out(res, version, out))
        raise ApiError(405, "MethodNotAllowed", "the server does not allow this method on the "
                       "requested resource")

    def _openapi_v3(self, gvpath):
        store = self.server.store
        parts = gvpath.split("/")
        if parts[0] == "api" and len(parts) == 2:
            g, v = "", parts[1]
        elif parts[0] == "apis" and len(parts) == 3:
            g, v = parts[1], parts[2]
        else:
            raise ApiError(404, "NotFound", "the server could not find the requested resource")
        paths = {}
        with store.lock:
            rs = [r for (gg, vv, _), r in store.resources.items() if gg == g and vv == v]
        if not rs:
            raise ApiError(404, "NotFound", "the server could not find the requested resource")
        fv = {"name": "fieldValidation", "in": "query", "schema": {"type": "string",
                                                                 "uniqueItems": True}}
        for r in rs:
            base = "/api/%s" % v if not g else "/apis/%s/%s" % (g, v)
            item = "%s/%s%s/{name}" % (base, "namespaces/{namespace}/" if r.namespaced else "",
                                       r.plural)
            gvk = {"group": g, "version": v, "kind": r.kind}
            paths[item] = {
                verb: {"x-kubernetes-action": act, "x-kubernetes-group-version-kind": gvk,
                       "parameters": [fv], "responses": {}}
                for verb, act in (("put", "put"), ("patch", "patch"))}
            paths[item[:-len("/{name}")]] = {
                "post": {"x-kubernetes-action": "post", "x-kubernetes-group-version-kind": gvk,
                         "parameters": [fv], "responses": {}}}
        return {"openapi": "3.0.0", "info": {"title": "Kubernetes", "version": "v1.32.0"},
                "paths": paths, "components": {"schemas": {}}}

    def _json(self, body):
        try:
            v = json.loads(body or b"null")
        except ValueError:
            raise bad_request("the body of the request was in an unknown format - accepted "
                              "media types include: application/json, application/yaml")
        if not isinstance(v, dict):
            raise bad_request("the body of the request was in an unknown format")
        return v

    def _check_gvk(self, res, version, obj):
        kind = obj.get("kind")
        av = obj.get("apiVersion")
        if kind and kind != res.kind:
            raise bad_request("the API version in the data (%s) does not match the expected "
                              "API version (%s)" % (av, res.api_version(version))
                              if av and av != res.api_version(version) else
                              "kind %s does not match the expected kind %s" % (kind, res.kind))
        if av and av != res.api_version(version):
            raise bad_request("the API version in the data (%s) does not match the expected "
                              "API version (%s)" % (av, res.api_version(version)))

    def _meta_only(self):
        return "as=PartialObjectMetadata" in (self.headers.get("Accept") or "")

    def _out(self, res, version, obj, strip=False):
        if self._meta_only():
            # PartialObjectMetadata (the metadata-only view client-go's
            # metadata informers ask for through the Accept header).
            return {"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1",
                    "metadata": obj.get("metadata", {})}
        o = obj
        want = res.api_version(version)
        if strip and not res.crd:
            o = dict(obj)
            o.pop("kind", None)
            o.pop("apiVersion", None)
            return o
        if o.get("apiVersion") != want or o.get("kind") != res.kind:
            o = dict(obj)
            o["apiVersion"] = want
            o["kind"] = res.kind
        return o

    def _list(self, res, version, ns, q):
        store = self.server.store
        with store.lock:
            lsel = parse_label_selector(q.get("labelSelector"))
            fsel = parse_field_selector(q.get("fieldSelector"), res)
            limit = int(q.get("limit") or 0)
            cont = q.get("continue")
            if cont:
                try:
                    tok = json.loads(base64.urlsafe_b64decode(cont.encode()))
                    tid, start = tok["id"], tok["start"]
                except Exception:
                    raise bad_request("continue key is not valid: illegal base64 data")
                snap = store.continues.get(tid)
                if snap is None or snap[0] < store.min_rv:
                    raise ApiError(410, "Expired",
                                   "The provided continue parameter is too old to display a "
                                   "consistent list result. You can start a new list without "
                                   "the continue parameter, or use the continue token in this "
                                   "response to retrieve the remainder of the results. "
                                   "Continuing with the provided token results in an "
                                   "inconsistent list - objects that were created, modified, "
                                   "or deleted between the time the first chunk was returned "
                                   "and now may show up in the list.")
                list_rv, items = snap
                items = items[start:]
            else:
                list_rv = store.rv
                items = store.list(res, ns, lsel, fsel)
                tid = None
                start = 0
            md = {"resourceVersion": str(list_rv)}
            if limit and len(items) > limit:
                if tid is None:
                    store.continue_seq += 1
                    tid = store.continue_seq
                    store.continues[tid] = (list_rv, items)
                nxt = start + limit
                md["continue"] = base64.urlsafe_b64encode(json.dumps(
                    {"id": tid, "start": nxt, "rv": list_rv}).encode()).decode()
                md["remainingItemCount"] = len(items) - limit
                items = items[:limit]
            elif tid is not None:
                store.continues.pop(tid, None)
            out = {"kind": res.kind + "List", "apiVersion": res.api_version(version),
                   "metadata": md, "items": [self._out(res, version, o, strip=True)
                                             for o in items]}
            if self._meta_only():
                out["kind"] = "PartialObjectMetadataList"
                out["apiVersion"] = "meta.k8s.io/v1"
            payload = json.dumps(out, separators=(",", ":")).encode()
        return self._send(200, payload)

    # -- watch
    def _chunk(self, data):
        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
        self.wfile.flush()

    def _watch(self, res, version, ns, q, fault):
        srv = self.server
        store = srv.store
        lsel = parse_label_selector(q.get("labelSelector"))
        fsel = parse_field_selector(q.get("fieldSelector"), res)
        bookmarks = q.get("allowWatchBookmarks") in ("true", "1")
        timeout = q.get("timeoutSeconds")
        timeout = float(timeout) if timeout else random.uniform(1800, 3600)
        deadline = time.monotonic() + timeout
        rvq = q.get("resourceVersion", "")
        drop_after = int(fault["drop_after"]) if fault and "drop_after" in fault else None
        initial = []
        with store.lock:
            if rvq in ("", "0"):
                for o in store.list(res, ns, lsel, fsel):
                    initial.append(("ADDED", o))
                last = store.rv
            else:
                try:
                    last = int(rvq)
                except ValueError:
                    raise bad_request("invalid resource version %r" % rvq)
                if last < store.min_rv:
                    if store.watch_410_mode == "http":
                        raise ApiError(410, "Expired", "too old resource version: %d (%d)" %
                                       (last, store.min_rv))
                    initial.append(("ERROR", {
                        "kind": "Status", "apiVersion": "v1", "metadata": {},
                        "status": "Failure", "reason": "Expired", "code": 410,
                        "message": "too old resource version: %d (%d)" % (last, store.min_rv)}))
            drop_gen = store.drop_gen
            bm_gen = store.bookmark_gen
            store.watchers += 1
        self._status = 200
        self._log(self._req_body)
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Transfer-Encoding", "chunked")
        self.send_header("Cache-Control", "no-cache, private")
        self.end_headers()
        self._status = 200
        sent = 0
        last_bm = time.monotonic()
        dropped = False

        def emit(etype, obj):
            nonlocal sent
            ev = {"type": etype, "object": self._out(res, version, obj)
                  if etype != "ERROR" else obj}
            self._chunk(json.dumps(ev, separators=(",", ":")).encode() + b"\n")
            sent += 1

        try:
            for etype, obj in initial:
                emit(etype, obj)
                if etype == "ERROR":
                    self._chunk(b"")
                    return
                if drop_after is not None and sent >= drop_after:
                    dropped = True
                    break
            while not dropped:
                batch = []
                with store.lock:
                    while True:
                        if store.drop_gen != drop_gen:
                            dropped = True
                            break
                        if last < store.min_rv:
                            batch = [("ERROR", None)]
                            break
                        evs = store.events_after(last, res.gkey) \
                            if store.history_rvs and store.history_rvs[-1] > last else []
                        if evs:
                            batch = evs
                            break
                        if last < store.rv:
                            last = store.rv  # events of other kinds
                        now = time.monotonic()
                        if now >= deadline:
                            break
                        if bookmarks and (store.bookmark_gen != bm_gen or
                                          now - last_bm >= srv.bookmark_interval):
                            batch = [("BOOKMARK", None)]
                            bm_gen = store.bookmark_gen
                            break
                        store.lock.wait(min(0.2, max(0.01, deadline - now)))
                    cur_rv = store.rv
                    mrv = store.min_rv
                if dropped:
                    break
                if not batch:
                    self._chunk(b"")  # timeoutSeconds: clean end
                    return
                if batch[0][0] == "ERROR":
                    emit("ERROR", {"kind": "Status", "apiVersion": "v1", "metadata": {},
                                   "status": "Failure", "reason": "Expired", "code": 410,
                                   "message": "too old resource version: %d (%d)" % (last, mrv)})
                    self._chunk(b"")
                    return
                if batch[0][0] == "BOOKMARK":
                    last_bm = time.monotonic()
                    emit("BOOKMARK", {"kind": res.kind, "apiVersion": res.api_version(version),
                                      "metadata": {"resourceVersion": str(cur_rv)}})
                    last = max(last, cur_rv)
                    continue
                for rv, _, etype, obj, prev in batch:
                    last = rv
                    ons = obj["metadata"].get("namespace", "")
                    if ns and ons != ns:
                        continue
                    now_in = lsel(obj["metadata"].get("labels")) and fsel(obj)
                    was_in = prev is not None and lsel(prev["metadata"].get("labels")) and \
                        fsel(prev)
                    if etype == "ADDED":
                        t = "ADDED" if now_in else None
                    elif etype == "DELETED":
                        t = "DELETED" if was_in or now_in else None
                    else:
                        if now_in and was_in:
                            t = "MODIFIED"
                        elif now_in:
                            t = "ADDED"
                        elif was_in:
                            t = "DELETED"
                        else:
                            t = None
                    if t:
                        emit(t, obj)
                        if drop_after is not None and sent >= drop_after:
                            dropped = True
                            break
                if dropped:
                    break
        except (BrokenPipeError, ConnectionResetError, OSError):
            dropped = True
        finally:
            with store.lock:
                store.watchers -= 1
        if dropped:
            # Abort the stream: no terminating chunk.
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    # -- service proxy
    def _proxy(self, method, ns, name, rest, query, body):
        store = self.server.store
        parts = name.split(":")
        if len(parts) == 3:
            svc = parts[1]
        elif len(parts) == 2:
            svc = parts[0]
        else:
            svc = name
        with store.lock:
            obj = store.get(store.by_gkey[("", "services")], ns, svc)
        # scheme:name:port names a port of the Service (by name or number), as
        # the real API server resolves it; an empty port means the only one.
        port = parts[2] if len(parts) == 3 else (parts[1] if len(parts) == 2 else "")
        ports = ((obj or {}).get("spec") or {}).get("ports") or []
        if port and ports and not any(p.get("name") == port or str(p.get("port")) == port
                                      for p in ports):
            raise ApiError(503, "ServiceUnavailable",
                           'no endpoints available for service "%s"' % name)
        url = self.server.proxies.get("%s/%s" % (ns, svc))
        if not url:
            raise ApiError(503, "ServiceUnavailable",
                           'no endpoints available for service "%s"' % name)
        target = url.rstrip("/") + rest + ("?" + query if query else "")
        req = urllib.request.Request(target, data=body if method in ("POST", "PUT", "PATCH")
                                     else None, method=method)
        for h in ("Content-Type", "Accept", "X-Forwarded-For"):
            if self.headers.get(h):
                req.add_header(h, self.headers[h])
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                data = r.read()
                return self._send(r.status, data, r.headers.get("Content-Type", ""))
        except urllib.error.HTTPError as e:
            return self._send(e.code, e.read(), e.headers.get("Content-Type", ""))
        except OSError as e:
            raise ApiError(503, "ServiceUnavailable", "error trying to reach service: %s" % e)

    # -- control API (test only)
    def _control(self, method, u, body):
        srv = self.server
        store = srv.store
        what = u.path[len("/__fake/"):]
        arg = json.loads(body) if body else {}
        q = {k: v[-1] for k, v in parse_qs(u.query).items()}
        if what == "state":
            with store.lock:
                return self._send(200, {"rv": store.rv, "min_rv": store.min_rv,
                                        "watchers": store.watchers,
                                        "history": len(store.history),
                                        "clock": store.now(),
                                        "objects": {"%s/%s" % k: len(v)
                                                    for k, v in store.objects.items()}})
        if what == "tokens":
            with srv.faults_lock:
                if "set" in arg:
                    srv.tokens = set(arg["set"])
                for t in arg.get("add", []):
                    srv.tokens.add(t)
                for t in arg.get("revoke", []):
                    srv.tokens.discard(t)
                if "auth" in arg:
                    srv.auth = bool(arg["auth"])
            return self._send(200, {"tokens": len(srv.tokens)})
        if what == "faults":
            with srv.faults_lock:
                if method == "DELETE":
                    srv.faults = []
                elif method == "GET":
                    return self._send(200, {"rules": srv.faults})
                else:
                    rules = arg.get("rules", [arg] if arg else [])
                    srv.faults.extend(rules)
            return self._send(200, {"rules": len(srv.faults)})
        if what == "clock":
            with store.lock:
                if "advance" in arg:
                    store.clock_offset += float(arg["advance"])
                if "set" in arg:
                    store.clock_offset = float(arg["set"]) - time.time()
                return self._send(200, {"now": store.now(), "time": fmt_time(store.now())})
        if what == "compact":
            store.compact()
            return self._send(200, {"min_rv": store.min_rv})
        if what == "history":
            with store.lock:
                store.history_size = int(arg.get("size", store.history_size))
            return self._send(200, {"size": store.history_size})
        if what == "expire-continue":
            with store.lock:
                store.continues.clear()
            return self._send(200, {})
        if what == "bookmark":
            with store.lock:
                store.bookmark_gen += 1
                store.lock.notify_all()
            return self._send(200, {})
        if what == "bookmark-interval":
            srv.bookmark_interval = float(arg.get("seconds", srv.bookmark_interval))
            return self._send(200, {})
        if what == "drop-watches":
            with store.lock:
                store.drop_gen += 1
                store.lock.notify_all()
            return self._send(200, {})
        if what == "watch-410":
            with store.lock:
                store.watch_410_mode = arg.get("mode", "event")
            return self._send(200, {})
        if what == "log":
            with srv.log_lock:
                if method == "DELETE":
                    srv.log = []
                    return self._send(200, {})
                since = int(q.get("since", "0"))
                return self._send(200, {"seq": srv.log_seq,
                                        "entries": [e for e in srv.log if e["seq"] > since]})
        if what == "log-bodies":
            srv.log_bodies = bool(arg.get("on", True))
            return self._send(200, {})
        if what == "gc":
            with store.lock:
                if "delay" in arg:
                    store.gc_delay = bool(arg["delay"])
            if arg.get("run") or method == "POST" and not arg:
                store.run_gc()
            return self._send(200, {"delay": store.gc_delay})
        if what == "proxy":
            srv.proxies["%s/%s" % (arg["namespace"], arg["name"])] = arg["url"]
            return self._send(200, {})
        if what == "objects":
            # Bulk load (benchmarks): create each item as a POST would.
            n = 0
            with store.lock:
                for item in arg.get("items", []):
                    av = item.get("apiVersion", "v1")
                    g, _, v = av.rpartition("/")
                    res = None
                    for r in store.by_gkey.values():
                        if r.group == g and r.kind == item.get("kind") and v in r.versions:
                            res = r
                    if res is None:
                        raise bad_request("unknown kind %s %s" % (av, item.get("kind")))
                    ns = (item.get("metadata") or {}).get("namespace") or "default"
                    store.create(res, ns if res.namespaced else None, item)
                    n += 1
            return self._send(200, {"created": n})
        if what == "shutdown":
            self._send(200, {})
            threading.Thread(target=srv.shutdown, daemon=True).start()
            return None
        raise ApiError(404, "NotFound", "unknown control endpoint %s" % what)


# --------------------------------------------------------------------------
# TLS material made at run time


def make_tls(d):
    """CA, server certificate (127.0.0.1, localhost) and a client certificate
    (CN=cloak-test) in directory d, made with the openssl command line."""
    os.makedirs(d, exist_ok=True)

    def run(*args):
        subprocess.run(["openssl"] + list(args), check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
    p = lambda n: os.path.join(d, n)  # noqa: E731
    run("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
        "-keyout", p("ca.key"), "-out", p("ca.crt"), "-days", "2", "-subj",
        "/CN=fake-kube-ca")
    with open(p("server.ext"), "w") as f:
        f.write("subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes.default.svc\n"
                "extendedKeyUsage=serverAuth\n")
    run("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout",
        p("server.key"), "-out", p("server.csr"), "-subj", "/CN=kube-apiserver")
    run("x509", "-req", "-in", p("server.csr"), "-CA", p("ca.crt"), "-CAkey", p("ca.key"),
        "-CAcreateserial", "-out", p("server.crt"), "-days", "2", "-extfile", p("server.ext"))
    with open(p("client.ext"), "w") as f:
        f.write("extendedKeyUsage=clientAuth\n")
    run("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout",
        p("client.key"), "-out", p("client.csr"), "-subj", "/O=system:masters/CN=cloak-test")
    run("x509", "-req", "-in", p("client.csr"), "-CA", p("ca.crt"), "-CAkey", p("ca.key"),
        "-CAcreateserial", "-out", p("client.crt"), "-days", "2", "-extfile", p("client.ext"))


def write_kubeconfig(path, server, token=None, ca=None, client=None, namespace="default"):
    """A kubeconfig in JSON (JSON is YAML) for kubectl and the controller."""
    user = {}
    if token:
        user["token"] = token
    if client:
        user["client-certificate"], user["client-key"] = client
    cluster = {"server": server}
    if ca:
        cluster["certificate-authority"] = ca
    cfg = {"apiVersion": "v1", "kind": "Config", "current-context": "fake",
           "clusters": [{"name": "fake", "cluster": cluster}],
           "users": [{"name": "fake", "user": user}],
           "contexts": [{"name": "fake", "context": {"cluster": "fake", "user": "fake",
                                                     "namespace": namespace}}],
           "preferences": {}}
    with open(path, "w") as f:
        json.dump(cfg, f, indent=2)


# --------------------------------------------------------------------------
# In-process use (Python tests) and the command line


class FakeAPIServer:
    def __init__(self, tokens=("test-token",), tls_dir=None, history=1000, auth=True,
                 bookmark_interval=60.0, host="127.0.0.1", port=0, log_bodies=True):
        self.server = Server((host, port), Handler,
                             {"tokens": tokens, "history": history, "auth": auth,
                              "bookmark_interval": bookmark_interval,
                              "log_bodies": log_bodies})
        self.tls_dir = tls_dir
        if tls_dir:
            if not os.path.exists(os.path.join(tls_dir, "server.crt")):
                make_tls(tls_dir)
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.load_cert_chain(os.path.join(tls_dir, "server.crt"),
                                os.path.join(tls_dir, "server.key"))
            ctx.load_verify_locations(os.path.join(tls_dir, "ca.crt"))
            ctx.verify_mode = ssl.CERT_OPTIONAL
            self.server.socket = ctx.wrap_socket(self.server.socket, server_side=True,
                                                 do_handshake_on_connect=False)
            self.server.ssl_ctx = ctx
        self.port = self.server.server_address[1]
        self.thread = None

    @property
    def url(self):
        return "%s://127.0.0.1:%d" % ("https" if self.tls_dir else "http", self.port)

    @property
    def store(self):
        return self.server.store

    def start(self):
        self.thread = threading.Thread(target=self.server.serve_forever,
                                       kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file")
    ap.add_argument("--tls-dir", help="serve HTTPS with a CA made at run time in this directory")
    ap.add_argument("--token", action="append", default=[],
                    help="a valid bearer token (repeatable)")
    ap.add_argument("--no-auth", action="store_true", help="accept unauthenticated requests")
    ap.add_argument("--history", type=int, default=1000, help="watch history ring size")
    ap.add_argument("--bookmark-interval", type=float, default=60.0)
    ap.add_argument("--kubeconfig-out", help="write a kubeconfig for this server here")
    ap.add_argument("--client-cert-kubeconfig", action="store_true",
                    help="the kubeconfig authenticates with the client certificate")
    ap.add_argument("--no-log-bodies", action="store_true")
    ap.add_argument("--no-log", action="store_true", help="keep no request log (benchmarks)")
    a = ap.parse_args(argv)
    tokens = a.token or ["test-token"]
    fk = FakeAPIServer(tokens=tokens, tls_dir=a.tls_dir, history=a.history,
                       auth=not a.no_auth, bookmark_interval=a.bookmark_interval,
                       host=a.host, port=a.port, log_bodies=not a.no_log_bodies)
    if a.no_log:
        fk.server.log_max = 0
    if a.kubeconfig_out:
        client = None
        if a.client_cert_kubeconfig and a.tls_dir:
            client = (os.path.join(a.tls_dir, "client.crt"),
                      os.path.join(a.tls_dir, "client.key"))
        write_kubeconfig(a.kubeconfig_out, fk.url,
                         token=None if client else tokens[0],
                         ca=os.path.join(a.tls_dir, "ca.crt") if a.tls_dir else None,
                         client=client)
    if a.port_file:
        tmp = a.port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write("%d\n" % fk.port)
        os.replace(tmp, a.port_file)
    print("PORT %d" % fk.port, flush=True)
    try:
        import stat
        if stat.S_ISFIFO(os.fstat(0).st_mode):
            # Started by a test through a pipe: exit when the test goes away.
            def watch_stdin():
                while sys.stdin.buffer.read(4096):
                    pass
                fk.server.shutdown()
            threading.Thread(target=watch_stdin, daemon=True).start()
    except OSError:
        pass
    try:
        fk.server.serve_forever(poll_interval=0.05)
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
