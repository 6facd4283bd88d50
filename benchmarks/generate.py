"""Generate a deterministic GitOps-like repository tree for benchmarking metallb-lint.

Usage::

    python benchmarks/generate.py --scale {small,medium,large,findings} OUTDIR [--files N]

The tree looks like a real Argo CD repository: ``clusters/<cluster>/`` (bootstrap and
ApplicationSets), ``infrastructure/metallb-system/`` (an umbrella chart around the official
``metallb`` chart 0.14.8), ``infrastructure/metallb-config/`` (IPAddressPools, advertisements,
BGP peers, all in ``metallb-system``), other ``infrastructure/<component>/`` directories and
``apps/<team>/<app>/``. About 70% of the documents are unrelated Kubernetes objects; most of the
rest are LoadBalancer Services requesting unique addresses inside the pools, so the tree is
mostly clean. A few ``bundle.yaml`` files mix twenty Deployments with one LoadBalancer Service.

The ``findings`` scale is different: 10,000 LoadBalancer Services that each request an address
outside every pool (172.16.x.y against 10.x pools), to benchmark report rendering.

With ``--realistic`` the tree also carries what real repositories do, in the shares measured on
the real-world corpus (benchmarks/realistic.py): comments, flow collections, block scalars,
quoted keys, Argo CD annotations and kustomize labels on unrelated documents, CRDs (most of a real
repository's bytes), SOPS-encrypted Secrets, ConfigMaps embedding YAML or JSON, Helm charts with
templates, kustomize overlays and a few files that do not parse.

The output depends only on the scale, ``--files``, ``--seed`` and ``--realistic``: same
arguments, same bytes.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import math
import random
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import realistic  # benchmarks/ is not a package

SEED = 20240820
SCALE_FILES = {"small": 50, "medium": 2_000, "large": 20_000}
SCALES = (*SCALE_FILES, "findings")
FINDINGS_SERVICES = 10_000
UNRELATED_SHARE = 0.7
MAX_DOCS = 10  # per ordinary file; bundles are the exception
BUNDLE_DEPLOYMENTS = 20
POOL_FILL = 0.7  # explicit requests fill at most this share of a pool: room for auto-assignment
MIN_FILES = 30
# Realistic trees (realistic.py): documents per ordinary file (for the CRD count), CRDs per
# bundle file on average, template files per chart, and the shares of secrets.yaml files
# encrypted with SOPS and of ConfigMaps embedding a file, tuned so that the tree's shares
# (benchmarks/realworld/shapes.py) match the corpus's.
DOCS_PER_FILE = 5.2
CRDS_PER_FILE = 5
CHART_TEMPLATES = 3  # YAML files among them (_helpers.tpl is not)
SOPS_SECRET_FILES = 0.25
EMBEDDED_CONFIGMAPS = 0.1

METALLB_NS = "metallb-system"
CHART_VERSION = "0.14.8"
CHART_REPO = "https://metallb.github.io/metallb"
GIT_REPO = "https://git.example.internal/platform/gitops.git"
REGISTRY = "registry.example.internal"

TEAMS = (
    "payments", "search", "media", "identity", "data", "growth", "mobile", "messaging",
    "checkout", "catalog", "ml", "security", "frontend", "billing", "logistics", "support",
    "analytics", "iot", "voice", "maps",
)  # fmt: skip
APP_PREFIXES = (
    "orders", "users", "ledger", "images", "events", "reports", "invoices", "feeds", "sessions",
    "metrics", "alerts", "profiles", "products", "carts", "tickets", "streams",
)  # fmt: skip
APP_SUFFIXES = (
    "api", "worker", "gateway", "web", "cache", "scheduler", "ingest", "exporter", "broker",
    "indexer", "notifier", "auth", "renderer", "sync", "proxy",
)  # fmt: skip
INFRA_COMPONENTS = (
    "cert-manager", "external-dns", "ingress-nginx", "monitoring", "sealed-secrets", "longhorn",
    "velero", "kyverno",
)  # fmt: skip
CLUSTERS = ("production", "staging", "edge")
LB_PORTS: tuple[tuple[tuple[str, int, str], ...], ...] = (
    (("http", 80, "TCP"), ("https", 443, "TCP")),
    (("dns-tcp", 53, "TCP"),),
    (("dns-udp", 53, "UDP"),),
    (("mqtt", 1883, "TCP"), ("mqtts", 8883, "TCP")),
    (("game", 27015, "UDP"),),
    (("postgres", 5432, "TCP"),),
    (("grpc", 9090, "TCP"),),
    (("smtp", 25, "TCP"), ("submission", 587, "TCP")),
    (("syslog", 514, "UDP"),),
    (("https", 443, "TCP"),),
)
# How a LoadBalancer Service gets its address, with weights.
LB_MODES = (
    ("annotation", 55),
    ("annotation+pool", 10),
    ("spec", 15),
    ("auto", 12),
    ("auto+pool", 8),
)


@dataclass
class LBService:
    """A LoadBalancer Service whose address is assigned after all Services are known."""

    namespace: str
    name: str
    app: str
    team: str
    mode: str
    ports: tuple[tuple[str, int, str], ...]
    local_traffic: bool
    ip: str | None = None
    pool: str | None = None

    @property
    def requests_ip(self) -> bool:
        return not self.mode.startswith("auto")


Doc = str | LBService


@dataclass
class FilePlan:
    """One file to write: its path relative to the tree and its documents."""

    path: str
    docs: list[Doc]


@dataclass
class Pool:
    """An IPAddressPool carved out of 10.64.0.0/10, one /24 each, so pools never overlap."""

    index: int
    form: str  # "cidr", "range" or "split" (two /25 entries)
    bgp: bool
    auto_assign: bool
    assigned: int = 0

    @property
    def name(self) -> str:
        kind = "bgp" if self.bgp else "l2"
        return f"{kind}-pool-{self.index:03d}"

    @property
    def prefix(self) -> str:
        return f"10.{64 + self.index // 256}.{self.index % 256}"

    @property
    def first_host(self) -> int:
        return 10 if self.form == "range" else 1

    @property
    def capacity(self) -> int:
        """Usable addresses: .10-.250 for ranges, .1-.254 for CIDRs (avoidBuggyIPs)."""
        return 241 if self.form == "range" else 254

    def addresses(self) -> list[str]:
        p = self.prefix
        if self.form == "range":
            return [f"{p}.10-{p}.250"]
        if self.form == "split":
            return [f"{p}.0/25", f"{p}.128/25"]
        return [f"{p}.0/24"]

    def take(self) -> str:
        ip = f"{self.prefix}.{self.first_host + self.assigned}"
        self.assigned += 1
        return ip


@dataclass
class AppCtx:
    """Names shared by all documents of one app (or infrastructure component)."""

    team: str
    app: str
    namespace: str
    rng: random.Random
    version: str = field(init=False)

    def __post_init__(self) -> None:
        r = self.rng
        self.version = f"{r.randint(1, 4)}.{r.randint(0, 30)}.{r.randint(0, 12)}"

    def labels(self, indent: int, component: str | None = None) -> str:
        pad = " " * indent
        lines = [f"{pad}app.kubernetes.io/name: {self.app}"]
        if component:
            lines.append(f"{pad}app.kubernetes.io/component: {component}")
        lines.append(f"{pad}app.kubernetes.io/part-of: {self.team}")
        return "\n".join(lines)

    def meta(self, name: str, component: str | None = None) -> str:
        return (
            f"metadata:\n  name: {name}\n  namespace: {self.namespace}\n  labels:\n"
            f"{self.labels(4, component)}\n"
        )


@dataclass
class Stats:
    files: int = 0
    documents: int = 0
    unrelated: int = 0
    related: int = 0
    lb_services: int = 0
    pools: int = 0
    seconds: float = 0.0


# --- unrelated documents ------------------------------------------------------------------------


def _hex(rng: random.Random, n: int = 40) -> str:
    return "".join(rng.choice("0123456789abcdef") for _ in range(n))


def deployment(c: AppCtx, name: str, component: str) -> str:
    r = c.rng
    port = r.choice((8080, 8000, 3000, 9000, 8443))
    mem = r.choice((128, 256, 512, 1024))
    env = "".join(
        f'            - name: FEATURE_{i}\n              value: "{r.choice(("on", "off"))}"\n'
        for i in range(r.randint(0, 6))
    )
    return f"""---
apiVersion: apps/v1
kind: Deployment
{c.meta(name, component)}spec:
  replicas: {r.randint(1, 6)}
  revisionHistoryLimit: 5
  selector:
    matchLabels:
      app.kubernetes.io/name: {c.app}
      app.kubernetes.io/component: {component}
  template:
    metadata:
      labels:
{c.labels(8, component)}
      annotations:
        checksum/config: {_hex(r)}
    spec:
      serviceAccountName: {c.app}
      securityContext:
        runAsNonRoot: true
        runAsUser: {r.randint(1000, 65000)}
        fsGroup: 2000
      containers:
        - name: {component}
          image: {REGISTRY}/{c.team}/{c.app}:{c.version}
          imagePullPolicy: IfNotPresent
          args: ["--port={port}", "--log-level=info"]
          ports:
            - name: http
              containerPort: {port}
              protocol: TCP
          env:
            - name: APP_ENV
              value: production
            - name: DATABASE_URL
              valueFrom:
                secretKeyRef:
                  name: {c.app}-db
                  key: url
{env}          envFrom:
            - configMapRef:
                name: {c.app}-config
          resources:
            requests:
              cpu: {r.choice((50, 100, 250, 500))}m
              memory: {mem}Mi
            limits:
              memory: {mem * 2}Mi
          readinessProbe:
            httpGet:
              path: /healthz
              port: http
            periodSeconds: 10
          livenessProbe:
            httpGet:
              path: /livez
              port: http
            initialDelaySeconds: 15
          volumeMounts:
            - name: tmp
              mountPath: /tmp
      volumes:
        - name: tmp
          emptyDir: {{}}
"""


def configmap(c: AppCtx, name: str) -> str:
    r = c.rng
    settings = "".join(
        f"    {key} = {r.randint(1, 5000)}\n"
        for key in r.sample(
            ["workers", "timeout_ms", "max_conns", "batch", "retries", "cache_mb", "shards"],
            r.randint(2, 7),
        )
    )
    return f"""---
apiVersion: v1
kind: ConfigMap
{c.meta(name)}data:
  LOG_LEVEL: info
  LISTEN_PORT: "8080"
  app.conf: |
    [server]
    name = {c.app}
{settings}"""


def secret(c: AppCtx, name: str) -> str:
    r = c.rng
    data = "".join(
        f"  {key}: {base64.b64encode(r.randbytes(r.randint(12, 48))).decode()}\n"
        for key in r.sample(["username", "password", "url", "token", "api-key", "tls.key"], 3)
    )
    return f"""---
apiVersion: v1
kind: Secret
{c.meta(name)}type: Opaque
data:
{data}"""


def service_account(c: AppCtx, name: str) -> str:
    return (
        f"---\napiVersion: v1\nkind: ServiceAccount\n{c.meta(name)}"
        "automountServiceAccountToken: false\n"
    )


def role(c: AppCtx, name: str) -> str:
    res = c.rng.sample(["configmaps", "secrets", "pods", "endpoints", "events", "leases"], 2)
    return f"""---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
{c.meta(name)}rules:
  - apiGroups: [""]
    resources: [{", ".join(res)}]
    verbs: [get, list, watch]
"""


def role_binding(c: AppCtx, name: str) -> str:
    return f"""---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
{c.meta(name)}roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: Role
  name: {name}
subjects:
  - kind: ServiceAccount
    name: {c.app}
    namespace: {c.namespace}
"""


def cluster_role(c: AppCtx, name: str) -> str:
    return f"""---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: {c.namespace}-{name}
rules:
  - apiGroups: [""]
    resources: [nodes, namespaces]
    verbs: [get, list, watch]
"""


def cluster_ip_service(c: AppCtx, name: str) -> str:
    kind_line = "  type: ClusterIP\n" if c.rng.random() < 0.5 else ""
    return f"""---
apiVersion: v1
kind: Service
{c.meta(name)}spec:
{kind_line}  selector:
    app.kubernetes.io/name: {c.app}
  ports:
    - name: http
      port: 80
      targetPort: http
      protocol: TCP
"""


def ingress(c: AppCtx, name: str) -> str:
    host = f"{name}.{c.team}.example.com"
    return f"""---
apiVersion: networking.k8s.io/v1
kind: Ingress
{c.meta(name)}  annotations:
    cert-manager.io/cluster-issuer: letsencrypt
    nginx.ingress.kubernetes.io/proxy-body-size: 16m
spec:
  ingressClassName: nginx
  tls:
    - hosts: [{host}]
      secretName: {name}-tls
  rules:
    - host: {host}
      http:
        paths:
          - path: /
            pathType: Prefix
            backend:
              service:
                name: {c.app}
                port:
                  name: http
"""


def cronjob(c: AppCtx, name: str) -> str:
    r = c.rng
    return f"""---
apiVersion: batch/v1
kind: CronJob
{c.meta(name, "job")}spec:
  schedule: "{r.randint(0, 59)} {r.randint(0, 23)} * * *"
  concurrencyPolicy: Forbid
  successfulJobsHistoryLimit: 3
  jobTemplate:
    spec:
      backoffLimit: 2
      template:
        spec:
          restartPolicy: OnFailure
          serviceAccountName: {c.app}
          containers:
            - name: job
              image: {REGISTRY}/{c.team}/{c.app}:{c.version}
              args: [run-task, --task={name}]
              resources:
                requests:
                  cpu: 100m
                  memory: 128Mi
"""


def hpa(c: AppCtx, name: str) -> str:
    return f"""---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
{c.meta(name)}spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: {name}
  minReplicas: 2
  maxReplicas: {c.rng.randint(4, 20)}
  metrics:
    - type: Resource
      resource:
        name: cpu
        target:
          type: Utilization
          averageUtilization: 70
"""


def pdb(c: AppCtx, name: str) -> str:
    return f"""---
apiVersion: policy/v1
kind: PodDisruptionBudget
{c.meta(name)}spec:
  minAvailable: 1
  selector:
    matchLabels:
      app.kubernetes.io/name: {c.app}
"""


def network_policy(c: AppCtx, name: str) -> str:
    return f"""---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
{c.meta(name)}spec:
  podSelector:
    matchLabels:
      app.kubernetes.io/name: {c.app}
  policyTypes: [Ingress]
  ingress:
    - from:
        - namespaceSelector:
            matchLabels:
              kubernetes.io/metadata.name: ingress-nginx
      ports:
        - protocol: TCP
          port: {c.rng.choice((8080, 8000, 3000))}
"""


def service_monitor(c: AppCtx, name: str) -> str:
    return f"""---
apiVersion: monitoring.coreos.com/v1
kind: ServiceMonitor
{c.meta(name)}spec:
  selector:
    matchLabels:
      app.kubernetes.io/name: {c.app}
  endpoints:
    - port: http
      path: /metrics
      interval: 30s
"""


def kustomization(c: AppCtx, resources: list[str]) -> str:
    items = "".join(f"  - {res}\n" for res in resources)
    return f"""---
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
namespace: {c.namespace}
commonLabels:
  app.kubernetes.io/part-of: {c.team}
resources:
{items}"""


DocMaker = Callable[[AppCtx, str], str]
# Unrelated files of an app: file name, probability, (min, max) documents, document makers
# cycled through, and the name suffixes of the documents.
ROLES: tuple[tuple[str, float, tuple[int, int], tuple[DocMaker, ...], str], ...] = (
    ("deployment.yaml", 1.0, (2, 8), (deployment, cluster_ip_service, hpa, pdb), "app"),
    ("rbac.yaml", 0.9, (3, 8), (service_account, role, role_binding, cluster_role), "rbac"),
    ("configmaps.yaml", 0.7, (2, 10), (configmap,), "config"),
    ("secrets.yaml", 0.6, (2, 10), (secret,), "secret"),
    ("ingress.yaml", 0.6, (1, 6), (ingress,), "ing"),
    ("cronjobs.yaml", 0.5, (3, 10), (cronjob,), "cron"),
    ("networkpolicies.yaml", 0.4, (2, 10), (network_policy,), "np"),
    ("monitoring.yaml", 0.4, (1, 8), (service_monitor,), "mon"),
)


def role_docs(c: AppCtx, makers: tuple[DocMaker, ...], suffix: str, n: int) -> list[Doc]:
    docs: list[Doc] = []
    for i in range(n):
        maker = makers[i % len(makers)]
        name = c.app if i < len(makers) else f"{c.app}-{suffix}-{i}"
        if maker is deployment:
            docs.append(deployment(c, name, "server"))
        else:
            docs.append(maker(c, name))
    return docs


# --- MetalLB documents ------------------------------------------------------------------------


def render_lb_service(s: LBService) -> str:
    annotations: list[str] = []
    spec_ip = ""
    if s.mode in ("annotation", "annotation+pool"):
        annotations.append(f"    metallb.universe.tf/loadBalancerIPs: {s.ip}")
    if s.mode in ("annotation+pool", "auto+pool"):
        annotations.append(f"    metallb.universe.tf/address-pool: {s.pool}")
    if s.mode == "spec":
        spec_ip = f"  loadBalancerIP: {s.ip}\n"
    ann = "  annotations:\n" + "\n".join(annotations) + "\n" if annotations else ""
    ports = "".join(
        f"    - name: {pname}\n      port: {port}\n      targetPort: {port}\n"
        f"      protocol: {proto}\n"
        for pname, port, proto in s.ports
    )
    policy = "Local" if s.local_traffic else "Cluster"
    return f"""---
apiVersion: v1
kind: Service
metadata:
  name: {s.name}
  namespace: {s.namespace}
  labels:
    app.kubernetes.io/name: {s.app}
    app.kubernetes.io/part-of: {s.team}
{ann}spec:
  type: LoadBalancer
{spec_ip}  externalTrafficPolicy: {policy}
  selector:
    app.kubernetes.io/name: {s.app}
  ports:
{ports}"""


def render_pool(p: Pool) -> str:
    addresses = "".join(f"    - {a}\n" for a in p.addresses())
    avoid = "false" if p.form == "range" else "true"
    tier = "bgp" if p.bgp else "l2"
    auto = "" if p.auto_assign else "  autoAssign: false\n"
    return f"""---
apiVersion: metallb.io/v1beta1
kind: IPAddressPool
metadata:
  name: {p.name}
  namespace: {METALLB_NS}
  labels:
    pool-tier: {tier}
spec:
  addresses:
{addresses}  avoidBuggyIPs: {avoid}
{auto}"""


def render_l2_advertisement(name: str, pools: list[Pool]) -> str:
    names = "".join(f"    - {p.name}\n" for p in pools)
    return f"""---
apiVersion: metallb.io/v1beta1
kind: L2Advertisement
metadata:
  name: {name}
  namespace: {METALLB_NS}
spec:
  ipAddressPools:
{names}"""


def render_bgp_advertisement(name: str, pools: list[Pool]) -> str:
    names = "".join(f"    - {p.name}\n" for p in pools)
    return f"""---
apiVersion: metallb.io/v1beta1
kind: BGPAdvertisement
metadata:
  name: {name}
  namespace: {METALLB_NS}
spec:
  ipAddressPools:
{names}  aggregationLength: 32
  peers:
    - tor-a
    - tor-b
"""


BGP_PEERS = [
    f"""---
apiVersion: metallb.io/v1beta2
kind: BGPPeer
metadata:
  name: {name}
  namespace: {METALLB_NS}
spec:
  myASN: 64512
  peerASN: 64513
  peerAddress: {address}
"""
    for name, address in (("tor-a", "10.0.0.1"), ("tor-b", "10.0.0.2"))
]

CHART_YAML = f"""---
apiVersion: v2
name: metallb-system
description: Umbrella chart installing MetalLB with this cluster's values
type: application
version: 1.4.2
appVersion: "{CHART_VERSION}"
dependencies:
  - name: metallb
    version: {CHART_VERSION}
    repository: {CHART_REPO}
"""

CHART_LOCK = f"""dependencies:
- name: metallb
  repository: {CHART_REPO}
  version: {CHART_VERSION}
digest: sha256:{hashlib.sha256(CHART_VERSION.encode()).hexdigest()}
generated: "2024-08-20T10:00:00.000000000Z"
"""

CHART_VALUES = """---
metallb:
  controller:
    logLevel: info
    resources:
      requests:
        cpu: 50m
        memory: 64Mi
      limits:
        memory: 128Mi
  speaker:
    logLevel: info
    tolerateMaster: true
    resources:
      requests:
        cpu: 50m
        memory: 64Mi
      limits:
        memory: 256Mi
    frr:
      enabled: true
"""


# --- tree planning ------------------------------------------------------------------------------


class TreeBuilder:
    """Plans every file of the tree, then assigns addresses, then writes."""

    def __init__(self, n_files: int, seed: int, realistic: bool = False) -> None:
        self.rng = random.Random(seed)
        self.realistic = realistic
        self.n_files = n_files
        self.files: list[FilePlan] = []
        self.lb_services: list[LBService] = []
        self.pools: list[Pool] = []
        self.docs = 0
        self.related = 0
        self.n_teams = min(len(TEAMS) * 2, max(2, n_files // 150))
        self.n_clusters = 1 if n_files < 500 else 2 if n_files < 10_000 else 3
        self.n_infra = min(len(INFRA_COMPONENTS), max(2, n_files // 150))
        self.app_dirs: dict[str, list[str]] = {}

    # names ------------------------------------------------------------------------------------

    def team(self, i: int) -> str:
        base = TEAMS[i % len(TEAMS)]
        return base if i < len(TEAMS) else f"{base}-{i // len(TEAMS) + 1}"

    @staticmethod
    def app_name(i: int) -> str:
        combos = len(APP_PREFIXES) * len(APP_SUFFIXES)
        j = i % combos
        name = f"{APP_PREFIXES[j % len(APP_PREFIXES)]}-{APP_SUFFIXES[j // len(APP_PREFIXES)]}"
        return name if i < combos else f"{name}-{i // combos + 1}"

    # bookkeeping ------------------------------------------------------------------------------

    def add(self, path: str, docs: list[Doc], metallb: int = 0) -> None:
        """Record a file; ``metallb`` counts its MetalLB documents other than Services."""
        services = [d for d in docs if isinstance(d, LBService)]
        self.lb_services += services
        self.files.append(FilePlan(path, docs))
        self.docs += len(docs)
        self.related += metallb + len(services)

    def lb_deficit(self, extra_docs: int) -> int:
        """LoadBalancer Services still needed for the related share after ``extra_docs`` more."""
        related_share = 1.0 - UNRELATED_SHARE
        need = (related_share * (self.docs + extra_docs) - self.related) / UNRELATED_SHARE
        return max(0, round(need))

    def new_lb(self, c: AppCtx, name: str, mode: str | None = None) -> LBService:
        r = c.rng
        if mode is None:
            mode = r.choices([m for m, _ in LB_MODES], [w for _, w in LB_MODES])[0]
        return LBService(
            namespace=c.namespace,
            name=name,
            app=c.app,
            team=c.team,
            mode=mode,
            ports=r.choice(LB_PORTS),
            local_traffic=r.random() < 0.3,
        )

    # apps -------------------------------------------------------------------------------------

    def plan_app(
        self, c: AppCtx, base: str, budget: int, bundle: bool = False, lb: bool = True
    ) -> list[FilePlan]:
        """Files of one app: unrelated roles, then enough LoadBalancer Services to keep the
        related share on target, then the kustomization listing them all."""
        r = c.rng
        plans: list[FilePlan] = []
        unrelated = 0
        for fname, prob, (lo, hi), makers, suffix in ROLES:
            if fname != "deployment.yaml" and r.random() >= prob:
                continue
            docs = role_docs(c, makers, suffix, r.randint(lo, hi))
            plans.append(FilePlan(f"{base}/{fname}", docs))
            unrelated += len(docs)
        if bundle:
            docs = [deployment(c, f"{c.app}-shard-{i:02d}", "shard") for i in range(20)]
            docs.append(self.new_lb(c, f"{c.app}-shards", "annotation"))
            plans.append(FilePlan(f"{base}/bundle.yaml", docs))
            unrelated += BUNDLE_DEPLOYMENTS
        n_lb = min(3 * MAX_DOCS, self.lb_deficit(unrelated + 1)) if lb else 0
        for k in range(math.ceil(n_lb / MAX_DOCS)):
            count = min(MAX_DOCS, n_lb - k * MAX_DOCS)
            docs = [self.new_lb(c, f"{c.app}-lb-{k * MAX_DOCS + i}") for i in range(count)]
            plans.append(
                FilePlan(f"{base}/{'service' if k == 0 else f'service-{k + 1}'}.yaml", docs)
            )
        plans = plans[: max(0, budget - 1)]  # the last app of the tree may not fit whole
        names = [p.path.rsplit("/", 1)[1] for p in plans]
        plans.append(FilePlan(f"{base}/kustomization.yaml", [kustomization(c, names)]))
        return plans

    def add_app_plans(self, plans: list[FilePlan]) -> None:
        for p in plans:
            if self.realistic:
                self.dress(p)
            self.add(p.path, p.docs)

    # realistic trees ----------------------------------------------------------------------------

    def dress(self, plan: FilePlan) -> None:
        """Unrelated documents as people write them (realistic.py): SOPS-encrypted Secrets,
        ConfigMaps embedding files, and the shapes `realistic.dress` adds."""
        r = self.rng
        base, name = plan.path.rsplit("/", 1)
        app = base.rsplit("/", 1)[1]
        namespace = base.split("/")[1]
        if name == "secrets.yaml" and r.random() < SOPS_SECRET_FILES:
            plan.docs = [
                realistic.sops_secret(r, f"{app}-secret-{i}", namespace)
                for i in range(len(plan.docs))
            ]
            return
        docs: list[Doc] = []
        for i, doc in enumerate(plan.docs):
            if not isinstance(doc, str):
                docs.append(doc)
            elif name == "configmaps.yaml" and r.random() < EMBEDDED_CONFIGMAPS:
                docs.append(realistic.embedded_configmap(r, f"{app}-{i}", namespace))
            else:
                docs.append(realistic.dress(doc, r, app, 1 / UNRELATED_SHARE))
        plan.docs = docs

    def realistic_budget(self) -> tuple[int, int, int, int]:
        """Files for CRDs, charts, overlays and broken files, in the corpus's shares."""
        docs = self.n_files * DOCS_PER_FILE
        crd_files = math.ceil(docs * realistic.CRD / CRDS_PER_FILE)
        charts = max(1, round(self.n_files * realistic.CHART_TEMPLATE_FILES / CHART_TEMPLATES))
        overlays = max(1, round(self.n_files * realistic.OVERLAY_FILES))
        broken = max(1, round(self.n_files * realistic.BROKEN_FILES))
        return crd_files, charts, overlays, broken

    def plan_realistic(self, crd_files: int, charts: int) -> int:
        """CRD bundles and application charts; returns the files used."""
        used = 0
        comps = INFRA_COMPONENTS[: self.n_infra]
        for k in range(crd_files):
            comp = comps[k % len(comps)]
            group = f"{comp.replace('-', '')}.example.io"
            docs: list[Doc] = []
            for i in range(self.rng.randint(1, 2 * CRDS_PER_FILE - 1)):
                kind = f"{APP_PREFIXES[(k + i) % len(APP_PREFIXES)].title()}Policy{k}x{i}"
                admitted = self.rng.random() < realistic.CRD_ADMITTED
                size = realistic.crd_size(self.rng)
                docs.append(realistic.crd(self.rng, group, kind, size, admitted))
            self.add(f"infrastructure/{comp}/crds/bundle-{k + 1:03d}.yaml", docs)
            used += 1
        for k in range(charts):
            name = f"{self.app_name(k)}-chart"
            for fname, text in realistic.helm_chart(name, self.rng).items():
                self.add(f"charts/{name}/{fname}", [text])
                used += 1
        return used

    def plan_overlays(self, overlays: int, broken: int) -> None:
        """Overlays of the first apps (one per cluster in turn) and a few broken files."""
        apps = [(t, a) for t, names in sorted(self.app_dirs.items()) for a in names]
        for k in range(min(overlays, len(apps))):
            team, app = apps[k]
            cluster = CLUSTERS[k % self.n_clusters]
            for fname, text in realistic.overlay(cluster, app, self.rng).items():
                self.add(f"apps/{team}/{app}/overlays/{cluster}/{fname}", [text])
        for k in range(broken):
            team, app = apps[(k * 7 + 3) % len(apps)]
            c = AppCtx(team, app, team, self.rng)
            doc = realistic.broken(deployment(c, f"{app}-legacy", "legacy"))
            self.add(f"apps/{team}/{app}/legacy.yaml", [doc])

    def plan_infrastructure(self, budget: int) -> int:
        """Infrastructure components other than MetalLB; returns the budget left."""
        for comp in INFRA_COMPONENTS[: self.n_infra]:
            c = AppCtx("platform", comp, comp, self.rng)
            lb = comp == "ingress-nginx"  # the one component that is exposed
            plans = self.plan_app(c, f"infrastructure/{comp}", budget // 3, lb=lb)
            self.add_app_plans(plans)
            budget -= len(plans)
        return budget

    def plan_apps(self, budget: int) -> None:
        i = 0
        while budget > 0:
            team = self.team(i % self.n_teams)
            app = self.app_name(i // self.n_teams)
            c = AppCtx(team, app, team, self.rng)
            bundle = i % 37 == 1  # a few bundles at every scale
            plans = self.plan_app(c, f"apps/{team}/{app}", budget, bundle)
            self.add_app_plans(plans)
            self.app_dirs.setdefault(team, []).append(app)
            budget -= len(plans)
            i += 1

    # fixed files ------------------------------------------------------------------------------

    def pool_files_estimate(self) -> int:
        lb = self.n_files * 5 * (1 - UNRELATED_SHARE)
        return max(1, math.ceil(self.pools_needed(int(lb)) / MAX_DOCS))

    @staticmethod
    def pools_needed(requested: int) -> int:
        return max(4, math.ceil(requested / (POOL_FILL * 241)))

    def fixed_file_count(self, pool_files: int) -> int:
        metallb = 3 + 1 + pool_files + 3  # chart files, kustomization, pools, ads, peers
        clusters = self.n_clusters * (2 + self.n_teams)
        return metallb + clusters + self.n_teams  # + one namespace.yaml per team

    def plan_namespaces(self) -> None:
        for t in range(self.n_teams):
            team = self.team(t)
            self.add(f"apps/{team}/namespace.yaml", namespace_docs(team))

    def plan_clusters(self) -> None:
        infra_apps = ["metallb-system", "metallb-config", *INFRA_COMPONENTS[: self.n_infra]]
        for cluster in CLUSTERS[: self.n_clusters]:
            base = f"clusters/{cluster}"
            self.add(f"{base}/bootstrap.yaml", [app_project(cluster), root_application(cluster)])
            docs: list[Doc] = [infra_application(cluster, name) for name in infra_apps]
            self.add(f"{base}/infrastructure.yaml", docs, metallb=2)
            for t in range(self.n_teams):
                team = self.team(t)
                docs = [team_project(cluster, team), app_set(cluster, team)]
                self.add(f"{base}/apps/{team}.yaml", docs)

    def plan_metallb(self, pool_files: int) -> None:
        self.add("infrastructure/metallb-system/Chart.yaml", [CHART_YAML], metallb=1)
        self.add("infrastructure/metallb-system/Chart.lock", [CHART_LOCK], metallb=1)
        self.add("infrastructure/metallb-system/values.yaml", [CHART_VALUES], metallb=1)
        base = "infrastructure/metallb-config"
        names = [f"pools-{k + 1:02d}.yaml" for k in range(pool_files)]
        names += ["l2-advertisements.yaml", "bgp-advertisements.yaml", "bgp-peers.yaml"]
        c = AppCtx("platform", "metallb", METALLB_NS, self.rng)
        self.add(f"{base}/kustomization.yaml", [kustomization(c, names)])
        for k in range(pool_files):
            chunk = self.pools[k::pool_files]
            self.add(f"{base}/{names[k]}", [render_pool(p) for p in chunk], metallb=len(chunk))
        l2 = [p for p in self.pools if not p.bgp]
        bgp = [p for p in self.pools if p.bgp]
        l2_docs = [
            render_l2_advertisement(f"l2-{k // 8 + 1}", l2[k : k + 8]) for k in range(0, len(l2), 8)
        ]
        bgp_docs = [
            render_bgp_advertisement(f"bgp-{k // 8 + 1}", bgp[k : k + 8])
            for k in range(0, len(bgp), 8)
        ]
        self.add(f"{base}/l2-advertisements.yaml", l2_docs, metallb=len(l2_docs))
        self.add(f"{base}/bgp-advertisements.yaml", bgp_docs, metallb=len(bgp_docs))
        self.add(f"{base}/bgp-peers.yaml", list(BGP_PEERS), metallb=len(BGP_PEERS))

    # addresses --------------------------------------------------------------------------------

    def make_pools(self, requested: int) -> None:
        forms = ("cidr", "range", "split", "cidr", "range")
        self.pools = [
            Pool(i, forms[i % len(forms)], bgp=i % 3 == 2, auto_assign=i % 6 != 5)
            for i in range(self.pools_needed(requested))
        ]

    def assign_addresses(self, outside: bool = False) -> None:
        """Unique addresses: explicit requests round-robin over the pools (shuffled so the
        order of files and of addresses differ), auto-assigned Services name a pool sometimes.
        With ``outside``, every request is 172.16.x.y, outside every pool."""
        requested = [s for s in self.lb_services if s.requests_ip]
        self.rng.shuffle(requested)
        if outside:
            for k, s in enumerate(requested):
                s.ip = f"172.16.{k // 250}.{k % 250 + 1}"
            return
        for k, s in enumerate(requested):
            pool = self.pools[k % len(self.pools)]
            s.ip, s.pool = pool.take(), pool.name
        auto_pools = [p for p in self.pools if p.auto_assign]
        for s in self.lb_services:
            if s.mode == "auto+pool":
                s.pool = self.rng.choice(auto_pools).name

    # whole plans ------------------------------------------------------------------------------

    def plan_scale(self) -> None:
        pool_files = self.pool_files_estimate()
        fixed = self.fixed_file_count(pool_files)
        if self.n_files < fixed + MIN_FILES // 2:
            raise SystemExit(f"error: --files must be at least {fixed + MIN_FILES // 2}")
        extra = (0, 0, 0, 0)
        if self.realistic:
            extra = self.realistic_budget()
            crd_files, charts, overlays, broken = extra
            fixed += crd_files + charts * (CHART_TEMPLATES + 3) + overlays * 2 + broken
        self.plan_namespaces()
        self.plan_clusters()
        self.plan_apps(self.plan_infrastructure(self.n_files - fixed))
        if self.realistic:
            self.plan_realistic(extra[0], extra[1])
            self.plan_overlays(extra[2], extra[3])
        self.make_pools(sum(s.requests_ip for s in self.lb_services))
        self.assign_addresses()
        self.plan_metallb(pool_files)

    def plan_findings(self) -> None:
        """10 teams x 10 apps x 10 files x 10 Services, every one requesting 172.16.x.y."""
        self.n_teams, self.n_clusters, self.n_infra = 10, 1, 0
        self.plan_namespaces()
        self.plan_clusters()
        per_level = round(FINDINGS_SERVICES ** (1 / 4))
        for t in range(self.n_teams):
            for a in range(per_level):
                c = AppCtx(self.team(t), self.app_name(a), self.team(t), self.rng)
                for f in range(per_level):
                    docs: list[Doc] = [
                        self.new_lb(c, f"{c.app}-lb-{f * per_level + i}", "annotation")
                        for i in range(per_level)
                    ]
                    self.add(f"apps/{c.team}/{c.app}/service-{f + 1:02d}.yaml", docs)
        self.make_pools(0)
        self.assign_addresses(outside=True)
        self.plan_metallb(1)


def namespace_docs(team: str) -> list[Doc]:
    return [
        f"---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: {team}\n"
        f"  labels:\n    team: {team}\n",
        f"""---
apiVersion: v1
kind: ResourceQuota
metadata:
  name: {team}-quota
  namespace: {team}
spec:
  hard:
    requests.cpu: "40"
    requests.memory: 80Gi
""",
        f"""---
apiVersion: v1
kind: LimitRange
metadata:
  name: {team}-limits
  namespace: {team}
spec:
  limits:
    - type: Container
      defaultRequest:
        cpu: 100m
        memory: 128Mi
""",
    ]


def app_project(cluster: str) -> str:
    return f"""---
apiVersion: argoproj.io/v1alpha1
kind: AppProject
metadata:
  name: {cluster}
  namespace: argocd
spec:
  sourceRepos: ["{GIT_REPO}"]
  destinations:
    - server: https://kubernetes.default.svc
      namespace: "*"
  clusterResourceWhitelist:
    - group: "*"
      kind: "*"
"""


def root_application(cluster: str) -> str:
    return f"""---
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: root-{cluster}
  namespace: argocd
spec:
  project: {cluster}
  source:
    repoURL: {GIT_REPO}
    targetRevision: main
    path: clusters/{cluster}
    directory:
      recurse: true
  destination:
    server: https://kubernetes.default.svc
    namespace: argocd
  syncPolicy:
    automated:
      prune: true
      selfHeal: true
"""


def infra_application(cluster: str, name: str) -> str:
    path = f"infrastructure/{name}"
    namespace = METALLB_NS if name.startswith("metallb") else name
    wave = "-2" if name == "metallb-system" else "-1" if name == "metallb-config" else "0"
    return f"""---
apiVersion: argoproj.io/v1alpha1
kind: Application
metadata:
  name: {cluster}-{name}
  namespace: argocd
  annotations:
    argocd.argoproj.io/sync-wave: "{wave}"
spec:
  project: {cluster}
  source:
    repoURL: {GIT_REPO}
    targetRevision: main
    path: {path}
  destination:
    server: https://kubernetes.default.svc
    namespace: {namespace}
  syncPolicy:
    automated:
      prune: true
    syncOptions:
      - CreateNamespace=true
"""


def team_project(cluster: str, team: str) -> str:
    return f"""---
apiVersion: argoproj.io/v1alpha1
kind: AppProject
metadata:
  name: {cluster}-{team}
  namespace: argocd
spec:
  sourceRepos: ["{GIT_REPO}"]
  destinations:
    - server: https://kubernetes.default.svc
      namespace: {team}
"""


def app_set(cluster: str, team: str) -> str:
    return f"""---
apiVersion: argoproj.io/v1alpha1
kind: ApplicationSet
metadata:
  name: {cluster}-{team}-apps
  namespace: argocd
spec:
  generators:
    - git:
        repoURL: {GIT_REPO}
        revision: main
        directories:
          - path: apps/{team}/*
  template:
    metadata:
      name: "{cluster}-{team}-{{{{path.basename}}}}"
    spec:
      project: {cluster}-{team}
      source:
        repoURL: {GIT_REPO}
        targetRevision: main
        path: "{{{{path}}}}"
      destination:
        server: https://kubernetes.default.svc
        namespace: {team}
"""


# --- writing ------------------------------------------------------------------------------------


def render(plan: FilePlan) -> Iterator[str]:
    for doc in plan.docs:
        yield doc if isinstance(doc, str) else render_lb_service(doc)


def write_tree(files: list[FilePlan], outdir: Path) -> None:
    made: set[Path] = set()
    for plan in files:
        path = outdir / plan.path
        if path.parent not in made:
            path.parent.mkdir(parents=True, exist_ok=True)
            made.add(path.parent)
        with open(path, "w", encoding="utf-8", newline="\n") as fh:
            fh.write("".join(render(plan)))


def generate(
    scale: str, outdir: Path, files: int | None = None, seed: int = SEED, real: bool = False
) -> Stats:
    """Write the tree for ``scale`` into ``outdir`` (which must be empty or absent)."""
    if outdir.exists() and any(outdir.iterdir()):
        raise SystemExit(f"error: {outdir} is not empty")
    start = time.perf_counter()
    if scale == "findings":
        builder = TreeBuilder(0, seed)
        builder.plan_findings()
    else:
        builder = TreeBuilder(files or SCALE_FILES[scale], seed, real)
        builder.plan_scale()
    write_tree(builder.files, outdir)
    return Stats(
        files=len(builder.files),
        documents=builder.docs,
        unrelated=builder.docs - builder.related,
        related=builder.related,
        lb_services=len(builder.lb_services),
        pools=len(builder.pools),
        seconds=time.perf_counter() - start,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", choices=SCALES, default="small")
    parser.add_argument("--files", type=int, help="override the number of files of the scale")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument(
        "--realistic",
        action="store_true",
        help="add what real repositories carry, in the corpus's shares (realistic.py)",
    )
    parser.add_argument("outdir", type=Path)
    args = parser.parse_args(argv)
    s = generate(args.scale, args.outdir, args.files, args.seed, args.realistic)
    print(
        f"{args.scale}: {s.files} files, {s.documents} documents ({s.unrelated} unrelated, "
        f"{s.lb_services} LoadBalancer Services, {s.pools} pools) in {s.seconds:.2f} s "
        f"-> {args.outdir}",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
