"""The claim columns of the statistics' summary (``PlanDistrictSummary``: claims filed, paid, the
amount paid, the wait from submission to payment, how many wait at each step) and the diagnoses
(``DiagnosisSummary``), kept current in the transaction of every claim service that changes a claim's
state or what it says, the way ``enrollment.summary`` keeps the enrollment columns: the keys' rows locked first, then their claims
recounted from the raw table (one plan's claims in one district).

Who calls ``refresh_claims``: every claim service that changes a status (submission, each review step,
return, rejection, a member's filing), an edit (a returned claim's diagnosis), a payout batch made or
marked paid and a bank's return of one payment; the history import and the synthetic volume for what
they wrote in bulk. A unit moved to another district is ``enrollment.summary.figures_moved``.
"""

from collections.abc import Iterable
from datetime import timedelta

from django.db import connection
from django.db.models import Sum
from django.utils import timezone

from claims.models import ClaimStatus, DiagnosisSummary
from enrollment import summary as enrollment_summary
from enrollment.models import ZERO, PlanDistrictSummary
from enrollment.summary import Key

# Not (yet) filed with the scheme: a draft, or a member's claim the unit has not submitted.
NOT_FILED = sorted([ClaimStatus.DRAFT.value, *ClaimStatus.FROM_MEMBER])
DIAGNOSES = DiagnosisSummary._meta.db_table
# A paid claim's wait counts when both ends are known.
TIMED = "c.status = %s AND c.paid_at IS NOT NULL AND c.submitted_at IS NOT NULL"
# One count per status a queue column keeps, in the columns' order (``PlanDistrictSummary.CLAIMS``).
QUEUE_COUNTS = ", ".join("count(*) FILTER (WHERE c.status = %s)" for _ in PlanDistrictSummary.QUEUES)


def _rows(sql: str, params: list) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def empty() -> dict:
    """A key's claim figures with nothing counted yet."""
    return {"claims_filed": 0, "claims_paid": 0, "paid": ZERO, "waited": timedelta(0), "timed": 0,
            **dict.fromkeys(PlanDistrictSummary.QUEUES.values(), 0), "claims_to_pay": 0}  # fmt: skip


def computed(keys: Iterable[Key] | None = None) -> dict[Key, dict]:
    """The claim columns of these keys (None: of every key) from the raw table, for the keys with
    any claim filed. An imported claim (issue 21) has its payment date but no submission here: no
    wait to count."""
    keys = None if keys is None else sorted(set(keys))
    where, params = enrollment_summary.keys_sql(keys, "c.plan_id", "u.district_id")
    rows = _rows(
        f"""SELECT c.plan_id, u.district_id, count(*), count(*) FILTER (WHERE c.status = %s),
                   coalesce(sum(c.approved_amount) FILTER (WHERE c.status = %s), 0),
                   coalesce(sum(c.paid_at - c.submitted_at) FILTER (WHERE {TIMED}), interval '0'),
                   count(*) FILTER (WHERE {TIMED}),
                   {QUEUE_COUNTS}, count(*) FILTER (WHERE c.status = %s AND c.payout_batch_id IS NULL)
            FROM claims_claim c JOIN enrollment_unit u ON u.id = c.unit_id
            WHERE c.status <> ALL(%s){where} GROUP BY 1, 2""",
        [ClaimStatus.PAID, ClaimStatus.PAID, ClaimStatus.PAID, ClaimStatus.PAID, *PlanDistrictSummary.QUEUES,
         ClaimStatus.APPROVED, NOT_FILED, *params],
    )  # fmt: skip
    return {(plan, district): dict(zip(PlanDistrictSummary.CLAIMS, figures, strict=True))
            for plan, district, *figures in rows}  # fmt: skip


def claim_queue_counts(user) -> dict[str, int]:
    """How many of the claims ``user`` sees wait at each step (``submitted``, ``district_approved``,
    ``centre_checked``, ``to_pay``: approved and in no batch), summed over the summary rows of their
    districts: the counts an office's home page and queues show, without counting its claims."""
    columns = {**PlanDistrictSummary.QUEUES, "to_pay": "claims_to_pay"}
    sums = PlanDistrictSummary.objects.visible_to(user).aggregate(
        **{key: Sum(column) for key, column in columns.items()}
    )
    return {key: value or 0 for key, value in sums.items()}


def computed_diagnoses(keys: Iterable[Key] | None = None) -> dict[tuple[int, int, str], int]:
    """(plan, district, diagnosis) → claims filed that name it, from the raw table."""
    keys = None if keys is None else sorted(set(keys))
    where, params = enrollment_summary.keys_sql(keys, "c.plan_id", "u.district_id")
    rows = _rows(
        f"""SELECT c.plan_id, u.district_id, c.diagnosis_text, count(*)
            FROM claims_claim c JOIN enrollment_unit u ON u.id = c.unit_id
            WHERE c.status <> ALL(%s) AND c.diagnosis_text <> ''{where} GROUP BY 1, 2, 3""",
        [NOT_FILED, *params],
    )
    return {(plan, district, text): count for plan, district, text, count in rows}


def refresh(keys: Iterable[Key]) -> None:
    """Recompute the claim columns and the diagnoses of these keys, under their summary rows' locks."""
    rows = enrollment_summary.lock(keys)
    if not rows:
        return
    fresh, now = computed(rows), timezone.now()
    for key, row in rows.items():
        for name, value in (fresh.get(key) or empty()).items():
            setattr(row, name, value)
        row.updated_at = now
    PlanDistrictSummary.objects.bulk_update(rows.values(), [*PlanDistrictSummary.CLAIMS, "updated_at"])
    where, params = enrollment_summary.keys_sql(sorted(rows), "plan_id", "district_id")
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {DIAGNOSES} WHERE true{where}", params)
    DiagnosisSummary.objects.bulk_create(
        DiagnosisSummary(plan_id=plan, district_id=district, diagnosis_text=text, claims=count)
        for (plan, district, text), count in computed_diagnoses(rows).items()
    )


def refresh_claims(claim_ids: Iterable[int]) -> None:
    """``refresh`` the keys of these claims (their plan, their own unit's district)."""
    refresh(_rows(
        """SELECT DISTINCT c.plan_id, u.district_id FROM claims_claim c JOIN enrollment_unit u ON u.id = c.unit_id
           WHERE c.id = ANY(%s)""",
        [sorted(set(claim_ids))],
    ))  # fmt: skip


def rebuild() -> None:
    """Every claim column and diagnosis recomputed from the raw table (``check_statistics --fix``)."""
    keys = set(computed()) | set(PlanDistrictSummary.objects.values_list("plan_id", "district_id"))
    keys |= set(DiagnosisSummary.objects.values_list("plan_id", "district_id"))
    refresh(keys)


def moved(sender, *, keys, **kwargs) -> None:
    """``enrollment.summary.figures_moved``: a unit's claims moved with it to another district."""
    refresh(keys)
