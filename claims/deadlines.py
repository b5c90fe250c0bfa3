"""The payment deadline (DOMAIN.md §13): a claim is paid within 30 working days of the day its
documents were complete — its submission; a return and a new submission start the count again
(``Claim.submitted_at`` is set at each submission). Working days follow the State Council's calendar
(``mutualaid.holidays``): weekends and public holidays do not count, make-up Saturdays do.

Day 1 is the first working day after the submission, so a claim submitted on Friday 2026-02-13 has
used 1 day on Saturday 2026-02-14 (a make-up working day) and nothing more until 2026-02-24.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Q
from django.utils import timezone

from claims.models import Claim, ClaimStatus
from mutualaid.holidays import working_calendar

PAYMENT_WORKING_DAYS = 30
# "Near the deadline": this many working days left or fewer.
NEAR_WORKING_DAYS = 5
# The clock runs from submission until payment; a claim back with its filer (returned) or decided
# without payment (rejected, closed) has no deadline running.
RUNNING = frozenset(ClaimStatus.OPEN | {ClaimStatus.APPROVED})


@dataclass(frozen=True)
class Deadline:
    start: date
    due: date
    used: int
    left: int  # negative once overdue
    paid_on: date | None = None

    @property
    def overdue(self) -> bool:
        return self.left < 0

    @property
    def late_by(self) -> int:
        return max(-self.left, 0)

    @property
    def near(self) -> bool:
        return 0 <= self.left <= NEAR_WORKING_DAYS and self.paid_on is None


def due_date(start: date) -> date:
    return working_calendar().add_working_days(start, PAYMENT_WORKING_DAYS)


def deadline_of(claim: Claim, today: date | None = None) -> Deadline | None:
    """Days used and left for a claim under review or awaiting payment, and how a paid claim fared."""
    if claim.submitted_at is None or claim.status not in RUNNING | {ClaimStatus.PAID}:
        return None
    calendar = working_calendar()
    start = timezone.localdate(claim.submitted_at)
    paid_on = timezone.localdate(claim.paid_at) if claim.status == ClaimStatus.PAID and claim.paid_at else None
    end = paid_on or today or timezone.localdate()
    due = due_date(start)
    used = calendar.working_days_between(start, end)
    left = calendar.working_days_between(end, due) if end <= due else -calendar.working_days_between(due, end)
    return Deadline(start=start, due=due, used=used, left=left, paid_on=paid_on)


def _latest_start(today: date, *, due_before: date) -> date:
    """The latest submission day whose due date falls before ``due_before`` (due dates never go back
    as the submission day moves forward, so one walk back from ``due_before`` finds it)."""
    day = due_before - timedelta(days=1)
    while due_date(day) >= due_before:
        day -= timedelta(days=1)
    return day


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))


def late_filter(today: date | None = None) -> Q:
    """Claims past their deadline and not paid, as a query (for the centre's home, queues and digest)."""
    today = today or timezone.localdate()
    last_overdue = _latest_start(today, due_before=today)
    return Q(status__in=sorted(RUNNING), submitted_at__lt=_start_of(last_overdue))


def near_filter(today: date | None = None) -> Q:
    """Claims with at most ``NEAR_WORKING_DAYS`` working days left and not paid."""
    today = today or timezone.localdate()
    last_overdue = _latest_start(today, due_before=today)
    horizon = working_calendar().add_working_days(today, NEAR_WORKING_DAYS)
    last_near = _latest_start(today, due_before=horizon + timedelta(days=1))
    return Q(status__in=sorted(RUNNING), submitted_at__gte=_start_of(last_overdue),
             submitted_at__lt=_start_of(last_near))  # fmt: skip


def send_digest(today: date | None = None) -> dict:
    """The centre's morning message: claims past and near their deadline, the oldest named first.
    Once a day (a second run the same day adds nothing); nothing when nothing is late or near."""
    from mutualaid import notices
    from mutualaid.models import Notice

    today = today or timezone.localdate()
    late = Claim.objects.filter(late_filter(today))
    near = Claim.objects.filter(near_filter(today))
    counts = {"overdue": late.count(), "near": near.count()}
    if not any(counts.values()):
        return {**counts, "sent": 0}
    midnight = timezone.make_aware(datetime.combine(today, time.min))
    if Notice.objects.filter(event="deadline_digest", created_at__gte=midnight).exists():
        return {**counts, "sent": 0}
    oldest = late if counts["overdue"] else near
    references = list(oldest.order_by("submitted_at", "pk").values_list("reference", flat=True)[:5])
    listing = "late" if counts["overdue"] else "near"
    sent = notices.emit("deadline_digest", listing, today=today, references=references, **counts)
    return {**counts, "sent": len(sent)}
