"""Working days on the State Council's calendar: the 2026 Spring Festival (15-23 February off) and its
two make-up Saturdays (14 and 28 February), as the notice of November 2025 set them."""

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mutualaid.lib.workdays import load_calendar

CALENDAR = load_calendar()


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2026, 2, 13), True),  # Friday before the festival
        (date(2026, 2, 14), True),  # Saturday, a make-up working day
        (date(2026, 2, 16), False),  # Monday, Spring Festival
        (date(2026, 2, 23), False),  # Monday, the festival's last day
        (date(2026, 2, 24), True),  # back to work
        (date(2026, 2, 28), True),  # Saturday, the second make-up day
        (date(2026, 3, 1), False),  # an ordinary Sunday
        (date(2026, 10, 1), False),  # National Day
    ],
)
def test_the_calendar_knows_2026s_holidays_and_make_up_days(day, working):
    assert CALENDAR.is_working_day(day) is working


def test_thirty_working_days_across_the_spring_festival():
    # Submitted Friday 13 February: day 1 is the make-up Saturday, then nothing until the 24th, day 6 is
    # Saturday the 28th, and the 30th working day is Thursday 2 April (Monday-Friday would say 27 March).
    start = date(2026, 2, 13)
    assert CALENDAR.add_working_days(start, 1) == date(2026, 2, 14)
    assert CALENDAR.add_working_days(start, 2) == date(2026, 2, 24)
    assert CALENDAR.add_working_days(start, 6) == date(2026, 2, 28)
    assert CALENDAR.add_working_days(start, 30) == date(2026, 4, 2)
    assert CALENDAR.working_days_between(start, date(2026, 2, 23)) == 1
    assert CALENDAR.working_days_between(start, date(2026, 4, 2)) == 30
    assert CALENDAR.working_days_between(start, start) == 0


def test_a_year_the_package_does_not_know_counts_monday_to_friday_until_it_is_given():
    assert not CALENDAR.covers(2099)
    assert CALENDAR.working_days_between(date(2099, 1, 2), date(2099, 1, 9)) == 5  # Fri → Fri
    given = load_calendar({"2099": {"holidays": ["2099-01-05"], "workdays": ["2099-01-03"]}})
    assert given.covers(2099)
    assert given.working_days_between(date(2099, 1, 2), date(2099, 1, 9)) == 5  # Sat on, Mon off
    assert given.is_working_day(date(2099, 1, 3)) and not given.is_working_day(date(2099, 1, 5))


def _walk_add(calendar, start, n):
    day = start
    while n > 0:
        day += timedelta(days=1)
        n -= calendar.is_working_day(day)
    return day


def _walk_between(calendar, start, end):
    return sum(calendar.is_working_day(start + timedelta(days=i)) for i in range(1, (end - start).days + 1))


GIVEN = load_calendar({"2099": {"holidays": ["2099-01-05"], "workdays": ["2099-01-03"]}})


@settings(max_examples=400, deadline=None)
@given(
    calendar=st.sampled_from([CALENDAR, GIVEN]),
    start=st.dates(min_value=date(1998, 1, 1), max_value=date(2101, 12, 31)),
    span=st.integers(min_value=0, max_value=400),
    n=st.integers(min_value=0, max_value=120),
)
def test_deadlines_by_arithmetic_are_the_days_counted_one_by_one(calendar, start, span, n):
    """A claim's due date and days left, counted in a few steps, are what the calendar counted day by day
    gives, before the published years, across them (the Spring Festival's make-up Saturdays), and after."""
    end = start + timedelta(days=span)
    assert calendar.add_working_days(start, n) == _walk_add(calendar, start, n)
    assert calendar.working_days_between(start, end) == _walk_between(calendar, start, end)
    assert calendar.working_days_between(end, start) == 0
