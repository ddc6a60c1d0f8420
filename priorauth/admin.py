"""The models in the Django admin, where Django looks for them (``<app>.admin``).

The site itself (two-factor sign-in, practice scoping, audited refusals) is
``security.admin_site``; the forms below check what the app's forms check (past
dates, canonical levels, NPI check digits), with the same fields.
"""

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from priorauth import models as m
from priorauth import services
from priorauth.models import validators as v
from priorauth.security.admin_site import (
    PracticeScopedAdmin,
    ReadOnlyAdmin,
    is_practice_admin,
)
from priorauth.web.fields import LevelListField, PastDateField, ScoreField

# --------------------------------------------------------------------------- forms


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
        return v.check_relief(self.cleaned_data.get("relief_percent"))


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


# ------------------------------------------------------------------------ registrations


@admin.register(m.User)
class PriorauthUserAdmin(PracticeScopedAdmin, UserAdmin):
    fieldsets = UserAdmin.fieldsets + (
        ("Practice", {"fields": ("practice", "role", "credentials", "npi")}),
    )
    list_display = (
        "username",
        "first_name",
        "last_name",
        "practice",
        "role",
        "is_active",
    )
    list_filter = ("practice", "role", "is_active")


@admin.register(m.PayerProfile)
class PayerProfileAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "key",
        "kind",
        "version",
        "effective_date",
        "revision_date",
        "is_active",
    )
    list_filter = ("kind", "is_active")
    search_fields = ("name", "key", "policy_id")


@admin.register(m.Practice)
class PracticeAdmin(PracticeScopedAdmin):
    practice_path = "pk"

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return request.user.is_superuser


class PriorProcedureInline(admin.TabularInline):
    """The patient's procedure ledger: past dates only, canonical levels."""

    model = m.PriorProcedure
    form = PriorProcedureForm
    extra = 0


class PatientAdminForm(forms.ModelForm):
    """A new patient whose member ID and date of birth match one of the practice's
    patients is saved only once "Create anyway" is ticked (twins share both)."""

    create_anyway = forms.BooleanField(
        required=False,
        label="Create anyway",
        help_text="Tick only for a different person with the same member ID and "
        "date of birth (for example a twin).",
    )

    class Meta:
        model = m.Patient
        fields = (
            "practice",
            "first_name",
            "last_name",
            "dob",
            "sex",
            "member_id",
            "payer_profile",
            "plan_name",
            "mrn",
            "create_anyway",
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if self.instance.pk is None and not data.get("create_anyway"):
            practice = data.get("practice")
            matches = services.patient_duplicates(
                practice_id=practice.pk if practice else None,
                member_id=data.get("member_id") or "",
                dob=data.get("dob"),
            )
            if matches:
                names = "; ".join(f"{p.full_name} (#{p.pk})" for p in matches)
                raise forms.ValidationError(
                    f"Already on file with this member ID and date of birth: {names}. "
                    "Open that patient instead, or tick Create anyway.",
                    code="possible_duplicate",
                )
        return data


@admin.register(m.Patient)
class PatientAdmin(PracticeScopedAdmin):
    form = PatientAdminForm
    list_display = ("__str__", "practice")
    list_filter = ("practice",)
    search_fields = ("last_name", "first_name", "member_id")
    inlines = [PriorProcedureInline]


@admin.register(m.Provider)
class ProviderAdmin(PracticeScopedAdmin):
    form = ProviderForm  # NPI Luhn check
    list_display = ("name", "credentials", "npi", "practice")


@admin.register(m.Facility)
class FacilityAdmin(PracticeScopedAdmin):
    form = FacilityForm  # NPI Luhn check
    list_display = ("name", "npi", "place_of_service", "opd_exempt", "practice")


@admin.register(m.AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = (
        "at",
        "username",
        "practice",
        "action",
        "object_type",
        "object_id",
        "ip",
        "detail",
    )
    list_filter = ("action",)
    date_hierarchy = "at"

    def has_module_permission(self, request):  # type: ignore[no-untyped-def]
        return super().has_module_permission(request) or is_practice_admin(request.user)

    def has_view_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return super().has_view_permission(request, obj) or is_practice_admin(
            request.user
        )

    def get_queryset(self, request):  # type: ignore[no-untyped-def]
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(practice_id=getattr(request.user, "practice_id", None))


@admin.register(m.SignedDocument)
class SignedDocumentAdmin(ReadOnlyAdmin):
    list_display = ("request", "revision", "signer", "signed_at", "sha256")
    exclude = ("pdf",)

    def get_queryset(self, request):  # type: ignore[no-untyped-def]
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(
            request__practice_id=getattr(request.user, "practice_id", None)
        )
