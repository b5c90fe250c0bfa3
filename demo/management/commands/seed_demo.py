"""Load the demo of DOMAIN.md sections 6-7, and optionally synthetic volume.

The named records are created through the same services the pages use, with
the clock set to the day each step happened, so their audit trail, references
and effective dates are the ones a real history would have produced.
"""

from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from demo import records as demo
from demo.documents import attach_required
from demo.packs import PACKS, is_empty, load_records, load_reference_data
from demo.steps import at, make_users, statement_file, typed_in
from enrollment import services
from enrollment.models import (
    Application,
    Catalogue,
    CatalogueItem,
    Coverage,
    District,
    Member,
    Period,
    Plan,
    PlanLumpSum,
    PlanTier,
    Unit,
)
from mutualaid import notices


class Command(BaseCommand):
    help = "Create the demo periods, plans, units, users, members, applications and claims (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="run even with DJANGO_DEBUG off")
        parser.add_argument("--scale", type=int, default=0, metavar="N", help="add N synthetic units with rosters")
        parser.add_argument("--seed", type=int, default=16, help="random seed for --scale")
        parser.add_argument(
            "--scheme", choices=["weihai", *PACKS], default="weihai",
            help="which seed's scheme (DOMAIN.md §14): weihai (the default, §6-7) or a pack for an empty database",
        )  # fmt: skip

    def handle(self, *args, force=False, scale=0, seed=16, scheme="weihai", **options):
        if not settings.DEBUG and not force:
            raise CommandError("DJANGO_DEBUG 未开启：演示数据只用于演示环境。确需写入请加 --force。")
        if scheme != "weihai":
            return self.pack(PACKS[scheme])
        # The demo's records are history (a claim paid in 2025): loading them tells nobody anything.
        with transaction.atomic(), notices.muted():
            self.reference_data()
            users = self.users()
        # Each step of the named records is a use case with its own transaction, as on the pages: the
        # last record made says the demo is complete; some records without it, that a run broke off.
        if Application.objects.filter(reference=demo.LAST_RECORD).exists():
            self.stdout.write("演示记录已存在，跳过。")
        elif Application.objects.filter(unit__code__in=[unit[0] for unit in demo.UNITS]).exists():
            raise CommandError("演示记录不完整（上次运行中断）：请清空数据库后重新运行 seed_demo。")
        else:
            with notices.muted():
                self.records(users)
            self.stdout.write(self.style.SUCCESS("演示数据已创建：用户密码 mutualaid-demo"))
        if scale:
            from demo.synthetic import add_synthetic_units
            from enrollment.roster.writing import analyze

            with notices.muted():
                made = add_synthetic_units(scale, seed=seed, stdout=self.stdout)
            # Fresh planner statistics: without them the district queue took 345 ms instead of 20 ms.
            analyze("enrollment_unit", "enrollment_member", "enrollment_application", "enrollment_rosterline",
                    "enrollment_coverage", "claims_claim", "mutualaid_auditlog")  # fmt: skip
            self.stdout.write(self.style.SUCCESS(f"已添加 {made['units']} 个单位、{made['members']} 名会员。"))

    def pack(self, pack):
        """A scheme pack fills an empty database only: its codes (districts, units, period 1) would
        meet another scheme's."""
        if not is_empty():
            raise CommandError(
                f"数据库不是空的（已有办事处、单位或期次）：方案演示包“{pack.name}”只能装入空数据库。"
                "请新建一个数据库（或清空后）再运行。"
            )
        with transaction.atomic(), notices.muted():
            users = load_reference_data(pack)
        with notices.muted():
            load_records(pack, users)
        if pack.note:
            self.stdout.write(pack.note)
        self.stdout.write(self.style.SUCCESS(f"方案演示包 {pack.name}（{pack.centre}）已创建：用户密码 mutualaid-demo"))

    # --- reference data --------------------------------------------------------------

    def reference_data(self):
        for code, name in demo.DISTRICTS:
            District.objects.get_or_create(code=code, defaults={"name": name})
        districts = {d.code: d for d in District.objects.all()}
        from enrollment.models import CentreAccount

        CentreAccount.objects.get_or_create(
            active=True,
            defaults={"account_name": "威海市职工互助保障服务中心", "bank": "中国工商银行威海分行营业部",
                      "number": "1614 0200 0920 0088 888"},
        )  # fmt: skip
        from enrollment.models import ReceiptSeries

        ReceiptSeries.objects.get_or_create(
            active=True, defaults={"prefix": "WH", "issuer_name": "威海市职工互助保障服务中心"}
        )
        for code, name, uscc, district, staff in demo.UNITS:
            Unit.objects.get_or_create(
                code=code,
                defaults={"name": name, "uscc": uscc, "district": districts[district], "declared_staff": staff,
                          "contact_name": "工会经办人", "contact_phone": "0631-5200000", "chair_name": "工会主席",
                          "address": f"威海市{districts[district].name}"},
            )  # fmt: skip
        units = {u.code: u for u in Unit.objects.filter(code__in=[u[0] for u in demo.UNITS])}
        for k, (name, sex, number, unit, needy, occupation) in enumerate(demo.PEOPLE, start=1):
            account = demo.ACCOUNTS.get(number, f"6222{number[-12:]}")
            Member.objects.get_or_create(
                id_number=number,
                defaults={"name": name, "sex": sex, "birth_date": date(int(number[6:10]), int(number[10:12]),
                          int(number[12:14])), "unit": units[unit], "needy": needy, "occupation": occupation,
                          "insurance_card": f"W{number[-8:]}", "phone": f"1380631{k:04d}",
                          "bank_name": "中国工商银行威海分行", "bank_account": account},
            )  # fmt: skip
        for code, (name, items) in demo.CATALOGUES.items():
            catalogue, _ = Catalogue.objects.get_or_create(code=code, defaults={"name": name})
            for item_code, item_name in items:
                CatalogueItem.objects.get_or_create(catalogue=catalogue, code=item_code, defaults={"name": item_name})
        items = {(i.catalogue.code, i.code): i for i in CatalogueItem.objects.select_related("catalogue")}
        for number, name, cstart, cend, estart, eend in demo.PERIODS:
            period, _ = Period.objects.get_or_create(
                number=number,
                defaults={"name": name, "coverage_start": cstart, "coverage_end": cend,
                          "enrollment_start": estart, "enrollment_end": eend},
            )  # fmt: skip
            for spec in demo.plan_specs(number):
                spec = dict(spec)
                tiers = spec.pop("tiers", [])
                lump_sums = spec.pop("lump_sums", [])
                high = spec.pop("high_rate_catalogue", None)
                if high:
                    spec["high_rate_catalogue"] = Catalogue.objects.get(code=high)
                plan, created = Plan.objects.get_or_create(period=period, code=spec.pop("code"), defaults=spec)
                if not created:
                    continue
                plan.full_clean()
                for up_to, rate in tiers:
                    PlanTier.objects.create(plan=plan, up_to=up_to, rate=rate)
                for code, amount in lump_sums:
                    catalogue = "F" if code.startswith("F") else "DD"
                    PlanLumpSum.objects.create(plan=plan, item=items[(catalogue, code)], amount_per_share=amount)

    def users(self) -> dict[str, User]:
        return make_users(demo.USERS, password=demo.DEMO_PASSWORD, display_names=demo.DISPLAY_NAMES,
                          phones=demo.STAFF_PHONES)  # fmt: skip

    # --- named records -----------------------------------------------------------------

    def enroll(self, users, *, period, plan, unit, people, declared, submitted, approved, paid_on=None, shares=1):
        """One application through its life as the pages take it: create, the people typed in one by
        one, submit, approve; its transfer arrives on ``paid_on`` (see ``receive_transfers``)."""
        plan = Plan.objects.get(period__number=period, code=plan)
        unit = Unit.objects.get(code=unit)
        clerk = users[f"clerk_{unit.code.lower()}"]
        district_user = users.get(f"district_{unit.district.code.lower()}")
        with at(submitted):
            application = services.application_create(actor=clerk, plan=plan, unit=unit, declared_staff=declared)
            for name in people:
                services.roster_add_person(actor=clerk, application=application,
                                           person=typed_in(Member.objects.get(name=name), shares))  # fmt: skip
            services.application_submit(actor=clerk, application=application)
            services.application_district_approve(actor=district_user, application=application, comment="同意")
        with at(approved):
            services.application_centre_approve(actor=users["centre_handler"], application=application, comment="同意")
        application.refresh_from_db()
        if paid_on and application.amount_due > 0:
            self.transfers.setdefault(paid_on, []).append(application)
        return application

    def receive_transfers(self, users):
        """The centre imports each day's bank statement, as on its page: every unit's transfer names
        its invoice in the memo (DOMAIN.md §10), so each is matched and its coverages start."""
        for day, applications in sorted(self.transfers.items()):
            with at(day, 15):
                services.statement_import(actor=users["centre_handler"], data=statement_file(day, applications),
                                          filename=f"工行对账单-{day:%Y%m%d}.csv")  # fmt: skip
        self.transfers.clear()

    def claim(self, users, *, member, plan, period, submitted, paid_on, **details):
        from claims import services as claim_services

        coverage = Coverage.objects.get(member__name=member, plan__period__number=period, plan__code=plan)
        clerk = users[f"clerk_{coverage.unit.code.lower()}"]
        with at(submitted):
            claim = claim_services.claim_create(actor=clerk, coverage=coverage, **details)
            attach_required(claim, clerk)
            claim = claim_services.claim_submit(actor=clerk, claim=claim)
            claim = claim_services.claim_district_approve(
                actor=users[f"district_{coverage.unit.district.code.lower()}"], claim=claim, comment="情况属实，同意"
            )
        with at(submitted + timedelta(days=7)):
            claim = claim_services.claim_check(actor=users["centre_handler"], claim=claim, comment="材料齐全")
            claim = claim_services.claim_receive_originals(actor=users["centre_handler"], claim=claim)
            claim = claim_services.claim_approve(actor=users["centre_head"], claim=claim, comment="同意给付")
        with at(paid_on):
            batch = claim_services.payout_batch_create(actor=users["centre_handler"], claims=[claim])
            claim_services.payout_batch_mark_paid(
                actor=users["centre_head"], batch=batch, paid_on=paid_on, bank_reference=f"HD{batch.reference[1:]}"
            )
        claim.refresh_from_db()
        return claim

    def records(self, users):
        d = date
        self.transfers = {}
        # Period 15
        self.enroll(
            users,
            period=15,
            plan="MED",
            unit="U001",
            people=["张伟", "王强"],
            declared=2,
            submitted=d(2025, 3, 2),
            approved=d(2025, 3, 5),
            paid_on=d(2025, 3, 10),
        )
        self.enroll(
            users,
            period=15,
            plan="MED",
            unit="U002",
            people=["刘洋"],
            declared=1,
            submitted=d(2025, 3, 2),
            approved=d(2025, 3, 5),
            paid_on=d(2025, 3, 10),
        )
        self.enroll(
            users,
            period=15,
            plan="DD",
            unit="U001",
            people=["张伟"],
            declared=2,
            shares=3,
            submitted=d(2025, 3, 2),
            approved=d(2025, 3, 5),
            paid_on=d(2025, 3, 10),
        )
        self.receive_transfers(users)
        self.claim(
            users,
            member="张伟",
            plan="DD",
            period=15,
            submitted=d(2025, 9, 20),
            paid_on=d(2025, 10, 15),
            kind="diagnosis",
            event_date=d(2025, 9, 10),
            diagnosis="DD15",
            diagnosis_text="冠状动脉支架植入术",
            hospital="威海市立医院",
        )
        # Period 16
        early = {"submitted": d(2026, 3, 2), "approved": d(2026, 3, 5), "paid_on": d(2026, 3, 10)}
        self.enroll(users, period=16, plan="MED", unit="U001", people=["张伟", "王强"], declared=2, **early)
        self.enroll(users, period=16, plan="MED", unit="U002", people=["刘洋", "陈静"], declared=2, **early)
        self.enroll(users, period=16, plan="DD", unit="U001", people=["张伟"], declared=3, shares=5, **early)
        self.enroll(users, period=16, plan="ALW", unit="U001", people=["王强"], declared=3, **early)
        self.enroll(users, period=16, plan="ACC", unit="U002", people=["刘洋", "陈静"], declared=2, shares=3, **early)
        self.enroll(users, period=16, plan="NEEDY", unit="U001", people=["王强"], declared=3, **early)
        hired = {"submitted": d(2026, 4, 8), "approved": d(2026, 4, 10), "paid_on": d(2026, 4, 14)}
        self.enroll(users, period=16, plan="MED", unit="U001", people=["李娜"], declared=3, **hired)
        self.enroll(users, period=16, plan="FEM", unit="U001", people=["李娜"], declared=3, shares=2, **hired)
        may = {"submitted": d(2026, 4, 20), "approved": d(2026, 4, 30), "paid_on": d(2026, 4, 30)}
        self.enroll(users, period=16, plan="MW", unit="U003", people=["赵敏", "孙磊"], declared=2, shares=2, **may)
        self.enroll(users, period=16, plan="GIG", unit="U004", people=["周芳"], declared=1, **may)
        self.receive_transfers(users)
        self.claim(
            users,
            member="王强",
            plan="MED",
            period=16,
            submitted=d(2026, 5, 25),
            paid_on=d(2026, 6, 20),
            kind="hospital_stay",
            admitted=d(2026, 5, 3),
            discharged=d(2026, 5, 20),
            total_cost=Decimal("32000"),
            basic_insurance_paid=Decimal("12000"),
            hospital="威海市立医院",
            diagnosis_text="冠心病",
            invoice_numbers="37100026050001",
        )
        # Awaiting payment
        pending = {"submitted": d(2026, 11, 16), "approved": d(2026, 11, 20)}
        self.enroll(users, period=16, plan="FEM", unit="U003", people=["赵敏"], declared=2, shares=2, **pending)
        self.enroll(users, period=16, plan="ALW", unit="U002", people=["刘洋", "陈静"], declared=2, **pending)
        self.enroll(users, period=16, plan="MED", unit="U003", people=["赵敏", "孙磊"], declared=2, **pending)
