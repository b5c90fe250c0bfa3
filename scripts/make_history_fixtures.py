"""Write the history import's templates in fixtures/ (run again after changing them):

    .venv/bin/python scripts/make_history_fixtures.py

- 历史参保记录-模板.xlsx   period 15's coverages as the centre's old sheets hold them
- 历史理赔记录-模板.xlsx   the claims paid on them

Both have the mistakes legacy sheets have, and import cleanly against the demo
(``import_history --coverages … --claims … --dry-run``): a title merged across the top, a
two-row header with merged cells (参保信息 over four columns), ID numbers as number cells,
15-digit first-generation ID numbers (converted to 18 digits and flagged), dates as text in
three formats beside real date cells, and a 合计 row at the bottom.
"""

import sys
from datetime import date
from pathlib import Path

from openpyxl import Workbook

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from mutualaid.lib.idcard import make_id

OUT = Path(__file__).resolve().parent.parent / "fixtures"
# name, ID as the sheet holds it (str, int or a 15-digit old number), unit, plan, shares, premium
PEOPLE = [
    ("于海洋", make_id("371082", date(1976, 1, 11), 3, "M"), "U003", "MED", 1, 50),
    ("曲晓梅", "371082770212004", "U003", "DD", 2, 80),  # a 15-digit old number as text
    ("丛立新", 371082780313051, "U003", "MED", 1, 50),  # a 15-digit old number in a number cell
    ("毕红霞", make_id("371002", date(1979, 4, 14), 6, "F"), "U001", "MED", 1, 50),
    ("鞠文涛", make_id("371002", date(1980, 5, 15), 7, "M"), "U001", "DD", 3, 120),
]
DATES = ["2025-03-12", "2025/3/12", "2025年3月12日", date(2025, 3, 12), "2025-03-12"]
ENDS = ["2026-03-11", "2026/3/11", "2026年3月11日", date(2026, 3, 11), "20260311"]


def coverages() -> Workbook:
    book = Workbook()
    sheet = book.active
    sheet.title = "参保明细"
    sheet.append(["威海市职工医疗互助保障 第十五期 参保明细（导出自原台账）"])
    sheet.merge_cells("A1:I1")
    sheet.append(["期数", "单位编码", "姓名", "身份证号码", "参保信息", None, None, None, "缴费金额"])
    sheet.append([None, None, None, None, "项目代码", "份数", "生效日期", "终止日期", None])
    for column in "ABCDI":
        sheet.merge_cells(f"{column}2:{column}3")
    sheet.merge_cells("E2:H2")
    for (name, number, unit, plan, shares, premium), start, end in zip(PEOPLE, DATES, ENDS, strict=True):
        sheet.append([15, unit, name, number, plan, shares, start, end, premium])
    sheet.append(["合计", None, None, None, None, sum(p[4] for p in PEOPLE), None, None, sum(p[5] for p in PEOPLE)])
    return book


def claims() -> Workbook:
    book = Workbook()
    sheet = book.active
    sheet.title = "已给付理赔"
    sheet.append(["威海市职工医疗互助保障 第十五期 已给付理赔明细"])
    sheet.merge_cells("A1:I1")
    sheet.append(
        ["期数", "身份证号码", "项目代码", "申领类型", "事件日期", "疾病编码", "给付金额", "给付日期", "可报销费用"]
    )
    sheet.append([15, PEOPLE[0][1], "MED", "住院", "2025/8/3", None, 6000, "2025年9月1日", 20000])
    sheet.append([15, "371082770212004", "DD", "确诊/手术", date(2025, 9, 20), "DD01", 30000, "2025-10-15", None])
    sheet.append([15, 371082780313051, "MED", "住院", "2025年10月5日", None, 1000, date(2025, 11, 2), 10000])
    sheet.append(["合计", None, None, None, None, None, 37000, None, 30000])
    return book


def main():
    OUT.mkdir(exist_ok=True)
    coverages().save(OUT / "历史参保记录-模板.xlsx")
    claims().save(OUT / "历史理赔记录-模板.xlsx")


if __name__ == "__main__":
    main()
