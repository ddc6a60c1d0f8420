"""Pure-Python coverage rules for spinal injection prior authorization.

No Django imports anywhere in this package (enforced by tests/test_rules_purity.py).
Public surface: ``evaluate(facts, policy) -> Evaluation`` and the fact/finding types.
"""

from .engine import evaluate
from .facts import CaseFacts, Region
from .findings import Citation, CodeLine, Evaluation, Finding, LedgerEntry, Severity
from .levels import LevelError, parse_level, region_of, subregion_of, validate_levels
from .policy import Policy
from .profiles import load_fixture_policies

__all__ = [
    "CaseFacts",
    "Citation",
    "CodeLine",
    "Evaluation",
    "Finding",
    "LedgerEntry",
    "LevelError",
    "Policy",
    "Region",
    "Severity",
    "evaluate",
    "load_fixture_policies",
    "parse_level",
    "region_of",
    "subregion_of",
    "validate_levels",
]
