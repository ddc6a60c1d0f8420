"""The patient's injection history on the request page: one row per injection, edited
in place or added, each with its "this request builds on it" tick.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.forms.models import inlineformset_factory

from priorauth import models as m
from priorauth.models import validators as v
from priorauth.rules import facts as rf
from priorauth.rules.io import INTENTS_BY_TYPE
from priorauth.web.fields import (
    LevelListField,
    MarkInvalidMixin,
    PastDateField,
    ScoreField,
    style_widgets,
)
from priorauth.web.requests.rows import BaseRowFormSet

HISTORY_PREFIX = "history"  # the patient's rows (Patient.history), after the levels
NEW_HISTORY_ROWS_MAX = 30


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
        fields = (
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
        )
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
        style_widgets(self, small=True)

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
        return v.check_relief(self.cleaned_data.get("relief_percent"))

    def clean_relief_duration_hours(self) -> float | None:
        return v.check_not_negative(
            self.cleaned_data.get("relief_duration_hours"), "The relief duration"
        )

    def clean_relief_duration_days(self) -> float | None:
        return v.check_not_negative(
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
