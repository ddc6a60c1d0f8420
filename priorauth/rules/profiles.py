"""Load payer profiles from ``fixtures/payer_profiles.json`` without Django."""

from __future__ import annotations

import json
from pathlib import Path

from .policy import Policy

DEFAULT_FIXTURE = (
    Path(__file__).resolve().parents[2] / "fixtures" / "payer_profiles.json"
)


def policy_from_fields(fields: dict) -> Policy:
    """Build a Policy from one fixture row's ``fields`` (also the model's fields)."""
    return Policy.from_data(
        key=fields["key"],
        kind=fields["kind"],
        name=fields["name"],
        version=fields["version"],
        effective_date=fields.get("effective_date"),
        policy_id=fields.get("policy_id", ""),
        revision_date=fields.get("revision_date", ""),
        data=fields.get("thresholds", {}),
    )


def load_fixture_policies(path: str | Path = DEFAULT_FIXTURE) -> dict[str, Policy]:
    """Read the Django fixture file and return active profiles keyed by ``key``.

    When several versions of a key are active, the highest version wins.
    """
    rows = json.loads(Path(path).read_text(encoding="utf-8"))
    out: dict[str, Policy] = {}
    for row in rows:
        if row.get("model") != "priorauth.payerprofile":
            continue
        fields = row["fields"]
        if not fields.get("is_active", True):
            continue
        pol = policy_from_fields(fields)
        if pol.key not in out or out[pol.key].version < pol.version:
            out[pol.key] = pol
    return out
