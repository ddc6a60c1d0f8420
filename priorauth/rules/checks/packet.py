"""Packet completeness (payer-rules 7.1, PKT-*) and ledger consistency (LED-*)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date as _d
from typing import Any

from ..codes import FACET_CPT
from ..facts import CaseFacts
from ..findings import Finding
from ..ledger import computed_relief
from ..levels import LevelError, parse_level
from .common import Ctx, rule


@rule("PKT-001")
def pkt_001(facts: CaseFacts, ctx: Ctx) -> list[Finding]:
    p = facts.patient
    missing = [
        f
        for f, v in (
            ("patient.name", p.name.strip()),
            ("patient.dob", p.dob),
            ("patient.member_id", p.member_id.strip()),
        )
        if not v
    ]
    if not missing:
        return []
    return [
        ctx.finding(
            facts,
            "PKT-001",
            "Add patient name, date of birth and member ID. "
            "Payers need two identifiers on every page.",
            field=missing[0],
            detail="missing: " + ", ".join(missing),
        )
    ]


@rule("PKT-002")
def pkt_002(facts: CaseFacts, ctx: Ctx) -> list[Finding]:
    checks = (
        ("ordering.name", facts.ordering.name),
        ("ordering.npi", facts.ordering.npi),
        ("rendering.name", facts.rendering.name),
        ("rendering.npi", facts.rendering.npi),
        ("facility.name", facts.facility.name),
        ("facility.place_of_service", facts.facility.place_of_service),
    )
    missing = [f for f, v in checks if not str(v).strip()]
    if not missing:
        return []
    return [
        ctx.finding(
            facts,
            "PKT-002",
            "Add ordering and rendering provider name and NPI, "
            "and the facility and site of service.",
            field=missing[0],
            detail="missing: " + ", ".join(missing),
        )
    ]


@rule("PKT-003")
def pkt_003(facts: CaseFacts, ctx: Ctx) -> list[Finding]:
    gaps: list[tuple[str, str]] = []
    if not facts.levels:
        gaps.append(("levels", "no level requested"))
    for i, lr in enumerate(facts.levels):
        try:
            parse_level(lr.level)
        except LevelError as exc:
            gaps.append((f"levels[{i}].level", str(exc)))
    if facts.levels and ctx.levels and not ctx.code_lines:
        gaps.append(("procedure.type", "no CPT code can be derived for this procedure"))
    if not facts.diagnoses:
        gaps.append(("diagnoses", "no ICD-10 code"))
    if facts.procedure.date_of_service is None:
        gaps.append(("procedure.date_of_service", "no planned date of service"))
    if not gaps:
        return []
    return [
        ctx.finding(
            facts,
            "PKT-003",
            "Each requested procedure needs CPT, level(s), side "
            "(RT/LT/50) and a diagnosis code.",
            field=gaps[0][0],
            detail="; ".join(g[1] for g in gaps),
        )
    ]


@rule("PKT-004")
def pkt_004(facts: CaseFacts, ctx: Ctx) -> list[Finding]:
    if facts.signed:
        return []
    return [
        ctx.finding(
            facts,
            "PKT-004",
            "The physician must sign and date the letter of medical necessity.",
            field="signed",
        )
    ]


def _imaging_covers(img_levels: tuple[str, ...], level: str) -> bool:
    if not img_levels:
        return True  # study not tied to levels: accepted for every level
    canon = set()
    for lv in img_levels:
        try:
            canon.add(parse_level(lv))
        except LevelError:
            continue
    return level in canon or level == "caudal"


@rule("PKT-005")
def pkt_005(facts: CaseFacts, ctx: Ctx) -> list[Finding]:
    out = []
    good = [
        (i, im) for i, im in enumerate(facts.imaging) if im.date and im.findings.strip()
    ]
    for level in ctx.levels:
        if not any(_imaging_covers(im.levels, level) for _, im in good):
            out.append(
                ctx.finding(
                    facts,
                    "PKT-005",
                    "Attach the dated imaging report and state "
                    f"the findings at {level}.",
                    level=level,
                    field="imaging",
                    detail="no dated imaging with findings at this level",
                )
            )
    return out


@rule("PKT-006")
def pkt_006(facts: CaseFacts, ctx: Ctx) -> list[Finding]:
    bad = [
        i
        for i, c in enumerate(facts.conservative_care)
        if not (
            (c.start and c.end)
            or c.duration_weeks is not None
            or (c.start and not c.end)
        )
        or (c.outcome is None and not c.note.strip())
    ]
    if not bad:
        return []
    return [
        ctx.finding(
            facts,
            "PKT-006",
            "List each conservative treatment with start/end dates "
            "(or duration) and outcome.",
            field=f"conservative_care[{bad[0]}]",
            detail=f"{len(bad)} entr{'y' if len(bad) == 1 else 'ies'} incomplete",
        )
    ]


@rule("PKT-007")
def pkt_007(facts: CaseFacts, ctx: Ctx) -> list[Finding]:
    bad = []
    for i, r in enumerate(facts.history):
        if r.date > ctx.dos:
            continue
        no_dur = r.relief_duration_hours is None and r.relief_duration_days is None
        if r.relief_percent is None or no_dur or not r.scale.strip():
            bad.append(i)
    if not bad:
        return []
    return [
        ctx.finding(
            facts,
            "PKT-007",
            "For each prior injection, enter % relief, how long it "
            "lasted and the scale used. Payers deny repeats without this.",
            field=f"history[{bad[0]}]",
            detail="incomplete rows: "
            + ", ".join(facts.history[i].date.isoformat() for i in bad),
        )
    ]


def _is_original_medicare(ctx: Ctx) -> bool:
    return ctx.policy.is_original_medicare


def wiser_match(facts: CaseFacts, ctx: Ctx) -> tuple[str, list[str]] | None:
    """(state, WISeR codes requested) when the CMS WISeR model applies (PKT-008), else None.

    Original Medicare, a WISeR state, a listed ESI code and a date of service in the
    model's window; any place of service (payer-rules 7.1, changed 2026-12-01).
    """
    w = ctx.policy.get("medicare", "wiser", {}) or {}
    if not _is_original_medicare(ctx) or not w:
        return None
    start, end = _d.fromisoformat(w["start"]), _d.fromisoformat(w["end"])
    cpts = {cl.cpt for cl in ctx.code_lines} & set(w.get("cpt", ()))
    state = facts.payer.state.upper()
    if state in w.get("states", ()) and cpts and start <= ctx.dos <= end:
        return state, sorted(cpts)
    return None


@rule("PKT-008")
def pkt_008(facts: CaseFacts, ctx: Ctx) -> list[Finding]:
    match = wiser_match(facts, ctx)
    if match is None:
        return []
    state, cpts = match
    days = ctx.policy.get("medicare", "wiser", {}).get("valid_days", 120)
    return [
        ctx.finding(
            facts,
            "PKT-008",
            "This ESI falls under the CMS WISeR model: get "
            f"prior authorization (valid {days} days) or "
            "expect pre-payment review.",
            field="payer.state",
            detail=f"state {state}, CPT {', '.join(cpts)}",
        )
    ]


def _facet_cpt(ctx: Ctx) -> bool:
    return any(cl.cpt in FACET_CPT for cl in ctx.code_lines)


@rule("PKT-009")
def pkt_009(facts: CaseFacts, ctx: Ctx) -> list[Finding]:
    pos = facts.facility.place_of_service.strip()
    hopd = ctx.policy.get("medicare", "hopd_pos", ())
    if _is_original_medicare(ctx) and _facet_cpt(ctx) and pos and pos not in hopd:
        return [
            ctx.finding(
                facts,
                "PKT-009",
                "Facet injections and RFA outside a hospital "
                "outpatient department need no Medicare prior authorization (they are "
                "not in WISeR), but the LCD criteria still apply on review.",
                field="facility.place_of_service",
                detail=f"POS {pos}",
            )
        ]
    return []


def opd_listed_codes(opd: Mapping[str, Any], cpts: set[str], dos: _d) -> list[str]:
    """Codes among ``cpts`` on the OPD prior-authorization list on ``dos``.

    The list is dated data: ``{"cpt": code, "from": date, "until": date}`` rows
    (``until`` inclusive, open when absent). A profile without a code list falls
    back to the facet codes from ``start``.
    """
    rows = opd.get("cpt")
    if rows is None:
        start = _d.fromisoformat(opd["start"])
        return sorted(c for c in cpts if c in FACET_CPT) if dos >= start else []
    listed = set()
    for row in rows:
        frm = _d.fromisoformat(row["from"])
        until = _d.fromisoformat(row["until"]) if row.get("until") else None
        if row["cpt"] in cpts and frm <= dos and (until is None or dos <= until):
            listed.add(row["cpt"])
    return sorted(listed)


def opd_match(facts: CaseFacts, ctx: Ctx) -> tuple[str, list[str]] | None:
    """(place of service, listed codes) when Medicare OPD prior authorization applies."""
    opd = ctx.policy.get("medicare", "opd_pa", {}) or {}
    pos = facts.facility.place_of_service.strip()
    if not (_is_original_medicare(ctx) and opd and _facet_cpt(ctx)):
        return None
    if (
        pos not in ctx.policy.get("medicare", "hopd_pos", ())
        or facts.facility.opd_exempt
    ):
        return None
    codes = opd_listed_codes(opd, {cl.cpt for cl in ctx.code_lines}, ctx.dos)
    return (pos, codes) if codes else None


@rule("PKT-010")
def pkt_010(facts: CaseFacts, ctx: Ctx) -> list[Finding]:
    match = opd_match(facts, ctx)
    if match is None:
        return []
    pos, codes = match
    return [
        ctx.finding(
            facts,
            "PKT-010",
            "Hospital outpatient facet procedures are under the "
            "Medicare OPD prior authorization program: request a provisional "
            "affirmation (UTN) before the procedure.",
            field="facility.place_of_service",
            detail=f"POS {pos}, CPT {', '.join(codes)}",
        )
    ]


@rule("LED-001")
def led_001(facts: CaseFacts, ctx: Ctx) -> list[Finding]:
    out = []
    for level, entry in ctx.ledger.items():
        if entry.typed_count is not None and entry.typed_count < entry.history_count:
            out.append(
                ctx.finding(
                    facts,
                    "LED-001",
                    f"The typed prior count at {level} ({entry.typed_count}) is "
                    f"lower than the recorded history ({entry.history_count}). Correct the count.",
                    level=level,
                    field=ctx.level_field(level, "prior_count"),
                    detail=f"typed {entry.typed_count}, history {entry.history_count}",
                )
            )
    return out


@rule("LED-002")
def led_002(facts: CaseFacts, ctx: Ctx) -> list[Finding]:
    out = []
    tol = float(ctx.policy.get("ledger", "relief_tolerance", 5) or 5)
    for i, row in enumerate(facts.history):
        comp = computed_relief(row)
        if comp is None or row.relief_percent is None:
            continue
        if abs(comp - row.relief_percent) > tol:
            out.append(
                ctx.finding(
                    facts,
                    "LED-002",
                    f"The typed relief ({row.relief_percent:g} %) disagrees with the "
                    f"pre/post scores ({row.pre_score:g} -> {row.post_score:g} = "
                    f"{comp:g} %). Correct one of them.",
                    field=f"history[{i}].relief_percent",
                    detail=f"typed {row.relief_percent:g} %, computed {comp:g} %",
                )
            )
            break  # one finding per request (rule IDs are unique per level)
    return out
