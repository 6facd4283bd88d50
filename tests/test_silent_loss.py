"""Issue 21, silent loss: a malformed pool file next to a valid Service that asks for an
address outside every pool must not make that Service's ML401 disappear. The pools that could
be read are judged; the finding says which pool file could not be, so the verdict is
uncertain (a warning, not an error)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import lint_json, write

SERVICE = """\
apiVersion: v1
kind: Service
metadata:
  name: jellyfin
  namespace: media
  annotations:
    metallb.io/loadBalancerIPs: 10.9.9.9
spec:
  type: LoadBalancer
  ports:
    - port: 80
"""

HEAD = "apiVersion: metallb.io/v1beta1\nkind: IPAddressPool\nmetadata:\n  name: broken\n"
GOOD_POOL = (
    "apiVersion: metallb.io/v1beta1\nkind: IPAddressPool\nmetadata:\n  name: good\n"
    "  namespace: metallb-system\nspec:\n  addresses: [192.168.1.240/29]\n"
)

MALFORMED = {
    "unclosed flow list": HEAD + "  namespace: metallb-system\nspec:\n  addresses: [10.0.0.0/29\n",
    "tab indentation": HEAD + "\tnamespace: metallb-system\nspec:\n  addresses: [10.0.0.0/29]\n",
    "bad indentation": HEAD + "  namespace: metallb-system\n spec:\n  addresses: [10.0.0.0/29]\n",
    "unclosed quote": HEAD + "  namespace: 'metallb-system\nspec:\n  addresses: [10.0.0.0/29]\n",
    "duplicate document as a list": "- " + HEAD.replace("\n", "\n  ").rstrip() + "\n",
    "not UTF-8": (HEAD + "  namespace: metallb-system\nspec: {addresses: [10.0.0.0/29]}\n# \xff\n"),
    "binary NUL": HEAD + "  namespace: metallb-system\x00\n",
    "alias loop": HEAD + "  namespace: &a [*a]\nspec:\n  addresses: [10.0.0.0/29]\n",
}


@pytest.mark.parametrize("with_good_pool", [False, True], ids=["alone", "next-to-a-good-pool"])
@pytest.mark.parametrize("variant", sorted(MALFORMED))
def test_a_malformed_pool_file_does_not_silence_ml401(
    repo: Path, variant: str, with_good_pool: bool
) -> None:
    files: dict[str, str | bytes] = {"svc.yaml": SERVICE}
    text = MALFORMED[variant]
    files["pool.yaml"] = text.encode("latin-1") if variant == "not UTF-8" else text
    if with_good_pool:
        files["good.yaml"] = GOOD_POOL
    write(repo, files)
    result = lint_json("--metallb-version", "0.14.9", ".", cwd=repo)
    assert result.code in (1, 2) and "Traceback" not in result.err
    by_rule = {(f["rule"], f["path"]) for f in result.json["findings"]}
    assert any(rule in ("ML001", "ML002") and path == "pool.yaml" for rule, path in by_rule)
    ml401 = [f for f in result.json["findings"] if f["rule"] == "ML401"]
    assert [(f["path"], f["line"]) for f in ml401] == [("svc.yaml", 7)], variant
    assert ml401[0]["severity"] == "warning"
    assert "pool.yaml could not be read" in ml401[0]["message"]
    assert "pool.yaml" in {r["path"] for r in ml401[0]["related"]}
