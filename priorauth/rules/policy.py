"""Payer policy profiles as data: thresholds, limits, windows, severities, tables.

Code holds only the logic; every figure the checks use is read from
``Policy.data`` (the ``thresholds`` JSON of a payer profile). Schema of ``data``:

``rolling_window``
    ``"calendar_months"`` (default; DOS minus 12 calendar months, inclusive) or
    ``"days365"``.
``rules``
    ``{rule_id: {"severity": "blocker|warning|info", "evidence": "CONFIRMED|
    CONFIRMED-2|SECONDARY|UNCONFIRMED", "source": "[S3]", "parts": {part:
    {"severity", "evidence"}}}}``. Only rule IDs listed here run for the
    profile. ``parts`` give a different severity to one sub-condition of a rule
    (e.g. the SECONDARY 3-month part of ESI-006).
``facet``
    ``pain_min`` (duration), ``moderate_pain_min`` (score), ``conservative_min``
    (duration or null), ``diag_relief_min``, ``rfa_prereq_relief_min``,
    ``rfa_prereq_blocks`` (count), ``rfa_prereq_types`` (procedure types),
    ``diag_interval_min`` (duration), ``repeat_rfa_relief_min``,
    ``repeat_rfa_min`` (duration), ``repeat_rfa_interval_min`` (duration),
    ``rfa_rediagnose_after`` (duration), ``ther_relief_min``, ``ther_min``
    (duration), ``max_levels_per_session``, ``max_levels_per_side``,
    ``max_rfa_levels_per_side``, ``dvt_prior_blocks``, ``limits``
    (``{category: {"windows": [{"max": n, "months": m}], "min_interval":
    duration}}`` for ``facet_diagnostic``, ``facet_therapeutic``, ``rfa``),
    ``allowed_guidance``, ``allowed_rfa_techniques``,
    ``unconfirmed_rfa_techniques``, ``kx_on_diagnostic``,
    ``therapeutic_investigational``, ``icd10_ranges``, ``icd10_non_billable``,
    ``anesthetic_min_hours`` (``{agent substring: hours}``),
    ``successful_rfa_relief_min``.
``esi``
    ``pain_min``, ``conservative_min``, ``conservative_min_stenosis``,
    ``repeat_relief_min``, ``repeat_min`` (duration), ``failed_repeat_interval``,
    ``max_levels_tf``, ``max_levels_il``, ``limits`` (``{"esi": ...}`` as above),
    ``allowed_guidance``, ``imaging_max_age``, ``hnp_imaging_max_age``,
    ``aetna_repeat_min`` (duration), ``aetna_repeat_criteria_min``,
    ``series_gap``, ``series_max``, ``biologic_terms``, ``radicular_icd10_prefixes``,
    ``axial_icd10_prefixes``.
``medicare``
    ``state_jurisdiction`` (state -> jurisdiction), ``jurisdictions``
    (jurisdiction -> ``{"mac", "facet", "esi", "evidence"}``), ``wiser``
    (``states``, ``cpt``, ``start``, ``end``), ``opd_pa`` (``pos``, ``start``),
    ``hopd_pos``.
``billing``
    ``bilateral_modifier``: ``"50"`` (default) or ``"RT_LT"``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from types import MappingProxyType
from typing import Any

from .facts import PayerKind
from .findings import Citation, Severity

WEAK_EVIDENCE = frozenset({"SECONDARY", "UNCONFIRMED"})


def _freeze(value: Any) -> Any:
    """Deep read-only view of JSON-like data (dicts become mapping proxies)."""
    if isinstance(value, Mapping):
        return MappingProxyType({k: _freeze(v) for k, v in value.items()})
    if isinstance(value, list | tuple):
        return tuple(_freeze(v) for v in value)
    return value


def _parse_date(value: str | date | None) -> date | None:
    if isinstance(value, date):
        return value
    return date.fromisoformat(value) if value else None


@dataclass(frozen=True)
class RuleConfig:
    """How one rule runs under one profile."""

    code: str
    severity: Severity
    evidence: str = "CONFIRMED"
    source: str = ""
    parts: Mapping[str, Mapping[str, str]] = field(default_factory=dict)

    def part_severity(self, part: str | None) -> Severity:
        """Severity of a sub-condition (falls back to the rule's severity)."""
        if part and part in self.parts:
            return Severity(self.parts[part].get("severity", self.severity.value))
        return self.severity


@dataclass(frozen=True, eq=False)
class Policy:
    """One versioned payer profile; ``data`` holds every figure (see module doc)."""

    key: str
    kind: PayerKind
    name: str
    version: int
    effective_date: date | None
    policy_id: str
    revision_date: str
    data: Mapping[str, Any]

    @classmethod
    def from_data(
        cls,
        *,
        key: str,
        kind: str | PayerKind,
        name: str,
        version: int,
        effective_date: str | date | None,
        policy_id: str,
        revision_date: str | date | None,
        data: Mapping[str, Any],
    ) -> Policy:
        """Build a Policy from profile fields (as stored in the fixture/model)."""
        rev = (
            revision_date.isoformat()
            if isinstance(revision_date, date)
            else revision_date
        )
        return cls(
            key=key,
            kind=PayerKind(kind),
            name=name,
            version=int(version),
            effective_date=_parse_date(effective_date),
            policy_id=policy_id,
            revision_date=rev or "",
            data=_freeze(dict(data)),
        )

    # -- rules -----------------------------------------------------------
    @property
    def rule_ids(self) -> tuple[str, ...]:
        """Rule IDs enabled for this profile."""
        return tuple(self.data.get("rules", {}).keys())

    def rule(self, code: str) -> RuleConfig | None:
        """The rule's configuration, or None when the profile does not apply it."""
        raw = self.data.get("rules", {}).get(code)
        if raw is None:
            return None
        return RuleConfig(
            code=code,
            severity=Severity(raw.get("severity", "warning")),
            evidence=raw.get("evidence", "CONFIRMED"),
            source=raw.get("source", ""),
            parts=raw.get("parts", {}),
        )

    def enabled(self, code: str) -> bool:
        """True when the profile applies ``code``."""
        return code in self.data.get("rules", {})

    # -- figures ---------------------------------------------------------
    def get(self, section: str, key: str, default: Any = None) -> Any:
        """A figure from a data section, e.g. ``get("facet", "diag_relief_min")``."""
        return self.data.get(section, {}).get(key, default)

    @property
    def rolling_window(self) -> str:
        """``calendar_months`` (default) or ``days365``."""
        return str(self.data.get("rolling_window", "calendar_months"))

    @property
    def is_original_medicare(self) -> bool:
        return self.kind is PayerKind.MEDICARE

    @property
    def uses_medicare_lcd(self) -> bool:
        return self.kind in (PayerKind.MEDICARE, PayerKind.MEDICARE_ADVANTAGE)

    # -- citations -------------------------------------------------------
    def jurisdiction(self, state: str, county: str = "") -> Mapping[str, Any] | None:
        """MAC jurisdiction row for a state (and, where a state is split, the county or
        independent city) of service (Medicare tables 1.1/2.1).

        ``medicare.locality_jurisdiction`` lists the split states' exceptions, e.g.
        ``{"VA": {"JL": ["arlington", "fairfax", "falls church", "alexandria"]}}``:
        a county or city whose name (without "County", "City", "city of") is listed
        belongs to that jurisdiction; any other, or none given, to the state's.
        """
        med = self.data.get("medicare", {})
        st = (state or "").upper()
        jur = med.get("state_jurisdiction", {}).get(st)
        place = locality_key(county)
        if place:
            for other, places in (
                med.get("locality_jurisdiction", {}).get(st, {}).items()
            ):
                if place in {locality_key(p) for p in places}:
                    jur = other
                    break
        if jur is None:
            return None
        row = med.get("jurisdictions", {}).get(jur)
        return MappingProxyType({"jurisdiction": jur, **row}) if row else None

    def is_split_state(self, state: str) -> bool:
        """Whether the MAC jurisdiction of ``state`` depends on the county or city."""
        med = self.data.get("medicare", {})
        return bool(med.get("locality_jurisdiction", {}).get((state or "").upper()))

    def policy_id_for(self, *, state: str, family: str, county: str = "") -> str:
        """Policy ID to cite: the MAC's facet or ESI LCD for Medicare, else the profile's."""
        if self.uses_medicare_lcd:
            row = self.jurisdiction(state, county)
            if row and row.get(family):
                return str(row[family])
        return self.policy_id

    def citation(
        self, code: str, *, state: str = "", family: str = "", county: str = ""
    ) -> Citation:
        """Citation for a finding of rule ``code``."""
        cfg = self.rule(code)
        pid = (
            self.policy_id_for(state=state, family=family, county=county)
            if family
            else self.policy_id
        )
        return Citation(
            policy_id=pid, revision=self.revision_date, source=cfg.source if cfg else ""
        )


def locality_key(name: str) -> str:
    """A county or independent city name reduced for matching: lower case, without
    "county" ("co.", "cnty"), "city", "city of" and punctuation ("City of Fairfax" ->
    "fairfax")."""
    words = re.sub(r"[^a-z ]+", " ", (name or "").lower()).split()
    if words[:2] == ["city", "of"]:
        words = words[2:]
    while words and words[-1] in ("county", "city", "co", "cnty"):
        words = words[:-1]
    return " ".join(words)


def weak_blockers(policy: Policy) -> list[str]:
    """Rule IDs (or rule:part) labelled SECONDARY/UNCONFIRMED yet set to blocker."""
    bad: list[str] = []
    for code, raw in policy.data.get("rules", {}).items():
        if raw.get("evidence") in WEAK_EVIDENCE and raw.get("severity") == "blocker":
            bad.append(code)
        for part, praw in raw.get("parts", {}).items():
            if (
                praw.get("evidence") in WEAK_EVIDENCE
                and praw.get("severity") == "blocker"
            ):
                bad.append(f"{code}:{part}")
    return bad
