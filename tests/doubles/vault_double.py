#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Vault / OpenBao HTTP API test double (Python 3 standard library only).

Reproduces what ../shared/specs/external.md section 9 (Vault) asks for:
/v1/ envelopes and {"errors": [...]} bodies, X-Vault-Token or Bearer,
X-Vault-Namespace (or the namespace in the URL) with namespace-scoped tokens,
PUT = POST, LIST = GET ?list=true, 405 for a wrong method, KV v2 (data,
metadata, delete, undelete, destroy, versions, ?version=, custom_metadata,
exact numbers, 404 with metadata for deleted/destroyed versions, lists with
'/' folders, 404 for an empty list, 404 + warning without data/), KV v1,
policies with capabilities per path (read, list, create, update, delete),
logins (kubernetes, jwt, approle, userpass, ldap, cert) with real TTLs
against a settable clock, token lookup-self / renew-self / revoke-self,
transit (encrypt, decrypt, auto-create, derived keys, rotation,
min_decryption_version, the decrypt error texts), sys/health with its status
codes and query overrides, sealed / standby modes, failure injection
(status codes with Retry-After, connection drop, malformed JSON, oversized
body, slow answers), and a request log.

The transit cipher is not AES-GCM (the standard library has none): an
HMAC-SHA256 keystream with a 16-byte HMAC tag over nonce and ciphertext,
per key version, so ciphertexts are opaque, authenticated and bound to
their key, version and (for derived keys) context.

Control endpoints (no token), all JSON:
  POST /_control/clock        {"advance": s} | {"set": epoch} | {"reset": true}; GET -> {"now"}
  POST /_control/namespace    {"name": "ns1/ns2"}
  POST /_control/mount        {"path", "type": "kv"|"transit", "version": 1|2, "ns"?}
  POST /_control/policy       {"name", "ns"?, "rules": [{"path", "capabilities"}]}
  POST /_control/token        {"id", "policies", "ttl", "max_ttl", "renewable",
                               "type", "ns", "num_uses"}
  POST /_control/auth         {"type", "mount"?, "ns"?, and per type:
                               kubernetes/jwt: "role", "jwt", "policies";
                               approle: "role_id", "secret_id";
                               userpass/ldap: "username", "password";
                               cert: "name"; common: "ttl", "max_ttl",
                               "renewable", "token_type", "policies"}
  POST /_control/fail         {"match": substring of the logical path or "*",
                               "method"?, "count": n, "action": "status" | "drop"
                               | "malformed" | "oversize" | "slow",
                               "status", "errors", "retry_after", "delay_ms", "size"}
  POST /_control/fail/clear
  POST /_control/seal         {"sealed": bool}
  POST /_control/standby      {"standby": bool, "mode": "503" | "redirect", "active": url}
  POST /_control/init         {"initialized": bool}
  GET  /_control/tokens       {"<id>": {"revoked", "ns", "policies", "expire"}}
  GET  /_control/log, POST /_control/log/clear, GET /_control/connections
"""
import base64
import hashlib
import hmac
import json
import os
import threading
import time
import uuid
from urllib.parse import parse_qs, unquote

import doublelib


# ---- JSON that keeps numbers exactly as written ---------------------------

class Num(str):
    """A JSON number kept as its text (1.0 stays 1.0, big ints stay exact)."""


def loads(text):
    return json.loads(text, parse_float=Num, parse_int=Num)


def dumps(o):
    if o is None:
        return "null"
    if o is True:
        return "true"
    if o is False:
        return "false"
    if isinstance(o, Num):
        return str(o)
    if isinstance(o, (int, float)):
        return json.dumps(o)
    if isinstance(o, str):
        return json.dumps(o)
    if isinstance(o, dict):
        return "{" + ",".join(json.dumps(str(k)) + ":" + dumps(v) for k, v in o.items()) + "}"
    if isinstance(o, (list, tuple)):
        return "[" + ",".join(dumps(v) for v in o) + "]"
    raise TypeError(type(o))


def rfc3339(t):
    frac = ("%.9f" % (t - int(t)))[1:]
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(int(t))) + frac + "Z"


class VaultError(Exception):
    def __init__(self, status, errors=None, body=None):
        super().__init__(status)
        self.status = status
        self.errors = errors if errors is not None else []
        self.body = body


DENIED = ["permission denied"]


# ---- state ----------------------------------------------------------------

class State:
    def __init__(self, root_token):
        self.lock = threading.RLock()
        self.offset = 0.0
        self.fixed = None
        self.namespaces = {""}
        self.mounts = {}          # (ns, path) -> mount dict
        self.policies = {}        # (ns, name) -> rules
        self.tokens = {}
        self.auths = {}           # (ns, mount) -> config
        self.fails = []
        self.sealed = False
        self.index = 0
        self.initialized = True
        self.standby = False
        self.standby_mode = "503"
        self.active = ""
        self.add_mount("", "secret", "kv", 2)
        self.add_mount("", "kv1", "kv", 1)
        self.add_mount("", "transit", "transit", 0)
        self.add_token(root_token, ["root"], 0, 0, False, "service", "", 0)

    def now(self):
        return self.fixed if self.fixed is not None else time.time() + self.offset

    def add_mount(self, ns, path, typ, version, **kw):
        m = {"type": typ, "version": version, "secrets": {}, "keys": {},
             "autocreate": kw.get("autocreate", True)}
        self.mounts[(ns, path.strip("/"))] = m
        return m

    def add_token(self, tid, policies, ttl, max_ttl, renewable, ttype, ns, num_uses,
                  path="auth/token/create", meta=None):
        now = self.now()
        t = {"id": tid, "policies": list(policies), "ttl": ttl, "max_ttl": max_ttl,
             "renewable": renewable, "type": ttype, "ns": ns, "num_uses": num_uses,
             "created": now, "expire": (now + ttl) if ttl else None,
             "max_expire": (now + max_ttl) if max_ttl else None,
             "accessor": uuid.uuid4().hex[:24], "revoked": False, "path": path,
             "meta": meta}
        self.tokens[tid] = t
        return t


# ---- handler --------------------------------------------------------------

class H(doublelib.Handler):
    server_version = "vault-double/1"

    @property
    def st(self):
        return self.server.state

    def envelope(self, data=None, auth=None, warnings=None, lease=0, mount_type=None):
        env = {"request_id": str(uuid.uuid4()), "lease_id": "", "renewable": False,
               "lease_duration": lease, "data": data, "wrap_info": None,
               "warnings": warnings, "auth": auth}
        if mount_type:
            env["mount_type"] = mount_type
        return env

    def reply(self, status, obj, headers=None):
        body = dumps(obj).encode()
        self.send_raw(status, body, "application/json", headers)

    def do_any(self):
        raw = self.read_body()
        if self.handle_control(raw):
            return
        path, _, q = self.path.partition("?")
        query = {k: v[-1] for k, v in parse_qs(q, keep_blank_values=True).items()}
        self.record(raw)
        if not path.startswith("/v1/"):
            self.reply(404, {"errors": []})
            return
        logical = unquote(path[4:]).lstrip("/")
        method = self.command
        if method == "GET" and query.get("list") in ("true", "1"):
            method = "LIST"
        if method == "PUT":
            method = "POST"
        try:
            if self.inject(logical, method):
                return
            body = {}
            if raw.strip():
                try:
                    body = loads(raw)
                except ValueError:
                    raise VaultError(400, ["error parsing JSON"])
                if not isinstance(body, dict):
                    raise VaultError(400, ["error parsing JSON"])
            with self.st.lock:
                status, obj, hdrs = self.route(method, logical, query, body)
                if method in ("POST", "DELETE") and status < 400:
                    # read-your-writes: the state index after this write
                    self.st.index += 1
                    hdrs = dict(hdrs or {})
                    hdrs["X-Vault-Index"] = "idx-%d" % self.st.index
            if status == 204:
                self.send_raw(204, headers=hdrs)
            else:
                self.reply(status, obj, hdrs)
        except VaultError as e:
            if e.body is not None:
                self.reply(e.status, e.body)
            else:
                self.reply(e.status, {"errors": e.errors})

    do_GET = do_POST = do_PUT = do_DELETE = do_LIST = do_HEAD = do_PATCH = do_any

    # -- failure injection -----------------------------------------------
    def inject(self, logical, method):
        st = self.st
        with st.lock:
            hit = None
            for f in st.fails:
                if f["count"] <= 0:
                    continue
                if f.get("method") and f["method"] != method:
                    continue
                if f["match"] != "*" and f["match"] not in logical:
                    continue
                f["count"] -= 1
                hit = dict(f)
                break
            st.fails = [f for f in st.fails if f["count"] > 0]
        if hit is None:
            return False
        act = hit.get("action", "status")
        if act == "drop":
            self.drop()
        elif act == "malformed":
            self.send_raw(hit.get("status", 200), b'{"data": {"data": {"a": "b"', "application/json")
        elif act == "oversize":
            size = int(hit.get("size", 64 << 20))
            self.send_response(hit.get("status", 200))
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(size))
            self.end_headers()
            chunk = b" " * 65536
            try:
                left = size
                while left > 0:
                    n = min(left, len(chunk))
                    self.wfile.write(chunk[:n])
                    left -= n
            except OSError:
                pass
            self.close_connection = True
        elif act == "slow":
            time.sleep(hit.get("delay_ms", 1000) / 1000.0)
            return False
        else:
            hdrs = {}
            if "retry_after" in hit:
                hdrs["Retry-After"] = str(hit["retry_after"])
            errs = hit.get("errors")
            if errs is None:
                errs = {503: ["Vault is sealed"], 429: ["request path \"%s\": rate limit quota exceeded" % logical],
                        412: ["required index state not present"],
                        500: ["internal error"], 502: ["upstream error"],
                        403: DENIED}.get(hit.get("status", 503), [])
            self.reply(hit.get("status", 503), {"errors": errs}, hdrs)
        return True

    # -- namespaces, tokens, policies ---------------------------------------
    def split_ns(self, logical):
        hdr = (self.headers.get("X-Vault-Namespace") or "").strip("/")
        full = (hdr + "/" + logical).strip("/") if hdr else logical
        best = ""
        for ns in self.st.namespaces:
            if ns and (full == ns or full.startswith(ns + "/")) and len(ns) > len(best):
                best = ns
        if hdr and best != hdr and not best.startswith(hdr):
            raise VaultError(404, ["no handler for route \"%s\"" % logical])
        rel = full[len(best):].lstrip("/") if best else full
        return best, rel

    def token_id(self):
        t = self.headers.get("X-Vault-Token")
        if not t:
            a = self.headers.get("Authorization") or ""
            if a.startswith("Bearer "):
                t = a[7:].strip()
        return t

    def token(self, ns):
        tid = self.token_id()
        st = self.st
        if not tid or tid not in st.tokens:
            raise VaultError(403, DENIED)
        t = st.tokens[tid]
        if t["revoked"]:
            raise VaultError(403, DENIED)
        if t["expire"] is not None and st.now() >= t["expire"]:
            t["revoked"] = True
            raise VaultError(403, DENIED)
        if t["ns"] and not (ns == t["ns"] or ns.startswith(t["ns"] + "/")):
            raise VaultError(403, DENIED)
        if t["num_uses"]:
            t["num_uses"] -= 1
            if t["num_uses"] == 0:
                t["revoked"] = True
        return t

    def allowed(self, t, ns, rel, cap):
        if "root" in t["policies"]:
            return True
        # a token from a parent namespace sees child paths relative to its own
        tns = t["ns"]
        path = rel
        if ns != tns:
            path = (ns[len(tns):].strip("/") + "/" + rel) if tns else (ns + "/" + rel)
        for pname in t["policies"]:
            for rule in self.st.policies.get((tns, pname), []):
                if glob_match(rule["path"], path):
                    caps = rule["capabilities"]
                    if "deny" in caps:
                        return False
                    if cap in caps or (cap == "write" and ("create" in caps or "update" in caps)):
                        return True
        return False

    def need(self, t, ns, rel, cap):
        if not self.allowed(t, ns, rel, cap):
            raise VaultError(403, DENIED)

    # -- routing ----------------------------------------------------------
    def route(self, method, logical, query, body):
        st = self.st
        ns, rel = self.split_ns(logical)
        if rel == "sys/health":
            return self.health(query)
        if not st.initialized:
            raise VaultError(503, ["Vault is not initialized"])
        if st.sealed:
            raise VaultError(503, ["Vault is sealed"])
        if st.standby:
            if st.standby_mode == "redirect" and st.active:
                return 307, {}, {"Location": st.active + self.path}
            raise VaultError(503, ["node is in standby mode and cannot serve requests"])
        if rel.startswith("auth/"):
            return self.auth(method, ns, rel, body)
        t = self.token(ns)
        mount, sub = self.find_mount(ns, rel)
        if mount is None:
            raise VaultError(403 if not self.allowed(t, ns, rel, "read") else 404,
                             DENIED if not self.allowed(t, ns, rel, "read") else
                             ["no handler for route \"%s\". route entry not found." % rel])
        mpath, m = mount
        if m["type"] == "kv" and m["version"] == 2:
            return self.kv2(t, ns, mpath, m, sub, method, query, body)
        if m["type"] == "kv":
            return self.kv1(t, ns, mpath, m, sub, method, body)
        return self.transit(t, ns, mpath, m, sub, method, body)

    def find_mount(self, ns, rel):
        best = None
        for (mns, mp), m in self.st.mounts.items():
            if mns != ns:
                continue
            if rel == mp or rel.startswith(mp + "/"):
                if best is None or len(mp) > len(best[0]):
                    best = (mp, m)
        if best is None:
            return None, None
        return best, rel[len(best[0]):].lstrip("/")

    # -- sys/health ---------------------------------------------------------
    def health(self, q):
        st = self.st
        body = {"initialized": st.initialized, "sealed": st.sealed, "standby": st.standby,
                "performance_standby": False, "replication_performance_mode": "disabled",
                "replication_dr_mode": "disabled", "server_time_utc": int(st.now()),
                "version": "1.15.0-double", "cluster_name": "vault-double",
                "cluster_id": "00000000-0000-0000-0000-000000000000"}

        def code(name, default):
            v = q.get(name)
            return int(v) if v and v.isdigit() else default
        if not st.initialized:
            status = code("uninitcode", 501)
        elif st.sealed:
            status = code("sealedcode", 503)
        elif st.standby:
            status = code("activecode", 200) if q.get("standbyok") in ("true", "1") else code("standbycode", 429)
        else:
            status = code("activecode", 200)
        return status, body, None

    # -- auth ---------------------------------------------------------------
    def auth(self, method, ns, rel, body):
        st = self.st
        if rel.startswith("auth/token/"):
            op = rel[len("auth/token/"):]
            t = self.token(ns)
            if op == "lookup-self" and method in ("GET", "POST"):
                return 200, self.envelope(data=self.lookup(t)), None
            if op == "renew-self" and method == "POST":
                return 200, self.envelope(auth=self.renew(t, body)), None
            if op == "revoke-self" and method == "POST":
                t["revoked"] = True
                return 204, None, None
            if op in ("lookup-self", "renew-self", "revoke-self"):
                raise VaultError(405, ["1 error occurred:\n\t* unsupported operation\n\n"])
            raise VaultError(403, DENIED)
        parts = rel.split("/")
        if len(parts) < 3 or "login" not in parts:
            raise VaultError(403, DENIED)
        li = parts.index("login")
        mount = "/".join(parts[1:li])
        cfg = st.auths.get((ns, mount))
        if cfg is None:
            raise VaultError(403 if method == "POST" else 405, DENIED)
        if method != "POST":
            raise VaultError(405, ["1 error occurred:\n\t* unsupported operation\n\n"])
        typ = cfg["type"]
        user = "/".join(parts[li + 1:])
        meta = {}
        if typ in ("kubernetes", "jwt"):
            jwt = body.get("jwt")
            role = body.get("role")
            if not jwt:
                raise VaultError(400, ["missing jwt"])
            if typ == "kubernetes" and not role:
                raise VaultError(400, ["missing role"])
            if role and role != cfg.get("role"):
                raise VaultError(400, ['invalid role name "%s"' % role])
            if not hmac.compare_digest(str(jwt), str(cfg.get("jwt", ""))):
                raise VaultError(403 if typ == "kubernetes" else 400,
                                 ["permission denied"] if typ == "kubernetes"
                                 else ["error validating token: invalid signature"])
            meta = {"role": cfg.get("role", "")}
        elif typ == "approle":
            if not hmac.compare_digest(str(body.get("role_id", "")), str(cfg.get("role_id"))) or \
               not hmac.compare_digest(str(body.get("secret_id", "")), str(cfg.get("secret_id"))):
                raise VaultError(400, ["invalid role or secret ID"])
        elif typ in ("userpass", "ldap"):
            if user != cfg.get("username") or \
               not hmac.compare_digest(str(body.get("password", "")), str(cfg.get("password"))):
                raise VaultError(400, ["invalid username or password"])
            meta = {"username": user}
        elif typ == "cert":
            if cfg.get("name") and body.get("name") not in (None, "", cfg["name"]):
                raise VaultError(400, ["invalid certificate or no client certificate supplied"])
        tid = "hvs." + base64.urlsafe_b64encode(os.urandom(18)).decode().rstrip("=")
        t = st.add_token(tid, ["default"] + list(cfg.get("policies", [])), int(cfg.get("ttl", 3600)),
                         int(cfg.get("max_ttl", 0)), bool(cfg.get("renewable", True)),
                         cfg.get("token_type", "service"), ns, 0,
                         path=rel, meta=meta)
        return 200, self.envelope(auth=self.auth_block(t)), None

    def auth_block(self, t):
        ttl = 0 if t["expire"] is None else max(0, int(round(t["expire"] - self.st.now())))
        return {"client_token": t["id"], "accessor": t["accessor"], "policies": t["policies"],
                "token_policies": t["policies"], "metadata": t["meta"], "lease_duration": ttl,
                "renewable": t["renewable"], "entity_id": "", "token_type": t["type"],
                "orphan": True, "mfa_requirement": None, "num_uses": t["num_uses"]}

    def lookup(self, t):
        now = self.st.now()
        ttl = 0 if t["expire"] is None else max(0, int(t["expire"] - now))
        return {"accessor": t["accessor"], "creation_time": int(t["created"]),
                "creation_ttl": t["ttl"], "display_name": "token", "entity_id": "",
                "expire_time": None if t["expire"] is None else rfc3339(t["expire"]),
                "explicit_max_ttl": t["max_ttl"], "id": t["id"],
                "issue_time": rfc3339(t["created"]), "meta": t["meta"], "num_uses": t["num_uses"],
                "orphan": True, "path": t["path"], "policies": t["policies"],
                "renewable": t["renewable"], "ttl": ttl, "type": t["type"]}

    def renew(self, t, body):
        if not t["renewable"] or t["expire"] is None:
            raise VaultError(400, ["lease is not renewable"])
        inc = body.get("increment")
        secs = t["ttl"]
        if inc is not None:
            secs = parse_duration(str(inc))
        now = self.st.now()
        exp = now + secs
        if t["max_expire"] is not None and exp > t["max_expire"]:
            exp = t["max_expire"]
        t["expire"] = exp
        return self.auth_block(t)

    # -- KV v2 ----------------------------------------------------------------
    def kv2(self, t, ns, mpath, m, sub, method, query, body):
        op, _, p = sub.partition("/")
        secrets = m["secrets"]
        now = self.st.now()
        lp = mpath + "/" + sub
        if op == "data":
            if method == "GET":
                self.need(t, ns, lp, "read")
                s = secrets.get(p)
                if s is None:
                    raise VaultError(404, [])
                v = query.get("version") or "0"
                try:
                    v = int(v)
                except ValueError:
                    raise VaultError(400, ["invalid version"])
                if v == 0:
                    v = s["current"]
                ver = s["versions"].get(v)
                if ver is None:
                    raise VaultError(404, [])
                meta = self.vmeta(s, v)
                dt = ver["deletion_time"]
                if ver["destroyed"] or (dt is not None and dt <= now):
                    raise VaultError(404, body=self.envelope(
                        data={"data": None, "metadata": meta}, mount_type="kv"))
                return 200, self.envelope(data={"data": ver["data"], "metadata": meta},
                                          mount_type="kv"), None
            if method == "POST":
                self.need(t, ns, lp, "write")
                data = body.get("data")
                if not isinstance(data, dict):
                    raise VaultError(400, ["no data provided"])
                s = secrets.get(p)
                cas = (body.get("options") or {}).get("cas")
                cur = s["current"] if s else 0
                if (s and s["cas_required"]) and cas is None:
                    raise VaultError(400, ["check-and-set parameter required for this call"])
                if cas is not None and int(cas) != cur:
                    raise VaultError(400, ["check-and-set parameter did not match the current version"])
                if s is None:
                    s = secrets[p] = {"versions": {}, "current": 0, "custom_metadata": None,
                                      "max_versions": 0, "cas_required": False,
                                      "delete_version_after": "0s", "created": now, "updated": now,
                                      "dva": 0}
                n = max(s["versions"].keys() or [0]) + 1
                s["versions"][n] = {"data": data, "created": now, "destroyed": False,
                                    "deletion_time": (now + s["dva"]) if s["dva"] else None}
                s["current"] = n
                s["updated"] = now
                return 200, self.envelope(data=self.vmeta(s, n), mount_type="kv"), None
            if method == "DELETE":
                self.need(t, ns, lp, "delete")
                s = secrets.get(p)
                if s and s["current"] in s["versions"]:
                    s["versions"][s["current"]]["deletion_time"] = now
                return 204, None, None
            raise VaultError(405, ["1 error occurred:\n\t* unsupported operation\n\n"])
        if op == "metadata":
            if method == "LIST":
                self.need(t, ns, lp.rstrip("/"), "list")
                prefix = p.rstrip("/")
                prefix = prefix + "/" if prefix else ""
                keys = set()
                for name in secrets:
                    if name.startswith(prefix):
                        rest = name[len(prefix):]
                        keys.add(rest.split("/")[0] + "/" if "/" in rest else rest)
                if not keys:
                    raise VaultError(404, [])
                return 200, self.envelope(data={"keys": sorted(keys)}, mount_type="kv"), None
            if method == "GET":
                self.need(t, ns, lp, "read")
                s = secrets.get(p)
                if s is None:
                    raise VaultError(404, [])
                vers = {str(k): {"created_time": rfc3339(v["created"]),
                                 "deletion_time": rfc3339(v["deletion_time"]) if v["deletion_time"] else "",
                                 "destroyed": v["destroyed"]} for k, v in sorted(s["versions"].items())}
                return 200, self.envelope(data={
                    "cas_required": s["cas_required"], "created_time": rfc3339(s["created"]),
                    "current_version": s["current"], "custom_metadata": s["custom_metadata"],
                    "delete_version_after": s["delete_version_after"],
                    "max_versions": s["max_versions"],
                    "oldest_version": min(s["versions"].keys() or [0]),
                    "updated_time": rfc3339(s["updated"]), "versions": vers}, mount_type="kv"), None
            if method == "POST":
                self.need(t, ns, lp, "write")
                s = secrets.get(p)
                if s is None:
                    s = secrets[p] = {"versions": {}, "current": 0, "custom_metadata": None,
                                      "max_versions": 0, "cas_required": False,
                                      "delete_version_after": "0s", "created": now, "updated": now,
                                      "dva": 0}
                if "custom_metadata" in body:
                    s["custom_metadata"] = body["custom_metadata"]
                if "max_versions" in body:
                    s["max_versions"] = int(body["max_versions"])
                if "cas_required" in body:
                    s["cas_required"] = bool(body["cas_required"])
                if "delete_version_after" in body:
                    s["delete_version_after"] = str(body["delete_version_after"])
                    s["dva"] = parse_duration(s["delete_version_after"])
                return 204, None, None
            if method == "DELETE":
                self.need(t, ns, lp, "delete")
                secrets.pop(p, None)
                return 204, None, None
            raise VaultError(405, ["1 error occurred:\n\t* unsupported operation\n\n"])
        if op in ("delete", "undelete", "destroy"):
            if method != "POST":
                raise VaultError(405, ["1 error occurred:\n\t* unsupported operation\n\n"])
            self.need(t, ns, lp, "write")
            s = secrets.get(p)
            vs = body.get("versions") or []
            if not vs:
                raise VaultError(400, ["no version number provided"])
            for v in vs:
                ver = s and s["versions"].get(int(v))
                if not ver:
                    continue
                if op == "delete":
                    ver["deletion_time"] = now
                elif op == "undelete":
                    if not ver["destroyed"]:
                        ver["deletion_time"] = None
                else:
                    ver["destroyed"] = True
                    ver["data"] = None
            return 204, None, None
        raise VaultError(404, body={"errors": [], "warnings": [
            "Invalid path for a versioned K/V secrets engine. See the API docs for the "
            "appropriate API endpoints to use. If using the Vault CLI, use 'vault kv get' "
            "for this operation."]})

    def vmeta(self, s, v):
        ver = s["versions"][v]
        return {"created_time": rfc3339(ver["created"]), "custom_metadata": s["custom_metadata"],
                "deletion_time": rfc3339(ver["deletion_time"]) if ver["deletion_time"] else "",
                "destroyed": ver["destroyed"], "version": v}

    # -- KV v1 ----------------------------------------------------------------
    def kv1(self, t, ns, mpath, m, p, method, body):
        secrets = m["secrets"]
        lp = mpath + "/" + p
        if method == "GET":
            self.need(t, ns, lp, "read")
            if p not in secrets:
                raise VaultError(404, [])
            return 200, self.envelope(data=secrets[p], lease=2764800, mount_type="kv"), None
        if method == "LIST":
            self.need(t, ns, lp.rstrip("/"), "list")
            prefix = p.rstrip("/")
            prefix = prefix + "/" if prefix else ""
            keys = set()
            for name in secrets:
                if name.startswith(prefix):
                    rest = name[len(prefix):]
                    keys.add(rest.split("/")[0] + "/" if "/" in rest else rest)
            if not keys:
                raise VaultError(404, [])
            return 200, self.envelope(data={"keys": sorted(keys)}, mount_type="kv"), None
        if method == "POST":
            self.need(t, ns, lp, "write")
            secrets[p] = body
            return 204, None, None
        if method == "DELETE":
            self.need(t, ns, lp, "delete")
            secrets.pop(p, None)
            return 204, None, None
        raise VaultError(405, ["1 error occurred:\n\t* unsupported operation\n\n"])

    # -- transit --------------------------------------------------------------
    def transit(self, t, ns, mpath, m, sub, method, body):
        parts = sub.split("/")
        lp = mpath + "/" + sub
        keys = m["keys"]
        if len(parts) == 2 and parts[0] in ("encrypt", "decrypt"):
            if method != "POST":
                raise VaultError(405, ["1 error occurred:\n\t* unsupported operation\n\n"])
            self.need(t, ns, lp, "write")
            name = parts[1]
            k = keys.get(name)
            ctx = None
            if body.get("context"):
                try:
                    ctx = base64.b64decode(str(body["context"]), validate=True)
                except ValueError:
                    raise VaultError(400, ["failed to base64-decode context"])
            if parts[0] == "encrypt":
                try:
                    pt = base64.b64decode(str(body.get("plaintext", "")), validate=True)
                except ValueError:
                    raise VaultError(400, ["failed to base64-decode plaintext"])
                if k is None:
                    if not m["autocreate"] or not self.allowed(t, ns, lp, "create"):
                        raise VaultError(400, ["encryption key not found"])
                    k = keys[name] = new_key(bool(body.get("derived", False)))
                if k["derived"] and ctx is None:
                    raise VaultError(400, ["missing 'context' for key derivation; the key was "
                                           "created using a derived key, which means additional, "
                                           "per-request information must be included in order "
                                           "to perform operations with the key"])
                v = int(body.get("key_version") or k["latest"])
                if v not in k["versions"]:
                    raise VaultError(400, ["invalid key version"])
                ct = seal(k["versions"][v], ctx if k["derived"] else None, pt)
                return 200, self.envelope(data={"ciphertext": "vault:v%d:%s" % (v, ct),
                                                "key_version": v}), None
            if k is None:
                raise VaultError(400, ["encryption key not found"])
            c = str(body.get("ciphertext", ""))
            if not c.startswith("vault:"):
                raise VaultError(400, ["invalid ciphertext: no prefix"])
            f = c.split(":")
            if len(f) != 3:
                raise VaultError(400, ["invalid ciphertext: wrong number of fields"])
            if not f[1].startswith("v") or not f[1][1:].isdigit():
                raise VaultError(400, ["invalid ciphertext: version number could not be decoded"])
            v = int(f[1][1:])
            if v > k["latest"]:
                raise VaultError(400, ["invalid ciphertext: version is too new"])
            if v < k["min_decryption_version"]:
                raise VaultError(400, ["ciphertext or signature version is disallowed by policy (too old)"])
            if k["derived"] and ctx is None:
                raise VaultError(400, ["missing 'context' for key derivation"])
            try:
                blob = base64.b64decode(f[2], validate=True)
            except ValueError:
                raise VaultError(400, ["invalid ciphertext: could not decode base64"])
            pt = unseal(k["versions"][v], ctx if k["derived"] else None, blob)
            if pt is None:
                raise VaultError(400, ["cipher: message authentication failed"])
            return 200, self.envelope(data={"plaintext": base64.b64encode(pt).decode()}), None
        if parts[0] == "keys" and len(parts) >= 2:
            name = parts[1]
            k = keys.get(name)
            if len(parts) == 2 and method == "POST":
                self.need(t, ns, lp, "write")
                if k is None:
                    keys[name] = new_key(bool(body.get("derived", False)))
                return 204, None, None
            if len(parts) == 2 and method == "GET":
                self.need(t, ns, lp, "read")
                if k is None:
                    raise VaultError(404, [])
                return 200, self.envelope(data={
                    "name": name, "type": "aes256-gcm96", "derived": k["derived"],
                    "latest_version": k["latest"],
                    "min_decryption_version": k["min_decryption_version"],
                    "keys": {str(v): 0 for v in k["versions"]}}), None
            if len(parts) == 3 and parts[2] == "rotate" and method == "POST":
                self.need(t, ns, lp, "write")
                if k is None:
                    raise VaultError(400, ["encryption key not found"])
                k["latest"] += 1
                k["versions"][k["latest"]] = os.urandom(32)
                return 204, None, None
            if len(parts) == 3 and parts[2] == "config" and method == "POST":
                self.need(t, ns, lp, "write")
                if k is None:
                    raise VaultError(400, ["encryption key not found"])
                if "min_decryption_version" in body:
                    k["min_decryption_version"] = int(body["min_decryption_version"])
                return 204, None, None
            raise VaultError(405, ["1 error occurred:\n\t* unsupported operation\n\n"])
        raise VaultError(404, ["no handler for route \"%s\"" % lp])

    # -- control ------------------------------------------------------------
    def control(self, what, raw):
        st = self.st
        try:
            body = json.loads(raw) if raw.strip() else {}
        except ValueError:
            self.send_json(400, {"errors": ["bad control JSON"]})
            return True
        with st.lock:
            if what == "clock":
                if body.get("reset"):
                    st.fixed = None
                    st.offset = 0.0
                if "advance" in body:
                    if st.fixed is not None:
                        st.fixed += float(body["advance"])
                    else:
                        st.offset += float(body["advance"])
                if "set" in body:
                    st.fixed = float(body["set"])
                self.send_json(200, {"now": st.now()})
            elif what == "namespace":
                st.namespaces.add(body["name"].strip("/"))
                self.send_raw(204)
            elif what == "mount":
                st.add_mount(body.get("ns", "").strip("/"), body["path"], body.get("type", "kv"),
                             int(body.get("version", 2)), autocreate=body.get("autocreate", True))
                self.send_raw(204)
            elif what == "policy":
                st.policies[(body.get("ns", "").strip("/"), body["name"])] = body["rules"]
                self.send_raw(204)
            elif what == "token":
                st.add_token(body["id"], body.get("policies", ["root"]), int(body.get("ttl", 0)),
                             int(body.get("max_ttl", 0)), bool(body.get("renewable", False)),
                             body.get("type", "service"), body.get("ns", "").strip("/"),
                             int(body.get("num_uses", 0)))
                self.send_raw(204)
            elif what == "auth":
                mount = body.get("mount") or body["type"]
                st.auths[(body.get("ns", "").strip("/"), mount)] = body
                self.send_raw(204)
            elif what == "fail":
                f = dict(body)
                f.setdefault("match", "*")
                f.setdefault("count", 1)
                st.fails.append(f)
                self.send_raw(204)
            elif what == "fail/clear":
                st.fails = []
                self.send_raw(204)
            elif what == "seal":
                st.sealed = bool(body.get("sealed", True))
                self.send_raw(204)
            elif what == "standby":
                st.standby = bool(body.get("standby", True))
                st.standby_mode = body.get("mode", "503")
                st.active = body.get("active", "")
                self.send_raw(204)
            elif what == "init":
                st.initialized = bool(body.get("initialized", True))
                self.send_raw(204)
            elif what == "tokens":
                self.send_json(200, {k: {"revoked": v["revoked"], "ns": v["ns"],
                                         "policies": v["policies"], "expire": v["expire"],
                                         "path": v["path"]} for k, v in st.tokens.items()})
            elif what == "kv":
                # direct seeding: {"ns", "mount", "path", "data" (JSON text or object)}
                m = st.mounts[(body.get("ns", ""), body["mount"])]
                data = body["data"]
                if isinstance(data, str):
                    data = loads(data)
                if m["version"] == 1:
                    m["secrets"][body["path"]] = data
                else:
                    now = st.now()
                    s = m["secrets"].setdefault(body["path"], {
                        "versions": {}, "current": 0, "custom_metadata": None,
                        "max_versions": 0, "cas_required": False, "delete_version_after": "0s",
                        "created": now, "updated": now, "dva": 0})
                    n = max(s["versions"].keys() or [0]) + 1
                    s["versions"][n] = {"data": data, "created": now, "destroyed": False,
                                        "deletion_time": None}
                    s["current"] = n
                    if "custom_metadata" in body:
                        s["custom_metadata"] = body["custom_metadata"]
                self.send_raw(204)
            else:
                self.send_json(404, {"errors": ["unknown control endpoint " + what]})
        return True


def glob_match(pattern, path):
    """Vault policy paths: '*' at the end is a prefix glob, '+' one segment."""
    if pattern.endswith("*"):
        pat, prefix = pattern[:-1], True
    else:
        pat, prefix = pattern, False
    pp = pat.split("/")
    xs = path.split("/")
    if prefix:
        if len(xs) < len(pp):
            return False
        for i, seg in enumerate(pp):
            x = xs[i]
            if i == len(pp) - 1:
                if not (seg == "+" or x.startswith(seg)):
                    return False
            elif seg != "+" and seg != x:
                return False
        return True
    if len(xs) != len(pp):
        return False
    return all(seg == "+" or seg == x for seg, x in zip(pp, xs))


def parse_duration(s):
    s = s.strip()
    if s.isdigit():
        return int(s)
    total, num = 0, ""
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400}
    for ch in s:
        if ch.isdigit() or ch == ".":
            num += ch
        elif ch in units and num:
            total += float(num) * units[ch]
            num = ""
        else:
            raise VaultError(400, ["invalid duration %r" % s])
    if num:
        total += float(num)
    return int(total)


# ---- transit cipher (see module docstring) ---------------------------------

def new_key(derived):
    return {"versions": {1: os.urandom(32)}, "latest": 1, "min_decryption_version": 1,
            "derived": derived}


def subkey(key, ctx):
    return hmac.new(key, b"derive" + ctx, hashlib.sha256).digest() if ctx is not None else key


def stream(k, nonce, n):
    out = b""
    i = 0
    while len(out) < n:
        out += hmac.new(k, b"enc" + nonce + i.to_bytes(4, "big"), hashlib.sha256).digest()
        i += 1
    return out[:n]


def seal(key, ctx, pt):
    k = subkey(key, ctx)
    nonce = os.urandom(12)
    ct = bytes(a ^ b for a, b in zip(pt, stream(k, nonce, len(pt))))
    tag = hmac.new(k, b"mac" + nonce + ct, hashlib.sha256).digest()[:16]
    return base64.b64encode(nonce + ct + tag).decode()


def unseal(key, ctx, blob):
    if len(blob) < 28:
        return None
    k = subkey(key, ctx)
    nonce, ct, tag = blob[:12], blob[12:-16], blob[-16:]
    want = hmac.new(k, b"mac" + nonce + ct, hashlib.sha256).digest()[:16]
    if not hmac.compare_digest(tag, want):
        return None
    return bytes(a ^ b for a, b in zip(ct, stream(k, nonce, len(ct))))


def main():
    import argparse
    ap = argparse.ArgumentParser()
    ap.add_argument("--root-token", default="root-token")

    def setup(srv, args):
        srv.state = State(args.root_token)
    doublelib.serve(H, setup=setup, parser=ap)


if __name__ == "__main__":
    main()
