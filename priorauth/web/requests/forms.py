"""The request page's forms: the request itself, and its row sections.

One request page = ``AuthRequestForm`` + five formsets (``request_formsets``): levels,
the patient's injection history (``history``: the patient's rows, with a "this
request builds on it" tick each, and new rows; see ``history.py``), conservative
care, imaging, diagnoses (``rows.py``). The formset prefixes are the related names,
so a finding's field path (``levels[0].prior_count``) maps to an input id
(``id_levels-0-prior_count``) with ``findings.field_anchor``. Forms validate and
normalize only; the rules engine decides policy.
"""

from __future__ import annotations

import functools
import json
from typing import Any

from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Div, Field, Fieldset, Layout

from django import forms
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet, inlineformset_factory

from priorauth import models as m
from priorauth.packet.documents import MAX_FILE_BYTES
from priorauth.rules.io import INTENTS_BY_TYPE
from priorauth.rules.states import state_choices
from priorauth.rules.validation import payer_profile_problem
from priorauth.web.fields import (
    DATE_WIDGET,
    PastDateField,
    ScoreField,
    style_widgets,
)
from priorauth.web.requests.history import HISTORY_PREFIX, history_formset
from priorauth.web.requests.rows import (
    BaseDiagnosisFormSet,
    BaseLevelFormSet,
    BaseRowFormSet,
    ConservativeCareForm,
    DiagnosisForm,
    ImagingForm,
    RequestLevelForm,
)


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


_ESI = ("esi_interlaminar", "esi_transforaminal", "esi_caudal")
_FACET_BLOCKS = ("facet_ia", "mbb")
# Fields that concern only some procedures (and intents): the page hides them for the
# others (request_form.js; without JavaScript every field shows). The values stay in
# the page, so switching the procedure back loses nothing typed.
FIELDS_FOR_PROCEDURE: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    # field: (procedure types, intents ("" = not chosen yet); empty = any)
    "rfa_technique": (("rfa",), ()),
    "contrast_contraindication": (_ESI, ()),
    "fusion_at_level": ((*_FACET_BLOCKS, "rfa"), ()),
    "rfa_planned": (_FACET_BLOCKS, ("diagnostic", "")),
    "rfa_contraindication": (_FACET_BLOCKS, ("therapeutic",)),
}


def _fits(name: str, css_class: str = "") -> Div:
    """A field wrapped with the procedures (and intents) it concerns."""
    types, intents = FIELDS_FOR_PROCEDURE[name]
    attrs = {"data_show_for": " ".join(types)}
    if intents:
        attrs["data_show_intent"] = " ".join(i or "none" for i in intents)
    return Div(Field(name), css_class=css_class, **attrs)


def intents_by_type() -> dict[str, list[str]]:
    """The intents each requestable procedure takes (the page offers only those)."""
    return {
        ptype.value: [i.value for i in intents]
        for ptype, intents in INTENTS_BY_TYPE.items()
    }


class _StateField(forms.ChoiceField):
    """A select of the US states and territories; a post that is not one of their
    codes (e.g. "Texas", "Te") is refused with words, never cut to two letters."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=[("", "Choose the state"), *state_choices()], **kwargs)

    def to_python(self, value: Any) -> str:
        return super().to_python(value).strip().upper()

    def validate(self, value: Any) -> None:
        if value and not self.valid_value(value):
            raise ValidationError(
                "Choose the state of service from the list: %(value)s is not a US "
                "state or territory.",
                code="invalid_state",
                params={"value": value},
            )
        super().validate(value)


class AuthRequestForm(forms.ModelForm):
    """Header, procedure and clinical facts of one request.

    The patient is not a form field: a request belongs to its patient. The view
    resolves it (the request's own patient on edit; ``?patient=`` on create,
    practice-scoped) and passes it in; the page shows it as read-only text.
    (A ``<select>`` of every patient of the practice made the page's cost grow
    with the practice: 1,000+ options at 100,000 requests, see docs/performance.md.)
    """

    state_of_service = _StateField(label="State of service", required=False)
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
        self.fields["intent"].widget.attrs["data-intents"] = json.dumps(
            intents_by_type()
        )
        style_widgets(self)
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
                    Div(Field("plan_name"), css_class="col-md-5"),
                    Div(Field("state_of_service"), css_class="col-md-3"),
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
                    _fits("contrast_contraindication", "col-md-6"),
                    css_class=row,
                ),
                Div(
                    Div(Field("sedation"), css_class="col-md-4"),
                    Div(
                        Field("sedation_justification"),
                        css_class="col-md-8",
                        data_show_unless_sedation="none",
                    ),
                    css_class=row,
                ),
                Div(
                    _fits("rfa_technique", "col-md-4"),
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
                        _fits("fusion_at_level"),
                        Field("other_causes_excluded"),
                        _fits("rfa_planned"),
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
                _fits("rfa_contraindication"),
                css_id="section-clinical",
            ),
        )
        return helper

    def clean_county_of_service(self) -> str:
        return " ".join((self.cleaned_data.get("county_of_service") or "").split())

    def clean_state_of_service(self) -> str:
        # The select posts a code; a hand-made post must be one too (never cut down).
        return self.cleaned_data.get("state_of_service") or ""

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


class SendForSignatureForm(forms.Form):
    override_reason = forms.CharField(
        label="Override reason (required while blockers remain)",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}),
    )


# ------------------------------------------------------------------------ row sections

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


def page_errors(
    form: AuthRequestForm, formsets: dict[str, BaseInlineFormSet]
) -> list[dict[str, str]]:
    """Every error of a refused save, in page order, for the summary at the top: what
    (the field's label, and the row), the message, and the input id to go to."""
    out: list[dict[str, str]] = []
    for message in form.non_field_errors():
        out.append({"label": "Request", "message": message, "anchor": "request-form"})
    for name, errors in form.errors.items():
        if name == "__all__":
            continue
        field = form.fields.get(name)
        label = str(field.label) if field is not None and field.label else name
        for message in errors:
            out.append({"label": label, "message": message, "anchor": f"id_{name}"})
    for prefix, formset in formsets.items():
        title = FORMSET_TITLES.get(prefix, prefix)
        for message in formset.non_form_errors():
            out.append(
                {"label": title, "message": message, "anchor": f"section-{prefix}"}
            )
        for i, row in enumerate(formset.forms):
            for name, errors in row.errors.items():
                field = row.fields.get(name)
                label = str(field.label) if field is not None and field.label else ""
                anchor = (
                    f"section-{prefix}"
                    if name == "__all__"
                    else f"id_{prefix}-{i}-{name}"
                )
                for message in errors:
                    out.append(
                        {
                            "label": f"{title}, row {i + 1}"
                            + (f": {label}" if label and name != "__all__" else ""),
                            "message": message,
                            "anchor": anchor,
                        }
                    )
    return out

class AttachmentForm(forms.Form):
    file = forms.FileField(
        label="File",
        help_text="PDF, PNG, JPEG or TIFF; up to 20 MB a file and 150 pages a request.",
        widget=forms.ClearableFileInput(
            attrs={"accept": ".pdf,.png,.jpg,.jpeg,.tif,.tiff"}
        ),
    )
    kind = forms.ChoiceField(label="Kind of document", choices=m.AttachmentKind.choices)
    document_date = PastDateField(label="Date of the document", required=True)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        style_widgets(self)

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_FILE_BYTES:
            raise ValidationError(
                f"The file is {upload.size / 1024 / 1024:.1f} MB; the limit is"
                f" {MAX_FILE_BYTES // 1024 // 1024} MB a file.",
                code="too_large",
            )
        return upload
