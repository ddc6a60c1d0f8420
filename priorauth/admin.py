from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from priorauth import models as m


@admin.register(m.User)
class PriorauthUserAdmin(UserAdmin):
    fieldsets = UserAdmin.fieldsets + (("Practice", {"fields": ("practice", "role", "credentials", "npi")}),)
    list_display = ("username", "first_name", "last_name", "practice", "role", "is_active")
    list_filter = ("practice", "role", "is_active")


@admin.register(m.PayerProfile)
class PayerProfileAdmin(admin.ModelAdmin):
    list_display = ("name", "key", "kind", "version", "effective_date", "revision_date", "is_active")
    list_filter = ("kind", "is_active")
    search_fields = ("name", "key", "policy_id")


admin.site.register(m.Practice)
admin.site.register(m.Provider)
admin.site.register(m.Facility)
