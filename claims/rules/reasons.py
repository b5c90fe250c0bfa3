"""Reason codes of a decision, with the Chinese text a clerk sees."""

NOT_COVERED = "not_covered"
INVALID_INFORMATION = "invalid_information"
MISSING_INFORMATION = "missing_information"
NOT_COVERED_BENEFIT = "not_covered_benefit"
BEFORE_EFFECTIVE = "before_effective"
AFTER_COVERAGE_END = "after_coverage_end"
LATE_SUBMISSION = "late_submission"
IN_WAITING_PERIOD = "in_waiting_period"
SHARES_IN_WAITING = "shares_in_waiting"
NO_ELIGIBLE_EXPENSE = "no_eligible_expense"
BELOW_DEDUCTIBLE = "below_deductible"
ZERO_BENEFIT = "zero_benefit"
CAP_REACHED = "cap_reached"
STAY_DAY_CAP = "stay_day_cap"
DAY_CAP_REACHED = "day_cap_reached"
NOT_CATALOGUED = "not_catalogued"
ALREADY_PAID_CONDITION = "already_paid_condition"
CONDOLENCE_ALREADY_PAID = "condolence_already_paid"
NOT_ACCIDENT = "not_accident"
DISABILITY_ALREADY_PAID = "disability_already_paid"
WORK_INJURY_EXCLUDED = "work_injury_excluded"

REASON_LABELS: dict[str, str] = {
    NOT_COVERED: "未参加该保障项目",
    INVALID_INFORMATION: "申领信息有误",
    MISSING_INFORMATION: "申领信息不全",
    NOT_COVERED_BENEFIT: "不属于该保障项目的给付范围",
    BEFORE_EFFECTIVE: "发生在保障生效之前",
    AFTER_COVERAGE_END: "发生在保障期结束之后",
    LATE_SUBMISSION: "超过申领期限",
    IN_WAITING_PERIOD: "发生在等待期内",
    SHARES_IN_WAITING: "部分份数仍在等待期内",
    NO_ELIGIBLE_EXPENSE: "无合规费用",
    BELOW_DEDUCTIBLE: "累计合规费用未超过起付线",
    ZERO_BENEFIT: "按给付比例计算本次互助金为 0",
    CAP_REACHED: "已达封顶线",
    STAY_DAY_CAP: "超过每次住院给付天数上限",
    DAY_CAP_REACHED: "已达保障期给付天数上限",
    NOT_CATALOGUED: "不在保障病种目录内",
    ALREADY_PAID_CONDITION: "该病种已给付过",
    CONDOLENCE_ALREADY_PAID: "本保障期已给付过慰问金",
    NOT_ACCIDENT: "非意外伤害",
    DISABILITY_ALREADY_PAID: "同一意外的伤残金已按该等级或更高等级给付",
    WORK_INJURY_EXCLUDED: "属于工伤，本项目不予给付",
}
