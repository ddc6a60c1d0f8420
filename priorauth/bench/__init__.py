"""Rerunnable performance benchmark (``make bench`` / ``python -m priorauth.bench``),
kept out of the test suite; docs/performance.md says what it measures and the figures.
May import anything of priorauth; nothing in priorauth imports the bench.
"""
