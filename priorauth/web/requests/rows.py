"""The request's own rows on the request page: levels, conservative care, imaging and
diagnoses, each a formset whose rows are read once and saved in bulk (services.intake).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet

from priorauth import models as m
from priorauth.models import validators as v
from priorauth.web.fields import (
    DATE_WIDGET,
    LevelListField,
    MarkInvalidMixin,
    PastDateField,
    style_widgets,
)


class RequestLevelForm(MarkInvalidMixin, forms.ModelForm):
    class Meta:
        model = m.RequestLevel
        fields = ("level", "side", "prior_count")
        labels = {"prior_count": "Prior injections"}
        widgets = {
            "level": forms.TextInput(
                attrs={
                    "placeholder": "e.g. L4-L5",
                    "autocomplete": "off",
                    "data-level": "",
                }
            ),
            "prior_count": forms.NumberInput(attrs={"min": 0, "data-prior-count": ""}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        style_widgets(self, small=True)

    def clean_level(self) -> str:
        return v.normalize_level(self.cleaned_data.get("level", ""))


class _RowIdField(forms.ModelChoiceField):
    """The hidden id of an existing row, resolved among the rows the formset already loaded.

    Django's default is a ModelChoiceField over every row of the model, which runs
    one ``SELECT ... WHERE id = ?`` per row on each save (an N+1), and would accept
    the id of another request's row. This one looks the id up in the formset's own
    rows (one query for the whole formset, or none when they were prefetched).
    """

    def __init__(self, *args: Any, formset: BaseInlineFormSet, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.formset = formset

    def to_python(self, value: Any) -> Any:
        if value in self.empty_values:
            return None
        try:
            key = self.formset.model._meta.pk.to_python(value)
        except ValidationError:
            key = None
        row = self.formset._existing_object(key) if key is not None else None
        if row is None:
            raise ValidationError(
                self.error_messages["invalid_choice"],
                code="invalid_choice",
                params={"value": value},
            )
        return row


class BaseRowFormSet(BaseInlineFormSet):
    """The request page's row formsets.

    Their forms' ``Meta.fields`` are tuples, never lists: Django's
    ``BaseInlineFormSet.add_fields`` appends the foreign key's name to
    ``form._meta.fields`` in place when it is a list, and a factory's form class
    shares that list with the row form it was made from. Two threads building the
    page at once then raced (one thread's class creation read the list while another
    appended to it: "Unknown field(s) (request) specified for ImagingStudy", a 500
    seen under load); a tuple is copied into a list of the factory's own first."""

    def get_queryset(self) -> Any:
        """The request's rows, read once: reuses rows the caller prefetched
        (``services.auth_request_queryset_for_detail``) instead of querying again."""
        if not hasattr(self, "_queryset"):
            cache = getattr(self.instance, "_prefetched_objects_cache", {})
            name = self.fk.remote_field.get_accessor_name()
            if self.instance.pk is not None and name in cache:
                self._queryset = cache[name]
            else:
                super().get_queryset()
                list(
                    self._queryset
                )  # evaluate once; indexing and lookups reuse the cache
        return self._queryset

    def add_fields(self, form: forms.BaseForm, index: int | None) -> None:
        super().add_fields(form, index)
        name = self._pk_field.name
        field = form.fields.get(name)
        if isinstance(field, forms.ModelChoiceField) and not isinstance(
            field, _RowIdField
        ):
            form.fields[name] = _RowIdField(
                field.queryset,
                formset=self,
                initial=field.initial,
                required=False,
                widget=field.widget,
            )

    def kept_forms(self) -> list[forms.BaseForm]:
        """Valid rows that stay, in page order: existing rows not deleted (changed or
        not) and new rows that were filled in (an untouched blank row is ignored)."""
        return [
            f
            for f in self.forms
            if (f.has_changed() or f.instance.pk is not None)
            and not self._should_delete_form(f)
            and getattr(f, "cleaned_data", None)
        ]


class BaseLevelFormSet(BaseRowFormSet):
    def clean(self) -> None:
        super().clean()
        levels = [
            f.cleaned_data["level"]
            for f in self.kept_forms()
            if f.cleaned_data.get("level")
        ]
        seen: set[str] = set()
        for level in levels:
            if level in seen:
                raise ValidationError(
                    "Level %(level)s is listed twice; use one row with side bilateral.",
                    code="duplicate_level",
                    params={"level": level},
                )
            seen.add(level)


CARE_KIND_CHOICES = [
    ("", "---------"),
    ("physical_therapy", "Physical therapy"),
    ("home_exercise", "Home exercise program"),
    ("chiropractic", "Chiropractic care"),
    ("nsaids", "NSAIDs"),
    ("neuropathic", "Neuropathic agents"),
    ("muscle_relaxants", "Muscle relaxants"),
    ("activity_modification", "Activity modification"),
    ("other", "Other"),
]


class ConservativeCareForm(MarkInvalidMixin, forms.ModelForm):
    """One conservative treatment: how it ended is a choice, with an optional note.

    A row whose outcome was read from old free text and not yet confirmed
    (``needs_review``) shows that text and a "confirmed" tick; choosing another
    outcome confirms it too.
    """

    kind = forms.ChoiceField(label="Kind", choices=CARE_KIND_CHOICES)
    start = PastDateField(label="Start")

    # Model fields a save writes besides Meta.fields (set in clean, not typed).
    extra_model_fields = ("needs_review",)
    # The page shows the note under the outcome (one column: the row stays narrow).
    note_under = "outcome"

    class Meta:
        model = m.ConservativeCare
        fields = ("kind", "start", "end", "duration_weeks", "outcome", "note")
        labels = {
            "duration_weeks": "Weeks",
            "end": "End",
            "outcome": "How it ended",
            "note": "Note (optional)",
        }
        widgets = {
            "end": DATE_WIDGET,
            "duration_weeks": forms.NumberInput(attrs={"min": 0, "step": "0.5"}),
            "note": forms.TextInput(
                attrs={"placeholder": "Note, e.g. 16 visits, pain unchanged"}
            ),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        kind = self.initial.get("kind") or (
            self.instance.kind if self.instance.pk else ""
        )
        if kind and kind not in dict(
            CARE_KIND_CHOICES
        ):  # keep free-text kinds from imports
            self.fields["kind"].choices = [*CARE_KIND_CHOICES, (kind, kind)]
        self.fields["outcome"].choices = [
            ("", "Choose how it ended"),
            *m.CARE_OUTCOME_CHOICES,
        ]
        if self.needs_review:
            self.fields["confirmed"] = forms.BooleanField(
                label="The outcome is right", required=False
            )
        style_widgets(self, small=True)

    @property
    def needs_review(self) -> bool:
        return self.instance.pk is not None and self.instance.needs_review

    @property
    def review_text(self) -> str:
        """The old free text the outcome was read from (shown until confirmed)."""
        return self.initial.get("note", "") if self.needs_review else ""

    def clean_duration_weeks(self) -> float | None:
        value = self.cleaned_data.get("duration_weeks")
        if value is not None and value < 0:
            raise ValidationError("Weeks cannot be negative.", code="negative_duration")
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end and end < start:
            self.add_error(
                "end",
                ValidationError(
                    "The end date is before the start date.", code="end_before_start"
                ),
            )
        if self.needs_review and (
            data.get("confirmed") or "outcome" in self.changed_data
        ):
            self.instance.needs_review = False
        return data


IMAGING_MODALITY_CHOICES = [
    ("", "---------"),
    ("mri", "MRI"),
    ("ct", "CT"),
    ("xray", "X-ray"),
    ("emg", "EMG / NCS"),
]


class ImagingForm(MarkInvalidMixin, forms.ModelForm):
    modality = forms.ChoiceField(label="Modality", choices=IMAGING_MODALITY_CHOICES)
    date = PastDateField(label="Study date")
    levels = LevelListField(label="Levels")

    class Meta:
        model = m.ImagingStudy
        fields = ("modality", "date", "levels", "findings", "concordant", "shows_hnp")
        labels = {"shows_hnp": "Shows HNP", "concordant": "Concordant"}
        widgets = {"findings": forms.Textarea(attrs={"rows": 1})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        style_widgets(self, small=True)


class DiagnosisForm(MarkInvalidMixin, forms.ModelForm):
    class Meta:
        model = m.Diagnosis
        fields = ("code",)
        widgets = {
            "code": forms.TextInput(
                attrs={"placeholder": "e.g. M47.816", "autocomplete": "off", "size": 10}
            )
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        style_widgets(self, small=True)

    def clean_code(self) -> str:
        return v.normalize_icd10(self.cleaned_data.get("code", ""))


class BaseDiagnosisFormSet(BaseRowFormSet):
    def clean(self) -> None:
        super().clean()
        codes = [
            f.cleaned_data["code"]
            for f in self.kept_forms()
            if f.cleaned_data.get("code")
        ]
        dupes = sorted({c for c in codes if codes.count(c) > 1})
        if dupes:
            raise ValidationError(
                "Diagnosis %(code)s is listed twice.",
                code="duplicate_diagnosis",
                params={"code": dupes[0]},
            )
