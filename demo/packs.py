"""The scheme packs of DOMAIN.md §14: each seed's scheme and its named records, for an empty database.

``seed_demo --scheme guangxi|beijing|hubei`` loads one (``weihai``, the default, is §6-7). Plans are
built by ``enrollment.schemes.plan_from_spec``; people are enrolled as the pages enroll them (typed
in one by one, submitted, approved by the district office and the centre, the transfer read from
the bank's statement), with the clock set to the day each step happened.
"""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal as D

from django.contrib.auth.models import User

from demo import records as weihai
from demo.steps import at, make_users, statement_file, typed_in
from enrollment import services
from enrollment.models import (
    Application,
    Catalogue,
    CatalogueItem,
    CentreAccount,
    District,
    Member,
    Period,
    Plan,
    Prefecture,
    ReceiptSeries,
    Unit,
)
from enrollment.schemes import plan_from_spec
from mutualaid.lib.idcard import validate_id

DD_LUMP = [(f"DD{i:02d}", "15000") for i in range(1, 15)] + [("DD15", "3000")]

# Guangxi's 职工综合互助保障: four benefits in one plan (§14).
CMP_SPEC = {
    "code": "CMP", "name": "职工综合互助保障", "kind": "LUMP_SUM", "premium": "60", "max_shares": 5,
    "uniform_shares_required": True, "waiting_days": 120, "condolence": "500", "exclusive_group": "DD-MW",
    "component_name": "指定疾病", "lump_sums": DD_LUMP,
    "description": "保障限额 34,000 元/份：指定疾病、意外身故或伤残、意外住院医疗、身故（任何原因）。",
    "components": [
        {"kind": "ACCIDENT", "name": "意外伤害", "death_per_share": "5000", "disability_per_share": "5000",
         "accident_medical_cap_per_share": "9000"},
        {"kind": "DEATH", "name": "身故", "waiting_days": 120, "death_any_cause_per_share": "5000",
         "condolence": "500"},
    ],
}  # fmt: skip

# Beijing's 非工伤意外伤害及家财火灾损失 (§14).
HOME_SPEC = {
    "code": "HOME", "name": "非工伤意外伤害及家财火灾损失", "kind": "ACCIDENT", "premium": "20", "max_shares": 3,
    "death_per_share": "10000", "disability_per_share": "10000", "work_injury_excluded": True,
    "component_name": "非工伤意外伤害",
    "components": [
        {"kind": "PROPERTY_LOSS", "name": "家财火灾", "waiting_days": 30, "property_deductible": "200",
         "property_rate": "0.80", "property_cap_per_share": "5000"},
    ],
}  # fmt: skip

# Beijing's 在职职工子女意外伤害: the insured person is a member's child, 0-17 (§14).
KID_SPEC = {
    "code": "KID", "name": "在职职工子女意外伤害", "kind": "ACCIDENT", "premium": "10", "max_shares": 1,
    "insures_dependants": True, "min_age": 0, "max_age": 17, "requires_basic_insurance": False,
    "death_per_share": "10000", "disability_per_share": "20000", "accident_medical_cap_per_share": "2000",
}  # fmt: skip

# 高峰's HOME application is paid 行政、工会与个人分担, 10 + 5 + 5 yuan a share (§14). Main has no place
# for payers yet (the payers branch adds it); the parts are kept here for it.
HOME_PAYER_PARTS = {"way": "行政、工会与个人分担", "parts": {"单位行政": D("10"), "单位工会": D("5"), "个人": D("5")}}


def _weihai(code: str) -> dict:
    """A plan of Weihai's period 16 (§6), as the spec other schemes say theirs are "like"."""
    spec = next(spec for spec in weihai.plan_specs(16) if spec["code"] == code)
    return {key: value for key, value in spec.items()}


def _guangxi_plans() -> list[dict]:
    return [
        CMP_SPEC,
        {**_weihai("DD")},
        {**_weihai("MW")},
        {**_weihai("FEM"), "lump_sums": [(f"F{i:02d}", "12000") for i in range(1, 7)]},
        {**_weihai("ACC")},
    ]


def _beijing_plans() -> list[dict]:
    return [KID_SPEC, HOME_SPEC, _weihai("FEM"), _weihai("ACC"), _weihai("DD"), _weihai("MED"), _weihai("ALW")]


def _hubei_plans() -> list[dict]:
    rule = {"max_shares": 1, "max_shares_mixed": None, "min_age": 16, "max_age": 60}
    everyone = {"participation_rate": D("0.80"), "participation_all_below": 100}
    return [
        {**_weihai("MED"), **rule, **everyone, "union_subsidy": D("0")},
        {**_weihai("DD"), **rule, **everyone, "code": "CI", "name": "重大疾病", "exclusive_group": ""},
        # Women only: a share of the whole staff cannot be asked of it.
        {**_weihai("FEM"), **rule, "name": "女职工特殊疾病"},
        {**_weihai("ACC"), **rule, **everyone, "name": "意外伤害", "uniform_shares_required": False},
    ]


@dataclass(frozen=True)
class Enrollment:
    plan: str
    unit: str
    people: tuple[str, ...]  # names of PEOPLE, or of CHILDREN
    shares: int = 1
    declared: int | None = None  # the unit's declared staff if None
    submitted: date = date(2025, 12, 10)
    approved: date = date(2025, 12, 15)
    paid_on: date | None = date(2025, 12, 20)  # None: left where it stops
    stop: str = "paid"  # "draft": typed in only


@dataclass(frozen=True)
class Pack:
    name: str
    centre: str
    bank: str
    account: str
    receipt_prefix: str
    city: str
    districts: list[tuple[str, str]]
    units: list[tuple[str, str, str, str, int]]  # code, name, uscc, district, staff
    people: list[tuple[str, str, str, str]]  # name, sex, id number, unit
    children: list[tuple[str, str, str]]  # name, id number, parent's name
    period: tuple[int, str, date, date, date, date]
    plans: list[dict]
    enrollments: list[Enrollment]
    display_names: dict[str, str] = field(default_factory=dict)
    note: str = ""
    # Prefecture offices over some of the districts (DOMAIN.md §15): code, name, district codes.
    prefectures: list[tuple[str, str, tuple[str, ...]]] = field(default_factory=list)

    def users(self) -> list[tuple[str, str, str | None, str | None]]:
        clerks = [(f"clerk_{code.lower()}", "clerk", code, None) for code, *_ in self.units]
        offices = [(f"district_{code.lower()}", "district", None, code) for code, _ in self.districts]
        offices += [(f"prefecture_{code.lower()}", "prefecture", None, None, code) for code, *_ in self.prefectures]
        return [*clerks, *offices, ("centre_handler", "centre_handler", None, None),
                ("centre_head", "centre_head", None, None)]  # fmt: skip

    @property
    def last_record(self) -> str:
        last = self.enrollments[-1]
        return f"{self.period[0]}-{last.plan}-{last.unit}-1"


PACKS = {
    "guangxi": Pack(
        name="guangxi",
        centre="苍梧县总工会",
        bank="中国工商银行苍梧支行",
        account="2107 5000 0920 0045 042",
        receipt_prefix="CW",
        city="梧州市苍梧县",
        districts=[("CW", "苍梧县")],
        units=[("G001", "苍梧示例水泥厂", "91450421MA5K000109", "CW", 12)],
        people=[("黄海", "M", "450421198203151137", "G001"), ("韦兰", "F", "450421199007082247", "G001")],
        children=[],
        period=(1, "2026年度", date(2026, 1, 1), date(2026, 12, 31), date(2025, 12, 1), date(2026, 3, 31)),
        plans=_guangxi_plans(),
        enrollments=[Enrollment("CMP", "G001", ("黄海",), shares=3), Enrollment("FEM", "G001", ("韦兰",), shares=2)],
        display_names={"clerk_g001": "覃丽", "district_cw": "莫军", "centre_handler": "黎敏", "centre_head": "蒙洪"},
    ),
    "beijing": Pack(
        name="beijing",
        centre="北京市总工会职工互助保障服务中心",
        bank="中国工商银行北京朝阳支行",
        account="0200 0045 0920 0100 888",
        receipt_prefix="BJ",
        city="北京市朝阳区",
        districts=[("CY", "朝阳区")],
        units=[
            ("B001", "北京示例软件有限公司", "91110105MA0A00010R", "CY", 8),
            ("B002", "北京示例研究院", "12110108MB0A00020D", "CY", 5),
        ],
        people=[("马丽", "F", "11010519860412336X", "B001"), ("高峰", "M", "110108197809305516", "B002")],
        children=[("马小明", "110105201506014498", "马丽")],
        period=(1, "2026年度", date(2026, 1, 1), date(2026, 12, 31), date(2025, 12, 1), date(2026, 11, 30)),
        plans=_beijing_plans(),
        enrollments=[Enrollment("KID", "B001", ("马小明",)), Enrollment("HOME", "B002", ("高峰",), shares=2)],
        display_names={
            "clerk_b001": "王芳",
            "clerk_b002": "李刚",
            "district_cy": "赵磊",
            "centre_handler": "陈敏",
            "centre_head": "刘强",
        },
    ),
    "hubei": Pack(
        name="hubei",
        centre="中国职工保险互助会湖北省办事处",
        bank="中国工商银行武汉江汉支行",
        account="3202 0000 0920 0027 027",
        receipt_prefix="HB",
        city="恩施州咸丰县",
        districts=[("XF", "咸丰县"), ("ESS", "恩施市")],
        prefectures=[("ES", "恩施州", ("XF", "ESS"))],  # §15: the prefecture oversees its two counties
        units=[("H001", "咸丰示例茶业有限公司", "91422826MA4F000102", "XF", 5)],
        people=[("谭静", "F", "422826198811116861", "H001"), ("田勇", "M", "422826196501057756", "H001")],
        children=[],
        period=(1, "2025年度", date(2025, 1, 1), date(2025, 12, 31), date(2024, 12, 1), date(2025, 12, 31)),
        plans=_hubei_plans(),
        enrollments=[
            Enrollment("MED", "H001", ("谭静", "田勇"), submitted=date(2024, 12, 10), paid_on=None, stop="draft")
        ],
        display_names={
            "clerk_h001": "向丽",
            "district_xf": "冉军",
            "district_ess": "覃伟",
            "prefecture_es": "向明",
            "centre_handler": "杨敏",
            "centre_head": "黄洪",
        },
    ),
}  # fmt: skip


def is_empty() -> bool:
    return not (Unit.objects.exists() or District.objects.exists() or Period.objects.exists())


def load_reference_data(pack: Pack) -> dict[str, User]:
    CentreAccount.objects.create(account_name=pack.centre, bank=pack.bank, number=pack.account, active=True)
    ReceiptSeries.objects.create(prefix=pack.receipt_prefix, issuer_name=pack.centre, active=True)
    districts = {code: District.objects.create(code=code, name=name) for code, name in pack.districts}
    for code, name, under in pack.prefectures:
        prefecture = Prefecture.objects.create(code=code, name=name)
        District.objects.filter(code__in=under).update(prefecture=prefecture)
    units = {}
    for code, name, uscc, district, staff in pack.units:
        units[code] = Unit.objects.create(
            code=code, name=name, uscc=uscc, district=districts[district], declared_staff=staff,
            contact_name="工会经办人", contact_phone="010-6500000" if pack.name == "beijing" else "0774-2200000",
            chair_name="工会主席", address=f"{pack.city}{districts[district].name if pack.name != 'hubei' else ''}",
        )  # fmt: skip
    for k, (name, sex, number, unit) in enumerate(pack.people, start=1):
        member = Member(
            id_number=number, name=name, sex=sex, unit=units[unit], birth_date=validate_id(number, today=date.today()).birth_date,
            insurance_card=f"S{number[-8:]}",
            phone=f"1390{k:07d}", bank_name="中国工商银行", bank_account=f"6222{number[2:17]}",
        )  # fmt: skip
        member.full_clean()
        member.save()
    for code, (name, items) in weihai.CATALOGUES.items():
        catalogue = Catalogue.objects.create(code=code, name=name)
        CatalogueItem.objects.bulk_create(CatalogueItem(catalogue=catalogue, code=c, name=n) for c, n in items)
    number, name, cstart, cend, estart, eend = pack.period
    period = Period.objects.create(number=number, name=name, coverage_start=cstart, coverage_end=cend,
                                   enrollment_start=estart, enrollment_end=eend)  # fmt: skip
    for spec in pack.plans:
        plan_from_spec(period, spec)
    return make_users(pack.users(), password=weihai.DEMO_PASSWORD, display_names=pack.display_names, phones={})


def _person(pack: Pack, name: str, shares: int) -> dict:
    child = next((c for c in pack.children if c[0] == name), None)
    if child is None:
        return typed_in(Member.objects.get(name=name), shares)
    _, number, parent = child
    return {"name": name, "id_number": number, "shares": shares, "basic": False,
            "parent_id": Member.objects.get(name=parent).id_number}  # fmt: skip


def load_records(pack: Pack, users: dict[str, User]) -> None:
    transfers: dict[date, list[Application]] = {}
    period = pack.period[0]
    for step in pack.enrollments:
        unit = Unit.objects.get(code=step.unit)
        plan = Plan.objects.get(period__number=period, code=step.plan)
        clerk = users[f"clerk_{unit.code.lower()}"]
        with at(step.submitted):
            application = services.application_create(
                actor=clerk, plan=plan, unit=unit, declared_staff=step.declared or unit.declared_staff
            )
            for name in step.people:
                services.roster_add_person(actor=clerk, application=application,
                                           person=_person(pack, name, step.shares))  # fmt: skip
            if step.stop == "draft":
                continue
            services.application_submit(actor=clerk, application=application)
            services.application_district_approve(
                actor=users[f"district_{unit.district.code.lower()}"], application=application, comment="同意"
            )
        with at(step.approved):
            services.application_centre_approve(actor=users["centre_handler"], application=application, comment="同意")
        application.refresh_from_db()
        if step.paid_on and application.amount_due > 0:
            transfers.setdefault(step.paid_on, []).append(application)
    for day, applications in sorted(transfers.items()):
        with at(day, 15):
            services.statement_import(actor=users["centre_handler"], data=statement_file(day, applications),
                                      filename=f"对账单-{day:%Y%m%d}.csv")  # fmt: skip
