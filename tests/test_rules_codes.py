"""CPT lines from procedure, region, levels and sides (payer-rules 1.6, 2.4)."""

from __future__ import annotations

import pytest

from priorauth.rules.codes import derive_code_lines
from priorauth.rules.facts import (
    Guidance,
    Intent,
    LevelRequest,
    ProcedurePlan,
    Region,
    Side,
)
from priorauth.rules.facts import (
    ProcedureType as PT,
)

LS, CT = Region.LUMBAR_SACRAL, Region.CERVICAL_THORACIC
BI, L, RT = Side.BILATERAL, Side.LEFT, Side.RIGHT


def lines(
    pt,
    levels,
    region=LS,
    *,
    intent=Intent.DIAGNOSTIC,
    guidance=Guidance.FLUOROSCOPY,
    kx=True,
    style="50",
    kx_modifier=None,
):
    plan = ProcedurePlan(
        type=pt, intent=intent, guidance=guidance, kx_modifier=kx_modifier
    )
    reqs = [LevelRequest(lv, side) for lv, side in levels]
    return [
        (c.cpt, c.modifiers, c.units)
        for c in derive_code_lines(
            plan, reqs, region, kx_on_diagnostic=kx, bilateral_style=style
        )
    ]


@pytest.mark.parametrize(
    ("args", "kwargs", "expected"),
    [
        (
            (PT.MBB, [("L3-L4", BI), ("L4-L5", BI), ("L5-S1", BI)]),
            {},
            [
                ("64493", ("50", "KX"), 1),
                ("64494", ("50", "KX"), 1),
                ("64495", ("50", "KX"), 1),
            ],
        ),
        (
            (PT.FACET_IA, [("C5-C6", L)], CT),
            {"intent": Intent.THERAPEUTIC},
            [("64490", ("LT",), 1)],
        ),
        (
            (PT.MBB, [("C4-C5", RT), ("C5-C6", RT)], CT),
            {},
            [("64490", ("RT", "KX"), 1), ("64491", ("RT", "KX"), 1)],
        ),
        ((PT.MBB, [("L4-L5", BI)]), {"kx": False}, [("64493", ("50",), 1)]),
        ((PT.MBB, [("L4-L5", BI)]), {"kx_modifier": False}, [("64493", ("50",), 1)]),
        (
            (PT.MBB, [("L4-L5", BI)]),
            {"style": "RT_LT"},
            [("64493", ("RT", "KX"), 1), ("64493", ("LT", "KX"), 1)],
        ),
        (
            (PT.RFA, [("L4-L5", BI), ("L5-S1", BI)]),
            {"intent": Intent.FIRST},
            [("64635", ("50",), 1), ("64636", ("50",), 1)],
        ),
        (
            (PT.RFA, [("C5-C6", L)], CT),
            {"intent": Intent.FIRST},
            [("64633", ("LT",), 1)],
        ),
        (
            (PT.ESI_TRANSFORAMINAL, [("L4-L5", L), ("L5-S1", L)]),
            {},
            [("64483", ("LT",), 1), ("64484", ("LT",), 1)],
        ),
        ((PT.ESI_TRANSFORAMINAL, [("C6-C7", RT)], CT), {}, [("64479", ("RT",), 1)]),
        ((PT.ESI_INTERLAMINAR, [("L4-L5", L)]), {}, [("62323", (), 1)]),
        (
            (PT.ESI_INTERLAMINAR, [("L4-L5", L)]),
            {"guidance": Guidance.NONE},
            [("62322", (), 1)],
        ),
        ((PT.ESI_INTERLAMINAR, [("C6-C7", L)], CT), {}, [("62321", (), 1)]),
        (
            (PT.ESI_INTERLAMINAR, [("C6-C7", L)], CT),
            {"guidance": Guidance.ULTRASOUND},
            [("62320", (), 1)],
        ),
        ((PT.ESI_CAUDAL, [("caudal", L)]), {}, [("62323", (), 1)]),
    ],
)
def test_it_derives_cpt_lines(args, kwargs, expected):
    assert lines(*args, **kwargs) == expected
