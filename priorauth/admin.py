"""Admin registrations. The site itself (OTP, practice scoping) is priorauth.admin_site."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from priorauth import models as m
from priorauth.forms import FacilityForm, PriorProcedureForm, ProviderForm
from priorauth.security.admin_site import (
    PracticeScopedAdmin,
    ReadOnlyAdmin,
    is_practice_admin,
)


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


@admin.register(m.Patient)
class PatientAdmin(PracticeScopedAdmin):
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
