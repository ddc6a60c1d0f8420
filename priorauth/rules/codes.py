"""Derive requested-service CPT lines from procedure, region, levels and sides.

payer-rules 1.6 (facet/RFA) and 2.4 (ESI):

- Facet IA/MBB: 64490/64493 first level, +64491/+64494 second, +64492/+64495
  third and further (one line, units 1: the code covers "any additional level").
- RFA: 64633/64635 first joint, +64634/+64636 each additional joint.
- TFESI: 64479/64483 first level, +64480/+64484 each additional level.
- ILESI/caudal: 62320/62322 without imaging, 62321/62323 with fluoroscopy/CT;
  one line whatever the number of levels (ESI-009 flags more than one).
- Sides: bilateral -> modifier 50 (or two lines RT and LT when the profile's
  ``billing.bilateral_modifier`` is ``"RT_LT"``); left -> LT; right -> RT.
- KX on every diagnostic facet line when the profile says so (Medicare), unless
  the request explicitly sets ``kx_modifier=False``.
"""

from __future__ import annotations

from collections.abc import Iterable

from .facts import (
    Guidance,
    Intent,
    LevelRequest,
    ProcedurePlan,
    ProcedureType,
    Region,
    Side,
)
from .findings import CodeLine

# (primary, second, third-and-more) per region; None = "each additional" repeats `second`.
_FACET = {
    Region.CERVICAL_THORACIC: ("64490", "64491", "64492"),
    Region.LUMBAR_SACRAL: ("64493", "64494", "64495"),
}
_RFA = {
    Region.CERVICAL_THORACIC: ("64633", "64634"),
    Region.LUMBAR_SACRAL: ("64635", "64636"),
}
_TF = {
    Region.CERVICAL_THORACIC: ("64479", "64480"),
    Region.LUMBAR_SACRAL: ("64483", "64484"),
}
_IL = {  # (without imaging, with imaging)
    Region.CERVICAL_THORACIC: ("62320", "62321"),
    Region.LUMBAR_SACRAL: ("62322", "62323"),
}
IMAGING = (Guidance.FLUOROSCOPY, Guidance.CT)
FACET_CPT = frozenset(
    {
        "64490",
        "64491",
        "64492",
        "64493",
        "64494",
        "64495",
        "64633",
        "64634",
        "64635",
        "64636",
    }
)
THIRD_LEVEL_CPT = frozenset({"64492", "64495"})


def side_modifiers(
    side: Side | None, bilateral_style: str = "50"
) -> list[tuple[str, ...]]:
    """Modifier sets for one level's side: one set per billed line."""
    if side is Side.BILATERAL:
        return [("RT",), ("LT",)] if bilateral_style == "RT_LT" else [("50",)]
    if side is Side.LEFT:
        return [("LT",)]
    if side is Side.RIGHT:
        return [("RT",)]
    return [()]


def wants_kx(plan: ProcedurePlan, kx_on_diagnostic: bool) -> bool:
    """KX goes on diagnostic facet IA/MBB lines (Medicare), unless explicitly refused."""
    if plan.type not in (ProcedureType.FACET_IA, ProcedureType.MBB):
        return False
    if plan.kx_modifier is not None:
        return plan.kx_modifier
    return kx_on_diagnostic and plan.intent in (Intent.DIAGNOSTIC, None)


def _lines_for(
    codes: tuple[str, str] | tuple[str, str, str],
    levels: list[LevelRequest],
    extra: tuple[str, ...],
    style: str,
    desc: str,
) -> list[CodeLine]:
    lines: list[CodeLine] = []
    third = codes[2] if len(codes) == 3 else None
    for i, lv in enumerate(levels):
        if third and i >= 2:
            rest = levels[2:]
            for mods in side_modifiers(rest[0].side, style):
                lines.append(
                    CodeLine(
                        third,
                        mods + extra,
                        1,
                        tuple(x.level for x in rest),
                        rest[0].side.value,
                        True,
                        f"{desc}, third+ level",
                    )
                )
            break
        cpt = codes[0] if i == 0 else codes[1]
        for mods in side_modifiers(lv.side, style):
            lines.append(
                CodeLine(
                    cpt,
                    mods + extra,
                    1,
                    (lv.level,),
                    lv.side.value,
                    i > 0,
                    desc if i == 0 else f"{desc}, additional level",
                )
            )
    return lines


def derive_code_lines(
    plan: ProcedurePlan,
    levels: Iterable[LevelRequest],
    region: Region,
    *,
    kx_on_diagnostic: bool = False,
    bilateral_style: str = "50",
) -> list[CodeLine]:
    """CPT lines for the levels of one region (levels already canonical and valid)."""
    lvls = list(levels)
    if not lvls:
        return []
    t = plan.type
    if t in (ProcedureType.FACET_IA, ProcedureType.MBB):
        extra = ("KX",) if wants_kx(plan, kx_on_diagnostic) else ()
        return _lines_for(
            _FACET[region], lvls, extra, bilateral_style, "Facet injection/MBB"
        )
    if t is ProcedureType.RFA:
        return _lines_for(_RFA[region], lvls, (), bilateral_style, "Facet RF ablation")
    if t is ProcedureType.ESI_TRANSFORAMINAL:
        return _lines_for(_TF[region], lvls, (), bilateral_style, "Transforaminal ESI")
    if t in (ProcedureType.ESI_INTERLAMINAR, ProcedureType.ESI_CAUDAL):
        cpt = _IL[region][1 if plan.guidance in IMAGING else 0]
        side = lvls[0].side
        return [
            CodeLine(
                cpt,
                (),
                1,
                tuple(x.level for x in lvls),
                side.value,
                False,
                "Interlaminar/caudal ESI",
            )
        ]
    return []
