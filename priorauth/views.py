from __future__ import annotations

from django.contrib.auth import logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from priorauth import models as m
from priorauth import services


@login_not_required
def health(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")


class LoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    redirect_authenticated_user = True


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    return redirect("pa-login")


def _get_request_for_user(request: HttpRequest, pk: int) -> m.AuthRequest:
    practice_id = getattr(request.user, "practice_id", None)
    try:
        return services.auth_request_queryset_for_detail().get(pk=pk, practice_id=practice_id)
    except m.AuthRequest.DoesNotExist:
        raise Http404("No such request") from None


def worklist(request: HttpRequest) -> HttpResponse:
    rows = m.AuthRequest.objects.filter(practice_id=request.user.practice_id).select_related(
        "patient", "payer_profile"
    )[:50]
    return render(request, "priorauth/worklist.html", {"rows": rows})


def request_detail(request: HttpRequest, pk: int) -> HttpResponse:
    obj = _get_request_for_user(request, pk)
    evaluation = services.auth_request_evaluate(request=obj)
    return render(request, "priorauth/request_detail.html", {"obj": obj, "evaluation": evaluation})
