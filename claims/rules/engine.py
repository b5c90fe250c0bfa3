"""evaluate(): one claim against one plan's schedule (DOMAIN.md section 5).

Pure Python: the Django layer passes facts in and stores the Result, the inputs
(serialize.dump_inputs) and RULES_VERSION, so every decision can be replayed.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

from . import reasons as r
from .facts import (
    CLAIM_KINDS,
    CONDOLENCE,
    DEATH,
    DIAGNOSIS,
    DISABILITY,
    HOSPITAL_STAY,
    NOT_PAYABLE,
    PAYABLE,
    PROPERTY_LOSS_CLAIM,
    TRAFFIC_ACCIDENT,
    ClaimFacts,
    CoverageFacts,
    History,
    Line,
    Result,
)
from .money import ZERO, percent, to_cents, yuan
from .schedule import (
    ACCIDENT,
    ALLOWANCE,
    DEATH_ANY_CAUSE,
    LUMP_SUM,
    PROPERTY_LOSS,
    REIMBURSEMENT,
    SCHEDULE_KINDS,
    Bundle,
    Schedule,
    bands,
    benefit_curve,
)

SCHEDULE_KIND_LABELS = {
    REIMBURSEMENT: "住院医疗费用报销",
    ALLOWANCE: "住院津贴",
    LUMP_SUM: "定额给付",
    ACCIDENT: "意外伤害",
    DEATH_ANY_CAUSE: "身故（任何原因）",
    PROPERTY_LOSS: "家庭财产火灾损失",
}
CLAIM_KIND_LABELS = {
    HOSPITAL_STAY: "住院",
    DIAGNOSIS: "确诊（手术）",
    DISABILITY: "伤残",
    DEATH: "身故",
    PROPERTY_LOSS_CLAIM: "家庭财产火灾损失",
}
CAUSE_LABELS = {"illness": "疾病", "accident": "意外伤害", "traffic_accident": "交通事故"}
EVENT_LABELS = {
    HOSPITAL_STAY: "入院日期",
    DIAGNOSIS: "确诊日期",
    DISABILITY: "事故日期",
    DEATH: "身故日期",
    PROPERTY_LOSS_CLAIM: "火灾发生日期",
}

# Which claim kinds each kind of plan pays for.
BENEFITS = {
    REIMBURSEMENT: frozenset({HOSPITAL_STAY}),
    ALLOWANCE: frozenset({HOSPITAL_STAY, DISABILITY, DEATH}),
    LUMP_SUM: frozenset({DIAGNOSIS, DEATH}),
    ACCIDENT: frozenset({HOSPITAL_STAY, DISABILITY, DEATH}),
    DEATH_ANY_CAUSE: frozenset({DEATH}),
    PROPERTY_LOSS: frozenset({PROPERTY_LOSS_CLAIM}),
}

_MONEY_FIELDS = (
    ("total_cost", "总费用"),
    ("basic_insurance_paid", "基本医保支付"),
    ("other_paid", "其他已报销"),
    ("excluded_self_pay", "自费及不予报销"),
    ("prior_plan_payouts", "前序保障项目已付"),
)


class _Draft:
    """Collects reasons and explanation lines while a claim is evaluated."""

    __slots__ = ("explain", "lines", "reasons")

    def __init__(self, explain: bool = True) -> None:
        self.lines: list[Line] = []
        self.reasons: list[str] = []
        # Without explanation (a what-if replay of a whole period) the lines are not written: the
        # amounts and reasons are the same, at about twice the speed.
        self.explain = explain

    def note(self, label: str, amount: Decimal | None = None) -> None:
        if not self.explain:
            return
        self.lines.append(Line(label, None if amount is None else to_cents(amount)))

    def flag(self, code: str) -> None:
        if code not in self.reasons:
            self.reasons.append(code)

    def refuse(self, code: str, detail: str, **adds: object) -> Result:
        self.flag(code)
        self.note(detail)
        self.note(f"不予给付：{r.REASON_LABELS[code]}", ZERO)
        return self._result(ZERO, NOT_PAYABLE, **adds)

    def pay(self, amount: Decimal, **adds: object) -> Result:
        amount = to_cents(amount)
        if self.explain:
            self.note(f"本次应付互助金 {yuan(amount)}", amount)
        return self._result(amount, PAYABLE, **adds)

    def console(self, amount: Decimal) -> Result:
        amount = to_cents(amount)
        self.note(f"给付慰问金 {yuan(amount)}（每保障期一次）", amount)
        return self._result(amount, CONDOLENCE, condolence=True)

    def _result(self, amount: Decimal, decision: str, **adds) -> Result:
        for name in ("eligible_expense", "accident_medical", "disability", "property_loss"):
            if name in adds:
                adds[name] = to_cents(adds[name])
        return Result(
            payable=to_cents(amount),
            decision=decision,
            reasons=tuple(self.reasons),
            lines=tuple(self.lines),
            **adds,
        )


def evaluate(
    schedule: Schedule,
    coverage: CoverageFacts | None,
    history: History,
    claim: ClaimFacts,
    *,
    explain: bool = True,
) -> Result:
    """``explain=False`` leaves out the explanation lines (the replay of a whole period)."""
    if schedule.kind not in SCHEDULE_KINDS:
        raise ValueError(f"unknown schedule kind {schedule.kind!r}")
    d = _Draft(explain)
    if explain:
        cause = "" if claim.kind == PROPERTY_LOSS_CLAIM else f"，原因：{CAUSE_LABELS.get(claim.cause, claim.cause)}"
        d.note(
            f"保障项目 {schedule.plan_code}（{SCHEDULE_KIND_LABELS[schedule.kind]}）；"
            f"申领：{CLAIM_KIND_LABELS.get(claim.kind, claim.kind)}" + cause
        )
    if coverage is None:
        return d.refuse(r.NOT_COVERED, "该会员本期没有此保障项目的有效保障")
    if claim.kind not in CLAIM_KINDS:
        return d.refuse(r.INVALID_INFORMATION, f"申领类型 {claim.kind} 无法识别")
    if claim.cause not in CAUSE_LABELS:
        return d.refuse(r.INVALID_INFORMATION, f"出险原因 {claim.cause} 无法识别")
    if claim.kind not in BENEFITS[schedule.kind]:
        return d.refuse(
            r.NOT_COVERED_BENEFIT,
            f"{schedule.plan_code} 不给付{CLAIM_KIND_LABELS[claim.kind]}类申领",
        )
    missing = _missing(schedule, claim)
    if missing:
        return d.refuse(r.MISSING_INFORMATION, "缺少：" + "、".join(missing))
    problem = _inconsistency(claim)
    if problem:
        return d.refuse(r.INVALID_INFORMATION, problem)

    event = claim.incident_date
    assert event is not None  # guaranteed by _missing
    renewed = min(max(coverage.renewed_shares, 0), coverage.shares)
    if explain:
        d.note(
            f"保障期 {coverage.effective_from} 至 {coverage.coverage_end}，"
            f"{coverage.shares} 份" + (f"（续保 {renewed} 份）" if renewed else "")
        )
    refusal = _check_dates(d, schedule, coverage, claim, event)
    if refusal:
        return refusal
    if schedule.work_injury_excluded and claim.work_injury and claim.is_accident:
        return d.refuse(r.WORK_INJURY_EXCLUDED, "本次意外伤害标记为工伤；本项目只保障非工伤意外")

    if schedule.kind == DEATH_ANY_CAUSE:
        return _any_cause_death(d, schedule, coverage, history, claim, event)
    if schedule.kind == PROPERTY_LOSS:
        return _property_loss(d, schedule, coverage, history, claim, event)
    if schedule.kind == REIMBURSEMENT:
        return _reimbursement(d, schedule, coverage, history, claim, event)
    if schedule.kind == LUMP_SUM:
        return _lump_sum(d, schedule, coverage, history, claim, event)
    if claim.kind == DISABILITY:
        return _disability(d, schedule, coverage, history, claim)
    if claim.kind == DEATH:
        return _death(d, schedule, coverage, claim)
    if schedule.kind == ALLOWANCE:
        return _allowance(d, schedule, coverage, history, claim, event)
    return _accident_medical(d, schedule, coverage, history, claim)


# --- checks common to every plan -------------------------------------------


def _missing(schedule: Schedule, claim: ClaimFacts) -> list[str]:
    if claim.kind == HOSPITAL_STAY and schedule.kind != ALLOWANCE:  # the usual case, asked 300,000 times a replay
        return [] if claim.admitted not in (None, "") else ["入院日期"]
    needed = []
    if claim.kind == HOSPITAL_STAY:
        needed.append(("admitted", "入院日期"))
        if schedule.kind == ALLOWANCE:
            needed.append(("discharged", "出院日期"))
    else:
        needed.append(("event_date", EVENT_LABELS[claim.kind]))
    if claim.kind == DIAGNOSIS:
        needed.append(("diagnosis", "疾病代码"))
    if claim.kind == DISABILITY:
        needed.append(("disability_grade", "伤残等级"))
    missing = [label for name, label in needed if getattr(claim, name) in (None, "")]
    if claim.kind == PROPERTY_LOSS_CLAIM and claim.loss_amount <= 0:
        missing.append("财产损失核定金额")
    return missing


def _inconsistency(claim: ClaimFacts) -> str | None:
    if claim.admitted and claim.discharged and claim.discharged < claim.admitted:
        return f"出院日期 {claim.discharged} 早于入院日期 {claim.admitted}"
    grade = claim.disability_grade  # present for a disability: _missing ran first
    if claim.kind == DISABILITY and grade is not None and not 1 <= grade <= 10:
        return f"伤残等级 {grade} 无效，应为 1 至 10 级"
    if min(claim.total_cost, claim.basic_insurance_paid, claim.other_paid, claim.excluded_self_pay,
           claim.prior_plan_payouts) < 0:  # fmt: skip
        for name, label in _MONEY_FIELDS:
            if getattr(claim, name) < 0:
                return f"{label}不能为负数"
    if claim.loss_amount < 0:
        return "财产损失核定金额不能为负数"
    event = claim.incident_date
    if event and claim.submitted < event:
        return f"申领日期 {claim.submitted} 早于{EVENT_LABELS[claim.kind]} {event}"
    return None


def _check_dates(
    d: _Draft,
    schedule: Schedule,
    coverage: CoverageFacts,
    claim: ClaimFacts,
    event: date,
) -> Result | None:
    deadline = coverage.coverage_end + timedelta(days=schedule.claim_deadline_days)
    if not d.explain and coverage.effective_from <= event <= coverage.coverage_end and claim.submitted <= deadline:
        return None
    what = EVENT_LABELS[claim.kind]
    problems = []
    if event < coverage.effective_from:
        problems.append((r.BEFORE_EFFECTIVE, f"{what} {event} 早于保障生效日 {coverage.effective_from}"))
    if event > coverage.coverage_end:
        problems.append((r.AFTER_COVERAGE_END, f"{what} {event} 晚于保障期结束日 {coverage.coverage_end}"))
    if claim.submitted > deadline:
        problems.append(
            (
                r.LATE_SUBMISSION,
                f"申领日期 {claim.submitted} 晚于申领截止日 {deadline}"
                f"（保障期结束后 {schedule.claim_deadline_days} 天）",
            )
        )
    if problems:
        for code, detail in problems[:-1]:
            d.flag(code)
            d.note(detail)
        return d.refuse(*problems[-1])
    if d.explain:
        d.note(f"{what} {event} 在保障期内；申领日期 {claim.submitted}，截止 {deadline}")
    return None


def _payable_from(schedule: Schedule, coverage: CoverageFacts) -> date:
    return coverage.effective_from + timedelta(days=schedule.waiting_days)


def _waiting(
    d: _Draft,
    schedule: Schedule,
    coverage: CoverageFacts,
    claim: ClaimFacts,
    event: date,
) -> Result | None:
    """Waiting period of a single-share plan: the whole coverage waits or not."""
    if schedule.waiting_days <= 0:
        return None
    if claim.is_accident:
        d.note("意外伤害不设等待期")
        return None
    if coverage.renewed_shares > 0:
        d.note("续保会员不设等待期")
        return None
    start = _payable_from(schedule, coverage)
    rule = f"等待期 {schedule.waiting_days} 天：{start} 及以后发生的方可给付" if d.explain else ""
    if event >= start:
        if d.explain:
            d.note(f"{rule}；本次已过等待期")
        return None
    return d.refuse(
        r.IN_WAITING_PERIOD,
        f"{rule}；本次{EVENT_LABELS[claim.kind]} {event} 在等待期内",
    )


def _eligible_expense(d: _Draft, claim: ClaimFacts) -> Decimal:
    if not d.explain:  # the same sum as below, in the same order, without the labels
        deducted = ZERO + claim.basic_insurance_paid
        if claim.other_paid:
            deducted += claim.other_paid
        if claim.excluded_self_pay:
            deducted += claim.excluded_self_pay
        if claim.prior_plan_payouts:
            deducted += claim.prior_plan_payouts
        return max(ZERO, claim.total_cost - deducted)
    deductions = [
        (label, getattr(claim, name))
        for name, label in _MONEY_FIELDS[1:]
        if name == "basic_insurance_paid" or getattr(claim, name)
    ]
    raw = claim.total_cost - sum((amount for _, amount in deductions), ZERO)
    eligible = max(ZERO, raw)
    text = f"本次合规费用：医疗费用总额 {yuan(claim.total_cost)}"
    text += "".join(f" − {label} {yuan(amount)}" for label, amount in deductions)
    text += f" = {yuan(raw)}"
    if raw < 0:
        text += "，不足 0 按 0 计"
    d.note(text, eligible)
    return eligible


def _explain_curve(d: _Draft, schedule: Schedule, before: Decimal, after: Decimal) -> None:
    e = after - before
    deductible = schedule.deductible
    d.note(f"本保障期累计合规费用：此前 {yuan(before)} + 本次 {yuan(e)} = {yuan(after)}")
    if deductible > 0:
        under = max(ZERO, min(after, deductible) - before)
        if under > 0:
            d.note(f"起付线 {yuan(deductible)}（每保障期只扣一次）：本次 {yuan(under)} 在起付线以下，不予给付")
        else:
            d.note(f"起付线 {yuan(deductible)} 已在本保障期内扣除")
    parts = []
    all_bands = bands(schedule)
    for band in all_bands:
        portion = band.portion(before, after)
        if portion > 0:
            amount = portion * band.rate
            parts.append(amount)
            span = f"{yuan(band.low)} 以上" if band.high is None else f"{yuan(band.low)} 至 {yuan(band.high)}"
            d.note(
                f"累计合规费用 {span} 的部分按 {percent(band.rate)} 给付：{yuan(portion)} × {percent(band.rate)}",
                amount,
            )
    if all_bands and all_bands[-1].high is not None:
        top = all_bands[-1].high
        beyond = max(ZERO, after - max(before, top))
        if beyond > 0:
            d.note(f"累计合规费用超过 {yuan(top)} 的部分（{yuan(beyond)}）不予给付")

    # Differences of the rounded cumulative curve: the amounts of a coverage's
    # claims then add up to the curve to the cent in whatever order they come.
    f_before = to_cents(benefit_curve(schedule, before))
    f_after = to_cents(benefit_curve(schedule, after))
    amount = f_after - f_before
    if parts and amount != to_cents(sum(parts, ZERO)):
        d.note(
            f"按累计计算（四舍五入到分）：本保障期累计可得 {yuan(f_after)}，此前已得 {yuan(f_before)}，"
            "多次住院合计与一次住院相同"
        )


# --- REIMBURSEMENT ----------------------------------------------------------


def _reimbursement(
    d: _Draft,
    schedule: Schedule,
    coverage: CoverageFacts,
    history: History,
    claim: ClaimFacts,
    event: date,
) -> Result:
    refusal = _waiting(d, schedule, coverage, claim, event)
    if refusal:
        return refusal
    e = _eligible_expense(d, claim)
    if e == 0:
        return d.refuse(r.NO_ELIGIBLE_EXPENSE, "本次住院合规费用为 0")
    before = history.eligible_total
    after = before + e
    deductible = schedule.deductible
    if d.explain:
        _explain_curve(d, schedule, before, after)
    f_before = to_cents(benefit_curve(schedule, before))
    f_after = to_cents(benefit_curve(schedule, after))
    amount = f_after - f_before
    if amount == 0:
        # Nothing to pay, but the stay is closed (结案) rather than rejected, with its
        # eligible expense kept: the deductible is taken once per coverage, not once per stay.
        if after <= deductible:
            return d.refuse(
                r.BELOW_DEDUCTIBLE,
                f"累计合规费用 {yuan(after)} 未超过起付线 {yuan(deductible)}，本次合规费用计入累计",
                eligible_expense=e,
            )
        return d.refuse(r.ZERO_BENEFIT, "按给付比例计算本次互助金为 0", eligible_expense=e)

    if schedule.cap is not None:
        room = max(ZERO, schedule.cap - history.paid_total)
        if d.explain:
            d.note(f"封顶线 {yuan(schedule.cap)}（每保障期）：已付 {yuan(history.paid_total)}，尚余 {yuan(room)}")
        if room == 0:
            return d.refuse(r.CAP_REACHED, "本保障期互助金已达封顶线", eligible_expense=e)
        if amount > room:
            d.flag(r.CAP_REACHED)
            if d.explain:
                d.note(f"按封顶线余额给付 {yuan(room)}", room)
            amount = room
    return d.pay(amount, eligible_expense=e)


# --- ALLOWANCE --------------------------------------------------------------


def _day_rate(schedule: Schedule, claim: ClaimFacts) -> tuple[Decimal, str]:
    accident_rate = schedule.day_rate if schedule.accident_day_rate is None else schedule.accident_day_rate
    if claim.cause == TRAFFIC_ACCIDENT:
        rate = accident_rate
        if schedule.traffic_day_rate is not None:
            rate = schedule.traffic_day_rate
        return rate, "交通事故"
    if claim.is_accident:
        return accident_rate, "意外伤害"
    if claim.diagnosis and claim.diagnosis in schedule.high_rate_codes:
        return schedule.high_day_rate, f"疾病 {claim.diagnosis} 属高额津贴病种"
    return schedule.day_rate, "疾病"


def _allowance(
    d: _Draft,
    schedule: Schedule,
    coverage: CoverageFacts,
    history: History,
    claim: ClaimFacts,
    event: date,
) -> Result:
    refusal = _waiting(d, schedule, coverage, claim, event)
    if refusal:
        return refusal
    discharged = claim.discharged
    assert discharged is not None  # guaranteed by _missing for an allowance
    nights = (discharged - event).days  # event: the day of admission
    days = max(1, nights)
    d.note(
        f"住院 {claim.admitted} 至 {claim.discharged}，共 {days} 天" + ("（不足 1 天按 1 天计）" if nights < 1 else "")
    )
    rate, why = _day_rate(schedule, claim)
    if rate <= 0:
        return d.refuse(r.NOT_COVERED_BENEFIT, f"本项目对{why}住院不设津贴")
    d.note(f"日津贴：{why}，每天 {yuan(rate)}")
    paid_days = days
    if schedule.stay_day_cap is not None and paid_days > schedule.stay_day_cap:
        paid_days = schedule.stay_day_cap
        d.flag(r.STAY_DAY_CAP)
        d.note(f"每次住院最多给付 {paid_days} 天，按 {paid_days} 天计")
    if schedule.coverage_day_cap is not None:
        room = max(0, schedule.coverage_day_cap - history.days_paid)
        d.note(f"每保障期最多给付 {schedule.coverage_day_cap} 天：已付 {history.days_paid} 天，尚余 {room} 天")
        if room == 0:
            return d.refuse(r.DAY_CAP_REACHED, "本保障期津贴天数已用完")
        if paid_days > room:
            paid_days = room
            d.flag(r.DAY_CAP_REACHED)
            d.note(f"按剩余天数 {room} 天计")
    amount = rate * paid_days
    d.note(f"{paid_days} 天 × {yuan(rate)} = {yuan(amount)}", amount)
    return d.pay(amount, days=paid_days)


# --- LUMP_SUM ---------------------------------------------------------------


def _lump_sum(
    d: _Draft,
    schedule: Schedule,
    coverage: CoverageFacts,
    history: History,
    claim: ClaimFacts,
    event: date,
) -> Result:
    code = claim.diagnosis
    per_share = schedule.lump_sum_for(code)
    if claim.kind == DEATH and per_share is None:
        if claim.is_accident:
            return d.refuse(r.NOT_COVERED_BENEFIT, "意外身故不属本项目给付范围")
        d.flag(r.NOT_CATALOGUED)
        d.note(f"因病身故（{code or '未注明病种'}），病种不在本项目目录内，保障期内身故给付慰问金")
        return _condolence(d, schedule, history, r.NOT_CATALOGUED)
    if per_share is None:
        return d.refuse(r.NOT_CATALOGUED, f"疾病代码 {code} 不在本项目病种目录内")
    if code in history.paid_conditions:
        return d.refuse(
            r.ALREADY_PAID_CONDITION,
            f"{code} 已在 {schedule.plan_code} 项目（含以往各期）给付过，每种疾病只给付一次",
        )
    d.note(f"{code} 每份给付 {yuan(per_share)}")

    shares = coverage.shares
    renewed = min(max(coverage.renewed_shares, 0), shares)
    new = shares - renewed
    start = _payable_from(schedule, coverage)
    waits = schedule.waiting_days > 0 and new > 0
    if waits:
        held = f"续保 {renewed} 份不设等待期；" if renewed else ""
        d.note(f"共 {shares} 份：{held}新增 {new} 份等待期 {schedule.waiting_days} 天，{start} 起可给付")
        if claim.is_accident:
            d.note("意外伤害不设等待期")
            waits = False
        elif event >= start:
            d.note(f"{EVENT_LABELS[claim.kind]} {event} 已过等待期")
            waits = False
    payable_shares = renewed if waits else shares
    if payable_shares == 0:
        d.note(f"{EVENT_LABELS[claim.kind]} {event} 在等待期内，所有份数均不可给付")
        return _condolence(d, schedule, history, r.IN_WAITING_PERIOD)
    if waits:
        d.flag(r.SHARES_IN_WAITING)
        d.note(f"新增 {new} 份在等待期内（{start} 起可给付），本次不付")
    amount = per_share * payable_shares
    d.note(f"{payable_shares} 份 × {yuan(per_share)} = {yuan(amount)}", amount)
    return d.pay(amount, condition=code)


def _condolence(d: _Draft, schedule: Schedule, history: History, why: str) -> Result:
    d.flag(why)
    if schedule.condolence <= 0:
        return d.refuse(why, "本项目不设慰问金")
    if history.condolence_paid:
        return d.refuse(r.CONDOLENCE_ALREADY_PAID, "慰问金每保障期只给付一次，本保障期已给付")
    return d.console(schedule.condolence)


# --- ACCIDENT (and the accident parts of ALLOWANCE plans) -------------------


def _not_accident(d: _Draft, claim: ClaimFacts) -> Result | None:
    if claim.is_accident:
        return None
    return d.refuse(r.NOT_ACCIDENT, "本项给付只适用于意外伤害，本次原因为疾病")


def _death(d: _Draft, schedule: Schedule, coverage: CoverageFacts, claim: ClaimFacts) -> Result:
    refusal = _not_accident(d, claim)
    if refusal:
        return refusal
    per_share = schedule.death_per_share
    if per_share <= 0:
        return d.refuse(r.NOT_COVERED_BENEFIT, "本项目不设意外身故给付")
    amount = per_share * coverage.shares
    d.note(f"意外身故：{coverage.shares} 份 × {yuan(per_share)} = {yuan(amount)}", amount)
    return d.pay(amount)


def _disability(
    d: _Draft,
    schedule: Schedule,
    coverage: CoverageFacts,
    history: History,
    claim: ClaimFacts,
) -> Result:
    refusal = _not_accident(d, claim)
    if refusal:
        return refusal
    per_share = schedule.disability_per_share
    if per_share <= 0:
        return d.refuse(r.NOT_COVERED_BENEFIT, "本项目不设意外伤残给付")
    grade = claim.disability_grade
    assert grade is not None  # guaranteed by _missing
    ratio = Decimal(11 - grade) / 10
    full = per_share * coverage.shares * ratio
    d.note(
        f"伤残等级 {grade} 级，给付比例 {percent(ratio)}："
        f"{coverage.shares} 份 × {yuan(per_share)} × {percent(ratio)} = {yuan(full)}",
        full,
    )
    already = history.disability_paid_for_event
    amount = full
    if already > 0:
        amount = max(ZERO, full - already)
        if amount == 0:
            return d.refuse(
                r.DISABILITY_ALREADY_PAID,
                f"同一意外（{claim.event_date}）已付伤残金 {yuan(already)}，同一意外只按最高等级给付一次",
            )
        d.note(
            f"同一意外已付伤残金 {yuan(already)}，按最高等级补差：{yuan(full)} − {yuan(already)} = {yuan(amount)}",
            amount,
        )
    return d.pay(amount, disability=amount)


def _accident_medical(
    d: _Draft,
    schedule: Schedule,
    coverage: CoverageFacts,
    history: History,
    claim: ClaimFacts,
) -> Result:
    refusal = _not_accident(d, claim)
    if refusal:
        return refusal
    per_share = schedule.accident_medical_cap_per_share
    if per_share <= 0:
        return d.refuse(r.NOT_COVERED_BENEFIT, "本项目不设意外医疗给付")
    e = _eligible_expense(d, claim)
    deductible = schedule.accident_medical_deductible
    rate = schedule.accident_medical_rate
    if e <= deductible:
        return d.refuse(
            r.BELOW_DEDUCTIBLE,
            f"合规费用 {yuan(e)} 未超过每次免赔额 {yuan(deductible)}",
            eligible_expense=e,
        )
    amount = (e - deductible) * rate
    d.note(
        f"意外医疗 = ({yuan(e)} − 免赔额 {yuan(deductible)}) × {percent(rate)} = {yuan(amount)}",
        amount,
    )
    cap = per_share * coverage.shares
    room = max(ZERO, cap - history.accident_medical_paid)
    d.note(
        f"意外医疗封顶 {coverage.shares} 份 × {yuan(per_share)} = {yuan(cap)}（每保障期）："
        f"已付 {yuan(history.accident_medical_paid)}，尚余 {yuan(room)}"
    )
    if room == 0:
        return d.refuse(r.CAP_REACHED, "本保障期意外医疗已达封顶", eligible_expense=e)
    if amount > room:
        d.flag(r.CAP_REACHED)
        d.note(f"按封顶余额给付 {yuan(room)}", room)
        amount = room
    return d.pay(amount, eligible_expense=e, accident_medical=amount)


# --- DEATH from any cause (DOMAIN.md §14) -----------------------------------


def _shares_past_waiting(
    d: _Draft,
    schedule: Schedule,
    coverage: CoverageFacts,
    claim: ClaimFacts,
    event: date,
) -> tuple[int, bool]:
    """How many shares an illness event may be paid for, and whether some still wait."""
    shares = coverage.shares
    renewed = min(max(coverage.renewed_shares, 0), shares)
    new = shares - renewed
    if schedule.waiting_days <= 0 or new == 0:
        return shares, False
    start = _payable_from(schedule, coverage)
    held = f"续保 {renewed} 份不设等待期；" if renewed else ""
    d.note(f"共 {shares} 份：{held}新增 {new} 份等待期 {schedule.waiting_days} 天，{start} 起可给付")
    if claim.is_accident:
        d.note("意外伤害不设等待期")
        return shares, False
    if event >= start:
        d.note(f"{EVENT_LABELS[claim.kind]} {event} 已过等待期")
        return shares, False
    if renewed:
        d.flag(r.SHARES_IN_WAITING)
        d.note(f"新增 {new} 份在等待期内（{start} 起可给付），本次不付")
    return renewed, True


def _any_cause_death(
    d: _Draft,
    schedule: Schedule,
    coverage: CoverageFacts,
    history: History,
    claim: ClaimFacts,
    event: date,
) -> Result:
    per_share = schedule.death_per_share
    if per_share <= 0:
        return d.refuse(r.NOT_COVERED_BENEFIT, "本项目不设身故给付")
    shares, _waits = _shares_past_waiting(d, schedule, coverage, claim, event)
    if shares == 0:
        d.note(f"因病身故，{EVENT_LABELS[claim.kind]} {event} 在等待期内，所有份数均不可给付")
        return _condolence(d, schedule, history, r.IN_WAITING_PERIOD)
    why = "意外身故" if claim.is_accident else "因病身故"
    amount = per_share * shares
    d.note(f"{why}：{shares} 份 × {yuan(per_share)} = {yuan(amount)}", amount)
    return d.pay(amount)


# --- PROPERTY_LOSS (household property lost to fire, DOMAIN.md §14) ---------


def _property_loss(
    d: _Draft,
    schedule: Schedule,
    coverage: CoverageFacts,
    history: History,
    claim: ClaimFacts,
    event: date,
) -> Result:
    if schedule.waiting_days > 0:
        start = _payable_from(schedule, coverage)
        rule = f"火灾等待期 {schedule.waiting_days} 天：{start} 及以后发生的方可给付"
        if coverage.renewed_shares > 0:
            d.note("续保会员不设等待期")
        elif event < start:
            return d.refuse(r.IN_WAITING_PERIOD, f"{rule}；本次火灾 {event} 在等待期内")
        else:
            d.note(f"{rule}；本次已过等待期")
    loss = claim.loss_amount
    deductible = schedule.property_deductible
    rate = schedule.property_rate
    if loss <= deductible:
        return d.refuse(r.BELOW_DEDUCTIBLE, f"核定损失 {yuan(loss)} 未超过每次火灾免赔额 {yuan(deductible)}")
    amount = (loss - deductible) * rate
    d.note(
        f"家财损失 = (核定损失 {yuan(loss)} − 每次免赔额 {yuan(deductible)}) × {percent(rate)} = {yuan(amount)}", amount
    )
    cap = schedule.property_cap_per_share * coverage.shares
    room = max(ZERO, cap - history.property_loss_paid)
    d.note(
        f"家财损失封顶 {coverage.shares} 份 × {yuan(schedule.property_cap_per_share)} = {yuan(cap)}（每保障期）："
        f"已付 {yuan(history.property_loss_paid)}，尚余 {yuan(room)}"
    )
    if room == 0:
        return d.refuse(r.CAP_REACHED, "本保障期家财损失已达封顶")
    if amount > room:
        d.flag(r.CAP_REACHED)
        d.note(f"按封顶余额给付 {yuan(room)}", room)
        amount = room
    return d.pay(amount, property_loss=amount)


# --- Bundles: a plan of several components (DOMAIN.md §14) ------------------


def _component_name(schedule: Schedule) -> str:
    return schedule.component or SCHEDULE_KIND_LABELS.get(schedule.kind, schedule.kind)


def _triggers(schedule: Schedule, claim: ClaimFacts) -> bool:
    """Whether the claim's event is one this component pays for at all."""
    if claim.kind not in BENEFITS.get(schedule.kind, frozenset()):
        return False
    if schedule.kind == ACCIDENT:
        return claim.is_accident
    if schedule.kind == LUMP_SUM and claim.kind == DEATH:
        return not claim.is_accident  # the lump-sum part's death rule is for an illness
    return True


def evaluate_bundle(
    bundle: Bundle,
    coverage: CoverageFacts | None,
    history: History,
    claim: ClaimFacts,
    *,
    explain: bool = True,
) -> Result:
    """One claim against every component of a plan that its event triggers.

    A plan of one component is exactly ``evaluate`` of it. Otherwise each triggered component is
    evaluated on its own and its lines are named by it (``【意外伤害】…``); the amounts add up. A
    condolence is what is paid when nothing else is: it is dropped when another part pays, and paid
    once when two parts would each give it.
    """
    if len(bundle.components) == 1:
        return evaluate(bundle.components[0], coverage, history, claim, explain=explain)
    triggered = [c for c in bundle.components if _triggers(c, claim)]
    if not triggered:  # nothing applies: the kind-matching parts (if any) say why
        triggered = [c for c in bundle.components if claim.kind in BENEFITS.get(c.kind, frozenset())]
    if not triggered or coverage is None:
        d = _Draft()
        names = "、".join(_component_name(c) for c in bundle.components)
        d.note(f"保障项目 {bundle.plan_code}（{names}）；申领：{CLAIM_KIND_LABELS.get(claim.kind, claim.kind)}")
        if coverage is None:
            return d.refuse(r.NOT_COVERED, "该会员本期没有此保障项目的有效保障")
        return d.refuse(
            r.NOT_COVERED_BENEFIT,
            f"{bundle.plan_code} 不给付{CLAIM_KIND_LABELS.get(claim.kind, claim.kind)}类申领",
        )
    parts = [(c, evaluate(c, coverage, history, claim, explain=explain)) for c in triggered]
    paying = [(c, res) for c, res in parts if res.decision == PAYABLE]
    condoling = [(c, res) for c, res in parts if res.decision == CONDOLENCE]
    counted = paying or condoling[:1]
    lines: list[Line] = []
    for c, res in parts:
        name = _component_name(c)
        lines.extend(replace(line, label=f"【{name}】{line.label}") for line in res.lines)
        if res.decision == CONDOLENCE and (c, res) not in counted:
            given = "其他组成部分已给付互助金" if paying else f"慰问金已在【{_component_name(counted[0][0])}】给付"
            lines.append(Line(f"【{name}】{given}，本项不另付慰问金", ZERO))
    chosen = [res for _, res in counted]
    reasons: list[str] = []
    for res in chosen or [res for _, res in parts]:
        reasons.extend(code for code in res.reasons if code not in reasons)
    total = to_cents(sum((res.payable for res in chosen), ZERO))
    decision = PAYABLE if paying else CONDOLENCE if condoling else NOT_PAYABLE
    summary = " + ".join(f"【{_component_name(c)}】{yuan(res.payable)}" for c, res in counted)
    lines.append(Line(f"合计应付互助金 {summary} = {yuan(total)}" if counted else "合计应付互助金 0.00", total))

    def added(name: str) -> Decimal:
        return to_cents(sum((getattr(res, name) for res in chosen), ZERO))

    return Result(
        payable=total,
        decision=decision,
        reasons=tuple(reasons),
        lines=tuple(lines),
        eligible_expense=added("eligible_expense"),
        days=sum(res.days for res in chosen),
        condition=next((res.condition for res in chosen if res.condition), None),
        condolence=any(res.condolence for res in chosen),
        accident_medical=added("accident_medical"),
        disability=added("disability"),
        property_loss=added("property_loss"),
    )
