"""The kustomize engine runner (gitops/render.py): offline, on a copy, every failure one line."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from metallb_lint.gitops.render import build, find_engine
from tests.conftest import write

ENGINE = find_engine()
needs_engine = pytest.mark.skipif(ENGINE is None, reason="no kustomize or kubectl on PATH")

POOL = """\
apiVersion: metallb.io/v1beta1
kind: IPAddressPool
metadata:
  name: lan
spec:
  addresses: [192.168.1.240/28]
"""
KUSTOMIZATION = """\
namespace: metallb-system
resources:
  - pool.yaml
  - https://github.com/metallb/metallb/config/native?ref=v0.14.9
"""


@needs_engine
def test_remote_resources_are_left_out_and_said(tmp_path: Path) -> None:
    assert ENGINE is not None
    write(tmp_path, {"metallb/pool.yaml": POOL})
    write(tmp_path, {"metallb/kustomization.yaml": KUSTOMIZATION})
    result = build(ENGINE, "metallb", tmp_path)
    assert result.error is None
    assert result.left_out == [
        "metallb: https://github.com/metallb/metallb/config/native?ref=v0.14.9"
    ]
    assert [(o.kind, o.name, o.namespace, o.origin) for o in result.objects] == [
        ("IPAddressPool", "lan", "metallb-system", "metallb/pool.yaml")
    ]
    # the user's kustomization is untouched: only the copy lost its remote resource
    assert (tmp_path / "metallb/kustomization.yaml").read_text() == KUSTOMIZATION


@needs_engine
def test_a_build_kustomize_refuses_is_one_line(tmp_path: Path) -> None:
    assert ENGINE is not None
    write(tmp_path, {"metallb/kustomization.yaml": "resources:\n  - missing.yaml\n"})
    result = build(ENGINE, "metallb", tmp_path)
    assert result.objects == []
    assert result.error is not None and "missing.yaml" in result.error
    assert "\n" not in result.error


def test_an_engine_that_cannot_run_is_an_error(tmp_path: Path) -> None:
    write(tmp_path, {"metallb/kustomization.yaml": "resources: []\n"})
    result = build([str(tmp_path / "no-such-kustomize"), "build"], "metallb", tmp_path)
    assert result.error is not None and result.error.startswith("the engine could not run")


def test_an_engine_that_hangs_is_stopped(tmp_path: Path) -> None:
    write(tmp_path, {"metallb/kustomization.yaml": "resources: []\n"})
    hang = [sys.executable, "-c", "import time; time.sleep(60)"]
    result = build(hang, "metallb", tmp_path, time_limit=0.5)
    assert result.error is not None and result.error.startswith("the build took longer than")
