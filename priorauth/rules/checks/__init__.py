"""One small function per rule ID: ``(facts, ctx) -> list[Finding]``.

Importing this package registers every check in ``REGISTRY`` (rule ID -> check).
"""

from . import (  # noqa: F401  (registration side effect)
    dvt,
    esi,
    facet,
    facet_limits,
    facet_treatment,
    packet,
    payers,
    routes,
)
from .common import REGISTRY, Ctx, rule

__all__ = ["REGISTRY", "Ctx", "rule"]
