"""Words only the packet prints: the attestation and the cross-walk's labels; and
times in words, which the screens print the same way."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo


def date_words(value: date) -> str:
    """ "2 December 2026"."""
    return f"{value.day} {value:%B %Y}"


def time_words(value: datetime, zone: str | ZoneInfo | None = None) -> str:
    """ "2 December 2026, 9:14 AM PST": an aware time, in ``zone`` (an IANA name)
    when given, else in its own zone. Pure: the same inputs give the same words."""
    if zone is not None:
        value = value.astimezone(ZoneInfo(zone) if isinstance(zone, str) else zone)
    hour = value.hour % 12 or 12
    half = "AM" if value.hour < 12 else "PM"
    return (
        f"{date_words(value)}, {hour}:{value:%M} {half} {value.tzname() or ''}".strip()
    )


ATTESTATION = (
    "I am the physician responsible for this request. I have reviewed the clinical information "
    "in this packet; it is accurate and supported by the patient's medical record, and the "
    "requested procedure is medically necessary for this patient."
)

# What the physician signs on an appeal (issue 15): draft and signed alike.
APPEAL_ATTESTATION = (
    "I am the physician responsible for this request. I have reviewed this request "
    "for reconsideration and the documentation it cites; it is accurate and "
    "supported by the patient's medical record, and the procedure is medically "
    "necessary for this patient."
)

# What a cross-walk row says in its status column. Open criteria appear in a
# signed packet only with the physician's clinical rationale (signing refuses
# otherwise); the other two open labels are for the draft the physician reviews.
MET = "Met"
NOT_APPLICABLE = "Not applicable"
RATIONALE = "Clinical rationale"
AWAITING = "Physician's rationale to add"
NOT_DOCUMENTED = "Not documented"
AWAITING_SIGNATURE = "Signed in section 7 when the physician signs"
