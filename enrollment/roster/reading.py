"""Read a roster file into rows of cell values, and find its header by the texts of DOMAIN.md §9.

Every file goes through the base all imports share (``mutualaid.lib.sheet_import``: the guarded
reader, python-calamine for .xlsx and .xls behind the size and extent checks, .csv in UTF-8 or
GBK/GB18030 as Chinese Excel saves "CSV"). Once the header is found only the columns it names are kept.
"""

from mutualaid.lib import sheet_import
from mutualaid.lib.sheet_import import Sheet, find_header_by

# DOMAIN.md §9: the header texts each column is known by.
ALIASES = {
    "seq": ("序号",),
    "name": ("姓名",),
    "sex": ("性别",),
    "id_number": ("身份证", "身份证号", "身份证号码", "公民身份号码"),
    "card": ("医保卡号", "医保卡", "社保卡号"),
    "shares": ("份数",),
    "phone": ("手机号", "联系电话"),
    "basic": ("是否参加医保",),
    "occupation": ("职业",),
    "needy": ("困难职工",),
    "bank_name": ("开户行", "开户银行"),
    "bank_account": ("银行卡号", "银行账号", "收款账号"),
    # A plan insuring dependants (§14): each row is a child, this column names the parent.
    "parent_id": (
        "父母身份证号码",
        "父母身份证号",
        "父母身份证",
        "父（母）身份证号码",
        "父/母身份证号码",
        "职工身份证号码",
        "职工身份证号",
        "职工身份证",
        "家长身份证号码",
        "监护人身份证号码",
    ),
    "parent_name": ("职工姓名", "父母姓名", "父（母）姓名", "家长姓名"),
}
LABELS = {"seq": "序号", "name": "姓名", "sex": "性别", "id_number": "身份证号码", "card": "医保卡号",
          "shares": "份数", "phone": "手机号", "basic": "是否参加医保", "occupation": "职业",
          "needy": "困难职工", "bank_name": "开户行", "bank_account": "银行卡号",
          "parent_id": "父母身份证号码", "parent_name": "职工姓名"}  # fmt: skip


def read_rows(data: bytes, filename: str) -> list[list]:
    return sheet_import.read_rows(data, filename, what="人员手册")


def check_readable(data: bytes, filename: str) -> None:
    sheet_import.check_readable(data, filename, what="人员手册")


def find_header(rows: list[list]) -> Sheet:
    """The first row (within the first ten) that names both 姓名 and an ID column."""
    return find_header_by(rows, ALIASES, required=("name", "id_number"))
