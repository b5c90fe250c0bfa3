"""Write the sample roster files in fixtures/ (run again after changing them):

    .venv/bin/python scripts/make_fixtures.py

- 人员手册-示例-正确.xlsx   a clean roster for 荣成示例水产合作社 (U003), ready to import
- 人员手册-示例-有错误.xlsx a roster with the mistakes clerks make most (checksum, a number cell,
                            a duplicate, a missing card, an over-age member, a name with a digit)
- 人员手册-示例-GBK.csv     the clean roster as Chinese Excel saves "CSV" (GBK)
"""

import csv
import io
import sys
from datetime import date
from pathlib import Path

from openpyxl import Workbook

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from mutualaid.lib.idcard import make_id

OUT = Path(__file__).resolve().parent.parent / "fixtures"
HEADER = ["序号", "姓名", "性别", "身份证号码", "医保卡号", "份数", "手机号", "是否参加医保"]
NAMES = ["于海洋", "曲晓梅", "丛立新", "毕红霞", "鞠文涛", "谷丽娜", "宋建军", "林小燕", "邹志强"]


def people():
    rows = []
    for k, name in enumerate(NAMES, start=1):
        sex = "男" if k % 2 else "女"
        number = make_id(
            "371082", date(1975 + k, k, 10 + k), 2 * k + (1 if sex == "男" else 0), "M" if sex == "男" else "F"
        )
        rows.append([k, name, sex, number, f"3710820{k:07d}", 1, f"1395631{k:04d}", "是"])
    return rows


def workbook(rows) -> Workbook:
    book = Workbook()
    sheet = book.active
    sheet.title = "人员手册"
    sheet.append(["职工医疗互助保障 第十六期 住院医疗 人员手册"])
    sheet.append(["单位名称：荣成示例水产合作社"])
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
        for column in (4, 5, 7):
            sheet.cell(row=sheet.max_row, column=column).number_format = "@"
    return book


def main():
    OUT.mkdir(exist_ok=True)
    clean = people()
    workbook(clean).save(OUT / "人员手册-示例-正确.xlsx")

    wrong = [list(row) for row in people()]
    wrong[0][3] = wrong[0][3][:-1] + ("0" if wrong[0][3][-1] != "0" else "1")  # a digit copied wrong: checksum
    wrong[1][3] = int(wrong[1][3][:15]) * 1000  # a number cell: Excel kept 15 digits
    wrong[2][3] = wrong[3][3]  # the same person twice
    wrong[4][4] = ""  # no insurance card
    wrong[5][3] = make_id("371082", date(1955, 6, 1), 11, "M")  # over 60
    wrong[6][1] = "宋建军2"  # a digit in a name
    workbook(wrong).save(OUT / "人员手册-示例-有错误.xlsx")

    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(HEADER)
    writer.writerows(clean)
    (OUT / "人员手册-示例-GBK.csv").write_bytes(text.getvalue().encode("gbk"))
    print(f"wrote {len(list(OUT.iterdir()))} files to {OUT}")


if __name__ == "__main__":
    main()
