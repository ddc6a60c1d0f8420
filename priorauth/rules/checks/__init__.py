"""One small function per rule ID: ``(facts, ctx) -> list[Finding]``.

Importing this package registers every check in ``REGISTRY`` (rule ID -> check).
"""

from . import dvt, esi, facet, packet, payers, routes  # noqa: F401  (registration side effect)
from .common import REGISTRY, Ctx, rule

__all__ = ["REGISTRY", "Ctx", "rule"]
