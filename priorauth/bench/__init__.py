"""Rerunnable performance benchmark (``make bench`` / ``python -m priorauth.bench``).

Kept out of the test suite: nothing here is collected by pytest. See
docs/performance.md for what is measured, the targets, and the latest figures.
"""
