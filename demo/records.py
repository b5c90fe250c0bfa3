"""The demo catalogue and records of DOMAIN.md sections 6-7, as data."""

from datetime import date
from decimal import Decimal as D

DISTRICTS = [("HC", "环翠区"), ("WD", "文登区"), ("RC", "荣成市"), ("RS", "乳山市")]

UNITS = [
    # code, name, uscc, district, declared staff
    ("U001", "威海示例科技有限公司", "91371000MA3C00010N", "HC", 3),
    ("U002", "文登示例商店", "12371002MB1C00030G", "WD", 2),
    ("U003", "荣成示例水产合作社", "91371081MA3C000202", "RC", 2),
    ("U004", "威海市新就业形态劳动者工会联合会", "", "HC", 0),
]

PEOPLE = [
    # name, sex, id number, unit, needy, occupation
    ("张伟", "M", "371002198005120137", "U001", False, ""),
    ("李娜", "F", "371002199008200241", "U001", False, ""),
    ("王强", "M", "371002196601100379", "U001", True, ""),
    ("刘洋", "M", "371003198502280496", "U002", False, ""),
    ("陈静", "F", "371003199203050505", "U002", False, ""),
    ("赵敏", "F", "371082197511030625", "U003", False, ""),
    ("孙磊", "M", "37108219950716075X", "U003", False, ""),
    ("周芳", "F", "371082198812010868", "U004", False, "外卖配送员"),
]

# The mobile number on record is 1380631000k for the k-th person above (DOMAIN.md §7); accounts for payouts:
ACCOUNTS = {"371002198005120137": "6222021614000000015"}  # 张伟's, as §7 gives it; the others made up

USERS = [
    # username, role, unit, district
    ("clerk_u001", "clerk", "U001", None),
    ("clerk_u002", "clerk", "U002", None),
    ("clerk_u003", "clerk", "U003", None),
    ("clerk_u004", "clerk", "U004", None),
    ("district_hc", "district", None, "HC"),
    ("district_wd", "district", None, "WD"),
    ("district_rc", "district", None, "RC"),
    ("centre_handler", "centre_handler", None, None),
    ("centre_head", "centre_head", None, None),
]
# Every clerk's account has a mobile number for notices and password resets (DOMAIN.md §7).
STAFF_PHONES = {f"clerk_u00{k}": f"1390631000{k}" for k in range(1, 5)}
DEMO_PASSWORD = "mutualaid-demo"  # noqa: S105 - documented demo credential

PERIODS = [
    (15, "第十五期", date(2025, 3, 12), date(2026, 3, 11), date(2025, 3, 1), date(2025, 4, 30)),
    (16, "第十六期", date(2026, 3, 12), date(2027, 3, 11), date(2026, 3, 1), date(2027, 1, 31)),
]

DD_NAMES = [
    "恶性肿瘤", "终末期肾病（尿毒症期）", "颅内原发性肿瘤摘除术", "冠状动脉搭桥术", "心脏瓣膜置换术", "非典型肺炎",
    "器官或造血干细胞移植术", "再生障碍性贫血", "急性或亚急性重症肝炎", "四肢瘫痪", "主动脉手术", "致病性人禽流感",
    "严重运动神经元病", "严重III度烧伤", "冠状动脉支架植入术",
]  # fmt: skip
F_NAMES = ["乳腺癌", "卵巢癌", "宫体癌", "宫颈癌", "外阴癌", "输卵管癌"]
A_EXTRA = [
    "急性心肌梗塞", "脑中风后遗症", "良性脑肿瘤", "慢性肝功能衰竭失代偿期", "脑炎后遗症或脑膜炎后遗症", "深度昏迷",
    "双耳失聪", "双目失明", "瘫痪", "严重阿尔茨海默病", "严重脑损伤", "严重帕金森病", "语言能力丧失",
    "重型再生障碍性贫血", "多个肢体缺失", "系统性红斑狼疮性肾炎",
]  # fmt: skip

CATALOGUES = {
    "DD": ("职工指定疾病（手术）", [(f"DD{i:02d}", n) for i, n in enumerate(DD_NAMES, 1)]),
    "F": ("女职工特殊疾病", [(f"F{i:02d}", n) for i, n in enumerate(F_NAMES, 1)]),
    "A": (
        "住院津贴30种疾病",
        [(f"A{i:02d}", n) for i, n in enumerate(DD_NAMES[:14], 1)]
        + [(f"A{i:02d}", n) for i, n in enumerate(A_EXTRA, 15)],
    ),
}

MED_TIERS = [(D("30000"), D("0.5")), (D("80000"), D("0.6")), (None, D("0.7"))]
GIG_OCCUPATIONS = ["快递员", "外卖配送员", "网约车司机", "货车司机"]


def plan_specs(period: int) -> list[dict]:
    """Each plan of a demo period: model fields plus 'tiers' and 'lump_sums' (catalogue code prefix, amounts)."""
    med = {
        "code": "MED", "name": "住院医疗", "kind": "REIMBURSEMENT", "premium": D("60"), "union_subsidy": D("10"),
        "max_shares": 1, "waiting_days": 90, "deductible": D("8000") if period == 15 else D("6000"),
        "cap": D("100000"), "priority": 1, "participation_rate": D("0.80"), "participation_all_below": 20,
        "tiers": MED_TIERS,
        "description": "住院医疗费用经基本医保报销后，起付线以上部分按累计金额分段补偿。",
    }  # fmt: skip
    dd = {
        "code": "DD", "name": "职工指定疾病(手术)", "kind": "LUMP_SUM", "premium": D("40"), "max_shares": 5,
        "max_shares_mixed": 3, "waiting_days": 120, "condolence": D("500"), "exclusive_group": "DD-MW",
        "lump_sums": [(f"DD{i:02d}", D("15000")) for i in range(1, 15)] + [("DD15", D("3000"))],
    }  # fmt: skip
    if period == 15:
        return [med, dd]
    return [
        med,
        {
            "code": "ALW", "name": "住院津贴", "kind": "ALLOWANCE", "premium": D("40"), "union_subsidy": D("9"),
            "max_shares": 1, "waiting_days": 30, "day_rate": D("50"), "high_day_rate": D("100"),
            "high_rate_catalogue": "A", "stay_day_cap": 30, "coverage_day_cap": 90, "disability_per_share": D("6000"),
        },
        dd,
        {
            "code": "MW", "name": "农民工互助保障", "kind": "LUMP_SUM", "premium": D("20"), "max_shares": 5,
            "max_shares_mixed": 3, "waiting_days": 120, "condolence": D("260"), "exclusive_group": "DD-MW",
            "lump_sums": [(f"DD{i:02d}", D("7500")) for i in range(1, 15)] + [("DD15", D("1500"))],
        },
        {
            "code": "FEM", "name": "女职工安康", "kind": "LUMP_SUM", "premium": D("25"), "max_shares": 5,
            "max_shares_mixed": 3, "waiting_days": 120, "condolence": D("500"), "sex_required": "F",
            "lump_sums": [(f"F{i:02d}", D("10000")) for i in range(1, 7)],
        },
        {
            "code": "ACC", "name": "团体意外伤害", "kind": "ACCIDENT", "premium": D("20"), "max_shares": 5,
            "uniform_shares_required": True, "death_per_share": D("10000"), "disability_per_share": D("10000"),
            "accident_medical_cap_per_share": D("1000"),
        },
        {
            "code": "GIG", "name": "新就业形态暖“新”保障", "kind": "ALLOWANCE", "premium": D("0"), "max_shares": 1,
            "requires_basic_insurance": False, "occupations": GIG_OCCUPATIONS, "day_rate": D("40"),
            "accident_day_rate": D("40"), "traffic_day_rate": D("80"), "stay_day_cap": 30,
            "death_per_share": D("20000"), "disability_per_share": D("20000"),
        },
        {
            "code": "NEEDY", "name": "困难职工住院补偿", "kind": "REIMBURSEMENT", "premium": D("0"), "max_shares": 1,
            "needy_required": True, "deductible": D("0"), "cap": D("10000"), "priority": 2,
            "tiers": [(None, D("0.5"))],
        },
    ]  # fmt: skip


# How each demo user signs: pages and printed forms show names, never logins.
DISPLAY_NAMES = {
    "clerk_u001": "王丽",
    "clerk_u002": "赵刚",
    "clerk_u003": "孙梅",
    "clerk_u004": "周鹏",
    "district_hc": "李军",
    "district_wd": "吴敏",
    "district_rc": "郑伟",
    "centre_handler": "张敏",
    "centre_head": "刘洪",
}

# The named record ``seed_demo`` makes last (awaiting payment, DOMAIN.md §7): its presence says the
# demo is complete.
LAST_RECORD = "16-MED-U003-1"
