"""The Django admin, behind two-factor sign-in and scoped to the user's practice.

* Every admin page needs a verified TOTP device (``OTPAdminSite``), superusers included.
  Each refusal (not staff, not verified) is one audit row with its reason.
* Practice admins (role "admin", staff) see and edit only their own practice's
  users, patients, providers and facilities; superusers see everything. Their
  list filters offer only values from their own rows, and another practice's
  object is a 404 (audited), as in the app.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import update_wrapper
from typing import Any

from django_otp.admin import OTPAdminSite

from django.contrib import admin
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse


class PriorauthAdminSite(OTPAdminSite):
    site_header = "priorauth administration"
    site_title = "priorauth admin"
    index_title = "Administration"

    def __init__(self, name: str = "admin") -> None:
        # OTPAdminSite defaults to "otpadmin"; keep the usual "admin:" URL namespace.
        super().__init__(name=name)

    def refusal_reason(self, request: HttpRequest) -> str:
        """Why ``has_permission`` says no, as an audit reason ("" when it says yes)."""
        user = request.user
        if not user.is_authenticated:
            return "login-required"
        if not user.is_active:
            return "inactive"
        if not user.is_staff:
            return "admin-not-staff"
        if not self.has_permission(request):
            return "admin-otp-required"
        return ""

    def password_change(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        """Django's own-password change, with the form that seals a physician's
        signing key again under the new password (an admin *reset* of someone
        else's password cannot, and leaves their key locked)."""
        from django.contrib.auth.views import PasswordChangeView

        from priorauth.security.passwords import OwnPasswordChangeForm  # see admin_view

        request.current_app = self.name
        return PasswordChangeView.as_view(
            form_class=OwnPasswordChangeForm,
            success_url=reverse("admin:password_change_done", current_app=self.name),
            extra_context={**self.each_context(request), **(extra_context or {})},
            template_name=self.password_change_template
            or "registration/password_change_form.html",
        )(request)

    def admin_view(
        self, view: Callable[..., HttpResponse], cacheable: bool = False
    ) -> Callable[..., HttpResponse]:
        """Django's guard (redirect to the admin login), with the refusal audited."""
        guarded = super().admin_view(view, cacheable)

        def audited(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            response = guarded(request, *args, **kwargs)
            logout = reverse("admin:logout", current_app=self.name)
            reason = self.refusal_reason(request) if request.path != logout else ""
            if reason:
                # Imported here: this module loads in the admin app's ready(), before
                # axes', and security.audit's login-failed receiver must connect
                # after axes' (it reads the lockout flag axes sets).
                from priorauth.security.audit import audit_denial

                audit_denial(request, reason=reason, status=response.status_code)
            return response

        return update_wrapper(audited, guarded)


class ScopedObjectMixin:
    """An object outside ``get_queryset`` (another practice's) is a 404, not the
    admin's redirect to the index: the same answer as the app, audited as a refusal."""

    def get_object(
        self, request: HttpRequest, object_id: str, from_field: str | None = None
    ) -> Any:
        obj = super().get_object(request, object_id, from_field)  # type: ignore[misc]
        if obj is None:
            raise Http404("No such object")
        return obj


def is_practice_admin(user: Any) -> bool:
    return bool(
        user.is_active
        and user.is_staff
        and not user.is_superuser
        and getattr(user, "is_practice_admin", False)
        and getattr(user, "practice_id", None)
    )


def scoped_list_filter(list_filter: Any, model: Any) -> tuple[Any, ...]:
    """``list_filter`` with every relation filter offering only related objects that
    appear in the admin's own (practice-scoped) rows: Django's default relation filter
    lists every row of the related table, so "By practice" named other practices."""
    scoped: list[Any] = []
    for entry in list_filter:
        if isinstance(entry, str) and "__" not in entry:
            field = model._meta.get_field(entry)
            if field.is_relation:
                entry = (entry, admin.RelatedOnlyFieldListFilter)
        scoped.append(entry)
    return tuple(scoped)


class PracticeScopedAdmin(ScopedObjectMixin, admin.ModelAdmin):
    """Limit rows, choices, filters and saves to the practice admin's own practice.

    ``practice_path`` is the lookup from the model to its practice.
    """

    practice_path = "practice"

    def get_list_filter(self, request: HttpRequest) -> Any:
        list_filter = super().get_list_filter(request)
        if request.user.is_superuser:
            return list_filter
        return scoped_list_filter(list_filter, self.model)

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


class ReadOnlyAdmin(ScopedObjectMixin, admin.ModelAdmin):
    """View-only: no add, change or delete for anyone (append-only records)."""

    def get_list_filter(self, request: HttpRequest) -> Any:
        list_filter = super().get_list_filter(request)
        if request.user.is_superuser:
            return list_filter
        return scoped_list_filter(list_filter, self.model)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
