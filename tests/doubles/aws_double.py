#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""AWS KMS + Secrets Manager + STS test double (Python 3 standard library only).

Reproduces what ../shared/specs/external.md section 9 (AWS) asks for:

* One endpoint; JSON 1.1 operations picked by X-Amz-Target
  (TrentService.Encrypt|Decrypt|GenerateDataKey, secretsmanager.GetSecretValue);
  only POST / with Content-Type application/x-amz-json-1.1, otherwise 400
  UnknownOperationException / SerializationException.
* Strict SigV4: the canonical request is rebuilt from what arrived (method,
  path, query, the SignedHeaders' values, body hash) and the signature
  recomputed with the key table; wrong signature -> InvalidSignatureException,
  unknown key id -> UnrecognizedClientException, missing or unsigned session
  token for temporary keys -> UnrecognizedClientException, expired temporary
  keys -> ExpiredTokenException, X-Amz-Date more than 5 minutes off ->
  InvalidSignatureException "Signature expired", credential scope region and
  service checked.
* KMS: key id / key ARN / alias name / alias ARN; the returned KeyId is the
  key ARN; the CiphertextBlob embeds the key id and is authenticated together
  with the EncryptionContext (HMAC-SHA256 keystream + tag: the standard
  library has no AES); NotFoundException, DisabledException,
  IncorrectKeyException, InvalidCiphertextException, ValidationException for
  plaintext over 4096 bytes.
* Secrets Manager: by name or ARN, VersionId, VersionStage (AWSCURRENT,
  AWSPREVIOUS, custom); SecretString or SecretBinary; CreatedDate as epoch;
  ResourceNotFoundException; InvalidRequestException for a secret scheduled
  for deletion.
* Errors: {"__type", "message"} with x-amzn-RequestId.
* STS (form-encoded Query protocol, XML answers): AssumeRoleWithWebIdentity
  (unsigned; the token must equal the current content of the configured token
  file) and AssumeRole (signed), returning expiring temporary keys.
* Failure injection, a settable clock, and a request log.

Control endpoints:
  POST /_control/clock    {"advance": s} | {"set": epoch} | {"reset": true}
  POST /_control/key      {"akid", "secret", "token"?, "expires"?}
  POST /_control/kms_key  {"id"?, "alias"?, "enabled"?} -> {"KeyId", "Arn"}
  POST /_control/secret   {"name", "string"? | "binary_b64"?, "stages"?, "version_id"?,
                           "deleted"?}
  POST /_control/sts      {"role_arn", "token_file"?, "duration"?}
  POST /_control/fail     {"target": substring of the target/Action or "*", "count",
                           "action": "status"|"drop"|"malformed"|"oversize",
                           "status", "type", "message", "retry_after"}
  GET  /_control/log, POST /_control/log/clear, GET /_control/connections
"""
import argparse
import base64
import calendar
import hashlib
import hmac
import json
import os
import re
import threading
import time
import uuid
from urllib.parse import parse_qsl, quote, unquote

import doublelib

ACCOUNT = "111122223333"
SIG_MISMATCH = ("The request signature we calculated does not match the signature you "
                "provided. Check your AWS Secret Access Key and signing method. Consult the "
                "service documentation for details.")


class AwsError(Exception):
    def __init__(self, typ, message, status=400):
        super().__init__(typ)
        self.typ = typ
        self.message = message
        self.status = status


class State:
    def __init__(self, region, akid, secret):
        self.lock = threading.RLock()
        self.region = region
        self.offset = 0.0
        self.fixed = None
        self.keys = {akid: {"secret": secret, "token": None, "expires": None}}
        self.kms = {}
        self.aliases = {}
        self.secrets = {}
        self.roles = {}
        self.fails = []

    def now(self):
        return self.fixed if self.fixed is not None else time.time() + self.offset

    def add_kms_key(self, kid=None, alias=None, enabled=True):
        kid = kid or str(uuid.uuid4())
        arn = "arn:aws:kms:%s:%s:key/%s" % (self.region, ACCOUNT, kid)
        self.kms[kid] = {"arn": arn, "enabled": enabled, "material": os.urandom(32)}
        if alias:
            self.aliases[alias if alias.startswith("alias/") else "alias/" + alias] = kid
        return kid, arn


# ---- SigV4 ------------------------------------------------------------------

def uri_encode(s, safe="-_.~"):
    return quote(s, safe=safe)


def normalize_path(p):
    segs = []
    trailing = p.endswith("/")
    for seg in p.split("/"):
        if seg in ("", "."):
            continue
        if seg == "..":
            if segs:
                segs.pop()
            continue
        segs.append(seg)
    out = "/" + "/".join(segs)
    if trailing and segs:
        out += "/"
    return out


def canonical_query(q):
    if not q:
        return ""
    pairs = []
    for part in q.split("&"):
        if not part:
            continue
        name, _, value = part.partition("=")
        pairs.append((uri_encode(unquote(name)), uri_encode(unquote(value))))
    pairs.sort()
    return "&".join("%s=%s" % p for p in pairs)


def collapse(v):
    return re.sub(r"\s+", " ", v.strip())


def signing_key(secret, day, region, service):
    k = hmac.new(("AWS4" + secret).encode(), day.encode(), hashlib.sha256).digest()
    k = hmac.new(k, region.encode(), hashlib.sha256).digest()
    k = hmac.new(k, service.encode(), hashlib.sha256).digest()
    return hmac.new(k, b"aws4_request", hashlib.sha256).digest()


AUTH_RE = re.compile(r"^AWS4-HMAC-SHA256\s+Credential=([^,\s]+),\s*SignedHeaders=([^,\s]+),"
                     r"\s*Signature=([0-9a-f]{64})$")


class H(doublelib.Handler):
    server_version = "aws-double/1"

    @property
    def st(self):
        return self.server.state

    def err(self, e):
        rid = str(uuid.uuid4())
        self.send_raw(e.status, json.dumps({"__type": e.typ, "message": e.message}).encode(),
                      "application/x-amz-json-1.1", {"x-amzn-RequestId": rid})

    def xml_err(self, e):
        body = ("<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">"
                "<Error><Type>Sender</Type><Code>%s</Code><Message>%s</Message></Error>"
                "<RequestId>%s</RequestId></ErrorResponse>" % (e.typ, xml_escape(e.message),
                                                               uuid.uuid4()))
        self.send_raw(e.status, body.encode(), "text/xml")

    def verify(self, body, service, required=True):
        """Check the SigV4 signature; returns the key record used."""
        st = self.st
        auth = self.headers.get("Authorization")
        if not auth:
            if not required:
                return None
            raise AwsError("MissingAuthenticationTokenException", "Missing Authentication Token")
        m = AUTH_RE.match(auth.strip())
        if not m:
            raise AwsError("IncompleteSignatureException",
                           "Authorization header requires 'Credential', 'Signature' and "
                           "'SignedHeaders' parameters")
        cred, signed, sig = m.groups()
        parts = cred.split("/")
        if len(parts) != 5 or parts[4] != "aws4_request":
            raise AwsError("IncompleteSignatureException", "Credential is malformed")
        akid, day, region, svc = parts[:4]
        key = st.keys.get(akid)
        if key is None:
            raise AwsError("UnrecognizedClientException",
                           "The security token included in the request is invalid.")
        if region != st.region:
            raise AwsError("InvalidSignatureException",
                           "Credential should be scoped to a valid region. ")
        if svc != service:
            raise AwsError("InvalidSignatureException",
                           "Credential should be scoped to correct service: '%s'. " % service)
        names = signed.split(";")
        if "host" not in names:
            raise AwsError("InvalidSignatureException",
                           "'Host' or ':authority' must be a 'SignedHeader' in the AWS "
                           "Authorization.")
        if key["token"] is not None:
            tok = self.headers.get("X-Amz-Security-Token")
            if tok is None or "x-amz-security-token" not in names or \
               not hmac.compare_digest(tok, key["token"]):
                raise AwsError("UnrecognizedClientException",
                               "The security token included in the request is invalid.")
            if key["expires"] is not None and st.now() >= key["expires"]:
                raise AwsError("ExpiredTokenException",
                               "The security token included in the request is expired")
        date = self.headers.get("X-Amz-Date")
        if not date:
            raise AwsError("IncompleteSignatureException", "X-Amz-Date is required")
        try:
            t = calendar.timegm(time.strptime(date, "%Y%m%dT%H%M%SZ"))
        except ValueError:
            raise AwsError("IncompleteSignatureException", "Invalid X-Amz-Date")
        if date[:8] != day:
            raise AwsError("InvalidSignatureException",
                           "Date in Credential scope does not match YYYYMMDD from ISO-8601 "
                           "version of date from HTTP")
        now = st.now()
        if abs(t - now) > 300:
            raise AwsError("InvalidSignatureException",
                           "Signature expired: %s is now earlier than %s (%s - 5 min.)" % (
                               date, time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(now - 300)),
                               time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(now))))
        path, _, q = self.path.partition("?")
        hdr_lines = []
        for n in names:
            vals = self.headers.get_all(n)
            if vals is None:
                raise AwsError("InvalidSignatureException", SIG_MISMATCH)
            hdr_lines.append("%s:%s\n" % (n, ",".join(collapse(v) for v in vals)))
        creq = "\n".join([self.command, uri_encode(normalize_path(path), "/-_.~"),
                          canonical_query(q), "".join(hdr_lines), signed,
                          hashlib.sha256(body).hexdigest()])
        sts = "\n".join(["AWS4-HMAC-SHA256", date, "/".join(parts[1:4]) + "/aws4_request",
                         hashlib.sha256(creq.encode()).hexdigest()])
        want = hmac.new(signing_key(key["secret"], day, region, svc), sts.encode(),
                        hashlib.sha256).hexdigest()
        if not hmac.compare_digest(want, sig):
            if os.environ.get("AWS_DOUBLE_DEBUG"):
                import sys
                sys.stderr.write("aws_double: canonical request:\n%s\n" % creq)
            raise AwsError("InvalidSignatureException", SIG_MISMATCH)
        return key

    def do_any(self):
        raw = self.read_body()
        if self.handle_control(raw):
            return
        target = self.headers.get("X-Amz-Target") or ""
        ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        action = ""
        if ctype == "application/x-www-form-urlencoded":
            action = dict(parse_qsl(raw.decode("utf-8", "replace"))).get("Action", "")
        rec = self.record(raw, target=target or action,
                          akid=((self.headers.get("Authorization") or "")
                                .partition("Credential=")[2].split("/")[0]))
        if self.inject(target or action, bool(action)):
            return
        try:
            with self.st.lock:
                if action:
                    self.sts(action, raw)
                    rec["ok"] = True
                    return
                if self.command != "POST" or self.path.partition("?")[0] != "/":
                    raise AwsError("UnknownOperationException", None or "")
                svc, _, op = target.partition(".")
                service = {"TrentService": "kms", "secretsmanager": "secretsmanager"}.get(svc)
                if service is None:
                    raise AwsError("UnknownOperationException", "")
                if ctype != "application/x-amz-json-1.1":
                    raise AwsError("SerializationException", "Start of structure or map found "
                                   "where not expected." if ctype else "")
                self.verify(raw, service)
                try:
                    req = json.loads(raw or b"{}")
                except ValueError:
                    raise AwsError("SerializationException", "")
                if not isinstance(req, dict):
                    raise AwsError("SerializationException", "")
                fn = {("kms", "Encrypt"): self.kms_encrypt, ("kms", "Decrypt"): self.kms_decrypt,
                      ("kms", "GenerateDataKey"): self.kms_gdk,
                      ("secretsmanager", "GetSecretValue"): self.sm_get}.get((service, op))
                if fn is None:
                    raise AwsError("UnknownOperationException", "")
                out = fn(req)
            rec["ok"] = True
            self.send_raw(200, json.dumps(out).encode(), "application/x-amz-json-1.1",
                          {"x-amzn-RequestId": str(uuid.uuid4())})
        except AwsError as e:
            rec["error"] = e.typ
            if action:
                self.xml_err(e)
            else:
                self.err(e)

    do_GET = do_POST = do_PUT = do_DELETE = do_any

    def inject(self, target, xml):
        st = self.st
        with st.lock:
            hit = None
            for f in st.fails:
                if f["count"] > 0 and (f["target"] == "*" or f["target"] in target):
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
            self.send_raw(200, b'{"Plaintext": "AAAA', "application/x-amz-json-1.1")
        elif act == "oversize":
            size = int(hit.get("size", 16 << 20))
            self.send_response(200)
            self.send_header("Content-Length", str(size))
            self.end_headers()
            try:
                left = size
                while left > 0:
                    n = min(left, 65536)
                    self.wfile.write(b" " * n)
                    left -= n
            except OSError:
                pass
            self.close_connection = True
        else:
            e = AwsError(hit.get("type", "ThrottlingException"), hit.get("message", "Rate exceeded"),
                         int(hit.get("status", 400)))
            if "retry_after" in hit:
                body = json.dumps({"__type": e.typ, "message": e.message}).encode()
                self.send_raw(e.status, body, "application/x-amz-json-1.1",
                              {"Retry-After": str(hit["retry_after"])})
            elif xml:
                self.xml_err(e)
            else:
                self.err(e)
        return True

    # -- KMS ------------------------------------------------------------------
    def resolve_key(self, key_id):
        st = self.st
        if not key_id:
            raise AwsError("ValidationException", "1 validation error detected: Value null at "
                           "'keyId' failed to satisfy constraint: Member must not be null")
        kid = None
        if key_id.startswith("arn:"):
            f = key_id.split(":", 5)
            if len(f) == 6 and f[5].startswith("key/"):
                kid = f[5][4:]
                if kid in st.kms and st.kms[kid]["arn"] != key_id:
                    kid = None
            elif len(f) == 6 and f[5].startswith("alias/"):
                kid = st.aliases.get(f[5])
                if kid is None:
                    raise AwsError("NotFoundException", "Alias %s is not found." % key_id)
        elif key_id.startswith("alias/"):
            kid = st.aliases.get(key_id)
            if kid is None:
                raise AwsError("NotFoundException", "Alias arn:aws:kms:%s:%s:%s is not found."
                               % (st.region, ACCOUNT, key_id))
        else:
            kid = key_id
        if kid not in st.kms:
            raise AwsError("NotFoundException", "Key 'arn:aws:kms:%s:%s:key/%s' does not exist"
                           % (st.region, ACCOUNT, kid))
        return kid, st.kms[kid]

    def context(self, req):
        ctx = req.get("EncryptionContext") or {}
        if not isinstance(ctx, dict) or not all(isinstance(v, str) for v in ctx.values()):
            raise AwsError("ValidationException", "EncryptionContext must be a map of strings")
        return json.dumps(ctx, sort_keys=True, separators=(",", ":")).encode()

    def b64(self, req, field):
        v = req.get(field)
        if not isinstance(v, str):
            raise AwsError("ValidationException", "1 validation error detected: Value null at "
                           "'%s' failed to satisfy constraint: Member must not be null"
                           % (field[0].lower() + field[1:]))
        try:
            return base64.b64decode(v, validate=True)
        except ValueError:
            raise AwsError("SerializationException", "")

    def kms_seal(self, kid, key, ctx, pt):
        nonce = os.urandom(12)
        k = key["material"]
        ks = stream(k, nonce, len(pt))
        ct = bytes(a ^ b for a, b in zip(pt, ks))
        kidb = kid.encode()
        tag = hmac.new(k, b"tag" + len(kidb).to_bytes(2, "big") + kidb + ctx + nonce + ct,
                       hashlib.sha256).digest()[:16]
        return b"CKD1" + len(kidb).to_bytes(2, "big") + kidb + nonce + ct + tag

    def kms_encrypt(self, req):
        kid, key = self.resolve_key(req.get("KeyId"))
        if not key["enabled"]:
            raise AwsError("DisabledException", "%s is disabled." % key["arn"])
        pt = self.b64(req, "Plaintext")
        if len(pt) == 0 or len(pt) > 4096:
            raise AwsError("ValidationException", "1 validation error detected: Value at "
                           "'plaintext' failed to satisfy constraint: Member must have length "
                           "less than or equal to 4096")
        blob = self.kms_seal(kid, key, self.context(req), pt)
        return {"CiphertextBlob": base64.b64encode(blob).decode(), "KeyId": key["arn"],
                "EncryptionAlgorithm": "SYMMETRIC_DEFAULT"}

    def kms_gdk(self, req):
        kid, key = self.resolve_key(req.get("KeyId"))
        if not key["enabled"]:
            raise AwsError("DisabledException", "%s is disabled." % key["arn"])
        n = int(req.get("NumberOfBytes") or {"AES_256": 32, "AES_128": 16}.get(req.get("KeySpec"), 0))
        if n < 1 or n > 1024:
            raise AwsError("ValidationException", "Please specify either number of bytes or "
                           "key spec.")
        pt = os.urandom(n)
        blob = self.kms_seal(kid, key, self.context(req), pt)
        return {"CiphertextBlob": base64.b64encode(blob).decode(),
                "Plaintext": base64.b64encode(pt).decode(), "KeyId": key["arn"]}

    def kms_decrypt(self, req):
        st = self.st
        blob = self.b64(req, "CiphertextBlob")
        if len(blob) < 4 + 2 + 12 + 16 or blob[:4] != b"CKD1":
            raise AwsError("InvalidCiphertextException", "")
        kl = int.from_bytes(blob[4:6], "big")
        if len(blob) < 6 + kl + 12 + 16:
            raise AwsError("InvalidCiphertextException", "")
        kid = blob[6:6 + kl].decode("utf-8", "replace")
        key = st.kms.get(kid)
        if key is None:
            raise AwsError("InvalidCiphertextException", "")
        if req.get("KeyId"):
            want, _ = self.resolve_key(req["KeyId"])
            if want != kid:
                raise AwsError("IncorrectKeyException", "The key ID in the request does not "
                               "identify a CMK that can perform this operation.")
        if not key["enabled"]:
            raise AwsError("DisabledException", "%s is disabled." % key["arn"])
        rest = blob[6 + kl:]
        nonce, ct, tag = rest[:12], rest[12:-16], rest[-16:]
        kidb = kid.encode()
        want = hmac.new(key["material"], b"tag" + len(kidb).to_bytes(2, "big") + kidb +
                        self.context(req) + nonce + ct, hashlib.sha256).digest()[:16]
        if not hmac.compare_digest(want, tag):
            raise AwsError("InvalidCiphertextException", "")
        pt = bytes(a ^ b for a, b in zip(ct, stream(key["material"], nonce, len(ct))))
        return {"KeyId": key["arn"], "Plaintext": base64.b64encode(pt).decode(),
                "EncryptionAlgorithm": "SYMMETRIC_DEFAULT"}

    # -- Secrets Manager --------------------------------------------------------
    def sm_get(self, req):
        st = self.st
        sid = req.get("SecretId")
        if not isinstance(sid, str) or not sid:
            raise AwsError("ValidationException", "1 validation error detected: Value null at "
                           "'secretId' failed to satisfy constraint: Member must not be null")
        s = None
        for name, rec in st.secrets.items():
            if sid == name or sid == rec["arn"] or (sid.startswith("arn:") and
                                                    rec["arn"].startswith(sid + "-")):
                s = rec
                break
        if s is None:
            raise AwsError("ResourceNotFoundException", "Secrets Manager can't find the "
                           "specified secret.")
        if s["deleted"]:
            raise AwsError("InvalidRequestException", "You can't perform this operation on the "
                           "secret because it was marked for deletion.")
        vid = req.get("VersionId")
        stage = req.get("VersionStage")
        if vid:
            v = s["versions"].get(vid)
            if v is None:
                raise AwsError("ResourceNotFoundException", "Secrets Manager can't find the "
                               "specified secret value for VersionId: %s" % vid)
            if stage and stage not in v["stages"]:
                raise AwsError("InvalidRequestException", "You provided a VersionStage that is "
                               "not associated to the provided VersionId.")
        else:
            stage = stage or "AWSCURRENT"
            found = [(k, v) for k, v in s["versions"].items() if stage in v["stages"]]
            if not found:
                raise AwsError("ResourceNotFoundException", "Secrets Manager can't find the "
                               "specified secret value for staging label: %s" % stage)
            vid, v = found[0]
        out = {"ARN": s["arn"], "Name": s["name"], "VersionId": vid,
               "VersionStages": list(v["stages"]), "CreatedDate": v["created"]}
        if v.get("binary") is not None:
            out["SecretBinary"] = base64.b64encode(v["binary"]).decode()
        else:
            out["SecretString"] = v["string"]
        return out

    # -- STS --------------------------------------------------------------------
    def sts(self, action, raw):
        st = self.st
        form = dict(parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True))
        if form.get("Version") != "2011-06-15":
            raise AwsError("InvalidAction", "Could not find operation %s for version %s"
                           % (action, form.get("Version")))
        role = form.get("RoleArn", "")
        r = st.roles.get(role)
        if action == "AssumeRoleWithWebIdentity":
            if self.headers.get("Authorization"):
                # the SDKs send it unsigned; a signature is not an error, just unused
                pass
            if r is None:
                raise AwsError("AccessDenied", "Not authorized to perform "
                               "sts:AssumeRoleWithWebIdentity", 403)
            tok = form.get("WebIdentityToken", "")
            cur = None
            if r.get("token_file"):
                try:
                    with open(r["token_file"]) as f:
                        cur = f.read().strip()
                except OSError:
                    cur = None
            if not tok or cur is None or not hmac.compare_digest(tok, cur):
                raise AwsError("InvalidIdentityToken", "Incorrect token audience or the token "
                               "is not the current one")
            if not form.get("RoleSessionName"):
                raise AwsError("ValidationError", "RoleSessionName is required")
        elif action == "AssumeRole":
            self.verify(raw, "sts")
            if r is None:
                raise AwsError("AccessDenied", "User is not authorized to perform: "
                               "sts:AssumeRole on resource: %s" % role, 403)
        else:
            raise AwsError("InvalidAction", "Could not find operation %s" % action)
        dur = int(form.get("DurationSeconds") or r.get("duration", 3600))
        akid = "ASIA" + base64.b32encode(os.urandom(10)).decode()[:16]
        secret = base64.b64encode(os.urandom(30)).decode()
        token = base64.b64encode(os.urandom(60)).decode() + "&<>"
        exp = st.now() + dur
        st.keys[akid] = {"secret": secret, "token": token, "expires": exp}
        r["issued"] = r.get("issued", 0) + 1
        res = action + "Result"
        body = ("<%sResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><%s>"
                "<Credentials><AccessKeyId>%s</AccessKeyId><SecretAccessKey>%s</SecretAccessKey>"
                "<SessionToken>%s</SessionToken><Expiration>%s</Expiration></Credentials>"
                "<AssumedRoleUser><Arn>%s/%s</Arn><AssumedRoleId>AROA:%s</AssumedRoleId>"
                "</AssumedRoleUser></%s><ResponseMetadata><RequestId>%s</RequestId>"
                "</ResponseMetadata></%sResponse>") % (
                    action, res, akid, xml_escape(secret), xml_escape(token),
                    time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(exp)), role,
                    xml_escape(form.get("RoleSessionName", "")),
                    xml_escape(form.get("RoleSessionName", "")), res, uuid.uuid4(), action)
        self.send_raw(200, body.encode(), "text/xml")

    # -- control ------------------------------------------------------------------
    def control(self, what, raw):
        st = self.st
        try:
            body = json.loads(raw) if raw.strip() else {}
        except ValueError:
            self.send_json(400, {"error": "bad control JSON"})
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
            elif what == "key":
                st.keys[body["akid"]] = {"secret": body["secret"], "token": body.get("token"),
                                         "expires": body.get("expires")}
                self.send_raw(204)
            elif what == "kms_key":
                kid, arn = st.add_kms_key(body.get("id"), body.get("alias"),
                                          body.get("enabled", True))
                if "enabled" in body:
                    st.kms[kid]["enabled"] = bool(body["enabled"])
                self.send_json(200, {"KeyId": kid, "Arn": arn})
            elif what == "secret":
                name = body["name"]
                s = st.secrets.get(name)
                if s is None:
                    s = st.secrets[name] = {
                        "name": name, "versions": {}, "deleted": False,
                        "arn": "arn:aws:secretsmanager:%s:%s:secret:%s-%s" % (
                            st.region, ACCOUNT, name,
                            base64.b32encode(os.urandom(5)).decode()[:6])}
                if "deleted" in body:
                    s["deleted"] = bool(body["deleted"])
                if "string" in body or "binary_b64" in body:
                    vid = body.get("version_id") or str(uuid.uuid4())
                    stages = body.get("stages") or ["AWSCURRENT"]
                    if "AWSCURRENT" in stages:
                        for v in s["versions"].values():
                            v["stages"] = [x for x in v["stages"] if x != "AWSPREVIOUS"]
                            if "AWSCURRENT" in v["stages"]:
                                v["stages"] = [x for x in v["stages"] if x != "AWSCURRENT"] + \
                                              ["AWSPREVIOUS"]
                    for v in s["versions"].values():
                        v["stages"] = [x for x in v["stages"]
                                       if x in ("AWSCURRENT", "AWSPREVIOUS") or x not in stages]
                    s["versions"][vid] = {
                        "string": body.get("string"),
                        "binary": base64.b64decode(body["binary_b64"]) if "binary_b64" in body
                        else None, "stages": stages, "created": round(st.now(), 3)}
                self.send_json(200, {"ARN": s["arn"]})
            elif what == "sts":
                st.roles[body["role_arn"]] = {"token_file": body.get("token_file"),
                                              "duration": int(body.get("duration", 3600))}
                self.send_raw(204)
            elif what == "roles":
                self.send_json(200, st.roles)
            elif what == "fail":
                f = dict(body)
                f.setdefault("target", "*")
                f.setdefault("count", 1)
                st.fails.append(f)
                self.send_raw(204)
            else:
                self.send_json(404, {"error": "unknown control endpoint " + what})
        return True


def xml_escape(s):
    return (s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace("\"", "&quot;"))


def stream(k, nonce, n):
    out = b""
    i = 0
    while len(out) < n:
        out += hmac.new(k, b"enc" + nonce + i.to_bytes(4, "big"), hashlib.sha256).digest()
        i += 1
    return out[:n]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--region", default="us-east-1")
    ap.add_argument("--akid", default="AKIDEXAMPLE")
    ap.add_argument("--secret", default="wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")

    def setup(srv, args):
        srv.state = State(args.region, args.akid, args.secret)
    doublelib.serve(H, setup=setup, parser=ap)


if __name__ == "__main__":
    main()
