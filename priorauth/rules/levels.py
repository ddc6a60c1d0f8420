"""Spinal level parsing and validation (pure; the Django forms call these).

Canonical level strings: ``"L4-L5"``, ``"L5-S1"``, ``"C5-C6"``, ``"T12-L1"`` and
the single ESI level ``"caudal"``. Typed variants accepted: ``"L4-5"``,
``"l4/l5"``, ``"L4 - L5"``, ``"L45"``, ``"L5S1"``, ``"l4-l5"``.

Rules: real segments only (C1..C7, T1..T12, L1..L5, S1), adjacent only
(``"L4-L6"`` is invalid) and upper segment first (``"L5-L4"`` is invalid).
Region (payer-rules 1.5, CPT facet families): cervical/thoracic for any level
whose upper segment is C or T except T12-L1; lumbar/sacral for L and S levels,
for ``"caudal"`` and for the T12-L1 junction (its lower segment is lumbar; CPT's
lumbar/sacral codes are used for the thoracolumbar junction joint in common
billing guidance). C7-T1 is cervical/thoracic either way.
"""

from __future__ import annotations

import re

from .facts import Region

CAUDAL = "caudal"

SEGMENTS: tuple[str, ...] = (
    *(f"C{i}" for i in range(1, 8)),
    *(f"T{i}" for i in range(1, 13)),
    *(f"L{i}" for i in range(1, 6)),
    "S1",
)
_INDEX = {s: i for i, s in enumerate(SEGMENTS)}

_SEG = r"([CTLS])\s*(\d{1,2})"
_FULL = re.compile(rf"^{_SEG}\s*[-/–]?\s*(?:([CTLS])\s*)?(\d{{1,2}})$")


class LevelError(ValueError):
    """A level string that is not a real, adjacent spinal level."""


def _compact(text: str) -> tuple[str, str, str | None, str] | None:
    """Split compact forms like ``L45`` or ``L5S1`` into (L, 4, None, 5)."""
    m = re.fullmatch(r"([CTLS])(\d)([CTLS])?(\d{1,2})", text)
    return (m.group(1), m.group(2), m.group(3), m.group(4)) if m else None


def parse_level(text: str) -> str:
    """Return the canonical form of a typed level, or raise ``LevelError``.

    >>> parse_level("l4-5")
    'L4-L5'
    """
    raw = (text or "").strip()
    if not raw:
        raise LevelError("Enter a spinal level, e.g. L4-L5, L5-S1 or caudal.")
    if raw.lower() == CAUDAL:
        return CAUDAL
    up = raw.upper().replace(" ", "")
    m = _FULL.match(up)
    parts = (m.group(1), m.group(2), m.group(3), m.group(4)) if m else None
    if parts is None or (m and not re.search(r"[-/–]|[CTLS]\d+[CTLS]", up)):
        parts = _compact(up) or parts
    if parts is None:
        raise LevelError(
            f"'{raw}' is not a spinal level. Use the form L4-L5, L5-S1, C5-C6 or caudal."
        )
    letter1, num1, letter2, num2 = parts
    upper = f"{letter1}{int(num1)}"
    lower = f"{letter2 or letter1}{int(num2)}"
    for seg in (upper, lower):
        if seg not in _INDEX:
            raise LevelError(
                f"'{raw}' is not a spinal level: {seg} is not a real spinal segment "
                "(C1-C7, T1-T12, L1-L5, S1)."
            )
    if _INDEX[lower] == _INDEX[upper] - 1:
        raise LevelError(
            f"'{raw}' is not a spinal level: it is reversed; name the upper "
            f"segment first ({lower}-{upper})."
        )
    if _INDEX[lower] != _INDEX[upper] + 1:
        raise LevelError(
            f"'{raw}' is not a spinal level: {upper} and {lower} are not adjacent "
            "segments; a level joins two neighbouring segments, e.g. L4-L5."
        )
    return f"{upper}-{lower}"


def is_valid_level(text: str) -> bool:
    """True when ``parse_level`` accepts ``text``."""
    try:
        parse_level(text)
    except LevelError:
        return False
    return True


def region_of(level: str) -> Region:
    """CPT facet region of a level (typed or canonical); raises ``LevelError``."""
    canon = parse_level(level)
    if canon == CAUDAL:
        return Region.LUMBAR_SACRAL
    upper, lower = canon.split("-")
    if lower.startswith(("L", "S")):
        return Region.LUMBAR_SACRAL
    return Region.CERVICAL_THORACIC


def subregion_of(level: str) -> str:
    """``cervical``, ``thoracic`` or ``lumbar_sacral`` (by the lower segment)."""
    canon = parse_level(level)
    if canon == CAUDAL:
        return "lumbar_sacral"
    lower = canon.split("-")[1]
    return {"C": "cervical", "T": "thoracic"}.get(lower[0], "lumbar_sacral")


def validate_levels(levels: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """Canonicalise several levels for one request: no duplicates, one region.

    Raises ``LevelError`` naming the first problem.
    """
    canon = tuple(parse_level(x) for x in levels)
    dupes = sorted({c for c in canon if canon.count(c) > 1})
    if dupes:
        raise LevelError(
            f"Level {dupes[0]} is listed twice; use one row with side bilateral."
        )
    regions = {region_of(c) for c in canon}
    if len(regions) > 1:
        raise LevelError(mixed_regions_message(canon))
    return canon


def mixed_regions_message(levels: list[str] | tuple[str, ...]) -> str:
    """The one wording for a request whose levels span two regions."""
    return (
        f"Levels {', '.join(levels)} span two regions; one request covers one region, "
        "cervical/thoracic or lumbar/sacral. Make a second request for the other region."
    )


def level_sort_key(level: str) -> int:
    """Cranial-to-caudal order for canonical levels (caudal last)."""
    if level == CAUDAL:
        return len(SEGMENTS)
    try:
        return _INDEX[parse_level(level).split("-")[0]]
    except LevelError:
        return len(SEGMENTS) + 1
