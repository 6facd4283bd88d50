"""Helm templates rendered without Helm (gitops/templates.py over gitops/gotemplate/): Go's
text/template language with Helm's functions, values the chart does not set are Unknown (never
false), and each output line maps to the template line that wrote it."""

from __future__ import annotations

import pytest

from metallb_lint.gitops.templates import helpers, render, render_file

CONTEXT = {
    "Values": {
        "on": True,
        "off": False,
        "zero": 0,
        "empty": "",
        "list": [],
        "name": "lan",
        "pools": {"b": ["10.0.2.0/24"], "a": ["10.0.1.0/24", "10.0.1.128/25"]},
        "addresses": ["10.0.0.1/32", "10.0.0.2/32"],
        "argo": {"enabled": {"metallb": True, "other": False}, "namespace": "argocd"},
        "nothing": None,
    },
    "Release": {"Namespace": "metallb-system", "Name": "apps"},
    "Chart": {"Name": "apps", "Version": "1.0.0"},
}


def text_of(template: str, context: dict | None = None, **kwargs: object) -> str | None:
    return render(template, context or CONTEXT, **kwargs).text  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("a: {{ .Values.name }}\n", "a: lan\n"),
        ("{{- if .Values.on }}\na: 1\n{{- end }}\n", "\na: 1\n"),
        ("{{- if .Values.off }}\na: 1\n{{- end }}\n", "\n"),
        ("{{ if not .Values.zero }}a: 1{{ end }}\n", "a: 1\n"),
        ("{{ if .Values.empty }}a: 1{{ else }}a: 2{{ end }}\n", "a: 2\n"),
        ("{{ if .Values.list }}a: {{ .Values.nope }}{{ end }}\n", "\n"),  # dropped: not read
        ("{{ if .Values.off }}a{{ else if .Values.on }}b{{ else }}c{{ end }}", "b"),
        ("{{ if $.Values.on }}ns: {{ .Release.Namespace }}{{ end }}", "ns: metallb-system"),
        ('{{ if (index .Values.argo.enabled "metallb") }}on{{ end }}', "on"),
        ('{{- $app := "metallb" }}{{ if index .Values.argo.enabled $app }}on{{ end }}', "on"),
        ("{{ with .Values.name }}name: {{ . }}{{ end }}", "name: lan"),
        ("{{ with .Values.empty }}x{{ else with .Values.name }}{{ . }}{{ end }}", "lan"),
        ("{{ with .Values.empty }}x{{ else }}y{{ end }}", "y"),
        ("{{ if and .Values.on (not .Values.off) }}yes{{ end }}", "yes"),
        ("{{ if or .Values.off .Values.zero }}yes{{ else }}no{{ end }}", "no"),
        ('{{ if eq .Values.name "lan" "wan" }}lan{{ end }}', "lan"),
        ('{{ if ne .Values.name "wan" }}ok{{ end }}', "ok"),
    ],
)
def test_conditions_keep_or_drop_what_they_wrap(template: str, expected: str) -> None:
    assert text_of(template) == expected


@pytest.mark.parametrize(
    ("template", "reason", "line"),
    [
        ("a: 1\n{{ if .Values.unset }}b: 2{{ end }}\n", "'.Values.unset' has no value", 2),
        ("a: 1\n\n{{ .Values.unset.deeper }}\n", "'.Values.unset.deeper' has no value", 3),
        ("{{ if .Values.on }}\nb: 1\n", "an 'if' without its 'end'", 1),
        ("b: 1\n{{ end }}\n", "unexpected '{{ end }}'", 2),
        (
            '{{ if index .Values.argo.enabled "x" }}x{{ end }}',
            "key 'x' is not set in the values",
            1,
        ),
        (
            '{{ if .Capabilities.APIVersions.Has "a/v1" }}x{{ end }}',
            ("'.Capabilities.APIVersions.Has' is only known in the cluster"),
            1,
        ),
        (
            '{{ if lookup "v1" "Secret" "ns" "x" }}x{{ end }}',
            ("'lookup' is only known in the cluster"),
            1,
        ),
        ('a: {{ semverCompare ">=1" "1.2" }}', "function 'semverCompare' is not supported", 1),
        ("a: {{ .Values.name", "unterminated template action", 1),
        ("x\n{% if x %}a{% endif %}", "Jinja syntax '{%'", 2),
        ('{{ required "set the pool" .Values.nothing }}', "required value: set the pool", 1),
        ('{{ fail "no" }}', "the chart fails: no", 1),
        ("{{ .Values.name.deeper }}", "can't evaluate field deeper in type string", 1),
        ("{{ $x }}", "undefined variable '$x'", 1),
        ('{{ include "missing" . }}', "no template named 'missing'", 1),
        ("{{ range .Values.unset }}a{{ end }}", "'.Values.unset' has no value", 1),
        ("{{ range .Values.name }}a{{ end }}", "range can't iterate over string", 1),
    ],
)
def test_what_is_not_rendered_says_why_and_where(template: str, reason: str, line: int) -> None:
    result = render(template, CONTEXT)
    assert (result.text, result.reason, result.line) == (None, reason, line)


def test_an_unknown_value_is_never_false() -> None:
    """`not`, `empty`, `eq` on a value the chart does not set stay unknown: the condition
    cannot be decided, whatever the operator."""
    for condition in (
        "not .Values.unset",
        "empty .Values.unset",
        'eq .Values.unset "x"',
        "and .Values.on .Values.unset",
        "or .Values.off .Values.unset",
    ):
        result = render("{{ if " + condition + " }}a{{ end }}", CONTEXT)
        assert (result.text, result.reason) == (None, "'.Values.unset' has no value"), condition


def test_a_known_answer_settles_and_and_or_whatever_the_unknown() -> None:
    assert text_of("{{ if and .Values.unset .Values.off }}a{{ else }}b{{ end }}") == "b"
    assert text_of("{{ if or .Values.unset .Values.on }}a{{ end }}") == "a"
    assert text_of("{{ if and .Values.off .Values.unset }}a{{ else }}b{{ end }}") == "b"


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ('ip: {{ .Values.missing | default "10.0.0.1" }}', "ip: 10.0.0.1"),
        ('ip: {{ default "10.0.0.2" .Values.empty }}', "ip: 10.0.0.2"),
        ('name: {{ .Values.name | default "x" | quote }}', 'name: "lan"'),
        ("n: {{ .Values.zero | default 5 }}", "n: 5"),
        ('n: {{ (get .Values.argo "missing") | default dict | toYaml }}', "n: {}"),
    ],
)
def test_a_default(template: str, expected: str) -> None:
    assert text_of(template) == expected


# -- the line map ---------------------------------------------------------------------------


def test_a_range_over_a_map_goes_in_key_order_and_repeats_its_lines() -> None:
    template = (
        "{{- range $name, $addresses := .Values.pools }}\n"  # 1
        "---\n"  # 2
        "kind: IPAddressPool\n"  # 3
        "metadata:\n"  # 4
        "  name: {{ $name }}\n"  # 5
        "spec:\n"  # 6
        "  addresses:\n"  # 7
        "    {{- toYaml $addresses | nindent 4 }}\n"  # 8
        "{{- end }}\n"  # 9
    )
    result = render(template, CONTEXT)
    assert result.text == (
        "\n---\nkind: IPAddressPool\nmetadata:\n  name: a\nspec:\n  addresses:\n"
        "    - 10.0.1.0/24\n    - 10.0.1.128/25"
        "\n---\nkind: IPAddressPool\nmetadata:\n  name: b\nspec:\n  addresses:\n"
        "    - 10.0.2.0/24\n"
    )
    assert result.lines == (1, 2, 3, 4, 5, 6, 7, 8, 8, 2, 3, 4, 5, 6, 7, 8, 10)


def test_plain_lines_keep_their_numbers_and_a_dropped_branch_takes_its_lines_away() -> None:
    template = "a: 1\n{{- if .Values.off }}\nb: 2\n{{- end }}\nc: {{ .Values.name }}\n"
    result = render(template, CONTEXT)
    assert result.text == "a: 1\nc: lan\n"
    assert result.lines == (1, 5, 6)


def test_a_multi_line_value_is_at_the_line_of_its_action() -> None:
    result = render("a:\n{{ .Values.text | indent 2 }}\nb: 1\n", {"Values": {"text": "x\ny"}})
    assert result.text == "a:\n  x\n  y\nb: 1\n"
    assert result.lines == (1, 2, 2, 3, 4)


def test_an_include_writes_at_the_line_of_its_action() -> None:
    defines = helpers([("_helpers.tpl", '{{- define "labels" -}}\na: 1\nb: 2\n{{- end }}\n')])
    result = render(
        'metadata:\n  labels:\n    {{- include "labels" . | nindent 4 }}\n',
        CONTEXT,
        defines=defines,
    )
    assert result.text == "metadata:\n  labels:\n    a: 1\n    b: 2\n"
    assert result.lines == (1, 2, 3, 3, 4)


# -- the language ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("{{/* a comment */}}a", "a"),
        ("a  {{- /* trimmed both sides */ -}}  \n b", "ab"),
        ("{{ `raw \\n` }}", "raw \\n"),
        ('{{ "tab\\there" }}', "tab\there"),
        ("{{ 0x1F }} {{ -3 }} {{ 1.5 }} {{ 'a' }}", "31 -3 1.5 97"),
        ("{{ $x := 1 }}{{ $x = 2 }}{{ $x }}", "2"),
        ("{{ $.Values.name }}", "lan"),
        ("{{ with $v := .Values.name }}{{ $v }}{{ end }}", "lan"),
        ('{{ (dict "a" (dict "b" 3)).a.b }}', "3"),
        (
            "{{ range $i, $a := .Values.addresses }}{{ $i }}={{ $a }};{{ end }}",
            "0=10.0.0.1/32;1=10.0.0.2/32;",
        ),
        ("{{ range .Values.list }}x{{ else }}none{{ end }}", "none"),
        ("{{ range 3 }}{{ . }}{{ end }}", "012"),
        (
            "{{ range $i, $_ := until 5 }}{{ if eq $i 3 }}{{ break }}{{ end }}{{ $i }}{{ end }}",
            "012",
        ),
        ("{{ range until 4 }}{{ if eq . 1 }}{{ continue }}{{ end }}{{ . }}{{ end }}", "023"),
        ('{{ define "x" }}[{{ . }}]{{ end }}{{ template "x" .Values.name }}', "[lan]"),
        ('{{ block "b" .Values.name }}<{{ . }}>{{ end }}', "<lan>"),
        ("{{ $v := 1 }}{{ if .Values.on }}{{ $v := 2 }}{{ end }}{{ $v }}", "1"),
        ('{{ .Values.name | printf "%s-%s" "x" }}', "x-lan"),
        ('{{ tpl "{{ .Values.name }}-pool" . }}', "lan-pool"),
        ("{{ .Values.nothing }}", ""),
        ("{{ .Values.pools.b }}", "[10.0.2.0/24]"),
        ('{{ dict "a" 1 "b" true }}', "map[a:1 b:true]"),
    ],
)
def test_the_language(template: str, expected: str) -> None:
    assert text_of(template) == expected


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ('{{ quote "a\\"b" 1 }}', '"a\\"b" "1"'),
        ('{{ squote "a" }}', "'a'"),
        ("{{ toYaml .Values.pools }}", "a:\n- 10.0.1.0/24\n- 10.0.1.128/25\nb:\n- 10.0.2.0/24"),
        ('{{ toYaml (list) }} {{ toYaml "x" }} {{ toYaml .Values.nothing }}', "[] x null"),
        ('{{ toJson (dict "b" "<x>" "a" (list 1 2.5)) }}', '{"a":[1,2.5],"b":"\\u003cx\\u003e"}'),
        ('{{ (fromYaml "a: {b: 1}").a.b }}', "1"),
        ('{{ (fromJson "{\\"a\\": [1, 2]}").a }}', "[1 2]"),
        ('{{ "x\\ny" | nindent 2 }}', "\n  x\n  y"),
        ('{{ "x\\ny" | indent 2 }}', "  x\n  y"),
        ('{{ trim "  a \\n" }}|{{ trimSuffix "-x" "a-x" }}|{{ trimPrefix "x-" "x-a" }}', "a|a|a"),
        (
            '{{ upper "ab" }} {{ lower "AB" }} {{ title "hello big-world" }}',
            "AB ab Hello Big-World",
        ),
        ('{{ printf "%s %d %v %q %%" "a" 3 (list 1) "q" }}', 'a 3 [1] "q" %'),
        ('{{ printf "%d" "x" }}|{{ printf "%s" }}', "%!d(string=x)|%!s(MISSING)"),
        ('{{ print "a" 1 2 "b" }}|{{ println "a" 1 }}', "a1 2b|a 1\n"),
        ('{{ index (list "a" "b") 1 }} {{ index .Values.argo "namespace" }}', "b argocd"),
        ('{{ get .Values.argo "namespace" }} {{ get (dict) "x" | quote }}', 'argocd ""'),
        ('{{ $d := dict }}{{ $_ := set $d "k" "v" }}{{ $d.k }}', "v"),
        ('{{ hasKey .Values.argo "namespace" }} {{ hasKey (dict "a" 1) "x" }}', "true false"),
        ('{{ keys (dict "b" 1 "a" 2) }}', "[a b]"),
        ('{{ $m := merge (dict "a" 1) (dict "a" 2 "b" 3) }}{{ $m.a }}{{ $m.b }}', "13"),
        (
            '{{ $m := mergeOverwrite (dict "a" 1 "c" 1) (dict "a" 2 "c" 0) }}{{ $m.a }}{{ $m.c }}',
            "21",
        ),
        ('{{ empty "" }} {{ empty (list 1) }} {{ empty .Values.zero }}', "true false true"),
        ('{{ coalesce .Values.unset .Values.empty "c" }}', "c"),
        ('{{ ternary "y" "n" .Values.on }} {{ ternary "y" "n" false }}', "y n"),
        ('{{ lt 1 2 }} {{ le 2 2 }} {{ gt 1 2 }} {{ ge "b" "a" }}', "true true false true"),
        ('{{ len .Values.addresses }} {{ len "abc" }} {{ len .Values.argo }}', "2 3 2"),
        (
            '{{ contains "an" "lan" }} {{ hasPrefix "la" "lan" }} {{ hasSuffix "x" "lan" }}',
            "true true false",
        ),
        ('{{ replace "." "-" "10.0.0.1" }}', "10-0-0-1"),
        (
            '{{ (split "," "a,b")._1 }} {{ splitList "," "a,b" }} {{ join "-" (list "a" 2) }}',
            "b [a b] a-2",
        ),
        (
            '{{ toString 5 }} {{ int "42" }} {{ int 3.9 }} {{ b64enc "metallb" }}',
            "5 42 3 bWV0YWxsYg==",
        ),
        ('{{ list 1 "a" }} {{ append (list 1) 2 }} {{ first (list 3 4) }}', "[1 a] [1 2] 3"),
        ('{{ trunc 3 "abcdef" }} {{ trunc -2 "abcdef" }} {{ cat "a" nil 1 }}', "abc ef a 1"),
        ('{{ $d := dict "a" 1 "b" 2 }}{{ $_ := unset $d "a" }}{{ keys $d }}', "[b]"),
        ('{{ has 2 (list 1 2) }} {{ has "x" (list 1) }} {{ last (list 1 2) }}', "true false 2"),
        ('{{ sortAlpha (list "b" "a" 3) }}', "[3 a b]"),
        ('{{ sha256sum "a" | trunc 12 }}', "ca978112ca1b"),
        ('{{ printf "%5s|%-3d|%.2f|%t|%x" "ab" 7 1.5 true 255 }}', "   ab|7  |1.50|true|ff"),
        ('{{ kindIs "map" .Values.argo }} {{ kindOf .Values.addresses }}', "true slice"),
        ('{{ mul 2 3 }} {{ div 7 2 }} {{ add 1 2 3 }} {{ sub 5 2 }} {{ atoi "12" }}', "6 3 6 3 12"),
        ('{{ include "t" (dict "x" 1) }}{{ define "t" }}x={{ .x }}{{ end }}', "x=1"),
    ],
)
def test_functions(template: str, expected: str) -> None:
    assert text_of(template) == expected


def test_files_get_reads_through_the_reader_it_is_given() -> None:
    files = {"configs/metallb.yaml": "speaker:\n  frr:\n    enabled: false\n"}
    template = '{{ (.Files.Get "configs/metallb.yaml" | fromYaml).speaker.frr.enabled }}'
    assert text_of(template, read=files.get) == "false"
    assert text_of('[{{ .Files.Get "nope" }}]', read=files.get) == "[]"


def test_a_failed_part_of_a_file_leaves_the_rest() -> None:
    template = "a: 1\n---\nb: {{ .Values.unset }}\n---\nc: {{ .Values.name }}\n"
    result = render_file(template, CONTEXT)
    assert result.text == "a: 1\n---\nb: \n---\nc: lan\n"
    assert [(p.reason, p.line, p.first_line) for p in result.problems] == [
        ("'.Values.unset' has no value", 3, 3)
    ]


# -- bounds ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("template", "reason"),
    [
        (
            '{{ define "a" }}{{ include "a" . }}{{ end }}{{ include "a" . }}',
            ("include, template or tpl nested too deeply"),
        ),
        (
            "{{ range until 100000 }}{{ range until 100000 }}x{{ end }}{{ end }}",
            ("more than 200,000 evaluation steps"),
        ),
        (
            '{{ $s := "xxxxxxxxxxxxxxxx" }}' + '{{ $s = printf "%s%s" $s $s }}' * 30,
            ("a string over the size limit"),
        ),
        (
            "{{ if .Values.on }}" * 500 + "a" + "{{ end }}" * 500,
            ("control structures nested too deeply"),
        ),
        ("{{ " + "(" * 500 + "1" + ")" * 500 + " }}", "expressions nested too deeply"),
        (
            '{{ $d := dict }}{{ $_ := set $d "self" $d }}{{ toYaml $d }}',
            ("a value nested too deeply (or containing itself) to serialise"),
        ),
        ('{{ "a" | indent 100000 }}', "indent by 100000"),
    ],
)
def test_a_template_over_a_limit_is_unrenderable(template: str, reason: str) -> None:
    result = render(template, CONTEXT)
    assert (result.text, result.reason) == (None, reason)


def test_a_map_in_a_list_of_the_values_is_known_whole() -> None:
    """Helm merges the user's values into the chart's map by map, but replaces a list whole:
    a key missing from a map of the values may be set by the user (unknown); one missing from
    an item of a list is not set (nil)."""
    context = {"Values": {"pools": [{"name": "a", "avoid": True}, {"name": "b"}]}}
    template = "{{ range .Values.pools }}{{ .name }}={{ if .avoid }}y{{ else }}n{{ end }};{{ end }}"
    assert text_of(template, context) == "a=y;b=n;"
    result = render("{{ if .Values.missing }}x{{ end }}", context)
    assert result.reason == "'.Values.missing' has no value"


def test_a_line_an_action_wrote_points_at_the_action() -> None:
    template = "spec:\n  addresses:\n    {{- toYaml .Values.addresses | nindent 4 }}\n"
    result = render_file(template, CONTEXT)
    assert result.text == "spec:\n  addresses:\n    - 10.0.0.1/32\n    - 10.0.0.2/32\n"
    assert result.lines == [1, 2, 3, 3, 4]
    assert result.columns == [None, None, (5, 47), (5, 47), None]


def test_has_key_on_the_values_is_unknown_when_the_key_is_not_there() -> None:
    """`hasKey .Values.argo "x"`: the user's values may set it. On a map the template made,
    a missing key is simply missing."""
    result = render('{{ if hasKey .Values.argo "x" }}a{{ end }}', CONTEXT)
    assert (result.text, result.reason) == (None, "key 'x' is not set in the values")
    assert text_of('{{ if hasKey (dict "y" 1) "x" }}a{{ else }}b{{ end }}') == "b"
    assert text_of('{{ if hasKey .Values.argo "namespace" }}a{{ end }}') == "a"


def test_what_only_helm_knows_of_the_release_is_unknown() -> None:
    result = render("{{ if .Release.IsInstall }}a{{ end }}", CONTEXT)
    assert result.reason == "'.Release.IsInstall' is only known when Helm runs"


@pytest.mark.parametrize(
    ("template", "reason", "line"),
    [
        ("a\n{{ if }}x{{ end }}", "missing value for command", 2),
        ("{{ else }}", "unexpected '{{ else }}'", 1),
        ("a\n\n{{/* never closed", "unclosed comment", 3),
        ('{{ "abc }}', "unterminated quoted string", 1),
        (
            '{{ if .Values.on }}{{ define "x" }}{{ end }}{{ end }}',
            ("'define' not at the top level"),
            1,
        ),
        ("{{ break }}", "'break' outside 'range'", 1),
        ("{{ $x, $y := .Values.list }}", "too many declarations", 1),
        ("{{ .Values.on | }}", "missing value for command", 1),
        ("{{ .Values.on ) }}", "unexpected ')'", 1),
        ("{{ (.Values.on }}", "unclosed '('", 1),
        (
            "{{ range .Values.list }}{{ else if .Values.on }}{{ end }}",
            ("unexpected arguments to 'else'"),
            1,
        ),
        (
            "{{ if .Values.on }}{{ else with .Values.on }}{{ end }}",
            ("unexpected arguments to 'else'"),
            1,
        ),
        ("{{ end 1 }}", "unexpected '{{ end }}'", 1),
        ('{{ "\\q" }}', "invalid escape in string", 1),
        ("{{ 1 2 }}", "can't give argument to non-function", 1),
        ("{{ .Values.name 2 }}", "can't give argument to non-function", 1),
        ("{{ # }}", "unexpected '#' in action", 1),
    ],
)
def test_parse_errors_say_why_and_where(template: str, reason: str, line: int) -> None:
    result = render(template, CONTEXT)
    assert (result.text, result.reason, result.line) == (None, reason, line)


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("a \n {{- 1 -}} \n b", "a1b"),
        ("a {{- 1 }} b", "a1 b"),
        ("{{-3}}", "-3"),  # a number, not a trim marker
        ("a\t{{- /* x */}}\tb", "a\tb"),
        ('{{ "}}" }}', "}}"),
        ("{{ `a\nb` }}", "a\nb"),
        ("x{{- if .Values.on -}}\n  y\n{{- end -}}\nz", "xyz"),
    ],
)
def test_trim_markers_and_delimiters_inside_strings(template: str, expected: str) -> None:
    assert text_of(template) == expected
