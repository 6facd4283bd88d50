"""Equal collections of manifests held once (load/sharing.py): what is shared and what is not,
that sharing never changes what data says, and that `checking()` (which every test runs under,
tests/conftest.py) fails when shared data is changed in place."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest

from metallb_lint import engine
from metallb_lint.config import Config
from metallb_lint.load import sharing
from metallb_lint.load.sharing import share
from tests.conftest import run_cli, write

PORT = {"name": "https", "port": 443, "targetPort": 443, "protocol": "TCP"}


def copy_of(value: object) -> object:
    if isinstance(value, dict):
        return {k: copy_of(v) for k, v in value.items()}
    if isinstance(value, list):
        return [copy_of(v) for v in value]
    return value


def test_equal_collections_are_one_object_and_say_the_same() -> None:
    first = {"spec": {"ports": [dict(PORT)], "selector": {"app": "web"}}}
    second = copy_of(first)
    assert share(first) is first
    shared = share(second)
    assert shared == first
    # the whole document is equal, so it is the first one; so are its parts
    assert shared is first
    third = {"spec": {"ports": [dict(PORT)], "selector": {"app": "api"}}}
    assert share(third) is third  # a different selector: a different spec
    assert third["spec"]["ports"] is first["spec"]["ports"]
    assert third["spec"]["ports"][0] is first["spec"]["ports"][0]
    assert third["spec"]["selector"] is not first["spec"]["selector"]


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ({"port": 1}, {"port": True}),  # 1 == True in Python, not in YAML
        ({"port": 0}, {"port": False}),
        ({"port": 80}, {"port": "80"}),
        ({"port": None}, {"port": "null"}),
        (["a", "b"], ["b", "a"]),
        ({"a": 1, "b": 2}, {"b": 2, "a": 1}),  # the order of keys is kept (reports, fixes)
        ([{"a": 1}], [{"a": True}]),
        ({"a": "b"}, ["a", "b"]),
    ],
)
def test_collections_that_differ_in_yaml_are_never_shared(one: object, other: object) -> None:
    share(one)
    assert share(other) is other


@pytest.mark.parametrize(
    "value",
    [
        1.0,  # floats: -0.0 == 0.0
        -0.0,
        datetime.date(2024, 1, 1),  # a YAML timestamp
        b"bytes",  # !!binary
    ],
)
def test_collections_holding_other_scalars_are_kept_as_they_are(value: object) -> None:
    one, other = {"spec": {"v": value}}, {"spec": {"v": value}}
    share(one)
    assert share(other) is other and other["spec"] is not one["spec"]


def test_empty_large_and_odd_keyed_collections_are_not_shared_but_their_parts_are() -> None:
    assert share({}) is not share({})
    assert share([]) is not share([])
    big = {f"k{i}": [1] for i in range(sharing.MAX_ENTRIES + 1)}
    again = copy_of(big)
    share(big)
    assert share(again) is again  # too many entries to be worth a key
    assert again["k0"] is big["k0"]  # but what it holds is shared
    keyed, keyed_again = {1: "a"}, {1: "a"}  # (only a full-parser document has such keys)
    share(keyed)
    assert share(keyed_again) is keyed_again


def test_intern_looks_up_a_collection_built_bottom_up() -> None:
    # the cache's decoder builds each collection after the ones it holds, and interns it then
    port = sharing.intern(dict(PORT))
    ports = sharing.intern([port])
    assert sharing.intern([dict(PORT)]) is not ports  # its port is not the shared one yet
    assert sharing.intern([sharing.intern(dict(PORT))]) is ports
    assert share({"ports": [dict(PORT)]})["ports"] is ports  # the same table as `share`
    assert sharing.intern({"v": [1.5]}) is not sharing.intern({"v": [1.5]})


def test_checking_fails_when_shared_data_is_changed_in_place() -> None:
    changed = "shared collection of manifest data was changed"
    with pytest.raises(AssertionError, match=changed), sharing.checking():
        data = share({"ports": [dict(PORT)]})
        share({"ports": [dict(PORT)]})
        data["ports"][0]["port"] = 8443  # what every holder of the port would now see
    with pytest.raises(AssertionError, match=changed), sharing.checking():
        data = share({"selector": {"app": "web"}, "type": "LoadBalancer"})
        data["selector"] = {"app": "web"}  # an equal mapping, but not the shared one
    with sharing.checking():
        share({"ports": [dict(PORT)]})  # unchanged: nothing to say


def test_the_table_is_emptied_after_loading_unless_checking(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with sharing.checking():
        share({"a": "b"})
        sharing.forget()
        assert sharing._table  # kept: checked when the test ends
    monkeypatch.setattr(sharing, "_checking", False)  # (as in a run: every test checks)
    share({"a": "b"})
    sharing.forget()
    assert not sharing._table


def services(count: int, ports: str) -> dict[str, str]:
    return {
        f"svc-{i}.yaml": (
            "apiVersion: v1\nkind: Service\nmetadata:\n"
            f"  name: svc-{i}\n  labels:\n    team: media\nspec:\n  type: LoadBalancer\n"
            f"  selector:\n    app: svc-{i}\n  ports:\n{ports}"
        )
        for i in range(count)
    }


PORTS = "    - name: http\n      port: 80\n      targetPort: 8080\n"


@pytest.mark.parametrize("runs", [1, 2], ids=["uncached-or-cold", "from-the-cache"])
def test_a_run_shares_the_equal_parts_of_its_manifests_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, runs: int
) -> None:
    values = "metallb:\n  speaker:\n    tolerations:\n      - key: a\n        operator: Exists\n"
    files = {
        **services(3, PORTS),
        "chart/Chart.yaml": "apiVersion: v2\nname: c\nversion: 1.0.0\n",
        "chart/values.yaml": values,
        "chart/other-values.yaml": values,
    }
    root = write(tmp_path / "repo", files)
    captured = []
    build = engine.build_inventory
    monkeypatch.setattr(
        engine,
        "build_inventory",
        lambda sources, *a, **k: captured.append(sources) or build(sources, *a, **k),
    )
    from metallb_lint.load.cache import FileCache

    for _ in range(runs):  # the second run decodes every file from the cache the first filled
        cache = FileCache(str(tmp_path / "cache"))
        result = engine.run(engine.Options(paths=[str(root)], cache=cache), Config())
        cache.flush()
    assert (cache.hits, cache.misses) == ((0, 6) if runs == 1 else (6, 0))
    assert result.inventory is not None and len(result.inventory.services) == 3
    data = {s.display.rsplit("/", 1)[-1]: s.documents[0].data for s in captured[-1] if s.documents}
    first, second = data["svc-0.yaml"]["spec"], data["svc-1.yaml"]["spec"]
    assert first["ports"] is second["ports"]
    assert data["svc-0.yaml"]["metadata"]["labels"] is data["svc-2.yaml"]["metadata"]["labels"]
    assert first["selector"] is not second["selector"]
    # chart values go through Helm's merges: never shared
    one, other = data["values.yaml"], data["other-values.yaml"]
    assert one == other and one["metallb"] is not other["metallb"]


def test_shared_annotations_are_reported_at_each_services_own_line(tmp_path: Path) -> None:
    # two Services with one annotations mapping between them (equal, so shared): each
    # finding points into its own file
    pool = (
        "apiVersion: metallb.io/v1beta1\nkind: IPAddressPool\nmetadata:\n  name: default\n"
        "  namespace: metallb-system\nspec:\n  addresses:\n    - 10.0.0.0/24\n"
    )
    files = {
        name: text.replace(
            "  labels:\n",
            "  annotations:\n    metallb.universe.tf/address-pool: missing\n  labels:\n",
        )
        for name, text in services(2, PORTS).items()
    }
    root = write(tmp_path / "repo", {**files, "pool.yaml": pool})
    result = run_cli("--isolated", "--no-cache", "--format", "concise", ".", cwd=root)
    assert [line.split(" [")[0] for line in result.out.splitlines() if "ML403" in line] == [
        "svc-0.yaml:6:39: ML403",
        "svc-1.yaml:6:39: ML403",
    ]
