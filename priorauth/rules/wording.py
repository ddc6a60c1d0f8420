"""Plain words for the facts: what the evidence sentences and the packet print.

Names for the engine's enums (procedure, intent, region, guidance, sedation,
care, imaging, place of service), dates and numbers as printed (MM/DD/YYYY, as
payer forms use them), and one-line descriptions of injections and treatments.
Pure: the ICD-10-CM descriptions come from simple-icd-10-cm, imported on first use.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from . import facts as rf
from .care import OUTCOME_WORDS
from .findings import CodeLine
from .ledger import computed_relief, effective_relief
from .levels import LevelError, subregion_of

PROCEDURE_NAMES = {
    rf.ProcedureType.ESI_INTERLAMINAR: "interlaminar epidural steroid injection",
    rf.ProcedureType.ESI_TRANSFORAMINAL: "transforaminal epidural steroid injection",
    rf.ProcedureType.ESI_CAUDAL: "caudal epidural steroid injection",
    rf.ProcedureType.FACET_IA: "facet joint intra-articular injection",
    rf.ProcedureType.MBB: "medial branch block",
    rf.ProcedureType.RFA: "medial branch radiofrequency ablation",
    rf.ProcedureType.SI_JOINT: "sacroiliac joint injection",
    rf.ProcedureType.TRIGGER_POINT: "trigger point injection",
}
INTENT_WORDS = {
    rf.Intent.DIAGNOSTIC: "diagnostic",
    rf.Intent.THERAPEUTIC: "therapeutic",
    rf.Intent.FIRST: "initial",
    rf.Intent.REPEAT: "repeat",
}
REGION_WORDS = {
    "cervical": "cervical",
    "thoracic": "thoracic",
    "lumbar_sacral": "lumbar",
}
GUIDANCE_WORDS = {
    rf.Guidance.FLUOROSCOPY: "fluoroscopic",
    rf.Guidance.CT: "CT",
    rf.Guidance.ULTRASOUND: "ultrasound",
    rf.Guidance.MRI: "MRI",
    rf.Guidance.NONE: "no image",
}
SEDATION_WORDS = {
    rf.Sedation.NONE: "none",
    rf.Sedation.MINIMAL: "minimal (anxiolysis)",
    rf.Sedation.MODERATE: "moderate sedation",
    rf.Sedation.DEEP: "deep sedation",
    rf.Sedation.MAC: "monitored anesthesia care",
    rf.Sedation.GENERAL: "general anesthesia",
}
CARE_WORDS = {
    "physical_therapy": "physical therapy",
    "home_exercise": "home exercise program",
    "nsaids": "NSAIDs",
    "neuropathic": "neuropathic agents",
    "analgesics": "analgesics",
    "activity_modification": "activity modification",
    "chiropractic": "chiropractic care",
    "muscle_relaxants": "muscle relaxants",
}
MODALITY_WORDS = {
    "mri": "MRI",
    "ct": "CT",
    "xray": "X-ray",
    "emg": "EMG",
    "ct_myelogram": "CT myelogram",
}
POS_WORDS = {
    "11": "11 (office)",
    "19": "19 (off-campus hospital outpatient)",
    "22": "22 (on-campus hospital outpatient)",
    "24": "24 (ambulatory surgical center)",
}
SEX_WORDS = {
    "F": "Female",
    "M": "Male",
    "X": "Other/unknown",
    "female": "Female",
    "male": "Male",
}


# --------------------------------------------------------------------------- formatting


def fmt_date(value: date | None) -> str:
    """US clinical convention, as payer forms use it: MM/DD/YYYY."""
    return value.strftime("%m/%d/%Y") if value else ""


def fmt_num(value: float | None, digits: int = 0) -> str:
    if value is None:
        return ""
    if float(value).is_integer() or digits == 0:
        return str(int(round(value)))
    return f"{value:.{digits}f}"


def months_between(start: date, end: date) -> float:
    return round((end - start).days / 30.44, 1)


def side_word(side: rf.Side | str | None) -> str:
    return str(side.value if isinstance(side, rf.Side) else side or "")


def icd_description(code: str) -> str:
    from priorauth.rules.icd10 import cm as icd  # tables load once, on first use

    try:
        return str(icd.get_description(code))
    except (ValueError, KeyError):
        return "(code not found in ICD-10-CM)"


def care_word(kind: str) -> str:
    return CARE_WORDS.get(kind, kind.replace("_", " "))


def modality_word(modality: str) -> str:
    return MODALITY_WORDS.get(modality.lower(), modality)


def join_words(items: Iterable[str]) -> str:
    parts = [p for p in items if p]
    if len(parts) <= 1:
        return "".join(parts)
    return ", ".join(parts[:-1]) + " and " + parts[-1]


def region_word(facts: rf.CaseFacts) -> str:
    regions = []
    for lv in facts.levels:
        try:
            word = REGION_WORDS[subregion_of(lv.level)]
        except (LevelError, KeyError):
            continue
        if word not in regions:
            regions.append(word)
    return join_words(regions) or "spinal"


def levels_phrase(facts: rf.CaseFacts) -> str:
    """``L4-L5 (bilateral) and L5-S1 (right)``."""
    return (
        join_words(f"{lv.level} ({side_word(lv.side)})" for lv in facts.levels)
        or "levels not stated"
    )


def procedure_phrase(facts: rf.CaseFacts) -> str:
    plan = facts.procedure
    name = PROCEDURE_NAMES.get(plan.type, str(plan.type))
    intent = INTENT_WORDS.get(plan.intent) if plan.intent else ""
    if plan.type.is_esi:
        intent = ""
    return f"{intent} {region_word(facts)} {name}".strip()


def care_outcome_text(c: rf.ConservativeCare) -> str:
    """The outcome in words, with the note: "failed (16 visits, pain unchanged)"."""
    word = OUTCOME_WORDS.get(c.outcome, "") if c.outcome else ""
    note = c.note.strip()
    if word and note:
        return f"{word} ({note})"
    return word or note


def care_item(c: rf.ConservativeCare) -> str:
    span = ""
    if c.start and c.end:
        span = f"{fmt_date(c.start)} to {fmt_date(c.end)} ({fmt_num((c.end - c.start).days / 7, 0)} weeks)"
    elif c.start:
        span = f"from {fmt_date(c.start)}"
    elif c.duration_weeks:
        span = f"{fmt_num(c.duration_weeks)} weeks"
    text = care_outcome_text(c)
    outcome = f": {text}" if text else ""
    return f"{care_word(c.kind)} {span}{outcome}".strip()


def response_rows(facts: rf.CaseFacts) -> list[rf.PriorProcedure]:
    """Facet blocks in the ledger with a recorded response (relief or scores)."""
    return [
        r
        for r in facts.history
        if r.procedure in (rf.ProcedureType.MBB, rf.ProcedureType.FACET_IA)
        and (r.relief_percent is not None or computed_relief(r) is not None)
    ]


def block_item(b: rf.PriorProcedure) -> str:
    bits = [fmt_date(b.date) or "undated", b.agent or "agent not stated"]
    if b.levels:
        bits.append(", ".join(b.levels))
    relief = effective_relief(b)
    score = ""
    if b.pre_score is not None and b.post_score is not None:
        score = f"{b.scale or 'score'} {fmt_num(b.pre_score, 1)} to {fmt_num(b.post_score, 1)}"
    rel = f"{fmt_num(relief)}% relief" if relief is not None else "relief not recorded"
    hours = b.relief_duration_hours
    dur = f" for {fmt_num(hours, 1)} h" if hours is not None else ""
    return f"{'; '.join(bits)}: {score + ', ' if score else ''}{rel}{dur}"


def history_item(p: rf.PriorProcedure) -> str:
    name = PROCEDURE_NAMES.get(p.procedure, str(p.procedure))
    intent = f"{INTENT_WORDS.get(p.intent, '')} " if p.intent else ""
    where = f" at {', '.join(p.levels)}" if p.levels else ""
    side = f" ({side_word(p.side)})" if p.side else ""
    relief = effective_relief(p)  # from the scores when both are recorded, as the rules
    if relief is not None:
        how_long = ""
        if p.relief_duration_days is not None:
            how_long = f" lasting {fmt_num(p.relief_duration_days, 1)} days"
        elif p.relief_duration_hours is not None:
            how_long = f" lasting {fmt_num(p.relief_duration_hours, 1)} hours"
        scale = f" ({p.scale})" if p.scale else ""
        result = f"{fmt_num(relief)}% relief{scale}{how_long}"
    else:
        result = "relief not recorded"
    return f"{fmt_date(p.date)} {intent}{name}{where}{side}: {result}"


def line_label(line: CodeLine) -> str:
    mods = f"-{'-'.join(line.modifiers)}" if line.modifiers else ""
    return f"{'+' if line.add_on else ''}{line.cpt}{mods} x{line.units} ({', '.join(line.levels)})"
