"""One-line headlines in plain words for the findings shown to billing staff.

A finding's message is written in the payer's terms ("facet blocks", ">= 80 % MBBs");
the headline says what it means for this request, built from the finding's own data
(its level, its count) and the facts: "This would be the 3rd diagnostic block at
L4-L5 in 12 months: Medicare will likely treat it as therapeutic". The message stays
as the details below it. Headlines are for staff only: the packet never prints them.

Every rule ID has a headline here (``tests/test_rules_headlines.py``); a finding of a
rule added later falls back to the first sentence of its message.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from .facts import CaseFacts
from .findings import Finding

__all__ = ["HEADLINES", "PAYER_WORDS", "headline", "ordinal", "payer_words"]

Builder = Callable[[Finding, "_Words"], str]


def ordinal(n: int) -> str:
    """1st, 2nd, 3rd, 4th, 11th, 12th, 13th, 21st."""
    if 10 <= n % 100 <= 20:
        suffix = "th"
    else:
        suffix = {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


# What staff call each payer profile in a sentence (the profile names are longer:
# "Original Medicare (MAC LCD by state of service)").
PAYER_WORDS = {
    "medicare": "Medicare",
    "medicare_advantage": "The Medicare Advantage plan",
    "aetna": "Aetna",
    "evicore": "eviCore",
    "carelon": "Carelon",
    "bcbs": "The plan",
    "bcbs_ma": "BCBS MA",
    "commercial": "The payer",
}


def payer_words(profile_key: str, name: str = "") -> str:
    """ "Medicare" for the profile key; else the name without its parenthesis."""
    if profile_key in PAYER_WORDS:
        return PAYER_WORDS[profile_key]
    short = re.sub(r"\s*\(.*\)\s*$", "", name or "").strip()
    return short or "The payer"


class _Words:
    """What a headline may say about the request beyond the finding itself."""

    def __init__(self, facts: CaseFacts | None, payer: str) -> None:
        self.facts = facts
        key = facts.payer.profile_key if facts else ""
        self.payer = payer_words(key, payer)

    @property
    def state(self) -> str:
        return self.facts.payer.state if self.facts else ""


def _at(f: Finding) -> str:
    return f" at {f.level}" if f.level else ""


def _dvt_001(f: Finding, w: _Words) -> str:
    nth = ordinal((f.count or 2) + 1)
    return (
        f"This would be the {nth} diagnostic block{_at(f)} in 12 months: "
        f"{w.payer} will likely treat it as therapeutic"
    )


def _dvt_003(f: Finding, w: _Words) -> str:
    if f.count:
        return (
            f"Aetna does not cover repeat facet injections: this would be the "
            f"{ordinal(f.count + 1)}{_at(f)}"
        )
    return f"Aetna does not cover repeat facet injections{_at(f)}"


def _fac_001(f: Finding, w: _Words) -> str:
    if w.facts is not None and w.facts.clinical.onset_date is None:
        return "The pain onset date is missing: facet procedures need 3 months of pain"
    return "The pain has not lasted 3 months yet, as facet procedures need"


def _pkt_008(f: Finding, w: _Words) -> str:
    where = f" in {w.state}" if w.state else ""
    return f"Medicare prior authorization is needed for this ESI{where} (WISeR)"


def _fixed(text: str) -> Builder:
    return lambda f, w: text


def _leveled(text: str) -> Builder:
    """``text`` with "{at}" as " at L4-L5" (or nothing for the whole request)."""
    return lambda f, w: text.format(at=_at(f))


def _payer(text: str) -> Builder:
    return lambda f, w: text.format(payer=w.payer, at=_at(f))


HEADLINES: dict[str, Builder] = {
    # Diagnostic vs therapeutic: the headline flag.
    "DVT-001": _dvt_001,
    "DVT-002": _payer(
        "Two successful diagnostic blocks are on file{at}: {payer} expects RF "
        "ablation next, not another block"
    ),
    "DVT-003": _dvt_003,
    "DVT-004": _fixed(
        "Aetna pays for a diagnostic facet block only when RF ablation is planned"
    ),
    "DVT-005": _payer(
        "{payer} does not cover therapeutic facet or medial branch injections"
    ),
    "DVT-006": _fixed(
        "Carelon covers medial branch blocks only for patients being considered "
        "for RF ablation"
    ),
    # The packet's must-haves.
    "PKT-001": _fixed(
        "Patient identifiers are missing: name, date of birth and member ID"
    ),
    "PKT-002": _fixed(
        "Provider or facility details are missing (name, NPI, place of service)"
    ),
    "PKT-003": _fixed("A requested procedure has no diagnosis code, level or side"),
    "PKT-004": _fixed("The physician has not signed the letter yet"),
    "PKT-005": _leveled("No dated imaging report with findings{at}"),
    "PKT-006": _fixed("Conservative care needs its dates and how it went"),
    "PKT-007": _fixed(
        "An earlier injection is missing its relief, how long it lasted or the "
        "pain scale"
    ),
    "PKT-008": _pkt_008,
    "PKT-009": _fixed(
        "No Medicare prior authorization needed: facet procedures outside a "
        "hospital outpatient department"
    ),
    "PKT-010": _fixed(
        "Hospital outpatient facet procedure: get Medicare prior authorization "
        "(a UTN) before the procedure"
    ),
    # Where to send it.
    "RTE-001": _fixed("Send this request through the state's WISeR vendor portal"),
    "RTE-002": _fixed(
        "Hospital outpatient prior authorization: a decision in 7 calendar days"
    ),
    "RTE-003": _payer(
        "{payer} must decide within 7 calendar days (72 hours if expedited)"
    ),
    "RTE-004": _payer("{payer} counts a diagnostic block as positive from 50 % relief"),
    # What was typed against what the history shows.
    "LED-001": _leveled(
        "The prior injection count{at} is lower than the history shows"
    ),
    "LED-002": _fixed("A typed relief figure does not match the pain scores"),
    # Facet joint procedures (Medicare LCD and most payers).
    "FAC-001": _fac_001,
    "FAC-002": _fixed("No failed conservative care is documented"),
    "FAC-003": _fixed("The baseline pain score or functional impairment is missing"),
    "FAC-004": _fixed("Radiculopathy rules out facet coverage"),
    "FAC-005": _fixed("Say that other causes of the pain were ruled out"),
    "FAC-006": _leveled(
        "The first diagnostic block{at} did not give the 80 % relief a second needs"
    ),
    "FAC-007": _leveled("Less than 2 weeks since the last diagnostic block{at}"),
    "FAC-008": _fixed("Record how long the relief lasted"),
    "FAC-009": _leveled(
        "RF ablation{at} needs two diagnostic medial branch blocks with 80 % relief"
    ),
    "FAC-010": _leveled(
        "Repeat RF ablation{at} needs 50 % relief lasting 6 months from the last one"
    ),
    "FAC-011": _leveled(
        "The last RF ablation{at} was over 2 years ago: repeat the diagnostic "
        "blocks first"
    ),
    "FAC-012": _fixed(
        "Therapeutic facet injections need two successful diagnostic blocks and a "
        "reason RF ablation is not possible"
    ),
    "FAC-013": _leveled(
        "The last therapeutic injection{at} did not give 50 % relief for 3 months"
    ),
    "FAC-014": _fixed(
        "Coverage of therapeutic medial branch blocks is unclear: confirm first"
    ),
    "FAC-015": _payer(
        "More than 2 levels in one session: {payer} pays the third only on appeal"
    ),
    "FAC-016": _fixed("Over the limit of 4 diagnostic facet sessions in 12 months"),
    "FAC-017": _fixed("Over the limit of 4 therapeutic facet sessions in 12 months"),
    "FAC-018": _fixed("Over the limit of 2 RF ablation sessions in 12 months"),
    "FAC-019": _fixed("Facet procedures need fluoroscopy or CT guidance"),
    "FAC-020": _fixed("Sedation for this block is not routinely covered"),
    "FAC-021": _fixed("Say why sedation is needed for this RF ablation"),
    "FAC-022": _fixed("Only conventional thermal RF ablation is covered"),
    "FAC-023": _fixed("Add the KX modifier to the diagnostic facet lines"),
    "FAC-024": _leveled(
        "RF ablation already worked{at}: a diagnostic block there is not covered"
    ),
    "FAC-025": _fixed("Another block type on the same day may be denied"),
    "FAC-026": _fixed("The diagnosis code may not support a facet procedure"),
    "FAC-027": _fixed("Facet procedures at a fused level are generally not covered"),
    "FAC-028": _fixed("Use the same pain scale before and after each block"),
    # Epidural steroid injections.
    "ESI-001": _fixed(
        "ESIs are covered for radicular pain, not back or neck pain alone"
    ),
    "ESI-002": _fixed("An ESI needs at least 4 weeks of pain"),
    "ESI-003": _fixed("No 4 weeks of failed conservative care are documented"),
    "ESI-004": _leveled("Imaging does not show what explains the symptoms{at}"),
    "ESI-005": _fixed("The baseline pain score is missing"),
    "ESI-006": _fixed("The last ESI did not give 50 % relief for 3 months"),
    "ESI-007": _fixed("Too soon after a failed ESI, or nothing changed since"),
    "ESI-008": _fixed("Over the limit of 4 ESI sessions in 12 months"),
    "ESI-009": _fixed("Too many levels for this ESI in one session"),
    "ESI-010": _fixed("Only one spinal region per session"),
    "ESI-011": _fixed("ESIs need fluoroscopy or CT guidance with contrast"),
    "ESI-012": _fixed("A bilateral interlaminar or caudal ESI is not covered"),
    "ESI-013": _fixed("ESIs past 12 months need a documented reason to continue"),
    "ESI-014": _fixed("Sedation for an ESI is rarely covered"),
    "ESI-015": _fixed("This injectate is not covered"),
    "ESI-016": _fixed(
        "Another block type in the same session is generally not covered"
    ),
    "ESI-017": _fixed("The diagnosis code does not show radicular pain"),
    # Payer-specific.
    "AET-001": _fixed(
        "Aetna needs 3 months of pain after 6 weeks of conservative care"
    ),
    "AET-002": _fixed("Aetna allows at most 3 facet levels per session"),
    "AET-003": _fixed("The last transforaminal ESI did not help enough for Aetna"),
    "EVI-001": _leveled(
        "eviCore needs two diagnostic blocks with 80 % relief{at} before RF ablation"
    ),
    "EVI-002": _fixed(
        "eviCore: too soon, or too little relief, for a repeat RF ablation"
    ),
    "EVI-003": _fixed("Over eviCore's RF ablation limits"),
    "EVI-004": _fixed("eviCore needs 6 weeks of conservative care"),
    "EVI-005": _fixed("Over eviCore's ESI limits (3 in 6 months, 14 days apart)"),
    "EVI-006": _fixed("eviCore expects an MRI or CT from the last 24 months"),
    "CAR-001": _fixed("Over Carelon's medial branch block limits"),
    "CAR-002": _fixed("Carelon: the last ESI did not help for 3 months"),
    "CAR-003": _fixed(
        "Carelon expects imaging of the disc herniation from the last 18 months"
    ),
    "BCB-001": _payer(
        "{payer} counts 50 % relief as a positive block{at} and spaces RF 6 months "
        "apart"
    ),
    "BMA-001": _fixed("BCBS MA: ESIs 30 days apart, at most 6 in 12 months"),
}

_SENTENCE = re.compile(r"(?<=[.!?])\s")


def _fallback(finding: Finding) -> str:
    """The first sentence of the message, without its full stop."""
    first = _SENTENCE.split(finding.message.strip(), maxsplit=1)[0]
    return first.rstrip(".").strip() or finding.code


def headline(
    finding: Finding, *, facts: CaseFacts | None = None, payer: str = ""
) -> str:
    """One plain line for ``finding``: what it means for this request.

    ``facts`` are the facts as evaluated (``Evaluation.facts``), for what the
    finding does not carry itself (the payer profile, the state of service);
    ``payer`` is the profile's name, used for a profile ``PAYER_WORDS`` lacks.
    """
    build = HEADLINES.get(finding.code)
    if build is None:
        return _fallback(finding)
    return build(finding, _Words(facts, payer))
