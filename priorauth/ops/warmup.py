"""Per-worker start-up: load once what every request would otherwise load first,
then take the start-up heap out of the garbage collector's way.

Called from ``priorauth/wsgi.py`` in every WSGI worker process (gunicorn imports
the WSGI module in each worker; ``runserver`` imports it too), before the first
request:

1. The PDF renderer's stylesheet and fonts (``pdf.warm``: print.css parsed, the
   @font-face faces loaded, one tiny render so Pango and HarfBuzz have their
   caches), the ICD-10-CM tables, the URL resolver and the templates' loaders.
   The first user to generate a PDF after a restart does not pay for them.
2. ``gc.collect()`` then ``gc.freeze()``: the ~700,000 objects alive after start-up
   (Django, WeasyPrint, the ICD-10-CM tables) move to the permanent generation,
   so a full collection no longer walks them. Measured on the standard demo
   packet (60 renders a process, 2 runs each): mean render 497 / 483 ms -> 396 /
   417 ms, p95 813 / 789 -> 468 / 488 ms, max 1,010 -> 495-528 ms; the median is
   unchanged (a full collection ran every ~4 renders and cost 250-390 ms).
   Objects created later are collected as before; nothing is leaked.
"""

from __future__ import annotations

import gc
import logging
import time

logger = logging.getLogger(__name__)


def warm_worker(*, freeze: bool = True) -> dict[str, float]:
    """Load the per-process caches; freeze the start-up heap. Returns timings (ms)."""
    started = time.perf_counter()
    from django.template.loader import get_template
    from django.urls import get_resolver

    from priorauth.packet import pdf  # noqa: F401
    from priorauth.rules import icd10  # noqa: F401 - icd10 loads its tables on import

    get_resolver().url_patterns  # noqa: B018 - imports every view module
    for name in ("base.html", "priorauth/request_form.html", "pdf/packet.html"):
        get_template(name)
    loaded = time.perf_counter()
    pdf.warm()
    rendered = time.perf_counter()
    frozen = 0
    if freeze:
        gc.collect()
        gc.freeze()
        frozen = gc.get_freeze_count()
    done = time.perf_counter()
    timings = {
        "load_ms": round((loaded - started) * 1000, 1),
        "pdf_warm_ms": round((rendered - loaded) * 1000, 1),
        "gc_freeze_ms": round((done - rendered) * 1000, 1),
        "frozen_objects": frozen,
    }
    logger.info("worker warm: %s", timings)
    return timings
