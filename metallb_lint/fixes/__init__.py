"""Fixes: the text edits that findings carry, chosen (`plan.py`), shown as a unified diff
(`diff.py`) and written back (`apply.py`).

A fix is a list of edits at the exact spans a rule read (findings.py `Fix`, `Edit`); nothing is
re-serialised, so comments, quoting, indentation and key order stay as written. Safe fixes keep
what MetalLB does at the target release; unsafe ones are a likely intent and wait for
`--unsafe-fixes`. Suppressed and baselined findings are not fixed. When two fixes touch the same
text the first (in report order) wins and the second is reported as not applied. Files are
written atomically, never through a symbolic link, never outside the linted paths, and never
when they changed after the run read them.
"""

from metallb_lint.fixes.apply import write_changes
from metallb_lint.fixes.diff import unified_diff
from metallb_lint.fixes.plan import FileChange, NotApplied, Plan, plan_fixes

__all__ = ["FileChange", "NotApplied", "Plan", "plan_fixes", "unified_diff", "write_changes"]
