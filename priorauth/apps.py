from django.apps import AppConfig


class PriorauthConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "priorauth"
    verbose_name = "Prior authorization"
