"""Working days on the State Council's calendar: the 2026 Spring Festival (15-23 February off) and its
two make-up Saturdays (14 and 28 February), as the notice of November 2025 set them."""

from datetime import date

import pytest

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
