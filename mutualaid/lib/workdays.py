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
from bisect import bisect_left
from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from pathlib import Path

__all__ = ["WorkingCalendar", "load_calendar"]


class WorkingCalendar:
    """Working days counted by arithmetic, not day by day: a claim list of 50 rows asks for 150 counts
    and sums of about 30 working days each, which the walk took a fifth of the page's time to answer.

    Between the first and last published special day (holiday or make-up day) each day's rank, the
    working days from the window's start up to it, is kept in a list; outside the window every week
    has five working days."""

    def __init__(self, *, holidays: Iterable[date], workdays: Iterable[date], years: Iterable[int]):
        self.holidays = frozenset(holidays)
        self.workdays = frozenset(workdays)
        self.years = frozenset(years)
        special = self.holidays | self.workdays
        self._first = min(special, default=date(2000, 1, 1))
        last = max(special, default=self._first)
        self._last = last
        ranks, count = [], 0
        for offset in range((last - self._first).days + 1):
            count += self.is_working_day(self._first + timedelta(days=offset))
            ranks.append(count)
        self._ranks = ranks  # working days in [first, first + i]

    def covers(self, year: int) -> bool:
        """Whether the holidays of ``year`` are known (otherwise that year counts Monday-Friday)."""
        return year in self.years

    def is_working_day(self, day: date) -> bool:
        if day in self.workdays:
            return True
        if day in self.holidays:
            return False
        return day.weekday() < 5

    def _rank(self, day: date) -> int:
        """Working days from the window's first day up to and including ``day`` (negative before it):
        ``_rank(b) - _rank(a)`` is the number of working days after ``a`` up to ``b``."""
        if day > self._last:
            return self._ranks[-1] + _weekdays_between(self._last, day)
        if day < self._first:
            return -_weekdays_between(day, self._first - timedelta(days=1))
        return self._ranks[(day - self._first).days]

    def add_working_days(self, start: date, n: int) -> date:
        """The ``n``-th working day after ``start`` (``start`` itself never counts; n >= 0)."""
        if n <= 0:
            return start
        target = self._rank(start) + n
        if target > self._ranks[-1]:  # after the window: Monday-Friday from its last day
            return _add_weekdays(max(start, self._last), target - max(self._rank(start), self._ranks[-1]))
        if target <= 0:  # still before the window
            return _add_weekdays(start, n)
        # The first day of the window whose rank reaches the target is a working day.
        return self._first + timedelta(days=bisect_left(self._ranks, target))

    def working_days_between(self, start: date, end: date) -> int:
        """Working days after ``start`` up to and including ``end``; 0 when ``end`` is not after ``start``."""
        return self._rank(end) - self._rank(start) if end > start else 0


def _weekdays_between(start: date, end: date) -> int:
    """Mondays to Fridays after ``start`` up to and including ``end`` (end >= start)."""
    weeks, rest = divmod((end - start).days, 7)
    count = weeks * 5
    day = start + timedelta(days=weeks * 7)
    for _ in range(rest):
        day += timedelta(days=1)
        count += day.weekday() < 5
    return count


def _add_weekdays(start: date, n: int) -> date:
    """The ``n``-th Monday-to-Friday after ``start`` (n >= 1): any seven days in a row hold five."""
    weeks, rest = divmod(n, 5)
    if rest == 0:
        weeks, rest = weeks - 1, 5
    day = start + timedelta(days=weeks * 7)
    while rest:
        day += timedelta(days=1)
        rest -= day.weekday() < 5
    return day


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
