"""The engine's decision in plain words for the member and the clerk (issue #20).

Pure, like the engine: from the stored inputs (``serialize.load_inputs``) and result it says what a
person asks — how much of the bill counts, how much of the deductible was used before and here,
what each tier paid, how much of the cap is left, and, for a claim refused for the waiting period,
the first day that would have paid ("若于 2026-07-14 及以后入院，可按规定给付").
"""

from __future__ import annotations

from datetime import timedelta

from . import reasons as r
from .facts import DIAGNOSIS, HOSPITAL_STAY, ClaimFacts, CoverageFacts, History, Result
from .money import ZERO, percent, to_cents, yuan
from .schedule import REIMBURSEMENT, Bundle, Schedule, bands

EVENT_VERBS = {HOSPITAL_STAY: "入院", DIAGNOSIS: "确诊"}


def statement(
    schedule: Schedule | Bundle,
    coverage: CoverageFacts | None,
    history: History,
    claim: ClaimFacts,
    result: Result,
) -> list[str]:
    """Sentences explaining ``result``; [] when there is nothing to add to the decision itself."""
    first = schedule.components[0] if isinstance(schedule, Bundle) else schedule
    out: list[str] = []
    if r.IN_WAITING_PERIOD in result.reasons and coverage is not None:
        waiting = [c for c in (schedule.components if isinstance(schedule, Bundle) else (schedule,))
                   if c.waiting_days > 0]  # fmt: skip
        if waiting:
            start = coverage.effective_from + timedelta(days=max(c.waiting_days for c in waiting))
            verb = EVENT_VERBS.get(claim.kind, "出险")
            out.append(
                f"保障自 {coverage.effective_from} 生效，等待期 {waiting[0].waiting_days} 天，"
                f"本次{verb}日期 {claim.incident_date} 在等待期内，不予给付。"
            )
            out.append(f"若于 {start} 及以后{verb}，可按规定给付。")
        return out
    if first.kind != REIMBURSEMENT or claim.kind != HOSPITAL_STAY or not result.eligible_expense:
        return out
    e = result.eligible_expense
    before = history.eligible_total
    after = before + e
    out.append(f"本次合规费用 {yuan(e)} 元（医疗费用总额减去基本医保支付、其他已报销和自费部分）。")
    d = first.deductible
    if d > 0:
        used_before = min(before, d)
        used_here = min(after, d) - used_before
        left = max(ZERO, d - after)
        out.append(
            f"起付线 {yuan(d)} 元，每保障期只扣一次：此前已用 {yuan(used_before)} 元，本次用 {yuan(used_here)} 元，"
            + (f"尚余 {yuan(left)} 元。" if left > 0 else "已扣满。")
        )
    for band in bands(first):
        portion = band.portion(before, after)
        if portion > 0:
            span = f"{yuan(band.low)} 元以上" if band.high is None else f"{yuan(band.low)} 至 {yuan(band.high)} 元"
            out.append(
                f"累计合规费用 {span}的部分：{yuan(portion)} 元 × {percent(band.rate)} = "
                f"{yuan(to_cents(portion * band.rate))} 元。"
            )
    if first.cap is not None:
        left = max(ZERO, first.cap - history.paid_total - result.payable)
        out.append(
            f"封顶线 {yuan(first.cap)} 元：此前已付 {yuan(history.paid_total)} 元，本次 {yuan(result.payable)} 元，"
            f"本保障期尚余 {yuan(left)} 元。"
        )
    return out
