#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""A small HTTP server for the net/ HTTP client tests.

Routes (any method):
  /echo                      200, JSON of the request (method, path, query,
                             headers, body, conn = connection number)
  /status/<code>             that status; ?retry_after=V adds Retry-After: V
  /big/<n>                   n bytes of 'x' with Content-Length
  /chunked/<n>               n bytes of 'x', chunked, no Content-Length
  /stream/<n>?delay_ms=D     n chunked lines "event <i>\\n", D ms apart
  /hang                      200 headers, then nothing until the client leaves
  /slow/<ms>                 sleep, then 200 "slow"
  /drop                      close the connection without an answer
  /truncated                 Content-Length 100, 10 bytes, close
  /redirect?to=PATH          307 to PATH
  /flaky/<key>/<n>/<code>    the first n requests for key get <code>, then 200
  /_control/log, /_control/log/clear, /_control/connections
"""
import json
import time
from urllib.parse import parse_qs

import doublelib


class H(doublelib.Handler):
    flaky = {}

    def do_any(self):
        body = self.read_body()
        if self.handle_control(body):
            return
        path, _, q = self.path.partition("?")
        query = {k: v[0] for k, v in parse_qs(q, keep_blank_values=True).items()}
        self.record(body)
        parts = path.strip("/").split("/")
        head = parts[0]
        if head == "echo":
            self.send_json(200, {"method": self.command, "path": path, "query": q,
                                 "headers": [[k, v] for k, v in self.headers.items()],
                                 "body": body.decode("utf-8", "replace"),
                                 "conn": self.conn_id})
        elif head == "status":
            code = int(parts[1])
            hdrs = {}
            if "retry_after" in query:
                hdrs["Retry-After"] = query["retry_after"]
            self.send_json(code, {"errors": ["status %d" % code]}, hdrs)
        elif head == "big":
            self.send_raw(200, b"x" * int(parts[1]), "text/plain")
        elif head == "chunked":
            n = int(parts[1])
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            left = n
            while left > 0:
                c = min(left, 65536)
                self.wfile.write(b"%x\r\n" % c + b"x" * c + b"\r\n")
                left -= c
            self.wfile.write(b"0\r\n\r\n")
        elif head == "stream":
            n = int(parts[1])
            delay = int(query.get("delay_ms", "0")) / 1000.0
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            try:
                for i in range(n):
                    line = b"event %d\n" % i
                    self.wfile.write(b"%x\r\n" % len(line) + line + b"\r\n")
                    self.wfile.flush()
                    if delay:
                        time.sleep(delay)
                self.wfile.write(b"0\r\n\r\n")
            except OSError:
                self.close_connection = True
        elif head == "hang":
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            self.wfile.flush()
            self.connection.settimeout(30)
            try:
                self.connection.recv(1)   # returns when the client closes
            except OSError:
                pass
            self.close_connection = True
        elif head == "slow":
            time.sleep(int(parts[1]) / 1000.0)
            self.send_raw(200, b"slow", "text/plain")
        elif head == "drop":
            self.drop()
        elif head == "truncated":
            self.send_response(200)
            self.send_header("Content-Length", "100")
            self.end_headers()
            self.wfile.write(b"0123456789")
            self.wfile.flush()
            self.drop()
        elif head == "redirect":
            self.send_raw(307, b"", None, {"Location": query.get("to", "/echo")})
        elif head == "flaky":
            key, n, code = parts[1], int(parts[2]), int(parts[3])
            with self.server.lock:
                seen = H.flaky.get(key, 0)
                H.flaky[key] = seen + 1
            if seen < n:
                hdrs = {}
                if "retry_after" in query:
                    hdrs["Retry-After"] = query["retry_after"]
                self.send_json(code, {"errors": ["try again"]}, hdrs)
            else:
                self.send_json(200, {"attempt": seen + 1})
        else:
            self.send_json(404, {"errors": []})

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_LIST = do_HEAD = do_any


if __name__ == "__main__":
    doublelib.serve(H)
