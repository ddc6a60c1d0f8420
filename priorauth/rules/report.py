"""An Evaluation as plain JSON-ready data (for the CLI, the API and the PDF)."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from typing import Any

from .findings import Evaluation, Severity
from .outcomes import Outcome


def _plain(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, Severity):
        return value.value
    return value


def evaluation_to_dict(evaluation: Evaluation) -> dict[str, Any]:
    """Findings (with citations), each criterion's outcome, derived code lines and
    the per-level ledger."""
    findings = []
    for finding in evaluation.findings:
        row = asdict(finding)
        row["severity"] = finding.severity.value
        row["citation"]["text"] = str(finding.citation)
        findings.append(row)
    counts = {
        s.value: sum(1 for f in evaluation.findings if f.severity is s)
        for s in Severity
    }
    return _plain(
        {
            "summary": counts,
            "region": evaluation.region,
            "findings": findings,
            "outcomes": [_outcome(o) for o in evaluation.outcomes],
            "code_lines": [asdict(line) for line in evaluation.code_lines],
            "ledger": [asdict(entry) for entry in evaluation.ledger],
        }
    )


def _outcome(o: Outcome) -> dict[str, Any]:
    """One criterion's outcome: status, wording, evidence (or the reason), citation."""
    return {
        "code": o.code,
        "level": o.level,
        "status": o.status.value,
        "criterion": o.criterion,
        "evidence": o.evidence,
        "citation": {**asdict(o.citation), "text": o.citation.full},
        "findings": [f"{f.code}" for f in o.findings],
        "rationale": o.rationale.text if o.answered else "",
    }
