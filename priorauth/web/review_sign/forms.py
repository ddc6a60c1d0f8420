"""The forms of review and signing: the physician's rationale for each open criterion,
the signature (password, attestation, what was reviewed; the TOTP code with a device),
sending back to billing, and setting up a new signing key.
"""

from __future__ import annotations

import copy
from typing import Any

from django import forms

from priorauth import services
from priorauth.web.accounts import TokenForm


class RationaleForm(forms.Form):
    """One answer per open criterion: the physician's clinical rationale."""

    def __init__(self, *args, criteria, stored, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.criteria = criteria
        for o in criteria:
            key = (o.code, o.level or "")
            self.fields[self.field_name(key)] = forms.CharField(
                label=o.criterion + (f" (level {o.level})" if o.level else ""),
                required=False,
                max_length=services.RATIONALE_MAX,
                initial=stored.get(key, ""),
                widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}),
            )

    @staticmethod
    def field_name(key: tuple[str, str]) -> str:
        return f"answer-{key[0]}-{key[1]}"

    def rows(self):  # type: ignore[no-untyped-def]
        """(outcome, bound field) per open criterion, for the template."""
        return [
            (o, self[self.field_name((o.code, o.level or ""))]) for o in self.criteria
        ]

    def answers(self) -> dict[tuple[str, str], str]:
        """The answers the form carried (a criterion missing from the POST keeps
        its stored answer; an emptied one is removed)."""
        out = {}
        for o in self.criteria:
            key = (o.code, o.level or "")
            name = self.field_name(key)
            if name in self.data:
                out[key] = self.cleaned_data.get(name, "")
        return out


class SignForm(forms.Form):
    password = forms.CharField(
        label="Your password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    confirm = forms.BooleanField(
        label="I have reviewed the packet and the findings, and I sign the attestation."
    )
    # What the physician reviewed (the sign page renders the draft and puts these in).
    reviewed_revision = forms.IntegerField(widget=forms.HiddenInput)
    reviewed_sha256 = forms.RegexField(
        regex=r"^[0-9a-f]{64}$", widget=forms.HiddenInput
    )

    def __init__(self, *args, otp_required: bool = False, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        if otp_required:  # the signer has a TOTP device: signing asks for a code too
            self.fields["otp_token"] = copy.deepcopy(TokenForm.base_fields["otp_token"])

    def reviewed(self) -> services.Review:
        return services.Review(
            revision=self.cleaned_data["reviewed_revision"],
            sha256=self.cleaned_data["reviewed_sha256"],
        )


class SendBackForm(forms.Form):
    comment = forms.CharField(
        label="What should billing change?",
        max_length=services.RETURN_COMMENT_MAX,
        widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}),
        error_messages={"required": "Say what billing should change."},
    )


class SigningKeyForm(forms.Form):
    password = forms.CharField(
        label="Your password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    recovery_code = forms.CharField(
        label="Recovery code (only after a password reset)",
        required=False,
        max_length=20,
        help_text=(
            "If an administrator reset your password, your old key stays locked: ask"
            " your server operator for a recovery code."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )

    def __init__(self, *args: Any, otp_required: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if otp_required:
            self.fields["otp_token"] = copy.deepcopy(TokenForm.base_fields["otp_token"])
            self.order_fields(["password", "otp_token", "recovery_code"])
            self.fields["recovery_code"].help_text = (
                "If an administrator reset your password, your old key stays locked."
                " The authenticator code above is enough if you set up the app before"
                " the reset; otherwise ask your server operator for a recovery code."
            )
