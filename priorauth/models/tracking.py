"""After the decision: each submission to the payer with its clock, and what was done
under an approval (issue 15, items 3 and 4)."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from priorauth.models.requests import AuthRequest


class Submission(models.Model):
    """One sending of a request to the payer (a pended request may be sent again).

    ``decision_due`` follows the route the rules found when it was sent
    (``rules.clocks``); empty when no regulated clock applies.
    """

    request = models.ForeignKey(
        AuthRequest, on_delete=models.CASCADE, related_name="submissions"
    )
    submitted_at = models.DateTimeField()
    channel = models.CharField(max_length=40)
    payer_reference = models.CharField(max_length=100, blank=True)
    expedited = models.BooleanField(default=False)
    decision_due = models.DateTimeField(null=True, blank=True)
    clock_rule = models.CharField(max_length=20, blank=True)
    clock_length = models.CharField(max_length=40, blank=True)
    clock_basis = models.CharField(max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-submitted_at", "-id"]

    def __str__(self) -> str:
        return f"Request #{self.request_id} sent {self.submitted_at:%Y-%m-%d %H:%M}"


class PerformedProcedure(models.Model):
    """A procedure done under an approved request, entered after its date.

    ``lines`` is ``[{"cpt": "64493", "units": 1}, ...]``; ``levels`` a comma list.
    """

    request = models.ForeignKey(
        AuthRequest, on_delete=models.CASCADE, related_name="performed"
    )
    performed_on = models.DateField()
    lines = models.JSONField(default=list)
    levels = models.CharField(max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["performed_on", "id"]

    def __str__(self) -> str:
        return f"Request #{self.request_id} performed {self.performed_on}"

    @property
    def level_list(self) -> list[str]:
        return [part.strip() for part in self.levels.split(",") if part.strip()]
