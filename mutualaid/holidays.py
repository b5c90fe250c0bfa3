"""The working-day calendar the payment deadline counts on (DOMAIN.md §13), loaded once per process:
the State Council's published years from ``chinese-calendar``, plus the years in
``DJANGO_HOLIDAYS_FILE`` (the centre adds the next year's notice there the day it is published, if
the package has not caught up)."""

from functools import cache

from django.conf import settings

from mutualaid.lib.workdays import WorkingCalendar, load_calendar


@cache
def working_calendar() -> WorkingCalendar:
    return load_calendar(settings.HOLIDAYS_FILE or None)
