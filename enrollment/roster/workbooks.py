"""The two workbooks a clerk downloads: the roster template, and their own file with errors marked."""

import io

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation

from enrollment.roster.reading import find_header, read_rows
from enrollment.roster.rules import ERROR_CODES
from mutualaid.lib.spreadsheet import safe_text

TEMPLATE_COLUMNS = [
    "序号",
    "姓名",
    "性别",
    "身份证号码",
    "医保卡号",
    "份数",
    "手机号",
    "是否参加医保",
    "职业",
    "困难职工",
    "开户行",
    "银行卡号",
]
TEXT_COLUMNS = {"身份证号码", "医保卡号", "手机号", "银行卡号"}
TEMPLATE_ROWS = 2000
RED = PatternFill("solid", start_color="FFC7CE", end_color="FFC7CE")
BOLD = Font(bold=True)


def _save(workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index)


def roster_template(*, plan, unit) -> bytes:
    """An .xlsx laid out like the official 人员手册, with the plan's rules inside it."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "人员手册"
    sheet.append([f"职工医疗互助保障 {plan.period.name} {plan.name} 人员手册"])
    sheet.append([safe_text(f"单位名称：{unit.name}")])
    sheet.append(TEMPLATE_COLUMNS)
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(TEMPLATE_COLUMNS))
    sheet["A1"].font = Font(bold=True, size=14)
    sheet["A1"].alignment = Alignment(horizontal="center")
    for cell in sheet[3]:
        cell.font = BOLD
    sheet.freeze_panes = "A4"
    widths = {"序号": 6, "姓名": 12, "性别": 6, "身份证号码": 22, "医保卡号": 18, "份数": 6, "手机号": 14,
              "是否参加医保": 12, "职业": 12, "困难职工": 10,
              "开户行": 22, "银行卡号": 24}  # fmt: skip
    last = TEMPLATE_ROWS + 3
    for index, title in enumerate(TEMPLATE_COLUMNS, start=1):
        letter = _letter(index)
        sheet.column_dimensions[letter].width = widths[title]
        if title in TEXT_COLUMNS:
            # Text, so Excel keeps all 18 digits and the leading zeros of card numbers.
            sheet.column_dimensions[letter].number_format = "@"
            for row in range(4, last + 1):
                sheet.cell(row=row, column=index).number_format = "@"
    column = {title: _letter(i) for i, title in enumerate(TEMPLATE_COLUMNS, start=1)}
    for title, options, prompt in (
        ("性别", '"男,女"', "填“男”或“女”；留空则按身份证号码判断。"),
        ("是否参加医保", '"是,否"', "参加城镇职工基本医疗保险填“是”（默认）。"),
        ("困难职工", '"是,否"', "经工会认定的困难职工填“是”。"),
    ):
        rule = DataValidation(type="list", formula1=options, allow_blank=True, showErrorMessage=True)
        rule.error, rule.errorTitle, rule.prompt = f"请从下拉列表中选择：{options.strip(chr(34))}", title, prompt
        rule.add(f"{column[title]}4:{column[title]}{last}")
        sheet.add_data_validation(rule)
    shares = DataValidation(type="whole", operator="between", formula1="1", formula2=str(plan.max_shares),
                            allow_blank=True, showErrorMessage=True)  # fmt: skip
    shares.errorTitle, shares.error = "份数", f"份数应为 1 到 {plan.max_shares} 的整数。"
    shares.add(f"{column['份数']}4:{column['份数']}{last}")
    sheet.add_data_validation(shares)

    notes = workbook.create_sheet("填表说明")
    notes.column_dimensions["A"].width = 22
    notes.column_dimensions["B"].width = 80
    for line in _instructions(plan):
        notes.append(line)
        if len(line) == 1:
            notes.cell(row=notes.max_row, column=1).font = BOLD
    return _save(workbook)


def _instructions(plan) -> list[list[str]]:
    limit = f"每人 1 到 {plan.max_shares} 份"
    if plan.mixed_max_shares != plan.max_shares:
        limit += f"（同一申请份数不统一时最多 {plan.mixed_max_shares} 份；续保可保留上期份数）"
    who = [f"年龄：{plan.min_age}–{plan.max_age} 周岁（按保障生效日计算）"]
    if plan.requires_basic_insurance:
        who.append("须参加城镇职工基本医疗保险，并填写医保卡号")
    if plan.sex_required:
        who.append(f"仅限{'女' if plan.sex_required == 'F' else '男'}职工")
    if plan.needy_required:
        who.append("仅限经工会认定的困难职工（“困难职工”填“是”）")
    if plan.occupations:
        who.append(f"仅限以下职业：{'、'.join(plan.occupations)}（填在“职业”一栏）")
    if plan.exclusive_group:
        who.append("与同组的互斥项目本期只能参加一个")
    lines = [
        [f"{plan.period.name} {plan.name} 填表说明"],
        ["每份会费", f"{plan.premium} 元（工会补贴 {plan.union_subsidy} 元，单位缴纳 {plan.clerk_premium} 元）"],
        ["份数", limit + ("；同一申请每人份数须相同" if plan.uniform_shares_required else "")],
        ["参保条件", "；".join(who)],
        [
            "免责期",
            f"新参保 {plan.waiting_days} 天（续保不设免责期，意外伤害不设免责期）" if plan.waiting_days else "无",
        ],
        [
            "怎样填写",
            "表头（第 3 行）不要改动；从第 4 行起每人一行；身份证号码、医保卡号一列已设为文本，请直接输入或粘贴为文本。",
        ],
        ["同一人", "每人每期每个项目只能参加一次，不论在哪个单位。"],
        [
            "已登记的人员",
            "姓名须与登记的一致；表中的手机号、医保卡号、困难职工、职业和银行卡号在市中心审核通过后更新到会员档案。",
        ],
        [
            "开户行、银行卡号",
            "选填：会员本人的借记卡或存折，用于给付互助金；卡号一列已设为文本，填写卡号须同时填写开户行。",
        ],
        [],
        ["上传后可能提示的错误"],
    ]
    lines += [[code, text] for code, text in ERROR_CODES.items()]
    return lines


EXCEL_CELL_CHARS = 32_767


def _writable(value):
    """A cell Excel can hold: control characters (a NUL from a CSV) shown as �, at most 32,767 characters."""
    if not isinstance(value, str):
        return value
    return ILLEGAL_CHARACTERS_RE.sub("\ufffd", value)[:EXCEL_CELL_CHARS]


def annotate_workbook(*, data: bytes, filename: str, errors) -> bytes:
    """The clerk's own rows, in the same places, with every bad cell filled red, a comment on
    it and a 错误说明 column: fix in Excel, upload again. Values only (formulas become text)."""
    rows = read_rows(data, filename)
    sheet_info = find_header(rows)
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "人员手册（标注错误）"
    header_positions = {}
    if sheet_info.header_row is not None:
        header_positions = {str(v).strip(): i for i, v in enumerate(rows[sheet_info.header_row]) if str(v).strip()}
    text_positions = {
        header_positions[title]
        for title in header_positions
        if title.startswith(("身份证", "公民身份", "医保", "社保", "手机", "联系", "银行"))
    }
    width = max((len(r) for r in rows), default=0)
    for r, values in enumerate(rows, start=1):
        for c, value in enumerate(values, start=1):
            if value == "":
                continue
            if isinstance(value, float) and value.is_integer():
                value = int(value)
            cell = sheet.cell(row=r, column=c, value=_writable(safe_text(value)))
            if c - 1 in text_positions:
                cell.number_format = "@"
    note_column = width + 1
    messages: dict[int, list[str]] = {}
    for error in errors:
        if error.row is None:
            continue
        messages.setdefault(error.row, []).append(f"{error.column or ''}：{error.message}")
        position = header_positions.get(error.column or "")
        if position is not None:
            cell = sheet.cell(row=error.row, column=position + 1)
            cell.fill = RED
            text = f"{cell.comment.text}\n{error.message}" if cell.comment else error.message
            cell.comment = Comment(text, "互助保障系统")
    if sheet_info.header_row is not None:
        header_cell = sheet.cell(row=sheet_info.header_row + 1, column=note_column, value="错误说明")
        header_cell.font = BOLD
    for row, texts in messages.items():
        cell = sheet.cell(row=row, column=note_column, value=safe_text("；".join(texts)))
        cell.fill = RED
    sheet.column_dimensions[_letter(note_column)].width = 60
    return _save(workbook)
