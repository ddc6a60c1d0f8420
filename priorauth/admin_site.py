"""The Django admin, behind two-factor sign-in and scoped to the user's practice.

* Every admin page needs a verified TOTP device (``OTPAdminSite``), superusers included.
* Practice admins (role "admin", staff) see and edit only their own practice's
  users, patients, providers and facilities; superusers see everything.
"""

from __future__ import annotations

from typing import Any

from django_otp.admin import OTPAdminSite

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest


class PriorauthAdminSite(OTPAdminSite):
    site_header = "priorauth administration"
    site_title = "priorauth admin"
    index_title = "Administration"

    def __init__(self, name: str = "admin") -> None:
        # OTPAdminSite defaults to "otpadmin"; keep the usual "admin:" URL namespace.
        super().__init__(name=name)


def is_practice_admin(user: Any) -> bool:
    return bool(
        user.is_active
        and user.is_staff
        and not user.is_superuser
        and getattr(user, "is_practice_admin", False)
        and getattr(user, "practice_id", None)
    )


class PracticeScopedAdmin(admin.ModelAdmin):
    """Limit rows, choices and saves to the practice admin's own practice.

    ``practice_path`` is the lookup from the model to its practice.
    """

    practice_path = "practice"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        if is_practice_admin(request.user):
            return queryset.filter(**{self.practice_path: request.user.practice_id})
        return queryset.none()

    def _practice_admin(self, request: HttpRequest, obj: Any = None) -> bool:
        if not is_practice_admin(request.user):
            return False
        if obj is None:
            return True
        return self.get_queryset(request).filter(pk=obj.pk).exists()

    def has_module_permission(self, request: HttpRequest) -> bool:
        return super().has_module_permission(request) or is_practice_admin(request.user)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_view_permission(request, obj) or self._practice_admin(
            request, obj
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return super().has_add_permission(request) or is_practice_admin(request.user)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_change_permission(request, obj) or self._practice_admin(
            request, obj
        )

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Practice admins deactivate; they never delete.
        return request.user.is_superuser and super().has_delete_permission(request, obj)

    def get_form(self, request: HttpRequest, obj: Any = None, **kwargs: Any) -> Any:
        form = super().get_form(request, obj, **kwargs)
        if not request.user.is_superuser:
            for name in (
                "practice",
                "is_superuser",
                "is_staff",
                "groups",
                "user_permissions",
            ):
                if name in form.base_fields:
                    form.base_fields[name].disabled = True
            if "practice" in form.base_fields:
                form.base_fields["practice"].initial = request.user.practice_id
        return form

    def formfield_for_foreignkey(
        self, db_field: Any, request: HttpRequest, **kwargs: Any
    ) -> Any:
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if request.user.is_superuser or field is None:
            return field
        model = db_field.related_model
        practice_id = getattr(request.user, "practice_id", None)
        if model._meta.model_name == "practice":
            field.queryset = field.queryset.filter(pk=practice_id)
        elif any(f.name == "practice" for f in model._meta.get_fields()):
            field.queryset = field.queryset.filter(practice_id=practice_id)
        return field

    def save_model(
        self, request: HttpRequest, obj: Any, form: Any, change: bool
    ) -> None:
        if not request.user.is_superuser and self.practice_path == "practice":
            obj.practice_id = request.user.practice_id
        super().save_model(request, obj, form, change)


class ReadOnlyAdmin(admin.ModelAdmin):
    """View-only: no add, change or delete for anyone (append-only records)."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
