"""Hostile and random Helm templates (gitops/gotemplate/): whatever the text, rendering ends
with output or a one-line reason, never an exception, within the limits; the line map always
has one template line, inside the template, per output line."""

from __future__ import annotations

import time

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from metallb_lint.gitops.templates import helpers, render, render_file

FRAGMENTS = [
    "{{",
    "}}",
    "{{-",
    "-}}",
    " ",
    "\n",
    "---\n",
    "{{ .Values.a }}",
    "{{ .Values.list }}",
    "{{ $x := .Values.a }}",
    "{{ $x }}",
    "{{ $x = 2 }}",
    "{{ if .Values.a }}",
    "{{ if .Values.unset }}",
    "{{ else }}",
    "{{ else if .Values.b }}",
    "{{ end }}",
    "{{ range .Values.list }}",
    "{{ range $i, $v := .Values.map }}",
    "{{ range 3 }}",
    "{{ break }}",
    "{{ continue }}",
    "{{ with .Values.map }}",
    '{{ define "d" }}',
    '{{ include "d" . }}',
    '{{ template "d" . }}',
    '{{ tpl "{{ . }}" . }}',
    "{{ toYaml .Values.map | nindent 2 }}",
    '{{ printf "%s%d%v%q" 1 "a" }}',
    "{{ (",
    ")",
    "|",
    '"',
    "`",
    "'",
    "{{/* c */}}",
    "{{/*",
    "*/}}",
    "{{ index .Values.map 1 }}",
    '{{ default "x" .Values.unset | quote }}',
    '{{ fail "no" }}',
    '{{ .Files.Get "../../etc/passwd" }}',
    "{{ .Capabilities.APIVersions.Has 1 }}",
    "{{ lookup 1 2 }}",
    "{{ -3 }}",
    "{{ 0x }}",
    '{{ "\\u00" }}',
    "{% if %}",
    "key: ",
    "- ",
    "\x00",
    "é",
]

CONTEXT = {
    "Values": {"a": 1, "b": "", "list": [1, "x", None], "map": {"k": [1, 2], "j": {"x": 1}}},
    "Release": {"Name": "r", "Namespace": "ns"},
    "Chart": {"Name": "c"},
}


def _check(template: str) -> None:
    result = render_file(template, CONTEXT, read=lambda name: None)
    count = template.count("\n") + 1
    if result.text is None:
        assert result.reason and "\n" not in result.reason
        assert 1 <= result.line <= count
        return
    assert len(result.lines) == result.text.count("\n") + 1 == len(result.columns)
    assert all(1 <= line <= count for line in result.lines)
    for problem in result.problems:
        assert problem.reason and 1 <= problem.line <= count


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(FRAGMENTS), max_size=40))
def test_random_templates_render_or_say_why(parts: list[str]) -> None:
    _check("".join(parts))


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=200))
def test_random_text_renders_or_says_why(text: str) -> None:
    _check(text)


def test_recursive_helpers_stop_at_the_depth_limit_fast() -> None:
    defines = helpers(
        [("_h.tpl", '{{ define "a" }}{{ include "a" . }}{{ include "a" . }}{{ end }}')]
    )
    start = time.perf_counter()
    result = render('{{ include "a" . }}', CONTEXT, defines=defines)
    assert (result.text, result.reason) == (None, "include, template or tpl nested too deeply")
    assert time.perf_counter() - start < 5


def test_exponential_ranges_stop_at_the_step_limit_fast() -> None:
    start = time.perf_counter()
    template = "{{ range until 1000 }}" * 4 + "x" + "{{ end }}" * 4
    result = render(template, CONTEXT)
    assert (result.text, result.reason) == (None, "more than 200,000 evaluation steps")
    assert time.perf_counter() - start < 10


def test_a_long_template_renders_in_linear_time() -> None:
    """Ten thousand documents of actions: output and line map grow with the input."""
    document = "---\nkind: IPAddressPool\nmetadata:\n  name: p{{ .Values.a }}\n"
    start = time.perf_counter()
    result = render(document * 10_000, CONTEXT)
    assert result.text is not None and result.text.count("---") == 10_000
    assert time.perf_counter() - start < 10


def test_the_output_limit_is_one_reason() -> None:
    template = '{{ $s := "' + "x" * 1000 + '" }}' + "{{ range until 5000 }}{{ $s }}{{ end }}"
    result = render(template, CONTEXT)
    assert (result.text, result.reason) == (None, "output over the size limit")


def test_many_failing_parts_are_linear(tmp_path) -> None:
    """Fifty thousand actions on unset values in one template, then blank space: each failure
    is placed in the output once, not by rescanning it."""
    from metallb_lint.gitops.chartfiles import ChartFiles
    from metallb_lint.gitops.rendered import rendered_documents
    from metallb_lint.load.documents import split_documents
    from metallb_lint.load.filetext import FileText
    from metallb_lint.load.sources import SourceFile

    text = "kind: IPAddressPool # metallb\n" + "{{ .Values.x }}" * 50_000 + " " * 1_000_000
    source = SourceFile("templates/t.yaml", "template", "", FileText(text))
    source.pending_templates = list(enumerate(split_documents(text)))
    skipped: list[tuple] = []
    start = time.perf_counter()
    docs = list(
        rendered_documents(
            source,
            {"Values": {}},
            ChartFiles(str(tmp_path)),
            lambda *args: skipped.append(args),
            [],
        )
    )
    assert docs == [] and [s[2] for s in skipped] == ["'.Values.x' has no value"]
    assert time.perf_counter() - start < 10
