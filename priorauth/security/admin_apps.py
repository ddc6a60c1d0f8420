"""Replace the default admin site with the OTP-protected, practice-scoped one.

Listed in INSTALLED_APPS instead of "django.contrib.admin", so every
``@admin.register`` lands on ``priorauth.security.admin_site.PriorauthAdminSite``.
"""

from django.contrib.admin.apps import AdminConfig


class PriorauthAdminConfig(AdminConfig):
    default_site = "priorauth.security.admin_site.PriorauthAdminSite"
