"""docs/rules.md, generated from rules/ (`python -m metallb_lint.ruledocs > docs/rules.md`)."""

from __future__ import annotations

from metallb_lint.catalog import RuleInfo, catalog

HEADER = """\
# metallb-lint rules

Generated from `rules/*.yaml` by `python -m metallb_lint.ruledocs > docs/rules.md`; do not edit
by hand (a test fails when this file is stale). `metallb-lint explain ID` prints the same text.
Rules marked as declarative policies are written in the format of [policies.md](policies.md),
the same one users write their own rules in.

| ID | name | severity | checks |
|---|---|---|---|
"""


def _section(info: RuleInfo, policies: dict[str, str]) -> str:
    default = "" if info.enabled_by_default else " Off unless selected."
    source = policies.get(info.id)
    declared = (
        f"Written as a declarative policy: [`{source}`](../{source}) (see "
        "[policies.md](policies.md)).\n\n"
        if source
        else ""
    )
    fix = ""
    if info.fix:
        flag = "`--fix`" if info.fix == "safe" else "`--fix --unsafe-fixes`"
        fix = f"**Automatic fix** ({info.fix}, {flag}). {info.fix_summary}\n\n"
    return (
        f"## {info.id} {info.name}\n\n"
        f"Severity: **{info.severity}**.{default} {info.summary}\n\n"
        f"{info.description}\n\n"
        f"{declared}"
        f"**How to fix.** {info.remediation}\n\n"
        f"{fix}"
        f"Bad:\n\n```yaml\n{info.bad}```\n\n"
        f"Good:\n\n```yaml\n{info.good}```\n"
    )


def render_markdown() -> str:
    from metallb_lint.policies import builtin_policies

    rules = list(catalog().values())
    policies = {p.id: p.source for p in builtin_policies()}
    table = "".join(
        f"| [{r.id}](#{r.id.lower()}-{r.name}) | {r.name} | {r.severity} | {r.summary} |\n"
        for r in rules
    )
    return HEADER + table + "\n" + "\n".join(_section(r, policies) for r in rules)


if __name__ == "__main__":
    print(render_markdown(), end="")
