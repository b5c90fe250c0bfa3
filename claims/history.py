"""Going live from Excel (issue 21): the centre's paid claims, and the one entry point that imports
both files, ``history_import``.

Paid claims live here because they are claims (enrollment may not import claims); the coverages'
half and the pieces both share are ``enrollment.services.history``. An imported claim is a paid
claim like any other (status 已支付, its amount, its eligible expense, its condition), so the engine's
history (E, paid so far, conditions once per plan code, days), the statistics and the member's
pages count it without knowing it came from a sheet; ``imported_from`` and ``source_row`` say
where it came from, and the services refuse to act on it.

Two phases in one transaction: every row of both files is read and checked (in Python as it
streams, then set queries over the temporary tables against what the system holds); only when
nothing is wrong, and it is no dry run, are the rows written, one ``HistoryImport`` and one audit
row per file. Otherwise the transaction is rolled back and nothing stays, not even the tables.
"""

import hashlib
import time
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path

from django.db import connection, transaction
from django.utils import timezone

from claims import summary
from claims.models import COUNTED_STATUSES, Claim, ClaimKind, ClaimStatus
from enrollment import summary as enrollment_summary
from enrollment.models import Application, ApplicationStatus, HistoryImport, HistoryKind, PlanKind, PlanLumpSum
from enrollment.roster.writing import analyze
from enrollment.services import history as base
from enrollment.services.history import Converted, Copier, Log, Staged
from mutualaid.audit import mark_bulk, recorded_by_service
from mutualaid.lib.sheet_import import shown, text
from mutualaid.models import AuditAction, audit
from mutualaid.scoping import CITY_ROLES, require

CLAIM_ALIASES = {
    "period": ("期数", "期次"),
    "id_number": ("身份证号码", "身份证号", "身份证", "公民身份号码"),
    "plan": ("项目代码", "项目编码"),
    "kind": ("申领类型", "给付类型"),
    "event_date": ("事件日期", "出险日期"),
    "disease": ("疾病编码",),
    "paid": ("给付金额", "赔付金额"),
    "paid_on": ("给付日期", "支付日期"),
    "expense": ("可报销费用", "合规费用"),
    "days": ("津贴天数", "住院天数"),
}
CLAIM_REQUIRED = ("period", "id_number", "plan", "kind", "event_date", "paid", "paid_on")
CLAIM_LABELS = {"period": "期数", "id_number": "身份证号码", "plan": "项目代码", "kind": "申领类型",
                "event_date": "事件日期", "disease": "疾病编码", "paid": "给付金额", "paid_on": "给付日期",
                "expense": "可报销费用", "days": "津贴天数"}  # fmt: skip
KINDS = {
    "住院": ClaimKind.HOSPITAL_STAY, "确诊": ClaimKind.DIAGNOSIS, "手术": ClaimKind.DIAGNOSIS,
    "确诊/手术": ClaimKind.DIAGNOSIS, "确诊手术": ClaimKind.DIAGNOSIS, "疾病": ClaimKind.DIAGNOSIS,
    "意外伤残": ClaimKind.DISABILITY, "伤残": ClaimKind.DISABILITY, "身故": ClaimKind.DEATH, "死亡": ClaimKind.DEATH,
    **{kind.value: kind for kind in ClaimKind},
}  # fmt: skip
# Which kinds each kind of plan pays (DOMAIN.md §5).
PLAN_KINDS = {
    PlanKind.REIMBURSEMENT: {ClaimKind.HOSPITAL_STAY},
    PlanKind.ALLOWANCE: {ClaimKind.HOSPITAL_STAY, ClaimKind.DISABILITY, ClaimKind.DEATH},
    PlanKind.LUMP_SUM: {ClaimKind.DIAGNOSIS, ClaimKind.DEATH},
    PlanKind.ACCIDENT: {ClaimKind.HOSPITAL_STAY, ClaimKind.DISABILITY, ClaimKind.DEATH},
}
CLAIM_COLUMNS = ("row_number", "period_id", "period_number", "plan_id", "plan_code", "plan_kind", "id_number",
                 "kind", "cause", "event_date", "disease", "paid", "paid_on", "expense", "days", "import_key")  # fmt: skip


@dataclass
class HistoryResult:
    coverages: dict | None = None
    claims: dict | None = None
    errors: list[dict] = field(default_factory=list)
    error_count: int = 0
    converted: Converted = field(default_factory=Converted)
    totals: list[dict] = field(default_factory=list)
    written: bool = False
    imports: list[HistoryImport] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)  # seconds per step, for benchmark_history

    def as_dict(self) -> dict:
        return {
            "coverages": self.coverages, "claims": self.claims, "errors": self.errors,
            "error_count": self.error_count, "converted": self.converted.rows,
            "converted_count": self.converted.count, "written": self.written,
            "totals": [{**t, "premium": str(t["premium"]), "paid": str(t["paid"])} for t in self.totals],
        }  # fmt: skip


def _file_summary(staged: Staged) -> dict:
    return {"file": staged.file, "rows": staged.rows, "new": staged.new, "unchanged": staged.unchanged,
            "skipped": staged.skipped}  # fmt: skip


# --- paid claims ---------------------------------------------------------------------------


def claims_stage(path, filename: str, *, log: Log, converted: Converted, today: date) -> Staged:
    """Read the paid-claims file into ``pg_temp.history_claims``, every row checked on its own."""
    from mutualaid.lib.idcard import IdNumberError, validate_id

    staged = Staged(filename)
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS pg_temp.history_claims")
        cursor.execute(
            """CREATE TEMP TABLE history_claims (
                 row_number int, period_id int, period_number int, plan_id int, plan_code text, plan_kind text,
                 id_number text, kind text, cause text, event_date date, disease text, paid numeric(14, 2),
                 paid_on date, expense numeric(14, 2), days int, import_key text,
                 state text NOT NULL DEFAULT 'new', coverage_id int) ON COMMIT DROP"""
        )
    found = base.stream_rows(path, filename, CLAIM_ALIASES, CLAIM_REQUIRED, CLAIM_LABELS, filename, log)
    if found is None:
        return staged
    header, rows = found
    columns, headers = header.columns, header.headers
    find_period, plans = base.period_lookup(), base.plan_lookup()
    lump_codes: dict[int, set[str]] = {}
    for plan_id, code in PlanLumpSum.objects.values_list("plan_id", "item__code"):
        lump_codes.setdefault(plan_id, set()).add(code)

    def cell(raw, name):
        position = columns.get(name)
        return None if position is None or position >= len(raw) else raw[position]

    with connection.cursor() as cursor:
        copier = Copier(cursor, "history_claims", CLAIM_COLUMNS)
        for excel_row, raw in rows:
            if base.is_blank_or_total(raw, columns["id_number"]):
                staged.skipped += 1
                continue
            staged.rows += 1
            wrong = []

            def problem(name, code, message, excel_row=excel_row, wrong=wrong):
                wrong.append(code)
                log.add(filename, excel_row, headers.get(name) or CLAIM_LABELS[name], code, message)

            raw_id, _ = base.read_id(cell(raw, "id_number"), filename, excel_row, converted)
            number = ""
            try:
                number = validate_id(raw_id, today=today).number
            except IdNumberError as exc:
                problem("id_number", exc.code, exc.message.rstrip("。") + "。")
            period = find_period(cell(raw, "period"))
            plan = None
            if period is None:
                problem("period", "period_unknown",
                        f"系统中没有第“{shown(text(cell(raw, 'period')))}”期：请先在管理后台建立该期及其保障项目。")  # fmt: skip
            else:
                code = text(cell(raw, "plan")).upper()
                plan = plans.get((period.pk, code))
                if plan is None:
                    problem("plan", "plan_unknown", f"第 {period.number} 期没有项目代码“{shown(code)}”。")
            kind_text = text(cell(raw, "kind")).replace(" ", "")
            kind = KINDS.get(kind_text)
            if kind is None:
                problem(
                    "kind",
                    "kind_invalid",
                    f"申领类型“{shown(kind_text)}”无法识别，请填 住院、确诊/手术、意外伤残 或 身故。",
                )
            elif plan is not None and kind not in PLAN_KINDS.get(plan.kind, set(ClaimKind)):
                problem("kind", "kind_invalid", f"{plan.code}（{plan.get_kind_display()}）不给付“{kind.label}”。")
            event, paid_on = base.parse_date(cell(raw, "event_date")), base.parse_date(cell(raw, "paid_on"))
            for name, value in (("event_date", event), ("paid_on", paid_on)):
                if value is None:
                    problem(name, "date_invalid", f"日期“{shown(text(cell(raw, name)))}”无法识别，请写成 2025-03-12。")
            paid = base.parse_amount(cell(raw, "paid"))
            if paid is None:
                problem("paid", "amount_invalid", f"给付金额“{shown(text(cell(raw, 'paid')))}”不是有效金额。")
            expense = None
            if text(cell(raw, "expense")) != "":
                expense = base.parse_amount(cell(raw, "expense"))
                if expense is None:
                    problem(
                        "expense", "amount_invalid", f"可报销费用“{shown(text(cell(raw, 'expense')))}”不是有效金额。"
                    )
            elif plan is not None and plan.kind == PlanKind.REIMBURSEMENT:
                problem("expense", "expense_missing",
                        "医疗费用补偿项目须填写可报销费用（合规费用 e），累计起付线和封顶线据此计算。")  # fmt: skip
            disease = text(cell(raw, "disease")).upper()
            if plan is not None and plan.kind == PlanKind.LUMP_SUM and kind == ClaimKind.DIAGNOSIS:
                if not disease:
                    problem("disease", "disease_missing", "一次性给付须填写疾病编码（同一疾病只给付一次）。")
                elif disease not in lump_codes.get(plan.pk, ()):
                    problem("disease", "disease_unknown", f"疾病编码“{shown(disease)}”不在第 {period.number} 期 "
                            f"{plan.code} 的给付目录中。")  # fmt: skip
            days = 0
            if text(cell(raw, "days")) != "":
                word = text(cell(raw, "days"))
                if word.isascii() and word.isdigit() and int(word) <= 366:
                    days = int(word)
                else:
                    problem("days", "amount_invalid", f"津贴天数“{shown(word)}”应为整数。")
            if wrong:
                continue
            assert plan is not None and period is not None and kind is not None
            cause = "accident" if plan.kind == PlanKind.ACCIDENT or kind == ClaimKind.DISABILITY else "illness"
            key = f"{period.number}|{plan.code}|{number}|{kind.value}|{event}"
            staged.staged += 1
            copier.add((excel_row, period.pk, period.number, plan.pk, plan.code, plan.kind, number, kind.value,
                        cause, event, disease if kind == ClaimKind.DIAGNOSIS else "", paid, paid_on,
                        expense or Decimal("0.00"), days, key))  # fmt: skip
        copier.flush()
        cursor.execute("CREATE INDEX ON history_claims (id_number, plan_id)")
        cursor.execute("ANALYZE history_claims")
    return staged


def claims_check(staged: Staged, *, log: Log, with_coverages: bool) -> None:
    file, labels = staged.file, CLAIM_LABELS
    rows = base._rows
    with connection.cursor() as cursor:
        # The coverage each claim was paid under: in the coverages file, or already held.
        if with_coverages:
            cursor.execute(
                """UPDATE history_claims k SET state = 'file' FROM history_coverages h
                   WHERE h.id_number = k.id_number AND h.plan_id = k.plan_id
                     AND k.event_date BETWEEN h.effective_from AND h.effective_to"""
            )
        cursor.execute(
            """UPDATE history_claims k SET coverage_id = c.id FROM enrollment_member m, enrollment_coverage c
               WHERE m.id_number = k.id_number AND c.member_id = m.id AND c.plan_id = k.plan_id AND c.status = 'active'"""
        )
        outside = (
            "(k.coverage_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM enrollment_coverage c WHERE c.id = k.coverage_id"
            " AND k.event_date BETWEEN c.effective_from AND c.effective_to))"
        )
        in_file = (
            "EXISTS (SELECT 1 FROM history_coverages h WHERE h.id_number = k.id_number AND h.plan_id = k.plan_id)"
            if with_coverages
            else "false"
        )
        for (row,) in rows(cursor, f"""SELECT row_number FROM history_claims k
                WHERE k.state <> 'file' AND (k.coverage_id IS NULL AND NOT {in_file})"""):  # fmt: skip
            log.add(file, row, labels["id_number"], "coverage_missing",
                    "找不到该人员本期此项目的参保记录（导入文件和系统中都没有）：请先导入参保记录。")  # fmt: skip
        for (row,) in rows(cursor, f"""SELECT row_number FROM history_claims k
                WHERE k.state <> 'file' AND ({outside} OR (k.coverage_id IS NULL AND {in_file}))"""):  # fmt: skip
            log.add(
                file, row, labels["event_date"], "date_outside_coverage", "事件日期不在该人员本期此项目的保障期内。"
            )
        for row, first in rows(cursor, """SELECT row_number, first FROM (
                SELECT row_number, min(row_number) OVER (PARTITION BY import_key) AS first FROM history_claims) d
                WHERE row_number <> first"""):  # fmt: skip
            log.add(
                file, row, None, "duplicate_in_file", f"同一人同一项目、同一事件日期和申领类型与第 {first} 行重复。"
            )
        # Imported before: the same is nothing to do, a different amount is an error.
        cursor.execute(
            """UPDATE history_claims k SET state = CASE WHEN c.approved_amount = k.paid
                   AND c.eligible_expense = k.expense THEN 'same' ELSE 'differs' END
               FROM claims_claim c WHERE c.import_key = k.import_key"""
        )
        for row, amount in rows(cursor, """SELECT k.row_number, c.approved_amount FROM history_claims k
                JOIN claims_claim c ON c.import_key = k.import_key WHERE k.state = 'differs'"""):  # fmt: skip
            log.add(
                file, row, labels["paid"], "claim_differs", f"系统已导入过这笔理赔（给付 {amount} 元），与本行不一致。"
            )
        # Entered here already (the same person, plan, kind and day, not imported): counted twice otherwise.
        for row, reference in rows(cursor, f"""SELECT k.row_number, min(c.reference) FROM history_claims k
                JOIN enrollment_member m ON m.id_number = k.id_number
                JOIN claims_claim c ON c.member_id = m.id AND c.plan_id = k.plan_id AND c.kind = k.kind
                  AND COALESCE(c.admitted, c.event_date) = k.event_date AND c.import_key = ''
                  AND c.status IN ({", ".join(["%s"] * len(COUNTED_STATUSES))})
                WHERE k.state IN ('new', 'file') GROUP BY k.row_number""", COUNTED_STATUSES):  # fmt: skip
            log.add(file, row, None, "claim_in_system", f"系统中已有这次事件的申领 {reference}，不能再导入。")
        # Once per condition per plan code, across periods (DOMAIN.md §5).
        for row, where in rows(cursor, f"""SELECT k.row_number, min(COALESCE(c.reference, '第 ' || e.row_number || ' 行'))
                FROM history_claims k
                LEFT JOIN enrollment_member m ON m.id_number = k.id_number
                LEFT JOIN claims_claim c ON c.member_id = m.id AND c.condition = k.disease AND c.import_key <> k.import_key
                  AND c.status IN ({", ".join(["%s"] * len(COUNTED_STATUSES))})
                  AND c.plan_id IN (SELECT id FROM enrollment_plan WHERE code = k.plan_code)
                LEFT JOIN history_claims e ON e.id_number = k.id_number AND e.plan_code = k.plan_code
                  AND e.disease = k.disease AND e.row_number < k.row_number
                WHERE k.disease <> '' AND k.state IN ('new', 'file') AND (c.id IS NOT NULL OR e.row_number IS NOT NULL)
                GROUP BY k.row_number""", COUNTED_STATUSES):  # fmt: skip
            log.add(
                file,
                row,
                labels["disease"],
                "condition_paid",
                f"该疾病已按同一项目给付过（{where}），每种疾病只给付一次。",
            )
        cursor.execute(
            "SELECT count(*) FILTER (WHERE state IN ('new', 'file')), count(*) FILTER (WHERE state = 'same')"
            " FROM history_claims"
        )
        staged.new, staged.unchanged = cursor.fetchone()


def claims_write(*, source, actor) -> int:
    """The new paid claims, each on its coverage (now all written), numbered after the unit's own."""
    with connection.cursor() as cursor:
        cursor.execute(
            """UPDATE history_claims k SET coverage_id = c.id FROM enrollment_member m, enrollment_coverage c
               WHERE k.coverage_id IS NULL AND m.id_number = k.id_number AND c.member_id = m.id
                 AND c.plan_id = k.plan_id AND c.status = 'active'"""
        )
        seq = "COALESCE(s.seq, 0) + row_number() OVER (PARTITION BY k.plan_id, c.unit_id ORDER BY k.row_number)"
        return base.insert_select(
            cursor, Claim,
            {"reference": f"k.period_number || '-' || k.plan_code || '-' || u.code || '-C' || ({seq})",
             "seq": seq, "coverage_id": "c.id", "member_id": "c.member_id", "plan_id": "k.plan_id",
             "unit_id": "c.unit_id", "status": ("%s", [ClaimStatus.PAID]), "kind": "k.kind", "cause": "k.cause",
             "admitted": "CASE WHEN k.kind = 'hospital_stay' THEN k.event_date END",
             "event_date": "CASE WHEN k.kind <> 'hospital_stay' THEN k.event_date END",
             "diagnosis": "k.disease", "condition": "k.disease",
             "is_condolence": "(k.plan_kind = 'LUMP_SUM' AND k.kind = 'death')",
             "computed_amount": "k.paid", "approved_amount": "k.paid", "decision": "'imported'",
             "rules_version": "'imported'", "eligible_expense": "k.expense", "days": "k.days",
             "accident_medical": "CASE WHEN k.plan_kind = 'ACCIDENT' AND k.kind = 'hospital_stay' THEN k.paid ELSE 0 END",
             "disability_amount": "CASE WHEN k.kind = 'disability' THEN k.paid ELSE 0 END",
             "payee_name": "m.name",
             "created_by_id": ("%s", [getattr(actor, "pk", None)]),
             "paid_at": "(k.paid_on::timestamp AT TIME ZONE 'Asia/Shanghai')",
             "approved_at": "(k.paid_on::timestamp AT TIME ZONE 'Asia/Shanghai')",
             "last_comment": ("%s", [source.where(None)]),
             "imported_from_id": ("%s", [source.pk]), "source_row": "k.row_number", "import_key": "k.import_key"},
            """FROM history_claims k JOIN enrollment_coverage c ON c.id = k.coverage_id
               JOIN enrollment_member m ON m.id = c.member_id JOIN enrollment_unit u ON u.id = c.unit_id
               LEFT JOIN (SELECT plan_id, unit_id, max(seq) AS seq FROM claims_claim GROUP BY plan_id, unit_id) s
                 ON s.plan_id = k.plan_id AND s.unit_id = c.unit_id
               WHERE k.state IN ('new', 'file')""",
        )  # fmt: skip


# --- the reconciliation report -----------------------------------------------------------------


def totals(*, with_coverages: bool, with_claims: bool) -> list[dict]:
    """Per period and plan the files touch: persons, shares, premiums, paid claims and amount paid,
    as the system holds them once the files are in (what it holds already plus the files' new rows),
    to set beside the centre's own totals. The same figures in a dry run and after the import."""
    touched, new_cov, new_claims = [], "", ""
    if with_coverages:
        touched.append("SELECT plan_id FROM history_coverages")
        new_cov = """UNION ALL SELECT plan_id, member_id, id_number, shares, premium FROM history_coverages
                     WHERE state = 'new'"""
    if with_claims:
        touched.append("SELECT plan_id FROM history_claims")
        new_claims = "UNION ALL SELECT plan_id, paid FROM history_claims WHERE state IN ('new', 'file')"
    if not touched:
        return []
    plans = " UNION ".join(touched)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""WITH touched AS ({plans}),
                cov AS (SELECT c.plan_id, c.member_id, NULL::text AS id_number, c.shares, NULL::numeric AS premium
                        FROM enrollment_coverage c WHERE c.status = 'active' AND c.plan_id IN (SELECT plan_id FROM touched)
                        {new_cov}),
                cov_totals AS (SELECT plan_id, count(DISTINCT COALESCE(member_id::text, id_number)) AS persons,
                                      sum(shares) AS shares, sum(premium) AS premium FROM cov GROUP BY plan_id),
                prem AS (SELECT plan_id, sum(amount_paid - amount_refunded) AS premium FROM enrollment_application
                         WHERE status IN (%s, %s) AND plan_id IN (SELECT plan_id FROM touched) GROUP BY plan_id),
                clm AS (SELECT plan_id, approved_amount AS paid FROM claims_claim
                        WHERE status = %s AND plan_id IN (SELECT plan_id FROM touched) {new_claims}),
                clm_totals AS (SELECT plan_id, count(*) AS claims, sum(paid) AS paid FROM clm GROUP BY plan_id)
               SELECT p.number, pl.code, COALESCE(ct.persons, 0), COALESCE(ct.shares, 0),
                      COALESCE(prem.premium, 0) + COALESCE(ct.premium, 0), COALESCE(kt.claims, 0), COALESCE(kt.paid, 0)
               FROM enrollment_plan pl JOIN enrollment_period p ON p.id = pl.period_id
               LEFT JOIN cov_totals ct ON ct.plan_id = pl.id LEFT JOIN prem ON prem.plan_id = pl.id
               LEFT JOIN clm_totals kt ON kt.plan_id = pl.id
               WHERE pl.id IN (SELECT plan_id FROM touched) ORDER BY p.number, pl.priority, pl.code""",
            [ApplicationStatus.CENTRE_APPROVED, ApplicationStatus.EFFECTIVE, ClaimStatus.PAID],
        )
        return [
            {"period": number, "plan": code, "persons": persons, "shares": int(shares),
             "premium": Decimal(premium).quantize(base.CENT), "claims": claims, "paid": Decimal(paid).quantize(base.CENT)}
            for number, code, persons, shares, premium, claims, paid in cursor.fetchall()
        ]  # fmt: skip


def totals_workbook(rows: list[dict]) -> bytes:
    """The reconciliation report as .xlsx: numbers as numbers, a total row at the foot."""
    from mutualaid.lib.spreadsheet import workbook_bytes

    header = ["期数", "项目代码", "参保人数", "份数", "会费", "理赔件数", "给付金额"]
    body = [[r["period"], r["plan"], r["persons"], r["shares"], r["premium"], r["claims"], r["paid"]] for r in rows]
    body.append(["合计", "", sum(r["persons"] for r in rows), sum(r["shares"] for r in rows),
                 sum((r["premium"] for r in rows), Decimal("0.00")), sum(r["claims"] for r in rows),
                 sum((r["paid"] for r in rows), Decimal("0.00"))])  # fmt: skip
    return workbook_bytes([("核对汇总", header, body)])


# --- the entry point ---------------------------------------------------------------------------


# What the job's page says once each step is done (the worker's progress: steps, not rows).
STEP_WORDS = {
    "coverages_read": "参保记录已读取，正在与系统核对…", "coverages_check": "参保记录已核对",
    "claims_read": "理赔记录已读取，正在与系统核对…", "claims_check": "理赔记录已核对",
    "totals": "核对汇总已算出", "coverages_write": "参保记录已写入", "claims_write": "理赔记录已写入",
    "analyze": "完成",
}  # fmt: skip


def _digest(path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@transaction.atomic(durable=True)
@recorded_by_service
def history_import(*, actor, coverages=None, claims=None, coverages_name=None, claims_name=None,
                   dry_run: bool = False, progress=None) -> HistoryResult:  # fmt: skip
    """Import the centre's past coverages and/or paid claims (paths to .xlsx or .csv files). Every
    row of both is checked first; anything wrong, or ``dry_run``, writes nothing. A second import of
    the same files finds every row already held and changes nothing. Raises ``UnreadableFile`` for a
    file that cannot be read at all. ``actor`` None is the command line (the centre's own machine)."""
    if actor is not None:
        require(actor, CITY_ROLES, message="只有市中心可以导入历史数据。")
    result, log, today = HistoryResult(), Log(), timezone.localdate()
    with connection.cursor() as cursor:
        # Sorts and hashes over millions of staged rows stay in memory instead of spilling to disk
        # (the default 4 MB); for this transaction only.
        cursor.execute("SET LOCAL work_mem = '128MB'")
    clock = [time.perf_counter()]

    def lap(step: str) -> None:
        clock.append(time.perf_counter())
        result.timings[step] = clock[-1] - clock[-2]
        if progress is not None:
            progress.step(STEP_WORDS.get(step, step))

    staged_cov = staged_claims = None
    if coverages is not None:
        name = coverages_name or Path(coverages).name
        staged_cov = base.coverages_stage(coverages, name, log=log, converted=result.converted, today=today)
        lap("coverages_read")
        base.coverages_check(staged_cov, log=log)
        lap("coverages_check")
        result.coverages = _file_summary(staged_cov)
    if claims is not None:
        name = claims_name or Path(claims).name
        staged_claims = claims_stage(claims, name, log=log, converted=result.converted, today=today)
        lap("claims_read")
        claims_check(staged_claims, log=log, with_coverages=staged_cov is not None)
        lap("claims_check")
        result.claims = _file_summary(staged_claims)
    result.totals = totals(with_coverages=staged_cov is not None, with_claims=staged_claims is not None)
    lap("totals")
    result.errors, result.error_count = sorted(log.errors, key=_error_order), log.count
    if log.count or dry_run:
        transaction.set_rollback(True)
        return result
    mark_bulk()  # one audit row per file says what it added
    for kind, staged, path in (
        (HistoryKind.COVERAGES, staged_cov, coverages),
        (HistoryKind.CLAIMS, staged_claims, claims),
    ):
        if staged is None or not staged.new:
            continue  # nothing new in it (a second import): nothing written, not even its record
        source = HistoryImport.objects.create(
            kind=kind, file_name=staged.file[:200], sha256=_digest(path), rows=staged.rows, created=staged.new,
            unchanged=staged.unchanged, imported_by=actor,
        )  # fmt: skip
        if kind == HistoryKind.COVERAGES:
            base.coverages_write(staged, source=source)
            # Fresh planner statistics before the claims join the coverages just written: a million new
            # rows the planner believes absent turn the next join into a nested loop of minutes.
            analyze("enrollment_coverage")
            lap("coverages_write")
        else:
            claims_write(source=source, actor=actor)
            lap("claims_write")
        renewals = f"，下一期 {staged.renewals:,} 人改为续保" if staged.renewals else ""
        audit(actor=actor, obj=source, action=AuditAction.HISTORY_IMPORT,
              comment=f"导入{source.get_kind_display()}：新增 {staged.new:,} 条，已有 {staged.unchanged:,} 条{renewals}",
              data={"file": staged.file, "rows": staged.rows, "created": staged.new, "unchanged": staged.unchanged,
                    "renewals": staged.renewals, "sha256": source.sha256})  # fmt: skip
        result.imports.append(source)
    result.written = bool(result.imports)
    if staged_cov is not None and result.coverages is not None:
        result.coverages["renewals"] = staged_cov.renewals
    analyze("enrollment_rosterline", "claims_claim")
    _summarise(result.imports)  # once the planner knows the new rows
    lap("analyze")
    return result


def _summarise(imports: list[HistoryImport]) -> None:
    """The statistics' summary of the plans and districts the files wrote to, recounted: the
    cumulative figures include the past periods from this transaction on."""
    for source in imports:
        if source.kind == HistoryKind.COVERAGES:
            applications = Application.objects.filter(imported_from=source).values_list("pk", flat=True)
            enrollment_summary.refresh_applications(applications, recount=True)
        else:
            summary.refresh_claims(Claim.objects.filter(imported_from=source).values_list("pk", flat=True))


def _error_order(error: dict):
    return (error["file"], error["row"] or 0)
