"""The form renderer (priorauth.web.form_renderer): widgets drawn by Jinja2 and the
inlined select template give the same HTML as Django's default renderer (up to how
a quote is escaped, which a browser reads the same)."""

from __future__ import annotations

import re
from html import unescape

import pytest

from django import forms
from django.forms.renderers import DjangoTemplates

from priorauth.web.form_renderer import WidgetsFirstRenderer


class Sample(forms.Form):
    side = forms.ChoiceField(
        choices=[("", "---------"), ("left", "Left"), ("right", 'Right "R"')],
        widget=forms.Select(attrs={"class": "form-select", "data-x": "1"}),
    )
    grouped = forms.ChoiceField(
        choices=[
            ("Lumbar", [("L4-L5", "L4-L5"), ("L5-S1", "L5-S1")]),
            ("Cervical", [("C5-C6", "C5-C6")]),
        ]
    )
    many = forms.MultipleChoiceField(choices=[("a", "A"), ("b", "B & b")])
    flag = forms.NullBooleanField()
    note = forms.CharField(widget=forms.Textarea, required=False)
    when = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    tick = forms.BooleanField(required=False)


def _norm(html: str) -> str:
    return re.sub(r"\s+", " ", unescape(html)).strip()


@pytest.mark.parametrize(
    "data",
    [
        None,
        {"side": "right", "grouped": "L5-S1", "many": ["a", "b"], "flag": "true"},
        {"side": "x<y", "note": '"quoted" <b>', "when": "2026-12-02", "tick": "on"},
    ],
)
def test_every_widget_draws_the_same_html_as_the_default_renderer(data):
    ours = Sample(data, renderer=WidgetsFirstRenderer())
    default = Sample(data, renderer=DjangoTemplates())
    for name in Sample.base_fields:
        assert _norm(str(ours[name])) == _norm(str(default[name])), name


def test_a_value_is_escaped_in_the_inlined_select():
    form = Sample({"side": "right"}, renderer=WidgetsFirstRenderer())
    html = str(form["side"])
    assert '"R"' not in html and "Right &#34;R&#34;" in html
    assert '<option value="right" selected>' in html
