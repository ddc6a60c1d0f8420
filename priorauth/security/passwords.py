"""A user's own password change, wherever it happens (the Password page, the admin).

A physician's signing key is sealed with their password (SECURITY.md, "Signing keys"):
the old password, just checked, opens it and the new one seals it again, in the same
transaction as the password change. A reset by someone else cannot: the key stays locked.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.forms import PasswordChangeForm
from django.db import transaction

from priorauth import services


class OwnPasswordChangeForm(PasswordChangeForm):
    """Django's own-password change, plus: a physician's signing key is sealed
    again under the new password (the old one, just checked, opens it).

    ``signing_key`` after ``save()``: ``resealed``, ``locked`` or ``none``.
    """

    signing_key = "none"

    def save(self, commit: bool = True) -> Any:
        if not commit:
            return super().save(commit=False)
        with transaction.atomic():  # a failed re-seal keeps the old password
            user = super().save(commit=True)
            self.signing_key = services.physician_key_reseal(
                user=user,
                old_password=self.cleaned_data["old_password"],
                new_password=self.cleaned_data["new_password1"],
            )
        return user
