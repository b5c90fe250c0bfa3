"""Who may join a plan (DOMAIN.md §4), as plain functions over plain values.

The bulk roster validator (a file, or one person typed in as a one-row sheet) and the renewal of
last period's list both ask these, so a rule is written once.
"""

from collections import Counter
from dataclasses import dataclass
from datetime import date

from mutualaid.lib.dates import age_on

# Every §9 code with what it means to a clerk (the template's 填表说明 lists them).
ERROR_CODES = {
    "header_missing": "找不到表头（姓名、身份证号码）",
    "name_missing": "姓名未填",
    "name_invalid": "姓名含数字或符号，或超过 30 个字",
    "id_missing": "身份证号码未填",
    "id_format": "身份证号码格式不对（位数、字符，或被 Excel 存成了数字）",
    "id_checksum": "身份证号码校验位错误（多半是抄错了一位）",
    "id_birthdate": "身份证号码中的出生日期无效",
    "sex_invalid": "性别应填“男”或“女”",
    "sex_mismatch": "性别与身份证号码不符",
    "age_ineligible": "年龄不在本项目的参保年龄范围内",
    "sex_ineligible": "本项目限定性别",
    "duplicate_in_file": "同一身份证号码在表中出现多次",
    "already_enrolled": "本期已参加此项目（本单位或其他单位）",
    "exclusive_conflict": "本期已参加互斥的项目",
    "insurance_card_missing": "医保卡号未填",
    "basic_insurance_required": "须参加城镇职工基本医疗保险",
    "shares_invalid": "份数应为不小于 1 的整数（须统一份数的项目，每人份数须相同）",
    "shares_exceeds_max": "份数超过本项目上限",
    "occupation_ineligible": "职业不在本项目范围内",
    "needy_ineligible": "本项目仅限困难职工",
    "name_mismatch": "身份证号码已登记为其他姓名",
    "bank_account_invalid": "银行卡号有误（10–30 位数字，并填写开户行）",
    "parent_not_staff": "父母（职工）身份证号码未填、有误，或不是本单位的职工",
    "dependant_age_ineligible": "子女年龄不在本项目的参保年龄范围内",
    "value_too_long": "单元格内容过长（医保卡号、手机号、职业最多 30 个字符）",
    "control_character": "单元格含有不可见的控制字符（如 NUL）",
}


@dataclass(frozen=True)
class Problem:
    code: str
    message: str
    field: str | None = None  # the roster column it points at


def check_day(plan, today: date) -> date:
    """The day eligibility is judged on before the effective date is known (§4)."""
    return max(plan.period.coverage_start, today)


def share_limit(plan, *, uniform: bool, renewed: int) -> int:
    limit = plan.max_shares if uniform else plan.mixed_max_shares
    if plan.renewal_keeps_shares and renewed:
        limit = max(limit, renewed)
    return limit


def is_uniform(shares) -> bool:
    """A roster is uniform when all its people hold the same shares, whatever box was ticked (§4)."""
    return len(set(shares)) <= 1


def share_message(plan, *, shares: int, uniform: bool, renewed: int) -> str | None:
    """Why ``shares`` is not allowed for one person on a roster that is (or is not) uniform, or None."""
    if shares < 1:
        return "份数应为不小于 1 的整数。"
    limit = share_limit(plan, uniform=uniform, renewed=renewed)
    if shares <= limit:
        return None
    base = plan.max_shares if uniform else plan.mixed_max_shares
    if plan.renewal_keeps_shares and renewed > base:
        note = f"（续保可保留上期的 {renewed} 份）"
    elif not uniform and plan.mixed_max_shares < plan.max_shares:
        note = f"（名单中各人份数不同，每人最多 {plan.mixed_max_shares} 份；各人份数相同时最多 {plan.max_shares} 份）"
    else:
        note = ""
    return f"份数 {shares} 超过上限 {limit} 份{note}。"


def common_shares(shares) -> int | None:
    """The shares most people hold (the first seen on a tie), or None for an empty roster."""
    counted = Counter(shares).most_common(1)
    return counted[0][0] if counted else None


def not_uniform_message(common: int) -> str:
    return f"本项目要求同一申请每人份数相同（名单中多数人为 {common} 份）。"


def roster_share_problems(plan, lines) -> dict[int, str]:
    """Every row whose shares the plan refuses on a roster holding exactly ``lines`` — (row, shares,
    renewed shares) — judged as a whole: uniform or not from the lines themselves (§4)."""
    held = [shares for _, shares, _ in lines]
    uniform = is_uniform(held)
    common = common_shares(held) if plan.uniform_shares_required and not uniform else None
    wrong: dict[int, str] = {}
    for row, shares, renewed in lines:
        if common is not None and shares != common:
            wrong[row] = not_uniform_message(common)
            continue
        message = share_message(plan, shares=shares, uniform=uniform or common is not None, renewed=renewed)
        if message:
            wrong[row] = message
    return wrong


def person_problems(
    plan,
    *,
    birth_date: date,
    sex: str,
    basic: bool,
    needy: bool,
    occupation: str,
    shares: int,
    uniform: bool,
    renewed: int,
    on: date,
) -> list[Problem]:
    problems = []
    age = age_on(birth_date, on) if on >= birth_date else -1
    if not plan.min_age <= age <= plan.max_age:
        if plan.insures_dependants:
            problem = Problem(
                "dependant_age_ineligible",
                f"子女 {on} 时年龄 {age} 岁，不在 {plan.min_age}–{plan.max_age} 周岁范围内。",
                "id_number",
            )
        else:
            problem = Problem(
                "age_ineligible", f"{on} 时年龄 {age} 岁，不在 {plan.min_age}–{plan.max_age} 周岁范围内。", "id_number"
            )
        problems.append(problem)
    if plan.sex_required and sex != plan.sex_required:
        problems.append(
            Problem("sex_ineligible", f"本项目仅限{'女' if plan.sex_required == 'F' else '男'}职工参加。", "sex")
        )
    if plan.requires_basic_insurance and not basic:
        problems.append(Problem("basic_insurance_required", "本项目须参加城镇职工基本医疗保险。", "basic"))
    if plan.needy_required and not needy:
        problems.append(Problem("needy_ineligible", "本项目仅限困难职工参加（“困难职工”一栏填“是”）。", "needy"))
    if plan.occupations and occupation not in plan.occupations:
        problems.append(
            Problem("occupation_ineligible", f"本项目仅限以下职业：{'、'.join(plan.occupations)}。", "occupation")
        )
    message = share_message(plan, shares=shares, uniform=uniform, renewed=renewed)
    if message:
        problems.append(Problem("shares_invalid" if shares < 1 else "shares_exceeds_max", message, "shares"))
    return problems
