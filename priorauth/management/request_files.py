"""Reading request JSON files for the management commands, with errors that name the field."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import CommandError

from priorauth.rules.facts import CaseFacts
from priorauth.rules.io import RequestFormatError, load_request


def format_problems(path: Path, what: str, exc: RequestFormatError) -> str:
    lines = "\n".join(
        f"  {field or '(request)'}: {message}" for field, message in exc.errors
    )
    return f"{path} {what}:\n{lines}"


def load_request_file(path: Path) -> CaseFacts:
    """Parse a request JSON file or raise CommandError listing every problem by field."""
    try:
        return load_request(path)
    except FileNotFoundError:
        raise CommandError(f"{path}: no such file") from None
    except OSError as exc:
        raise CommandError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    except RequestFormatError as exc:
        raise CommandError(
            format_problems(path, "is not a valid request", exc)
        ) from None
