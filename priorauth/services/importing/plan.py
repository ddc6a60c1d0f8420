"""What every step of an import shares: the problem it raises, the plan it builds
(unsaved rows, nothing written until every check passed) and the checks that a
value fits its column and can be stored at all.
"""

from __future__ import annotations

import dataclasses
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError

from priorauth import models as m
from priorauth.rules.io import RequestFormatError

# Every practice role may import (billing staff usually do).
IMPORT_ROLES = frozenset(
    {m.User.Role.BILLING, m.User.Role.PHYSICIAN, m.User.Role.ADMIN}
)

Errors = list[tuple[str, str]]


class ImportProblem(RequestFormatError):
    """The request follows the format but cannot be stored as it is.

    ``errors`` lists every problem as ``(field_path, message)``; nothing was written.
    """

    def __str__(self) -> str:
        n = len(self.errors)
        head = (
            f"{n} problem{'s' if n != 1 else ''} stop the import (nothing was saved):"
        )
        lines = [f"  {p or '(request)'}: {msg}" for p, msg in self.errors]
        return "\n".join([head, *lines])


@dataclasses.dataclass
class Plan:
    practice_id: int
    payer_profile: m.PayerProfile | None = None
    patient: m.Patient | None = None
    patient_created: bool = False
    ordering: m.Provider | None = None
    rendering: m.Provider | None = None
    facility: m.Facility | None = None
    request: m.AuthRequest | None = None
    levels: list[m.RequestLevel] = dataclasses.field(default_factory=list)
    care: list[m.ConservativeCare] = dataclasses.field(default_factory=list)
    imaging: list[m.ImagingStudy] = dataclasses.field(default_factory=list)
    diagnoses: list[m.Diagnosis] = dataclasses.field(default_factory=list)
    history: list[m.PriorProcedure] = dataclasses.field(default_factory=list)
    history_skipped: int = 0
    # Existing history rows completed from the file; rows the request builds on.
    completed: dict[int, m.PriorProcedure] = dataclasses.field(default_factory=dict)
    builds_on: dict[int, m.PriorProcedure] = dataclasses.field(default_factory=dict)


def messages_of(exc: ValidationError) -> str:
    return " ".join(exc.messages)


def fits(errs: Errors, path: str, value: Any, model: type, field: str) -> None:
    """The value fits the column (text longer than the model allows is refused)."""
    max_length = model._meta.get_field(field).max_length
    if isinstance(value, str) and max_length is not None and len(value) > max_length:
        errs.append(
            (
                path,
                f"must be at most {max_length} characters to be stored (got {len(value)})",
            )
        )


def string_problems(value: Any, path: str, errs: Errors) -> None:
    """NUL characters and lone surrogates cannot be stored (PostgreSQL, SQLite UTF-8)."""
    if isinstance(value, str):
        if "\x00" in value:
            errs.append((path, "must not contain NUL characters"))
        else:
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                errs.append(
                    (
                        path,
                        "must be valid Unicode text (it has an unpaired surrogate escape)",
                    )
                )
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for f in dataclasses.fields(value):
            if path == "payer" and f.name == "profile_key":
                sub = "payer_profile"  # the top-level key in the JSON format
            else:
                sub = f"{path}.{f.name}" if path else f.name
            string_problems(getattr(value, f.name), sub, errs)
    elif isinstance(value, tuple):
        for i, item in enumerate(value):
            string_problems(item, f"{path}[{i}]", errs)


def levels_text(levels: tuple[str, ...]) -> str:
    return ", ".join(dict.fromkeys(levels))


def history_key(
    day: date, procedure: str, levels: Any
) -> tuple[date, str, frozenset[str]]:
    return (day, procedure, frozenset(levels))


def split_name(name: str) -> tuple[str, str]:
    parts = name.strip().rsplit(None, 1)
    if len(parts) == 2:
        return parts[0], parts[1]
    return (parts[0], "") if parts else ("", "")
