from datetime import date, timedelta

import pytest

from mutualaid.lib.dates import add_days, age_on, days_between, working_days_between


@pytest.mark.parametrize(
    ("birth", "on", "age"),
    [
        (date(1980, 5, 12), date(2024, 5, 11), 43),  # day before birthday
        (date(1980, 5, 12), date(2024, 5, 12), 44),  # on the birthday
        (date(1980, 5, 12), date(1980, 5, 12), 0),
        (date(2006, 6, 1), date(2024, 5, 31), 17),  # 18 only from tomorrow
        (date(2006, 6, 1), date(2024, 6, 1), 18),
        (date(1980, 12, 31), date(2024, 1, 1), 43),
        # 29 February: reached on 1 March in non-leap years, on 29 Feb in leap years
        (date(2000, 2, 29), date(2023, 2, 28), 22),
        (date(2000, 2, 29), date(2023, 3, 1), 23),
        (date(2000, 2, 29), date(2024, 2, 28), 23),
        (date(2000, 2, 29), date(2024, 2, 29), 24),
    ],
)
def test_age_on(birth: date, on: date, age: int) -> None:
    assert age_on(birth, on) == age


def test_age_on_before_birth_is_an_error() -> None:
    with pytest.raises(ValueError):
        age_on(date(2000, 1, 2), date(2000, 1, 1))


@pytest.mark.parametrize(
    ("d", "n", "expected"),
    [
        (date(2024, 1, 31), 1, date(2024, 2, 1)),
        (date(2024, 2, 28), 1, date(2024, 2, 29)),
        (date(2023, 2, 28), 1, date(2023, 3, 1)),
        (date(2024, 1, 1), -1, date(2023, 12, 31)),
        (date(2024, 1, 1), 0, date(2024, 1, 1)),
        (date(2024, 1, 1), 30, date(2024, 1, 31)),
    ],
)
def test_add_days(d: date, n: int, expected: date) -> None:
    assert add_days(d, n) == expected


@pytest.mark.parametrize(
    ("a", "b", "days"),
    [
        (date(2024, 1, 1), date(2024, 1, 1), 0),
        (date(2024, 1, 1), date(2024, 12, 31), 365),
        (date(2024, 3, 1), date(2024, 2, 1), -29),
    ],
)
def test_days_between(a: date, b: date, days: int) -> None:
    assert days_between(a, b) == days


# 2024-06-03 is a Monday, 2024-06-07 a Friday, 2024-06-08 a Saturday.
@pytest.mark.parametrize(
    ("start", "end", "working_days"),
    [
        (date(2024, 6, 3), date(2024, 6, 3), 0),  # same day
        (date(2024, 6, 3), date(2024, 6, 4), 1),  # Mon -> Tue
        (date(2024, 6, 7), date(2024, 6, 10), 1),  # Fri -> Mon: only Monday
        (date(2024, 6, 8), date(2024, 6, 9), 0),  # Sat -> Sun
        (date(2024, 6, 7), date(2024, 6, 9), 0),  # Fri -> Sun
        (date(2024, 6, 3), date(2024, 6, 10), 5),  # one whole week
        (date(2024, 6, 3), date(2024, 7, 12), 29),
        (date(2024, 6, 3), date(2024, 7, 15), 30),
        (date(2024, 6, 3), date(2024, 7, 16), 31),  # first day "over 30"
        # holidays are not excluded: Dragon Boat Festival 2024-06-10 counts
        (date(2024, 6, 7), date(2024, 6, 11), 2),
        (date(2024, 6, 10), date(2024, 6, 3), 0),  # end before start
    ],
)
def test_working_days_between(start: date, end: date, working_days: int) -> None:
    assert working_days_between(start, end) == working_days


@pytest.mark.parametrize("start_offset", range(7))
def test_working_days_between_matches_day_by_day_count(start_offset: int) -> None:
    start = date(2024, 6, 3) + timedelta(days=start_offset)
    for span in range(60):
        end = start + timedelta(days=span)
        expected = sum(1 for i in range(1, span + 1) if (start + timedelta(days=i)).weekday() < 5)
        assert working_days_between(start, end) == expected
