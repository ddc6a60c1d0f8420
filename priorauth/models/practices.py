"""The practice and its people and places: users (staff, physicians, practice admins),
the providers named on requests, and the facilities where procedures are done.

Every patient-bearing row hangs off a Practice; views fetch objects through helpers
that filter by the user's practice (practice isolation).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models

from priorauth.models.validators import validate_time_zone

# Where most practices using this are; a practice elsewhere sets its own in the admin.
DEFAULT_TIME_ZONE = "America/Los_Angeles"


class Practice(models.Model):
    name = models.CharField(max_length=200)
    phone = models.CharField(max_length=40, blank=True)
    fax = models.CharField(max_length=40, blank=True)
    address = models.CharField(max_length=300, blank=True)
    contact_name = models.CharField(max_length=200, blank=True)
    time_zone = models.CharField(
        max_length=64,
        default=DEFAULT_TIME_ZONE,
        validators=[validate_time_zone],
        help_text="IANA name, e.g. America/Los_Angeles: every time shown to the "
        "practice's users, and printed in its packets, is in this zone.",
    )

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    class Role(models.TextChoices):
        BILLING = "billing", "Billing / prior-auth staff"
        PHYSICIAN = "physician", "Physician"
        ADMIN = "admin", "Practice admin"

    practice = models.ForeignKey(
        Practice, null=True, blank=True, on_delete=models.PROTECT, related_name="users"
    )
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.BILLING)
    credentials = models.CharField(max_length=40, blank=True, help_text="e.g. MD, DO")
    npi = models.CharField("NPI", max_length=10, blank=True)

    @property
    def is_physician(self) -> bool:
        return self.role == self.Role.PHYSICIAN

    @property
    def is_practice_admin(self) -> bool:
        return self.role == self.Role.ADMIN


class Provider(models.Model):
    practice = models.ForeignKey(
        Practice, on_delete=models.CASCADE, related_name="providers"
    )
    name = models.CharField(max_length=200)
    credentials = models.CharField(max_length=40, blank=True)
    npi = models.CharField("NPI", max_length=10)
    specialty = models.CharField(max_length=100, blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="provider",
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name}, {self.credentials}" if self.credentials else self.name


class Facility(models.Model):
    class PlaceOfService(models.TextChoices):
        OFFICE = "11", "11 Office"
        HOPD_ON = "22", "22 On-campus hospital outpatient"
        HOPD_OFF = "19", "19 Off-campus hospital outpatient"
        ASC = "24", "24 Ambulatory surgical center"

    practice = models.ForeignKey(
        Practice, on_delete=models.CASCADE, related_name="facilities"
    )
    name = models.CharField(max_length=200)
    npi = models.CharField("NPI", max_length=10)
    place_of_service = models.CharField(max_length=2, choices=PlaceOfService.choices)
    opd_exempt = models.BooleanField(
        "exempt from Medicare OPD prior authorization",
        default=False,
        help_text="Set when Medicare has exempted this hospital outpatient department "
        "(90 % or more provisional affirmations): no OPD prior authorization needed.",
    )

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "facilities"

    def __str__(self) -> str:
        return self.name
