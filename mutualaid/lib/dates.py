"""Calendar arithmetic used by enrolment age checks and the claims queue.

Pure functions on :class:`datetime.date` so the rules can be tested without
Django and without a clock: callers always pass "today" explicitly.
"""

from __future__ import annotations

from datetime import date, timedelta

__all__ = ["add_days", "age_on", "days_between", "working_days_between"]


def age_on(birth: date, on: date) -> int:
    """Return the age in completed years on day ``on`` (周岁).

    Eligibility rules are written in 周岁, so a member is one year older only
    once the birthday itself has been reached. A 29 February birthday is
    treated as reached on 1 March in non-leap years (on 28 February the
    person is still the younger age); this falls out of comparing
    (month, day) pairs and matches how 周岁 is usually computed.

    Raises ``ValueError`` if ``on`` is before ``birth``: a negative age always
    means swapped arguments or a bad birth date, and must not silently pass
    a minimum-age check.
    """
    if on < birth:
        raise ValueError(f"date {on.isoformat()} is before birth date {birth.isoformat()}")
    had_birthday = (on.month, on.day) >= (birth.month, birth.day)
    return on.year - birth.year - (0 if had_birthday else 1)


def add_days(d: date, n: int) -> date:
    """Return ``d`` moved by ``n`` calendar days (``n`` may be negative).

    Exists so deadline code reads as a rule ("30 days after submission")
    rather than as ``timedelta`` plumbing.
    """
    return d + timedelta(days=n)


def days_between(a: date, b: date) -> int:
    """Return the signed number of calendar days from ``a`` to ``b``.

    Positive when ``b`` is later; ``days_between(d, d) == 0``.
    """
    return (b - a).days


def working_days_between(start: date, end: date) -> int:
    """Count Monday-Friday days after ``start`` up to and including ``end``.

    The start day itself is not counted, so a claim submitted on a Friday has
    waited 1 working day by the following Monday. Returns 0 when ``end`` is
    not after ``start``.

    Public holidays (and the weekend make-up working days of the Chinese
    calendar) are NOT taken into account: there is no holiday table. The
    result is therefore an upper bound on real working days, good enough to
    flag claims that have waited "over 30 working days" but not a legal
    deadline calculation.
    """
    total = (end - start).days
    if total <= 0:
        return 0
    full_weeks, remainder = divmod(total, 7)
    count = full_weeks * 5
    # weekday(): Monday == 0 ... Sunday == 6. Walk the leftover < 7 days.
    first_weekday = start.weekday()
    for offset in range(1, remainder + 1):
        if (first_weekday + offset) % 7 < 5:
            count += 1
    return count
