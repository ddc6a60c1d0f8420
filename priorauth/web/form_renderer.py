"""The form renderer: Django's widget templates through Jinja2, the rest as before.

The request form renders ~140 widgets (inputs, selects and their options) per
page; Django's Jinja2 copies of its own widget templates (``django/forms/jinja2``,
the same HTML) render them in about a third of the time the Django-template
copies take, ~20 % off the page (docs/performance.md). A template that only
exists as a Django template (the admin's related-widget wrapper, any app's own
widget template) is rendered by the default renderer, so nothing else changes. The
select widget's template is replaced by one that draws its options inline (``INLINED``).
"""

from __future__ import annotations

from django.forms.renderers import BaseRenderer, DjangoTemplates, Jinja2
from django.template import TemplateDoesNotExist


# Django's widget templates replaced by ones that draw the same HTML with fewer
# includes (priorauth/jinja2/priorauth/widgets/): a select includes a template per
# option, and that one another for its attributes.
INLINED = {"django/forms/widgets/select.html": "priorauth/widgets/select.html"}


class WidgetsFirstRenderer(BaseRenderer):
    """Jinja2 for the templates it has (Django's form and widget templates),
    Django templates for everything else."""

    def __init__(self) -> None:
        self._jinja2 = Jinja2()
        self._django = DjangoTemplates()

    def get_template(self, template_name: str):  # type: ignore[no-untyped-def]
        template_name = INLINED.get(template_name, template_name)
        try:
            return self._jinja2.get_template(template_name)
        except TemplateDoesNotExist:
            return self._django.get_template(template_name)
