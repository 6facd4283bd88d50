"""The small Helm subset rendered without Helm (gitops/templates.py): references, and `if`,
`if not`, `else`, `end` on a reference; lines keep their numbers; anything else is refused."""

from __future__ import annotations

import pytest

from metallb_lint.gitops.templates import render

CONTEXT = {
    "Values": {"on": True, "off": False, "zero": 0, "empty": "", "list": [], "name": "lan"},
    "Release": {"Namespace": "metallb-system"},
    "Chart": {"Name": "apps"},
}


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("a: {{ .Values.name }}\n", "a: lan\n"),
        ("{{- if .Values.on }}\na: 1\n{{- end }}\n", "\na: 1\n\n"),
        ("{{- if .Values.off }}\na: 1\n{{- end }}\n", "\n\n\n"),
        ("{{ if not .Values.zero }}a: 1{{ end }}\n", "a: 1\n"),
        ("{{ if .Values.empty }}a: 1{{ else }}a: 2{{ end }}\n", "a: 2\n"),
        ("{{ if .Values.list }}a: {{ .Values.nope }}{{ end }}\n", "\n"),  # dropped: not read
        (
            "{{ if .Values.on }}\n{{ if .Values.off }}x: 1\n{{ else }}y: {{ .Values.name }}\n"
            "{{ end }}\n{{ end }}\n",
            "\n\ny: lan\n\n\n",
        ),
        ("{{ if $.Values.on }}ns: {{ .Release.Namespace }}{{ end }}", "ns: metallb-system"),
    ],
)
def test_conditions_keep_or_drop_what_they_wrap(template: str, expected: str) -> None:
    result = render(template, CONTEXT)
    assert result.text == expected
    assert result.text.count("\n") == template.count("\n")


@pytest.mark.parametrize(
    ("template", "reason", "line"),
    [
        ("a: 1\n{{ if .Values.unset }}b: 2{{ end }}\n", "'.Values.unset' has no value", 2),
        (
            '{{ if eq .Values.name "lan" }}b{{ end }}',
            "template action '{{ if eq .Values.name \"lan\" }}'",
            1,
        ),
        ("{{ if .Values.on }}\nb: 1\n", "an 'if' without its 'end'", 3),
        ("b: 1\n{{ end }}\n", "an 'end' without its 'if'", 2),
        (
            "{{ if .Values.on }}a{{ else if .Values.off }}b{{ end }}",
            "template action '{{ else if .Values.off }}'",
            1,
        ),
        ("{{ range .Values.list }}a{{ end }}", "template action '{{ range .Values.list }}'", 1),
    ],
)
def test_what_is_not_rendered_says_why_and_where(template: str, reason: str, line: int) -> None:
    result = render(template, CONTEXT)
    assert (result.text, result.reason, result.line) == (None, reason, line)


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ('ip: {{ .Values.missing | default "10.0.0.1" }}', "ip: 10.0.0.1"),
        ('ip: {{ default "10.0.0.2" .Values.empty }}', "ip: 10.0.0.2"),
        ('name: {{ .Values.name | default "x" | quote }}', 'name: "lan"'),
        ("n: {{ .Values.zero | default 5 }}", "n: 5"),
    ],
)
def test_a_literal_default(template: str, expected: str) -> None:
    assert render(template, {**CONTEXT, "Values": {**CONTEXT["Values"], "zero": 0}}).text == (
        expected
    )
