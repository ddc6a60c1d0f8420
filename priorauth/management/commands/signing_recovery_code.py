"""Give a physician without a TOTP device a code to replace a locked signing key.

    manage.py signing_recovery_code drlee

After a practice admin resets a physician's password, the physician's signing key
stays locked: only their old password opens it. To set up a new key, the physician
needs a code from a TOTP device set up before the reset, or this recovery code.
It is for the server operator, who gives it to the physician after checking who
they are (in person or by a call back to a known number), never to the practice
admin who reset the password. It works for three days and only once (it is tied
to the locked certificate). Issuing one is audited; the code itself is not stored.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from priorauth import models as m
from priorauth.packet.signing import SigningUnavailable
from priorauth.security.audit import audit_log
from priorauth.services.signing_keys import RECOVERY_CODE_DAYS, signing_recovery_code


class Command(BaseCommand):
    help = "Print a recovery code that lets a physician replace a locked signing key."

    def add_arguments(self, parser) -> None:  # type: ignore[no-untyped-def]
        parser.add_argument("username")

    def handle(self, *args: object, **options: object) -> None:
        username = str(options["username"])
        user = (
            m.User.objects.select_related("practice").filter(username=username).first()
        )
        if user is None or not user.is_physician or user.practice_id is None:
            raise CommandError(f"{username!r} is not a physician of a practice")
        try:
            code = signing_recovery_code(user=user)
        except SigningUnavailable as exc:
            raise CommandError(str(exc)) from None
        audit_log(
            action="signing-key.recovery-code",
            object_type="user",
            object_id=user.pk,
            practice_id=user.practice_id,
            username="manage.py",
            detail="issued",
        )
        self.stdout.write(
            f"Recovery code for {username} (valid {RECOVERY_CODE_DAYS} days, once): {code}"
        )
