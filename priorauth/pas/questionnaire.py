"""The criteria outcomes as a QuestionnaireResponse, the packet's cross-walk in FHIR.

One group per row of the packet's criteria cross-walk (``packet.crosswalk``): the
policy's wording, the status as the packet words it (and its code), the level, the
evidence the request documents, the physician's rationale and the citation. Only
criteria of the payer policy: staff notices and entry checks never leave the
practice, as in the packet.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from priorauth.packet.crosswalk import crosswalk_rows
from priorauth.rules.findings import Evaluation
from priorauth.rules.policy import Policy

from . import systems as s


def _answer(link: str, text: str, value: str) -> dict[str, Any]:
    return {"linkId": link, "text": text, "answer": [{"valueString": value}]}


def criteria_response(
    *,
    evaluation: Evaluation,
    policy: Policy,
    authored: datetime,
) -> dict[str, Any]:
    """The QuestionnaireResponse (without ``subject``, which the bundle sets)."""
    revision = f" (rev. {policy.revision_date})" if policy.revision_date else ""
    items: list[dict[str, Any]] = [
        _answer(
            "policy", "Payer policy", f"{policy.name}: {policy.policy_id}{revision}"
        )
    ]
    for row in crosswalk_rows(evaluation):
        link = f"{row.number}-{row.code}" + (f"-{row.level}" if row.level else "")
        parts: list[dict[str, Any]] = [
            {
                "linkId": f"{link}.status",
                "text": "Status",
                "answer": [
                    {
                        "valueCoding": {
                            "system": s.OUTCOME_STATUS,
                            "code": row.status,
                            "display": row.label,
                        }
                    }
                ],
            }
        ]
        if row.level:
            parts.append(_answer(f"{link}.level", "Level", row.level))
        if row.evidence:
            parts.append(_answer(f"{link}.evidence", "Evidence", row.evidence))
        if row.rationale:
            parts.append(
                _answer(
                    f"{link}.rationale", "Physician's clinical rationale", row.rationale
                )
            )
        if row.citation:
            parts.append(_answer(f"{link}.citation", "Policy citation", row.citation))
        items.append({"linkId": link, "text": row.criterion, "item": parts})
    return {
        "resourceType": "QuestionnaireResponse",
        "questionnaire": f"{s.QUESTIONNAIRE}:{policy.key}|{policy.version}",
        "status": "completed",
        "authored": authored.isoformat(),
        "item": items,
    }
