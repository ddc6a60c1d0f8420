from django.contrib import admin
from django.urls import path

from priorauth import views

urlpatterns = [
    path("health/", views.health, name="pa-health"),
    path("accounts/login/", views.LoginView.as_view(), name="pa-login"),
    path("accounts/logout/", views.logout_view, name="pa-logout"),
    path("", views.worklist, name="pa-worklist"),
    path("requests/<int:pk>/", views.request_detail, name="pa-request-detail"),
    path("admin/", admin.site.urls),
]
