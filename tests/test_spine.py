"""The spine picture draws the ledger the rules use: same counts, marks in the right
place. Pure: no database, no settings (the SVG is parsed back with xml.etree)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import date

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from priorauth.packet.spine_svg import spine_svg, spine_table
from priorauth.rules import evaluate, load_fixture_policies
from priorauth.rules.facts import (
    CaseFacts,
    Intent,
    LevelRequest,
    PriorProcedure,
    ProcedurePlan,
    ProcedureType,
    Side,
)
from priorauth.rules.ledger import safe_levels
from priorauth.rules.spine import (
    KIND_OF,
    ROW_KEYS,
    SACRUM,
    spine_for_evaluation,
    spine_for_history,
)
from tests.strategies import case_facts, opt_dates, prior_procedures

SVG = "{http://www.w3.org/2000/svg}"
TODAY = date(2026, 12, 2)
POLICIES = load_fixture_policies()
TRANSLATE = re.compile(r"translate\(([-\d.]+) ([-\d.]+)\)")


def _parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def _marks(root: ET.Element) -> list[tuple[ET.Element, ET.Element]]:
    """(level group, mark) pairs."""
    return [
        (level, mark)
        for level in root.iter(f"{SVG}g")
        if level.get("class") == "level"
        for mark in level
        if mark.get("class") == "mark"
    ]


def _expected_marks(
    history: tuple[PriorProcedure, ...],
    start: date | None = None,
    end: date | None = None,
) -> set[tuple[int, str, str, str]]:
    """(row, level, side, kind) of each injection in the range, read independently."""
    out = set()
    for i, row in enumerate(history):
        if (end and row.date > end) or (start and row.date < start):
            continue
        levels = [lv for lv in safe_levels(row.levels) if lv in ROW_KEYS]
        if not levels and row.procedure is ProcedureType.SI_JOINT:
            levels = [SACRUM]
        for lv in levels:
            if lv == "caudal" or row.side is None:
                sides = ["midline"]
            elif row.side is Side.BILATERAL:
                sides = ["left", "right"]
            else:
                sides = [row.side.value]
            for side in sides:
                out.add((i, lv, side, KIND_OF[row.procedure]))
    return out


def _drawn(root: ET.Element) -> set[tuple[int, str, str, str]]:
    return {
        (
            int(mk.get("data-row")),
            mk.get("data-level"),
            mk.get("data-side"),
            mk.get("data-kind"),
        )
        for _, mk in _marks(root)
    }


def _check_geometry(root: ET.Element) -> None:
    midline = float(root.get("data-midline"))
    for level, mark in _marks(root):
        assert mark.get("data-level") == level.get("data-level")
        x, y = (float(v) for v in TRANSLATE.match(mark.get("transform")).groups())
        top, height = float(level.get("data-y")), float(level.get("data-h"))
        assert top <= y < top + height, (mark.attrib, level.attrib)
        centre = x + 32  # marks are 64 wide
        side = mark.get("data-side")
        if side == "left":
            assert centre < midline - 20
        elif side == "right":
            assert centre > midline + 20
        else:
            assert abs(centre - midline) < 1


@settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(facts=case_facts(), key=st.sampled_from(sorted(POLICIES)))
def test_it_draws_the_ledger_counts_and_marks_of_generated_histories(facts, key):
    evaluation = evaluate(facts, POLICIES[key], today=TODAY)
    layout = spine_for_evaluation(evaluation, today=TODAY)
    svg = spine_svg(layout)
    assert svg == spine_svg(layout)  # same facts, same bytes
    root = _parse(svg)
    evaluated = evaluation.facts
    dos = evaluated.procedure.date_of_service or TODAY

    drawn = _drawn(root)
    assert drawn == _expected_marks(evaluated.history, end=dos)
    assert len(_marks(root)) == len(drawn)  # one mark per injection, level and side
    _check_geometry(root)

    windows = {
        g.get("data-level"): g
        for g in root.iter(f"{SVG}g")
        if g.get("class") == "window"
    }
    entries = {e.level: e for e in evaluation.ledger if e.level in ROW_KEYS}
    assert set(windows) == set(entries)
    counted = {
        req.level: set(req.counted_kinds) for req in layout.requested if req.entry
    }
    for level, entry in entries.items():
        g = windows[level]
        assert int(g.get("data-used")) == entry.sessions_used_12m
        assert g.get("data-limit") == (
            "" if entry.session_limit is None else str(entry.session_limit)
        )
        assert g.get("data-next") == (
            entry.next_eligible_date.isoformat() if entry.next_eligible_date else ""
        )
        assert int(g.get("data-prior")) == entry.prior_count
        rows_here = {
            row
            for row, lv, _side, kind in drawn
            if lv == level and kind in counted[level]
        }
        assert len(rows_here) == entry.history_count
    outlined = {
        (r.get("data-level"), r.get("data-side"))
        for r in root.iter(f"{SVG}rect")
        if r.get("class") == "requested"
    }
    assert {lv for lv, _ in outlined} == set(entries)


def _mbb(day: date, level: str, side: Side | None, relief: float) -> PriorProcedure:
    return PriorProcedure(
        date=day,
        procedure=ProcedureType.MBB,
        intent=Intent.DIAGNOSTIC,
        levels=(level,),
        side=side,
        relief_percent=relief,
    )


def test_it_outlines_the_requested_side_and_prints_the_window_beside_it():
    facts = CaseFacts(
        procedure=ProcedurePlan(
            type=ProcedureType.MBB,
            intent=Intent.DIAGNOSTIC,
            date_of_service=date(2026, 12, 10),
        ),
        levels=(LevelRequest("L4-L5", Side.LEFT),),
        history=(
            _mbb(date(2026, 9, 15), "L4-L5", Side.LEFT, 85),
            _mbb(date(2026, 10, 13), "L4-L5", Side.BILATERAL, 80),
            PriorProcedure(
                date=date(2025, 1, 5),
                procedure=ProcedureType.ESI_CAUDAL,
                levels=("caudal",),
            ),
        ),
    )
    evaluation = evaluate(facts, POLICIES["medicare"], today=TODAY)
    root = _parse(spine_svg(spine_for_evaluation(evaluation)))
    marks = [mk.attrib for _, mk in _marks(root)]
    assert [(m["data-level"], m["data-side"], m["data-kind"]) for m in marks] == [
        ("L4-L5", "left", "MBB"),
        ("L4-L5", "left", "MBB"),
        ("L4-L5", "right", "MBB"),
        ("caudal", "midline", "ESI"),
    ]
    outlined = [
        r.attrib for r in root.iter(f"{SVG}rect") if r.get("class") == "requested"
    ]
    assert [(r["data-level"], r["data-side"]) for r in outlined] == [("L4-L5", "left")]
    window = next(g for g in root.iter(f"{SVG}g") if g.get("class") == "window")
    text = " ".join(t.text for t in window)
    assert "3 of 4 sessions in 12 months" in text
    assert "2 prior IA/MBB here" in text
    assert root.find(f"{SVG}title").text
    assert "L4-L5" in root.find(f"{SVG}desc").text
    assert root.get("aria-labelledby") == "spine-title spine-desc"


def test_it_folds_unused_levels_and_filters_a_patient_history_by_date():
    history = (
        _mbb(date(2024, 3, 1), "C5-C6", Side.RIGHT, 70),
        _mbb(date(2026, 3, 1), "L4-L5", None, 90),
        PriorProcedure(date=date(2026, 4, 1), procedure=ProcedureType.MBB),
    )
    layout = spine_for_history(history, date_from=date(2025, 1, 1))
    assert [m.level for m in layout.marks] == ["L4-L5"]
    assert [(u.row, u.kind) for u in layout.unplaced] == [(2, "MBB")]
    keys = [row.key for row in layout.rows]
    assert keys[0] == "gap" and "C5-C6" not in keys and "C1-C2" not in keys
    assert keys[-5:] == ["L3-L4", "L4-L5", "L5-S1", "sacrum", "caudal"]
    table = spine_table(layout)
    assert table[0]["midline"] == "MBB 03/01/2026, relief 90%"
    assert table[-1]["level"] == "no valid level"
    root = _parse(spine_svg(layout))
    assert root.get("data-injections") == "2"


@settings(max_examples=80, deadline=None)
@given(
    history=st.lists(prior_procedures, max_size=10).map(tuple),
    start=opt_dates,
    end=opt_dates,
)
def test_a_patient_picture_draws_each_injection_in_the_range(history, start, end):
    layout = spine_for_history(history, date_from=start, date_to=end)
    root = _parse(spine_svg(layout))
    drawn = _drawn(root)
    assert drawn == _expected_marks(history, start, end)
    assert len(_marks(root)) == len(drawn)
    _check_geometry(root)
    in_range = [
        r
        for r in history
        if not (start and r.date < start) and not (end and r.date > end)
    ]
    assert int(root.get("data-injections")) == len(in_range)
