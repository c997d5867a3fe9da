# SPDX-License-Identifier: Apache-2.0
"""Shared plumbing of the cloak test doubles (Python 3 standard library only).

A double binds 127.0.0.1 on an ephemeral port, prints "PORT <n>" as its first
stdout line, and exits when its stdin reaches EOF (the test that started it
died or closed the pipe), so no server outlives its test.

Options every double accepts:
  --tls-cert FILE --tls-key FILE   serve HTTPS with this certificate
  --tls-client-ca FILE             require a client certificate from this CA
"""
import argparse
import json
import os
import socket
import ssl
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, addr, handler):
        super().__init__(addr, handler)
        self.lock = threading.RLock()
        self.log = []           # request records, see Handler.record()
        self.connections = 0    # TCP connections accepted


class Headers:
    """Case-insensitive request headers (what http.server's email parser gives,
    at a fraction of its cost: the doubles must keep up with a benchmark)."""

    def __init__(self, pairs):
        self._pairs = pairs
        self._map = {}
        for k, v in pairs:
            self._map.setdefault(k.lower(), []).append(v)

    def get(self, name, default=None):
        v = self._map.get(name.lower())
        return v[0] if v else default

    def get_all(self, name, default=None):
        return list(self._map.get(name.lower(), [])) or default

    def items(self):
        return list(self._pairs)

    def __contains__(self, name):
        return name.lower() in self._map

    def __getitem__(self, name):
        return self.get(name)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "cloak-double/1"
    sys_version = ""

    def log_message(self, fmt, *args):  # keep test output clean
        pass

    def parse_request(self):
        """http.server's parse_request without the email parser."""
        line = str(self.raw_requestline, "iso-8859-1").rstrip("\r\n")
        self.requestline = line
        self.command = None
        self.request_version = version = "HTTP/0.9"
        self.close_connection = True
        words = line.split(" ")
        if len(words) < 3 or not words[-1].startswith("HTTP/"):
            self.send_error(400, "Bad request syntax (%r)" % line)
            return False
        # a target may contain a space only in broken clients; keep the middle whole
        self.command, self.path, version = words[0], " ".join(words[1:-1]), words[-1]
        self.request_version = version
        pairs = []
        total = 0
        while True:
            raw = self.rfile.readline(65537)
            total += len(raw)
            if len(raw) > 65536 or total > 1 << 20 or len(pairs) > 200:
                self.send_error(431, "Request header fields too large")
                return False
            if raw in (b"\r\n", b"\n", b""):
                break
            text = str(raw, "iso-8859-1").rstrip("\r\n")
            if text[:1] in (" ", "\t") and pairs:
                k, v = pairs[-1]
                pairs[-1] = (k, v + " " + text.strip())
                continue
            k, sep, v = text.partition(":")
            if not sep:
                continue
            pairs.append((k.strip(), v.strip()))
        self.headers = Headers(pairs)
        conn = (self.headers.get("Connection") or "").lower()
        self.close_connection = conn == "close" or (version != "HTTP/1.1" and
                                                    conn != "keep-alive")
        if (self.headers.get("Expect") or "").lower() == "100-continue":
            if not self.handle_expect_100():
                return False
        return True

    def setup(self):
        super().setup()
        try:  # answers go out at once (no Nagle / delayed-ACK stalls)
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            pass
        with self.server.lock:
            self.server.connections += 1
            self.conn_id = self.server.connections

    # -- helpers ---------------------------------------------------------
    def read_body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n > 0 else b""

    def record(self, body, **extra):
        path, _, query = self.path.partition("?")
        rec = {"method": self.command, "path": path, "query": query,
               "headers": {k.lower(): v for k, v in self.headers.items()},
               "body": body.decode("utf-8", "replace"), "conn": self.conn_id}
        rec.update(extra)
        with self.server.lock:
            self.server.log.append(rec)
        return rec

    def send_raw(self, status, body=b"", ctype="application/json", headers=None,
                 reason=None):
        if isinstance(body, str):
            body = body.encode()
        self.send_response(status, reason)
        if ctype and (body or status not in (204, 304)):
            self.send_header("Content-Type", ctype)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        if status != 204:
            self.send_header("Content-Length", str(len(body)))
        # headers and body in one write
        self._headers_buffer.append(b"\r\n")
        if body and self.command != "HEAD":
            self._headers_buffer.append(body)
        self.flush_headers()

    def send_json(self, status, obj, headers=None, ctype="application/json"):
        self.send_raw(status, json.dumps(obj).encode(), ctype, headers)

    def drop(self):
        """Close the connection without answering (RST when possible)."""
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                       b"\x01\x00\x00\x00\x00\x00\x00\x00")
        except OSError:
            pass
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def handle_control(self, body):
        """Reserved /_control/ endpoints shared by all doubles; True if handled."""
        path = self.path.partition("?")[0]
        if not path.startswith("/_control/"):
            return False
        what = path[len("/_control/"):]
        if what == "log":
            with self.server.lock:
                out = list(self.server.log)
            self.send_json(200, out)
        elif what == "log/clear":
            with self.server.lock:
                self.server.log.clear()
            self.send_raw(204)
        elif what == "connections":
            self.send_json(200, {"connections": self.server.connections})
        else:
            return self.control(what, body)
        return True

    def control(self, what, body):
        """Double-specific control endpoints; override."""
        self.send_json(404, {"errors": ["unknown control endpoint " + what]})
        return True


def watchdog():
    try:
        while sys.stdin.buffer.read(4096):
            pass
    except Exception:
        pass
    os._exit(0)


def serve(handler, argv=None, setup=None, parser=None):
    ap = parser or argparse.ArgumentParser()
    ap.add_argument("--tls-cert")
    ap.add_argument("--tls-key")
    ap.add_argument("--tls-client-ca")
    ap.add_argument("--port", type=int, default=0)
    args = ap.parse_args(argv)
    srv = Server(("127.0.0.1", args.port), handler)
    srv.args = args
    if setup:
        setup(srv, args)
    if args.tls_cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(args.tls_cert, args.tls_key)
        if args.tls_client_ca:
            ctx.verify_mode = ssl.CERT_REQUIRED
            ctx.load_verify_locations(args.tls_client_ca)
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    sys.stdout.write("PORT %d\n" % srv.server_address[1])
    sys.stdout.flush()
    threading.Thread(target=watchdog, daemon=True).start()
    try:
        srv.serve_forever(poll_interval=0.05)
    except KeyboardInterrupt:
        pass
