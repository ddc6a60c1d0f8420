"""Intake forms: validate and normalize only; the rules engine decides policy.

One request page = ``AuthRequestForm`` + five formsets: levels, the patient's
injection history (``history``: the patient's rows, with a "this request builds on
it" tick each, and new rows), conservative care, imaging, diagnoses. The formset
prefixes are the related names, so a finding's field path
(``levels[0].prior_count``) maps to an input id (``id_levels-0-prior_count``) with
``field_anchor``.
"""

from __future__ import annotations

import functools
import re
from typing import Any

from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Div, Field, Fieldset, Layout

from django import forms
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet, inlineformset_factory

from priorauth import models as m
from priorauth import validators as v
from priorauth.rules import facts as rf
from priorauth.rules.io import INTENTS_BY_TYPE
from priorauth.rules.validation import payer_profile_problem

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


def _style_widgets(form: forms.BaseForm, *, small: bool = False) -> None:
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


# --------------------------------------------------------------------------- request


class _KnownChoiceField(forms.ModelChoiceField):
    """A ModelChoiceField that takes the request's current choice without a query.

    ``known``: the related rows already loaded with the request (select_related);
    posting the current provider/facility/payer back (the usual case) costs
    nothing, any other value is looked up in the practice-scoped queryset.
    """

    known: dict[str, Any]

    def to_python(self, value: Any) -> Any:
        known = getattr(self, "known", None) or {}
        if value not in self.empty_values and str(value) in known:
            return known[str(value)]
        return super().to_python(value)


class _PayerProfileField(_KnownChoiceField):
    """An unknown profile gets the words every way in uses (``rules.validation``)."""

    def to_python(self, value: Any) -> Any:
        try:
            return super().to_python(value)
        except ValidationError as exc:
            if exc.code != "invalid_choice":
                raise
            keys = set(self.queryset.values_list("key", flat=True))
            problem = payer_profile_problem(str(value), keys)
            if problem is None:  # a key posted where the select sends ids
                raise
            raise ValidationError(problem.message, code=problem.code) from None


class _SharedRowsIterator(forms.models.ModelChoiceIterator):
    """Choices from rows loaded once and shared by several fields of one form.

    The ordering and rendering provider selects list the same providers: rendering
    the form reads them with one query, not one per field. ``field.shared_rows`` is
    a callable returning the (cached) rows; validation still goes through the
    field's queryset (``_KnownChoiceField.to_python``).
    """

    def __iter__(self):  # type: ignore[no-untyped-def]
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in self.field.shared_rows():
            yield self.choice(obj)

    def __len__(self) -> int:
        return len(self.field.shared_rows()) + (self.field.empty_label is not None)

    def __bool__(self) -> bool:
        return self.field.empty_label is not None or bool(self.field.shared_rows())


class AuthRequestForm(forms.ModelForm):
    """Header, procedure and clinical facts of one request.

    The patient is not a form field: a request belongs to its patient. The view
    resolves it (the request's own patient on edit; ``?patient=`` on create,
    practice-scoped) and passes it in; the page shows it as read-only text.
    (A ``<select>`` of every patient of the practice made the page's cost grow
    with the practice: 1,000+ options at 100,000 requests, see docs/performance.md.)
    """

    onset_date = PastDateField(label="Pain onset date")
    baseline_pain_score = ScoreField(label="Baseline pain score", help_text="0-10")
    function_score = ScoreField(
        label="Function score", low=0, high=100, help_text="e.g. ODI 0-100"
    )

    class Meta:
        model = m.AuthRequest
        fields = [
            "payer_profile",
            "plan_name",
            "state_of_service",
            "county_of_service",
            "ordering_provider",
            "rendering_provider",
            "facility",
            "procedure_type",
            "intent",
            "date_of_service",
            "guidance",
            "contrast",
            "contrast_contraindication",
            "sedation",
            "sedation_justification",
            "rfa_technique",
            "injectate",
            "onset_date",
            "pain_pattern",
            "radiculopathy",
            "neurogenic_claudication",
            "facet_cyst",
            "fusion_at_level",
            "other_causes_excluded",
            "baseline_pain_scale",
            "baseline_pain_score",
            "function_scale",
            "function_score",
            "functional_impairment",
            "rfa_contraindication",
            "rfa_planned",
        ]
        widgets = {
            "date_of_service": DATE_WIDGET,
            "sedation_justification": forms.Textarea(attrs={"rows": 2}),
            "functional_impairment": forms.Textarea(attrs={"rows": 2}),
            "rfa_contraindication": forms.Textarea(attrs={"rows": 2}),
            "state_of_service": forms.TextInput(
                attrs={"maxlength": 2, "size": 3, "autocomplete": "off"}
            ),
            "county_of_service": forms.TextInput(attrs={"autocomplete": "off"}),
        }
        help_texts = {
            "payer_profile": "Defaults to the patient's payer.",
            "county_of_service": "Virginia only: Arlington, Fairfax, Falls Church and "
            "Alexandria are Medicare jurisdiction JL (Novitas), the rest of the state JM.",
        }
        field_classes = {
            "payer_profile": _PayerProfileField,
            **dict.fromkeys(
                ("ordering_provider", "rendering_provider", "facility"),
                _KnownChoiceField,
            ),
        }
        labels = {
            "rfa_technique": "RFA technique",
            "state_of_service": "State of service",
            "county_of_service": "County or city of service",
        }

    def __init__(
        self,
        *args: Any,
        practice: m.Practice | int,
        patient: m.Patient | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.practice = practice
        if self.instance.pk is not None:
            patient = self.instance.patient
        if patient is None:
            raise ValueError(
                "AuthRequestForm needs the patient (the request's own, or the one chosen for a new request)."
            )
        practice_id = practice.pk if isinstance(practice, m.Practice) else practice
        if patient.practice_id != practice_id:
            raise ValueError("The patient belongs to another practice.")
        self.fixed_patient = patient
        self.instance.patient = patient
        if (
            self.instance.pk is None and not self.is_bound
        ):  # a new request starts with the patient's payer
            if not self.initial.get("payer_profile"):
                self.initial["payer_profile"] = patient.payer_profile_id
            if not self.initial.get("plan_name"):
                self.initial["plan_name"] = patient.plan_name
        self.fields["payer_profile"].queryset = m.PayerProfile.objects.filter(
            is_active=True
        )
        self.fields["payer_profile"].required = False
        providers = m.Provider.objects.filter(practice=practice)
        shared_providers = functools.cache(lambda: list(providers))
        for name in ("ordering_provider", "rendering_provider"):
            field = self.fields[name]
            field.iterator = _SharedRowsIterator
            field.shared_rows = shared_providers
            field.queryset = providers
        self.fields["facility"].queryset = m.Facility.objects.filter(practice=practice)
        for name in (
            "payer_profile",
            "ordering_provider",
            "rendering_provider",
            "facility",
        ):
            model_field = self.instance._meta.get_field(name)
            current = (
                model_field.get_cached_value(self.instance, None)
                if self.instance.pk
                else None
            )
            if (
                name == "payer_profile"
                and current is not None
                and not current.is_active
            ):
                current = None  # a retired profile version is not offered again
            self.fields[name].known = (
                {str(current.pk): current} if current is not None else {}
            )
        if self.instance.review_note:
            # Rendered by the template beside the note (not part of the layout).
            self.fields["review_note_done"] = forms.BooleanField(
                label="Done: remove this note", required=False
            )
        _style_widgets(self)
        self.helper = self._build_helper()

    def _build_helper(self) -> FormHelper:
        helper = FormHelper(self)
        helper.form_tag = False
        helper.disable_csrf = True
        row = "row g-2"
        helper.layout = Layout(
            Fieldset(
                "Patient and payer",
                Div(
                    HTML('{% include "priorauth/includes/request_patient.html" %}'),
                    Div(Field("payer_profile"), css_class="col-md-6"),
                    css_class=row,
                ),
                Div(
                    Div(Field("plan_name"), css_class="col-md-6"),
                    Div(Field("state_of_service"), css_class="col-md-2"),
                    Div(Field("county_of_service"), css_class="col-md-4"),
                    css_class=row,
                ),
                Div(
                    Div(Field("ordering_provider"), css_class="col-md-4"),
                    Div(Field("rendering_provider"), css_class="col-md-4"),
                    Div(Field("facility"), css_class="col-md-4"),
                    css_class=row,
                ),
                css_id="section-patient",
            ),
            Fieldset(
                "Procedure",
                Div(
                    Div(Field("procedure_type"), css_class="col-md-6"),
                    Div(Field("intent"), css_class="col-md-3"),
                    Div(Field("date_of_service"), css_class="col-md-3"),
                    css_class=row,
                ),
                Div(
                    Div(Field("guidance"), css_class="col-md-3"),
                    Div(Field("contrast"), css_class="col-md-3 pt-md-4"),
                    Div(Field("contrast_contraindication"), css_class="col-md-6"),
                    css_class=row,
                ),
                Div(
                    Div(Field("sedation"), css_class="col-md-4"),
                    Div(Field("sedation_justification"), css_class="col-md-8"),
                    css_class=row,
                ),
                Div(
                    Div(Field("rfa_technique"), css_class="col-md-4"),
                    Div(Field("injectate"), css_class="col-md-8"),
                    css_class=row,
                ),
                css_id="section-procedure",
            ),
            Fieldset(
                "Clinical",
                Div(
                    Div(Field("onset_date"), css_class="col-md-4"),
                    Div(Field("pain_pattern"), css_class="col-md-4"),
                    css_class=row,
                ),
                Div(
                    Div(
                        Field("radiculopathy"),
                        Field("neurogenic_claudication"),
                        Field("facet_cyst"),
                        css_class="col-md-6",
                    ),
                    Div(
                        Field("fusion_at_level"),
                        Field("other_causes_excluded"),
                        Field("rfa_planned"),
                        css_class="col-md-6",
                    ),
                    css_class=row,
                ),
                Div(
                    Div(
                        Field("baseline_pain_scale", placeholder="e.g. NRS"),
                        css_class="col-md-3",
                    ),
                    Div(Field("baseline_pain_score"), css_class="col-md-3"),
                    Div(
                        Field("function_scale", placeholder="e.g. ODI"),
                        css_class="col-md-3",
                    ),
                    Div(Field("function_score"), css_class="col-md-3"),
                    css_class=row,
                ),
                Field("functional_impairment"),
                Field("rfa_contraindication"),
                css_id="section-clinical",
            ),
        )
        return helper

    def clean_county_of_service(self) -> str:
        return " ".join((self.cleaned_data.get("county_of_service") or "").split())

    def clean_state_of_service(self) -> str:
        value = (self.cleaned_data.get("state_of_service") or "").strip().upper()
        if value and not re.fullmatch(r"[A-Z]{2}", value):
            raise ValidationError(
                "Enter the two-letter state, e.g. AZ.", code="invalid_state"
            )
        return value

    def _get_validation_exclusions(self) -> set[str]:
        """Skip the model's per-foreign-key existence query for keys this form already
        validated: a ModelChoiceField's value was fetched from its (practice-scoped)
        queryset moments ago, so a second ``SELECT 1`` per key proves nothing."""
        exclude = super()._get_validation_exclusions()
        for name, field in self.fields.items():
            if isinstance(field, forms.ModelChoiceField):
                exclude.add(name)
        return exclude

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        patient = self.fixed_patient
        if not data.get("payer_profile") and "payer_profile" not in self.errors:
            if patient is not None and patient.payer_profile_id:
                data["payer_profile"] = patient.payer_profile
                self.instance.payer_profile = patient.payer_profile
            else:
                self.add_error(
                    "payer_profile",
                    ValidationError(
                        "Choose the payer profile (the patient has none on file).",
                        code="required",
                    ),
                )
        if patient is not None and not data.get("plan_name"):
            data["plan_name"] = patient.plan_name
        if data.get("review_note_done"):
            self.instance.review_note = ""
        return data


# --------------------------------------------------------------------------- rows


class RequestLevelForm(MarkInvalidMixin, forms.ModelForm):
    class Meta:
        model = m.RequestLevel
        fields = ["level", "side", "prior_count"]
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
        _style_widgets(self, small=True)

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


def _check_relief(value: float | None) -> float | None:
    if value is not None and value > 100:
        raise ValidationError(
            "Relief cannot be over 100%% (you entered %(value)s).",
            code="relief_over_100",
            params={"value": f"{value:g}"},
        )
    if value is not None and value < -100:
        raise ValidationError(
            "Relief cannot be below -100%%.", code="relief_below_minus_100"
        )
    return value


def _check_not_negative(value: float | None, what: str) -> float | None:
    if value is not None and value < 0:
        raise ValidationError(
            "%(what)s cannot be negative.",
            code="negative_duration",
            params={"what": what},
        )
    return value


class HistoryRowForm(MarkInvalidMixin, forms.ModelForm):
    """One injection in the patient's history, edited or added on the request page.

    ``builds_on``: this request builds on the injection (relies on its response); new
    rows start ticked. ``confirmed`` (only on rows marked for review, e.g. facts
    inferred when block responses moved into the history): staff checked the row.
    """

    date = PastDateField(
        label="Date",
        required=True,
        error_messages={"required": "Enter the date of the injection."},
    )
    levels = LevelListField(
        label="Levels",
        required=True,
        error_messages={"required": "Enter the levels injected, e.g. L4-L5."},
    )
    pre_score = ScoreField(label="Pain before", help_text="0-10")
    post_score = ScoreField(label="Pain after", help_text="0-10")
    relief_percent = forms.FloatField(
        label="% relief",
        required=False,
        widget=forms.NumberInput(attrs={"step": "0.1", "data-relief": ""}),
        help_text="Worked out from the pain scores when left empty.",
    )
    builds_on = forms.BooleanField(label="This request builds on it", required=False)

    # Model fields a save writes besides Meta.fields (set in clean, not typed).
    extra_model_fields = ("needs_review",)

    class Meta:
        model = m.PriorProcedure
        fields = [
            "date",
            "procedure",
            "intent",
            "levels",
            "side",
            "agent",
            "scale",
            "pre_score",
            "post_score",
            "relief_percent",
            "relief_duration_hours",
            "relief_duration_days",
        ]
        labels = {
            "procedure": "Procedure",
            "agent": "Medicine injected",
            "scale": "Pain scale",
            "relief_duration_hours": "Relief lasted (hours)",
            "relief_duration_days": "Relief lasted (days)",
        }
        widgets = {
            "agent": forms.TextInput(attrs={"placeholder": "e.g. lidocaine 2%"}),
            "scale": forms.TextInput(attrs={"placeholder": "e.g. NRS"}),
            "relief_duration_hours": forms.NumberInput(attrs={"min": 0, "step": "0.5"}),
            "relief_duration_days": forms.NumberInput(attrs={"min": 0, "step": "1"}),
        }

    def __init__(
        self, *args: Any, builds_on_ids: frozenset[int] = frozenset(), **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        row = self.instance
        self.initial.setdefault(
            "builds_on", row.pk in builds_on_ids if row.pk is not None else True
        )
        self.fields["procedure"].choices = [
            ("", "Choose the procedure"),
            *m.PROCEDURE_CHOICES,
        ]
        self.fields["procedure"].error_messages["required"] = (
            "Choose the procedure that was done."
        )
        if row.pk is not None and row.needs_review:
            self.fields["confirmed"] = forms.BooleanField(
                label="I checked this injection", required=False
            )
        self.fields["pre_score"].widget.attrs["data-pre-score"] = ""
        self.fields["post_score"].widget.attrs["data-post-score"] = ""
        _style_widgets(self, small=True)

    @property
    def model_changed(self) -> bool:
        """A stored field changed (ticking "builds on" alone changes no history row)."""
        return bool(set(self.changed_data) - {"builds_on"})

    def has_changed(self) -> bool:
        # A new row counts as filled in once something besides its tick is typed.
        if self.instance.pk is None:
            return self.model_changed
        return super().has_changed()

    def clean_relief_percent(self) -> float | None:
        return _check_relief(self.cleaned_data.get("relief_percent"))

    def clean_relief_duration_hours(self) -> float | None:
        return _check_not_negative(
            self.cleaned_data.get("relief_duration_hours"), "The relief duration"
        )

    def clean_relief_duration_days(self) -> float | None:
        return _check_not_negative(
            self.cleaned_data.get("relief_duration_days"), "The relief duration"
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        procedure, intent = data.get("procedure"), data.get("intent")
        if procedure and intent:
            allowed = INTENTS_BY_TYPE.get(rf.ProcedureType(procedure), ())
            if allowed and rf.Intent(intent) not in allowed:
                labels = dict(m.INTENT_CHOICES)
                self.add_error(
                    "intent",
                    ValidationError(
                        "A %(procedure)s is %(allowed)s, not %(intent)s.",
                        code="intent_mismatch",
                        params={
                            "procedure": dict(m.PROCEDURE_CHOICES)[procedure].lower(),
                            "allowed": " or ".join(
                                labels[i.value].lower() for i in allowed
                            ),
                            "intent": labels[intent].lower(),
                        },
                    ),
                )
        if data.get("relief_percent") is None and "relief_percent" not in self.errors:
            # A typed value that disagrees with the scores is kept: the engine reports it.
            data["relief_percent"] = v.percent_relief(
                data.get("pre_score"), data.get("post_score")
            )
        if data.get("confirmed"):
            self.instance.needs_review = False
        return data


class HistoryFormSet(BaseRowFormSet):
    """The patient's injection history on the request page.

    Existing rows are the ones ``shown`` (``services.request_history_rows``: every
    row the request builds on, then the newest of its kind); a posted id outside
    them (another patient's row, a forged POST) is refused by the row id field.
    They are edited in place, never deleted here, and checked only when changed.
    New rows can be removed before they are saved.
    """

    shown: list[m.PriorProcedure]

    def get_queryset(self) -> Any:
        return self.shown

    def _construct_form(self, i: int, **kwargs: Any) -> forms.BaseForm:
        # A saved injection left as it was is not validated again: an old row (e.g.
        # one the data move left without levels) must not stop the request's save.
        # Touch it (or tick it) and it is checked like any other.
        kwargs.setdefault("empty_permitted", True)
        return super()._construct_form(i, **kwargs)

    def add_fields(self, form: forms.BaseForm, index: int | None) -> None:
        super().add_fields(form, index)
        if index is not None and index < self.initial_form_count():
            form.fields.pop("DELETE", None)

    def builds_on_choices(self) -> list[tuple[m.PriorProcedure, bool]]:
        """Kept rows (saved ones and filled-in new ones) with their "builds on" tick."""
        return [
            (form.instance, bool(form.cleaned_data.get("builds_on")))
            for form in self.kept_forms()
        ]


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
        fields = ["kind", "start", "end", "duration_weeks", "outcome", "note"]
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
        _style_widgets(self, small=True)

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
        fields = ["modality", "date", "levels", "findings", "concordant", "shows_hnp"]
        labels = {"shows_hnp": "Shows HNP", "concordant": "Concordant"}
        widgets = {"findings": forms.Textarea(attrs={"rows": 1})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _style_widgets(self, small=True)


class DiagnosisForm(MarkInvalidMixin, forms.ModelForm):
    class Meta:
        model = m.Diagnosis
        fields = ["code"]
        widgets = {
            "code": forms.TextInput(
                attrs={"placeholder": "e.g. M47.816", "autocomplete": "off", "size": 10}
            )
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _style_widgets(self, small=True)

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


# (prefix, title, model, form, formset base). Prefixes are the related names.
FORMSET_SPECS: list[tuple[str, str, type, type, type]] = [
    ("levels", "Levels", m.RequestLevel, RequestLevelForm, BaseLevelFormSet),
    (
        "conservative_care",
        "Conservative care",
        m.ConservativeCare,
        ConservativeCareForm,
        BaseRowFormSet,
    ),
    ("imaging", "Imaging", m.ImagingStudy, ImagingForm, BaseRowFormSet),
    (
        "diagnoses",
        "Diagnoses (ICD-10-CM)",
        m.Diagnosis,
        DiagnosisForm,
        BaseDiagnosisFormSet,
    ),
]
HISTORY_PREFIX = "history"  # the patient's rows (Patient.history), after the levels
FORMSET_TITLES = {
    "levels": "Levels",
    HISTORY_PREFIX: "Injection history",
    **{prefix: title for prefix, title, *_ in FORMSET_SPECS},
}
FORMSET_ADD_LABELS = {
    "levels": "Add level",
    HISTORY_PREFIX: "Add an injection",
    "conservative_care": "Add conservative care",
    "imaging": "Add imaging study",
    "diagnoses": "Add diagnosis",
}
NEW_HISTORY_ROWS_MAX = 30


def history_formset(
    *,
    data: Any = None,
    patient: m.Patient,
    shown: list[m.PriorProcedure],
    builds_on_ids: frozenset[int] = frozenset(),
) -> HistoryFormSet:
    """The injection history section: the ``shown`` rows of ``patient`` (see
    ``services.request_history_rows``) with their "builds on" ticks, plus new rows."""
    factory = inlineformset_factory(
        m.Patient,
        m.PriorProcedure,
        form=HistoryRowForm,
        formset=HistoryFormSet,
        extra=0,
        can_delete=True,
        max_num=len(shown) + NEW_HISTORY_ROWS_MAX,
        validate_max=True,
    )
    factory.shown = shown
    return factory(
        data=data,
        instance=patient,
        prefix=HISTORY_PREFIX,
        form_kwargs={"builds_on_ids": builds_on_ids},
    )


def request_formsets(
    *,
    data: Any = None,
    instance: m.AuthRequest | None = None,
    patient: m.Patient | None = None,
    history_shown: list[m.PriorProcedure] | None = None,
    builds_on_ids: frozenset[int] = frozenset(),
) -> dict[str, BaseInlineFormSet]:
    """The formsets of the request page, keyed by prefix (page order).

    With ``patient``: the injection history section too (``history_shown``: its
    existing rows on the page; ``builds_on_ids``: those the request builds on).
    """
    instance = instance if instance is not None else m.AuthRequest()
    is_new = instance.pk is None
    result: dict[str, BaseInlineFormSet] = {}
    for prefix, _title, model, form, base in FORMSET_SPECS:
        extra = 1 if is_new and prefix in ("levels", "diagnoses") else 0
        factory = inlineformset_factory(
            m.AuthRequest,
            model,
            form=form,
            formset=base,
            extra=extra,
            can_delete=True,
            max_num=30,
            validate_max=True,
        )
        result[prefix] = factory(data=data, instance=instance, prefix=prefix)
        if prefix == "levels" and patient is not None:
            result[HISTORY_PREFIX] = history_formset(
                data=data,
                patient=patient,
                shown=history_shown or [],
                builds_on_ids=builds_on_ids,
            )
    return result


class SendForSignatureForm(forms.Form):
    override_reason = forms.CharField(
        label="Override reason (required while blockers remain)",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}),
    )


class PriorProcedureForm(forms.ModelForm):
    """One history (ledger) row: the date is a past event, levels are canonicalised."""

    date = PastDateField(label="Date", required=True)
    levels = LevelListField(label="Levels", required=True)
    pre_score = ScoreField(label="Pain before")
    post_score = ScoreField(label="Pain after")

    class Meta:
        model = m.PriorProcedure
        fields = [
            "date",
            "procedure",
            "intent",
            "levels",
            "side",
            "relief_percent",
            "relief_duration_hours",
            "relief_duration_days",
            "scale",
            "agent",
            "pre_score",
            "post_score",
            "needs_review",
            "review_note",
        ]
        widgets = {"review_note": forms.Textarea(attrs={"rows": 2, "cols": 30})}

    def clean_relief_percent(self) -> float | None:
        return _check_relief(self.cleaned_data.get("relief_percent"))


class NPIField(forms.CharField):
    default_validators = [v.validate_npi]

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 10)
        kwargs.setdefault("label", "NPI")
        super().__init__(**kwargs)


class ProviderForm(forms.ModelForm):
    npi = NPIField()

    class Meta:
        model = m.Provider
        fields = ["name", "credentials", "npi", "specialty"]


class FacilityForm(forms.ModelForm):
    npi = NPIField()

    class Meta:
        model = m.Facility
        fields = ["name", "npi", "place_of_service"]


# --------------------------------------------------------------------------- findings -> fields

# Engine fact paths whose form field has another name (see services.auth_request_facts).
_FIELD_ALIASES = {
    "procedure.type": "procedure_type",
    "payer.profile_key": "payer_profile",
    "payer.plan_name": "plan_name",
    "payer.state": "state_of_service",
    "payer.county": "county_of_service",
    "ordering": "ordering_provider",
    "rendering": "rendering_provider",
    "facility": "facility",
    "patient": "patient",
}
_ROW_PATH = re.compile(
    r"^(?P<prefix>[a-z_]+)\[(?P<index>\d+)\](?:\.(?P<field>[a-z_]+))?$"
)


def field_anchor(path: str) -> str:
    """Input id (without ``#``) on the request page for a finding's field path.

    ``clinical.onset_date`` -> ``id_onset_date``; ``levels[0].prior_count`` ->
    ``id_levels-0-prior_count``; ``diagnoses[1]`` -> ``id_diagnoses-1-code``;
    a whole list (``imaging``) -> its section ``section-imaging``. Empty when unknown.
    """
    path = (path or "").strip()
    if not path:
        return ""
    if path.split(".", 1)[0].split("[", 1)[0] == HISTORY_PREFIX:
        # History indexes count the patient's whole history, not the rows on the page.
        return f"section-{HISTORY_PREFIX}"
    match = _ROW_PATH.match(path)
    if match and match["prefix"] in FORMSET_TITLES:
        field = match["field"] or ("code" if match["prefix"] == "diagnoses" else "")
        if not field:
            return f"section-{match['prefix']}"
        if match["prefix"] == "levels" and field == "level":
            field = "level"
        return f"id_{match['prefix']}-{match['index']}-{field}"
    if path in FORMSET_TITLES:
        return f"section-{path}"
    for prefix, name in _FIELD_ALIASES.items():
        if path == prefix or path.startswith(prefix + "."):
            return f"id_{name}"
    last = path.rsplit(".", 1)[-1]
    if last in AuthRequestForm.Meta.fields:
        return f"id_{last}"
    head = path.split(".", 1)[0].split("[", 1)[0]
    return {"procedure": "section-procedure", "clinical": "section-clinical"}.get(
        head, ""
    )


class PatientSearchForm(forms.Form):
    """The new-request page's patient search (posted, never in the URL)."""

    q = forms.CharField(
        label="Patient name or member ID",
        required=False,
        max_length=100,
        widget=forms.TextInput(
            attrs={"class": "form-control", "autocomplete": "off", "type": "search"}
        ),
    )


class WorklistFilterForm(forms.Form):
    """Worklist filters; every field optional, bad values are simply ignored."""

    q = forms.CharField(
        label="Patient name or member ID",
        required=False,
        max_length=100,
        widget=forms.TextInput(
            attrs={
                "class": "form-control form-control-sm",
                "autocomplete": "off",
                "type": "search",
            }
        ),
    )
    payer = forms.ModelChoiceField(
        label="Payer",
        required=False,
        queryset=m.PayerProfile.objects.none(),
        empty_label="All payers",
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )
    physician = forms.ModelChoiceField(
        label="Physician",
        required=False,
        queryset=m.Provider.objects.none(),
        empty_label="All physicians",
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )
    dos_from = forms.DateField(
        label="Service from",
        required=False,
        widget=forms.DateInput(
            attrs={"type": "date", "class": "form-control form-control-sm"},
            format="%Y-%m-%d",
        ),
    )
    dos_to = forms.DateField(
        label="Service to",
        required=False,
        widget=forms.DateInput(
            attrs={"type": "date", "class": "form-control form-control-sm"},
            format="%Y-%m-%d",
        ),
    )

    def __init__(self, *args: Any, practice_id: int | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["payer"].queryset = m.PayerProfile.objects.only(
            "id", "name", "version"
        )
        self.fields["physician"].queryset = m.Provider.objects.filter(
            practice_id=practice_id
        ).only("id", "name", "credentials")

    def cleaned_or_empty(self, name: str) -> Any:
        self.is_valid()
        return self.cleaned_data.get(name) if name not in self.errors else None
