"""Import a request from a JSON file or pasted JSON (docs/request-format.md).

Thin view: form (file or paste, at most 1 MB) -> ``rules.io.loads_request`` ->
``services.auth_request_import`` -> redirect to the new request. Every problem
(format or import) is listed by field path on the same page, and the pasted text
is kept. Any practice role may import; the service writes the audit row.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from priorauth import services
from priorauth.rules.io import RequestFormatError, loads_request

MAX_IMPORT_BYTES = 1024 * 1024  # 1 MB, for an upload and for pasted text


class RequestImportForm(forms.Form):
    file = forms.FileField(
        label="JSON file",
        required=False,
        help_text="A .json file in the priorauth request format, at most 1 MB.",
        widget=forms.ClearableFileInput(
            attrs={"accept": ".json,application/json", "class": "form-control"}
        ),
    )
    text = forms.CharField(
        label="…or paste the JSON",
        required=False,
        strip=False,
        widget=forms.Textarea(
            attrs={
                "rows": 14,
                "class": "form-control font-monospace",
                "spellcheck": "false",
                "autocomplete": "off",
            }
        ),
    )


class _TooLarge(Exception):
    pass


def _problems_from_form(form: RequestImportForm) -> list[tuple[str, str]]:
    problems = []
    for field, errors in form.errors.items():
        for error in errors:
            problems.append(("" if field == "__all__" else field, str(error)))
    return problems


def _document(form: RequestImportForm) -> bytes | str:
    """The JSON document sent: file bytes or the pasted text (RequestFormatError if neither)."""
    upload = form.cleaned_data.get("file")
    text = form.cleaned_data.get("text") or ""
    if upload and text.strip():
        raise RequestFormatError([("", "send either a file or pasted JSON, not both")])
    if upload:
        if not upload.name.lower().endswith(".json"):
            raise RequestFormatError([("file", "must be a .json file")])
        if upload.size is None or upload.size > MAX_IMPORT_BYTES:
            raise _TooLarge()
        data = upload.read(MAX_IMPORT_BYTES + 1)
        if len(data) > MAX_IMPORT_BYTES:
            raise _TooLarge()
        return data
    if not text.strip():
        raise RequestFormatError(
            [("", "choose a JSON file or paste the JSON of a request")]
        )
    if len(text.encode("utf-8", "surrogatepass")) > MAX_IMPORT_BYTES:
        raise _TooLarge()
    return text


def _require_import_role(request: HttpRequest) -> None:
    user = request.user
    if (
        getattr(user, "practice_id", None) is None
        or getattr(user, "role", None) not in services.IMPORT_ROLES
    ):
        raise PermissionDenied("Importing needs a practice account.")


@require_http_methods(["GET", "POST"])
def request_import(request: HttpRequest) -> HttpResponse:
    _require_import_role(request)
    status = 200
    problems: list[tuple[str, str]] = []
    if request.method == "POST":
        form = RequestImportForm(request.POST, request.FILES)
        if not form.is_valid():
            problems = _problems_from_form(form)
        else:
            try:
                facts = loads_request(_document(form))
                obj = services.auth_request_import(
                    facts=facts, user=request.user, http_request=request
                )
            except _TooLarge:
                status = 400
                problems = [
                    (
                        "file",
                        f"is larger than {MAX_IMPORT_BYTES // (1024 * 1024)} MB; nothing was imported",
                    )
                ]
            except RequestFormatError as exc:  # includes services.ImportProblem
                problems = list(exc.errors)
            else:
                s = obj.import_summary  # type: ignore[attr-defined]
                patient = (
                    "a new patient" if s.patient_created else "an existing patient"
                )
                added = f"{s.history_added} history row{'s' if s.history_added != 1 else ''} added"
                if s.history_skipped:
                    added += f", {s.history_skipped} already on file"
                messages.success(
                    request,
                    f"Imported as draft request {obj.pk} for {patient} ({added}). "
                    f"{s.blockers} blocker(s), {s.warnings} warning(s) below.",
                )
                return redirect(obj)
        if problems:
            messages.error(
                request,
                "Nothing was imported. Fix the problems listed below and try again.",
            )
    else:
        form = RequestImportForm()
    ctx: dict[str, Any] = {
        "form": form,
        "problems": problems,
        "max_mb": MAX_IMPORT_BYTES // (1024 * 1024),
    }
    return render(request, "priorauth/request_import.html", ctx, status=status)
