"""Guangxi's 职工综合互助保障 (CMP) and Beijing's HOME as rule bundles (DOMAIN.md §14), for the tests."""

from datetime import date
from decimal import Decimal as D

from claims.rules import Bundle, CoverageFacts, Schedule

YEAR_START, YEAR_END = date(2026, 1, 1), date(2026, 12, 31)
DD_CODES = tuple(f"DD{n:02d}" for n in range(1, 15))

CMP = Bundle(
    "CMP",
    (
        Schedule(
            plan_code="CMP",
            kind="LUMP_SUM",
            component="指定疾病",
            waiting_days=120,
            lump_sums=(*((code, D("15000")) for code in DD_CODES), ("DD15", D("3000"))),
            condolence=D("500"),
        ),
        Schedule(
            plan_code="CMP",
            kind="ACCIDENT",
            component="意外伤害",
            death_per_share=D("5000"),
            disability_per_share=D("5000"),
            accident_medical_cap_per_share=D("9000"),
        ),
        Schedule(
            plan_code="CMP",
            kind="DEATH",
            component="身故",
            waiting_days=120,
            death_per_share=D("5000"),
            condolence=D("500"),
        ),
    ),
)

HOME = Bundle(
    "HOME",
    (
        Schedule(
            plan_code="HOME",
            kind="ACCIDENT",
            component="非工伤意外伤害",
            death_per_share=D("10000"),
            disability_per_share=D("10000"),
            work_injury_excluded=True,
        ),
        Schedule(
            plan_code="HOME",
            kind="PROPERTY_LOSS",
            component="家财火灾",
            waiting_days=30,
            property_deductible=D("200"),
            property_rate=D("0.8"),
            property_cap_per_share=D("5000"),
        ),
    ),
)

# 黄海: CMP 3 shares from 2026-01-01 (waiting ends 2026-05-01); 高峰: HOME 2 shares from 2026-01-01.
HUANG_HAI_CMP = CoverageFacts(effective_from=YEAR_START, coverage_end=YEAR_END, shares=3)
GAO_FENG_HOME = CoverageFacts(effective_from=YEAR_START, coverage_end=YEAR_END, shares=2)
