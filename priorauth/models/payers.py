"""Payer profiles: versioned payer policy data (thresholds live here, not in code)."""

from __future__ import annotations

from django.db import models

from priorauth.models.choices import PAYER_KIND_CHOICES


class PayerProfileManager(models.Manager["PayerProfile"]):
    def get_by_natural_key(self, key: str, version: int) -> PayerProfile:
        return self.get(key=key, version=version)


class PayerProfile(models.Model):
    """Versioned payer policy data: thresholds live here, not in code."""

    key = models.SlugField(max_length=50)
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=30, choices=PAYER_KIND_CHOICES)
    version = models.PositiveIntegerField(default=1)
    effective_date = models.DateField()
    policy_id = models.CharField(
        max_length=300, help_text="Policy IDs cited in findings"
    )
    revision_date = models.CharField(max_length=20, blank=True)
    is_active = models.BooleanField(default=True)
    thresholds = models.JSONField(
        default=dict, help_text="Thresholds, limits and rule settings"
    )
    notes = models.TextField(blank=True)

    objects = PayerProfileManager()

    class Meta:
        ordering = ["name", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["key", "version"], name="payerprofile_key_version"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} (v{self.version})"

    def natural_key(self) -> tuple[str, int]:
        return (self.key, self.version)
