"""System checks for what the server machine must provide (``manage.py check``,
run by runserver, migrate and ``make serve``)."""

from __future__ import annotations

from typing import Any

from django.core import checks

from priorauth.packet import pdf

RENDERER_PACKAGES = "libharfbuzz-subset0 libpango-1.0-0 libpangoft2-1.0-0"


@checks.register("priorauth")
def harfbuzz_subsetting(
    app_configs: Any = None, **kwargs: Any
) -> list[checks.CheckMessage]:
    """priorauth.W001: WeasyPrint falls back to fontTools for font subsetting, which
    makes every PDF render about 1.5-2x slower (docs/performance.md)."""
    if pdf.harfbuzz_subsetting_available():
        return []
    return [
        checks.Warning(
            "WeasyPrint cannot subset fonts with HarfBuzz (libharfbuzz-subset0 is "
            "missing or older than 4.1): PDFs render with the slower fontTools "
            "fallback.",
            hint="Install the renderer's libraries: apt-get install "
            f"{RENDERER_PACKAGES} (`make run` and `make serve` do this as root).",
            id="priorauth.W001",
        )
    ]
