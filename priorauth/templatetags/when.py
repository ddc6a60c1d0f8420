"""``{{ value|when }}``: a time in words in the active zone (the practice's, set by
``security.timezones``), "2 December 2026, 9:14 AM PST"; a date as "2 December 2026".
Loaded as a template builtin (settings), so no ``{% load %}`` is needed."""

from __future__ import annotations

from datetime import date, datetime

from django import template
from django.utils import timezone

from priorauth.packet.words import date_words, time_words

register = template.Library()


@register.filter
def when(value: object) -> str:
    if isinstance(value, datetime):
        if timezone.is_naive(value):
            value = timezone.make_aware(value, timezone.get_current_timezone())
        return time_words(timezone.localtime(value))
    if isinstance(value, date):
        return date_words(value)
    return "" if value is None else str(value)
