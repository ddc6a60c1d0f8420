"""Level parsing, validation and regions."""

from __future__ import annotations

import pytest

from priorauth.rules.facts import Region
from priorauth.rules.levels import LevelError, parse_level, region_of, validate_levels

LS, CT = Region.LUMBAR_SACRAL, Region.CERVICAL_THORACIC


@pytest.mark.parametrize(
    ("typed", "canonical", "region"),
    [
        ("L4-L5", "L4-L5", LS),
        ("L4-5", "L4-L5", LS),
        ("l4/l5", "L4-L5", LS),
        ("L45", "L4-L5", LS),
        ("l4 - 5", "L4-L5", LS),
        ("L5-S1", "L5-S1", LS),
        ("L5S1", "L5-S1", LS),
        ("C5-C6", "C5-C6", CT),
        ("c5-6", "C5-C6", CT),
        ("C7-T1", "C7-T1", CT),
        ("T11-T12", "T11-T12", CT),
        ("T12-L1", "T12-L1", LS),
        ("caudal", "caudal", LS),
        ("Caudal", "caudal", LS),
        ("C1-C2", "C1-C2", CT),
    ],
)
def test_it_canonicalises_typed_levels(typed, canonical, region):
    assert parse_level(typed) == canonical
    assert region_of(typed) is region


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "L4",
        "L4-L6",
        "L5-L6",
        "S1-S2",
        "L3-L5",
        "C8-T1",
        "T13-L1",
        "X4-X5",
        "L5-L4",
        "lumbar",
        "L4-S1",
        "C0-C1",
    ],
)
def test_it_rejects_unreal_or_non_adjacent_levels(bad):
    with pytest.raises(LevelError):
        parse_level(bad)


def test_level_error_is_a_value_error_with_a_clear_message():
    with pytest.raises(ValueError, match="not adjacent"):
        parse_level("L3-L5")


def test_validate_levels_rejects_duplicates_and_mixed_regions():
    assert validate_levels(["L4-5", "L5-S1"]) == ("L4-L5", "L5-S1")
    with pytest.raises(LevelError, match="twice"):
        validate_levels(["L4-5", "L4-L5"])
    with pytest.raises(LevelError, match="one region"):
        validate_levels(["C5-C6", "L4-L5"])
