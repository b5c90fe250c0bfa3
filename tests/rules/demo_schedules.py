"""The demo plans of DOMAIN.md section 6 as rule schedules, for the tests."""

from datetime import date
from decimal import Decimal as D

from claims.rules import CoverageFacts, Schedule, Tier

P15_START, P15_END = date(2025, 3, 12), date(2026, 3, 11)
P16_START, P16_END = date(2026, 3, 12), date(2027, 3, 11)

DD_CODES = tuple(f"DD{n:02d}" for n in range(1, 15))
A_CODES = frozenset(f"A{n:02d}" for n in range(1, 31))
F_CODES = tuple(f"F{n:02d}" for n in range(1, 7))

MED_TIERS = (Tier(D("30000"), D("0.5")), Tier(D("80000"), D("0.6")), Tier(None, D("0.7")))


def _med(deductible: str) -> Schedule:
    return Schedule(
        plan_code="MED",
        kind="REIMBURSEMENT",
        waiting_days=90,
        deductible=D(deductible),
        tiers=MED_TIERS,
        cap=D("100000"),
        priority=1,
    )


def _designated(per_share: str, dd15: str, condolence: str, code="DD") -> Schedule:
    return Schedule(
        plan_code=code,
        kind="LUMP_SUM",
        waiting_days=120,
        lump_sums=(*((c, D(per_share)) for c in DD_CODES), ("DD15", D(dd15))),
        condolence=D(condolence),
    )


MED_15 = _med("8000")
DD_15 = _designated("15000", "3000", "500")

MED_16 = _med("6000")
ALW_16 = Schedule(
    plan_code="ALW",
    kind="ALLOWANCE",
    waiting_days=30,
    day_rate=D("50"),
    high_day_rate=D("100"),
    high_rate_codes=A_CODES,
    stay_day_cap=30,
    coverage_day_cap=90,
    disability_per_share=D("6000"),
)
DD_16 = _designated("15000", "3000", "500")
MW_16 = _designated("7500", "1500", "260", code="MW")
FEM_16 = Schedule(
    plan_code="FEM",
    kind="LUMP_SUM",
    waiting_days=120,
    lump_sums=tuple((c, D("10000")) for c in F_CODES),
    condolence=D("500"),
)
ACC_16 = Schedule(
    plan_code="ACC",
    kind="ACCIDENT",
    death_per_share=D("10000"),
    disability_per_share=D("10000"),
    accident_medical_cap_per_share=D("1000"),
)
GIG_16 = Schedule(
    plan_code="GIG",
    kind="ALLOWANCE",
    day_rate=D("40"),
    traffic_day_rate=D("80"),
    stay_day_cap=30,
    death_per_share=D("20000"),
    disability_per_share=D("20000"),
)
NEEDY_16 = Schedule(
    plan_code="NEEDY",
    kind="REIMBURSEMENT",
    tiers=(Tier(None, D("0.5")),),
    cap=D("10000"),
    priority=2,
)

PERIOD_15 = {"MED": MED_15, "DD": DD_15}
PERIOD_16 = {
    "MED": MED_16,
    "ALW": ALW_16,
    "DD": DD_16,
    "MW": MW_16,
    "FEM": FEM_16,
    "ACC": ACC_16,
    "GIG": GIG_16,
    "NEEDY": NEEDY_16,
}


def coverage_16(effective_from=P16_START, shares=1, renewed_shares=0) -> CoverageFacts:
    return CoverageFacts(effective_from, P16_END, shares, renewed_shares)


def coverage_15(effective_from=P15_START, shares=1, renewed_shares=0) -> CoverageFacts:
    return CoverageFacts(effective_from, P15_END, shares, renewed_shares)
