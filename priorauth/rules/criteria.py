"""The criteria of the payer policies, as data: wording, scope, evidence, section.

The table ``CRITERIA`` lists each criterion a cross-walk can show, in the order a
reviewer reads them (documentation, clinical criteria, levels and frequency).
Which ones a request gets, and their outcomes, ``rules.outcomes`` works out from
the profile and the findings; the words are the policies' own where the
rulebook has them (payer-rules sections 1-3).

Some rules are not criteria of a policy and never reach the reviewer:
``NOTICES`` say where and whether to request (routes, clocks, program notes)
and ``ENTRY_CHECKS`` catch typing mistakes in the ledger. Both are for staff.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from . import facts as rf
from .dates import add_duration
from .evidence import (
    ev_baseline,
    ev_blocks,
    ev_changed_approach,
    ev_concordance,
    ev_conservative,
    ev_continuation,
    ev_dx,
    ev_fusion,
    ev_guidance,
    ev_history,
    ev_identifiers,
    ev_imaging,
    ev_injectate,
    ev_kx,
    ev_last_esi,
    ev_ledger,
    ev_levels,
    ev_lines,
    ev_onset,
    ev_other_causes,
    ev_pattern,
    ev_prior_blocks,
    ev_prior_rfa,
    ev_providers,
    ev_radicular,
    ev_rfa_contra,
    ev_rfa_plan,
    ev_same_day,
    ev_scales,
    ev_sedation,
    ev_signature,
    ev_technique,
    prior_esis,
)
from .findings import Evaluation
from .ledger import responses
from .policy import Policy
from .wording import fmt_num, history_item, response_rows

NOTICES = frozenset(
    {
        "PKT-008",
        "PKT-009",
        "PKT-010",
        "BCB-001",
        "RTE-001",
        "RTE-002",
        "RTE-003",
        "RTE-004",
    }
)
ENTRY_CHECKS = frozenset({"LED-001", "LED-002"})
# Met by the physician signing the packet: never answered with a rationale.
SIGNATURE_STEP = frozenset({"PKT-004"})

# Where the Medicare LCDs (and their billing and coding articles) state each
# criterion, by the standard section names of the Medicare Coverage Database.
# Other payers are cited by their policy number alone.
_IND = "Coverage Indications"
_DOCS = "Documentation Requirements"
_ART = "Billing and Coding article"
LCD_SECTIONS: dict[str, str] = {
    "PKT-001": _DOCS,
    "PKT-002": _DOCS,
    "PKT-003": f"{_ART}: coding information",
    "PKT-004": f"{_DOCS} (signed records)",
    "PKT-005": _DOCS,
    "PKT-006": _DOCS,
    "PKT-007": _DOCS,
    **dict.fromkeys(("FAC-001", "FAC-002", "FAC-003", "FAC-004", "FAC-005", "FAC-006"), f"{_IND}: diagnostic facet joint procedures"),
    "FAC-007": f"{_IND}: diagnostic facet joint procedures",
    "FAC-008": f"{_IND}: diagnostic facet joint procedures",
    "FAC-028": f"{_IND}: pain assessment",
    **dict.fromkeys(("FAC-009", "FAC-010", "FAC-011", "FAC-022"), f"{_IND}: facet joint denervation"),
    **dict.fromkeys(("FAC-012", "FAC-013", "FAC-014", "DVT-002"), f"{_IND}: therapeutic facet joint procedures"),
    **dict.fromkeys(("FAC-015", "FAC-016", "FAC-017", "FAC-018", "FAC-019"), f"{_IND}: limitations"),
    **dict.fromkeys(("FAC-020", "FAC-021", "FAC-024", "FAC-025", "FAC-027"), f"{_IND}: limitations"),
    "FAC-023": f"{_ART}: KX modifier",
    "DVT-001": f"{_ART}: KX modifier (the two initial diagnostic injections)",
    "FAC-026": f"{_ART}: ICD-10-CM codes that support medical necessity",
    **dict.fromkeys(("ESI-001", "ESI-002", "ESI-003", "ESI-004", "ESI-005"), f"{_IND}: covered indications"),
    **dict.fromkeys(("ESI-006", "ESI-007", "ESI-013"), f"{_IND}: repeat injections"),
    **dict.fromkeys(("ESI-008", "ESI-009", "ESI-010", "ESI-011", "ESI-012", "ESI-014", "ESI-015", "ESI-016"), f"{_IND}: limitations"),
    "ESI-017": f"{_ART}: ICD-10-CM codes",
}


def _is(*types: rf.ProcedureType) -> Callable[[rf.CaseFacts], bool]:
    return lambda f: f.procedure.type in types


ALWAYS: Callable[[rf.CaseFacts], bool] = lambda f: True  # noqa: E731
NEVER: Callable[[rf.CaseFacts], bool] = lambda f: False  # noqa: E731
FACET = (rf.ProcedureType.FACET_IA, rf.ProcedureType.MBB, rf.ProcedureType.RFA)
BLOCKS = (rf.ProcedureType.FACET_IA, rf.ProcedureType.MBB)
ESI = (
    rf.ProcedureType.ESI_INTERLAMINAR,
    rf.ProcedureType.ESI_TRANSFORAMINAL,
    rf.ProcedureType.ESI_CAUDAL,
)
DIAG = rf.Intent.DIAGNOSTIC
THER = rf.Intent.THERAPEUTIC


def _esi_failed(f: rf.CaseFacts, policy: Policy, e: Evaluation | None = None) -> bool:
    """The last prior ESI gave less than the policy's repeat threshold (relief or function)."""
    rows = prior_esis(f)
    if not rows:
        return False
    need = policy.get("esi", "repeat_relief_min", 50)
    rel, adl = rows[-1].relief_percent, rows[-1].adl_improvement_percent
    return not ((rel is not None and rel >= need) or (adl is not None and adl >= need))


def _esi_past_series_max(
    f: rf.CaseFacts, policy: Policy, e: Evaluation | None = None
) -> bool:
    """The ESI series (prior ESIs without a gap longer than ``series_gap``) began more than ``series_max`` ago."""
    rows, dos = prior_esis(f), f.procedure.date_of_service
    if not rows or dos is None:
        return False
    gap = policy.get("esi", "series_gap", {"months": 12})
    span = policy.get("esi", "series_max", {"months": 12})
    first = rows[-1]
    for prev in reversed(rows[:-1]):
        if add_duration(prev.date, gap) < first.date:
            break
        first = prev
    return add_duration(first.date, span) < dos


def _prior_blocks(f: rf.CaseFacts) -> bool:
    return any(p.procedure in BLOCKS for p in f.history)


# (facts, policy, the evaluation so far: findings, code lines, ledger) -> applies?
Cond = Callable[[rf.CaseFacts, Policy, Evaluation], bool]
INTENT_NA = "Not this intent: the request is {intent}"


@dataclass(frozen=True)
class Criterion:
    """One criterion of a payer policy, as the cross-walk lists it.

    ``text``: the policy's wording (``{placeholders}`` are filled from the
    profile's figures). ``applies``: the procedure types it is about (other
    requests do not list it). ``when``: the condition inside that scope (false:
    "not applicable", with the reason ``na``). ``evidence``: the sentence that
    meets it. ``section``: where the Medicare LCD or its billing article states
    it (other payers are cited by their policy number only).
    """

    code: str
    text: str
    applies: Callable[[rf.CaseFacts], bool]
    evidence: Callable[[rf.CaseFacts, Evaluation], str | None]
    family: str = ""  # "facet" or "esi": which LCD to cite for Medicare
    group: str = "Clinical criteria"
    when: Cond | None = None
    na: str | Callable[[rf.CaseFacts, Evaluation], str] = ""
    section: str = ""


def _c(
    code: str,
    text: str,
    applies,  # type: ignore[no-untyped-def]
    evidence,  # type: ignore[no-untyped-def]
    family: str = "",
    group: str = "Clinical criteria",
    when: Cond | None = None,
    na: str | Callable[[rf.CaseFacts, Evaluation], str] = "",
) -> Criterion:
    return Criterion(
        code,
        text,
        applies,
        evidence,
        family,
        group,
        when,
        na,
        LCD_SECTIONS.get(code, ""),
    )


def _intent_is(*intents: rf.Intent) -> Cond:
    return lambda f, p, e: f.procedure.intent in intents


SEDATED: Cond = lambda f, p, e: f.procedure.sedation.counts_as_sedation  # noqa: E731
NO_SEDATION = "No sedation planned (local anesthetic only)"


DOC = "Documentation and request"
LIM = "Levels, frequency and technique"

RFA = (rf.ProcedureType.RFA,)
MBB = (rf.ProcedureType.MBB,)
FIA = (rf.ProcedureType.FACET_IA,)
TFESI = (rf.ProcedureType.ESI_TRANSFORAMINAL,)

# Conditions inside a criterion's scope, each with the reason shown when it does not hold.
FIRST_RFA: Cond = _intent_is(rf.Intent.FIRST)
REPEAT_RFA: Cond = _intent_is(rf.Intent.REPEAT)
IS_DIAG: Cond = _intent_is(DIAG, None)  # unlabelled blocks count as diagnostic
IS_THER: Cond = _intent_is(THER)
NOT_FIRST_RFA = "Not an initial RFA: this request is a repeat RFA"
NOT_REPEAT_RFA = "Not a repeat RFA: this request is the initial RFA"
NOT_DIAG = "Not a diagnostic block: this request is therapeutic"
NOT_THER = "Not a therapeutic block: this request is diagnostic"
CONFIRMATORY: Cond = lambda f, p, e: f.procedure.intent in (DIAG, None) and any(  # noqa: E731
    entry.prior_count == 1 for entry in e.ledger
)


def NOT_CONFIRMATORY(f: rf.CaseFacts, e: Evaluation) -> str:  # noqa: N802 - a reason
    if f.procedure.intent is THER:
        return "Not a diagnostic block: this request is therapeutic"
    earlier = "; ".join(
        f"{x.level}: {x.prior_count} earlier block{'s' if x.prior_count != 1 else ''}"
        for x in e.ledger
    )
    return "Not the second (confirmatory) block at any requested level" + (
        f" ({earlier})" if earlier else ""
    )


HAS_BLOCKS: Cond = lambda f, p, e: bool(responses(f) or response_rows(f))  # noqa: E731
REPEAT_RFA_ON_FILE: Cond = (
    lambda f, p, e: f.procedure.intent == rf.Intent.REPEAT
    and any(  # noqa: E731
        r.procedure is rf.ProcedureType.RFA for r in f.history
    )
)
NO_PRIOR_RFA = "No earlier RF ablation on file (or the request is an initial RFA)"
CONFIRMATORY_DATED: Cond = lambda f, p, e: CONFIRMATORY(f, p, e) and _prior_blocks(f)  # noqa: E731
NOT_CONFIRMATORY_DATED = NOT_CONFIRMATORY
NO_BLOCKS = "No diagnostic block response in this request to assess"
REPEAT_FIA: Cond = lambda f, p, e: f.procedure.intent == THER and any(  # noqa: E731
    x.procedure is rf.ProcedureType.FACET_IA and x.intent == THER for x in f.history
)
NOT_REPEAT_FIA = "Not a repeat therapeutic facet injection: no earlier therapeutic facet injection recorded"
HAS_CARE: Cond = lambda f, p, e: bool(f.conservative_care)  # noqa: E731
NO_CARE = "No conservative treatment listed in this request"
HAS_DX: Cond = lambda f, p, e: bool(f.diagnoses)  # noqa: E731
NO_DX = "No diagnosis code in this request"
HAS_LEVELS: Cond = lambda f, p, e: bool(e.ledger)  # noqa: E731
NO_LEVELS = "No valid spinal level in this request"
HAS_HISTORY: Cond = lambda f, p, e: bool(f.history)  # noqa: E731
NO_HISTORY = "No prior procedures recorded for this patient"


def _esi_repeat(f: rf.CaseFacts, policy: Policy, e: Evaluation | None = None) -> bool:
    """A repeat ESI: a prior ESI in the region within ``series_gap`` (older ones start a new series)."""
    rows, dos = prior_esis(f), f.procedure.date_of_service
    if not rows:
        return False
    return (
        dos is None
        or add_duration(rows[-1].date, policy.get("esi", "series_gap", {"months": 12}))
        >= dos
    )


NOT_REPEAT_ESI = (
    "Not a repeat ESI: no prior ESI in this region within the last 12 months"
)


def NOT_FAILED_ESI(f: rf.CaseFacts, e: Evaluation) -> str:  # noqa: N802 - a reason, like the constants around it
    rows = prior_esis(f)
    if not rows:
        return "No prior ESI in this region: no failed ESI to follow"
    return f"No failed prior ESI: the last one was {history_item(rows[-1])}"


NOT_PAST_SERIES = "The ESI series began less than 12 months before the date of service"
REPEAT_TFESI: Cond = lambda f, p, e: any(
    x.procedure is rf.ProcedureType.ESI_TRANSFORAMINAL for x in prior_esis(f)
)  # noqa: E731
NOT_REPEAT_TFESI = (
    "Not a repeat transforaminal ESI: no prior transforaminal ESI in this region"
)
SHOWS_HNP: Cond = lambda f, p, e: any(i.shows_hnp for i in f.imaging)  # noqa: E731
NO_HNP = "No disc herniation on the imaging in this request"

CRITERIA: tuple[Criterion, ...] = (
    # Packet completeness (all payers)
    _c(
        "PKT-001",
        "Two patient identifiers on every page: name with date of birth and member ID",
        ALWAYS,
        ev_identifiers,
        group=DOC,
    ),
    _c(
        "PKT-002",
        "Ordering and rendering provider with NPI; facility and site of service",
        ALWAYS,
        ev_providers,
        group=DOC,
    ),
    _c(
        "PKT-003",
        "Each requested line has CPT, level(s), side/modifier and an ICD-10 code",
        ALWAYS,
        ev_lines,
        group=DOC,
    ),
    _c(
        "PKT-005",
        "Dated imaging with findings at the treated level",
        ALWAYS,
        ev_imaging,
        group=DOC,
    ),
    _c(
        "PKT-006",
        "Conservative care with dates or duration and outcome",
        ALWAYS,
        ev_conservative,
        group=DOC,
        when=HAS_CARE,
        na=NO_CARE,
    ),
    _c(
        "PKT-007",
        "Prior procedures with % relief, duration of relief and scale",
        ALWAYS,
        ev_history,
        group=DOC,
        when=HAS_HISTORY,
        na=NO_HISTORY,
    ),
    _c(
        "PKT-004",
        "Letter signed and dated by the physician",
        ALWAYS,
        ev_signature,
        group=DOC,
    ),
    # Facet family
    _c("FAC-001", "Pain duration of at least 3 months", _is(*FACET), ev_onset, "facet"),
    _c(
        "FAC-002",
        "Failure to respond to noninvasive conservative management, as tolerated",
        _is(*FACET),
        ev_conservative,
        "facet",
    ),
    _c(
        "FAC-003",
        "Moderate to severe chronic pain, predominantly axial, with functional deficit documented on a pain or disability scale",
        _is(*FACET),
        ev_baseline,
        "facet",
    ),
    _c(
        "FAC-004",
        "No untreated radiculopathy or neurogenic claudication (except radiculopathy caused by a facet synovial cyst)",
        _is(*FACET),
        ev_pattern,
        "facet",
    ),
    _c(
        "FAC-005",
        "No non-facet cause of the pain (such as fracture, tumor, infection or significant deformity) on clinical assessment or imaging",
        _is(*FACET),
        ev_other_causes,
        "facet",
    ),
    _c(
        "FAC-006",
        "Confirmatory diagnostic block: the first block gave consistent relief of at least {diag_relief}% of the index pain",
        _is(*BLOCKS),
        ev_prior_blocks,
        "facet",
        when=CONFIRMATORY,
        na=NOT_CONFIRMATORY,
    ),
    _c(
        "FAC-007",
        "At least 2 weeks between diagnostic blocks",
        _is(*BLOCKS),
        ev_prior_blocks,
        "facet",
        when=CONFIRMATORY_DATED,
        na=NOT_CONFIRMATORY_DATED,
    ),
    _c(
        "FAC-008",
        "Duration of relief consistent with the local anesthetic used",
        _is(*FACET),
        ev_blocks,
        "facet",
        when=HAS_BLOCKS,
        na=NO_BLOCKS,
    ),
    _c(
        "FAC-009",
        "Initial RFA: two medically necessary diagnostic medial branch blocks, each with consistent relief of at least {rfa_relief}%",
        _is(*RFA),
        ev_prior_blocks,
        "facet",
        when=FIRST_RFA,
        na=NOT_FIRST_RFA,
    ),
    _c(
        "FAC-010",
        "Repeat RFA at the same site: at least 50% improvement of pain or function lasting at least 6 months",
        _is(*RFA),
        ev_prior_rfa,
        "facet",
        when=REPEAT_RFA,
        na=NOT_REPEAT_RFA,
    ),
    _c(
        "FAC-011",
        "Repeat RFA more than 2 years after the last: diagnostic blocks repeated",
        _is(*RFA),
        ev_history,
        "facet",
        when=REPEAT_RFA_ON_FILE,
        na=NO_PRIOR_RFA,
    ),
    _c(
        "FAC-012",
        "Therapeutic facet joint injection: two diagnostic blocks with at least {diag_relief}% relief, and the reason the patient cannot have RFA",
        _is(*FIA),
        ev_rfa_contra,
        "facet",
        when=IS_THER,
        na=NOT_THER,
    ),
    _c(
        "FAC-013",
        "Repeat therapeutic facet joint injection: at least 50% relief for at least 3 months after the previous one",
        _is(*FIA),
        ev_history,
        "facet",
        when=REPEAT_FIA,
        na=NOT_REPEAT_FIA,
    ),
    _c(
        "FAC-014",
        "Therapeutic medial branch block: the reason RFA is not the next step",
        _is(*MBB),
        ev_rfa_contra,
        "facet",
        when=IS_THER,
        na=NOT_THER,
    ),
    _c("FAC-027", "No fusion at the target segment", _is(*FACET), ev_fusion, "facet"),
    _c(
        "FAC-026",
        "ICD-10-CM code that supports medical necessity for the region treated",
        _is(*FACET),
        ev_dx,
        "facet",
        when=HAS_DX,
        na=NO_DX,
    ),
    _c(
        "FAC-028",
        "Pain assessed on the same scale at baseline and after each block",
        _is(*FACET),
        ev_scales,
        "facet",
        when=HAS_BLOCKS,
        na=NO_BLOCKS,
    ),
    _c(
        "FAC-015",
        "One or two levels per session per region",
        _is(*FACET),
        ev_levels,
        "facet",
        LIM,
    ),
    _c(
        "FAC-016",
        "Diagnostic sessions within the limit per region in a rolling 12 months",
        _is(*BLOCKS),
        ev_ledger,
        "facet",
        LIM,
        when=IS_DIAG,
        na=NOT_DIAG,
    ),
    _c(
        "FAC-017",
        "Therapeutic sessions within the limit per region in a rolling 12 months",
        _is(*BLOCKS),
        ev_ledger,
        "facet",
        LIM,
        when=IS_THER,
        na=NOT_THER,
    ),
    _c(
        "FAC-018",
        "RFA sessions within the limit per region in a rolling 12 months",
        _is(*RFA),
        ev_ledger,
        "facet",
        LIM,
    ),
    _c(
        "FAC-019",
        "Imaging guidance by fluoroscopy or CT",
        _is(*FACET),
        ev_guidance,
        "facet",
        LIM,
    ),
    _c(
        "FAC-020",
        "Sedation with a facet injection or medial branch block: documented medical necessity",
        _is(*BLOCKS),
        ev_sedation,
        "facet",
        LIM,
        when=SEDATED,
        na=NO_SEDATION,
    ),
    _c(
        "FAC-021",
        "Sedation with RFA: documented medical necessity",
        _is(*RFA),
        ev_sedation,
        "facet",
        LIM,
        when=SEDATED,
        na=NO_SEDATION,
    ),
    _c(
        "FAC-022",
        "Conventional thermal radiofrequency ablation",
        _is(*RFA),
        ev_technique,
        "facet",
        LIM,
    ),
    _c(
        "FAC-023",
        "KX modifier on each diagnostic facet injection line",
        _is(*BLOCKS),
        ev_kx,
        "facet",
        LIM,
        when=IS_DIAG,
        na=NOT_DIAG,
    ),
    _c(
        "FAC-024",
        "No diagnostic block at a level with a previously successful RFA",
        _is(*BLOCKS),
        ev_prior_rfa,
        "facet",
        LIM,
        when=IS_DIAG,
        na=NOT_DIAG,
    ),
    _c(
        "FAC-025",
        "No other block type on the same date",
        _is(*FACET),
        ev_same_day,
        "facet",
        LIM,
    ),
    _c(
        "DVT-001",
        "Diagnostic injections at a level: the two initial diagnostic injections (a further one only when earlier blocks were negative or other levels are tested)",
        _is(*BLOCKS),
        ev_ledger,
        "facet",
        when=IS_DIAG,
        na=NOT_DIAG,
    ),
    _c(
        "DVT-002",
        "After two positive diagnostic blocks: RFA, or the reason the patient cannot have RFA",
        _is(*BLOCKS),
        ev_rfa_contra,
        "facet",
    ),
    _c(
        "DVT-003",
        "No repeat facet injections at the same levels",
        _is(*BLOCKS),
        ev_ledger,
        "facet",
    ),
    _c(
        "DVT-004",
        "Diagnostic facet block with a documented plan for RF neurolysis",
        _is(*BLOCKS),
        ev_rfa_plan,
        "facet",
        when=IS_DIAG,
        na=NOT_DIAG,
    ),
    _c(
        "DVT-005",
        "Therapeutic facet/MBB covered by this payer",
        _is(*BLOCKS),
        ev_rfa_contra,
        "facet",
        when=IS_THER,
        na=NOT_THER,
    ),
    _c(
        "DVT-006",
        "Diagnostic MBB with documented RFA candidacy",
        _is(*MBB),
        ev_rfa_plan,
        "facet",
        when=IS_DIAG,
        na=NOT_DIAG,
    ),
    _c(
        "AET-001",
        "At least 3 months of limiting pain after at least 6 weeks of conservative therapy",
        _is(*FACET),
        ev_conservative,
        "facet",
    ),
    _c(
        "AET-002",
        "At most 3 facet levels per session",
        _is(*FACET),
        ev_levels,
        "facet",
        LIM,
    ),
    _c(
        "EVI-001",
        "Two sequential diagnostic blocks at the same level with at least 80% relief before RFA",
        _is(*RFA),
        ev_prior_blocks,
        "facet",
        when=FIRST_RFA,
        na=NOT_FIRST_RFA,
    ),
    _c(
        "EVI-002",
        "Repeat RFA: at least 50% relief for 12 weeks and 6 months since the last RFA",
        _is(*RFA),
        ev_prior_rfa,
        "facet",
        when=REPEAT_RFA,
        na=NOT_REPEAT_RFA,
    ),
    _c(
        "EVI-003",
        "At most 2 RFA in 12 months and 3 contiguous levels per side",
        _is(*RFA),
        ev_ledger,
        "facet",
        LIM,
    ),
    _c(
        "CAR-001",
        "At most 4 diagnostic MBB sessions in 12 months and 2 levels per side per session",
        _is(*MBB),
        ev_ledger,
        "facet",
        LIM,
        when=IS_DIAG,
        na=NOT_DIAG,
    ),
    # ESI family
    _c(
        "ESI-001",
        "Radicular pain, radiculopathy, neurogenic claudication, post-laminectomy syndrome or acute zoster",
        _is(*ESI),
        ev_radicular,
        "esi",
    ),
    _c("ESI-002", "Pain for at least 4 weeks", _is(*ESI), ev_onset, "esi"),
    _c(
        "ESI-003",
        "At least 4 weeks of failed or not tolerated conservative care",
        _is(*ESI),
        ev_conservative,
        "esi",
    ),
    _c(
        "ESI-004",
        "Imaging finding concordant with the symptoms at the treated level",
        _is(*ESI),
        ev_concordance,
        "esi",
    ),
    _c(
        "ESI-005",
        "Named baseline pain or function scale",
        _is(*ESI),
        ev_baseline,
        "esi",
    ),
    _c(
        "ESI-006",
        "Repeat ESI: at least {esi_relief}% improvement for at least 3 months on the same scale",
        _is(*ESI),
        ev_last_esi,
        "esi",
        when=_esi_repeat,
        na=NOT_REPEAT_ESI,
    ),
    _c(
        "ESI-007",
        "After a failed ESI: at least 14 days and a changed approach, level or drug",
        _is(*ESI),
        ev_changed_approach,
        "esi",
        when=_esi_failed,
        na=NOT_FAILED_ESI,
    ),
    _c(
        "ESI-013",
        "Continuation past 12 months justified",
        _is(*ESI),
        ev_continuation,
        "esi",
        when=_esi_past_series_max,
        na=NOT_PAST_SERIES,
    ),
    _c(
        "ESI-017",
        "Diagnosis code reflects the radicular condition",
        _is(*ESI),
        ev_dx,
        "esi",
        when=HAS_DX,
        na=NO_DX,
    ),
    _c(
        "ESI-015",
        "No biologic or non-FDA-approved injectate",
        _is(*ESI),
        ev_injectate,
        "esi",
    ),
    _c(
        "ESI-008",
        "ESI sessions in the region within the rolling 12-month limit",
        _is(*ESI),
        ev_ledger,
        "esi",
        LIM,
    ),
    _c(
        "ESI-009",
        "Levels per session: transforaminal at most 2, interlaminar/caudal 1",
        _is(*ESI),
        ev_levels,
        "esi",
        LIM,
    ),
    _c("ESI-010", "One spinal region per session", _is(*ESI), ev_levels, "esi", LIM),
    _c(
        "ESI-011",
        "Fluoroscopic or CT guidance with contrast (or a documented contraindication)",
        _is(*ESI),
        ev_guidance,
        "esi",
        LIM,
    ),
    _c(
        "ESI-012",
        "Interlaminar/caudal not bilateral",
        _is(rf.ProcedureType.ESI_INTERLAMINAR, rf.ProcedureType.ESI_CAUDAL),
        ev_levels,
        "esi",
        LIM,
    ),
    _c(
        "ESI-014",
        "Sedation justified",
        _is(*ESI),
        ev_sedation,
        "esi",
        LIM,
        when=SEDATED,
        na=NO_SEDATION,
    ),
    _c(
        "ESI-016",
        "No other block type on the same date",
        _is(*ESI),
        ev_same_day,
        "esi",
        LIM,
    ),
    _c(
        "AET-003",
        "Repeat TFESI: at least two of 50% relief, better function, less medication, lasting 2 weeks",
        _is(*TFESI),
        ev_last_esi,
        "esi",
        when=REPEAT_TFESI,
        na=NOT_REPEAT_TFESI,
    ),
    _c(
        "EVI-004",
        "At least 6 weeks of conservative care (4 weeks for stenosis)",
        _is(*ESI),
        ev_conservative,
        "esi",
    ),
    _c(
        "EVI-005",
        "ESI frequency: 3 per 6 months, 4 per 12 months, at least 14 days apart",
        _is(*ESI),
        ev_ledger,
        "esi",
        LIM,
    ),
    _c("EVI-006", "Imaging within 24 months", _is(*ESI), ev_imaging, "esi"),
    _c(
        "CAR-002",
        "Repeat ESI: 3 months of benefit; one region per date of service",
        _is(*ESI),
        ev_last_esi,
        "esi",
        when=_esi_repeat,
        na=NOT_REPEAT_ESI,
    ),
    _c(
        "CAR-003",
        "Imaging showing the disc herniation within 18 months",
        _is(*ESI),
        ev_imaging,
        "esi",
        when=SHOWS_HNP,
        na=NO_HNP,
    ),
    _c(
        "BMA-001",
        "ESIs at least 30 days apart, at most 6 per 12 months",
        _is(*ESI),
        ev_ledger,
        "esi",
        LIM,
    ),
)

CRITERIA_BY_CODE = {c.code: c for c in CRITERIA}
GROUP_ORDER = (DOC, "Clinical criteria", LIM)


def criterion_text(c: Criterion, policy: Policy) -> str:
    """The criterion's wording with the profile's figures filled in."""
    return c.text.format(
        diag_relief=fmt_num(policy.get("facet", "diag_relief_min", 80)),
        rfa_relief=fmt_num(policy.get("facet", "rfa_prereq_relief_min", 80)),
        max_levels=fmt_num(policy.get("facet", "max_levels_per_session", 2)),
        dvt_blocks=fmt_num(policy.get("facet", "dvt_prior_blocks", 2)),
        esi_relief=fmt_num(policy.get("esi", "repeat_relief_min", 50)),
    )
