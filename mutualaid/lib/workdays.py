"""Working days on the State Council's holiday calendar (国务院办公厅关于节假日安排的通知).

A working day is a Monday to Friday that is not a public holiday, or a weekend day the notice makes
a working day (调休上班, e.g. Saturday 2026-02-14 and 2026-02-28 around the Spring Festival). The
published years come from the ``chinese-calendar`` package; a year the package does not know yet
(the notice comes out each November) can be given as data (``extra``), and a year known to neither
falls back to Monday-Friday, which ``covers`` tells so a start-up check can warn.

No Django here: the deadline code passes the calendar and "today" explicitly.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from pathlib import Path

__all__ = ["WorkingCalendar", "load_calendar"]


class WorkingCalendar:
    def __init__(self, *, holidays: Iterable[date], workdays: Iterable[date], years: Iterable[int]):
        self.holidays = frozenset(holidays)
        self.workdays = frozenset(workdays)
        self.years = frozenset(years)

    def covers(self, year: int) -> bool:
        """Whether the holidays of ``year`` are known (otherwise that year counts Monday-Friday)."""
        return year in self.years

    def is_working_day(self, day: date) -> bool:
        if day in self.workdays:
            return True
        if day in self.holidays:
            return False
        return day.weekday() < 5

    def add_working_days(self, start: date, n: int) -> date:
        """The ``n``-th working day after ``start`` (``start`` itself never counts; n >= 0)."""
        day = start
        while n > 0:
            day += timedelta(days=1)
            if self.is_working_day(day):
                n -= 1
        return day

    def working_days_between(self, start: date, end: date) -> int:
        """Working days after ``start`` up to and including ``end``; 0 when ``end`` is not after ``start``."""
        count, day = 0, start
        while day < end:
            day += timedelta(days=1)
            if self.is_working_day(day):
                count += 1
        return count


def _dates(values) -> set[date]:
    return {date.fromisoformat(str(value)) for value in values}


def load_calendar(extra: Mapping | str | Path | None = None) -> WorkingCalendar:
    """The package's published years, plus ``extra``: a mapping (or a JSON file holding one) of
    ``{"2027": {"holidays": ["2027-01-01", ...], "workdays": ["2027-02-06", ...]}}``. A year given
    in ``extra`` replaces the package's data for that year."""
    from chinese_calendar import constants

    holidays = set(constants.holidays)
    workdays = set(constants.workdays)
    years = {day.year for day in holidays}
    published: Mapping = (
        json.loads(Path(extra).read_text(encoding="utf-8")) if isinstance(extra, str | Path) else extra or {}
    )
    for year, days in published.items():
        year = int(year)
        holidays = {d for d in holidays if d.year != year} | _dates(days.get("holidays", ()))
        workdays = {d for d in workdays if d.year != year} | _dates(days.get("workdays", ()))
        years.add(year)
    return WorkingCalendar(holidays=holidays, workdays=workdays, years=years)
