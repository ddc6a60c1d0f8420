from django.apps import AppConfig


class PriorauthConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "priorauth"
    verbose_name = "Prior authorization"

    def ready(self) -> None:
        # Signal receivers: audit rows for logins, trigger re-install, session
        # revocation, the app role's grants after migrate.
        # System checks (priorauth.W001: HarfBuzz font subsetting for the PDFs).
        from priorauth.ops import checks  # noqa: F401
        from priorauth.security import audit, db_roles, sessions  # noqa: F401
