"""Form fields and widget styling shared by the screens' forms and the admin's.

Each field normalizes what was typed (``l4-5`` -> ``L4-L5``) with the validators in
``models.validators`` and refuses what cannot be stored, with a coded error.
"""

from __future__ import annotations

from typing import Any

from django import forms

from priorauth.models import validators as v

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ScoreField(forms.CharField):
    """One number on a bounded scale; a range such as ``2-8`` gets its own error."""

    def __init__(self, *, low: float = 0, high: float = 10, **kwargs: Any) -> None:
        self.low, self.high = low, high
        kwargs.setdefault("required", False)
        kwargs.setdefault(
            "widget",
            forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
        )
        super().__init__(**kwargs)

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, float):
            return f"{value:g}"
        return value

    def to_python(self, value: Any) -> float | None:  # type: ignore[override]
        if isinstance(value, int | float):
            return float(value)
        label = (self.label or "score").lower()
        return v.parse_score(
            str(value or ""), low=self.low, high=self.high, label=label
        )


class PastDateField(forms.DateField):
    """A date of something that already happened (onset, block, imaging, history)."""

    default_validators = [v.validate_not_future]

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("widget", DATE_WIDGET)
        super().__init__(**kwargs)


class LevelListField(forms.CharField):
    """Comma-separated levels, each canonicalised (``l4-5, L5S1`` -> ``L4-L5, L5-S1``)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("max_length", 100)
        kwargs.setdefault("help_text", "e.g. L4-L5, L5-S1")
        super().__init__(**kwargs)

    def clean(self, value: Any) -> str:
        value = super().clean(value)
        return v.normalize_level_list(value) if value else ""


def style_widgets(form: forms.BaseForm, *, small: bool = False) -> None:
    """Bootstrap classes on every widget (formset rows are rendered field by field)."""
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.CheckboxInput):
            css = "form-check-input"
        elif isinstance(widget, forms.Select):
            css = "form-select form-select-sm" if small else "form-select"
        elif isinstance(widget, forms.HiddenInput):
            continue
        else:
            css = "form-control form-control-sm" if small else "form-control"
        widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()


class MarkInvalidMixin:
    """After validation, flag inputs with errors (class + aria) for row formsets."""

    def full_clean(self) -> None:
        super().full_clean()  # type: ignore[misc]
        self.mark_invalid()

    def mark_invalid(self) -> None:
        for name in self._errors or {}:  # type: ignore[attr-defined]
            field = self.fields.get(name)  # type: ignore[attr-defined]
            if field is not None and "is-invalid" not in field.widget.attrs.get(
                "class", ""
            ):
                field.widget.attrs["class"] = (
                    f"{field.widget.attrs.get('class', '')} is-invalid".strip()
                )
                field.widget.attrs["aria-invalid"] = "true"
