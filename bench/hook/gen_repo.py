#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Generate the hook benchmark's working tree: N files of a GitOps repository
(Deployments, Services, ConfigMaps, kustomizations, JSON, READMEs, scripts,
Go code), of which 1% are secrets-like manifests (SOPS-encrypted Secrets and
SealedSecrets, shaped like the real ones), plus a .sops.yaml. Three planted
leaks (an AWS key pair, a GitHub token, a plaintext Secret) show which tool
finds what. Deterministic for a seed.

usage: gen_repo.py DIR [N]
"""
import base64
import os
import random
import sys


def b64(rnd, n):
    return base64.b64encode(bytes(rnd.getrandbits(8) for _ in range(n))).decode()


def enc(rnd, n):
    return "ENC[AES256_GCM,data:%s,iv:%s,tag:%s,type:str]" % (b64(rnd, n), b64(rnd, 32), b64(rnd, 16))


def deployment(i):
    return f"""apiVersion: apps/v1
kind: Deployment
metadata:
  name: app-{i}
  namespace: team-{i % 40}
  labels:
    app.kubernetes.io/name: app-{i}
spec:
  replicas: {1 + i % 3}
  selector:
    matchLabels:
      app.kubernetes.io/name: app-{i}
  template:
    metadata:
      labels:
        app.kubernetes.io/name: app-{i}
    spec:
      containers:
        - name: app
          image: registry.example.com/team-{i % 40}/app-{i}:1.{i % 17}.{i % 5}
          ports:
            - containerPort: 8080
          env:
            - name: LOG_LEVEL
              value: info
            - name: DB_PASSWORD
              valueFrom:
                secretKeyRef:
                  name: db-{i}
                  key: password
          resources:
            limits: {{cpu: 500m, memory: 256Mi}}
"""


def service(i):
    return f"""apiVersion: v1
kind: Service
metadata:
  name: app-{i}
  namespace: team-{i % 40}
spec:
  selector:
    app.kubernetes.io/name: app-{i}
  ports:
    - port: 80
      targetPort: 8080
"""


def configmap(i):
    return f"""apiVersion: v1
kind: ConfigMap
metadata:
  name: app-{i}-config
  namespace: team-{i % 40}
data:
  FEATURE_FLAGS: "a,b,c"
  TIMEOUT: "{i % 30}s"
  config.yaml: |
    server:
      port: 8080
      workers: {i % 8 + 1}
"""


def kustomization(i):
    return f"""apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
namespace: team-{i % 40}
resources:
  - deployment.yaml
  - service.yaml
images:
  - name: app
    newTag: 1.{i % 17}.0
"""


def json_file(i):
    return '{\n  "name": "app-%d",\n  "version": "1.%d.0",\n  "dependencies": {"lib": "^2.%d.0"},\n  "scripts": {"test": "make test"}\n}\n' % (i, i % 9, i % 7)


def readme(i):
    return f"# app-{i}\n\nDeploys app-{i} to team-{i % 40}. See the runbook for rotation steps.\n" + \
        "Owners: team-%d. Dashboards: https://grafana.example.com/d/app-%d\n" % (i % 40, i)


def script(i):
    return f"""#!/bin/sh
set -eu
# deploy app-{i}
kubectl -n team-{i % 40} rollout status deploy/app-{i} --timeout=120s
TOKEN=$(cat /var/run/secrets/kubernetes.io/serviceaccount/token)
curl -fsS -H "Authorization: Bearer $TOKEN" https://api.example.com/apps/{i}
"""


def gocode(i):
    return f"""package app{i}

import (
\t"fmt"
\t"os"
)

// Config of app {i}.
type Config struct {{
\tPassword string
\tToken    string
}}

func Load() Config {{
\treturn Config{{Password: os.Getenv("DB_PASSWORD"), Token: os.Getenv("API_TOKEN")}}
}}

func Describe(c Config) string {{ return fmt.Sprintf("app{i} %d", len(c.Token)) }}
"""


def sops_secret(rnd, i):
    return f"""apiVersion: v1
kind: Secret
metadata:
    name: db-{i}
    namespace: team-{i % 40}
type: Opaque
stringData:
    password: {enc(rnd, 24)}
    username: {enc(rnd, 8)}
sops:
    age:
        - recipient: age1xx98emuhn50tvnjdeewj6q97p6wls8rty6aq9qcsak0waxxzuqqsdkp0tl
          enc: |
            -----BEGIN AGE ENCRYPTED FILE-----
            {b64(rnd, 48)}
            {b64(rnd, 48)}
            -----END AGE ENCRYPTED FILE-----
    encrypted_regex: ^(data|stringData)$
    lastmodified: "2026-05-22T20:16:23Z"
    mac: {enc(rnd, 96)}
    version: 3.13.2
"""


def sealed(rnd, i):
    def ct():
        return base64.b64encode(b"\x02\x00" + bytes(rnd.getrandbits(8) for _ in range(512 + 24 + 16))).decode()
    return f"""---
apiVersion: bitnami.com/v1alpha1
kind: SealedSecret
metadata:
  name: api-{i}
  namespace: team-{i % 40}
spec:
  encryptedData:
    token: {ct()}
    password: {ct()}
  template:
    metadata:
      name: api-{i}
      namespace: team-{i % 40}
    type: Opaque
"""


def main():
    root = sys.argv[1]
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 20000
    rnd = random.Random(42)
    kinds = [deployment, service, configmap, kustomization, json_file, readme, script, gocode]
    exts = [".yaml", ".yaml", ".yaml", "/kustomization.yaml", ".json", ".md", ".sh", ".go"]
    secrets = n // 100
    for i in range(n):
        d = os.path.join(root, f"apps/team-{i % 40}/app-{i % 500}")
        if i < secrets:
            d = os.path.join(root, f"secrets/team-{i % 40}")
            name = f"db-{i}.sops.yaml" if i % 2 == 0 else f"api-{i}.sealed.yaml"
            body = sops_secret(rnd, i) if i % 2 == 0 else sealed(rnd, i)
        else:
            k = i % len(kinds)
            name = f"f{i}{exts[k]}" if k != 3 else f"k{i}/kustomization.yaml"
            body = kinds[k](i)
        path = os.path.join(d, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(body)
    with open(os.path.join(root, ".sops.yaml"), "w") as f:
        f.write("creation_rules:\n  - path_regex: secrets/.*\\.sops\\.yaml$\n"
                "    encrypted_regex: ^(data|stringData)$\n"
                "    age: age1xx98emuhn50tvnjdeewj6q97p6wls8rty6aq9qcsak0waxxzuqqsdkp0tl\n")
    # planted leaks, assembled so this generator holds none of them
    leak = os.path.join(root, "apps/leaks")
    os.makedirs(leak, exist_ok=True)
    akid = "AKIA" + "Q3XW7ZP2MNR5TBLD"
    sak = "Zq8Wx3Kv9Lm2Np7Rt4Yb" + "Hj6Fd1Sa5Gc0Vn3Bm8Xq"
    with open(os.path.join(leak, "aws.env"), "w") as f:
        f.write(f"AWS_ACCESS_KEY_ID={akid}\nAWS_SECRET_ACCESS_KEY={sak}\n")
    with open(os.path.join(leak, "ci.yaml"), "w") as f:
        f.write("env:\n  GITHUB_TOKEN: " + "gh" + "p_Qw7Er2Ty9Ui4Op1As6Df3Gh8Jk5Lz0Xc2Vb7\n")
    with open(os.path.join(leak, "secret.yaml"), "w") as f:
        f.write("apiVersion: v1\nkind: Secret\nmetadata:\n  name: leaked\nstringData:\n  password: hunter2-hunter2\n")


if __name__ == "__main__":
    main()
