"""Reading request JSON files for the management commands; errors name the field.

``evaluate_request`` and ``render_request`` read a file with ``load_valid_request``:
the format (``rules.io``) and then the input checks every way in shares
(``rules.validation``). On any problem with the file they print
``{"errors": [{"path": ..., "message": ...}, ...]}`` to stdout and exit with status 2
(``exit_with_errors``).
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable
from datetime import date
from pathlib import Path
from typing import NoReturn

from django.core.management.base import CommandError, OutputWrapper

from priorauth.rules.facts import CaseFacts
from priorauth.rules.io import RequestFormatError, load_request
from priorauth.rules.validation import validate_request

EXIT_INVALID_REQUEST = 2


class RequestFileError(CommandError):
    """The file is not a request that can be used; ``errors`` lists every problem.

    A ``CommandError`` (status 2) for commands that let it through, e.g. import_request.
    """

    def __init__(self, path: Path, what: str, errors: Iterable[tuple[str, str]]):
        self.errors = [(p, m) for p, m in errors]
        super().__init__(
            format_problems(path, what, self.errors), returncode=EXIT_INVALID_REQUEST
        )


def format_problems(
    path: Path, what: str, errors: RequestFormatError | Iterable[tuple[str, str]]
) -> str:
    if isinstance(errors, RequestFormatError):
        errors = errors.errors
    lines = "\n".join(
        f"  {field or '(request)'}: {message}" for field, message in errors
    )
    return f"{path} {what}:\n{lines}"


def load_request_file(path: Path) -> CaseFacts:
    """Parse a request JSON file or raise RequestFileError listing every problem."""
    try:
        return load_request(path)
    except FileNotFoundError:
        problem = "no such file"
    except OSError as exc:
        problem = f"cannot be read ({exc.strerror or exc})"
    except RequestFormatError as exc:
        raise RequestFileError(path, "is not a valid request", exc.errors) from None
    raise RequestFileError(path, "cannot be used", [("", f"{path}: {problem}")])


def load_valid_request(
    path: Path, *, known_profiles: Collection[str], today: date
) -> CaseFacts:
    """``load_request_file``, then the checks every way in shares."""
    facts = load_request_file(path)
    problems = validate_request(facts, known_profiles=known_profiles, today=today)
    if problems:
        raise RequestFileError(path, "is not a valid request", problems)
    return facts


def exit_with_errors(stdout: OutputWrapper, exc: RequestFileError) -> NoReturn:
    """Print the problems as JSON to stdout and exit with status 2."""
    body = {"errors": [{"path": p, "message": m} for p, m in exc.errors]}
    stdout.write(json.dumps(body, indent=2))
    raise SystemExit(EXIT_INVALID_REQUEST)
