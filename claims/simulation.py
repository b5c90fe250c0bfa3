"""What-if: a period's claims replayed under the plan's schedule and under a changed one (issue #20).

Reads the database, writes nothing: the claims approved, paid, closed as not payable and those
still in review are replayed through the pure engine (``claims.rules.replay``) twice, in the order
their decisions were taken, and the two answers are compared claim by claim. The page
(``reports``), ``simulate_plan`` and the benchmark all call :func:`simulate`.
"""

from __future__ import annotations

import gc
import heapq
from collections import Counter, defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal, InvalidOperation

from django.db import connection
from django.db.models import Sum
from django.utils import timezone

from claims.engine import bundle_for
from claims.models import Claim, ClaimStatus
from claims.rules import REASON_LABELS, Bundle, ClaimFacts, CoverageFacts, Result, Schedule, Tier, evaluate_bundle
from claims.rules.facts import NOT_PAYABLE
from claims.rules.money import ZERO, percent, to_cents, yuan
from claims.rules.replay import Replayed, ReplayItem, replay
from claims.rules.schedule import REIMBURSEMENT, bands
from enrollment.models import Application, ApplicationStatus, Coverage, Plan

# Replayed: what the scheme has decided or is deciding. Drafts, a member's claim the unit has not
# submitted, returned and rejected claims count towards nothing in the real review either.
REPLAYED_STATUSES = sorted(ClaimStatus.COUNTED | ClaimStatus.OPEN)
INVOICED = (ApplicationStatus.CENTRE_APPROVED, ApplicationStatus.EFFECTIVE)

# The parts of a schedule one may change, as ``--set NAME=VALUE`` names them (the plan admin's
# fields): amounts, whole numbers of days, and rates. ``tier.N.rate`` / ``tier.N.up_to`` change the
# N-th tier (from 1; ``up_to`` empty = no upper bound), ``lump.CODE`` a lump sum per share.
MONEY_PARTS = (
    "deductible",
    "cap",
    "day_rate",
    "high_day_rate",
    "accident_day_rate",
    "traffic_day_rate",
    "condolence",
    "death_per_share",
    "disability_per_share",
    "accident_medical_cap_per_share",
    "accident_medical_deductible",
)
RATE_PARTS = ("accident_medical_rate",)
DAY_PARTS = ("waiting_days", "claim_deadline_days", "stay_day_cap", "coverage_day_cap")
NULLABLE_PARTS = ("cap", "accident_day_rate", "traffic_day_rate", "stay_day_cap", "coverage_day_cap")
PART_LABELS = {
    "deductible": "起付线（元）",
    "cap": "每保障期封顶线（元）",
    "day_rate": "日津贴（元）",
    "high_day_rate": "高额病种日津贴（元）",
    "accident_day_rate": "意外日津贴（元）",
    "traffic_day_rate": "交通事故日津贴（元）",
    "condolence": "慰问金（元）",
    "death_per_share": "意外身故/份（元）",
    "disability_per_share": "意外伤残/份（元）",
    "accident_medical_cap_per_share": "意外医疗封顶/份（元）",
    "accident_medical_deductible": "意外医疗免赔额（元）",
    "accident_medical_rate": "意外医疗给付比例",
    "waiting_days": "免责期（天）",
    "claim_deadline_days": "保障期满后申领期限（天）",
    "stay_day_cap": "每次住院最多天数",
    "coverage_day_cap": "每保障期最多天数",
}


class ScheduleChangeError(ValueError):
    """A change that cannot be applied; the message is for the person who typed it."""


def _money(name: str, raw: str) -> Decimal | None:
    text = raw.strip().replace(",", "")
    if text == "" and name in NULLABLE_PARTS:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise ScheduleChangeError(f"{_label(name)}“{raw}”不是有效金额") from None
    if not value.is_finite() or value < 0:
        raise ScheduleChangeError(f"{_label(name)}不能为负数或无效值：{raw}")
    return value


def _rate(name: str, raw: str) -> Decimal:
    value = _money(name, raw)
    if value is None or value > 1:
        raise ScheduleChangeError(f"{_label(name)}应为 0 至 1 之间的小数（如 0.65），收到：{raw}")
    return value


def _days(name: str, raw: str) -> int | None:
    text = raw.strip()
    if text == "" and name in NULLABLE_PARTS:
        return None
    if not text.isdigit():
        raise ScheduleChangeError(f"{_label(name)}应为不小于 0 的整数，收到：{raw}")
    return int(text)


def _label(name: str) -> str:
    if name.startswith("tier."):
        _, number, part = name.split(".", 2)
        return f"第 {number} 档{'给付比例' if part == 'rate' else '累计合规费用上限'}（{name}）"
    if name.startswith("lump."):
        return f"{name[5:]} 每份给付（{name}）"
    return f"{PART_LABELS.get(name, name)}（{name}）"


def change_schedule(schedule: Schedule, changes: dict[str, str]) -> Schedule:
    """``schedule`` with the named parts changed; raises ScheduleChangeError naming the part."""
    updates: dict[str, object] = {}
    tiers = list(schedule.tiers)
    lump_sums = dict(schedule.lump_sums)
    for name, raw in changes.items():
        if name in MONEY_PARTS:
            updates[name] = _money(name, raw)
        elif name in RATE_PARTS:
            updates[name] = _rate(name, raw)
        elif name in DAY_PARTS:
            updates[name] = _days(name, raw)
        elif name.startswith("tier.") and name.count(".") == 2:
            _, number, part = name.split(".")
            if not number.isdigit() or not 1 <= int(number) <= len(tiers) + 1 or part not in ("rate", "up_to"):
                raise ScheduleChangeError(
                    f"没有{name}：共有 {len(tiers)} 档，可写 tier.1.rate 至 tier.{len(tiers) + 1}.rate（新增一档）"
                    "或 tier.N.up_to"
                )
            index = int(number) - 1
            if index == len(tiers):
                tiers.append(Tier(None, ZERO))
            tier = tiers[index]
            if part == "rate":
                tiers[index] = Tier(tier.up_to, _rate(name, raw))
            else:
                text = raw.strip().replace(",", "")
                tiers[index] = Tier(None if text == "" else _money("deductible", text), tier.rate)
        elif name.startswith("lump."):
            code = name[5:]
            if code not in lump_sums:
                raise ScheduleChangeError(f"{schedule.plan_code} 没有病种 {code} 的定额给付")
            amount = _money("deductible", raw)
            assert amount is not None
            lump_sums[code] = amount
        else:
            known = "、".join([*PART_LABELS, "tier.N.rate", "tier.N.up_to", "lump.CODE"])
            raise ScheduleChangeError(f"无法识别的项目“{name}”，可改：{known}")
    bounds = [t.up_to for t in tiers]
    if any(b is None for b in bounds[:-1]):
        raise ScheduleChangeError("只有最后一档可以不设上限")
    finite = [b for b in bounds if b is not None]
    if finite != sorted(finite) or len(set(finite)) != len(finite):
        raise ScheduleChangeError("各档累计合规费用上限须由低到高")
    return replace(schedule, tiers=tuple(tiers), lump_sums=tuple(lump_sums.items()), **updates)  # type: ignore[arg-type]


def parse_changes(pairs: list[str]) -> dict[str, str]:
    """``["deductible=8000", "tier.2.rate=0.65"]`` as a dict; raises ScheduleChangeError."""
    changes = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise ScheduleChangeError(f"“{pair}”应写成 名称=数值，如 deductible=8000")
        changes[name.strip()] = value.strip()
    return changes


@dataclass
class Change:
    claim_id: int
    plan: str
    before: Result
    after: Result
    reference: str = ""
    member: str = ""

    @property
    def difference(self) -> Decimal:
        return self.after.payable - self.before.payable


@dataclass
class PlanFigures:
    code: str
    name: str
    claims: int = 0
    before: Decimal = ZERO
    after: Decimal = ZERO
    collected: Decimal = ZERO

    @property
    def difference(self) -> Decimal:
        return self.after - self.before


@dataclass
class Simulation:
    period: int
    plans: list[PlanFigures]
    changes: dict[str, dict[str, str]]
    schedule_from: int | None = None
    claims: int = 0
    before: Decimal = ZERO
    after: Decimal = ZERO
    collected: Decimal = ZERO
    changed_decisions: int = 0
    transitions: list[tuple[str, int]] = field(default_factory=list)
    gainers: int = 0
    losers: int = 0
    members: int = 0
    tiers: list[dict] = field(default_factory=list)
    largest: list[Change] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def difference(self) -> Decimal:
        return self.after - self.before

    @property
    def loss_ratio_before(self) -> Decimal | None:
        return (self.before / self.collected) if self.collected else None

    @property
    def loss_ratio_after(self) -> Decimal | None:
        return (self.after / self.collected) if self.collected else None

    def as_json(self) -> dict:
        def ratio(value):
            return None if value is None else str(value.quantize(Decimal("0.0001")))

        return {
            "period": self.period,
            "plans": [p.code for p in self.plans],
            "changes": self.changes,
            "schedule_from": self.schedule_from,
            "claims": self.claims,
            "before": str(self.before),
            "after": str(self.after),
            "difference": str(self.difference),
            "changed_decisions": self.changed_decisions,
            "transitions": dict(self.transitions),
            "members_gaining": self.gainers,
            "members_losing": self.losers,
            "collected": str(self.collected),
            "loss_ratio_before": ratio(self.loss_ratio_before),
            "loss_ratio_after": ratio(self.loss_ratio_after),
            "by_plan": [
                {
                    "plan": p.code,
                    "claims": p.claims,
                    "before": str(p.before),
                    "after": str(p.after),
                    "difference": str(p.difference),
                }
                for p in self.plans
            ],
            "tiers": [{k: str(v) if isinstance(v, Decimal) else v for k, v in t.items()} for t in self.tiers],
            "largest": [
                {
                    "reference": c.reference,
                    "plan": c.plan,
                    "before": str(c.before.payable),
                    "after": str(c.after.payable),
                    "difference": str(c.difference),
                    "before_decision": outcome(c.before),
                    "after_decision": outcome(c.after),
                }
                for c in self.largest
            ],
        }


def outcome(result) -> str:
    """A decision as the review names it: payable / condolence, or the reason it pays nothing."""
    if result.decision == NOT_PAYABLE and result.reasons:
        return result.reasons[-1]
    return result.decision


def outcome_label(code: str) -> str:
    return {"payable": "给付", "condolence": "慰问金"}.get(code) or REASON_LABELS.get(code, code)


_SEP = "\x1f"  # the unit separator: no code, date or amount contains it
_ROWS = "\x1e"  # the record separator, between claims


def load_items(plans: list[Plan]) -> list[ReplayItem]:
    """The claims to replay, in the order their decisions were taken; one query.

    They come back as one text value, a claim per record and its fields joined by ``_SEP``: the
    pure-Python database driver spends about 3 µs on every value it hands over (150,000 claims of 23
    values each took 10 s to read) and some more on every row. Dates, codes and amounts repeat from
    claim to claim, so each distinct text is parsed once.
    """
    columns = [
        "c.id", "c.coverage_id", "c.member_id", "p.code", "c.kind", "c.cause", "c.admitted", "c.discharged",
        "c.event_date", "c.diagnosis", "c.disability_grade", "c.total_cost", "c.basic_insurance_paid", "c.other_paid",
        "c.excluded_self_pay", "c.prior_plan_payouts", "c.loss_amount", "c.work_injury::int",
        "(c.submitted_at AT TIME ZONE 'Asia/Shanghai')::date", "v.effective_from", "v.effective_to", "v.shares",
        "v.renewed_shares",
    ]  # fmt: skip
    packed = ", ".join(f"coalesce(({column})::text, '')" for column in columns)
    order = "p.priority, p.code, c.coverage_id, c.approved_at NULLS LAST, c.submitted_at, c.id"
    sql = (
        f"SELECT string_agg(concat_ws(%s, {packed}), %s ORDER BY {order}) "  # noqa: S608 (constant names only)
        f"FROM {Claim._meta.db_table} c JOIN {Plan._meta.db_table} p ON p.id = c.plan_id "
        f"JOIN {Coverage._meta.db_table} v ON v.id = c.coverage_id WHERE c.plan_id = ANY(%s) AND c.status = ANY(%s)"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [_SEP, _ROWS, [p.pk for p in plans], REPLAYED_STATUSES])
        (text,) = cursor.fetchone()
    if not text:
        return []
    today = timezone.localdate()
    coverages: dict[str, CoverageFacts] = {}
    days: dict[str, date | None] = {"": None}
    amounts: dict[str, Decimal] = {}
    strings: dict[str, str] = {}  # one str object per code, so a million fields are a few dozen strings

    def day(value: str) -> date | None:
        parsed = days.get(value, False)
        if parsed is False:
            parsed = days[value] = date.fromisoformat(value)
        return parsed  # type: ignore[return-value]

    def amount(value: str) -> Decimal:
        parsed = amounts.get(value)
        if parsed is None:
            parsed = amounts[value] = Decimal(value)
        return parsed

    items = []
    append = items.append
    for row in text.split(_ROWS):
        (pk, coverage_id, member_id, code, kind, cause, admitted, discharged, event_date, diagnosis, grade, total,
         basic, other, excluded, prior, loss, work_injury, submitted, start, end, shares, renewed) = row.split(_SEP)  # fmt: skip
        coverage = coverages.get(coverage_id)
        if coverage is None:
            coverage = coverages[coverage_id] = CoverageFacts(day(start), day(end), int(shares), int(renewed))  # type: ignore[arg-type]
        code = strings.setdefault(code, code)
        facts = ClaimFacts(
            strings.setdefault(kind, kind), day(submitted) or today, strings.setdefault(cause, cause), day(admitted),
            day(discharged), day(event_date), strings.setdefault(diagnosis, diagnosis) or None,
            int(grade) if grade else None, amount(total), amount(basic), amount(other), amount(excluded),
            amount(prior), amount(loss), work_injury == "1",
        )  # fmt: skip
        append(ReplayItem(int(pk), int(coverage_id), int(member_id), code, coverage, facts))
    return items


def _paid_conditions(plans: list[Plan], members: set[int]) -> dict:
    """Conditions paid to the members under these plan codes in other periods (paid once, ever)."""
    if not any(p.kind == "LUMP_SUM" for p in plans):
        return {}
    rows = (
        Claim.objects.counted()
        .filter(plan__code__in=[p.code for p in plans], member_id__in=members)
        .exclude(plan__in=plans)
        .exclude(condition="")
        .values_list("member_id", "plan__code", "condition")
    )
    held: dict = defaultdict(set)
    for member_id, code, condition in rows:
        held[(member_id, code)].add(condition)
    return {key: frozenset(value) for key, value in held.items()}


def _tier_figures(schedule_before: Schedule, schedule_after: Schedule, before, after) -> list[dict]:
    """What each tier of the reimbursement curve pays, before and after (before the cap)."""

    def split(schedule: Schedule, replayed: list[Replayed]) -> list[Decimal]:
        all_bands = [(band.low, band.high) for band in bands(schedule)]
        parts = [ZERO] * len(all_bands)
        for r in replayed:
            e = r.result.eligible_expense
            if not e:
                continue
            start = r.history.eligible_total
            end = start + e
            for i, (low, high) in enumerate(all_bands):  # Band.portion(start, end), written out
                if end <= low:
                    break  # ascending: nothing of (start, end] reaches this band or any later one
                top = end if high is None or end < high else high
                bottom = start if start > low else low
                if top > bottom:
                    parts[i] += top - bottom
        # Σ (part × rate) = rate × Σ part, exactly (Decimal, far from its 28 digits): one product per band.
        return [to_cents(part * band.rate) for part, band in zip(parts, bands(schedule), strict=True)]

    def label(band) -> str:
        span = f"{yuan(band.low)} 以上" if band.high is None else f"{yuan(band.low)}–{yuan(band.high)}"
        return f"{span} × {percent(band.rate)}"

    old, new = bands(schedule_before), bands(schedule_after)
    paid_old, paid_new = split(schedule_before, before), split(schedule_after, after)
    rows = []
    for i in range(max(len(old), len(new))):
        rows.append({
            "tier": i + 1,
            "before_band": label(old[i]) if i < len(old) else "—",
            "after_band": label(new[i]) if i < len(new) else "—",
            "before": paid_old[i] if i < len(old) else ZERO,
            "after": paid_new[i] if i < len(new) else ZERO,
        })  # fmt: skip
    return rows


def simulate(
    *,
    period: int,
    plan: str | None = None,
    changes: dict[str, dict[str, str]] | None = None,
    schedule_from: int | None = None,
    largest: int = 10,
) -> Simulation:
    """Replay ``period``'s claims (of ``plan``, or every plan) before and after ``changes``.

    ``changes`` maps a plan code to ``{part: value}`` (see ``change_schedule``); ``schedule_from``
    starts the changed schedules from the same plan codes' schedules of another period (period 15's
    MED for period 16's claims). Raises ScheduleChangeError for a change that cannot be made.
    """
    import time

    clock = time.perf_counter()
    changes = changes or {}
    plans = list(
        Plan.objects.filter(period__number=period, **({"code": plan} if plan else {}))
        .select_related("high_rate_catalogue")
        .prefetch_related("tiers", "lump_sums__item", "components")
        .order_by("priority", "code")
    )
    if not plans:
        raise ScheduleChangeError(f"第 {period} 期没有保障项目 {plan}" if plan else f"第 {period} 期没有保障项目")
    unknown = set(changes) - {p.code for p in plans}
    if unknown:
        raise ScheduleChangeError(f"第 {period} 期没有（或未选）保障项目：{'、'.join(sorted(unknown))}")
    before_bundles = {p.code: bundle_for(p) for p in plans}
    after_bundles = dict(before_bundles)
    if schedule_from is not None:
        others = {p.code: p for p in Plan.objects.filter(period__number=schedule_from, code__in=before_bundles)}
        missing = set(before_bundles) - set(others)
        if missing:
            raise ScheduleChangeError(f"第 {schedule_from} 期没有保障项目：{'、'.join(sorted(missing))}")
        after_bundles = {code: bundle_for(p) for code, p in others.items()}
    for code, parts in changes.items():
        bundle = after_bundles[code]
        first = change_schedule(bundle.components[0], parts)
        after_bundles[code] = Bundle(code, (first, *bundle.components[1:]))
    with _collector_paused():
        items = load_items(plans)
        seconds = {"read": time.perf_counter() - clock}
        conditions = _paid_conditions(plans, {i.member_key for i in items})
        clock = time.perf_counter()
        before = replay(before_bundles, items, paid_conditions=conditions)
        after = replay(after_bundles, items, paid_conditions=conditions)
        seconds["replay"] = time.perf_counter() - clock
        clock = time.perf_counter()
        result = _compare(period, plans, before_bundles, after_bundles, before, after, largest)
    result.changes, result.schedule_from = changes, schedule_from
    seconds["compare"] = time.perf_counter() - clock
    result.seconds = seconds
    return result


@contextmanager
def _collector_paused():
    """Python's cycle collector off while a period is read and replayed: every few thousand new objects
    it walked all the live ones again — the 150,000 claims, their facts and results, a million objects —
    which was a third of the replay's time. Nothing here makes reference cycles; it runs when done."""
    paused = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if paused:
            gc.enable()


def _compare(period, plans, before_bundles, after_bundles, before, after, largest) -> Simulation:
    figures = {p.code: PlanFigures(p.code, p.name) for p in plans}
    for code, paid, refunded in (
        Application.objects.filter(plan__in=plans, status__in=INVOICED)
        .values("plan__code")
        .annotate(paid=Sum("amount_paid"), refunded=Sum("amount_refunded"))
        .values_list("plan__code", "paid", "refunded")
    ):
        figures[code].collected += (paid or ZERO) - (refunded or ZERO)
    by_member: dict = defaultdict(lambda: ZERO)
    transitions: Counter = Counter()
    changed: list[tuple[Decimal, Replayed, Replayed]] = []
    for old, new in zip(before, after, strict=True):
        f = figures[old.item.plan_code]
        f.claims += 1
        f.before += old.result.payable
        f.after += new.result.payable
        diff = new.result.payable - old.result.payable
        by_member[old.item.member_key] += diff
        # The same decision other than "not payable" is the same outcome: only then is the reason asked.
        if old.result.decision != new.result.decision or old.result.decision == NOT_PAYABLE:
            was, now = outcome(old.result), outcome(new.result)
            if was != now:
                transitions[f"{was} → {now}"] += 1
        if diff:
            changed.append((diff, old, new))
    sim = Simulation(period=period, plans=list(figures.values()), changes={})
    sim.claims = len(before)
    sim.before = sum((f.before for f in sim.plans), ZERO)
    sim.after = sum((f.after for f in sim.plans), ZERO)
    sim.collected = sum((f.collected for f in sim.plans), ZERO)
    sim.changed_decisions = sum(transitions.values())
    sim.transitions = transitions.most_common()
    sim.members = len(by_member)
    sim.gainers = sum(1 for d in by_member.values() if d > 0)
    sim.losers = sum(1 for d in by_member.values() if d < 0)
    for p in plans:
        old_schedule = before_bundles[p.code].components[0]
        new_schedule = after_bundles[p.code].components[0]
        if old_schedule.kind == REIMBURSEMENT and new_schedule.kind == REIMBURSEMENT:
            mine = [i for i, r in enumerate(before) if r.item.plan_code == p.code]
            rows = _tier_figures(old_schedule, new_schedule, [before[i] for i in mine], [after[i] for i in mine])
            sim.tiers += [{"plan": p.code, **row} for row in rows]
    # The `largest` first, as sorting all of them would give (a period's 130,000 changes: 1.6 s).
    changed = heapq.nsmallest(largest, changed, key=lambda c: (-abs(c[0]), c[1].item.key))
    top = []
    for _diff, old, new in changed[:largest]:
        item = old.item
        explained_before = evaluate_bundle(before_bundles[item.plan_code], item.coverage, old.history, old.claim)
        explained_after = evaluate_bundle(after_bundles[item.plan_code], item.coverage, new.history, new.claim)
        top.append(Change(item.key, item.plan_code, explained_before, explained_after))
    names = {
        pk: (ref, name)
        for pk, ref, name in Claim.objects.filter(pk__in=[c.claim_id for c in top]).values_list(
            "pk", "reference", "member__name"
        )
    }
    for c in top:
        c.reference, c.member = names.get(c.claim_id, ("", ""))
    sim.largest = top
    return sim


def plan_values(schedule: Schedule) -> dict:
    """A tried schedule as the plan's own fields, tiers and lump sums (``period_copy(schedules=...)``)."""
    return {
        "fields": {name: getattr(schedule, name) for name in (*MONEY_PARTS, *RATE_PARTS, *DAY_PARTS)},
        "tiers": [(tier.up_to, tier.rate) for tier in schedule.tiers],
        "lump_sums": dict(schedule.lump_sums),
    }
