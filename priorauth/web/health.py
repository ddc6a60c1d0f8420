"""The health probe (`/health/`): no login, no database, plain "ok" (load balancers,
`make serve`); exempt from the HTTPS redirect, and it holds no PHI."""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse


@login_not_required
def health(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")
