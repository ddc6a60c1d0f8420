"""An Evaluation as plain JSON-ready data (for the CLI, the API and the PDF)."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from typing import Any

from .findings import Evaluation, Severity


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
    """Findings (with citations), derived code lines and the per-level ledger."""
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
            "code_lines": [asdict(line) for line in evaluation.code_lines],
            "ledger": [asdict(entry) for entry in evaluation.ledger],
        }
    )
