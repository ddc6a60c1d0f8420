"""The ICD-10-CM code set (simple-icd-10-cm), loaded once per process, safely.

simple-icd-10-cm builds its code tables lazily on first use and without a lock, so
two threads of one server worker that look up a code at the same moment can see
half-built tables (TypeError, a 500 on save). Loading them here, in the module
body, runs under Python's import lock: every thread that imports this module gets
the finished tables.
"""

from __future__ import annotations

import simple_icd_10_cm as cm

_WARM_CODE = "M47.816"
cm.is_valid_item(_WARM_CODE)
cm.is_leaf(_WARM_CODE)
cm.get_description(_WARM_CODE)
cm.get_descendants("M47.81")
cm.add_dot(cm.remove_dot(_WARM_CODE))

__all__ = ["cm"]
