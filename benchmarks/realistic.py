"""What real GitOps repositories carry besides plain block YAML, for generate.py's realistic trees.

The shares are measured on the real-world corpus (58 snapshots of public GitOps repositories,
benchmarks/realworld/corpus.yaml) with ``python benchmarks/realworld/shapes.py``: the share of
documents that hold comments, flow collections, block scalars and so on, the share of files that
are chart templates, overlays or broken, and the sizes of CRDs and ConfigMaps. Every text here is
made up for the benchmark; nothing is copied from a repository.

Two kinds of helpers: `dress` rewrites an unrelated document the generator already made (adds
comments, labels, annotations, flow collections, quoted keys, block scalars), and the others make
whole documents or files (CRDs, SOPS-encrypted Secrets, ConfigMaps embedding YAML or JSON, Helm
charts with templates, kustomize overlays, broken files).
"""

from __future__ import annotations

import base64
import json
import math
import random
import re

# Share of documents (corpus, shapes.py "share_of_documents").
COMMENT = 0.265
FLOW_SEQUENCE = 0.109
FLOW_MAPPING = 0.093
BLOCK_SCALAR = 0.109
QUOTED_KEY = 0.022
ARGOCD_ANNOTATION = 0.015
KUSTOMIZE_LABEL = 0.101
CRD = 0.040
SOPS = 0.024
TEMPLATE = 0.076
EMBEDDED_CONFIG = 0.0097
# Share of files (shapes.py "share_of_files").
CHART_TEMPLATE_FILES = 0.049
OVERLAY_FILES = 0.019
BROKEN_FILES = 0.0006
# CRD sizes in bytes: median 8.7 KB, 90th percentile 122 KB, largest about 600 KB (lognormal).
CRD_MEDIAN_BYTES = 8_700
CRD_SIGMA = 2.05
CRD_MAX_BYTES = 600_000
# Share of CRDs a relevance filter on words admits: their text says LoadBalancer (or another
# filter word) somewhere, usually in a field description (corpus: 193 of 910).
CRD_ADMITTED = 0.21
# Lines of a ConfigMap that embeds a file: corpus median 30, 90th percentile 542.
EMBEDDED_LINES = (30, 542)

_TEXT = (
    "the controller reconciles this field when the resource changes and reports the result "
    "in status conditions so that operators can follow progress without reading logs"
)
BECH32 = "023456789acdefghjklmnpqrstuvwxyz"
WORDS = _TEXT.split(" ")
_META_LABELS = re.compile(r"^  labels:\n", re.M)
_META = re.compile(r"^metadata:\n", re.M)
_META_ANNOTATIONS = re.compile(r"^  annotations:\n", re.M)
_KEY_LINE = re.compile(r"^( *)([A-Za-z][\w.-]*): ([^|>\s\"'{\[#][^\n#]*)$", re.M)
_CLUSTER_IP_PORTS = re.compile(
    r"^  ports:\n    - name: (\S+)\n      port: (\d+)\n      targetPort: (\S+)\n"
    r"      protocol: (\S+)\n",
    re.M,
)
_SA_LINE = re.compile(r"^( +)serviceAccountName: (\S+)\n", re.M)
_TASK_ARGS = re.compile(r"^( +)args: \[run-task, --task=(\S+)\]\n", re.M)


def sentence(rng: random.Random, words: int = 8) -> str:
    start = rng.randrange(len(WORDS))
    picked = [WORDS[(start + i) % len(WORDS)] for i in range(words)]
    return " ".join(picked).capitalize()


def dress(doc: str, rng: random.Random, name: str, boost: float = 1.0) -> str:
    """An unrelated document as people write them: each shape with its corpus share, times
    `boost` (the generator dresses only its unrelated documents, so it raises the odds to keep
    the shares of the whole tree on the corpus's)."""
    shares = {
        k: min(1.0, v * boost)
        for k, v in (("kustomize", KUSTOMIZE_LABEL), ("quoted", QUOTED_KEY),
                     ("argocd", ARGOCD_ANNOTATION), ("flow", FLOW_MAPPING),
                     ("block", BLOCK_SCALAR), ("comment", COMMENT))
    }  # fmt: skip
    if rng.random() < shares["kustomize"] and _META_LABELS.search(doc):
        doc = _META_LABELS.sub(
            "  labels:\n    app.kubernetes.io/managed-by: kustomize\n"
            f"    app.kubernetes.io/instance: {name}\n",
            doc,
            count=1,
        )
    if rng.random() < shares["quoted"] and _META_LABELS.search(doc):
        chart = f"{name}-{rng.randint(1, 9)}.{rng.randint(0, 20)}.0"
        doc = _META_LABELS.sub(
            f'  labels:\n    "helm.sh/chart": "{chart}"\n',
            doc,
            count=1,
        )
    if rng.random() < shares["argocd"]:
        lines = (
            f'    argocd.argoproj.io/sync-wave: "{rng.randint(-3, 10)}"\n'
            "    argocd.argoproj.io/sync-options: ServerSideApply=true,Prune=false\n"
        )
        if _META_ANNOTATIONS.search(doc):
            doc = _META_ANNOTATIONS.sub("  annotations:\n" + lines, doc, count=1)
        else:
            doc = _META.sub("metadata:\n  annotations:\n" + lines, doc, count=1)
    if rng.random() < shares["flow"]:
        doc = _CLUSTER_IP_PORTS.sub(
            r"  ports: [{name: \1, port: \2, targetPort: \3, protocol: \4}]\n", doc, count=1
        )
        doc = _SA_LINE.sub(
            r"\1serviceAccountName: \2\n\1nodeSelector: {kubernetes.io/os: linux}\n"
            r"\1tolerations: [{key: dedicated, operator: Equal, value: \2, effect: NoSchedule}]\n",
            doc,
            count=1,
        )
    if rng.random() < shares["block"]:
        doc = _TASK_ARGS.sub(
            r"\1command: [/bin/sh, -c]\n\1args:\n\1  - |\n\1    set -eu\n"
            r"\1    echo starting \2\n\1    exec run-task --task=\2\n",
            doc,
            count=1,
        )
    if rng.random() < shares["comment"]:
        doc = _comment(doc, rng)
    return doc


def _comment(doc: str, rng: random.Random) -> str:
    """A comment line after the marker and a few trailing comments on `key: value` lines."""
    head, sep, body = doc.partition("---\n")
    body = f"# {sentence(rng, rng.randint(4, 12))}\n{body}"
    matches = list(_KEY_LINE.finditer(body))
    for m in sorted(
        rng.sample(matches, min(len(matches), rng.randint(1, 4))), key=lambda m: -m.start()
    ):
        body = body[: m.end()] + f"  # {sentence(rng, rng.randint(2, 6)).lower()}" + body[m.end() :]
    return head + sep + body


# --- whole documents ------------------------------------------------------------------------


def crd_size(rng: random.Random) -> int:
    size = math.exp(rng.gauss(math.log(CRD_MEDIAN_BYTES), CRD_SIGMA))
    return int(min(max(size, 600), CRD_MAX_BYTES))


def crd(rng: random.Random, group: str, kind: str, size: int, admitted: bool) -> str:
    """A CustomResourceDefinition of about `size` bytes: nested properties with descriptions."""
    plural = kind.lower() + "s"
    out = [
        "---",
        "apiVersion: apiextensions.k8s.io/v1",
        "kind: CustomResourceDefinition",
        "metadata:",
        "  annotations:",
        "    controller-gen.kubebuilder.io/version: v0.14.0",
        f"  name: {plural}.{group}",
        "spec:",
        f"  group: {group}",
        "  names:",
        f"    kind: {kind}",
        f"    listKind: {kind}List",
        f"    plural: {plural}",
        f"    singular: {kind.lower()}",
        "  scope: Namespaced",
        "  versions:",
        "    - name: v1",
        "      served: true",
        "      storage: true",
        "      subresources:",
        "        status: {}",
        "      schema:",
        "        openAPIV3Schema:",
        "          type: object",
        "          properties:",
    ]
    length = sum(len(line) + 1 for line in out)
    budget = size
    fields = 0

    def prop(indent: int, depth: int) -> None:
        nonlocal length, fields
        pad = " " * indent
        name = f"field{fields}{rng.choice(('Name', 'Spec', 'Ref', 'Count', 'Mode', 'Port'))}"
        fields += 1
        lines = [f"{pad}{name}:", f"{pad}  description: |-"]
        for _ in range(rng.randint(1, 4)):
            lines.append(f"{pad}    {sentence(rng, rng.randint(8, 16))}.")
        if admitted and fields == 3:
            lines.append(f"{pad}    One of ClusterIP, NodePort or LoadBalancer.")
        if depth < 4 and rng.random() < 0.3:
            lines += [f"{pad}  type: object", f"{pad}  properties:"]
            out.extend(lines)
            length += sum(len(line) + 1 for line in lines)
            for _ in range(rng.randint(1, 4)):
                if length < budget:
                    prop(indent + 4, depth + 1)
            return
        kind_line = rng.choice(("type: string", "type: integer", "type: boolean"))
        lines.append(f"{pad}  {kind_line}")
        if kind_line == "type: string" and rng.random() < 0.3:
            lines.append(f"{pad}  enum: [{', '.join(rng.sample(WORDS, 3))}]")
        out.extend(lines)
        length += sum(len(line) + 1 for line in lines)

    out += ["            spec:", "              type: object", "              properties:"]
    while length < budget or fields < 3:
        prop(16, 0)
    out += [
        "            status:",
        "              type: object",
        "              x-kubernetes-preserve-unknown-fields: true",
    ]
    return "\n".join(out) + "\n"


def sops_secret(rng: random.Random, name: str, namespace: str) -> str:
    """A Secret encrypted with SOPS (age): ENC[...] values and the `sops:` block."""

    def enc(n: int) -> str:
        data = base64.b64encode(rng.randbytes(n)).decode()
        iv = base64.b64encode(rng.randbytes(12)).decode()
        tag = base64.b64encode(rng.randbytes(16)).decode()
        return f"ENC[AES256_GCM,data:{data},iv:{iv},tag:{tag},type:str]"

    keys = rng.sample(["username", "password", "token", "api-key", "url", "client-secret"], 3)
    data = "".join(f"    {key}: {enc(rng.randint(12, 48))}\n" for key in keys)
    armor = "\n".join(
        "            " + base64.b64encode(rng.randbytes(48)).decode() for _ in range(5)
    )
    return f"""---
apiVersion: v1
kind: Secret
metadata:
    name: {name}
    namespace: {namespace}
type: Opaque
stringData:
{data}sops:
    kms: []
    gcp_kms: []
    azure_kv: []
    hc_vault: []
    age:
        - recipient: age1{"".join(rng.choice(BECH32) for _ in range(58))}
          enc: |
            -----BEGIN AGE ENCRYPTED FILE-----
{armor}
            -----END AGE ENCRYPTED FILE-----
    lastmodified: "2024-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}T10:00:00Z"
    mac: {enc(32)}
    encrypted_regex: ^(data|stringData)$
    version: 3.8.1
"""


def embedded_configmap(rng: random.Random, name: str, namespace: str) -> str:
    """A ConfigMap holding a YAML file or a JSON dashboard in a block scalar."""
    lines = int(min(max(rng.lognormvariate(math.log(EMBEDDED_LINES[0]), 1.5), 8), 3000))
    if rng.random() < 0.5:
        panels = [
            {"id": i, "type": "timeseries", "title": sentence(rng, 3),
             "targets": [{"expr": f'sum(rate(http_requests_total{{app="{name}"}}[5m]))'}]}
            for i in range(max(1, lines // 12))
        ]  # fmt: skip
        body = json.dumps({"title": name, "panels": panels}, indent=2).split("\n")
        key = "dashboard.json"
    else:
        body = []
        while len(body) < lines:
            i = len(body)
            severity = rng.choice(("warning", "critical"))
            body += [f"rule_{i}:", f'  expr: up{{job="{name}"}} == 0',
                     f"  for: {rng.randint(1, 30)}m", "  labels:",
                     f"    severity: {severity}"]  # fmt: skip
        key = "config.yaml"
    text = "".join(f"    {line}\n" for line in body)
    return f"""---
apiVersion: v1
kind: ConfigMap
metadata:
  name: {name}-{key.split(".")[0]}
  namespace: {namespace}
data:
  {key}: |
{text}"""


# --- whole files ----------------------------------------------------------------------------


IMAGE_TAG = ".Values.image.tag | default .Chart.AppVersion"


def helm_chart(name: str, rng: random.Random) -> dict[str, str]:
    """A small application chart: Chart.yaml, values.yaml and templates with `{{ }}`."""
    files = {
        "Chart.yaml": f"apiVersion: v2\nname: {name}\ndescription: {sentence(rng, 6)}\n"
        f"type: application\nversion: 0.{rng.randint(1, 30)}.0\n"
        f'appVersion: "1.{rng.randint(0, 9)}"\n',
        "values.yaml": f"""# Default values for {name}.
replicaCount: 2
image:
  repository: registry.example.internal/{name}
  tag: ""
service:
  type: ClusterIP
  port: 80
resources: {{}}
podAnnotations: {{}}
""",
        "templates/_helpers.tpl": f'{{{{- define "{name}.fullname" -}}}}\n'
        f'{{{{- printf "%s-%s" .Release.Name "{name}" | trunc 63 | trimSuffix "-" }}}}\n'
        "{{- end }}\n",
        "templates/deployment.yaml": f"""apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{{{ include "{name}.fullname" . }}}}
  labels:
    app.kubernetes.io/name: {name}
    app.kubernetes.io/instance: {{{{ .Release.Name }}}}
spec:
  replicas: {{{{ .Values.replicaCount }}}}
  selector:
    matchLabels:
      app.kubernetes.io/name: {name}
  template:
    metadata:
      {{{{- with .Values.podAnnotations }}}}
      annotations:
        {{{{- toYaml . | nindent 8 }}}}
      {{{{- end }}}}
      labels:
        app.kubernetes.io/name: {name}
    spec:
      containers:
        - name: {name}
          image: "{{{{ .Values.image.repository }}}}:{{{{ {IMAGE_TAG} }}}}"
          ports:
            - name: http
              containerPort: 8080
          resources:
            {{{{- toYaml .Values.resources | nindent 12 }}}}
""",
        "templates/service.yaml": f"""apiVersion: v1
kind: Service
metadata:
  name: {{{{ include "{name}.fullname" . }}}}
spec:
  type: {{{{ .Values.service.type }}}}
  ports:
    - port: {{{{ .Values.service.port }}}}
      targetPort: http
  selector:
    app.kubernetes.io/name: {name}
""",
        "templates/serviceaccount.yaml": f"""{{{{- if .Values.serviceAccount.create -}}}}
apiVersion: v1
kind: ServiceAccount
metadata:
  name: {{{{ include "{name}.fullname" . }}}}
{{{{- end }}}}
""",
    }
    return files


def overlay(cluster: str, app: str, rng: random.Random) -> dict[str, str]:
    """A kustomize overlay of an app for one cluster: a kustomization and a patch."""
    return {
        "kustomization.yaml": f"""apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
  - ../..
patches:
  - path: replicas.yaml
    target:
      kind: Deployment
      name: {app}
""",
        "replicas.yaml": f"""# {cluster}: {sentence(rng, 5).lower()}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {app}
spec:
  replicas: {rng.randint(1, 8)}
""",
    }


def broken(doc: str) -> str:
    """A document with a YAML syntax error people make: a key indented one space too far."""
    lines = doc.split("\n")
    for i, line in enumerate(lines):
        if i > 3 and line.startswith("  ") and not line.startswith("   ") and ":" in line:
            lines[i] = " " + line
            break
    return "\n".join(lines)
