"""Lint the real-world corpus and compare the findings with the reviewed ledger.

Usage::

    python benchmarks/realworld/run.py --mirrors DIR [--only ID,ID] [--work DIR] [--json]
                                       [--markdown] [--stubs DIR] [--strict]

For every snapshot of `corpus.yaml` (a public repository at a fixed commit) the runner writes the
tree of that commit out of a local git mirror (no network of its own), runs metallb-lint on it as
a user would (`metallb-lint --format json .` from the checkout's root), and compares the error and
warning findings with the snapshot's reviewed ledger, `ledger/<id>.yaml`. It prints precision per
rule and overall, recall over the ledger's known problems, each snapshot's wall time and peak
memory, and what changed since the ledger was written: findings nobody has reviewed yet, reviewed
findings that are gone, misses that are now found. See README.md beside this file.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
PROJECT_ROOT = HERE.parent.parent
CORPUS_FILE = HERE / "corpus.yaml"
LEDGER_DIR = HERE / "ledger"
JUDGED = ("error", "warning")  # the severities the ledger reviews
VERDICTS = ("true", "false", "miss")
STAMP = ".realworld-commit"  # records which commit a work tree holds, to reuse it


class RunnerError(Exception):
    """A problem reported as one line on stderr, exit status 2."""


# --- the corpus and the ledger -----------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Snapshot:
    id: str
    repo: str
    commit: str
    release: str
    shapes: tuple[str, ...]
    path: str = "."


@dataclasses.dataclass(frozen=True)
class Entry:
    """One reviewed finding (verdict true or false) or one known problem the linter missed."""

    snapshot: str
    rule: str
    path: str
    line: int
    verdict: str
    reason: str
    cls: str = ""  # the class of a false positive or a miss, e.g. "placeholder-literal"

    @property
    def key(self) -> tuple[str, str, int]:
        return (self.rule, self.path, self.line)


def _read_yaml(path: Path) -> object:
    try:
        with path.open(encoding="utf-8") as fh:
            return yaml.safe_load(fh)
    except (OSError, yaml.YAMLError) as exc:
        raise RunnerError(f"{path}: {exc}".splitlines()[0]) from exc


def load_corpus(path: Path) -> list[Snapshot]:
    data = _read_yaml(path)
    if not isinstance(data, dict) or not isinstance(data.get("snapshots"), list):
        raise RunnerError(f"{path}: expected a mapping with a 'snapshots' list")
    snapshots: list[Snapshot] = []
    seen: set[str] = set()
    for index, item in enumerate(data["snapshots"]):
        where = f"{path}: snapshots[{index}]"
        if not isinstance(item, dict):
            raise RunnerError(f"{where}: expected a mapping")
        missing = [key for key in ("id", "repo", "commit", "release") if not item.get(key)]
        if missing:
            raise RunnerError(f"{where}: missing {', '.join(missing)}")
        commit = str(item["commit"])
        if len(commit) != 40 or any(c not in "0123456789abcdef" for c in commit):
            raise RunnerError(f"{where}: commit must be 40 lower-case hex digits")
        if item["id"] in seen:
            raise RunnerError(f"{where}: duplicate id {item['id']!r}")
        seen.add(item["id"])
        snapshots.append(
            Snapshot(
                id=str(item["id"]),
                repo=str(item["repo"]),
                commit=commit,
                release=str(item["release"]),
                shapes=tuple(str(s) for s in item.get("shapes") or ()),
                path=str(item.get("path") or "."),
            )
        )
    return snapshots


def load_ledger(directory: Path, snapshots: Sequence[Snapshot]) -> dict[str, list[Entry]]:
    """Entries per snapshot id. A ledger file names its snapshot's repository and commit, which
    must agree with the corpus, so an entry can never be judged against another tree."""
    by_id = {snapshot.id: snapshot for snapshot in snapshots}
    ledger: dict[str, list[Entry]] = {snapshot.id: [] for snapshot in snapshots}
    if not directory.is_dir():
        return ledger
    for path in sorted(directory.glob("*.yaml")):
        data = _read_yaml(path)
        if not isinstance(data, dict):
            raise RunnerError(f"{path}: expected a mapping")
        snapshot = by_id.get(str(data.get("id")))
        if snapshot is None:
            raise RunnerError(f"{path}: id {data.get('id')!r} is not in the corpus")
        if data.get("repo") != snapshot.repo or data.get("commit") != snapshot.commit:
            raise RunnerError(f"{path}: repo/commit disagree with the corpus entry {snapshot.id}")
        seen: set[tuple[str, str, int]] = set()
        for index, item in enumerate(data.get("entries") or []):
            where = f"{path}: entries[{index}]"
            entry = _entry(item, snapshot.id, where)
            if entry.key in seen:
                raise RunnerError(f"{where}: {entry.rule} {entry.path}:{entry.line} listed twice")
            seen.add(entry.key)
            ledger[snapshot.id].append(entry)
    return ledger


def _entry(item: object, snapshot: str, where: str) -> Entry:
    if not isinstance(item, dict):
        raise RunnerError(f"{where}: expected a mapping")
    missing = [key for key in ("rule", "path", "line", "verdict", "reason") if key not in item]
    if missing:
        raise RunnerError(f"{where}: missing {', '.join(missing)}")
    verdict = str(item["verdict"]).lower()
    if verdict not in VERDICTS:
        raise RunnerError(f"{where}: verdict must be one of {', '.join(VERDICTS)}")
    if not isinstance(item["line"], int) or isinstance(item["line"], bool):
        raise RunnerError(f"{where}: line must be an integer")
    cls = str(item.get("class") or "")
    if verdict in ("false", "miss") and not cls:
        raise RunnerError(f"{where}: a {verdict} entry needs a class")
    return Entry(
        snapshot=snapshot,
        rule=str(item["rule"]),
        path=str(item["path"]),
        line=item["line"],
        verdict=verdict,
        reason=str(item["reason"]),
        cls=cls,
    )


# --- checking a commit out of a mirror ---------------------------------------------------------


def find_mirror(mirrors: Path, repo: str) -> Path:
    """The git directory of `repo` under `mirrors`, in any of the layouts a mirror folder has:
    `owner+name/repo` or `owner+name/repo/.git` (what the fetch tool writes), `owner+name`,
    `owner/name.git`, `owner/name`."""
    owner, _, name = repo.partition("/")
    candidates = [
        mirrors / f"{owner}+{name}" / "repo",
        mirrors / f"{owner}+{name}" / "repo" / ".git",
        mirrors / f"{owner}+{name}",
        mirrors / owner / f"{name}.git",
        mirrors / owner / name / ".git",
        mirrors / owner / name,
    ]
    for candidate in candidates:
        if (candidate / "objects").is_dir() and (candidate / "HEAD").exists():
            return candidate
    raise RunnerError(f"no git mirror of {repo} under {mirrors} (tried {candidates[0]})")


def _git(git_dir: Path, *args: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["git", f"--git-dir={git_dir}", *args],
        capture_output=True,
        check=False,
        env={**os.environ, "GIT_TERMINAL_PROMPT": "0", "GIT_CONFIG_NOSYSTEM": "1"},
        **kwargs,
    )


def _tree_entries(git_dir: Path, commit: str) -> list[tuple[str, str, str]]:
    """(mode, object id, path) of every blob and symlink of `commit`, submodules left out."""
    listing = _git(git_dir, "ls-tree", "-r", "-z", "--full-tree", commit)
    if listing.returncode != 0:
        message = listing.stderr.decode(errors="replace").strip().splitlines()
        raise RunnerError(f"{git_dir}: cannot list {commit}: {message[-1] if message else '?'}")
    entries = []
    for record in listing.stdout.split(b"\0"):
        if not record:
            continue
        meta, _, raw_path = record.partition(b"\t")
        mode, kind, oid = meta.decode().split()
        path = os.fsdecode(raw_path)
        parts = path.split("/")
        if kind != "blob" or path.startswith("/") or ".." in parts or ".git" in parts:
            continue
        entries.append((mode, oid, path))
    return entries


def checkout(git_dir: Path, commit: str, dest: Path) -> int:
    """Write the tree of `commit` to `dest` (a fresh folder with an empty `.git`, so the linter
    finds the repository root there as in a real clone). Returns how many blobs the mirror lacks
    (a mirror may leave out large files); those files are simply absent."""
    stamp = dest / STAMP
    if stamp.is_file() and stamp.read_text().split()[:1] == [commit]:
        return int(stamp.read_text().split()[1])
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    entries = _tree_entries(git_dir, commit)
    proc = subprocess.Popen(
        ["git", f"--git-dir={git_dir}", "cat-file", "--batch"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    assert proc.stdin is not None and proc.stdout is not None

    def feed() -> None:
        assert proc.stdin is not None
        for _, oid, _ in entries:
            proc.stdin.write(oid.encode() + b"\n")
        proc.stdin.close()

    writer = threading.Thread(target=feed, daemon=True)
    writer.start()
    missing = 0
    for mode, _oid, path in entries:
        header = proc.stdout.readline().split()
        if len(header) < 3 or header[1] == b"missing":
            missing += 1
            continue
        content = proc.stdout.read(int(header[2]))
        proc.stdout.read(1)  # the newline after each object
        target = dest / path
        target.parent.mkdir(parents=True, exist_ok=True)
        if mode == "120000":
            target.symlink_to(os.fsdecode(content))
        else:
            target.write_bytes(content)
    writer.join()
    proc.wait()
    (dest / ".git").mkdir(exist_ok=True)
    stamp.write_text(f"{commit} {missing}\n")
    return missing


# --- linting -----------------------------------------------------------------------------------


@dataclasses.dataclass
class LintRun:
    findings: list[dict]
    target: dict
    seconds: float
    peak_kib: int
    exit_code: int
    stderr: str


def lint(tree: Path, subpath: str, command: Sequence[str]) -> LintRun:
    """Run the linter on `tree` as a user would, from its root, and read its JSON report. Its
    environment is hermetic: no user configuration, no colour, no GitHub Actions mode."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("GITHUB_", "METALLB_LINT")) and key not in ("CI", "FORCE_COLOR")
    }
    home = tempfile.mkdtemp(prefix="realworld-home-")
    env.update(HOME=home, XDG_CONFIG_HOME=home, XDG_CACHE_HOME=home, NO_COLOR="1")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(PROJECT_ROOT), env.get("PYTHONPATH")]))
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(
            [*command, "--format", "json", "--exit-zero", subpath],
            cwd=tree,
            env=env,
            stdout=out,
            stderr=err,
            stdin=subprocess.DEVNULL,
        )
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        seconds = time.perf_counter() - start
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read().decode(errors="replace")
    shutil.rmtree(home, ignore_errors=True)
    try:
        report = json.loads(stdout)
    except ValueError:
        report = {"findings": [], "target": {}}
    return LintRun(
        findings=report.get("findings") or [],
        target=report.get("target") or {},
        seconds=seconds,
        peak_kib=usage.ru_maxrss,
        exit_code=proc.returncode,
        stderr=stderr.strip(),
    )


# --- comparing ---------------------------------------------------------------------------------


@dataclasses.dataclass
class Comparison:
    snapshot: Snapshot
    run: LintRun | None
    missing_blobs: int = 0
    true_found: list[Entry] = dataclasses.field(default_factory=list)
    false_found: list[Entry] = dataclasses.field(default_factory=list)
    unreviewed: list[dict] = dataclasses.field(default_factory=list)
    true_gone: list[Entry] = dataclasses.field(default_factory=list)
    false_gone: list[Entry] = dataclasses.field(default_factory=list)
    miss_found: list[Entry] = dataclasses.field(default_factory=list)
    miss_open: list[Entry] = dataclasses.field(default_factory=list)
    info_count: int = 0
    error: str = ""


def _finding_key(finding: dict) -> tuple[str, str, int]:
    return (str(finding.get("rule")), str(finding.get("path")), int(finding.get("line") or 0))


def compare(snapshot: Snapshot, run: LintRun, entries: Iterable[Entry]) -> Comparison:
    result = Comparison(snapshot=snapshot, run=run)
    judged: dict[tuple[str, str, int], dict] = {}
    for finding in run.findings:
        if finding.get("severity") in JUDGED:
            judged.setdefault(_finding_key(finding), finding)
        elif finding.get("severity") == "info":
            result.info_count += 1
    reviewed: set[tuple[str, str, int]] = set()
    for entry in entries:
        reviewed.add(entry.key)
        present = entry.key in judged
        if entry.verdict == "true":
            (result.true_found if present else result.true_gone).append(entry)
        elif entry.verdict == "false":
            (result.false_found if present else result.false_gone).append(entry)
        else:
            (result.miss_found if present else result.miss_open).append(entry)
    result.unreviewed = [f for key, f in judged.items() if key not in reviewed]
    return result


@dataclasses.dataclass
class RuleTally:
    true: int = 0
    false: int = 0
    unreviewed: int = 0
    known: int = 0  # known real problems of this rule: true entries and misses
    found: int = 0  # of those, reported now

    @property
    def precision(self) -> float | None:
        judged = self.true + self.false
        return self.true / judged if judged else None

    @property
    def recall(self) -> float | None:
        return self.found / self.known if self.known else None


def tally(results: Sequence[Comparison]) -> dict[str, RuleTally]:
    rules: dict[str, RuleTally] = defaultdict(RuleTally)
    for result in results:
        for entry in result.true_found:
            rules[entry.rule].true += 1
            rules[entry.rule].known += 1
            rules[entry.rule].found += 1
        for entry in result.false_found:
            rules[entry.rule].false += 1
        for finding in result.unreviewed:
            rules[str(finding.get("rule"))].unreviewed += 1
        for entry in result.true_gone + result.miss_open:
            rules[entry.rule].known += 1
        for entry in result.miss_found:
            # A miss the linter now reports counts as found; its review is still due, so it is
            # counted neither true nor false until the ledger says "true".
            rules[entry.rule].known += 1
            rules[entry.rule].found += 1
    return dict(sorted(rules.items()))


def _total(rules: dict[str, RuleTally]) -> RuleTally:
    total = RuleTally()
    for tally_ in rules.values():
        for field in dataclasses.fields(RuleTally):
            setattr(total, field.name, getattr(total, field.name) + getattr(tally_, field.name))
    return total


def release_tally(results: Sequence[Comparison]) -> tuple[int, int]:
    """(snapshots whose release is known, of those the ones metallb-lint checked against it)."""
    known = [r for r in results if r.run is not None and r.snapshot.release != "unknown"]
    right = [
        r for r in known if r.run and r.run.target.get("metallb_version") == r.snapshot.release
    ]
    return len(known), len(right)


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.0f}%"


# --- reports -----------------------------------------------------------------------------------


def text_report(results: Sequence[Comparison], out) -> None:
    rules = tally(results)
    total = _total(rules)
    w = out.write
    w("snapshot                                  release  target   err/warn  info   time    peak\n")
    for r in results:
        if r.run is None:
            w(f"{r.snapshot.id:<41} {r.snapshot.release:<8} FAILED: {r.error}\n")
            continue
        target = str(r.run.target.get("metallb_version") or "?")
        judged = len(r.true_found) + len(r.false_found) + len(r.unreviewed) + len(r.miss_found)
        flag = " !" if target != r.snapshot.release and r.snapshot.release != "unknown" else "  "
        w(
            f"{r.snapshot.id:<41} {r.snapshot.release:<8} {target:<7}{flag}{judged:>6}"
            f"  {r.info_count:>5}  {r.run.seconds:5.2f}s {r.run.peak_kib / 1024:5.0f}MB\n"
        )
        if r.run.exit_code not in (0, 1):
            w(f"    linter exit {r.run.exit_code}: {r.run.stderr.splitlines()[-1:]}\n")
    known, right = release_tally(results)
    w(
        f"\nrelease read right in {right} of {known} snapshots whose release is known"
        " (! = checked against another release)\n\n"
    )
    w("rule    true  false  unreviewed  precision   known  found  recall\n")
    for rule, t in rules.items():
        w(
            f"{rule:<7} {t.true:>4}  {t.false:>5}  {t.unreviewed:>10}  {_pct(t.precision):>9}"
            f"   {t.known:>5}  {t.found:>5}  {_pct(t.recall):>6}\n"
        )
    w(
        f"{'all':<7} {total.true:>4}  {total.false:>5}  {total.unreviewed:>10}"
        f"  {_pct(total.precision):>9}   {total.known:>5}  {total.found:>5}"
        f"  {_pct(total.recall):>6}\n\n"
    )
    classes = Counter(e.cls for r in results for e in r.false_found)
    misses = Counter(e.cls for r in results for e in r.miss_open)
    if classes:
        w("false positives by class: ")
        w(", ".join(f"{cls} {n}" for cls, n in classes.most_common()) + "\n")
    if misses:
        w("misses by class: " + ", ".join(f"{cls} {n}" for cls, n in misses.most_common()) + "\n")
    changes = list(_changes(results))
    if changes:
        w(f"\nchanged since the ledger was written ({len(changes)}):\n")
        for line in changes:
            w(f"  {line}\n")
    else:
        w("\nno change since the ledger was written\n")


def _changes(results: Sequence[Comparison]) -> Iterator[str]:
    for r in results:
        sid = r.snapshot.id
        for f in sorted(r.unreviewed, key=_finding_key):
            message = str(f.get("message", ""))[:140]
            yield (
                f"NOT REVIEWED  {sid}: {f.get('rule')} {f.get('severity')} "
                f"{f.get('path')}:{f.get('line')} {message}"
            )
        for e in r.true_gone:
            yield f"LOST TRUE     {sid}: {e.rule} {e.path}:{e.line} ({e.reason})"
        for e in r.false_gone:
            yield f"FIXED FALSE   {sid}: {e.rule} {e.path}:{e.line} [{e.cls}]"
        for e in r.miss_found:
            yield f"MISS FOUND    {sid}: {e.rule} {e.path}:{e.line} [{e.cls}] (review it)"


def markdown_report(results: Sequence[Comparison], out) -> None:
    """The per-rule table docs/accuracy.md carries."""
    rules = tally(results)
    total = _total(rules)
    out.write(
        "| rule | true | false | not reviewed | precision | known problems | found | recall |\n"
    )
    out.write("|---|---:|---:|---:|---:|---:|---:|---:|\n")
    for rule, t in [*rules.items(), ("**all**", total)]:
        out.write(
            f"| {rule} | {t.true} | {t.false} | {t.unreviewed} | {_pct(t.precision)} | {t.known}"
            f" | {t.found} | {_pct(t.recall)} |\n"
        )
    known, right = release_tally(results)
    out.write(f"\nRelease read right in {right} of {known} snapshots whose release is known.\n")


def json_report(results: Sequence[Comparison]) -> dict:
    rules = tally(results)
    total = _total(rules)

    def summary(t: RuleTally) -> dict:
        return {**dataclasses.asdict(t), "precision": t.precision, "recall": t.recall}

    return {
        "snapshots": [
            {
                "id": r.snapshot.id,
                "repo": r.snapshot.repo,
                "commit": r.snapshot.commit,
                "release": r.snapshot.release,
                "target": r.run.target if r.run else None,
                "seconds": round(r.run.seconds, 3) if r.run else None,
                "peak_kib": r.run.peak_kib if r.run else None,
                "missing_blobs": r.missing_blobs,
                "info": r.info_count,
                "unreviewed": r.unreviewed,
                "error": r.error or None,
            }
            for r in results
        ],
        "rules": {rule: summary(t) for rule, t in rules.items()},
        "total": summary(total),
        "release": dict(zip(("known", "right"), release_tally(results), strict=True)),
        "changes": list(_changes(results)),
    }


def write_stubs(results: Sequence[Comparison], directory: Path) -> None:
    """Unreviewed findings as ledger entries with verdict '?', one file per snapshot, for a
    reviewer to judge and merge into ledger/<id>.yaml."""
    directory.mkdir(parents=True, exist_ok=True)
    for r in results:
        if not r.unreviewed:
            continue
        entries = [
            {
                "rule": f.get("rule"),
                "path": f.get("path"),
                "line": f.get("line"),
                "verdict": "?",
                "class": "",
                "reason": "",
                "message": f.get("message"),
            }
            for f in sorted(r.unreviewed, key=_finding_key)
        ]
        stub = {"id": r.snapshot.id, "repo": r.snapshot.repo, "commit": r.snapshot.commit}
        stub["entries"] = entries
        (directory / f"{r.snapshot.id}.yaml").write_text(
            yaml.safe_dump(stub, sort_keys=False, width=100, allow_unicode=True)
        )


# --- main --------------------------------------------------------------------------------------


def run_snapshot(
    snapshot: Snapshot, mirrors: Path, work: Path, command: Sequence[str], entries: list[Entry]
) -> Comparison:
    try:
        git_dir = find_mirror(mirrors, snapshot.repo)
        tree = work / snapshot.id
        missing = checkout(git_dir, snapshot.commit, tree)
    except (RunnerError, OSError) as exc:
        return Comparison(snapshot=snapshot, run=None, error=str(exc))
    result = compare(snapshot, lint(tree, snapshot.path, command), entries)
    result.missing_blobs = missing
    return result


def print_clone_commands(snapshots: Sequence[Snapshot], mirrors: Path) -> int:
    """The runner never touches the network; this prints what would fetch the missing mirrors."""
    for repo in sorted({s.repo for s in snapshots}):
        try:
            find_mirror(mirrors, repo)
        except RunnerError:
            owner, _, name = repo.partition("/")
            print(f"git clone --mirror https://github.com/{repo}.git {mirrors}/{owner}+{name}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mirrors", required=True, type=Path, help="folder of git mirrors")
    parser.add_argument("--corpus", type=Path, default=CORPUS_FILE)
    parser.add_argument("--ledger", type=Path, default=LEDGER_DIR, help="folder of ledger files")
    parser.add_argument("--work", type=Path, help="where checkouts are kept (default: a temp dir)")
    parser.add_argument("--only", help="comma-separated snapshot ids (or repositories)")
    parser.add_argument(
        "--linter",
        default=f"{sys.executable} -m metallb_lint",
        help="command that runs metallb-lint (default: this Python, -m metallb_lint)",
    )
    parser.add_argument("--json", action="store_true", help="machine-readable results")
    parser.add_argument("--markdown", action="store_true", help="the per-rule table as Markdown")
    parser.add_argument("--stubs", type=Path, help="write unreviewed findings here as ledger stubs")
    parser.add_argument(
        "--strict",
        action="store_true",
        help="exit 1 when anything changed since the ledger was written",
    )
    parser.add_argument(
        "--clone-commands",
        action="store_true",
        help="print the `git clone --mirror` commands for the mirrors missing under --mirrors",
    )
    args = parser.parse_args(argv)
    try:
        snapshots = load_corpus(args.corpus)
        ledger = load_ledger(args.ledger, snapshots)
        if args.only:
            wanted = {part.strip() for part in args.only.split(",") if part.strip()}
            snapshots = [s for s in snapshots if s.id in wanted or s.repo in wanted]
            if not snapshots:
                raise RunnerError(f"--only {args.only}: no such snapshot")
        mirrors = args.mirrors.resolve()
        if args.clone_commands:
            return print_clone_commands(snapshots, mirrors)
        if not mirrors.is_dir():
            raise RunnerError(f"--mirrors {args.mirrors}: not a directory")
    except RunnerError as exc:
        print(f"run.py: {exc}", file=sys.stderr)
        return 2
    command = args.linter.split()
    work = args.work.resolve() if args.work else Path(tempfile.mkdtemp(prefix="realworld-"))
    results = []
    try:
        for snapshot in snapshots:
            print(f"{snapshot.id} ...", file=sys.stderr, flush=True)
            results.append(run_snapshot(snapshot, mirrors, work, command, ledger[snapshot.id]))
    finally:
        if not args.work:
            shutil.rmtree(work, ignore_errors=True)
    if args.stubs:
        write_stubs(results, args.stubs)
    if args.json:
        json.dump(json_report(results), sys.stdout, indent=2)
        sys.stdout.write("\n")
    elif args.markdown:
        markdown_report(results, sys.stdout)
    else:
        text_report(results, sys.stdout)
    failed = any(r.run is None for r in results)
    changed = any(True for _ in _changes(results))
    return 2 if failed else (1 if args.strict and changed else 0)


if __name__ == "__main__":
    sys.exit(main())
