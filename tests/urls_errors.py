"""The app's URLs plus views that fail on purpose (tests/test_error_pages.py)."""

from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import path

from priorauth.urls import urlpatterns as app_urlpatterns

# What a careless exception might carry: internals and PHI. None may reach the page.
SECRET = "internal-detail /srv/priorauth/settings.py Sam Synthetic 1958-03-14"


def boom(request: HttpRequest) -> HttpResponse:
    raise RuntimeError(SECRET)


def forbidden(request: HttpRequest) -> HttpResponse:
    raise PermissionDenied(SECRET)


def missing(request: HttpRequest) -> HttpResponse:
    raise Http404(SECRET)


def suspicious(request: HttpRequest) -> HttpResponse:
    raise SuspiciousOperation(SECRET)


urlpatterns = [
    *app_urlpatterns,
    path("test-errors/boom/", boom, name="test-boom"),
    path("test-errors/public-boom/", login_not_required(boom), name="test-public-boom"),
    path("test-errors/forbidden/", forbidden, name="test-forbidden"),
    path("test-errors/missing/", missing, name="test-missing"),
    path("test-errors/suspicious/", suspicious, name="test-suspicious"),
]
