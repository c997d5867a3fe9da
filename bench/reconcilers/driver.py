#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Benchmark of cloak-controller's ExternalSecret and SopsSecret reconcilers.

Starts the fake API server and the Vault double (tests/doubles), loads 1,000
ExternalSecrets of 3 keys each (refreshInterval 1m, one Vault path each) and
measures with the release cloak-controller: first sync time, then over
MINUTES of steady state the CPU per minute, the Vault requests per refresh
cycle and the peak memory, beside the goals (5 % of one core, 64 MiB) and
ESO's request model (one Vault read per data entry). Then 1,000 SopsSecrets:
first sync time at the default client rate limit and without one.

Usage: driver.py BUILD_DIR [MINUTES]
"""
import base64
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.dirname(os.path.dirname(HERE))
N = int(os.environ.get("BENCH_N", "1000"))


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


class Double:
    def __init__(self, script, *args):
        self.p = subprocess.Popen([sys.executable, os.path.join(SRC, "tests", "doubles", script)]
                                  + list(args), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  stderr=subprocess.DEVNULL)
        line = self.p.stdout.readline().decode()
        if not line.startswith("PORT "):
            raise SystemExit("bench: %s did not start" % script)
        self.url = "http://127.0.0.1:%d" % int(line.split()[1])

    def stop(self):
        try:
            self.p.stdin.close()
        except OSError:
            pass
        self.p.terminate()
        self.p.wait()


def req(url, method="GET", body=None, token=None, timeout=60):
    data = json.dumps(body).encode() if body is not None else None
    h = {"Content-Type": "application/json"}
    if token:
        h["Authorization"] = "Bearer " + token
    r = urllib.request.Request(url, data=data, method=method, headers=h)
    with urllib.request.urlopen(r, timeout=timeout) as resp:
        raw = resp.read()
        return json.loads(raw) if raw else None


class Kube:
    def __init__(self, url):
        self.url = url

    def get(self, path):
        return req(self.url + path, token="bench-token")

    def post(self, path, obj):
        return req(self.url + path, "POST", obj, token="bench-token")

    def bulk(self, items):
        return req(self.url + "/__fake/objects", "POST", {"items": items})

    def count(self, ns, selector):
        lst = self.get("/api/v1/namespaces/%s/secrets?labelSelector=%s" % (ns, selector))
        return len(lst.get("items", []))


def proc_cpu(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def proc_status(pid, key):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1]) / 1024.0
    return 0.0


def vault_reads(vault, prefix):
    log = req(vault.url + "/_control/log")
    return sum(1 for e in log if e["method"] == "GET" and e["path"].startswith(prefix))


def wait_count(kube, ns, selector, n, limit_s):
    t0 = time.time()
    while time.time() - t0 < limit_s:
        if kube.count(ns, selector) >= n:
            return time.time() - t0
        time.sleep(0.5)
    raise SystemExit("bench: only %d of %d Secrets after %d s" % (kube.count(ns, selector), n,
                                                                  limit_s))


class Controller:
    def __init__(self, binary, kubeconfig, work, *extra):
        self.port = free_port()
        self.log = open(os.path.join(work, "controller-%d.log" % self.port), "w")
        self.p = subprocess.Popen([binary, "--kubeconfig", kubeconfig, "--namespace", "cloak-system",
                                   "--listen-addr", "127.0.0.1:%d" % self.port,
                                   "--listen-metrics-addr", "127.0.0.1:%d" % free_port(),
                                   "--log-level", "warn"] + list(extra),
                                  stdout=self.log, stderr=self.log)
        t0 = time.time()
        while time.time() - t0 < 120:
            try:
                urllib.request.urlopen("http://127.0.0.1:%d/readyz" % self.port, timeout=1)
                return
            except Exception:
                time.sleep(0.2)
        raise SystemExit("bench: cloak-controller not ready")

    def stop(self):
        self.p.terminate()
        self.p.wait()
        self.log.close()


def main():
    build = os.path.abspath(sys.argv[1])
    minutes = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    cloak = os.path.join(build, "cli", "cloak")
    binary = os.path.join(build, "controller", "cloak-controller")
    work = tempfile.mkdtemp(prefix="cloak-bench-rc.")
    kubeconfig = os.path.join(work, "kubeconfig")
    fake = Double("fake_apiserver_tokens.py", "--token", "bench-token", "--no-log-bodies",
                  "--history", "20000", "--kubeconfig-out", kubeconfig)
    vault = Double("vault_double.py", "--root-token", "bench-root")
    kube = Kube(fake.url)
    ctl = None
    try:
        kube.post("/apis/apiextensions.k8s.io/v1/customresourcedefinitions", {
            "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
            "metadata": {"name": "sopssecrets.cloak.dev"},
            "spec": {"group": "cloak.dev", "scope": "Namespaced",
                     "names": {"kind": "SopsSecret", "plural": "sopssecrets",
                               "singular": "sopssecret"},
                     "versions": [{"name": "v1alpha1", "served": True, "storage": True,
                                   "subresources": {"status": {}},
                                   "schema": {"openAPIV3Schema": {
                                       "type": "object",
                                       "x-kubernetes-preserve-unknown-fields": True}}}]}})
        for ns in ("cloak-system", "bench"):
            kube.post("/api/v1/namespaces", {"apiVersion": "v1", "kind": "Namespace",
                                             "metadata": {"name": ns}})
        for i in range(N):
            req(vault.url + "/_control/kv", "POST",
                {"mount": "secret", "path": "bench/es-%04d" % i,
                 "data": {"user": "u%d" % i, "password": "p%08d" % i, "url": "db-%d:5432" % i}})
        items = [{"apiVersion": "v1", "kind": "Secret",
                  "metadata": {"name": "vault-token", "namespace": "bench"},
                  "data": {"token": base64.b64encode(b"bench-root").decode()}},
                 {"apiVersion": "external-secrets.io/v1", "kind": "SecretStore",
                  "metadata": {"name": "vault", "namespace": "bench"},
                  "spec": {"provider": {"vault": {"server": vault.url, "path": "secret",
                                                   "auth": {"tokenSecretRef": {
                                                       "name": "vault-token", "key": "token"}}}}}}]
        kube.bulk(items)
        ctl = Controller(binary, kubeconfig, work)
        print("%d ExternalSecrets x 3 keys (refreshInterval 1m, one Vault path each), "
              "Vault double, fake API server" % N)
        items = [{"apiVersion": "external-secrets.io/v1", "kind": "ExternalSecret",
                  "metadata": {"name": "es-%04d" % i, "namespace": "bench"},
                  "spec": {"refreshInterval": "1m",
                           "secretStoreRef": {"name": "vault", "kind": "SecretStore"},
                           "data": [{"secretKey": k, "remoteRef": {"key": "bench/es-%04d" % i,
                                                                   "property": k}}
                                    for k in ("user", "password", "url")]}}
                 for i in range(N)]
        kube.bulk(items)
        first = wait_count(kube, "bench", "reconcile.external-secrets.io/managed%3Dtrue", N, 900)
        print("  first sync of %d ExternalSecrets: %.1f s (client rate limit 50 req/s, "
              "ESO's default; 3 writes per new Secret: create, status, Event)" % (N, first))
        # the first refreshes settle on each store's grid within two intervals
        time.sleep(125)
        req(vault.url + "/_control/log/clear", "POST", {})
        cpu0, t0 = proc_cpu(ctl.p.pid), time.time()
        time.sleep(60 * minutes)
        cpu1, t1 = proc_cpu(ctl.p.pid), time.time()
        reads = vault_reads(vault, "/v1/secret/data/bench/")
        mins = (t1 - t0) / 60.0
        cpu_min = (cpu1 - cpu0) / mins
        hwm = proc_status(ctl.p.pid, "VmHWM")
        rss = proc_status(ctl.p.pid, "VmRSS")
        print("  steady state over %.1f min:" % mins)
        print("    CPU per minute       %6.2f s = %5.2f %% of one core   (goal < 5 %%)"
              % (cpu_min, cpu_min / 60.0 * 100))
        print("    Vault reads / cycle  %6.0f               (ESO: %d, one per data entry; "
              "ideal here: %d, one per path)" % (reads / mins, 3 * N, N))
        print("    memory               %6.1f MiB now, %.1f MiB peak   (goal < 64 MiB)"
              % (rss, hwm))

        # ---- SopsSecrets
        key = os.path.join(work, "age.key")
        subprocess.run([cloak, "age", "keygen", "-o", key], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        rcpt = subprocess.run([cloak, "age", "keygen", "-y", key], check=True,
                              capture_output=True, text=True).stdout.strip()
        plain = os.path.join(work, "db.yaml")
        with open(plain, "w") as f:
            f.write("apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\nstringData:\n"
                    "  user: app\n  password: s3cr3t-value\n  url: postgres://db:5432/app\n")
        cfg = os.path.join(work, ".sops.yaml")
        with open(cfg, "w") as f:
            f.write("creation_rules: []\n")
        enc = subprocess.run([cloak, "sops", "--config", cfg, "encrypt", "--age", rcpt,
                              "--encrypted-regex", "^(data|stringData)$", plain], check=True,
                             capture_output=True, text=True).stdout
        kube.bulk([{"apiVersion": "v1", "kind": "Secret",
                    "metadata": {"name": "sops-keys", "namespace": "cloak-system"},
                    "data": {"bench.agekey": base64.b64encode(open(key, "rb").read()).decode()}}])

        def sops_run(ns, label):
            kube.post("/api/v1/namespaces", {"apiVersion": "v1", "kind": "Namespace",
                                             "metadata": {"name": ns}})
            kube.bulk([{"apiVersion": "cloak.dev/v1alpha1", "kind": "SopsSecret",
                        "metadata": {"name": "s-%04d" % i, "namespace": ns},
                        "spec": {"sops": enc}} for i in range(N)])
            t = wait_count(kube, ns, "cloak.dev/sopssecret", N, 900)
            print("  first sync of %d SopsSecrets (age): %.1f s = %.0f /s   (%s)"
                  % (N, t, N / t, label))

        print("%d SopsSecrets (one age-encrypted Secret manifest each)" % N)
        sops_run("sops", "client rate limit 50 req/s")
        ctl.stop()
        ctl = Controller(binary, kubeconfig, work, "--reconciler-qps", "0")
        sops_run("sops2", "no client rate limit")
        print("  peak memory of the controller: %.1f MiB (goal < 64 MiB)"
              % proc_status(ctl.p.pid, "VmHWM"))
    finally:
        if ctl is not None:
            ctl.stop()
        fake.stop()
        vault.stop()
        subprocess.run(["rm", "-rf", work])


if __name__ == "__main__":
    main()
