"""Pure-Python coverage rules for spinal injection prior authorization.

No Django imports anywhere in this package (enforced by tests/test_rules_purity.py).
Public surface: ``evaluate(facts, policy) -> Evaluation`` and the fact/finding types.
"""
