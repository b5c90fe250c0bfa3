"""Whether a bank statement's payer is a person rather than an organisation.

A unit without a corporate account deposits cash at the bank, and the statement then names the
person who paid it in (DOMAIN.md §14); such a line is matched only with the stamped deposit proof.
Chinese personal names are 2-4 Han characters (a minority name may be longer, with a middle dot);
organisations' names are longer or end in a word like 公司, 厂, 工会. Pure Python, no Django.
"""

import re

__all__ = ["payer_is_person"]

# Words an organisation's name ends in (or contains) and a person's name does not.
ORGANISATION_WORDS = (
    "公司", "集团", "工厂", "厂", "工会", "委员会", "协会", "联合会", "中心", "学校", "学院", "大学", "小学", "中学",
    "幼儿园", "医院", "卫生院", "研究院", "研究所", "设计院", "院", "所", "局", "处", "站", "社", "队", "部", "馆",
    "行", "店", "场", "社区", "村", "合作社", "事务所", "银行", "政府", "办公室", "办事处", "街道", "镇", "乡", "有限",
    "单位", "基金", "财政", "国库", "支付宝", "财付通",
)  # fmt: skip
_HAN = r"\u3400-\u4dbf\u4e00-\u9fff"
_PLAIN_NAME = re.compile(rf"[{_HAN}]{{2,4}}")
# 阿依古丽·买买提, 玉苏甫·艾买提: Han syllables joined by a middle dot (any of the dots people type).
_DOTTED_NAME = re.compile(rf"[{_HAN}]{{1,8}}(?:[·•・.．][{_HAN}]{{1,8}}){{1,3}}")
# A bank may add the account type to the payer: 张伟（个人）, 张伟(个人账户).
_PERSONAL_NOTE = re.compile(r"[(（](?:个人|个人账户|储蓄|现金)[)）]$")


def payer_is_person(name: str | None) -> bool:
    """True for 张伟, 欧阳娜娜, 阿依古丽·买买提, 李强（个人）; False for 荣成示例水产合作社, 威海市某某厂, an empty
    payer, or anything with Latin letters or digits (an account, an English company name)."""
    value = re.sub(r"\s+", "", name or "")
    value = _PERSONAL_NOTE.sub("", value)
    if not value:
        return False
    if not (_PLAIN_NAME.fullmatch(value) or _DOTTED_NAME.fullmatch(value)):
        return False
    return not any(word in value for word in ORGANISATION_WORDS)
